"""The one Levenberg-Marquardt loop of the batched engine, for many problems at once.

Every run (one start of one curve) has parameters x (k of them) and a state evaluated at x by
its problem: the RSS, the gradient q = J'W r, the Gauss-Newton matrix M = J'W J and, where the
problem has it, the exact Hessian N of the RSS (all in units of c^2 when the problem scales
them by c; c = 1 otherwise). Each iteration solves the damped system

    (N + lambda M_d) dx = q / c   where N + lambda M_d is positive definite (Newton), else
    (M + lambda D) dx = q / c,    D = diag(max(M_ii, 1e-12 max_j M_jj))  (Marquardt 1963)

(Levenberg 1944; Marquardt's diagonal scaling), shrinks dx into the trust region |dx_i| <=
trust_i, and takes the step where it does not raise the RSS. The damping follows Nielsen
(1999): lambda x max(1/10, 1 - (2 rho - 1)^3) after an accepted step with gain ratio
rho = (RSS - RSS_new) / (c q.dx), lambda x nu (nu doubling) after a rejected one; or, for a
problem whose ``DAMPING`` is "marquardt", Marquardt's lambda / 10 and lambda x 10.

A run converges when a step is below ``xtol`` of each parameter's scale (accepted, or, unless
the problem is ``STRICT``, proposed undamped), when an undamped accepted step lowers the RSS by
less than ``ftol`` relative, when
an accepted undamped Newton step is below QUAD_TOL of the scales (its error is its square), or
when the damping passes LAM_MAX (no step lowers the RSS). It stops unconverged when it runs
away (its problem's ``away``: a curve whose least-squares infimum is at infinity) or when its
problem's ``merged`` says it has joined another run or a known limit. Runs still going after
``max_iter`` are returned as running. Only the runs still going are computed: when fewer than
COMPACT of the held runs are active, the held set shrinks to them.

A problem (:class:`~.model.CurveProblem`: the four logistic parameters of curves in rows;
:class:`~.projection.ProjectedProblem`: (logIC50, ln|Hill|) with the plateaus projected out)
provides ``k``, ``DAMPING`` and ``STRICT``; the rows of its state (``RSS``, ``Q``, ``M``: {(i, j): row} for i <= j, ``N``
likewise or None, ``C``: row or None); ``evaluate(x)``, ``sub(keep)``, ``advance(x, dx)``,
``trust`` (k per-run maxima), ``tolerance(x, xtol)`` and ``scale`` (k per-run arrays),
``away(x, S)`` and ``merged(it, act, acc, dx, xh, Sh, held, x, S, converged)`` (None: no test).
"""
from __future__ import annotations

import numpy as np

LAM0, LAM_DOWN = 1e-3, 0.1  # initial damping; its largest decrease per accepted step (Nielsen: 1/3)
LAM_MAX = 1e14  # damping beyond which no step lowers the RSS: the run has stopped
UNDAMPED = 1e-2  # damping below which a step counts as (nearly) Gauss-Newton's or Newton's
QUAD_TOL, QUAD_LAM = 1e-4, 1e-3  # an accepted Newton step below QUAD_TOL at damping <= QUAD_LAM: done
COMPACT = 0.7  # drop finished runs from the computation when fewer than 70% are still going
FLOOR, TINY = 1e-12, 1e-300  # the damping's diagonal: at least FLOOR x the largest (+ TINY)


def levenberg_marquardt(prob, x, *, max_iter, xtol, ftol):
    """Run every column of x (k, m) from its start; returns (x, state (rows, m) at x, converged,
    running, merged), each run at its last accepted point."""
    x = np.array(x, float)
    m = x.shape[1]
    S = prob.evaluate(x)
    lam = np.full(m, LAM0)
    nu = np.full(m, 2.0)
    converged = np.zeros(m, bool)
    was_merged = np.zeros(m, bool)
    held, sub = np.arange(m), prob
    xh, Sh, lamh, nuh = x, S, lam, nu  # the held runs' copies
    act = np.ones(m, bool)  # still running, among the held runs
    R = prob.RSS
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for it in range(max_iter):
            n_act = int(np.count_nonzero(act))
            if n_act == 0:
                break
            if n_act < COMPACT * held.size:  # compute only (mostly) runs still going
                x[:, held], S[:, held], lam[held], nu[held] = xh, Sh, lamh, nuh
                keep = np.flatnonzero(act)
                held, sub = held[keep], sub.sub(keep)
                xh, Sh, lamh, nuh = x[:, held], S[:, held], lam[held], nu[held]
                act = np.ones(held.size, bool)
            la = lamh
            dx, newton = _damped_step(sub, Sh, la)
            adx = np.abs(dx)
            # trust region: |dx_i| <= trust_i, the whole step shrunk alike
            shrink = sub.trust[0] / adx[0]
            for i in range(1, sub.k):
                shrink = np.minimum(shrink, sub.trust[i] / adx[i])
            finite = (adx < np.inf).all(0) & act  # NaN compares False
            if not finite.all():
                nf = ~finite
                dx[:, nf] = adx[:, nf] = shrink[nf] = 0.0
            np.minimum(shrink, 1.0, out=shrink)
            dx *= shrink
            adx *= shrink
            xn = sub.advance(xh, dx)
            new = sub.evaluate(xn)
            rss0, rss1 = Sh[R], new[R]
            acc = finite & (rss1 <= rss0)
            und = la < UNDAMPED
            tol = sub.tolerance(xh, xtol)
            small = np.logical_and.reduce([adx[i] <= tol[i] for i in range(sub.k)]) & (acc if sub.STRICT else acc | und)
            small |= acc & und & (rss0 - rss1 <= ftol * rss0)
            if newton is not None:
                quad = np.logical_and.reduce([adx[i] <= QUAD_TOL * sub.scale[i] for i in range(sub.k)])
                small |= acc & newton & (la <= QUAD_LAM) & quad
            small &= finite
            if sub.DAMPING == "marquardt":
                lamh = np.where(acc, np.maximum(la * 0.1, 1e-12), np.where(act, la * 10.0, la))
            else:  # Nielsen's update from the gain ratio (predicted decrease ~ c q.dx)
                pred = Sh[sub.Q[0]] * dx[0]
                for i in range(1, sub.k):
                    pred = pred + Sh[sub.Q[i]] * dx[i]
                rho = (rss0 - rss1) / (pred if sub.C is None else Sh[sub.C] * pred)
                rho = 2.0 * np.minimum(np.where(rho > -np.inf, rho, 0.0), 1.0) - 1.0
                down = la * np.maximum(LAM_DOWN, 1.0 - rho * rho * rho)
                np.maximum(down, 1e-12, out=down)
                lamh = np.where(acc, down, np.where(act, la * nuh, la))
                nuh = np.where(acc, 2.0, np.where(act, nuh + nuh, nuh))
            xh = np.where(acc, xn, xh)
            Sh = np.where(acc, new, Sh)
            away = sub.away(xh, Sh)
            ok = act & (small | (lamh > LAM_MAX))
            converged[held[ok & ~away]] = True
            act &= ~(ok | away)
            merged = sub.merged(it, act, acc, dx, xh, Sh, held, x, S, converged)
            if merged is not None and merged.any():
                was_merged[held[merged]] = True
                act &= ~merged
    x[:, held], S[:, held], lam[held] = xh, Sh, lamh
    running = np.zeros(m, bool)
    running[held[act]] = True
    conv = converged & np.isfinite(S[R]) & np.isfinite(x).all(0)
    return x, S, conv, running, was_merged


def _damped_step(prob, S, la):
    """dx (k, n) solving the damped system of the module docstring, and where it was Newton's
    (None for a problem without N). 2 x 2 systems in closed form, larger ones by
    :func:`_solve`."""
    k, M, N = prob.k, prob.M, prob.N
    diag = [S[M[i, i]] for i in range(k)]
    floor = diag[0]
    for i in range(1, k):
        floor = np.maximum(floor, diag[i])
    floor = FLOOR * floor + TINY
    c = S[prob.C] if prob.C is not None else None
    q = [S[prob.Q[i]] for i in range(k)]
    if k == 2:  # M_ii + lambda D_ii, written M_ii (1 + lambda) where D_ii = M_ii (the former 2 x 2 rounding)
        la1 = la + 1.0
        d11, d22 = (np.where(d >= floor, d * la1, d + la * floor) for d in diag)
        d12 = S[M[0, 1]]
        newton = None
        if N is not None:  # Newton on the exact Hessian where its damped form is positive definite
            N11, N12, N22 = S[N[0, 0]], S[N[0, 1]], S[N[1, 1]]
            n11 = la * diag[0]
            n11 += N11
            n22 = la * diag[1]
            n22 += N22
            newton = (n11 > 0) & (n11 * n22 > N12 * N12)
            d11 = np.where(newton, n11, d11)
            d22 = np.where(newton, n22, d22)
            d12 = np.where(newton, N12, d12)
        det = d11 * d22
        det -= d12 * d12
        if c is not None:
            det *= c
        dx = np.empty((2, det.size))
        np.multiply(d22, q[0], out=dx[0])
        dx[0] -= d12 * q[1]
        dx[0] /= det
        np.multiply(d11, q[1], out=dx[1])
        dx[1] -= d12 * q[0]
        dx[1] /= det
        return dx, newton
    if N is not None:
        raise NotImplementedError("Newton steps are written for 2 parameters")
    n = la.size
    A = np.empty((n, k, k))
    for i in range(k):
        A[:, i, i] = diag[i] + la * np.maximum(diag[i], floor)  # M_ii + lambda D_ii
        for j in range(i + 1, k):
            A[:, i, j] = A[:, j, i] = S[M[i, j]]
    g = np.stack(q, axis=1)
    if c is not None:
        g = g / c[:, None]
    return np.ascontiguousarray(_solve(A, g).T), None


def _cholesky_solve(A, g):
    """Solve A x = g for a stack of symmetric positive definite k x k matrices by an explicit
    Cholesky factorisation on (m,) columns (much faster than per-matrix LAPACK calls);
    returns x and where a pivot was not positive or x not finite."""
    k = A.shape[1]
    bad = np.zeros(A.shape[0], bool)
    a = [[A[:, i, j] for j in range(k)] for i in range(k)]
    Lm = [[None] * k for _ in range(k)]
    with np.errstate(invalid="ignore", divide="ignore"):
        for j in range(k):
            d = a[j][j] - sum(Lm[j][t] ** 2 for t in range(j))
            bad |= ~(d > 0)
            Lm[j][j] = np.sqrt(np.where(d > 0, d, 1.0))
            for i in range(j + 1, k):
                Lm[i][j] = (a[i][j] - sum(Lm[i][t] * Lm[j][t] for t in range(j))) / Lm[j][j]
        y = [None] * k
        for i in range(k):
            y[i] = (g[:, i] - sum(Lm[i][t] * y[t] for t in range(i))) / Lm[i][i]
        x = [None] * k
        for i in range(k - 1, -1, -1):
            x[i] = (y[i] - sum(Lm[t][i] * x[t] for t in range(i + 1, k))) / Lm[i][i]
    x = np.stack(x, axis=1)
    return x, bad | ~np.isfinite(x).all(1)


def _solve(A, g):
    """Batched solve of A x = g: Cholesky, else (that system alone) LU (numpy), else the
    pseudo-inverse; before, one failed pivot sent the whole batch to LU (other bits)."""
    x, bad = _cholesky_solve(A, g)
    if bad.any():  # per system, so that a run's step does not depend on the other runs
        i = np.flatnonzero(bad)
        try:  # LAPACK solves each system of the stack on its own
            x[i] = np.linalg.solve(A[i], g[i][..., None])[..., 0]
        except np.linalg.LinAlgError:
            x[i] = np.stack([_solve_one(A[j], g[j]) for j in i])
    return x


def _solve_one(A, g):
    try:
        return np.linalg.solve(A, g)
    except np.linalg.LinAlgError:
        return np.linalg.pinv(A) @ g
