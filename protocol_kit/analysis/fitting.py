"""``fit_logistic``: one log(inhibitor) vs response curve, variable slope, as Prism fits it."""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ._inputs import CurveData, check_fixed, curve_data, weight_kind
from .curves import LOGISTIC_PARAMS, logistic, logistic_jacobian
from .engine import FULL_GRID, canonical, fit_batch, free_mask
from .flags import UNBOUNDED, derive, unbounded_message
from .lsq import LsqResult, evaluate, least_squares_fit, profile_interval, t_interval
from .plausible import FLAG as IMPLAUSIBLE, is_plain, tested_message, top_concentration
from .results import FitStats
from .reweight import FLAG as NOT_SETTLED, by_curve, describe, not_settled_message, reweight, weigher
from .stationary import stationary

FIXABLE = ("bottom", "top", "hill")


@dataclass(frozen=True)
class LogisticFit(FitStats):
    """Result of :func:`fit_logistic` (immutable). ``ic50`` is NaN when ``incomplete`` (see
    ``ic50_text``); ``ic50_fitted`` is the fitted, possibly extrapolated, value and ``ic50_se``
    its delta-method standard error, ln(10) IC50 SE(logIC50) (as R's drc reports for ED50).
    ``ic50_ci``: see :func:`fit_logistic` (asymptotic, or the profile interval when that is
    unbounded). ``messages``: sentences for flags that need one (``implausible_units``,
    ``ci_unbounded``)."""

    bottom: float
    top: float
    log_ic50: float
    hill: float
    ic50: float
    ic50_text: str
    qualifier: str
    ic50_fitted: float
    ic50_se: float
    bottom_se: float
    top_se: float
    log_ic50_se: float
    hill_se: float
    bottom_ci: tuple[float, float]
    top_ci: tuple[float, float]
    log_ic50_ci: tuple[float, float]
    hill_ci: tuple[float, float]
    ic50_ci: tuple[float, float]
    log_ic50_ci_profile: tuple[float, float]
    r_squared: float
    flags: tuple[str, ...]
    fixed: dict
    weights: str
    conc_range: tuple[float, float]
    excluded: tuple[dict, ...] = ()
    messages: tuple[str, ...] = ()

    _html_fields = ("ic50_text", "log_ic50", "log_ic50_se", "log_ic50_ci", "log_ic50_ci_profile", "hill",
                    "hill_se", "top", "top_se", "bottom", "bottom_se", "rss", "dof", "r_squared", "n",
                    "n_dropped", "converged", "flags", "messages", "excluded")

    def predict(self, conc):
        """Model response at ``conc`` (molar floats; 0 gives the X -> -inf plateau)."""
        with np.errstate(divide="ignore"):
            x = np.log10(np.asarray(conc, float))
        return logistic(x, self.bottom, self.top, self.log_ic50, self.hill)


def logistic_model(x):
    """``model(p) -> (pred, jac)`` of the logistic at points x, for :func:`least_squares_fit`."""
    def model(p):
        pred, cols = logistic_jacobian(x, *p)
        return pred, np.column_stack([np.broadcast_to(c, x.shape) for c in cols])
    return model


def solve_logistic(x, y, w, fixed: dict, start: dict | None = None) -> LsqResult:
    """Global least-squares fit of one curve: the batched engine with the dense start grid
    (or only ``start``), polished by tight MINPACK Levenberg-Marquardt."""
    free = free_mask(fixed)
    X, Y, W = x[None, :], y[None, :], w[None, :]
    if start is None:
        eng = fit_batch(X, Y, W, fixed, grid=FULL_GRID)
    else:
        p0 = np.array([[start.get(k, fixed.get(k, np.nan)) for k in LOGISTIC_PARAMS]])
        if np.isnan(p0).any():
            missing = [k for k, v in zip(LOGISTIC_PARAMS, p0[0]) if np.isnan(v)]
            from ..errors import ParameterError
            raise ParameterError("start", start, f"values for all free parameters (missing: {', '.join(missing)})")
        eng = fit_batch(X, Y, W, fixed, grid=None, starts=p0)
    res = least_squares_fit(logistic_model(x), eng.params[0], y, w, free)
    if not res.rss <= eng.rss[0] * (1 + 1e-12) + 1e-300:  # never accept a worse polish
        res = evaluate(logistic_model(x), eng.params[0], y, w, free, bool(eng.converged[0]))
    p = canonical(res.params[None, :], fixed)[0]
    if not np.array_equal(p, res.params):
        res = least_squares_fit(logistic_model(x), p, y, w, free)
    # converged: at a stationary point of the RSS, decided as for the batched fits (.stationary)
    return replace(res, converged=bool(stationary(x[None], y[None], w[None], res.params[None], free)[0]))


def _profile_rss(x, y, w, fixed, res: LsqResult):
    """RSS minimised over the other parameters with logIC50 held at a value (warm starts)."""
    free = free_mask(fixed)
    free[2] = False
    state = {"p": res.params.copy()}

    def prof(value):
        p0 = state["p"].copy()
        p0[2] = value
        r = least_squares_fit(logistic_model(x), p0, y, w, free)
        if np.isfinite(r.rss):
            state["p"] = r.params
        return r.rss
    return prof


def fit_logistic(conc, response, *, fixed=None, weights=None, outliers=None, sd=None, start=None) -> LogisticFit:
    """Fit log(inhibitor) vs response, variable slope (GraphPad Prism's equation):

    Y = Bottom + (Top - Bottom) / (1 + 10^((LogIC50 - X) HillSlope)),  X = log10([I] in M).

    ``conc``: molar floats, strings ("10 nM") or a pint quantity array; 0 marks a vehicle well,
    predicted by the X -> -inf plateau (Top for an inhibition curve, HillSlope < 0). Replicates
    are separate points; NaN points are dropped and counted (``n_dropped``). Plain floats
    that cannot be meant as molar (tested above 0.1 M, a bracketed IC50 above 1 M or below
    1 fM) are flagged ``implausible_units`` with a sentence in ``messages`` naming the unit
    they look like (:mod:`protocol_kit.analysis.plausible`).
    ``fixed``: any of ``bottom``, ``top``, ``hill`` held at a value (``{"hill": -1}`` is the
    one-site form). ``weights``: None; "1/y2" (relative, 1/Y^2) or "1/y" (1/|Y|) of the fitted
    curve, iterated to convergence as Prism 5 and later (:mod:`.reweight`; RSS, SEs and CIs with
    the final weights 1/f_i^2, ``weights_not_converged`` if it does not settle); "1/y2 observed"
    or "1/y observed" of the observed Y (Prism 4); "1/sd2" (with ``sd=``); an array; or a
    function ``weights(fitted, rows)`` giving the weights of the points from their fitted values
    (``rows``: their positions in ``response``), iterated the same way. The result's
    ``weights`` says which was used.
    ``outliers``: None, "rout" (Q = 1%) or a Q value in (0, 1): ROUT (Motulsky & Brown 2006),
    removed points listed in ``excluded`` and flagged ``outlier``. ``start``: starting values
    (dict) for a single local fit instead of the engine's automatic multi-start.

    The global optimum is sought from data-driven starts and a 25 x 11 grid of
    (logIC50, Hill) starts (:mod:`protocol_kit.analysis.engine`), then polished by MINPACK
    Levenberg-Marquardt at 1e-15 tolerances. Standard errors are asymptotic,
    s^2 (J'WJ)^-1; 95% intervals use t(dof); ``log_ic50_ci_profile`` is the profile-likelihood
    interval (RSS <= RSS_min (1 + F(0.95; 1, dof)/dof)).

    The headline ``ic50_ci`` is the asymptotic interval 10^(logIC50 +- t SE) (the one R's drc
    reports, checked against it) while the profile interval is bounded: then both describe
    the same data and the asymptotic one is the standard. When the profile interval is open
    on a side, the asymptotic one is not honest there (it assumes an RSS quadratic in logIC50,
    so it is always finite), and ``ic50_ci`` is the profile interval, 0 or inf on the open
    side, flagged ``ci_unbounded`` with a sentence in ``messages`` (only for an IC50 reported as
    a value: an ``incomplete`` curve's IC50 and CI are NaN already, and a step's CI is the two
    concentrations around it). ``log_ic50_ci`` stays the asymptotic interval.
    An exact fit (residuals at rounding level, ``exact_fit``) has the profile interval
    (logIC50, logIC50).
    """
    fixed = check_fixed(fixed, FIXABLE)
    free = free_mask(fixed)
    kind = weight_kind(weights)
    data = curve_data(conc, response, weights, sd, min_points=int(free.sum()), what="logistic fit")
    excluded: tuple[dict, ...] = ()
    # with outliers and weights by the curve, ROUT sees the converged weights of all points
    data, res, rw = _solve(data, fixed, kind, weights, start) if by_curve(kind) or outliers is None \
        else (data, None, None)
    if outliers is not None:
        from .outliers import rout
        data, excluded = rout(data, lambda d: solve_logistic(d.x, d.y, d.w, fixed, start),
                              logistic_model, free, outliers)
        if excluded or res is None:
            data, res, rw = _solve(data, fixed, kind, weights, start)
    said = () if rw is None or rw.converged else (not_settled_message(kind, rw.rounds),)
    return _logistic_result(data, res, fixed, describe(kind, rw and rw.rounds, weights), excluded,
                            plain=is_plain(conc), said=said)


def _solve(data: CurveData, fixed, kind, weights, start):
    """(data with the weights used, LsqResult, Reweighted or None): weights by the fitted curve
    are iterated (:func:`.reweight.reweight`), others are fixed."""
    if not by_curve(kind):
        return data, solve_logistic(data.x, data.y, data.w, fixed, start), None
    free, model, y = free_mask(fixed), logistic_model(data.x), data.y
    weigh = weigher(kind, weights, data.index, lambda i: f"response[{int(data.index[i])}] (conc {data.conc[i]:.4g} M)")
    rw = reweight(weigh, lambda w: solve_logistic(data.x, y, w, fixed, start),
                  lambda w, p: least_squares_fit(model, p, y, w, free),
                  lambda w, p, ok: _final(data.x, y, w, p, free), lambda p: model(p)[0], y.size)
    return replace(data, w=rw.w), rw.res, rw


def _final(x, y, w, p, free) -> LsqResult:
    """Statistics at p with the final weights; converged as in :func:`solve_logistic`."""
    res = evaluate(logistic_model(x), p, y, w, free)
    return replace(res, converged=bool(stationary(x[None], y[None], w[None], p[None], free)[0]))


def _logistic_result(data: CurveData, res: LsqResult, fixed, weights: str, excluded, plain=False,
                     said=()) -> LogisticFit:
    free = free_mask(fixed)
    x = data.x
    fin = x[np.isfinite(x)]
    lo, hi = (fin.min(), fin.max()) if fin.size else (np.nan, np.nan)
    n_distinct = np.unique(x).size
    # the effect-size test compares the span with the residual SD in the response's own units:
    # a weighted RSS is in other units (relative, or chi-square), so the residuals are unweighted
    resid = data.y - logistic(x, *res.params)
    d = derive(res.params[None], res.se[None], np.array([res.dof]), np.array([lo]), np.array([hi]), free,
               np.array([res.converged]), np.array([n_distinct]), res.cov[None], np.array([float(resid @ resid)]),
               X=x[None, :], W=np.ones((1, x.size)))
    flags = d["flags"][0] + (("outlier",) if excluded else ())
    units = tested_message(top_concentration(data.conc), float(d["ic50"][0])) if plain else None
    messages = ((units,) if units else ()) + tuple(said)
    flags += ((IMPLAUSIBLE,) if units else ()) + ((NOT_SETTLED,) if said else ())
    p, se = res.params, res.se
    cis = [t_interval(p[k], se[k], res.dof) if free[k] else (np.nan, np.nan) for k in range(4)]
    span = (hi - lo) if np.isfinite(hi - lo) and hi > lo else 1.0
    prof = profile_interval(_profile_rss(x, data.y, data.w, fixed, res), p[2], res.rss, res.dof,
                            step=max(se[2] if np.isfinite(se[2]) else 0.0, 0.01 * span),
                            limit=4 * span + 2, rss_floor=res.rss_floor) if res.converged else (np.nan, np.nan)
    ic50_ci = (float(d["ic50_ci_low"][0]), float(d["ic50_ci_high"][0]))
    said_ci = unbounded_message("logIC50", prof, cis[2]) if d["qualifier"][0] == "=" else None
    if said_ci:
        flags += (UNBOUNDED,)
        messages += (said_ci,)
        ic50_ci = (float(10.0 ** prof[0]), float(10.0 ** prof[1]))
    wmean = np.sum(data.w * data.y) / np.sum(data.w)
    tss = float(np.sum(data.w * (data.y - wmean) ** 2))
    return LogisticFit(
        bottom=float(p[0]), top=float(p[1]), log_ic50=float(p[2]), hill=float(p[3]),
        ic50=float(d["ic50"][0]), ic50_text=d["ic50_text"][0], qualifier=str(d["qualifier"][0]),
        ic50_fitted=float(d["ic50_fitted"][0]), ic50_se=float(np.log(10) * d["ic50_fitted"][0] * se[2]),
        bottom_se=float(se[0]), top_se=float(se[1]), log_ic50_se=float(se[2]), hill_se=float(se[3]),
        bottom_ci=cis[0], top_ci=cis[1], log_ic50_ci=cis[2], hill_ci=cis[3],
        ic50_ci=ic50_ci, log_ic50_ci_profile=prof,
        rss=res.rss, rss_floor=res.rss_floor, dof=res.dof, r_squared=1 - res.rss / tss if tss > 0 else float("nan"),
        n=int(data.y.size), n_dropped=data.n_dropped, n_params=res.n_free, converged=res.converged,
        flags=flags, fixed=dict(fixed), weights=weights, conc_range=(float(10 ** lo), float(10 ** hi)),
        excluded=excluded, messages=messages)
