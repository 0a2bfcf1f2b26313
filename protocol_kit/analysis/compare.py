"""Model comparison: extra-sum-of-squares F test and AICc; the two-site competition model;
global logistic fits with parameters shared across curves."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import ParameterError
from ._inputs import check_fixed, curve_data, weight_kind
from .batch import _column, fit_logistic_many
from .curves import LN10, LOGISTIC_PARAMS, _fraction, logistic_jacobian
from .fitting import FIXABLE
from .lsq import evaluate, least_squares_fit, t_interval
from .results import FitStats, ResultBase
from .reweight import FLAG as NOT_SETTLED, by_curve, describe, not_settled_message, reweight, weigher


def aicc(rss: float, n: int, n_params: int) -> float:
    """AICc = n ln(RSS/n) + 2K + 2K(K+1)/(n-K-1), K = fitted parameters + 1 (the variance)
    (Burnham & Anderson 2002; Motulsky & Christopoulos 2004, ch. 22)."""
    k = n_params + 1
    if n - k - 1 <= 0 or rss <= 0:
        return float("nan")
    return n * math.log(rss / n) + 2 * k + 2 * k * (k + 1) / (n - k - 1)


@dataclass(frozen=True)
class ModelComparison(ResultBase):
    """Result of :func:`compare_models` (immutable). ``preferred_*`` is "simpler", "complex"
    or "undetermined"; ``flags`` (``exact_fit``, ``complex_worse``) each have a sentence in
    ``messages``, as has an RSS difference within rounding (taken as none: F = 0)."""

    f: float
    dfn: int
    dfd: int
    p_value: float
    preferred_f_test: str
    aicc_simpler: float
    aicc_complex: float
    delta_aicc: float  # AICc(complex) - AICc(simpler); negative favours the complex model
    probability_complex: float  # Akaike weight of the complex model
    preferred_aicc: str
    alpha: float
    flags: tuple[str, ...] = ()
    messages: tuple[str, ...] = ()


def _rounding(fit, rss: float) -> tuple[float, float]:
    """(rounding level of the fit's RSS, uncertainty of its RSS from that rounding):
    residuals off by d_i with sum w d^2 <= floor change the RSS by at most
    2 sqrt(RSS floor) + floor (Cauchy-Schwarz). A fit without ``rss_floor`` has 0."""
    floor = float(getattr(fit, "rss_floor", 0.0) or 0.0)
    return floor, 2.0 * math.sqrt(max(rss, 0.0) * floor) + floor


def compare_models(simpler, more_complex, *, alpha: float = 0.05) -> ModelComparison:
    """Compare two least-squares fits of the same data (any results with ``rss``, ``dof``,
    ``n`` and ``n_params``; ``rss_floor`` when they have one), e.g. fixed vs variable slope,
    one vs two sites, shared vs separate.

    Extra-sum-of-squares F test (nested models): F = ((RSS1 - RSS2)/(df1 - df2)) / (RSS2/df2),
    P from F(df1 - df2, df2); the complex model is preferred when P < alpha.
    AICc as in :func:`aicc`; the probability that the complex model is correct is
    exp(-D/2) / (1 + exp(-D/2)) with D = AICc(complex) - AICc(simpler).

    Degenerate cases, never a number made of rounding noise:

    - ``exact_fit``: the complex fit's RSS is at the rounding level of its data
      (:func:`.lsq.rounding_rss`, RSS <= sum(w) (1e-12 max|y|)^2): noise-free data. F, P and
      AICc (which divide by or take the log of that RSS) are NaN; the preferred model is the
      simpler if it fits exactly too (the extra parameters add nothing), else the complex.
    - An RSS difference within the rounding of the two RSS (see :func:`_rounding`) is no
      difference: F = 0, P = 1 (a rounding-sized negative difference never gives F < 0).
    - ``complex_worse``: the complex fit's RSS is above the simpler's beyond rounding, which
      nested models cannot give at their least-squares optimum (the complex fit missed its
      minimum, or the models are not nested): F and P are NaN, the F test undetermined.
    """
    for name, r in (("simpler", simpler), ("more_complex", more_complex)):
        missing = [a for a in ("rss", "dof", "n", "n_params") if not hasattr(r, a)]
        if missing:
            raise ParameterError(name, type(r).__name__, "a fit result with rss, dof, n and n_params")
    if simpler.n != more_complex.n:
        raise ParameterError("more_complex", f"n = {more_complex.n}", f"a fit of the same {simpler.n} points",
                             reason="is a fit of different data")
    if not more_complex.n_params > simpler.n_params:
        raise ParameterError("more_complex", f"{more_complex.n_params} parameters",
                             f"more parameters than the simpler model ({simpler.n_params})")
    rss1, rss2 = float(simpler.rss), float(more_complex.rss)
    dfn = simpler.dof - more_complex.dof
    dfd = more_complex.dof
    floor1, tol1 = _rounding(simpler, rss1)
    floor2, tol2 = _rounding(more_complex, rss2)
    exact1, exact2 = rss1 <= floor1, rss2 <= floor2
    a_s, a_c = aicc(rss1, simpler.n, simpler.n_params), aicc(rss2, more_complex.n, more_complex.n_params)
    flags, said = [], []
    nan = float("nan")
    f, p, preferred = nan, nan, ""
    if exact2:
        flags.append("exact_fit")
        preferred = "simpler" if exact1 else "complex"
        both = (f"the simpler model fits exactly too (RSS {rss1:.3g}), so the extra parameters add nothing"
                if exact1 else f"the simpler model does not (RSS {rss1:.3g}), so the complex model is preferred")
        said.append(f"exact_fit: the complex model's residuals are at the rounding level of the data (RSS "
                    f"{rss2:.3g} <= {floor2:.3g}): noise-free data, for which the F test and AICc are undefined "
                    f"(F, P and AICc NaN, not numbers made of rounding); {both}")
        a_c = nan
        a_s = nan if exact1 else a_s
    elif dfd > 0 and rss2 > 0:
        diff = rss1 - rss2
        if abs(diff) <= tol1 + tol2:
            f, p = 0.0, 1.0
            said.append(f"the two RSS differ by {diff:.3g}, within their rounding ({tol1 + tol2:.3g}): no "
                        "improvement, F = 0")
        elif diff < 0:
            flags.append("complex_worse")
            preferred = "undetermined"
            said.append(f"complex_worse: the complex model's RSS ({rss2:.6g}) is above the simpler model's "
                        f"({rss1:.6g}), which nested models cannot give at their least-squares optimum: the "
                        "complex fit missed its minimum (refit it from the simpler fit's values) or the models "
                        "are not nested; F and P are not computed")
        else:
            f = (diff / dfn) / (rss2 / dfd)
            p = float(stats.f.sf(f, dfn, dfd))
    delta = a_c - a_s
    prob = 1.0 / (1.0 + math.exp(min(delta / 2, 700))) if math.isfinite(delta) else nan
    if exact2:
        preferred_aicc = preferred
    else:
        preferred_aicc = "complex" if delta < 0 else "simpler" if math.isfinite(delta) else "undetermined"
    return ModelComparison(
        f=float(f), dfn=int(dfn), dfd=int(dfd), p_value=p,
        preferred_f_test=preferred or ("complex" if p < alpha else "simpler" if p >= alpha else "undetermined"),
        aicc_simpler=a_s, aicc_complex=a_c,
        delta_aicc=delta, probability_complex=prob, preferred_aicc=preferred_aicc, alpha=alpha,
        flags=tuple(flags), messages=tuple(said))


# --- two-site competition -------------------------------------------------------------------

TWO_SITE_PARAMS = ("bottom", "top", "frac", "log_ic50_1", "log_ic50_2")


@dataclass(frozen=True)
class TwoSiteFit(FitStats):
    """Result of :func:`fit_two_site` (immutable); site 1 is the high-affinity site."""

    bottom: float
    top: float
    frac: float
    log_ic50_1: float
    log_ic50_2: float
    se: dict
    ci: dict
    flags: tuple[str, ...] = ()
    messages: tuple[str, ...] = ()
    weights: str = "none"


def _two_site_model(x):
    def model(p):
        b, t, a, l1, l2 = p
        f1, _ = _fraction(x, l1, -1.0)
        f2, _ = _fraction(x, l2, -1.0)
        s = a * f1 + (1 - a) * f2
        span = t - b
        J = np.column_stack([1 - s, s, span * (f1 - f2), span * a * LN10 * f1 * (1 - f1),
                             span * (1 - a) * LN10 * f2 * (1 - f2)])
        return b + span * s, J
    return model


def fit_two_site(conc, response, *, fixed=None, weights=None, sd=None) -> TwoSiteFit:
    """Two-site competition (Prism "Two sites - Fit logIC50"), each site with Hill slope -1:

    Y = Bottom + (Top - Bottom) (Frac / (1 + 10^(X - LogIC50_1)) + (1 - Frac) / (1 + 10^(X - LogIC50_2))).

    Starts: every pair LogIC50_1 < LogIC50_2 on a 13-point grid over the tested range and
    Frac in {0.2, 0.4, 0.6, 0.8}, with the plateaus solved exactly (the model is linear in
    them); the three best are polished by Levenberg-Marquardt and the lowest RSS is kept.
    ``fixed`` may hold ``bottom`` and/or ``top``. ``weights`` as in :func:`.fit_logistic`
    ("1/y2" and "1/y" by the fitted curve, iterated, :mod:`.reweight`).
    """
    fixed = check_fixed(fixed, ("bottom", "top"))
    free = np.array([k not in fixed for k in TWO_SITE_PARAMS])
    kind = weight_kind(weights)
    data = curve_data(conc, response, weights, sd, min_points=int(free.sum()), what="two-site fit")
    x, y, model = data.x, data.y, _two_site_model(data.x)
    rw = None
    if by_curve(kind):
        weigh = weigher(kind, weights, data.index, lambda i: f"response[{int(data.index[i])}] (conc {data.conc[i]:.4g} M)")
        rw = reweight(weigh, lambda w: _two_site_solve(x, y, w, fixed, free),
                      lambda w, p: least_squares_fit(model, p, y, w, free),
                      lambda w, p, ok: evaluate(model, p, y, w, free, ok), lambda p: model(p)[0], y.size)
        best = rw.res
    else:
        best = _two_site_solve(x, y, data.w, fixed, free)
    names = TWO_SITE_PARAMS
    said = () if rw is None or rw.converged else (not_settled_message(kind, rw.rounds),)
    return TwoSiteFit(
        **{k: float(v) for k, v in zip(TWO_SITE_PARAMS, best.params)}, se={k: float(v) for k, v in zip(names, best.se)},
        ci={k: t_interval(v, s, best.dof) for k, v, s in zip(names, best.params, best.se)},
        rss=best.rss, rss_floor=best.rss_floor, dof=best.dof, n=int(y.size), n_dropped=data.n_dropped,
        n_params=best.n_free, converged=best.converged, flags=(NOT_SETTLED,) if said else (), messages=said,
        weights=describe(kind, rw and rw.rounds, weights))


def _two_site_solve(x, y, w, fixed, free):
    """The multi-start fit of :func:`fit_two_site` with weights w, the high-affinity site first."""
    fin = x[np.isfinite(x)]
    grid = np.linspace(fin.min() - 0.5, fin.max() + 0.5, 13)
    starts = []
    for i, l1 in enumerate(grid):
        for l2 in grid[i + 1:]:
            for a in (0.2, 0.4, 0.6, 0.8):
                starts.append(_plateau_start(_two_site_model(x), np.array([0, 1, a, l1, l2]), y, w, fixed))
    starts.sort(key=lambda s: s[0])
    best = None
    for _, p0 in starts[:3]:
        r = least_squares_fit(_two_site_model(x), p0, y, w, free)
        if best is None or r.rss < best.rss:
            best = r
    p = best.params
    if p[3] > p[4]:  # report the high-affinity site first
        p = np.array([p[0], p[1], 1 - p[2], p[4], p[3]])
        best = least_squares_fit(_two_site_model(x), p, y, w, free)
    return best


def _plateau_start(model, p, y, w, fixed):
    """(RSS, params) with Bottom and Top solved by weighted linear least squares for the
    other parameters of ``p`` (pred = Bottom (1 - s) + Top s)."""
    s = model(np.array([0.0, 1.0, *p[2:]]))[0]
    basis = np.column_stack([1 - s, s])
    target = y - sum(fixed[k] * basis[:, i] for i, k in enumerate(("bottom", "top")) if k in fixed)
    cols = [i for i, k in enumerate(("bottom", "top")) if k not in fixed]
    p = p.astype(float).copy()
    for i, k in enumerate(("bottom", "top")):
        if k in fixed:
            p[i] = fixed[k]
    if cols:
        sw = np.sqrt(w)
        coef, *_ = np.linalg.lstsq(basis[:, cols] * sw[:, None], target * sw, rcond=None)
        p[cols] = coef
    return float(np.sum(w * (y - model(p)[0]) ** 2)), p


# --- global fits with shared parameters ------------------------------------------------------


@dataclass(frozen=True)
class GlobalFit(FitStats):
    """Result of :func:`fit_logistic_global` (immutable). ``curves`` has one row per curve
    with each parameter and its SE (shared parameters repeat); one pooled variance."""

    curves: pd.DataFrame
    shared: tuple[str, ...]

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "curves", self.curves.copy())

    def __getattribute__(self, name: str):
        value = object.__getattribute__(self, name)
        return value.copy() if name == "curves" else value  # a copy: changing it changes nothing here

    def to_dict(self) -> dict:
        d = super().to_dict()
        d["curves"] = self.curves.to_dict(orient="records")
        return d

    def _repr_html_(self) -> str:
        head = (f"<p>GlobalFit: shared {', '.join(self.shared) or 'none'}; RSS {self.rss:.6g}, dof {self.dof}, "
                f"n {self.n}, {self.n_params} parameters, converged {self.converged}</p>")
        return head + self.curves.to_html(index=False)


def fit_logistic_global(frame: pd.DataFrame, *, by, conc: str = "conc", response: str = "response",
                        shared=(), fixed=None) -> GlobalFit:
    """Fit the logistic of :func:`fit_logistic` to several curves at once, with the
    parameters named in ``shared`` (any of bottom, top, log_ic50, hill) common to all curves
    and one pooled residual variance (dof = n - all fitted parameters), as Prism's global
    fit and R drc's joint fits do. ``shared=()`` gives separate parameters with a pooled
    variance (its RSS is the sum of the separate fits' RSS). Compare a shared and a separate
    fit with :func:`compare_models`. Starts: the separate fits of :func:`fit_logistic_many`
    (shared parameters start at their median); polished by Levenberg-Marquardt.
    """
    fixed = check_fixed(fixed, FIXABLE)
    shared = tuple(shared)
    for s in shared:
        if s not in LOGISTIC_PARAMS:
            raise ParameterError("shared", s, ", ".join(LOGISTIC_PARAMS))
        if s in fixed:
            raise ParameterError("shared", s, "parameters that are not fixed", reason="is also fixed")
    sep = fit_logistic_many(frame, by=by, conc=conc, response=response, fixed=fixed)
    by_cols = [by] if isinstance(by, str) else list(by)
    keys = [_column(frame, b, "by") for b in by_cols]
    codes, uniques = pd.MultiIndex.from_arrays(keys).factorize() if len(keys) > 1 else pd.factorize(keys[0])
    data = curve_data(_column(frame, conc, "conc").to_numpy(), _column(frame, response, "response").to_numpy(),
                      min_points=1, what="global fit")
    g = codes[data.index]
    x, y, w = data.x, data.y, data.w
    m = len(uniques)
    # parameter layout: shared ones first, then per-curve free ones
    layout = []  # (param k, curve or None)
    for k, name in enumerate(LOGISTIC_PARAMS):
        if name in shared:
            layout.append((k, None))
    for c in range(m):
        for k, name in enumerate(LOGISTIC_PARAMS):
            if name not in shared and name not in fixed:
                layout.append((k, c))
    per_curve0 = sep[list(LOGISTIC_PARAMS)].to_numpy(float)
    p0 = np.array([np.median(per_curve0[:, k]) if c is None else per_curve0[c, k] for k, c in layout])

    def unpack(p):
        P = np.tile([fixed.get(n, np.nan) for n in LOGISTIC_PARAMS], (m, 1)).astype(float)
        for v, (k, c) in zip(p, layout):
            if c is None:
                P[:, k] = v
            else:
                P[c, k] = v
        return P

    def model(p):
        P = unpack(p)[g]
        pred, cols = logistic_jacobian(x, P[:, 0], P[:, 1], P[:, 2], P[:, 3])
        J = np.zeros((x.size, len(layout)))
        for j, (k, c) in enumerate(layout):
            J[:, j] = cols[k] if c is None else np.where(g == c, cols[k], 0.0)
        return pred, J

    res = least_squares_fit(model, p0, y, w, np.ones(len(layout), bool))
    P = unpack(res.params)
    SE = np.full((m, 4), np.nan)
    for j, (k, c) in enumerate(layout):
        if c is None:
            SE[:, k] = res.se[j]
        else:
            SE[c, k] = res.se[j]
    curves = pd.DataFrame({b: np.asarray([u[i] for u in uniques]) if len(keys) > 1 else np.asarray(uniques)
                           for i, b in enumerate(by_cols)})
    for k, name in enumerate(LOGISTIC_PARAMS):
        curves[name] = P[:, k]
        curves[name + "_se"] = SE[:, k]
    curves["ic50"] = 10 ** P[:, 2]
    curves["ic50_se"] = LN10 * curves["ic50"] * SE[:, 2]
    return GlobalFit(curves=curves, shared=shared, rss=res.rss, rss_floor=res.rss_floor, dof=res.dof, n=int(y.size),
                     n_dropped=data.n_dropped, n_params=len(layout), converged=res.converged)
