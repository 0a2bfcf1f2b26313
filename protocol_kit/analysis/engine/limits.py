"""Curves with no finite least-squares optimum, placed on their exact limit.

* Runaway: the RSS keeps falling as logIC50 leaves the tested range while a plateau runs to
  infinity; along that valley the logistic tends to Y = P + D 10^(kappa (X - hi)) (logIC50
  above the range; the vehicle wells keep P) or Y = P + D 10^(-kappa (X - lo)) (below it, only
  without vehicle wells), linear in (P, D): profiled exactly over kappa.
* Step (|Hill| -> infinity): the points below a split at their mean, those above at theirs
  (or a step through one tested point); the best split by cumulative sums.

Each limit is returned as a logistic placed far enough along its valley (LIMIT_DECADES,
STEP_DECADES) that its RSS is the limit's to rounding; such a fit is not converged and is
flagged (``incomplete``, ``steep``) by :mod:`protocol_kit.analysis.flags`.
"""
from __future__ import annotations

import numpy as np

from ..curves import LN10
from .model import BOTTOM, _dot, HILL, LOG_IC50, _residual_jacobian, _rss, _span, TOP, x_range, Z_CLIP
from .projection import EVAL_BLOCK, _Problem, _rss_at


STEP_HILL = 1e4  # |Hill| (in units of 4 / range) of a step limit
LIMIT_DECADES = 8.0  # how far along a runaway valley the limit is represented (error ~ 10^-8)


def _limit_profile(kappa, Xs, Y, W):
    """RSS of Y ~ P + D 10^(kappa Xs) (weighted linear least squares in P, D), per curve."""
    with np.errstate(over="ignore", invalid="ignore"):
        g = np.where(W > 0, 10.0 ** (kappa[:, None] * Xs), 0.0)
    S0, S1, S2 = W.sum(1), (W * g).sum(1), (W * g * g).sum(1)
    Sy, Sgy = (W * Y).sum(1), (W * g * Y).sum(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        det = S0 * S2 - S1 * S1
        P = (Sy * S2 - Sgy * S1) / det
        D = (S0 * Sgy - S1 * Sy) / det
        rss = (W * (Y - P[:, None] - D[:, None] * g) ** 2).sum(1)
    return np.where(np.isfinite(rss), rss, np.inf), P, D


def _runaway_limits(p, rss, conv, X, Y, W):
    """Curves that did not converge may have no finite least-squares optimum: the RSS keeps
    falling as logIC50 runs off the tested range while one plateau runs to infinity. Along
    that valley the logistic tends to Y = P + D 10^(kappa X) (logIC50 above the range; the
    vehicle wells keep P) or Y = P + D 10^(-kappa X) (below it, only without vehicle wells),
    whose RSS is the infimum: it is profiled exactly over kappa (P, D linear). Where it beats
    the fit, the curve is placed on the valley LIMIT_DECADES / kappa beyond the range, which
    reproduces the limit to ~1e-8; it stays not converged (and is flagged incomplete)."""
    idx = np.flatnonzero(~conv)
    if idx.size == 0:
        return
    Xi, Yi, Wi = X[idx], Y[idx], W[idx]
    lo, hi = x_range(Xi, Wi)
    span = _span(lo, hi)
    vehicle = (np.isneginf(Xi) & (Wi > 0)).any(1)
    for direction in (1.0, -1.0):
        edge = hi if direction > 0 else lo
        Xs = direction * (Xi - edge[:, None])  # <= 0 on tested points, -inf for vehicles if direction > 0
        if direction < 0:
            Xs = np.where(np.isneginf(Xi), 0.0, Xs)
        kap = np.geomspace(0.01, 100.0, 41)[None, :] * (4.0 / span[:, None])
        prof = np.stack([_limit_profile(kap[:, j], Xs, Yi, Wi)[0] for j in range(kap.shape[1])], axis=1)
        j = prof.argmin(1)
        a = np.log(kap[np.arange(idx.size), np.maximum(j - 1, 0)])
        b = np.log(kap[np.arange(idx.size), np.minimum(j + 1, kap.shape[1] - 1)])
        for _ in range(40):  # golden-section search in log kappa
            c1, c2 = b - 0.618 * (b - a), a + 0.618 * (b - a)
            f1 = _limit_profile(np.exp(c1), Xs, Yi, Wi)[0]
            f2 = _limit_profile(np.exp(c2), Xs, Yi, Wi)[0]
            a, b = np.where(f1 < f2, a, c1), np.where(f1 < f2, c2, b)
        kappa = np.exp(0.5 * (a + b))
        r_lim, P, D = _limit_profile(kappa, Xs, Yi, Wi)
        if direction < 0:
            r_lim = np.where(vehicle, np.inf, r_lim)
        q = np.empty((idx.size, 4))
        L = edge + direction * LIMIT_DECADES / kappa
        q[:, TOP] = P
        q[:, BOTTOM] = P + D * 10.0 ** LIMIT_DECADES
        q[:, LOG_IC50] = L
        q[:, HILL] = -direction * kappa
        r, _ = _residual_jacobian(q, Xi, Yi, np.ones(4, bool))
        r_new = _rss(r, Wi)
        better = (r_new < rss[idx]) & np.isfinite(r_new) & (r_lim < np.inf)
        k = idx[better]
        p[k], rss[k] = q[better], r_new[better]
    _step_limit(p, rss, idx, Xi, Yi, Wi, span)


def _step_limit(p, rss, idx, Xi, Yi, Wi, span):
    """Y = left mean for X below a split, right mean above it (vehicle wells on the left),
    for every split between consecutive tested X; the best split, as a logistic with its
    logIC50 at the midpoint and |Hill| = STEP_HILL x 4/range, replaces a worse fit."""
    order = np.argsort(np.where(Wi > 0, Xi, np.inf), axis=1)  # -inf (vehicle) first, padding last
    Xs = np.take_along_axis(Xi, order, 1)
    Ys = np.take_along_axis(Yi, order, 1)
    Ws = np.take_along_axis(Wi, order, 1)
    cw, cwy, cwyy = np.cumsum(Ws, 1), np.cumsum(Ws * Ys, 1), np.cumsum(Ws * Ys * Ys, 1)
    tw, twy, twyy = cw[:, -1:], cwy[:, -1:], cwyy[:, -1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        left = cwyy - cwy ** 2 / cw
        rw = tw - cw
        right = (twyy - cwyy) - (twy - cwy) ** 2 / rw
        total = left + right
    nxt = np.concatenate([Xs[:, 1:], np.full((Xs.shape[0], 1), np.inf)], 1)
    nxt_w = np.concatenate([Ws[:, 1:], np.zeros((Xs.shape[0], 1))], 1)
    valid = (Ws > 0) & (nxt_w > 0) & (nxt > Xs) & np.isfinite(nxt) & (cw > 0) & (rw > 0)
    total = np.where(valid & np.isfinite(total), total, np.inf)
    j = total.argmin(1)
    r = np.arange(j.size)
    ok = np.isfinite(total[r, j])
    if not ok.any():
        return
    xl = np.where(np.isneginf(Xs[r, j]), nxt[r, j] - span, Xs[r, j])
    q = np.empty((j.size, 4))
    q[:, TOP] = cwy[r, j] / cw[r, j]
    q[:, BOTTOM] = (twy[:, 0] - cwy[r, j]) / rw[r, j]
    q[:, LOG_IC50] = 0.5 * (xl + nxt[r, j])
    q[:, HILL] = -STEP_HILL * 4.0 / span
    res, _ = _residual_jacobian(q, Xi, Yi, np.ones(4, bool))
    r_new = _rss(res, Wi)
    better = ok & (r_new < rss[idx]) & np.isfinite(r_new)
    k = idx[better]
    p[k], rss[k] = q[better], r_new[better]


STEP_DECADES = 14.0  # a step limit is placed where the points beside it are 1e-14 from a plateau
Z_FLAT = 10.0  # f within 5e-5 of a plateau at every tested point: a step, not an optimum


def _vp_tail_limits(pb: _Problem):
    """The limits Y = P + D 10^(kappa (X - hi)) of a logistic whose logIC50 runs above the tested
    range with a plateau running to infinity (the vehicle wells sit on P) and Y = P + D
    10^(-kappa (X - lo)) below it (impossible with vehicle wells): their RSS, linear in (P, D),
    is profiled over log kappa by a 41-point scan refined by successive zooms and a parabolic
    step, both directions in one pass. Returns (params (2, n, 4), ok (2, n)): the logistics
    placed LIMIT_DECADES / kappa beyond the range along each valley (error ~1e-8)."""
    n = pb.st.m
    both = pb.sub(np.concatenate([np.arange(n), np.arange(n)]))  # columns n..2n-1: below the range
    st = both.st
    direction = np.repeat([1.0, -1.0], n)
    edge = np.where(direction > 0, both.hi, both.lo)
    Xs = direction * (st.X - edge)  # <= 0 on tested points
    unit = 4.0 / both.span
    W, WY = st.W, both.WY
    vw = np.where(direction > 0, st.wv, 0.0)
    Sw = both.Sw - st.wv + vw
    Sy = both.Sy - st.wv * both.yv + vw * both.yv
    syy = (_dot(WY, both.Y) + vw * both.yv ** 2) - Sy * Sy / Sw

    def profile(logk):  # logk (J, 2n) -> profile RSS (J, 2n) and (P, D) terms
        # in C order whatever the shapes: numpy lays a broadcast product out after its inputs'
        # strides, and the sums over the points below would then add in another order
        phi = np.empty((logk.shape[0],) + Xs.shape)
        np.multiply(np.exp(logk)[:, None, :] * LN10, Xs[None], out=phi)
        phi = np.exp(np.maximum(phi, -2 * Z_CLIP, out=phi), out=phi)
        wphi = W * phi
        # sums over the points one point after another: numpy's reductions and einsum pick
        # their order from the shapes, and a curve's limit would depend on the other curves
        Sf, Sff, Sfy = wphi[:, 0].copy(), wphi[:, 0] * phi[:, 0], wphi[:, 0] * both.Y[0]
        for k in range(1, phi.shape[1]):
            Sf += wphi[:, k]
            Sff += wphi[:, k] * phi[:, k]
            Sfy += wphi[:, k] * both.Y[k]
        with np.errstate(divide="ignore", invalid="ignore"):
            cff = Sff - Sf * Sf / Sw
            cfy = Sfy - Sf * Sy / Sw
            D = cfy / cff
            P = (Sy - D * Sf) / Sw
            rss = syy - cfy * D
        rss = np.where(np.isfinite(rss) & (cff > 1e-14 * Sw), rss, np.inf)
        return rss, P, D

    scan = np.log(np.geomspace(0.01, 100.0, 41))
    logk = scan[:, None] + np.log(unit)[None, :]
    rss, _, _ = profile(logk)
    j = rss.argmin(0)
    cols = np.arange(2 * n)
    step = scan[1] - scan[0]  # the same for every curve (not the first curve's rounding of it)
    centre = logk[j, cols]
    for _ in range(5):  # zoom: 9 points across +-1 step, keep the best, shrink by 4
        trial = centre[None, :] + step * np.linspace(-1.0, 1.0, 9)[:, None]
        r, _, _ = profile(trial)
        centre = trial[r.argmin(0), cols]
        step /= 4.0
    # then the vertex of the parabola through the best point and its neighbours (step 1/4096)
    h = 4.0 * step
    r3, _, _ = profile(centre[None, :] + h * np.array([-1.0, 0.0, 1.0])[:, None])
    with np.errstate(divide="ignore", invalid="ignore"):
        curv = r3[0] - 2.0 * r3[1] + r3[2]
        shift = np.where(curv > 0, 0.5 * h * (r3[0] - r3[2]) / curv, 0.0)
    centre = centre + np.clip(np.where(np.isfinite(shift), shift, 0.0), -h, h)
    r, P, D = profile(centre[None, :])
    kappa = np.exp(centre)
    q = np.empty((2 * n, 4))
    q[:, TOP] = P[0] + both.y0
    q[:, BOTTOM] = P[0] + D[0] * 10.0 ** LIMIT_DECADES + both.y0
    q[:, LOG_IC50] = edge + direction * LIMIT_DECADES / kappa
    q[:, HILL] = -direction * kappa
    ok = np.isfinite(r[0]) & ((st.wv == 0) | (direction > 0))
    rq = np.where(ok, _rss_at(both, q), np.inf)
    return q.reshape(2, n, 4), rq.reshape(2, n)


def _vp_step_limit(pb: _Problem):
    """:func:`_vp_step_limit_block` over blocks of EVAL_BLOCK curves."""
    n = pb.st.m
    if n <= 1.5 * EVAL_BLOCK:
        return _vp_step_limit_block(pb)
    q, r = np.empty((n, 4)), np.empty(n)
    for a in range(0, n, EVAL_BLOCK):
        b = min(a + EVAL_BLOCK, n)
        q[a:b], r[a:b] = _vp_step_limit_block(pb.view(a, b))
    return q, r


def _vp_step_limit_block(pb: _Problem):
    """The step limits (|Hill| -> infinity) of every curve, the better of two kinds:

    * a split: the mean of the points below a split (vehicle wells included), the mean of those
      above it, for the best split between consecutive tested X;
    * a step through a tested point X_k (logIC50 -> X_k): the points on either side at their
      side's mean, X_k anywhere between the two (its own mean when that lies between them).

    Returned as logistics (params (n, 4)) placed STEP_DECADES from the limit: logIC50 at the
    midpoint of the split (or where f(X_k) fits), the neighbouring points 10^-STEP_DECADES from
    their plateau, so that their RSS is the limit's (returned, inf where no step applies) to
    ~1e-13."""
    st = pb.st
    n, K = st.m, st.W.shape[0]
    W, WY = st.W, pb.WY
    X = np.broadcast_to(st.X, W.shape)
    # left sums of split i (after row i - 1; i = 0: the vehicle wells alone)
    cw, cy, cyy = (np.empty((K + 1, n)) for _ in range(3))
    cw[0], cy[0], cyy[0] = st.wv, pb.wvyv, pb.wvyv * pb.yv
    WYY = WY * pb.Y
    for k in range(K):  # running sums row by row (numpy's cumsum along axis 0 is slow)
        np.add(cw[k], W[k], out=cw[k + 1])
        np.add(cy[k], WY[k], out=cy[k + 1])
        np.add(cyy[k], WYY[k], out=cyy[k + 1])
    tw, ty, tyy = cw[-1], cy[-1], cyy[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        rw = tw - cw
        ry = ty - cy
        total = cyy - cy * cy / cw
        total += tyy - cyy
        total -= ry * ry / rw
    # the X just left of each split and the lowest tested X right of it
    Xp = np.where(W > 0, X, np.inf)
    after = np.empty((K + 1, n))
    after[K] = np.inf
    for k in range(K - 1, -1, -1):
        np.minimum(Xp[k], after[k + 1], out=after[k])
    here = np.empty((K + 1, n))
    here[0] = np.where(st.wv > 0, -np.inf, np.nan)
    here[1:] = np.where(W > 0, X, np.nan)
    valid = ~np.isnan(here) & np.isfinite(after) & (cw > 0) & (rw > 0) & np.isfinite(total)
    total[~valid] = np.inf
    j = total.argmin(0)
    cols = np.arange(n)
    split = total[j, cols]
    xl, nx = here[j, cols], after[j, cols]
    xl = np.where(np.isneginf(xl), nx - pb.span, xl)
    q = np.empty((n, 4))
    with np.errstate(divide="ignore", invalid="ignore"):
        q[:, TOP] = cy[j, cols] / cw[j, cols] + pb.y0
        q[:, BOTTOM] = ry[j, cols] / rw[j, cols] + pb.y0
        q[:, LOG_IC50] = 0.5 * (xl + nx)
        q[:, HILL] = -STEP_DECADES / np.maximum(0.5 * (nx - xl), 1e-12)
        # through X_k: left = split k (before row k), right = split k + 1's right side
        lw, ly, lyy = cw[:-1], cy[:-1], cyy[:-1]
        rw2, ry2 = rw[1:], ry[1:]
        top, bot = ly / lw, ry2 / rw2
        ybar = WY / W
        v = np.minimum(np.maximum(ybar, np.minimum(top, bot)), np.maximum(top, bot))
        through = lyy - ly * top
        through += (tyy - cyy[1:]) - ry2 * bot
        through += W * (ybar - v) ** 2
    through[~((W > 0) & (lw > 0) & (rw2 > 0) & np.isfinite(through))] = np.inf
    k = through.argmin(0)
    use = through[k, cols] < split
    if use.any():
        u_ = np.flatnonzero(use)
        kk = k[u_]
        t_, b_ = top[kk, u_], bot[kk, u_]
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = np.clip((v[kk, u_] - b_) / (t_ - b_), 1e-6, 1 - 1e-6)
        # the nearest other tested X on either side of X_k (vehicle wells are infinitely far)
        sub = np.where(W[:, u_] > 0, X[:, u_], -np.inf)
        prev = np.maximum.accumulate(sub, 0)
        xk = X[kk, u_]
        left = np.where(kk > 0, prev[np.maximum(kk - 1, 0), np.arange(u_.size)], -np.inf)
        gap = np.minimum(xk - left, after[kk + 1, u_] - xk)
        # f(X_k) = frac: 10^((L - X_k) h) = 1/frac - 1; the neighbours STEP_DECADES from a plateau
        w_ = np.log10(1.0 / frac - 1.0)
        hill = -(STEP_DECADES + np.abs(w_)) / np.maximum(gap, 1e-12)
        q[u_, TOP], q[u_, BOTTOM] = t_ + pb.y0[u_], b_ + pb.y0[u_]
        q[u_, HILL] = hill
        q[u_, LOG_IC50] = xk + w_ / hill
    rss = np.where(use, through[k, cols], split)
    return q, np.where(np.isfinite(rss), rss, np.inf)


class _Limits:
    """The limits of each curve with no finite optimum (runaway above the range, below it,
    step), with their exact RSS, computed once per curve when a run first needs them."""

    def __init__(self, pb: _Problem):
        m = pb.st.m
        self.pb = pb
        self.q = np.full((3, m, 4), np.nan)
        self.r = np.full((3, m), np.inf)
        self.done = np.zeros(m, bool)
        self.q[2], self.r[2] = _vp_step_limit(pb)  # the step limits of every curve: used throughout

    def best(self, curves, running, L, s, far=None):
        """Best limit for runs of ``curves`` (params (n, 4), rss (n,), inf where none applies).
        For a run still going (``running``, at L, s, plateaus ``far`` beyond the responses or
        not) only the limit it is heading for counts: a step once the curve is steep, a runaway
        once logIC50 has left the tested range with a plateau far away (a run outside the range
        with sensible plateaus may yet reach a finite optimum there)."""
        new = np.unique(curves[~self.done[curves]])
        if new.size:
            self.q[:2, new], self.r[:2, new] = _vp_tail_limits(self.pb.sub(new))
            self.done[new] = True
        pb = self.pb
        steep = s > pb.s_steep[curves]
        outside = (L > pb.hi[curves]) | (L < pb.lo[curves])
        far = np.zeros(curves.size, bool) if far is None else far
        r = self.r[:, curves].copy()
        r[:2, running & ~(outside & far)] = np.inf
        r[2, running & ~steep] = np.inf
        k = r.argmin(0)
        cols = np.arange(curves.size)
        return self.q[k, curves], r[k, cols]


def _saturated(pb: _Problem, L, s):
    """Runs that stopped where every tested point sits on a plateau (|exponent| > Z_FLAT): the
    RSS is flat there (a step), so a small step is no sign of an optimum."""
    z = np.abs(L - pb.st.X) * (np.exp(s) * LN10)
    return np.where(pb.st.W > 0, z, np.inf).min(0) > Z_FLAT
