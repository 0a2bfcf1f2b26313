"""``fit_logistic_many``: thousands of logistic curves in one batched solve."""
from __future__ import annotations

import difflib

import numpy as np
import pandas as pd

from ..errors import AnalysisError, ParameterError
from ._inputs import as_concentrations, as_values, check_fixed
from .curves import LOGISTIC_PARAMS
from .engine import fit_batch, free_mask, x_range
from .flags import derive

FIXABLE = ("bottom", "top", "hill")
CHUNK_CURVES = 20_000  # curves solved together; bounds peak memory at 100,000+ curves


def _column(frame, name, field):
    if name not in frame.columns:
        close = difflib.get_close_matches(str(name), [str(c) for c in frame.columns], n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ParameterError(field, name, f"a column of the frame ({', '.join(map(str, frame.columns))})",
                             reason=f"is not a column{hint}")
    return frame[name]


def pack(codes, x, y, m):
    """Aggregate replicate points (same curve, same X) and stack curves into padded arrays.

    sum_i (y_i - f)^2 over replicates at one X equals n (ybar - f)^2 + sum_i (y_i - ybar)^2,
    so fitting the means with weight n gives the same optimum; the second term (``ss_within``)
    is added back to the RSS.
    """
    d = pd.DataFrame({"g": codes, "x": x, "y": y})
    grp = d.groupby(["g", "x"], sort=True)["y"]
    mean = grp.transform("mean").to_numpy()
    ss_within = np.bincount(codes, weights=(y - mean) ** 2, minlength=m)
    agg = grp.agg(["size", "mean"]).reset_index()
    g = agg["g"].to_numpy()
    pos = agg.groupby("g").cumcount().to_numpy()
    width = int(pos.max()) + 1 if pos.size else 1
    X = np.zeros((m, width))
    Y = np.zeros((m, width))
    W = np.zeros((m, width))
    X[g, pos], Y[g, pos], W[g, pos] = agg["x"].to_numpy(), agg["mean"].to_numpy(), agg["size"].to_numpy()
    n_distinct = np.bincount(g, minlength=m)
    return X, Y, W, ss_within, n_distinct


def fit_logistic_many(frame: pd.DataFrame, *, by, conc: str = "conc", response: str = "response",
                      fixed: dict | None = None) -> pd.DataFrame:
    """Fit Y = Bottom + (Top - Bottom) / (1 + 10^((LogIC50 - X) HillSlope)) to every curve of ``frame``.

    ``by`` names the column(s) identifying a curve; ``conc`` holds concentrations (molar floats,
    or strings/quantities with units; 0 = vehicle well, predicted by the X -> -inf plateau) and
    ``response`` the responses (NaN rows are dropped and counted in ``n_dropped``). ``fixed``
    may hold ``bottom``, ``top`` and/or ``hill``.

    All curves are solved together by the batched Levenberg-Marquardt engine of
    :mod:`protocol_kit.analysis.engine` (data-driven starts plus a profile-RSS grid over
    logIC50 x Hill). Returns one row per curve with the ``by`` columns, ``ic50`` (NaN when
    ``incomplete``, see ``ic50_text``), ``ic50_fitted``, ``log_ic50``, ``hill``, ``top``,
    ``bottom`` and their standard errors ``*_se``, ``ic50_ci_low``/``ic50_ci_high`` (95%,
    t distribution, from the logIC50 interval), ``rss``, ``dof``, ``n``, ``n_dropped``,
    ``r_squared``, ``converged``, ``qualifier`` and ``flags`` (a tuple of strings).
    """
    if not isinstance(frame, pd.DataFrame):
        raise ParameterError("frame", type(frame).__name__, "a pandas DataFrame with one row per point")
    fixed = check_fixed(fixed, FIXABLE)
    by_cols = [by] if isinstance(by, str) else list(by)
    if not by_cols:
        raise ParameterError("by", by, "one or more column names identifying a curve")
    keys = [_column(frame, b, "by") for b in by_cols]
    c = as_concentrations(_column(frame, conc, "conc").to_numpy())
    y = as_values(_column(frame, response, "response").to_numpy(), "response")
    codes, uniques = pd.MultiIndex.from_arrays(keys).factorize() if len(keys) > 1 else pd.factorize(keys[0])
    if (codes < 0).any():
        raise ParameterError("by", by, "curve identifiers without missing values")
    m = len(uniques)
    keep = np.isfinite(c) & np.isfinite(y)
    n_dropped = np.bincount(codes[~keep], minlength=m)
    with np.errstate(divide="ignore"):
        x = np.log10(c[keep])
    codes_k, y_k = codes[keep], y[keep]
    n_obs = np.bincount(codes_k, minlength=m)
    free = free_mask(fixed)
    n_conc = np.bincount(codes_k, weights=(c[keep] > 0), minlength=m)
    flat = np.flatnonzero(n_conc == 0)
    if flat.size:
        raise AnalysisError(f"curve '{uniques[flat[0]]}': no usable point at a concentration > 0 "
                            "(only vehicle wells); a curve needs tested concentrations")
    short = np.flatnonzero(n_obs < free.sum())
    if short.size:
        raise AnalysisError(f"curve '{uniques[short[0]]}': {n_obs[short[0]]} usable points are too few "
                            f"for {int(free.sum())} free parameters")
    cols: dict[str, list] = {}
    for s in range(0, m, CHUNK_CURVES):
        sel = (codes_k >= s) & (codes_k < s + CHUNK_CURVES)
        mm = min(CHUNK_CURVES, m - s)
        X, Y, W, ssw, n_distinct = pack(codes_k[sel] - s, x[sel], y_k[sel], mm)
        fit = fit_batch(X, Y, W, fixed, ss_within=ssw, n_obs=n_obs[s:s + mm])
        lo, hi = x_range(X, W)
        dof = n_obs[s:s + mm] - fit.n_free
        d = derive(fit.params, fit.se, dof, lo, hi, free, fit.converged, n_distinct, fit.cov, X, W, fit.rss)
        tss = _total_ss(X, Y, W, ssw)
        part = {
            "ic50": d["ic50"], "ic50_text": d["ic50_text"], "qualifier": d["qualifier"],
            "ic50_fitted": d["ic50_fitted"], "log_ic50": fit.params[:, 2], "log_ic50_se": fit.se[:, 2],
            "hill": fit.params[:, 3], "hill_se": fit.se[:, 3], "top": fit.params[:, 1], "top_se": fit.se[:, 1],
            "bottom": fit.params[:, 0], "bottom_se": fit.se[:, 0],
            "ic50_ci_low": d["ic50_ci_low"], "ic50_ci_high": d["ic50_ci_high"],
            "rss": fit.rss, "dof": dof, "n": n_obs[s:s + mm], "n_dropped": n_dropped[s:s + mm],
            "r_squared": _r_squared(fit.rss, tss), "converged": fit.converged, "flags": d["flags"],
        }
        for k, v in part.items():
            cols.setdefault(k, []).append(_objects(v) if k in ("flags", "ic50_text") else np.asarray(v))
    out = {k: np.concatenate(v) for k, v in cols.items()}
    index = pd.DataFrame(uniques.tolist() if len(keys) > 1 else {by_cols[0]: np.asarray(uniques)},
                         columns=by_cols) if len(keys) > 1 else pd.DataFrame({by_cols[0]: np.asarray(uniques)})
    return pd.concat([index, pd.DataFrame(out)], axis=1)


def _r_squared(rss, tss):
    """1 - RSS/TSS (NaN for a constant response)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(tss > 0, 1.0 - rss / tss, np.nan)


def _objects(values) -> np.ndarray:
    """A 1-D object array (np.asarray would make a 2-D array of equal-length tuples)."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _total_ss(X, Y, W, ss_within):
    """Total sum of squares about the (weighted) mean, replicate scatter included."""
    sw = W.sum(1)
    mean = (W * Y).sum(1) / sw
    return (W * (Y - mean[:, None]) ** 2).sum(1) + ss_within


__all__ = ["fit_logistic_many", "LOGISTIC_PARAMS"]
