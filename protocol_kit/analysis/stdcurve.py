"""HPLC-ECD standard curve: peak area = intercept + slope x concentration.

Fitted by (weighted) least squares with statsmodels (OLS, or WLS with weights 1/x or 1/x^2,
the usual choices when the error grows with concentration). Acceptance as in the EMA (2011)
and FDA (2018) bioanalytical method validation guidelines: each standard, back-calculated
from the curve as (area - intercept) / slope, within 15% of its nominal concentration, 20% at
the lowest non-zero level. Detection and quantitation limits as in ICH Q2(R1):
LOD = 3.3 sigma / S and LOQ = 10 sigma / S, with S the slope and sigma the residual standard
deviation of the regression, sqrt(sum (area - fitted)^2 / (n - 2)). For a weighted fit the
residual SD depends on the concentration (weights are 1 / variance), so sigma is the fit's
SD at the lowest non-zero standard, the one nearest the limits:
sqrt(sum w (area - fitted)^2 / (n - 2)) / sqrt(w_lowest).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import AnalysisError, ParameterError
from ._inputs import as_values, same_length
from .assay_results import AssayResult

WEIGHTINGS = {None: None, "none": None, "1/x": "1/x", "1/x2": "1/x2", "1/x^2": "1/x2", "1/x**2": "1/x2"}
LIMIT_PCT, LOWEST_LIMIT_PCT = 15.0, 20.0


@dataclass(frozen=True)
class StandardCurve(AssayResult):
    """Result of :func:`standard_curve` (immutable). ``to_frame()``: one row per standard with
    its back-calculated concentration, deviation and whether it passed."""

    slope: float
    intercept: float
    slope_se: float
    intercept_se: float
    r_squared: float
    residual_sd: float
    lod: float
    loq: float
    weighting: str
    n: int
    n_dropped: int
    n_failed: int

    main_table = "standards"
    headline = ("slope", "intercept", "r_squared", "residual_sd", "lod", "loq", "weighting", "n", "n_failed",
                "flags")

    def concentration(self, area):
        """Concentration of a peak area: (area - intercept) / slope (same unit as the standards)."""
        return (np.asarray(area, float) - self.intercept) / self.slope


def _weighting(weighting) -> str | None:
    key = weighting.replace(" ", "").lower() if isinstance(weighting, str) else weighting
    if key not in WEIGHTINGS:
        raise ParameterError("weighting", weighting, 'None, "1/x" or "1/x2" (also "1/x^2")')
    return WEIGHTINGS[key]


def standard_curve(conc, area, *, weighting=None) -> StandardCurve:
    """Fit area = intercept + slope x conc to standards (``conc`` in any one unit; results in
    it). ``weighting``: None, "1/x" or "1/x2" (all concentrations then > 0). Standards with a
    NaN concentration or area are dropped and counted (``n_dropped``). At least two distinct
    levels and three standards are needed (sigma has n - 2 degrees of freedom).

    Flags: ``standard_failed`` (a back-calculated standard outside 15%, 20% at the lowest
    level; such standards are kept in the fit and listed in ``qc``), ``nonpositive_slope``.
    """
    import statsmodels.api as sm

    x, y = as_values(conc, "conc"), as_values(area, "area")
    same_length(conc=x, area=y)
    keep = np.isfinite(x) & np.isfinite(y)
    n_dropped = int((~keep).sum())
    x, y = x[keep], y[keep]
    if np.any(x < 0):
        raise ParameterError("conc", float(x[x < 0][0]), "standard concentrations >= 0")
    levels = np.unique(x)
    if levels.size < 2 or x.size < 3:
        got = ", ".join(f"{v:g}" for v in levels) or "none"
        raise AnalysisError(f"standard curve: {x.size} usable standard(s) at {levels.size} level(s) ({got}); "
                            "at least 3 standards at 2 or more concentrations are needed")
    kind = _weighting(weighting)
    if kind is not None and np.any(x == 0):
        raise ParameterError("weighting", weighting, "None when a standard has concentration 0",
                             reason="gives a blank (0) standard an infinite weight")
    w = np.ones_like(x) if kind is None else (1.0 / x if kind == "1/x" else 1.0 / x**2)  # sigma below uses them too
    X = sm.add_constant(x, has_constant="add")
    fit = sm.OLS(y, X).fit() if kind is None else sm.WLS(y, X, weights=w).fit()
    intercept, slope = (float(v) for v in fit.params)
    resid = y - (intercept + slope * x)
    lowest = levels[levels > 0].min() if np.any(levels > 0) else math.nan
    w_low = 1.0 if kind is None else float(w[x == lowest][0])
    sigma = math.sqrt(float(np.sum(w * resid**2)) / (x.size - 2) / w_low)
    flags, qc = [], []
    if slope <= 0:
        flags.append("nonpositive_slope")
        qc.append(f"nonpositive_slope: slope {slope:g}; peak area must rise with concentration")
    back = (y - intercept) / slope if slope != 0 else np.full_like(y, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        dev = np.where(x > 0, 100 * (back - x) / x, np.nan)
    limit = np.where(x == lowest, LOWEST_LIMIT_PCT, LIMIT_PCT)
    passed = np.where(x > 0, np.abs(dev) <= limit, True)
    table = pd.DataFrame({"conc": x, "area": y, "back_calculated": back, "deviation_pct": dev,
                          "limit_pct": np.where(x > 0, limit, np.nan), "passed": passed})
    failed = table[~table["passed"]]
    if len(failed):
        flags.append("standard_failed")
        qc.append(f"standard_failed: {len(failed)} of {len(table)} standards back-calculate outside "
                  f"{LIMIT_PCT:g}% ({LOWEST_LIMIT_PCT:g}% at the lowest level): " +
                  ", ".join(f"{r.conc:g} ({r.deviation_pct:+.1f}%)" for r in failed.itertuples()))
    lod = 3.3 * sigma / slope if slope > 0 else math.nan
    loq = 10.0 * sigma / slope if slope > 0 else math.nan
    return StandardCurve(
        flags=tuple(flags), qc=tuple(qc), tables={"standards": table},
        slope=slope, intercept=intercept, slope_se=float(fit.bse[1]), intercept_se=float(fit.bse[0]),
        r_squared=float(fit.rsquared), residual_sd=sigma, lod=lod, loq=loq, weighting=str(kind),
        n=int(x.size), n_dropped=n_dropped, n_failed=len(failed))
