"""Validation and coercion of the inputs of every fitting function.

Bad input raises :class:`ParameterError` naming the field, the value and what is allowed;
NaNs are dropped and counted, never silently; nothing is clamped.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pint

from ..errors import AnalysisError, ParameterError, near_miss
from ..units import to_molar

_Y2 = ("1/y2", "1/y^2", "1/y**2")
WEIGHT_SPELLINGS = {
    None: None, "none": None, "equal": None,
    **{s + t: "1/y2" for s in _Y2 for t in ("", "fitted")}, "1/y": "1/y", "1/yfitted": "1/y",
    **{s + "observed": "1/y2 observed" for s in _Y2}, "1/yobserved": "1/y observed",
    "1/sd2": "1/sd2", "1/sd^2": "1/sd2", "1/sd**2": "1/sd2",
}
WEIGHTS_ALLOWED = ('None, "1/y2" (also "1/Y^2": 1/Y^2 of the fitted curve, iterated, as Prism 5+), "1/y" (1/|Y| of '
                   'the fitted curve), "1/y2 observed" or "1/y observed" (of the observed Y, as Prism 4), '
                   '"1/sd2" (also "1/SD^2", needs sd=) or an array of positive weights, one per point')


def as_concentrations(conc, field: str = "conc") -> np.ndarray:
    """Concentrations as a float array in molar (a pint quantity array, strings or plain floats).

    Plain numbers are taken as molar (the fit itself works in any positive unit, since only
    log10 of it enters the model, but its texts say M: the fitting functions flag plain values
    that cannot be molar, see :mod:`.plausible`). NaN is kept here (dropped and counted later); negative or infinite values raise.
    """
    if isinstance(conc, pint.Quantity):
        try:
            arr = np.atleast_1d(np.asarray(conc.to("M").magnitude, float))
        except pint.DimensionalityError as exc:
            raise ParameterError(field, str(conc.units), "a concentration unit (M, mM, uM, nM, ...)",
                                 reason="has the wrong dimension") from exc
    else:
        arr = np.asarray(conc, dtype=object) if not isinstance(conc, np.ndarray) else conc
        arr = np.atleast_1d(arr)
        if arr.dtype.kind in "fiu":
            arr = arr.astype(float, copy=False)
        else:
            arr = np.array([math.nan if _is_nan(v) else to_molar(v, field=field) for v in arr.ravel()])
    return _check_finite_nonneg(arr.ravel(), field, "concentrations >= 0 (0 = vehicle well)", nonneg=True)


def _is_nan(v) -> bool:
    return isinstance(v, float) and math.isnan(v)


def as_values(values, field: str) -> np.ndarray:
    """A response-like array of floats (NaN allowed and dropped later; +-inf raises)."""
    try:
        arr = np.atleast_1d(np.asarray(values, dtype=float)).ravel()
    except (TypeError, ValueError) as exc:
        raise ParameterError(field, values, "a sequence of numbers", reason="is not numeric") from exc
    return _check_finite_nonneg(arr, field, "finite numbers (NaN marks a missing point)")


def _check_finite_nonneg(arr, field, allowed, nonneg=False):
    bad = np.isinf(arr) | ((arr < 0) if nonneg else False)
    if np.any(bad):
        i = int(np.flatnonzero(bad)[0])
        raise ParameterError(f"{field}[{i}]", float(arr[i]), allowed)
    return arr


def check_no_nan(arr: np.ndarray, field: str, allowed: str) -> np.ndarray:
    """``arr`` as it is; its first NaN raises, naming ``field[i]`` and what is ``allowed``."""
    nan = np.flatnonzero(np.isnan(arr))
    if nan.size:
        raise ParameterError(f"{field}[{int(nan[0])}]", float("nan"), allowed)
    return arr


def require_columns(frame, cols, what: str) -> None:
    """The first of ``cols`` missing from ``frame`` raises AnalysisError, listing the frame's columns."""
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise AnalysisError(f"{what}: no column {missing[0]!r}; the frame has {', '.join(map(str, frame.columns))}")


def same_length(**arrays) -> int:
    sizes = {k: len(v) for k, v in arrays.items() if v is not None}
    if len(set(sizes.values())) > 1:
        first, *rest = sizes.items()
        other = next(kv for kv in rest if kv[1] != first[1])
        raise ParameterError(other[0], f"{other[1]} values", f"one value per point ({first[1]}, as {first[0]})",
                             reason="has a different length")
    return next(iter(sizes.values()))


def check_fixed(fixed: Mapping | None, allowed: tuple[str, ...]) -> dict[str, float]:
    """Validate a ``fixed`` mapping: known keys (near-miss suggested) and finite numbers."""
    if fixed is None:
        return {}
    if not isinstance(fixed, Mapping):
        raise ParameterError("fixed", fixed, f"a mapping of any of {', '.join(allowed)} to numbers")
    out = {}
    for key, value in fixed.items():
        if key not in allowed:
            raise ParameterError("fixed", key, ", ".join(allowed),
                                 reason=f"is not a parameter that can be fixed{near_miss(str(key), allowed)}")
        try:
            v = float(value)
        except (TypeError, ValueError) as exc:
            raise ParameterError(f"fixed[{key!r}]", value, "a finite number") from exc
        if not math.isfinite(v):
            raise ParameterError(f"fixed[{key!r}]", value, "a finite number")
        out[key] = v
    return out


def weight_kind(weights) -> str | None:
    """The canonical name of a ``weights`` choice: None, "1/y2", "1/y", "1/y2 observed",
    "1/y observed", "1/sd2", "function" for a function ``weights(fitted, rows)`` of the fitted
    values (see :func:`.reweight.weigher`) or "array" for weights given per point."""
    if callable(weights):
        return "function"
    if weights is not None and not isinstance(weights, str):
        return "array"
    key = weights.replace(" ", "").replace("_", "").lower() if isinstance(weights, str) else None
    if key not in WEIGHT_SPELLINGS:
        raise ParameterError("weights", weights, WEIGHTS_ALLOWED)
    return WEIGHT_SPELLINGS[key]


def resolve_weights(weights, response: np.ndarray, sd=None) -> np.ndarray:
    """Per-point weights w_i (the fit minimises sum w_i (y_i - f_i)^2).

    "1/y2 observed" is Prism 4's relative weighting by 1/Y^2 and "1/y observed" Poisson-like
    weighting by 1/|Y|, both of the observed Y; "1/y2" and "1/y" weight by the fitted curve
    (:mod:`.reweight`), which needs the fit, so their weights here are the ones of its first,
    unweighted, round; "1/sd2" uses the given ``sd`` per point; an array is used as is.
    """
    n = response.size
    if isinstance(weights, str) or weights is None or callable(weights):
        kind = weight_kind(weights)
        if kind in (None, "1/y2", "1/y", "function"):
            return np.ones(n)
        if kind == "1/sd2":
            if sd is None:
                raise ParameterError("sd", None, "an array of standard deviations, one per point",
                                     reason='is needed for weights="1/sd2"')
            base = as_values(sd, "sd")
            same_length(response=response, sd=base)
        else:
            base = np.abs(response)
        with np.errstate(divide="ignore"):
            w = 1.0 / base**2 if kind in ("1/y2 observed", "1/sd2") else 1.0 / base
        zero = np.flatnonzero(base == 0)
        if zero.size:
            label = "sd" if kind == "1/sd2" else "response"
            raise ParameterError(f"{label}[{int(zero[0])}]", 0.0, f"a non-zero value for weights={weights!r}",
                                 reason="would get an infinite weight")
        return w
    w = as_values(weights, "weights")
    same_length(response=response, weights=w)
    neg = np.flatnonzero(w < 0)
    if neg.size:
        raise ParameterError(f"weights[{int(neg[0])}]", float(w[neg[0]]), "weights >= 0")
    return w


@dataclass(frozen=True)
class CurveData:
    """One curve's points after NaN removal: X = log10 conc (-inf for vehicle wells)."""

    conc: np.ndarray
    x: np.ndarray
    y: np.ndarray
    w: np.ndarray
    index: np.ndarray  # positions of the kept points in the caller's arrays
    n_dropped: int


def curve_data(conc, response, weights=None, sd=None, *, min_points: int, what: str = "fit") -> CurveData:
    """Validate one curve and drop (and count) points with a NaN concentration, response or weight.

    The kept points are put in a canonical order (by concentration, then response, then weight), so
    the order of the caller's rows cannot change a fit, not even in the last bit of a floating-point
    sum; ``index`` maps each point back to the caller's row."""
    c = as_concentrations(conc)
    y = as_values(response, "response")
    same_length(conc=c, response=y)
    w = resolve_weights(weights, y, sd) if not (weights is None and sd is None) else np.ones(y.size)
    keep = np.isfinite(c) & np.isfinite(y) & np.isfinite(w)
    idx = np.flatnonzero(keep)
    idx = idx[np.lexsort((w[idx], y[idx], c[idx]))]
    if idx.size < min_points:
        raise AnalysisError(
            f"response: {idx.size} usable points (of {y.size}; {y.size - idx.size} with NaN) are too few "
            f"for a {what}; at least {min_points} are needed")
    if not (c[idx] > 0).any():
        raise AnalysisError("conc: no usable point at a concentration > 0 (only vehicle wells); "
                            "a curve needs tested concentrations")
    with np.errstate(divide="ignore"):
        x = np.log10(c[idx])
    return CurveData(c[idx], x, y[idx], w[idx], idx, int(y.size - idx.size))
