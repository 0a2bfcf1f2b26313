"""The drivers of the batched engine: :func:`fit_batch` (any parameters fixed; single fits)
and :func:`fit_free` (all four free: the fast path of ``fit_logistic_many``).

Global optimum: a curve's Levenberg-Marquardt runs start from its data-driven start and from
the best points of the profile-RSS grid (:mod:`.starts`); the lowest RSS wins; a curve left
without a finite optimum is compared with its limits (:mod:`.limits`).
"""
from __future__ import annotations

import numpy as np

from .model import _apply_fixed, BOTTOM, canonical, curve_lm, EngineFit, free_mask, HILL, LOG_IC50, Stack, TOP
from .projection import I_B, I_D, I_RSS, _Problem, _vp_eval, vp_levenberg_marquardt
from .starts import data_starts, FAST_GRID, _grid_general, grid_search, _grid_shared, GridSpec, _vp_data_start, VP_GRID
from .limits import _Limits, _runaway_limits, _saturated
from .errors import covariance


CONTINUE_ITER = 150  # further iterations for the curves not converged after max_iter
RETRY_MARGIN = 1.5  # refit from a grid family's best point if its RSS < 1.5 x the current fit's


def fit_batch(X, Y, W, fixed: dict, *, ss_within=None, n_obs=None, grid: GridSpec | None = FAST_GRID,
              starts=None) -> EngineFit:
    """Fit every row of (X, Y, W); the RSS returned includes ``ss_within`` (replicate scatter
    removed by aggregating duplicate X), and dof = n_obs - n_free."""
    free = free_mask(fixed)
    m = X.shape[0]
    ss_within = np.zeros(m) if ss_within is None else ss_within
    n_obs = (W > 0).sum(1) if n_obs is None else n_obs
    p0 = data_starts(X, Y, W, fixed) if starts is None else _apply_fixed(np.array(starts, float), fixed)
    p, rss, conv = curve_lm(p0, X, Y, W, free)
    for pg, rss_g in grid_search(X, Y, W, fixed, grid) if grid is not None else ():
        # refit from the grid point when its (profile) RSS is near or below the local fit's
        retry = np.flatnonzero(rss_g < rss * RETRY_MARGIN)
        if retry.size:
            p2, rss2, conv2 = curve_lm(pg[retry], X[retry], Y[retry], W[retry], free)
            better = rss2 < rss[retry]
            k = retry[better]
            p[k], rss[k], conv[k] = p2[better], rss2[better], conv2[better]
    slow = np.flatnonzero(~conv)  # continue the slow ones (few) before looking at the limits
    if slow.size:
        p[slow], rss[slow], conv[slow] = curve_lm(p[slow], X[slow], Y[slow], W[slow], free,
                                                   max_iter=CONTINUE_ITER)
    if not fixed:
        _runaway_limits(p, rss, conv, X, Y, W)
    p = canonical(p, fixed)
    n_free = int(free.sum())
    dof = n_obs - n_free
    rss_total = rss + ss_within
    cov, se = covariance(p, X, Y, W, free, rss_total, dof)
    return EngineFit(p, se, cov, rss_total, conv, n_free)


# LM iterations between looks at the limits: the first run and the retries, then the few runs
# still creeping along a valley in short rounds; 210 in all, as 60 + 150 before
ROUND_ITERS = (30, 30) + (10,) * 15
FAR_PLATEAU = 10.0  # response ranges: a plateau this far out, with logIC50 outside the range, runs away
DEDUP_L, DEDUP_S = 0.1, 0.5  # a retry start this close (range fraction, ln|Hill|) to a run's start or end is that run
SAME_RSS = 1e-11  # relative RSS difference within rounding (sums in another order differ by ~1e-13)


def _run_lm(pb: _Problem, owner, Ls, Ss, max_iter, partner, target, step_rss):
    """:func:`vp_levenberg_marquardt` for the runs ``owner`` (their curves), from (Ls, Ss).
    Returns L, s, D, b, rss, converged, running, merged, saturated (stopped with every tested
    point on a plateau)."""
    n = owner.size
    prob = pb if n == pb.st.m and np.array_equal(owner, np.arange(n)) else pb.sub(owner)
    L, s, cur, conv, running, merged = vp_levenberg_marquardt(
        prob, Ls, Ss, max_iter=max_iter, partner=partner, step_rss=step_rss, target=target)
    return L, s, cur[I_D], cur[I_B], cur[I_RSS], conv, running, merged, _saturated(prob, L, s)


def fit_free(st: Stack):
    """All four parameters free, every curve of ``st``: (params (m, 4), converged (m,)).

    Candidates per curve: the data-driven start and the best point of each grid family, scored
    by the exact profile RSS. A first batch of LM runs from the best of them (the curve's first
    run) and from every other grid candidate whose profile RSS is below RETRY_MARGIN x the
    best candidate's (a superset of the retries before, whose margin was on the RSS reached);
    a second from the data-driven start (always, as before, unless it starts where the first
    run started or where the curve's fit ended) and, for a curve not converged, from every
    candidate not tried yet. A run that reaches a converged run's basin stops there; the
    lowest RSS wins. Runs not converged after a round are compared with the limits of a curve
    with no finite optimum (:class:`_Limits`): a limit that beats the fit replaces it (not
    converged). A converged fit that a step limit beats is replaced by that limit."""
    pb = _Problem(st)
    m = st.m
    cols = np.arange(m)
    L0, s0 = _vp_data_start(pb)
    r0 = _vp_eval(pb, L0, s0, grad=False)[I_RSS]
    # one curve alone: the grid it gets among curves of their own X (the same bits)
    fams = _grid_shared(pb, VP_GRID) if st.shared and m > 1 else _grid_general(pb, VP_GRID)
    CL = np.stack([L0] + [f[0] for f in fams])
    CS = np.stack([s0] + [f[1] for f in fams])
    CR = np.stack([r0] + [f[2] for f in fams])
    first = CR.argmin(0)
    ok = np.isfinite(CR)
    # the extra runs of the first batch: the other grid families within the margin, not where
    # the first run starts; the data-driven start follows in the second batch
    near = (np.abs(CL - CL[first, cols]) <= DEDUP_L * pb.span) & (np.abs(CS - CS[first, cols]) <= DEDUP_S)
    want = ok & ~near & (CR < RETRY_MARGIN * CR[first, cols])
    want[0] = False
    want[first, cols] = False
    kc, kk = np.nonzero(want)
    tried = want.copy()
    tried[first, cols] = True
    owner = np.concatenate([cols, kk])
    Ls = np.concatenate([CL[first, cols], CL[kc, kk]])
    Ss = np.concatenate([CS[first, cols], CS[kc, kk]])
    partner = np.concatenate([np.full(m, -1), kk])  # the first run of a curve is run number <curve>
    best_p = np.full((m, 4), np.nan)
    best_r = np.full(m, np.inf)
    best_c = np.zeros(m, bool)
    cont = np.zeros(owner.size, bool)  # continuing an earlier run of the same start
    target = None
    limits = _Limits(pb)
    for rnd, n_iter in enumerate(ROUND_ITERS):
        if owner.size == 0:
            break
        L, s, D, b, rss, conv, running, merged, sat = _run_lm(
            pb, owner, Ls, Ss, n_iter, partner, target, limits.r[2, owner])
        p = np.empty((owner.size, 4))
        p[:, BOTTOM] = b + pb.y0[owner]
        p[:, TOP] = b + D + pb.y0[owner]
        p[:, LOG_IC50] = L
        p[:, HILL] = -np.exp(s)
        rss = rss.copy()
        conv &= ~sat
        nc = np.flatnonzero(~conv & ~merged)
        if nc.size:
            o = owner[nc]
            b_, D_ = b[nc], D[nc]
            lim = FAR_PLATEAU * pb.yrange[o]
            far = (np.abs(b_ - pb.ymid[o]) > lim) | (np.abs(b_ + D_ - pb.ymid[o]) > lim)
            q, rq = limits.best(o, running[nc], L[nc], s[nc], far)
            beat = rq < rss[nc]
            k = nc[beat]
            p[k], rss[k], running[k] = q[beat], rq[beat], False
        upd = np.where(cont, rss <= best_r[owner], rss < best_r[owner]) & ~merged
        # several runs of one curve in a batch: the lowest RSS wins
        low = np.full(m, np.inf)
        np.minimum.at(low, owner[upd], rss[upd])
        sel = np.flatnonzero(upd & (rss <= low[owner]))
        best_p[owner[sel]], best_r[owner[sel]], best_c[owner[sel]] = p[sel], rss[sel], conv[sel]
        if rnd == 0:
            # a converged fit is a local optimum: where a step (Hill -> infinity) does better,
            # that limit is the least-squares answer (checked for every curve); by more than
            # rounding: a fit whose RSS equals the step's has reached it, and stays (with a
            # strict <, which of the two is reported would depend on the order of summation)
            k = np.flatnonzero(limits.r[2] < best_r * (1.0 - SAME_RSS))
            best_p[k], best_r[k], best_c[k] = limits.q[2, k], limits.r[2, k], False
        nxt = np.flatnonzero(running)
        owner, Ls, Ss = owner[nxt], L[nxt], s[nxt]
        cont = np.ones(nxt.size, bool)
        partner, target = None, None
        if rnd == 0:
            # the data-driven start (always, as before), unless it starts where the first run
            # started or where the curve's fit ended; a curve not converged: every candidate
            # not tried yet. Runs stop once they reach the curve's converged fit.
            bL, bs = best_p[:, LOG_IC50], np.log(np.abs(best_p[:, HILL]))
            at_end = best_c & (np.abs(CL[0] - bL) <= DEDUP_L * pb.span) & (np.abs(CS[0] - bs) <= DEDUP_S)
            again = ~tried & ok & ~best_c[None, :]
            again[0] = ~tried[0] & ok[0] & ~near[0] & ~at_end
            kc, kk = np.nonzero(again)
            owner = np.concatenate([owner, kk])
            Ls = np.concatenate([Ls, CL[kc, kk]])
            Ss = np.concatenate([Ss, CS[kc, kk]])
            cont = np.concatenate([cont, np.zeros(kk.size, bool)])
            tc = np.concatenate([np.zeros(nxt.size, bool), best_c[kk]])
            target = (np.where(tc, bL[owner], np.nan), np.where(tc, bs[owner], np.nan), best_r[owner])
    # a curve left without a finite optimum: the best of all its limits
    nc = np.flatnonzero(~best_c)
    if nc.size:
        q, rq = limits.best(nc, np.zeros(nc.size, bool), best_p[nc, LOG_IC50], np.log(np.abs(best_p[nc, HILL])))
        beat = rq < best_r[nc]
        best_p[nc[beat]], best_r[nc[beat]] = q[beat], rq[beat]
    return canonical(best_p, {}), best_c
