"""Quality flags and the headline IC50 of logistic fits (shared by single and batched fits).

Flags (strings, a flagged curve is still reported):
``incomplete`` (logIC50 outside the tested range [lowest non-zero, highest concentration]; a
free plateau with a standard error above half the span |Top - Bottom|, i.e. undefined; an SE
of logIC50 wider than the tested range; a span not different from 0 at 95%, no effect; or a
step, whose 10-90% rise log10(81)/|Hill| is under half the median spacing of the tested
concentrations, so that the IC50 is only known to lie between two of them),
``not_converged``, ``outlier`` (set by ROUT), ``shallow`` (|Hill| < 0.5), ``steep`` (|Hill| > 2)
and ``few_points`` (fewer than n_free + 2 distinct concentrations, or dof < 2).
An incomplete curve's headline ``ic50`` is NaN and ``ic50_text`` reads "> highest" or
"< lowest" concentration (or "undetermined (...)" when the IC50 is inside but not defined);
the extrapolated value
stays available as ``ic50_fitted``.
"""
from __future__ import annotations

import math

import numpy as np

from .engine import BOTTOM, HILL, LOG_IC50, TOP, t_quantile

SHALLOW, STEEP = 0.5, 2.0
STEP_WIDTH = math.log10(81.0)  # decades from 10% to 90% of the span at |Hill| = 1
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


def derive(params, se, dof, lo, hi, free, converged, n_distinct, cov=None, spacing=None):
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
        has_dof = np.asarray(dof) > 0
        # logIC50 undetermined: its SE is not finite or exceeds the tested range
        undetermined = has_dof & ~(se[:, LOG_IC50] <= (hi - lo)) & bool(free[LOG_IC50])
        if cov is not None:  # no effect: the span Top - Bottom is not different from 0 at 95%
            c = np.nan_to_num(np.atleast_3d(cov).reshape(-1, 4, 4), nan=0.0)
            var_span = c[:, TOP, TOP] + c[:, BOTTOM, BOTTOM] - 2 * c[:, TOP, BOTTOM]
            undetermined |= has_dof & ~(span > tq * np.sqrt(np.maximum(var_span, 0.0)))
        if spacing is not None:  # a step: the 10-90% rise, log10(81)/|Hill|, under half the spacing
            undetermined |= np.abs(h) * np.asarray(spacing) > 2 * STEP_WIDTH
    above, below = L > hi, L < lo
    incomplete = above | below | plateau_bad | undetermined | ~np.isfinite(L)
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


def median_spacing(X, W):
    """Median distance between consecutive distinct tested X, per curve (NaN if < 2)."""
    xs = np.sort(np.where(np.isfinite(X) & (W > 0), X, np.nan), axis=1)
    d = np.diff(xs, axis=1)
    d = np.where(d > 0, d, np.nan)
    with np.errstate(all="ignore"):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.nanmedian(d, axis=1)


def _text(q, ic50, lo, hi):
    if q == "=":
        return format_molar(ic50)
    if q == ">":
        return "> " + format_molar(10.0 ** hi)
    if q == "<":
        return "< " + format_molar(10.0 ** lo)
    return "undetermined (plateau or logIC50 undefined, or no significant effect)"
