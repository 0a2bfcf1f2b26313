"""Batched Levenberg-Marquardt (Levenberg 1944, Marquardt 1963) for many curves at once.

Each curve's step solves (A + lambda diag(A)) dx = g, A = J'WJ the Gauss-Newton matrix
(Marquardt's diagonal scaling), g = J'W r; a step that lowers the RSS is taken and lambda
decreases, else lambda increases. Hill is stepped in ln|Hill| (dY/dln|h| = h dY/dh), which
follows steep and shallow valleys in far fewer iterations. :func:`levenberg_marquardt` runs on
all four parameters (fixed ones held); :func:`vp_levenberg_marquardt` on (logIC50, ln|Hill|)
with the plateaus projected out (:mod:`.projection`), with Newton steps on the exact Hessian
of the profile RSS where it is positive definite, Nielsen's (1999) damping update and a trust
region. Only the curves still running are computed.
"""
from __future__ import annotations

import numpy as np

from .model import BOTTOM, HILL, _log_hill, LOG_IC50, normal_matrix, _residual_jacobian, _rss, _scales, _TINY, TOP
from .projection import I_B, I_D, I_RSS, _Problem, _vp_eval


AWAY_RANGES, AWAY_HILL, AWAY_PLATEAU = 1.0, 1000.0, 100.0  # the divergence guard, in curve scales


def levenberg_marquardt(p, X, Y, W, free, *, max_iter=60, xtol=1e-9, ftol=1e-13):
    """Batched Levenberg-Marquardt; returns (params, rss, converged).

    A curve stops when an accepted step is below ``xtol`` of each parameter's scale (or the
    RSS falls by less than ``ftol`` relative in the Gauss-Newton regime, or no step lowers it),
    which counts as converged; or when it runs away (logIC50 more than twice the tested range
    outside it, |Hill| > 100 x 4/range, or a plateau 1000 response ranges away: an incomplete
    curve whose least-squares infimum is at infinity), which does not.
    """
    p = p.copy()
    m = p.shape[0]
    scale, lo, hi, span = _scales(X, Y, W)
    ymid = 0.5 * (np.where(W > 0, Y, -np.inf).max(1) + np.where(W > 0, Y, np.inf).min(1))
    r, J = _log_hill(*_residual_jacobian(p, X, Y, free), p)
    rss = _rss(r, W)
    lam = np.full(m, 1e-3)
    done = np.zeros(m, bool)
    converged = np.zeros(m, bool)
    eye = np.eye(4)
    for _ in range(max_iter):
        idx = np.flatnonzero(~done)
        if idx.size == 0:
            break
        if idx.size == m:  # all still running: views, no copies
            idx = slice(None)
            Xi, Yi, Wi, Ji, pi = X, Y, W, J, p.copy()
        else:
            Xi, Yi, Wi, Ji, pi = X[idx], Y[idx], W[idx], J[idx], p[idx]
        A = normal_matrix(Ji, Wi, free)
        g = np.einsum("mni,mn->mi", Ji, Wi * r[idx])
        dA = np.diagonal(A, axis1=1, axis2=2)
        D = np.maximum(dA, 1e-12 * dA.max(1, keepdims=True) + _TINY)
        delta = _solve(A + lam[idx, None, None] * (D[:, :, None] * eye), g)
        pn = pi + delta
        pn[:, HILL] = pi[:, HILL] * np.exp(np.clip(delta[:, HILL], -5.0, 5.0))  # the Hill step is in ln|Hill|
        rn, Jn = _log_hill(*_residual_jacobian(pn, Xi, Yi, free), pn)
        rssn = _rss(rn, Wi)
        acc = rssn <= rss[idx]
        tol = xtol * (np.abs(pi) + scale[idx])
        tol[:, HILL] = xtol
        small = (np.abs(delta) <= tol).all(axis=1) | (
            (rss[idx] - rssn <= ftol * rss[idx]) & (lam[idx] < 1e-2))
        a = np.arange(m)[idx][acc]
        p[a], r[a], J[a], rss[a] = pn[acc], rn[acc], Jn[acc], rssn[acc]
        lam[idx] = np.where(acc, np.maximum(lam[idx] * 0.1, 1e-12), lam[idx] * 10.0)
        q = p[idx]
        away = ((q[:, LOG_IC50] < lo[idx] - AWAY_RANGES * span[idx])
                | (q[:, LOG_IC50] > hi[idx] + AWAY_RANGES * span[idx])
                | (np.abs(q[:, HILL]) > AWAY_HILL * scale[idx, HILL])
                | (np.abs(q[:, [BOTTOM, TOP]] - ymid[idx, None]) > AWAY_PLATEAU * scale[idx, :2]).any(axis=1))
        ok = (acc & small) | (lam[idx] > 1e14)
        ids = np.arange(m)[idx]
        converged[ids[ok & ~away]] = True
        done[ids[ok | away]] = True
    return p, rss, converged & np.isfinite(rss) & np.isfinite(p).all(axis=1)


def _cholesky_solve(A, g):
    """Solve A x = g for a stack of symmetric positive definite 4 x 4 matrices by an explicit
    Cholesky factorisation on (m,) columns (much faster than per-matrix LAPACK calls);
    returns None if a pivot is not positive."""
    a = [[A[:, i, j] for j in range(4)] for i in range(4)]
    Lm = [[None] * 4 for _ in range(4)]
    with np.errstate(invalid="ignore", divide="ignore"):
        for j in range(4):
            d = a[j][j] - sum(Lm[j][k] ** 2 for k in range(j))
            if not (d > 0).all():
                return None
            Lm[j][j] = np.sqrt(d)
            for i in range(j + 1, 4):
                Lm[i][j] = (a[i][j] - sum(Lm[i][k] * Lm[j][k] for k in range(j))) / Lm[j][j]
        y = [None] * 4
        for i in range(4):
            y[i] = (g[:, i] - sum(Lm[i][k] * y[k] for k in range(i))) / Lm[i][i]
        x = [None] * 4
        for i in range(3, -1, -1):
            x[i] = (y[i] - sum(Lm[k][i] * x[k] for k in range(i + 1, 4))) / Lm[i][i]
    return np.stack(x, axis=1)


def _solve(A, g):
    x = _cholesky_solve(A, g)
    if x is not None and np.isfinite(x).all():
        return x
    try:
        return np.linalg.solve(A, g[..., None])[..., 0]
    except np.linalg.LinAlgError:
        return np.einsum("mij,mj->mi", np.linalg.pinv(A), g)


VP_XTOL, VP_FTOL = 1e-9, 1e-13


VP_MAX_ITER = 200


MERGE_L, MERGE_S = 0.02, 0.05  # a run this close to another (range fraction, ln|Hill|) joins it


COMPACT = 0.7  # drop finished runs from the computation when fewer than 70% are still going


MAX_STEP_L, MAX_STEP_S = 0.25, 1.0  # trust region: range fraction in logIC50, ln|Hill|


LAM0, LAM_DOWN = 1e-3, 0.1  # initial damping; its largest decrease per accepted step (Nielsen: 1/3)


QUAD_TOL, QUAD_LAM = 1e-4, 1e-3  # an accepted Newton step below QUAD_TOL at damping <= QUAD_LAM: done


def vp_levenberg_marquardt(pb: _Problem, L, s, *, max_iter=VP_MAX_ITER, xtol=VP_XTOL, ftol=VP_FTOL,
                           partner=None, step_rss=None, target=None):
    """Batched Levenberg-Marquardt on (logIC50, ln|Hill|) with the plateaus projected out.

    The step is Newton's on the profile RSS where its damped Hessian is positive definite,
    else Gauss-Newton's (Kaufman), with Marquardt's scaling, Nielsen's (1999) damping update
    and a trust region of MAX_STEP_L x range in logIC50 and MAX_STEP_S in ln|Hill|.
    Stopping rules as :func:`levenberg_marquardt`: a step below ``xtol`` of the scales (or an
    RSS decrease below ``ftol`` relative, undamped; or an accepted undamped Newton step below
    QUAD_TOL, whose error is its square; or a damping past 1e14) is convergence; running away
    (logIC50 a tested range beyond the range, |Hill| > 1000 x 4/range, a plateau 100 response
    ranges away) stops a curve unconverged. Only the curves still running are computed.
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
    L, s = L.astype(float), s.astype(float)
    S = _vp_eval(pb, L, s)  # the state of all runs; the held runs' copies are Lh, sh, Sh ...
    lam = np.full(m, LAM0)
    nu = np.full(m, 2.0)
    converged = np.zeros(m, bool)
    was_merged = np.zeros(m, bool)
    srss = np.full(m, np.inf) if step_rss is None else step_rss
    pt = np.full(m, -1) if partner is None else partner
    # per-run constants: [xtol x range, trust region in logIC50, centre of the tested range,
    # half-width of the away box, ln|Hill| away, ln|Hill| steep, plateau limit, plateau centre]
    tg = (np.full(m, np.nan),) * 3 if target is None else target
    C = np.stack([xtol * pb.span, MAX_STEP_L * pb.span, 0.5 * (pb.lo + pb.hi), (0.5 + AWAY_RANGES) * pb.span,
                  np.log(AWAY_HILL * 4.0 / pb.span), pb.s_steep, AWAY_PLATEAU * pb.yrange, pb.ymid,
                  MERGE_L * pb.span, srss, pt.astype(float), tg[0], tg[1], tg[2]])
    held, sub = np.arange(m), pb
    Lh, sh, Sh, lamh, nuh, Ch = L, s, S, lam, nu, C
    act = np.ones(m, bool)  # still running, among the held runs
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for it in range(max_iter):
            n_act = int(np.count_nonzero(act))
            if n_act == 0:
                break
            if n_act < COMPACT * held.size:  # compute only (mostly) runs still going
                L[held], s[held], S[:, held], lam[held], nu[held] = Lh, sh, Sh, lamh, nuh
                keep = np.flatnonzero(act)
                held, sub = held[keep], sub.sub(keep)
                Lh, sh, Sh, lamh, nuh, Ch = L[held], s[held], S[:, held], lam[held], nu[held], C[:, held]
                act = np.ones(held.size, bool)
            tol_l, tr_l, mid_x, half_x, s_away, s_steep, p_lim, p_mid, mg_l, srh, pth, Lt, stt, rt = Ch
            D_, b_, rss0, M11, M12, M22, N11, N12, N22, q1, q2, c = Sh
            la = lamh
            # Newton on the profile RSS where its damped Hessian is positive definite, else
            # Gauss-Newton (Kaufman); Marquardt's damping on the Gauss-Newton diagonal
            n11 = la * M11
            n11 += N11
            n22 = la * M22
            n22 += N22
            newton = (n11 > 0) & (n11 * n22 > N12 * N12)
            la1 = la + 1.0
            d11 = np.where(newton, n11, M11 * la1)
            d22 = np.where(newton, n22, M22 * la1)
            d12 = np.where(newton, N12, M12)
            det = d11 * d22
            det -= d12 * d12
            det *= c
            dL = d22 * q1
            dL -= d12 * q2
            dL /= det
            ds = d11 * q2
            ds -= d12 * q1
            ds /= det
            adL, ads = np.abs(dL), np.abs(ds)
            # trust region: at most MAX_STEP_L x range in logIC50, MAX_STEP_S in ln|Hill|
            shrink = np.minimum(tr_l / adL, MAX_STEP_S / ads)
            finite = (adL < np.inf) & (ads < np.inf) & act  # NaN compares False
            if not finite.all():
                nf = ~finite
                dL[nf] = ds[nf] = adL[nf] = ads[nf] = shrink[nf] = 0.0
            np.minimum(shrink, 1.0, out=shrink)
            dL *= shrink
            ds *= shrink
            adL *= shrink
            ads *= shrink
            Ln, sn = Lh + dL, sh + ds
            new = _vp_eval(sub, Ln, sn)
            rss1 = new[I_RSS]
            acc = finite & (rss1 <= rss0)
            und = la < 1e-2
            # converged: a step below xtol of the scales (taken, or proposed undamped), an RSS
            # decrease below ftol (undamped), or an accepted undamped Newton step below QUAD_TOL
            small = (adL <= tol_l + xtol * np.abs(Lh)) & (ads <= xtol) & (acc | und)
            small |= acc & und & (rss0 - rss1 <= ftol * rss0)
            small |= acc & newton & (la <= QUAD_LAM) & (adL * xtol <= QUAD_TOL * tol_l) & (ads <= QUAD_TOL)
            small &= finite
            # Nielsen's damping update from the gain ratio (predicted decrease ~ c q.dx)
            rho = (rss0 - rss1) / (c * (q1 * dL + q2 * ds))
            rho = 2.0 * np.minimum(np.where(rho > -np.inf, rho, 0.0), 1.0) - 1.0
            Lh = np.where(acc, Ln, Lh)
            sh = np.where(acc, sn, sh)
            Sh = np.where(acc, new, Sh)
            down = la * np.maximum(LAM_DOWN, 1.0 - rho * rho * rho)
            np.maximum(down, 1e-12, out=down)
            lamh = np.where(acc, down, np.where(act, la * nuh, la))
            nuh = np.where(acc, 2.0, np.where(act, nuh + nuh, nuh))
            b_ = Sh[I_B]
            away = (np.abs(Lh - mid_x) > half_x) | (sh > s_away) | (np.abs(b_ - p_mid) > p_lim) | (
                np.abs(b_ + Sh[I_D] - p_mid) > p_lim)
            ok = act & (small | (lamh > 1e14))
            converged[held[ok & ~away]] = True
            act &= ~(ok | away)
            if it >= STEP_CHECK:  # a steep run still getting steeper above its step limit: heading there
                merged = act & acc & (ds > 0) & (sh > s_steep) & (Sh[I_RSS] > srh)
            else:
                merged = None
            if partner is not None:  # where the partner runs are now (all runs' state kept current)
                L[held], s[held], S[I_RSS, held] = Lh, sh, Sh[I_RSS]
                pj = pth.astype(np.int64)
                has = act & (pj >= 0)
                pj[~has] = 0
                has &= converged[pj]  # only into a partner that has converged: a moving one may run away
                mp = has & (np.abs(Lh - L[pj]) <= mg_l) & (np.abs(sh - s[pj]) <= MERGE_S) & (Sh[I_RSS] >= S[I_RSS, pj])
                merged = mp if merged is None else merged | mp
            if target is not None:  # NaN targets compare False
                mt = act & (np.abs(Lh - Lt) <= mg_l) & (np.abs(sh - stt) <= MERGE_S) & (Sh[I_RSS] >= rt)
                merged = mt if merged is None else merged | mt
            if merged is not None and merged.any():
                was_merged[held[merged]] = True
                act &= ~merged
    L[held], s[held], S[:, held], lam[held] = Lh, sh, Sh, lamh
    running = np.zeros(m, bool)
    running[held[act]] = True
    conv = converged & np.isfinite(S[I_RSS]) & np.isfinite(L) & np.isfinite(s)
    return L, s, S, conv, running, was_merged


STEP_CHECK = 10  # iterations before a steep run above its step limit is taken as heading there
