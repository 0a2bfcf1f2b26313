"""Quality flags and the headline IC50 of logistic fits (shared by single and batched fits).

Flags (strings, a flagged curve is still reported):
``incomplete`` (logIC50 outside the tested range [lowest non-zero, highest concentration]; a
free plateau with a standard error above half the span |Top - Bottom|, i.e. undefined; an SE
of logIC50 wider than the tested range; a span not different from 0 at 95%, no effect; or a
step, whose 10-90% rise log10(81)/|Hill| is under half the median spacing of the tested
concentrations, so that the IC50 is only known to lie between two of them),
``not_converged`` (not at a stationary point of the RSS, :mod:`.stationary`), ``outlier``
(set by ROUT), ``shallow`` (|Hill| < 0.5), ``steep`` (|Hill| > 2) and ``few_points`` (fewer
than n_free + 2 distinct concentrations, or dof < 2); and, set by
the fitting functions (:mod:`.plausible`), ``implausible_units``: plain floats read as molar
that cannot be meant so (tested above 0.1 M, an IC50 above 1 M or below 1 fM, a radioligand
[L] or Kd of 1 mM or more), with a sentence in the result's ``messages`` (``qc`` for an assay)
naming the unit the numbers look like.
Set by the single-curve fits (:func:`.fit_logistic`, :func:`.fit_ki`), which compute the
profile-likelihood interval: ``ci_unbounded``, a reported IC50 (or Ki) whose 95% profile
interval is open on a side (:func:`unbounded_message`); the headline CI is then the profile one.
An incomplete curve's headline ``ic50`` is NaN and ``ic50_text`` reads "> highest" or
"< lowest" concentration (or "undetermined (...)" when the IC50 is inside but not defined);
the extrapolated value
stays available as ``ic50_fitted``.
"""
from __future__ import annotations

import math

import numpy as np

from ..units import NBSP, format_molar  # the one molar formatter; format_molar_many is its fast form
from .engine import BOTTOM, HILL, LOG_IC50, TOP, t_quantile

SHALLOW, STEEP = 0.5, 2.0
EFFECT_SD = 3.0  # a span under 3 residual SDs is no clear effect
STEP_WIDTH = math.log10(81.0)  # decades from 10% to 90% of the span at |Hill| = 1
PLATEAU_SE_LIMIT = 0.5  # SE of a plateau, as a fraction of |Top - Bottom|, above which it is undefined
_UNITS = ((1.0, "M"), (1e-3, "mM"), (1e-6, "µM"), (1e-9, "nM"), (1e-12, "pM"), (1e-15, "fM"))


_TABLE: list = []


def _molar_table() -> np.ndarray:
    """Every 3-significant-digit value in [1, 1000) with every unit, as format_molar prints it:
    index ((e * 900 + m - 100) * n_units + unit) for m x 10^(e - 2), e = 0, 1, 2."""
    if not _TABLE:
        mant = [f"{m * 10.0 ** (e - 2):.3g}" for e in range(3) for m in range(100, 1000)]
        _TABLE.append(np.array([f"{t}{NBSP}{n}" for t in mant for _, n in _UNITS], dtype=object))
    return _TABLE[0]


def format_molar_many(values) -> np.ndarray:
    """:func:`format_molar` of many values at once (an object array of the same strings): the
    unit and the rounded 3-digit mantissa are found with numpy and the text looked up in a table;
    values whose rounding is not clear-cut (within 1e-6 of a half) or that round up to 1000 in
    their unit (the next unit up, or 1000 M) go through format_molar."""
    v = np.asarray(values, float)
    out = np.empty(v.size, dtype=object)
    scales = np.array([u for u, _ in _UNITS])
    ok = np.isfinite(v) & (v >= scales[-1]) & (v < 1e3)
    k = np.searchsorted(-scales, -np.where(ok, v, 1.0), side="left")  # first scale <= v
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.where(ok, v / scales[np.minimum(k, scales.size - 1)], 1.0)  # in [1, 1000)
        e = np.floor(np.log10(x)).astype(np.int64)
        e = np.clip(e - (10.0 ** e > x) + (10.0 ** (e + 1) <= x), 0, 2)
        t = x * 10.0 ** (2 - e)  # in [100, 1000)
        mant = np.rint(t)
    frac = t - np.floor(t)
    mant = mant.astype(np.int64)
    ok &= (np.abs(frac - 0.5) > 1e-6) & (t >= 100) & (t < 1000) & ((mant < 1000) | (e < 2))
    idx = np.where(mant >= 1000, (e + 1) * 900, e * 900 + mant - 100)
    kk = np.flatnonzero(ok)
    out[kk] = _molar_table()[idx[kk] * len(_UNITS) + k[kk]]
    for i in np.flatnonzero(~ok).tolist():
        out[i] = format_molar(float(v[i]))
    return out


def derive(params, se, dof, lo, hi, free, converged, n_distinct, cov, rss, *, X=None, W=None,
           bracket=None, sides=None):
    """Vectorised derived columns: ic50, its CI, qualifier, text and flags, per curve.

    ``X``/``W`` (the curves' points) locate steps, or ``bracket`` (the tested X just below and
    just above logIC50, per curve) and ``sides`` (the number of distinct tested X, vehicle wells
    included, below and above logIC50) directly; ``cov`` and ``rss`` test the effect size.
    """
    p = np.atleast_2d(params)
    se = np.atleast_2d(se)
    L, h = p[:, LOG_IC50], p[:, HILL]
    span = np.abs(p[:, TOP] - p[:, BOTTOM])
    tq = t_quantile(dof)
    has_dof = np.asarray(dof) > 0
    below_x, above_x = _bracket(L, X, W) if bracket is None else bracket
    if sides is None:
        sides = _sides(L, X, W)
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
        # a step with a single tested concentration on one side: that "plateau" is one point
        plateau_bad |= step & ((np.asarray(sides[0]) < 2) | (np.asarray(sides[1]) < 2))
        # logIC50 undetermined: its SE is not finite or exceeds the tested range
        undetermined = has_dof & ~(se[:, LOG_IC50] <= (hi - lo)) & bool(free[LOG_IC50]) & ~step
        # no effect: the span is not different from 0 at 95% ...
        c = np.atleast_3d(cov).reshape(-1, 4, 4)
        var_span = (np.nan_to_num(c[:, TOP, TOP]) + np.nan_to_num(c[:, BOTTOM, BOTTOM])
                    - 2 * np.nan_to_num(c[:, TOP, BOTTOM]))
        undetermined |= has_dof & ~(span > tq * np.sqrt(np.maximum(var_span, 0.0)))
        # ... or under EFFECT_SD residual SDs (a step fitted to noise)
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
    table = np.empty(1 << len(FLAG_ORDER), dtype=object)
    table[:] = [tuple(n for k, n in enumerate(FLAG_ORDER) if b >> k & 1) for b in range(table.size)]
    flags = table[bits].tolist()
    texts = np.empty(L.size, dtype=object)
    plain = qualifier == "="
    texts[plain] = format_molar_many(ic50_fit[plain])
    lo_, hi_ = np.broadcast_to(lo, L.shape), np.broadcast_to(hi, L.shape)
    done: dict = {}  # "> 10 µM", "< 1 nM", "undetermined ..." repeat: one text per distinct key
    for i in np.flatnonzero(~plain).tolist():
        q = qualifier[i]
        key = (q, hi_[i]) if q == ">" else (q, lo_[i]) if q == "<" else q if q == "?" else None
        if key is None or key not in done:
            t = _text(q, float(ic50_fit[i]), float(lo_[i]), float(hi_[i]), float(below_x[i]), float(above_x[i]))
            if key is None:
                texts[i] = t
                continue
            done[key] = t
        texts[i] = done[key]
    texts = texts.tolist()
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


def _sides(L, X, W):
    """Distinct tested X (a vehicle well, X = -inf, is one) below and above logIC50, per curve."""
    ok = ~np.isnan(X) & (W > 0)
    out = []
    for side in (X < L[:, None], X > L[:, None]):
        xs = np.sort(np.where(ok & side, X, np.nan), axis=1)  # NaN last
        new = ~np.isnan(xs)
        new[:, 1:] &= xs[:, 1:] != xs[:, :-1]
        out.append(new.sum(1))
    return tuple(out)


FLAG_ORDER = ("incomplete", "not_converged", "shallow", "steep", "few_points")
UNBOUNDED = "ci_unbounded"


def unbounded_message(name: str, profile, asymptotic) -> str | None:
    """The ``ci_unbounded`` sentence when the 95% profile-likelihood interval of ``name`` has
    an infinite bound (no value on that side raises the RSS to the threshold), else None.

    The asymptotic (Wald) interval, estimate +- t SE, assumes the RSS is quadratic in the
    parameter, so it is symmetric and always finite; where the profile, which follows the
    RSS itself, is open on a side, the Wald bound there is an artefact and the data do not
    bound the parameter: the headline CI is then the profile interval.
    """
    lo, hi = (float(v) for v in profile)
    if math.isnan(lo) or math.isnan(hi) or (math.isfinite(lo) and math.isfinite(hi)):
        return None
    side = "below" if math.isinf(lo) and math.isfinite(hi) else "above" if math.isfinite(lo) else "either side"
    shown = ", ".join(f"{v:.2f}" if math.isfinite(v) else "unbounded" for v in (lo, hi))
    wald = ", ".join(f"{v:.2f}" for v in asymptotic)
    return (f"{UNBOUNDED}: the 95% profile-likelihood CI of {name} is ({shown}): the data do not bound it "
            f"{side} (the residual sum of squares stays under the 95% threshold all the way to the end of "
            f"the search, decades past the tested range), so "
            f"the CI reported is this one, not the asymptotic ({wald}), which assumes a quadratic RSS and is "
            "always finite")


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
