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
EFFECT_SD = 3.0  # a span under 3 residual SDs is no clear effect
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


def derive(params, se, dof, lo, hi, free, converged, n_distinct, cov=None, X=None, W=None, rss=None):
    """Vectorised derived columns: ic50, its CI, qualifier, text and flags, per curve.

    ``X``/``W`` (the curves' points) locate steps; ``cov`` and ``rss`` test the effect size.
    """
    p = np.atleast_2d(params)
    se = np.atleast_2d(se)
    L, h = p[:, LOG_IC50], p[:, HILL]
    span = np.abs(p[:, TOP] - p[:, BOTTOM])
    tq = t_quantile(dof)
    has_dof = np.asarray(dof) > 0
    below_x, above_x = _bracket(L, X, W) if X is not None else (np.full(L.shape, np.nan),) * 2
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        ic50_fit = 10.0 ** L
        ci_lo, ci_hi = 10.0 ** (L - tq * se[:, LOG_IC50]), 10.0 ** (L + tq * se[:, LOG_IC50])
        plateau_bad = np.zeros(L.shape, bool)
        for k in (BOTTOM, TOP):
            if free[k]:
                plateau_bad |= ~(se[:, k] <= PLATEAU_SE_LIMIT * span) & has_dof
        # a step: the 10-90% rise, log10(81)/|Hill|, is under half the median spacing, so the
        # IC50 is only known to lie between the two concentrations around it
        step = np.abs(h) * (above_x - below_x) > 2 * STEP_WIDTH
        # logIC50 undetermined: its SE is not finite or exceeds the tested range
        undetermined = has_dof & ~(se[:, LOG_IC50] <= (hi - lo)) & bool(free[LOG_IC50]) & ~step
        if cov is not None:  # no effect: the span is not different from 0 at 95% ...
            c = np.nan_to_num(np.atleast_3d(cov).reshape(-1, 4, 4), nan=0.0)
            var_span = c[:, TOP, TOP] + c[:, BOTTOM, BOTTOM] - 2 * c[:, TOP, BOTTOM]
            undetermined |= has_dof & ~(span > tq * np.sqrt(np.maximum(var_span, 0.0)))
        if rss is not None:  # ... or under EFFECT_SD residual SDs (a step fitted to noise)
            undetermined |= has_dof & ~(span >= EFFECT_SD * np.sqrt(np.asarray(rss) / np.asarray(dof)))
    above, below = L > hi, L < lo
    incomplete = above | below | plateau_bad | undetermined | ~np.isfinite(L)
    step &= ~incomplete
    qualifier = np.where(above, ">", np.where(below, "<", np.where(incomplete, "?", np.where(step, "~", "="))))
    ic50 = np.where(incomplete, np.nan, ic50_fit)
    ci_lo = np.where(step, 10.0 ** below_x, ci_lo)
    ci_hi = np.where(step, 10.0 ** above_x, ci_hi)
    n_free = int(np.sum(free))
    dof = np.broadcast_to(np.asarray(dof), L.shape)
    conditions = (incomplete, ~np.asarray(converged, bool), np.abs(h) < SHALLOW, np.abs(h) > STEEP,
                  (np.asarray(n_distinct) < n_free + 2) | (dof < 2))
    bits = sum(c.astype(np.int64) << k for k, c in enumerate(conditions))
    table = {b: tuple(n for k, n in enumerate(FLAG_ORDER) if b >> k & 1) for b in np.unique(bits).tolist()}
    flags = [table[b] for b in bits.tolist()]
    texts = [_text(*args) for args in zip(qualifier.tolist(), ic50_fit.tolist(), np.asarray(lo).tolist(),
                                          np.asarray(hi).tolist(), below_x.tolist(), above_x.tolist())]
    return {
        "ic50": ic50, "ic50_fitted": ic50_fit, "ic50_ci_low": np.where(incomplete, np.nan, ci_lo),
        "ic50_ci_high": np.where(incomplete, np.nan, ci_hi), "qualifier": qualifier,
        "ic50_text": texts, "flags": flags, "t": tq, "step": step,
    }


def _bracket(L, X, W):
    """The highest tested X below logIC50 and the lowest above it, per curve (NaN if none)."""
    ok = np.isfinite(X) & (W > 0)
    below = np.where(ok & (X < L[:, None]), X, -np.inf).max(1)
    above = np.where(ok & (X > L[:, None]), X, np.inf).min(1)
    return np.where(np.isfinite(below), below, np.nan), np.where(np.isfinite(above), above, np.nan)


FLAG_ORDER = ("incomplete", "not_converged", "shallow", "steep", "few_points")


def _text(q, ic50, lo, hi, below, above):
    if q == "=":
        return format_molar(ic50)
    if q == "~":
        return f"~{format_molar(ic50)} (a step between {format_molar(10.0 ** below)} and {format_molar(10.0 ** above)})"
    if q == ">":
        return "> " + format_molar(10.0 ** hi)
    if q == "<":
        return "< " + format_molar(10.0 ** lo)
    return "undetermined (plateau or logIC50 undefined, or no significant effect)"
