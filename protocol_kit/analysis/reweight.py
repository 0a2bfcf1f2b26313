"""Weighting by the fitted curve ("1/y2", "1/y"), iterated to convergence, as Prism 5 and later.

With relative weighting the SD of a point is taken proportional to its true Y, so the weight
is w_i = 1/f(x_i)^2 ("1/y2"; 1/|f(x_i)| for "1/y", Poisson-like). Prism 5 and later use the
Y of the curve, Prism 4 and earlier the Y of the data (GraphPad Prism curve fitting guide,
"How Prism implements weighting": "Prism 5 and later weight by the Y value of the curve").
Weighting by the observed Y gives a low point a large weight and a high one a small weight,
so fits are biased low: plateaus 1.6-2% low at 10% proportional noise and about 7% at 20%
(issue 15). That variant is kept as "1/y2 observed" / "1/y observed".

Since the weights depend on the parameters, the fit is iterated as that guide describes:
1. fit unweighted; 2. w_i from the fitted curve at each point; 3. refit with w held fixed
(from the last parameters; the first weighted refit is a full global fit, later ones local);
repeat 2-3 until the weighted RSS changes by less than 1e-10 (relative; or is at rounding
level, an exact fit) and every parameter by less than 1e-8 of max(|value|, its SE), at most
``MAX_ROUNDS`` refits. The result is a fixed point: the parameters minimise
sum w_i (y_i - f_i)^2 with w_i = 1/f_i^2 evaluated at those same parameters (the
quasi-likelihood estimating equations sum (y_i - f_i) f_i'/f_i^2 = 0, unbiased since
E[y_i - f_i] = 0; McCullagh & Nelder 1989, ch. 9). RSS, SEs and CIs are those of the final
weights: Cov = s^2 (J' W J)^-1, s^2 = sum w_i (y_i - f_i)^2 / dof, W = diag(1/f_i^2) at the
result. A fit that has not settled by then is flagged ``weights_not_converged``.

A fitted value of 0, or fitted values of both signs, would make a weight infinite (or a
point's SD 0): that is refused (AnalysisError naming the point), not clamped.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..errors import AnalysisError
from .lsq import LsqResult

FITTED = {"1/y2": 2, "1/y": 1}  # kind -> power of |f| in the weight's denominator
OBSERVED = {"1/y2 observed": "1/Y^2 of the observed Y (Prism 4)", "1/y observed": "1/|Y| of the observed Y (Prism 4)"}
MAX_ROUNDS = 50
RSS_RTOL, STEP_RTOL = 1e-10, 1e-8
FLAG = "weights_not_converged"


@dataclass(frozen=True)
class Reweighted:
    res: LsqResult  # statistics with the final weights, at the final parameters
    w: np.ndarray  # 1/f^2 (or 1/|f|) at the final parameters
    rounds: int  # weighted refits after the unweighted one
    converged: bool


def curve_weights(pred: np.ndarray, kind: str, name: Callable[[int], str] | None = None) -> np.ndarray:
    """1/f^2 ("1/y2") or 1/|f| ("1/y") of the fitted values ``pred``; refused when a fitted
    value is 0 or the fitted values change sign (``name(i)`` names point i in the message)."""
    pred = np.asarray(pred, float)
    bad = np.flatnonzero(~np.isfinite(pred) | (pred == 0))
    if not bad.size and not (np.all(pred > 0) or np.all(pred < 0)):
        major = 1.0 if np.sum(pred > 0) >= np.sum(pred < 0) else -1.0
        bad = np.flatnonzero(np.sign(pred) != major)
    if bad.size:
        i = int(bad[0])
        where = name(i) if name is not None else f"point {i}"
        sign = "0" if pred[i] == 0 else f"{pred[i]:.4g} (the other fitted values have the other sign)"
        raise AnalysisError(
            f"weights={kind!r}: the fitted curve is {sign} at {where}, so its weight 1/Y{'^2' if FITTED[kind] == 2 else ''}"
            " of the curve would be infinite or meaningless (relative weighting needs a curve that stays on one "
            f"side of 0); fit unweighted (weights=None) or by the observed Y ({kind + ' observed'!r})")
    return 1.0 / np.abs(pred) ** FITTED[kind]


def by_curve(kind) -> bool:
    """Whether a ``weights`` kind (:func:`._inputs.weight_kind`) weights by the fitted curve."""
    return kind in FITTED or kind == "function"


def weigher(kind: str, weights, index: np.ndarray, name: Callable[[int], str] | None = None) -> Callable:
    """pred -> weights of the kind: 1/f^2, 1/|f|, or ``weights(pred, index)`` of a caller's
    function (``index``: the points' rows in the caller's arrays), which must give finite
    positive weights."""
    if kind in FITTED:
        return lambda pred: curve_weights(pred, kind, name)

    def call(pred):
        w = np.asarray(weights(pred, index), float)
        bad = np.flatnonzero(~(np.isfinite(w) & (w > 0)))
        if bad.size:
            i = int(bad[0])
            raise AnalysisError(f"weights: the weight from the fitted curve ({pred[i]:.4g}) is {w[i]:g} at "
                                f"{name(i) if name else f'point {i}'}; a weight must be finite and > 0, so this "
                                "weighting is undefined for this fit: fit unweighted (weights=None)")
        return w
    return call


def reweight(weigh: Callable, solve: Callable, refit: Callable, stats: Callable, predict: Callable,
             n: int) -> Reweighted:
    """Iterate the fit to the fixed point of weights from the fitted curve (module docstring).

    ``weigh(pred)``: the weights from fitted values (:func:`weigher`); ``solve(w)``: the full
    (global) fit with weights w; ``refit(w, p)``: a local fit from p; ``stats(w, p, converged)``:
    the LsqResult at p with weights w, no optimisation; ``predict(p)``: f at the points.
    Parameters are full vectors (fixed ones included)."""
    res = solve(np.ones(n))
    settled = False
    rounds = 0
    while rounds < MAX_ROUNDS and not settled:
        pred = predict(res.params)
        w = weigh(pred)
        new = refit(w, res.params) if rounds else solve(w)
        rounds += 1
        # an RSS at rounding level (an exact fit) is settled whatever its relative change
        settled = _settled(res, new, 1e-20 * float(np.sum(w * pred**2))) and rounds > 1
        res = new
    w = weigh(predict(res.params))
    return Reweighted(stats(w, res.params, res.converged), w, rounds, settled)


def _settled(old: LsqResult, new: LsqResult, floor: float) -> bool:
    if not (np.isfinite(new.rss) and np.isfinite(old.rss)):
        return False
    scale = np.maximum(np.abs(new.params), np.where(np.isfinite(new.se), new.se, 0.0))
    step_ok = np.all(np.abs(new.params - old.params) <= STEP_RTOL * scale)
    return bool(step_ok and abs(new.rss - old.rss) <= RSS_RTOL * new.rss + floor)


def describe(kind: str | None, rounds: int | None = None, weights=None) -> str:
    """The text of a result's ``weights`` field: the name and what it weights by (a caller's
    function: its ``description`` attribute, if any)."""
    if kind in FITTED:
        what = "1/Y^2" if kind == "1/y2" else "1/|Y|"
        return f"{kind}: {what} of the fitted curve, iterated (Prism 5+; {rounds} weighted refits)"
    if kind == "function":
        what = getattr(weights, "description", "a function of the fitted curve")
        return f"{what}, iterated ({rounds} weighted refits)"
    if kind in OBSERVED:
        return f"{kind}: {OBSERVED[kind]}"
    return {None: "none", "1/sd2": "1/sd2: 1/SD^2 of the given sd", "array": "given per point"}[kind]


def not_settled_message(kind: str, rounds: int) -> str:
    label = "weights" if kind == "function" else f"weights={kind!r}"
    return (f"{FLAG}: {label} (by the fitted curve) still changed the fit after {rounds} reweighted "
            "refits; the parameters are those of the last refit and may not be the weighted optimum")
