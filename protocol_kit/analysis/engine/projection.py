"""Variable projection for the fast path (all four parameters free; Golub & Pereyra 1973).

Curves are stacked points-major (:class:`~.model.Stack`): column j of the (K, m) arrays is
curve j, row k one of its distinct tested X (replicates aggregated into their mean with their
count as weight), so every per-curve sum is a handful of contiguous vector additions. Vehicle
wells (X = -inf) are kept apart as a weight and a mean per curve. For fixed (logIC50, Hill) the
model Y = b + D f is linear in b = Bottom and D = Top - Bottom, solved exactly:

    D = (Sfy - Sf Sy / Sw) / (Sff - Sf^2 / Sw),   b = (Sy - D Sf) / Sw

(S the weighted sums over a curve's points, Y centred), so Levenberg-Marquardt runs on
(logIC50, ln|Hill|) alone (:func:`vp_levenberg_marquardt`: :func:`~.lm.levenberg_marquardt`
on :class:`ProjectedProblem`) with the profile RSS, its gradient, the Kaufman (1975) projected
Gauss-Newton matrix and the exact Hessian evaluated here. HillSlope < 0 throughout (with both plateaus free, (b, t, L, h) and (t, b, L, -h) are the
same curve), so a vehicle well is always on the f = 1 plateau.
"""
from __future__ import annotations

import numpy as np

from ..curves import LN10
from .lm import levenberg_marquardt
from .model import AWAY_HILL, AWAY_PLATEAU, AWAY_RANGES, BOTTOM, _columns, _dot, HILL, _ksum, LOG_IC50, MAX_STEP_L, MAX_STEP_S, _span, \
    Stack, TOP, Z_CLIP

VP_XTOL, VP_FTOL = 1e-9, 1e-13
VP_MAX_ITER = 200
MERGE_L, MERGE_S = 0.02, 0.05  # a run this close to another (range fraction, ln|Hill|) joins it
STEP_CHECK = 10  # iterations before a steep run above its step limit is taken as heading there


class _Problem:
    """Sums of one batch of curves that do not depend on (logIC50, Hill); Y is centred."""

    _VEC = ("Sw", "iSw", "y0", "yv", "wv", "wvyv", "Sy", "cyy", "lo", "hi", "span", "yrange", "ymid", "s_steep")

    def __init__(self, st: Stack):
        self.st = st
        W = st.W
        self.wv = st.wv
        self.Sw = _ksum(W) + st.wv
        sw = np.where(self.Sw > 0, self.Sw, 1.0)
        self.iSw = 1.0 / sw
        self.y0 = (_ksum(W * st.Y) + st.wv * st.yv) * self.iSw
        self.Y = st.Y - self.y0
        self.Y *= W > 0  # no stray values under zero weights
        self.yv = np.where(st.wv > 0, st.yv - self.y0, 0.0)
        self.wvyv = st.wv * self.yv
        self.WY = W * self.Y
        self.Sy = _ksum(self.WY) + self.wvyv
        self.cyy = _dot(self.WY, self.Y) + self.wvyv * self.yv - self.Sy ** 2 * self.iSw
        lo, hi = st.x_range()
        self.lo, self.hi = lo, hi
        self.span = _span(lo, hi)
        ok = W > 0
        ymax = np.maximum(np.where(ok, self.Y, -np.inf).max(0), np.where(st.wv > 0, self.yv, -np.inf))
        ymin = np.minimum(np.where(ok, self.Y, np.inf).min(0), np.where(st.wv > 0, self.yv, np.inf))
        yr = ymax - ymin
        self.yrange = np.where(np.isfinite(yr) & (yr > 0), yr, 1.0)
        self.ymid = 0.5 * (ymax + ymin)
        # ln|Hill| beyond which the 10-90% rise is a fraction of the mean spacing of the tested X
        spacing = self.span / np.maximum(np.count_nonzero(ok, axis=0) - 1, 1)
        self.s_steep = np.log(STEEP_RUN / spacing)

    def view(self, a, b) -> _Problem:
        """The curves a:b, as views (no copies)."""
        new = object.__new__(_Problem)
        st = self.st
        new.st = Stack(st.X if st.shared else st.X[:, a:b], st.Y[:, a:b], st.W[:, a:b], st.wv[a:b], st.yv[a:b])
        for k in self._VEC:
            setattr(new, k, getattr(self, k)[a:b])
        new.Y, new.WY = self.Y[:, a:b], self.WY[:, a:b]
        return new

    def sub(self, idx) -> _Problem:
        """The same sums for a subset of curves (no recomputation)."""
        new = object.__new__(_Problem)
        new.st = self.st.take(idx)
        for k in self._VEC:
            setattr(new, k, getattr(self, k)[idx])
        new.Y, new.WY = _columns(self.Y, idx), _columns(self.WY, idx)
        return new


# rows of the per-curve state returned by _vp_eval
I_D, I_B, I_RSS, I_M11, I_M12, I_M22, I_N11, I_N12, I_N22, I_Q1, I_Q2, I_C = range(12)
EVAL_BLOCK = 2048  # curves per block of an evaluation: temporaries that stay in cache


def _vp_eval(pb: _Problem, L, s, grad=True):
    """:func:`_vp_eval_block` over blocks of EVAL_BLOCK curves (the (K, n) temporaries of one
    block fit in cache; on all curves at once they do not, which costs several times more)."""
    n = L.shape[0]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if n <= 1.5 * EVAL_BLOCK:
            return _vp_eval_block(pb, L, s, grad)
        out = np.empty((12 if grad else 3, n))
        for a in range(0, n, EVAL_BLOCK):
            b = min(a + EVAL_BLOCK, n)
            out[:, a:b] = _vp_eval_block(pb.view(a, b), L[a:b], s[a:b], grad)
    return out


def _vp_eval_block(pb: _Problem, L, s, grad=True):
    """Exact plateaus, RSS and (with ``grad``) the projected 2 x 2 Gauss-Newton matrix M, the
    exact Hessian N of the profile RSS and the gradient q in (logIC50, ln|Hill|) at HillSlope
    = -exp(s); a (12, n) array with rows I_D (Top - Bottom), I_B (Bottom, centred), I_RSS, ...

    Model Y = b + D f, f = 1 / (1 + e^z), z = (L - X) a, a = HillSlope ln10. With g = f (1 - f)
    the Jacobian columns are c g (logIC50) and c g d (ln|Hill|), c = -D a, d = L - X; M and
    N are in units of c^2 and q = (sum w r g, sum w r g d) so that the step solves H dx = q/c.
    Floating-point warnings are the caller's (:func:`_vp_eval` silences them)."""
    st = pb.st
    W, Y = st.W, pb.Y
    n = L.shape[0]
    out = np.empty((12 if grad else 3, n))
    a = np.exp(s)
    a *= -LN10
    d = L - st.X
    f = d * a
    np.clip(f, -Z_CLIP, Z_CLIP, out=f)
    np.exp(f, out=f)
    f += 1.0
    np.reciprocal(f, out=f)
    wf = W * f
    wv = pb.wv
    Sf = _ksum(wf)
    Sf += wv
    Sff = _dot(wf, f)
    Sff += wv
    Sfy = _dot(wf, Y)
    Sfy += pb.wvyv
    t = Sf * pb.iSw
    cff = Sff - Sf * t
    D = Sfy - t * pb.Sy
    D /= cff
    b = pb.Sy - D * Sf
    b *= pb.iSw
    r = np.multiply(f, D, out=wf)
    np.subtract(Y, r, out=r)
    r -= b
    wr = W * r
    rv = pb.yv - b - D
    rss = _dot(wr, r)
    rss += wv * rv * rv
    bad = ~(cff > 1e-14 * pb.Sw) | ~np.isfinite(rss)
    rss[bad] = np.inf
    out[I_D], out[I_B], out[I_RSS] = D, b, rss
    if not grad:
        return out
    g = f * f
    np.subtract(f, g, out=g)
    wg = W * g
    gd = g * d
    wgd = wg * d
    Sg, Sgd = _ksum(wg), _ksum(wgd)
    Sgf, Sgg, Sgdf, Sggd, Sgdgd = _dot(wg, f), _dot(wg, g), _dot(wgd, f), _dot(wgd, g), _dot(wgd, gd)
    q1, q2 = _dot(wr, g), _dot(wr, gd)
    # second derivatives for the exact Hessian of the profile RSS: d2f/dz2 = g (1 - 2f)
    h2 = f * -2.0
    h2 += 1.0
    h2 *= g
    h2 *= wr
    Rh, Rhd = _ksum(h2), _dot(h2, d)
    h2 *= d
    Rhdd = _dot(h2, d)
    c = D * a
    c *= -1.0
    cu = Sgf - Sg * t
    cv = Sgdf - Sgd * t
    icff = 1.0 / cff
    P11 = Sgg - Sg * Sg * pb.iSw
    P12 = Sggd - Sg * Sgd * pb.iSw
    P22 = Sgdgd - Sgd * Sgd * pb.iSw
    # Gauss-Newton (Kaufman 1975) matrix of the profile, in units of c^2
    out[I_M11] = P11 - cu * cu * icff
    out[I_M12] = P12 - cu * cv * icff
    out[I_M22] = P22 - cv * cv * icff
    # the exact Hessian of the profile RSS: Schur complement of the full Newton matrix
    iD = 1.0 / D
    nu, nv = cu - q1 * iD, cv - q2 * iD
    out[I_N11] = P11 - nu * nu * icff - Rh * iD
    out[I_N12] = P12 - nu * nv * icff - Rhd * iD - q1 / c
    out[I_N22] = P22 - nv * nv * icff - Rhdd * iD - q2 / c
    out[I_Q1], out[I_Q2], out[I_C] = q1, q2, c
    return out


STEEP_RUN = 4.0  # |Hill| x mean spacing of the tested X beyond which a run may be heading for a step


def _rss_at_block(pb: _Problem, p):
    st = pb.st
    b, t = p[:, BOTTOM] - pb.y0, p[:, TOP] - pb.y0
    z = np.clip((p[:, LOG_IC50] - st.X) * (p[:, HILL] * LN10), -Z_CLIP, Z_CLIP)
    e = np.exp(z)
    f = 1.0 / (1.0 + e)
    fc = np.where(e <= 1.0, e * f, 1.0 - f)  # 1 - f to full relative precision
    # Bottom (1 - f) + Top f: no cancellation when a plateau has run far off (a runaway limit)
    r = np.where(st.W > 0, pb.Y - b * fc - t * f, 0.0)
    fv = np.where(p[:, HILL] < 0, 1.0, np.where(p[:, HILL] > 0, 0.0, 0.5))
    rv = np.where(st.wv > 0, pb.yv - b * (1.0 - fv) - t * fv, 0.0)
    rss = _dot(st.W * r, r) + st.wv * rv * rv
    return np.where(np.isfinite(rss) & np.isfinite(p).all(1), rss, np.inf)


def _rss_at(pb: _Problem, p):
    """Exact weighted RSS at parameters p (any sign of Hill), replicate scatter excluded."""
    n = pb.st.m
    if n <= 1.5 * EVAL_BLOCK:
        return _rss_at_block(pb, p)
    return np.concatenate([_rss_at_block(pb.view(a, min(a + EVAL_BLOCK, n)), p[a:a + EVAL_BLOCK])
                           for a in range(0, n, EVAL_BLOCK)])


class ProjectedProblem:
    """Runs on (logIC50, ln|Hill|) (HillSlope = -exp(s)) of the curves of a :class:`_Problem`,
    for :func:`~.lm.levenberg_marquardt`; the state is :func:`_vp_eval`'s. Per run: the curve's
    scales (logIC50: the tested range; ln|Hill|: 1), its divergence box and the merge tests
    of :func:`vp_levenberg_marquardt`."""

    k = 2
    DAMPING, STRICT = "nielsen", False
    RSS, Q, C = I_RSS, (I_Q1, I_Q2), I_C
    M = {(0, 0): I_M11, (0, 1): I_M12, (1, 1): I_M22}
    N = {(0, 0): I_N11, (0, 1): I_N12, (1, 1): I_N22}

    def __init__(self, pb: _Problem, srss, partner, target):
        self.pb = pb
        self.srss, self.partner, self.target = srss, partner, target
        self.trust = (MAX_STEP_L * pb.span, MAX_STEP_S)
        self.scale = (pb.span, 1.0)

    def sub(self, keep):
        tg = None if self.target is None else tuple(a[keep] for a in self.target)
        return ProjectedProblem(self.pb.sub(keep), self.srss[keep], None if self.partner is None
                                else self.partner[keep], tg)

    def evaluate(self, x):
        return _vp_eval(self.pb, x[0], x[1])

    def advance(self, x, dx):
        return x + dx

    def tolerance(self, x, xtol):
        return [xtol * self.pb.span + xtol * np.abs(x[0]), xtol]

    def away(self, x, S):
        """logIC50 more than AWAY_RANGES tested ranges outside the range, |Hill| > AWAY_HILL x
        4/range, or a plateau AWAY_PLATEAU response ranges from the responses' middle."""
        pb = self.pb
        b = S[I_B]
        return ((np.abs(x[0] - 0.5 * (pb.lo + pb.hi)) > (0.5 + AWAY_RANGES) * pb.span)
                | (x[1] > np.log(AWAY_HILL * 4.0 / pb.span))
                | (np.abs(b - pb.ymid) > AWAY_PLATEAU * pb.yrange) | (np.abs(b + S[I_D] - pb.ymid) > AWAY_PLATEAU * pb.yrange))

    def merged(self, it, act, acc, dx, xh, Sh, held, x, S, converged):
        """Runs that stop in a known basin (see :func:`vp_levenberg_marquardt`)."""
        span = self.pb.span
        merged = None
        if it >= STEP_CHECK:  # a steep run still getting steeper above its step limit: heading there
            merged = act & acc & (dx[1] > 0) & (xh[1] > self.pb.s_steep) & (Sh[I_RSS] > self.srss)
        if self.partner is not None:  # where the partner runs are now (all runs' state kept current)
            x[:, held], S[I_RSS, held] = xh, Sh[I_RSS]
            pj = self.partner.copy()
            has = act & (pj >= 0)
            pj[~has] = 0
            has &= converged[pj]  # only into a partner that has converged: a moving one may run away
            mp = has & (np.abs(xh[0] - x[0, pj]) <= MERGE_L * span) & (np.abs(xh[1] - x[1, pj]) <= MERGE_S) & (
                Sh[I_RSS] >= S[I_RSS, pj])
            merged = mp if merged is None else merged | mp
        if self.target is not None:  # NaN targets compare False
            Lt, st, rt = self.target
            mt = act & (np.abs(xh[0] - Lt) <= MERGE_L * span) & (np.abs(xh[1] - st) <= MERGE_S) & (Sh[I_RSS] >= rt)
            merged = mt if merged is None else merged | mt
        return merged


def vp_levenberg_marquardt(pb: _Problem, L, s, *, max_iter=VP_MAX_ITER, xtol=VP_XTOL, ftol=VP_FTOL,
                           partner=None, step_rss=None, target=None):
    """Batched Levenberg-Marquardt (:func:`~.lm.levenberg_marquardt`) on (logIC50, ln|Hill|)
    with the plateaus projected out: Newton steps on the exact Hessian of the profile RSS where
    its damped form is positive definite, else Gauss-Newton's (Kaufman), in a trust region of
    MAX_STEP_L x range in logIC50 and MAX_STEP_S in ln|Hill|.

    ``partner`` (per run, the index of another run of the same curve in this batch, -1 for
    none): a run that comes within MERGE_L x range and MERGE_S of its partner's point, once the
    partner has converged, without a lower RSS is in the same basin and stops (merged).
    ``target`` (L, s, rss per run, NaN for none): the same with a fixed point (a converged run
    of an earlier batch).
    ``step_rss`` (per run): a steep run (|Hill| x mean spacing > STEEP_RUN) still above its curve's
    step limit after STEP_CHECK iterations is heading for that limit and stops (merged too:
    the limit is known).
    Returns (L, s, state (12, m) at the final point, converged, still running, merged).
    """
    m = L.shape[0]
    srss = np.full(m, np.inf) if step_rss is None else step_rss
    pt = None if partner is None else np.asarray(partner, np.int64)
    prob = ProjectedProblem(pb, srss, pt, target)
    x, S, conv, running, merged = levenberg_marquardt(prob, np.stack([L, s]), max_iter=max_iter, xtol=xtol,
                                                      ftol=ftol)
    return x[0], x[1], S, conv, running, merged
