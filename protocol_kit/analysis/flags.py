"""Quality flags and the headline IC50 of logistic fits (shared by single and batched fits).

Flags (strings, a flagged curve is still reported):
``incomplete`` (logIC50 outside the tested range [lowest non-zero, highest concentration], or
a free plateau with a standard error above half the span |Top - Bottom|, i.e. undefined),
``not_converged``, ``outlier`` (set by ROUT), ``shallow`` (|Hill| < 0.5), ``steep`` (|Hill| > 2)
and ``few_points`` (fewer than n_free + 2 distinct concentrations, or dof < 2).
An incomplete curve's headline ``ic50`` is NaN and ``ic50_text`` reads "> highest" or
"< lowest" concentration (or "undetermined (plateau undefined)"); the extrapolated value
stays available as ``ic50_fitted``.
"""
from __future__ import annotations

import math

import numpy as np

from .engine import BOTTOM, HILL, LOG_IC50, TOP, t_quantile

SHALLOW, STEEP = 0.5, 2.0
PLATEAU_SE_LIMIT = 0.5  # SE of a plateau, as a fraction of |Top - Bottom|, above which it is undefined
_UNITS = ((1.0, "M"), (1e-3, "mM"), (1e-6, "µM"), (1e-9, "nM"), (1e-12, "pM"), (1e-15, "fM"))


def format_molar(value: float) -> str:
    """A molar concentration with 3 significant digits in the unit that gives 1 <= v < 1000."""
    if not math.isfinite(value) or value <= 0:
        return f"{value:g} M"
    for scale, name in _UNITS:
        if value >= scale:
            return f"{value / scale:.3g} {name}"
    return f"{value:.3g} M"


def derive(params, se, dof, lo, hi, free, converged, n_distinct):
    """Vectorised derived columns: ic50, its CI, qualifier, text and flags, per curve."""
    p = np.atleast_2d(params)
    se = np.atleast_2d(se)
    L, h = p[:, LOG_IC50], p[:, HILL]
    span = np.abs(p[:, TOP] - p[:, BOTTOM])
    tq = t_quantile(dof)
    with np.errstate(over="ignore", invalid="ignore"):
        ic50_fit = 10.0 ** L
        ci_lo, ci_hi = 10.0 ** (L - tq * se[:, LOG_IC50]), 10.0 ** (L + tq * se[:, LOG_IC50])
        plateau_bad = np.zeros(L.shape, bool)
        for k in (BOTTOM, TOP):
            if free[k]:
                plateau_bad |= ~(se[:, k] <= PLATEAU_SE_LIMIT * span) & (np.asarray(dof) > 0)
    above, below = L > hi, L < lo
    incomplete = above | below | plateau_bad | ~np.isfinite(L)
    qualifier = np.where(above, ">", np.where(below, "<", np.where(incomplete, "?", "=")))
    ic50 = np.where(incomplete, np.nan, ic50_fit)
    n_free = int(np.sum(free))
    dof = np.broadcast_to(np.asarray(dof), L.shape)
    conditions = (incomplete, ~np.asarray(converged, bool), np.abs(h) < SHALLOW, np.abs(h) > STEEP,
                  (np.asarray(n_distinct) < n_free + 2) | (dof < 2))
    bits = sum(c.astype(np.int64) << k for k, c in enumerate(conditions))
    table = {b: tuple(n for k, n in enumerate(FLAG_ORDER) if b >> k & 1) for b in np.unique(bits).tolist()}
    flags = [table[b] for b in bits.tolist()]
    texts = [_text(q, v, lo_i, hi_i) for q, v, lo_i, hi_i in zip(qualifier.tolist(), ic50_fit.tolist(),
                                                                 np.asarray(lo).tolist(), np.asarray(hi).tolist())]
    return {
        "ic50": ic50, "ic50_fitted": ic50_fit, "ic50_ci_low": np.where(incomplete, np.nan, ci_lo),
        "ic50_ci_high": np.where(incomplete, np.nan, ci_hi), "qualifier": qualifier,
        "ic50_text": texts, "flags": flags, "t": tq,
    }


FLAG_ORDER = ("incomplete", "not_converged", "shallow", "steep", "few_points")


def _text(q, ic50, lo, hi):
    if q == "=":
        return format_molar(ic50)
    if q == ">":
        return "> " + format_molar(10.0 ** hi)
    if q == "<":
        return "< " + format_molar(10.0 ** lo)
    return "undetermined (plateau undefined)"
