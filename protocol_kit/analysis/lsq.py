"""Tight single-problem least squares shared by every single-curve fit.

Minimises sum w_i (y_i - f_i(p))^2 over the free parameters with MINPACK's
Levenberg-Marquardt (scipy ``least_squares(method="lm")``) at tolerances of 1e-15, so that
certified reference values (NIST StRD) are reproduced to their digits. Standard errors are
asymptotic: Cov = s^2 (J' W J)^-1 with s^2 = RSS / dof (Bates & Watts 1988).

A fit whose residuals are at the rounding level of the data (:func:`rounding_rss`) is an
exact fit: its RSS is rounding noise, so ratios of it (F, the profile threshold) mean nothing.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

TIGHT = dict(xtol=1e-15, ftol=1e-15, gtol=1e-15)

# Residuals of exact fits of noise-free data (logistic, two-site, global and saturation fits,
# weighted and not, data scaled 1e-3 to 1e9) measured at most 0.85 eps max|y| rms
# (eps = 2.2e-16); 1e-12 max|y| (about 4500 eps) leaves room for an optimiser that stops a few
# thousand ulps short, and is still five orders below the quantisation of readings recorded
# as integers up to 10^7 (counts, RFU), 1e-7 of max|y|.
ROUNDING = 1e-12


def rss_floor(weight_sum, y_max):
    """sum(w) (ROUNDING max|y|)^2 from a curve's weight sum and max|y| (arrays: per curve)."""
    return weight_sum * (ROUNDING * y_max) ** 2


def rounding_rss(y, w) -> float:
    """The RSS of residuals at the rounding level: sum(w) (ROUNDING max|y|)^2 (:func:`rss_floor`).
    A fit with RSS at or below it is exact: the data are noise-free for this model."""
    y, w = np.asarray(y, float), np.asarray(w, float)
    if not y.size:
        return 0.0
    return float(rss_floor(np.sum(w), np.max(np.abs(y))))


@dataclass(frozen=True)
class LsqResult:
    params: np.ndarray  # all parameters, fixed ones at their value
    se: np.ndarray  # NaN for fixed parameters or dof = 0
    cov: np.ndarray
    rss: float
    dof: int
    n_free: int
    converged: bool
    residuals: np.ndarray  # y - f (unweighted)
    rss_floor: float  # rounding_rss(y, w): rss <= rss_floor is an exact fit


def least_squares_fit(model: Callable, p0, y, w, free, *, loss: str = "linear", f_scale: float = 1.0,
                      max_nfev: int | None = None) -> LsqResult:
    """``model(p) -> (pred, jac)`` with jac of shape (n, n_params) over all parameters."""
    p0 = np.asarray(p0, float)
    free = np.asarray(free, bool)
    sw = np.sqrt(w)

    def full(q):
        p = p0.copy()
        p[free] = q
        return p

    def fun(q):
        return sw * (y - model(full(q))[0])

    def jac(q):
        return -(sw[:, None] * model(full(q))[1][:, free])

    q0 = p0[free]
    converged = True
    if q0.size:
        linear = loss == "linear" and y.size >= q0.size
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                res = optimize.least_squares(fun, q0, jac=jac, method="lm" if linear else "trf", loss=loss,
                                             f_scale=f_scale, x_scale="jac", max_nfev=max_nfev, **TIGHT)
            q, converged = res.x, bool(res.status > 0) and np.all(np.isfinite(res.x))
        except (ValueError, np.linalg.LinAlgError):
            q, converged = q0, False
        p = full(q)
    else:
        p = p0
    return evaluate(model, p, y, w, free, converged)


def evaluate(model: Callable, p, y, w, free, converged: bool = True) -> LsqResult:
    """RSS, residuals and asymptotic covariance at parameters ``p`` (no optimisation)."""
    free = np.asarray(free, bool)
    pred, J = model(p)
    r = y - pred
    rss = float(np.sum(w * r * r))
    dof = int(y.size - free.sum())
    cov, se = covariance_from_jacobian(J, w, free, rss, dof)
    return LsqResult(np.asarray(p, float), se, cov, rss, dof, int(free.sum()),
                     bool(converged and np.isfinite(rss)), r, rounding_rss(y, w))


def covariance_from_jacobian(J, w, free, rss, dof):
    """s^2 (J' W J)^-1 over the free parameters; NaN rows/columns for fixed ones."""
    k = J.shape[1]
    cov = np.full((k, k), np.nan)
    Jf = J[:, free]
    if dof > 0 and Jf.shape[1]:
        A = Jf.T @ (w[:, None] * Jf)
        try:
            inv = np.linalg.inv(A)
        except np.linalg.LinAlgError:
            inv = np.linalg.pinv(A)
        cov[np.ix_(free, free)] = inv * (rss / dof)
    d = np.diag(cov)
    se = np.sqrt(np.where(d >= 0, d, np.nan))
    return cov, se


def t_interval(value, se, dof, level=0.95):
    """value +- t(level; dof) se (NaN when dof < 1)."""
    if dof < 1 or not np.isfinite(se):
        return (float("nan"), float("nan"))
    tq = stats.t.ppf(0.5 + level / 2, dof)
    return (float(value - tq * se), float(value + tq * se))


def profile_interval(profile_rss: Callable[[float], float], theta: float, rss_min: float, dof: int,
                     step: float, limit: float, level: float = 0.95, rss_floor: float = 0.0):
    """Profile-likelihood interval of one parameter (Prism's default for logIC50):

    the set of theta with RSS_profile(theta) <= RSS_min (1 + F(level; 1, dof) / dof)
    (Motulsky & Christopoulos 2004, ch. 18; Venzon & Moolgavkar 1988). Each bound is
    bracketed by doubling steps from theta and found with Brent's method; a bound not
    reached within ``limit`` of theta is reported as -inf / +inf.

    An exact fit (``rss_min <= rss_floor``, see :func:`rounding_rss`) gives (theta, theta):
    any other value leaves residuals above the rounding level. (Its threshold would be
    rounding noise, and the profile re-minimised at theta itself can land above it, so a
    search would return a spurious interval one step off centre.) A bound that cannot be
    bracketed because the profile at theta is above the threshold is NaN, not a guess.
    """
    if dof < 1 or not np.isfinite(rss_min):
        return (float("nan"), float("nan"))
    if rss_min <= rss_floor:
        return (float(theta), float(theta))
    threshold = rss_min * (1.0 + stats.f.ppf(level, 1, dof) / dof)

    def g(t):
        v = profile_rss(t)
        return (v if np.isfinite(v) else np.inf) - threshold

    bounds = []
    for sign in (-1.0, 1.0):
        inner, d, found = theta, step, None
        while d <= limit:
            outer = theta + sign * d
            if g(outer) > 0:
                found = outer
                break
            inner, d = outer, d * 2.0
        if found is None:
            bounds.append(sign * np.inf)
            continue
        a, b = sorted((inner, found))
        try:
            bounds.append(float(optimize.brentq(g, a, b, xtol=1e-10 * max(1.0, abs(theta)))))
        except ValueError:  # g(inner) > 0 as well: only when inner is theta
            bounds.append(float("nan"))
    return (bounds[0], bounds[1])
