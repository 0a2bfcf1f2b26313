"""ROUT outlier removal (Motulsky & Brown 2006, BMC Bioinformatics 7:123).

1. Fit by least squares, then robustly: minimise sum log(1 + (r_i / RSDR)^2) (Lorentzian
   /Cauchy loss), with the robust SD of the residuals RSDR = P68.27(|r|) n / (n - K)
   (the 68.27th percentile of the absolute residuals, corrected for K fitted parameters),
   recomputed from the robust fit and refitted once.
2. For each point, t = |r_i| / RSDR and a two-sided P value from t with n - K degrees of
   freedom; the P values are tested with the Benjamini-Hochberg false discovery rate at
   Q (default 1%): with P sorted ascending, every point up to the largest rank i with
   P_(i) <= Q i / n is an outlier.
3. The outliers are removed, listed (index, conc, response) and the curve is refitted by
   ordinary least squares.
"""
from __future__ import annotations

import numpy as np
from scipy import stats

from ..errors import ParameterError
from ._inputs import CurveData
from .lsq import least_squares_fit


def rout_q(outliers) -> float:
    """The Q of ``outliers="rout"`` (1%) or a number in (0, 0.5)."""
    if isinstance(outliers, str) and outliers.lower() == "rout":
        return 0.01
    if isinstance(outliers, (int, float)) and not isinstance(outliers, bool) and 0 < outliers < 0.5:
        return float(outliers)
    raise ParameterError("outliers", outliers, 'None, "rout" (Q = 1%) or a Q value between 0 and 0.5, e.g. 0.01')


def robust_sd(residuals, n_params: int) -> float:
    """RSDR = 68.27th percentile of |r| x n / (n - K) (Motulsky & Brown 2006, eq. 2)."""
    n = residuals.size
    return float(np.percentile(np.abs(residuals), 68.27) * n / max(n - n_params, 1))


def rout_flags(residuals, rsdr: float, n_params: int, q: float) -> np.ndarray:
    """Boolean mask of outliers by the FDR test of step 2."""
    n = residuals.size
    if rsdr <= 0 or n - n_params < 1:
        return np.zeros(n, bool)
    p = 2 * stats.t.sf(np.abs(residuals) / rsdr, n - n_params)
    order = np.argsort(p)
    passed = p[order] <= q * np.arange(1, n + 1) / n
    out = np.zeros(n, bool)
    if passed.any():
        out[order[: np.flatnonzero(passed).max() + 1]] = True
    return out


def rout(data: CurveData, ls_fit, model_factory, free, outliers):
    """Apply ROUT to one curve; returns (the curve without outliers, excluded points)."""
    q = rout_q(outliers)
    k = int(np.sum(free))
    start = ls_fit(data)
    sw = np.sqrt(data.w)
    params = start.params
    rsdr = robust_sd(sw * start.residuals, k)
    for _ in range(2):
        if rsdr <= 0:
            break
        rob = least_squares_fit(model_factory(data.x), params, data.y, data.w, free, loss="cauchy", f_scale=rsdr)
        params = rob.params
        rsdr = robust_sd(sw * rob.residuals, k)
    pred = model_factory(data.x)(params)[0]
    out = rout_flags(sw * (data.y - pred), rsdr, k, q)
    if not out.any():
        return data, ()
    keep = ~out
    excluded = tuple({"index": int(data.index[i]), "conc": float(data.conc[i]), "response": float(data.y[i])}
                     for i in np.flatnonzero(out))
    kept = CurveData(data.conc[keep], data.x[keep], data.y[keep], data.w[keep], data.index[keep], data.n_dropped)
    return kept, excluded
