"""The profile-likelihood interval of logIC50 for batched fits: which sides are open
(``ci_unbounded``) and the profile bound on a closed side, as :func:`~.fitting.fit_logistic`
finds them, vectorised over curves.

A single fit (:func:`~.lsq.profile_interval`) steps out from the fitted logIC50 theta by
doubling steps d = step 2^k (step = max(SE(logIC50), 0.01 range), range = the tested X span
or 1) while d <= 4 range + 2, and calls a side open when no step raises the profile RSS above
the threshold RSS_min (1 + F(0.95; 1, dof) / dof) (F(1, dof) = t(dof)^2). This module evaluates
the profile at the same steps for every curve at once: first at the last one, theta +- d_last
(above the threshold there: closed, whatever the profile does before; for a profile monotone
beyond its minimum that step alone decides), then, where that is under, at every earlier one.
The last step is screened with a coarse Hill scan (an upper bound of the profile): a side is
taken as closed without refining when that bound exceeds the threshold twice over (on the
600 robustness curves no open side screened above 1.18 x). The earlier steps are screened by
the same scan: where that upper bound is under the threshold, so is the profile; only the
other steps are searched in full. A closed side's bound, needed only
when the other side is open, is found by regula falsi between the last step under the
threshold (or the optimum) and the first above it, the bracket the single fit's Brent search
uses.

The profile RSS at a fixed logIC50 L is the minimum over the free plateaus, linear given the
Hill slope (weighted least squares in closed form), and the Hill slope, profiled by a scan of
|Hill| over 1e-2 .. 1e2 x 4 / range refined by golden-section search in log |Hill| (both signs
when a plateau is fixed; with both free, (b, t, L, h) and (t, b, L, -h) are one curve).
"""
from __future__ import annotations

import numpy as np
from scipy import stats

from .curves import LN10

BOTTOM, TOP, LOG_IC50, HILL = range(4)
HILL_SCAN = np.geomspace(0.01, 100.0, 21)  # |Hill| in units of 4 / range, 1/5 decade apart
HILL_COARSE = np.geomspace(0.01, 100.0, 13)  # the screen at the last step (1/3 decade apart)
# a last step whose screened profile exceeds the threshold 2-fold is closed without refining:
# on the 600 robustness curves no open side screened above 1.18 x the threshold
SCREEN = 2.0
GOLDEN_ITERS = 20  # the bracket (2 scan steps, 0.92 in ln |Hill|) shrinks to 6e-5 (RSS to ~1e-9)
GOLD = 0.5 * (np.sqrt(5.0) - 1.0)
ROOT_ITERS = 40  # at most: Illinois steps of the bound; stops at 1e-10 decades


def expit(z, out=None):
    """The logistic function 1 / (1 + e^-z) (scipy.special.expit, to 1 ulp: numpy's exp is about
    3 times faster than scipy's expit on these arrays); ``out`` may be z."""
    with np.errstate(over="ignore"):
        u = np.negative(z, out=out)
        np.exp(u, out=u)  # e^-z = inf: the value is 0, as expit's
    u += 1.0
    return np.reciprocal(u, out=u)


def _exponent(d, h):
    """z = ln10 (L - X) h from d = L - X: q = 1 / (1 + 10^((L - X) h)) = expit(-z) and 1 - q = expit(z), each
    with full relative precision in its tail (not 1 - q by subtraction: at a logIC50 decades
    beyond the data the points sit 1e-13 or less from a plateau, where the tanh form of
    :func:`.curves.logistic` keeps no digits); q = 1 (h < 0) or 0 at a vehicle well (X = -inf)."""
    with np.errstate(invalid="ignore"):
        z = d * h
        z *= LN10
    return z


class _Curves:
    """The checked curves as the profile needs them: X, Y, W as (m, 1, K) (a middle axis for the
    Hill values evaluated at once), ``unit`` = 4 / range and ``ex`` (replicate scatter) per
    curve, and what does not depend on (logIC50, Hill): with both plateaus free the weighted
    centred sums and the points' median X (:func:`_both_free`). Computed once per batch;
    :meth:`take` selects curves (repeats allowed) without recomputing."""

    def __init__(self, X, Y, W, fixed, free, unit, ex):
        self.fixed, self.free = fixed, free
        self.both = bool(free[BOTTOM] and free[TOP])
        self.unit, self.ex = unit, ex
        self.X, self.Y, self.W = X[:, None, :], Y[:, None, :], W[:, None, :]
        if self.both:
            Sw = W.sum(1)
            ybar = (W * Y).sum(1) / Sw
            Yc = Y - ybar[:, None]
            self.Sw = Sw[:, None]
            self.syy = (W * Yc * Yc).sum(1)[:, None]
            self.WW = np.stack([W, W * Yc], axis=-1)  # (m, K, 2): the weights and W (Y - ybar)
            self.mid = np.nanmedian(np.where(np.isfinite(X) & (W > 0), X, np.nan), axis=1)[:, None, None]

    def take(self, i) -> _Curves:
        new = object.__new__(_Curves)
        for k, v in self.__dict__.items():
            setattr(new, k, v[i] if isinstance(v, np.ndarray) and k != "free" else v)
        return new

    def at(self, L, sign):
        """h (m, G) -> RSS minimised over the free plateaus at logIC50 L (m,) and Hill h of the
        sign ``sign``: (m, G). With both plateaus free the regressor is q or 1 - q, the one that
        is small (and exact) on the curve's data: 1 - q where (L - X) h < 0 at the points'
        median X, else q; 1 - q = expit(z) is expit(-z) of the exponent's negative, so that
        choice is a sign per curve folded into h (x -1 is exact)."""
        with np.errstate(invalid="ignore"):
            d = L[:, None, None] - self.X  # (m, 1, K): L is fixed for the whole search
        if not self.both:
            return lambda h: _plateau_rss(_exponent(d, h[:, :, None]), self.Y, self.W, self.fixed, self.free)
        flip = np.where((L[:, None, None] > self.mid) == (sign < 0), 1.0, -1.0)
        return lambda h: _both_free(self, _exponent(d, h[:, :, None] * flip))


def _plateau_rss(z, Y, W, fixed, free):
    """RSS of Y ~ B (1 - q) + T q minimised over the free plateaus (B, T), per curve."""
    b, a = expit(-z), expit(z)
    r = Y - 0.0
    if not free[BOTTOM]:
        r = r - fixed["bottom"] * a
    if not free[TOP]:
        r = r - fixed["top"] * b
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if free[BOTTOM] or free[TOP]:
            c = a if free[BOTTOM] else b
            scc = (W * c * c).sum(-1)
            k = np.where(scc > 0, (W * c * r).sum(-1) / scc, 0.0)
            r = r - k[..., None] * c
        rss = (W * r * r).sum(-1)
    return np.where(np.isfinite(rss), rss, np.inf)


def _both_free(cv: _Curves, z):
    """RSS of Y ~ B + (T - B) q over both plateaus, q = expit(z) (the regressor chosen by
    :meth:`_Curves.at`): with weighted centred sums, Syy - Sqy^2 / Sqq (one regressor and an
    intercept), per curve."""
    q = expit(z, out=z)
    with np.errstate(divide="ignore", invalid="ignore"):
        np.divide(q, q.max(-1, keepdims=True), out=q)  # the RSS does not change; q^2 cannot underflow
        S = q @ cv.WW  # (m, G, 2): the sums of W q and of W (Y - ybar) q, by matrix products
        Sq, sqy = S[..., 0], S[..., 1]
        q *= q
        sqq = (q @ cv.WW[..., :1])[..., 0] - Sq * Sq / cv.Sw
        r = cv.syy - sqy * sqy / sqq
    # q constant on the points (or 0 everywhere): the intercept alone
    return np.where(sqq > 1e-14 * cv.Sw, np.where(np.isfinite(r), np.maximum(r, 0.0), np.inf), cv.syy)


BLOCK = 512  # curves per block of an evaluation: the (curves, Hill values, points) temporaries stay in cache


def profile_rss(L, cv: _Curves, scan=HILL_SCAN, refine=True):
    """Profile RSS with logIC50 held at L (per curve of ``cv``): minimum over the free plateaus
    and Hill, plus the replicate scatter ``cv.ex``. The scan of |Hill| (``scan`` x 4 / range)
    is evaluated at once; with ``refine``, golden-section search in ln|Hill| between the
    scan's neighbours of its best point; without it, the minimum over the scan alone (an
    upper bound). Curves in blocks of BLOCK."""
    L = np.asarray(L, float)
    m = L.shape[0]
    if m > BLOCK:
        return np.concatenate([profile_rss(L[a:a + BLOCK], cv.take(slice(a, a + BLOCK)), scan, refine)
                               for a in range(0, m, BLOCK)])
    if not cv.free[HILL]:
        h = float(cv.fixed["hill"])
        return cv.at(L, h)(np.full((m, 1), h))[:, 0] + cv.ex
    best = np.full(m, np.inf)
    for sign in (-1.0,) if cv.both else (-1.0, 1.0):
        at = cv.at(L, sign)  # h (m, G) -> (m, G)
        logk = np.log(scan)[None, :] + np.log(cv.unit)[:, None]
        rs = at(sign * np.exp(logk))
        j = rs.argmin(1)
        rows = np.arange(j.size)
        best = np.minimum(best, rs[rows, j])
        if refine:  # golden-section search in ln|Hill| between the scan's neighbours
            a = logk[rows, np.maximum(j - 1, 0)]
            b = logk[rows, np.minimum(j + 1, scan.size - 1)]
            c1, c2 = b - GOLD * (b - a), a + GOLD * (b - a)
            f = at(sign * np.exp(np.stack([c1, c2], axis=1)))
            f1, f2 = f[:, 0], f[:, 1]
            for _ in range(GOLDEN_ITERS):
                left = f1 < f2  # the minimum is in [a, c2]
                a, b = np.where(left, a, c1), np.where(left, c2, b)
                c_new = np.where(left, b - GOLD * (b - a), a + GOLD * (b - a))
                f_new = at(sign * np.exp(c_new)[:, None])[:, 0]
                best = np.minimum(best, f_new)
                c1, c2 = np.where(left, c_new, c2), np.where(left, c1, c_new)
                f1, f2 = np.where(left, f_new, f2), np.where(left, f1, f_new)
            best = np.minimum(best, np.minimum(f1, f2))
    return best + cv.ex


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
    cv = _Curves(X[idx], Y[idx], W[idx], fixed, free, 4.0 / span, rss_extra[idx])
    threshold = rss[idx] * (1.0 + stats.f.ppf(0.95, 1, dof[idx]) / dof[idx])
    no_step = ~np.isfinite(d_last)
    d = np.where(no_step, 0.0, d_last)
    open_lo = no_step | _all_under(theta, -1.0, step, d, cv, threshold)
    open_hi = no_step | _all_under(theta, 1.0, step, d, cv, threshold)
    low[idx], high[idx] = np.where(open_lo, -np.inf, np.nan), np.where(open_hi, np.inf, np.nan)
    # the closed side of the curves open on the other, both sides in one search
    j = np.flatnonzero(open_lo != open_hi)
    if j.size:
        sign = np.where(open_hi[j], -1.0, 1.0)
        b = _closed_bound(sign, theta[j], step[j], d_last[j], threshold[j], cv.take(j))
        low[idx[j[sign < 0]]], high[idx[j[sign > 0]]] = b[sign < 0], b[sign > 0]
    return low, high


def _all_under(theta, sign, step, d_last, cv: _Curves, threshold):
    """Whether the profile RSS stays under the threshold at every doubling step of the single
    fit on one side: first at the last step, the only one that matters for a profile monotone
    beyond its minimum; where that is under, at every earlier step too (a profile that rises
    above the threshold and falls again far out closes the side at the first rise, as in
    :func:`~.lsq.profile_interval`)."""
    t = theta + sign * d_last
    coarse = profile_rss(t, cv, scan=HILL_COARSE, refine=False)
    under = coarse <= threshold
    near = np.flatnonzero(~under & (coarse <= SCREEN * threshold))
    if near.size:
        under[near] = profile_rss(t[near], cv.take(near)) <= threshold[near]
    j = np.flatnonzero(under & (d_last > step))
    if j.size:
        n_steps = np.rint(np.log2(d_last[j] / step[j])).astype(np.int64)  # earlier steps, 1 .. n
        rows = np.repeat(j, n_steps)
        k = np.arange(rows.size) - np.repeat(np.cumsum(n_steps) - n_steps, n_steps)
        t = theta[rows] + sign * step[rows] * 2.0 ** k
        sub = cv.take(rows)
        # the coarse scan bounds the profile from above: where it is under, so is the profile;
        # only the other steps are searched in full
        ok = profile_rss(t, sub, scan=HILL_COARSE, refine=False) <= threshold[rows]
        more = np.flatnonzero(~ok)
        if more.size:
            ok[more] = profile_rss(t[more], sub.take(more)) <= threshold[rows[more]]
        under[j] = np.logical_and.reduceat(ok, np.cumsum(n_steps) - n_steps)
    return under


def _closed_bound(sign, theta, step, d_last, threshold, cv: _Curves):
    """Where the profile crosses the threshold on a closed side (``sign`` -1: below the fitted
    logIC50, +1: above it; per curve): the first doubling step above it brackets the root with the step before it (the optimum for the first step), then
    :func:`_illinois`."""
    def g(t, i):
        return profile_rss(t, cv.take(i)) - threshold[i]

    inner, outer = theta.copy(), np.full(theta.size, np.nan)
    g_in, g_out = np.full(theta.size, np.nan), np.full(theta.size, np.nan)
    d = step.copy()
    pending = np.arange(theta.size)
    while pending.size:
        t = theta[pending] + sign[pending] * d[pending]
        v = g(t, pending)
        above = v > 0
        outer[pending[above]], g_out[pending[above]] = t[above], v[above]
        inner[pending[~above]], g_in[pending[~above]] = t[~above], v[~above]
        pending = pending[~above]
        d[pending] *= 2.0
        pending = pending[d[pending] <= d_last[pending] * (1 + 1e-12)]
    first = np.isnan(g_in)  # above at the first step: the bracket starts at the optimum
    if first.any():
        i = np.flatnonzero(first)
        g_in[i] = g(inner[i], i)
    return _illinois(g, inner, outer, g_in, g_out)


def _illinois(g, a, b, fa, fb):
    """Root of g in [a, b] with g(a) <= 0 < g(b), per element (``g(t, index)``): regula falsi
    with the Illinois modification (Dowell & Jarratt 1971), each element until its bracket is
    under 1e-10 wide."""
    a, b, fa, fb = a.copy(), b.copy(), fa.copy(), fb.copy()
    side = np.zeros(a.size)
    act = np.flatnonzero(np.isfinite(a) & np.isfinite(b) & np.isfinite(fa) & np.isfinite(fb))
    for _ in range(ROOT_ITERS):
        if act.size == 0:
            break
        A, B, FA, FB = a[act], b[act], fa[act], fb[act]
        with np.errstate(divide="ignore", invalid="ignore"):
            c = np.where(FB != FA, B - FB * (B - A) / (FB - FA), 0.5 * (A + B))
        c = np.where(np.isfinite(c) & (c > np.minimum(A, B)) & (c < np.maximum(A, B)), c, 0.5 * (A + B))
        fc = g(c, act)
        up = fc > 0
        # the end kept twice in a row has its value halved (Illinois)
        fa[act] = np.where(up, np.where(side[act] == -1, 0.5 * FA, FA), fc)
        fb[act] = np.where(up, fc, np.where(side[act] == 1, 0.5 * FB, FB))
        a[act], b[act] = np.where(up, A, c), np.where(up, c, B)
        hit = fc == 0  # landed on the root: the bracket closes on it
        a[act[hit]] = b[act[hit]] = c[hit]
        side[act] = np.where(up, -1, 1)
        act = act[(np.abs(b[act] - a[act]) >= 1e-10) & (fc != 0)]
    return np.where(np.abs(b - a) < 1e-9, 0.5 * (a + b), np.nan)
