"""The profile-likelihood interval of logIC50 for batched fits: which sides are open
(``ci_unbounded``) and the profile bound on a closed side, as :func:`~.fitting.fit_logistic`
finds them, vectorised over curves.

A single fit (:func:`~.lsq.profile_interval`) steps out from the fitted logIC50 theta by
doubling steps d = step 2^k (step = max(SE(logIC50), 0.01 range), range = the tested X span
or 1) while d <= 4 range + 2, and calls a side open when no step raises the profile RSS above
the threshold RSS_min (1 + F(0.95; 1, dof) / dof) (F(1, dof) = t(dof)^2). Assuming the profile
RSS is monotone on each side of its minimum, that is decided by the last step alone, at
theta +- d_last: this module evaluates the profile there for every curve at once. A closed side's
bound is then found by bisection between the optimum and the first step above the threshold.

The profile RSS at a fixed logIC50 L is the minimum over the free plateaus, linear given the
Hill slope (weighted least squares in closed form), and the Hill slope, profiled by a scan of
|Hill| over 1e-2 .. 1e2 x 4 / range refined by golden-section search in log |Hill| (both signs
when a plateau is fixed; with both free, (b, t, L, h) and (t, b, L, -h) are one curve).
"""
from __future__ import annotations

import numpy as np
from scipy import stats

from .curves import _fraction

BOTTOM, TOP, LOG_IC50, HILL = range(4)
HILL_SCAN = np.geomspace(0.01, 100.0, 41)  # |Hill| in units of 4 / range
GOLDEN_ITERS = 40
BISECT_ITERS = 48  # halvings of the bracket (at most 4 range + 2 wide): below 1e-10 decades


def _plateau_rss(q, X, Y, W, fixed, free):
    """RSS of Y ~ B (1 - q) + T q minimised over the free plateaus (B, T), per curve."""
    a, b = 1.0 - q, q
    r = Y.copy()
    if not free[BOTTOM]:
        r = r - fixed["bottom"] * a
    if not free[TOP]:
        r = r - fixed["top"] * b
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if free[BOTTOM] and free[TOP]:
            Saa, Sab, Sbb = (W * a * a).sum(1), (W * a * b).sum(1), (W * b * b).sum(1)
            Sar, Sbr = (W * a * r).sum(1), (W * b * r).sum(1)
            det = Saa * Sbb - Sab * Sab
            B = (Sar * Sbb - Sbr * Sab) / det
            T = (Saa * Sbr - Sab * Sar) / det
            r = r - B[:, None] * a - T[:, None] * b
        elif free[BOTTOM] or free[TOP]:
            c = a if free[BOTTOM] else b
            k = (W * c * r).sum(1) / (W * c * c).sum(1)
            r = r - k[:, None] * c
        rss = (W * r * r).sum(1)
    return np.where(np.isfinite(rss), rss, np.inf)


def profile_rss(L, X, Y, W, fixed, free, unit, rss_extra=0.0):
    """Profile RSS with logIC50 held at L (per curve): minimum over the free plateaus and Hill.

    X, Y, W curve-major (m, K) with vehicle wells at X = -inf; ``unit`` = 4 / range per curve;
    ``rss_extra`` (replicate scatter) is added."""
    L = np.asarray(L, float)[:, None]

    def at(h):
        f, _ = _fraction(X, L, h[:, None])
        return _plateau_rss(f, X, Y, W, fixed, free)

    if not free[HILL]:
        return at(np.full(L.shape[0], float(fixed["hill"]))) + rss_extra
    signs = (-1.0,) if free[BOTTOM] and free[TOP] else (-1.0, 1.0)
    best = np.full(L.shape[0], np.inf)
    for sign in signs:
        logk = np.log(HILL_SCAN)[None, :] + np.log(unit)[:, None]
        scan = np.stack([at(sign * np.exp(logk[:, j])) for j in range(HILL_SCAN.size)], axis=1)
        j = scan.argmin(1)
        rows = np.arange(j.size)
        a = logk[rows, np.maximum(j - 1, 0)]
        b = logk[rows, np.minimum(j + 1, HILL_SCAN.size - 1)]
        lo = scan[rows, j]
        for _ in range(GOLDEN_ITERS):
            c1, c2 = b - 0.618 * (b - a), a + 0.618 * (b - a)
            f1, f2 = at(sign * np.exp(c1)), at(sign * np.exp(c2))
            a, b = np.where(f1 < f2, a, c1), np.where(f1 < f2, c2, b)
            lo = np.minimum(lo, np.minimum(f1, f2))
        best = np.minimum(best, lo)
    return best + rss_extra


def probe_steps(se, lo, hi):
    """(step, d_last): the single fit's first step and its last step within 4 range + 2
    (d_last NaN when even the first step is beyond it: no step, both sides open)."""
    span = np.where(np.isfinite(hi - lo) & (hi > lo), hi - lo, 1.0)
    step = np.maximum(np.where(np.isfinite(se), se, 0.0), 0.01 * span)
    limit = 4.0 * span + 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.floor(np.log2(limit / step))
    d_last = step * 2.0 ** k
    d_last = np.where(d_last > limit, d_last / 2.0, d_last)  # rounding of log2 at a power of 2
    return step, np.where(k >= 0, d_last, np.nan), span


def profile_bounds(params, se, rss, dof, lo, hi, X, Y, W, fixed, free, rss_extra, check):
    """The 95% profile interval of logIC50 for the curves where ``check`` holds, NaN elsewhere:
    +-inf on an open side; a closed side's bound is computed only where the other side is open
    (where the headline CI becomes the profile interval). Returns (low, high)."""
    m = params.shape[0]
    low, high = np.full(m, np.nan), np.full(m, np.nan)
    idx = np.flatnonzero(check)
    if idx.size == 0:
        return low, high
    theta = params[idx, LOG_IC50]
    step, d_last, span = probe_steps(se[idx], lo[idx], hi[idx])
    unit = 4.0 / span
    Xi, Yi, Wi, ex = X[idx], Y[idx], W[idx], rss_extra[idx]
    threshold = rss[idx] * (1.0 + stats.f.ppf(0.95, 1, dof[idx]) / dof[idx])
    no_step = ~np.isfinite(d_last)
    d = np.where(no_step, 0.0, d_last)
    args = (Xi, Yi, Wi, fixed, free, unit, ex, threshold)
    open_lo = no_step | _all_under(theta, -1.0, step, d, *args)
    open_hi = no_step | _all_under(theta, 1.0, step, d, *args)
    bound = {-1.0: np.where(open_lo, -np.inf, np.nan), 1.0: np.where(open_hi, np.inf, np.nan)}
    for sign, closed in ((-1.0, ~open_lo & open_hi), (1.0, ~open_hi & open_lo)):
        j = np.flatnonzero(closed)
        if j.size:
            bound[sign][j] = _closed_bound(sign, theta[j], step[j], d_last[j], threshold[j], Xi[j], Yi[j],
                                           Wi[j], fixed, free, unit[j], ex[j])
    low[idx], high[idx] = bound[-1.0], bound[1.0]
    return low, high


def _all_under(theta, sign, step, d_last, X, Y, W, fixed, free, unit, ex, threshold):
    """Whether the profile RSS stays under the threshold at every doubling step of the single
    fit on one side: first at the last step, the only one that matters for a profile monotone
    beyond its minimum; where that is under, at every earlier step too (a profile that rises
    above the threshold and falls again far out closes the side at the first rise, as in
    :func:`~.lsq.profile_interval`)."""
    under = profile_rss(theta + sign * d_last, X, Y, W, fixed, free, unit, ex) <= threshold
    j = np.flatnonzero(under & (d_last > step))
    if j.size:
        n_steps = np.rint(np.log2(d_last[j] / step[j])).astype(np.int64)  # earlier steps, 1 .. n
        rows = np.repeat(j, n_steps)
        k = np.arange(rows.size) - np.repeat(np.cumsum(n_steps) - n_steps, n_steps)
        t = theta[rows] + sign * step[rows] * 2.0 ** k
        ok = profile_rss(t, X[rows], Y[rows], W[rows], fixed, free, unit[rows], ex[rows]) <= threshold[rows]
        under[j] = np.logical_and.reduceat(ok, np.cumsum(n_steps) - n_steps)
    return under


def _closed_bound(sign, theta, step, d_last, threshold, X, Y, W, fixed, free, unit, ex):
    """Where the profile crosses the threshold on a closed side: the first doubling step above
    it brackets the root with the step before it (the optimum for the first step), bisected."""
    def g(t):
        return profile_rss(t, X, Y, W, fixed, free, unit, ex) - threshold

    inner, outer = theta.copy(), np.full(theta.size, np.nan)
    d = step.copy()
    pending = np.ones(theta.size, bool)
    while pending.any():
        t = theta + sign * d
        above = pending & (g(t) > 0)
        outer[above] = t[above]
        pending &= ~above
        inner[pending] = t[pending]
        d = d * 2.0
        pending &= d <= d_last * (1 + 1e-12)
    a, b = inner, outer
    for _ in range(BISECT_ITERS):
        mid = 0.5 * (a + b)
        up = g(mid) > 0
        a, b = np.where(up, a, mid), np.where(up, mid, b)
    return 0.5 * (a + b)
