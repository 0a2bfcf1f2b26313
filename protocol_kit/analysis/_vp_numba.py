"""Compiled (numba) Levenberg-Marquardt for the fast path of ``fit_logistic_many``: the same
algorithm as :func:`protocol_kit.analysis.engine.vp_levenberg_marquardt`, run for every run of
every curve inside one compiled call (a loop over curves; a curve's runs in order, so a run can
stop in its partner's basin once the partner has converged). One thread: on a machine whose
cores are shared, threads that wait for each other cost more than they bring.

Imported only when numba is installed (it is optional); the engine falls back to its numpy
implementation otherwise, or when the environment variable ``PROTOCOL_KIT_NUMBA`` is ``0``.
"""
from __future__ import annotations

import math

import numba as nb
import numpy as np

LN10 = math.log(10.0)


@nb.njit(cache=True, error_model="numpy")
def _eval(L, s, xs, shared, W, Y, c, K, wv, yvc, Sw, iSw, Sy, fbuf, out):
    """One run's state at (L, s) into ``out``, as ``engine._vp_eval_block`` computes it: D, b,
    rss, the Gauss-Newton matrix M, the Hessian N of the profile RSS (units of c^2), q, c."""
    a = -LN10 * math.exp(s)
    Sf = wv
    Sff = wv
    Sfy = wv * yvc
    for k in range(K):
        w = W[k, c]
        x = xs[k, 0] if shared else xs[k, c]
        z = (L - x) * a
        if z > 40.0:
            z = 40.0
        elif z < -40.0:
            z = -40.0
        f = 1.0 / (1.0 + math.exp(z))
        fbuf[k] = f
        wf = w * f
        Sf += wf
        Sff += wf * f
        Sfy += wf * Y[k, c]
    t = Sf * iSw
    cff = Sff - Sf * t
    D = (Sfy - t * Sy) / cff
    b = (Sy - D * Sf) * iSw
    rss = 0.0
    Sg = 0.0
    Sgd = 0.0
    Sgf = 0.0
    Sgg = 0.0
    Sgdf = 0.0
    Sggd = 0.0
    Sgdgd = 0.0
    q1 = 0.0
    q2 = 0.0
    Rh = 0.0
    Rhd = 0.0
    Rhdd = 0.0
    for k in range(K):
        w = W[k, c]
        x = xs[k, 0] if shared else xs[k, c]
        f = fbuf[k]
        d = L - x
        r = Y[k, c] - D * f - b
        wr = w * r
        rss += wr * r
        g = f - f * f
        wg = w * g
        gd = g * d
        wgd = wg * d
        Sg += wg
        Sgd += wgd
        Sgf += wg * f
        Sgg += wg * g
        Sgdf += wgd * f
        Sggd += wgd * g
        Sgdgd += wgd * gd
        q1 += wr * g
        q2 += wr * gd
        h2 = (1.0 - 2.0 * f) * g * wr
        Rh += h2
        Rhd += h2 * d
        Rhdd += h2 * d * d
    rv = yvc - b - D
    rss += wv * rv * rv
    if not (cff > 1e-14 * Sw) or not math.isfinite(rss):
        rss = math.inf
    cc = -D * a
    cu = Sgf - Sg * t
    cv = Sgdf - Sgd * t
    icff = 1.0 / cff
    P11 = Sgg - Sg * Sg * iSw
    P12 = Sggd - Sg * Sgd * iSw
    P22 = Sgdgd - Sgd * Sgd * iSw
    iD = 1.0 / D
    nu_ = cu - q1 * iD
    nv = cv - q2 * iD
    out[0] = D
    out[1] = b
    out[2] = rss
    out[3] = P11 - cu * cu * icff
    out[4] = P12 - cu * cv * icff
    out[5] = P22 - cv * cv * icff
    out[6] = P11 - nu_ * nu_ * icff - Rh * iD
    out[7] = P12 - nu_ * nv * icff - Rhd * iD - q1 / cc
    out[8] = P22 - nv * nv * icff - Rhdd * iD - q2 / cc
    out[9] = q1
    out[10] = q2
    out[11] = cc


@nb.njit(cache=True, error_model="numpy")
def lm_runs(xs, shared, W, Y, wv, yvc, Sw, iSw, Sy, span, lo, hi, ymid, yrange, s_steep,
            owner, L0, s0, partner, tL, tS, tR, srss, first, order, max_iter, xtol, ftol, P):
    """P = [MAX_STEP_L, MAX_STEP_S, LAM0, LAM_DOWN, QUAD_TOL, QUAD_LAM, AWAY_RANGES, AWAY_HILL,
    AWAY_PLATEAU, MERGE_L, MERGE_S, STEP_CHECK]. Runs of a curve: order[first[c]:first[c+1]]
    (in run-index order, partners first). Returns L, s, D, b, rss, status (0 converged,
    1 running, 2 stopped unconverged, 3 merged) and the smallest |exponent| at a tested point."""
    n = owner.size
    K = W.shape[0]
    Lo = np.empty(n)
    so = np.empty(n)
    Do = np.empty(n)
    bo = np.empty(n)
    ro = np.empty(n)
    st = np.empty(n, np.int64)
    zm = np.empty(n)
    n_cur = first.size - 1
    for ci in range(n_cur):
        fbuf = np.empty(K)
        cur = np.empty(12)
        new = np.empty(12)
        for jj in range(first[ci], first[ci + 1]):
            r = order[jj]
            c = owner[r]
            L = L0[r]
            s = s0[r]
            _eval(L, s, xs, shared, W, Y, c, K, wv[c], yvc[c], Sw[c], iSw[c], Sy[c], fbuf, cur)
            lam = P[2]
            nu = 2.0
            tol_l = xtol * span[c]
            tr_l = P[0] * span[c]
            mid = 0.5 * (lo[c] + hi[c])
            half = (0.5 + P[6]) * span[c]
            s_away = math.log(P[7] * 4.0 / span[c])
            plim = P[8] * yrange[c]
            mg_l = P[9] * span[c]
            pj = partner[r]
            status = 1
            for it in range(max_iter):
                rss0 = cur[2]
                M11 = cur[3]
                M12 = cur[4]
                M22 = cur[5]
                N11 = cur[6]
                N12 = cur[7]
                N22 = cur[8]
                q1 = cur[9]
                q2 = cur[10]
                cc = cur[11]
                la = lam
                n11 = la * M11 + N11
                n22 = la * M22 + N22
                newton = (n11 > 0.0) and (n11 * n22 > N12 * N12)
                if newton:
                    d11 = n11
                    d22 = n22
                    d12 = N12
                else:
                    la1 = la + 1.0
                    d11 = M11 * la1
                    d22 = M22 * la1
                    d12 = M12
                det = (d11 * d22 - d12 * d12) * cc
                dL = (d22 * q1 - d12 * q2) / det
                ds = (d11 * q2 - d12 * q1) / det
                adL = abs(dL)
                ads = abs(ds)
                shrink = min(tr_l / adL, P[1] / ads)
                finite = (adL < math.inf) and (ads < math.inf)
                if not finite:
                    dL = 0.0
                    ds = 0.0
                    adL = 0.0
                    ads = 0.0
                    shrink = 0.0
                if shrink > 1.0:
                    shrink = 1.0
                dL *= shrink
                ds *= shrink
                adL *= shrink
                ads *= shrink
                Ln = L + dL
                sn = s + ds
                _eval(Ln, sn, xs, shared, W, Y, c, K, wv[c], yvc[c], Sw[c], iSw[c], Sy[c], fbuf, new)
                rss1 = new[2]
                acc = finite and (rss1 <= rss0)
                und = la < 1e-2
                small = (adL <= tol_l + xtol * abs(L)) and (ads <= xtol) and (acc or und)
                small = small or (acc and und and (rss0 - rss1 <= ftol * rss0))
                small = small or (acc and newton and (la <= P[5]) and (adL * xtol <= P[4] * tol_l) and (ads <= P[4]))
                small = small and finite
                rho = (rss0 - rss1) / (cc * (q1 * dL + q2 * ds))
                if not (rho > -math.inf):
                    rho = 0.0
                rho = 2.0 * min(rho, 1.0) - 1.0
                if acc:
                    L = Ln
                    s = sn
                    for q in range(12):
                        cur[q] = new[q]
                    lam = max(la * max(P[3], 1.0 - rho * rho * rho), 1e-12)
                    nu = 2.0
                else:
                    lam = la * nu
                    nu = nu + nu
                b_ = cur[1]
                D_ = cur[0]
                away = (abs(L - mid) > half) or (s > s_away) or (abs(b_ - ymid[c]) > plim) or (
                    abs(b_ + D_ - ymid[c]) > plim)
                if small or lam > 1e14:
                    status = 2 if away else 0
                    break
                if away:
                    status = 2
                    break
                if it >= P[11] and acc and ds > 0.0 and s > s_steep[c] and cur[2] > srss[r]:
                    status = 3
                    break
                if pj >= 0 and st[pj] == 0 and abs(L - Lo[pj]) <= mg_l and abs(s - so[pj]) <= P[10] and cur[2] >= ro[pj]:
                    status = 3
                    break
                if abs(L - tL[r]) <= mg_l and abs(s - tS[r]) <= P[10] and cur[2] >= tR[r]:
                    status = 3
                    break
            if status == 0 and not (math.isfinite(cur[2]) and math.isfinite(L) and math.isfinite(s)):
                status = 2
            # the smallest |exponent| at a tested point: a run stopped where all are on a plateau
            zmin = math.inf
            ah = LN10 * math.exp(s)
            for k in range(K):
                if W[k, c] > 0.0:
                    x = xs[k, 0] if shared else xs[k, c]
                    zk = abs(L - x) * ah
                    if zk < zmin:
                        zmin = zk
            zm[r] = zmin
            Lo[r] = L
            so[r] = s
            Do[r] = cur[0]
            bo[r] = cur[1]
            ro[r] = cur[2]
            st[r] = status
    return Lo, so, Do, bo, ro, st, zm
