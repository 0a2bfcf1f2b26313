"""The batched least-squares engine for the four-parameter logistic.

Many curves are fitted at once: the points sit in stacked ``(n_curves, n_points)`` arrays
(X, Y and weights W; padding has W = 0). Each curve is solved by Levenberg-Marquardt
(Marquardt 1963, with Marquardt's diagonal scaling) with the analytic Jacobian of
:func:`~protocol_kit.analysis.curves.logistic_jacobian`; the 4x4 normal equations of all
curves are solved together with ``numpy.linalg.solve``.

Global optimum: the model is linear in Bottom and Top, so for any (logIC50, Hill) the best
plateaus solve a 2x2 weighted least-squares problem exactly (variable projection, Golub &
Pereyra 1973). A grid of (logIC50, Hill) pairs spanning the tested range is scored with this
profile RSS for every curve; a curve whose best grid point beats its first local fit (from
data-driven starting values) is refitted from that grid point, and the lower RSS is kept.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from .curves import LN10, LOGISTIC_PARAMS, _fraction

BOTTOM, TOP, LOG_IC50, HILL = range(4)
_TINY = 1e-300


@dataclass(frozen=True)
class GridSpec:
    """Where the multi-start grid looks, relative to each curve's tested X range [lo, hi]."""

    log_ic50: tuple[float, ...]  # fractions of the range (may lie outside 0..1)
    hill: tuple[float, ...]  # |Hill| in units of 4 / (hi - lo), i.e. 1 ~ a 1:1 curve on 4 decades
    steep_hill: tuple[float, ...]  # the same units; tried at midpoints between concentrations


FAST_GRID = GridSpec(tuple(np.linspace(-0.2, 1.2, 9)), (0.3, 0.8, 2.0, 5.0), (15.0, 40.0))
FULL_GRID = GridSpec(tuple(np.linspace(-0.5, 1.5, 25)), (0.1, 0.2, 0.35, 0.5, 0.8, 1.2, 1.6, 2.5, 3.5, 6.0),
                     (6.0, 12.0, 25.0, 50.0, 100.0))


@dataclass(frozen=True)
class EngineFit:
    """Raw arrays of a batched fit (one row per curve; parameter order bottom, top, log_ic50, hill)."""

    params: np.ndarray
    se: np.ndarray
    cov: np.ndarray
    rss: np.ndarray
    converged: np.ndarray
    n_free: int


def free_mask(fixed: dict) -> np.ndarray:
    return np.array([name not in fixed for name in LOGISTIC_PARAMS])


def x_range(X, W):
    """Lowest and highest finite X with a positive weight, per curve."""
    fin = np.isfinite(X) & (W > 0)
    lo = np.where(fin, X, np.inf).min(axis=1)
    hi = np.where(fin, X, -np.inf).max(axis=1)
    return lo, hi


def _span(lo, hi):
    return np.where(np.isfinite(hi - lo) & (hi - lo > 0), hi - lo, 1.0)


def data_starts(X, Y, W, fixed: dict) -> np.ndarray:
    """Starting values from the data: plateaus from the mean response at each end of the
    tested range (vehicle wells count as the low end), logIC50 where the response is closest
    to the midpoint, Hill of magnitude 4/range with the sign of the trend."""
    lo, hi = x_range(X, W)
    span = _span(lo, hi)
    ok = W > 0
    low_end = ok & (X <= (lo + 0.2 * span)[:, None])
    high_end = ok & (X >= (hi - 0.2 * span)[:, None])
    y_lo = _masked_mean(Y, low_end)
    y_hi = _masked_mean(Y, high_end)
    mid = 0.5 * (y_lo + y_hi)
    dist = np.where(ok & np.isfinite(X), np.abs(Y - mid[:, None]), np.inf)
    l0 = np.take_along_axis(X, dist.argmin(axis=1)[:, None], axis=1)[:, 0]
    l0 = np.where(np.isfinite(l0), l0, 0.5 * (lo + hi))
    sign = np.where(y_hi >= y_lo, 1.0, -1.0)
    p = np.empty((X.shape[0], 4))
    p[:, BOTTOM] = np.minimum(y_lo, y_hi)
    p[:, TOP] = np.maximum(y_lo, y_hi)
    p[:, LOG_IC50] = l0
    p[:, HILL] = sign * 4.0 / span
    return _apply_fixed(p, fixed)


def _masked_mean(Y, mask):
    n = mask.sum(axis=1)
    return np.where(n > 0, np.where(mask, Y, 0.0).sum(axis=1) / np.maximum(n, 1), np.nan)


def _apply_fixed(p, fixed):
    for name, value in fixed.items():
        p[:, LOGISTIC_PARAMS.index(name)] = value
    return p


def _plateaus(f, X_w, sums, fixed):
    """Best Bottom and Top for fractions f (shape (m, G, n)) and the profile RSS, exactly.

    Y ~ Bottom (1 - f) + Top f is linear in the plateaus: with G the 2x2 weighted Gram
    matrix of the basis (1 - f, f) and h = basis' W Y, the free plateaus solve G p = h and
    RSS = sum W Y^2 - 2 p.h + p' G p.
    """
    W, WY = X_w
    Sw, Sy, Syy = sums
    S1 = np.einsum("mgn,mn->mg", f, W)
    S2 = np.einsum("mgn,mgn,mn->mg", f, f, W)
    Sfy = np.einsum("mgn,mn->mg", f, WY)
    G11, G12, G22 = Sw[:, None] - 2 * S1 + S2, S1 - S2, S2
    h1, h2 = Sy[:, None] - Sfy, Sfy
    with np.errstate(divide="ignore", invalid="ignore"):
        if "bottom" in fixed and "top" in fixed:
            b = np.full_like(S1, fixed["bottom"])
            t = np.full_like(S1, fixed["top"])
        elif "bottom" in fixed:
            b = np.full_like(S1, fixed["bottom"])
            t = (h2 - b * G12) / G22
        elif "top" in fixed:
            t = np.full_like(S1, fixed["top"])
            b = (h1 - t * G12) / G11
        else:
            det = G11 * G22 - G12 * G12
            b = (h1 * G22 - h2 * G12) / det
            t = (G11 * h2 - G12 * h1) / det
        rss = Syy[:, None] - 2 * (b * h1 + t * h2) + b * b * G11 + 2 * b * t * G12 + t * t * G22
    rss = np.where(np.isfinite(rss) & np.isfinite(b) & np.isfinite(t), rss, np.inf)
    return b, t, rss


def _midpoints(X, W):
    """Midpoints between consecutive distinct tested X per curve (NaN-padded), where a steep
    curve's logIC50 must fall to fit a step between two concentrations."""
    xs = np.sort(np.where(np.isfinite(X) & (W > 0), X, np.nan), axis=1)  # NaN sorts last
    mid = 0.5 * (xs[:, 1:] + xs[:, :-1])
    return np.where(xs[:, 1:] > xs[:, :-1], mid, np.nan)


def _grid_points(X, W, fixed, grid):
    """(logIC50, Hill) pairs per curve: shallow Hills on a grid spanning the tested range,
    steep Hills at the midpoints between tested concentrations."""
    lo, hi = x_range(X, W)
    span = _span(lo, hi)
    lo = np.where(np.isfinite(lo), lo, 0.0)
    L = lo[:, None] + span[:, None] * np.asarray(grid.log_ic50)[None, :]
    if "hill" in fixed:
        return L, np.full(L.shape, fixed["hill"]), L.shape[1]
    # (b, t, L, h) and (t, b, L, -h) are the same curve: one sign suffices when both plateaus are free
    signs = (1.0,) if not ({"bottom", "top"} & fixed.keys()) else (1.0, -1.0)
    pairs_L, pairs_H, n_shallow = [], [], 0
    for mags, Ls in ((grid.hill, L), (grid.steep_hill, _midpoints(X, W))):
        for sgn in signs:
            H = sgn * np.asarray(mags)[None, :] * (4.0 / span[:, None])
            pairs_L.append(np.repeat(Ls, H.shape[1], axis=1))
            pairs_H.append(np.tile(H, (1, Ls.shape[1])))
        n_shallow = n_shallow or sum(a.shape[1] for a in pairs_L)
    return np.concatenate(pairs_L, axis=1), np.concatenate(pairs_H, axis=1), n_shallow


GRID_CHUNK_POINTS = 4_000_000  # grid points x curve points scored at once


def grid_search(X, Y, W, fixed: dict, grid: GridSpec):
    """Best grid point per curve and per family (shallow grid, steep midpoints):
    a list of (params (m, 4), profile RSS (m,))."""
    Lg, Hg, n_shallow = _grid_points(X, W, fixed, grid)
    out = [_grid_best(X, Y, W, fixed, Lg[:, :n_shallow], Hg[:, :n_shallow])]
    if Lg.shape[1] > n_shallow:
        out.append(_grid_best(X, Y, W, fixed, Lg[:, n_shallow:], Hg[:, n_shallow:]))
    return out


def _grid_best(X, Y, W, fixed, Lg, Hg):
    """Scored in float32 (the grid only proposes starts; LM refines them in float64), with
    Y centred and scaled per curve so that the profile-RSS formula keeps its precision."""
    m = X.shape[0]
    ok = W > 0
    y0 = np.where(ok, Y, 0.0).sum(1) / np.maximum(ok.sum(1), 1)
    ys = np.sqrt((W * (Y - y0[:, None]) ** 2).sum(1) / np.maximum(W.sum(1), _TINY))
    ys = np.where(ys > 0, ys, 1.0)
    Yc = ((Y - y0[:, None]) / ys[:, None]).astype(np.float32)
    fx = fixed
    if {"bottom", "top"} & fixed.keys():  # a fixed plateau is in data units: stay in float64 there
        Yc, y0, ys = Y, np.zeros(m), np.ones(m)
    X, W = X.astype(Yc.dtype), W.astype(Yc.dtype)
    WY = W * Yc
    sums = (W.sum(1), WY.sum(1), (WY * Yc).sum(1))
    best_rss = np.full(m, np.inf)
    best = np.zeros((m, 4))
    step = max(1, GRID_CHUNK_POINTS // max(1, Lg.shape[1] * X.shape[1]))
    for s in range(0, m, step):
        sl = slice(s, s + step)
        with np.errstate(invalid="ignore"):
            f, _ = _fraction(X[sl, None, :], Lg[sl, :, None].astype(X.dtype), Hg[sl, :, None].astype(X.dtype))
        b, t, rss = _plateaus(f, (W[sl], WY[sl]), tuple(a[sl] for a in sums), fx)
        rss = np.where(np.isnan(Lg[sl]), np.inf, rss)
        k = rss.argmin(axis=1)
        r = np.arange(k.size)
        sc, c0 = ys[sl], y0[sl]
        best_rss[sl] = rss[r, k] * sc * sc
        best[sl] = np.stack([b[r, k] * sc + c0, t[r, k] * sc + c0, Lg[sl][r, k], Hg[sl][r, k]], axis=1)
    return _apply_fixed(best, fixed), best_rss


def _residual_jacobian(p, X, Y, free):
    """Residuals Y - f and the Jacobian (m, n, 4) of :func:`~.curves.logistic_jacobian`,
    written out for speed: f = 0.5 - 0.5 tanh(u), u = ln10 (LogIC50 - X) HillSlope / 2,
    f (1 - f) = (1 - tanh^2 u) / 4; at a vehicle well (X = -inf) f is 0 or 1 and the
    logIC50 and Hill columns are exactly 0. Columns of fixed parameters are 0."""
    b, t, L, h = (p[:, k, None] for k in range(4))
    with np.errstate(invalid="ignore"):
        th = np.tanh((L - X) * (h * (0.5 * LN10)))
    f = 0.5 - 0.5 * th
    span = t - b
    r = Y - (b + span * f)
    J = np.empty(X.shape + (4,))
    J[..., 0] = 1.0 - f
    J[..., 1] = f
    q = (-0.25 * LN10) * span * (1.0 - th * th)
    J[..., 2] = q * h
    J[..., 3] = q * (L - np.where(np.isfinite(X), X, 0.0))
    if not free.all():
        J[..., ~free] = 0.0
    return r, J


def _log_hill(r, J, p):
    """Jacobian column of ln|Hill| instead of Hill (dY/dln|h| = h dY/dh): LM then takes
    multiplicative Hill steps, which follow steep and shallow valleys in far fewer iterations."""
    J[..., HILL] *= p[:, HILL, None]
    return r, J


def _rss(r, W):
    s = (W * r * r).sum(axis=1)
    return np.where(np.isfinite(s), s, np.inf)


def normal_matrix(J, W, free):
    """J' W J with 1 on the diagonal of fixed parameters (so it stays invertible)."""
    A = np.matmul(J.transpose(0, 2, 1) * W[:, None, :], J)
    A[:, ~free, ~free] = 1.0
    return A


def _scales(X, Y, W):
    """Per-curve parameter scales (plateaus: response range; logIC50: X range; Hill: 4 / X range)
    for the step-size convergence test and the divergence guard."""
    lo, hi = x_range(X, W)
    span = _span(lo, hi)
    ok = W > 0
    yr = np.where(ok, Y, -np.inf).max(1) - np.where(ok, Y, np.inf).min(1)
    yr = np.where(np.isfinite(yr) & (yr > 0), yr, 1.0)
    return np.stack([yr, yr, span, 4.0 / span], axis=1), lo, hi, span


CONTINUE_ITER = 150  # further iterations for the curves not converged after max_iter
RETRY_MARGIN = 1.5  # refit from a grid family's best point if its RSS < 1.5 x the current fit's
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


def _inverse(A):
    """Batched inverse; singular (or non-finite) matrices get the pseudo-inverse, alone."""
    good = np.isfinite(A).all(axis=(1, 2)) & (np.abs(np.linalg.det(np.where(np.isfinite(A), A, 0))) > 0)
    inv = np.full_like(A, np.nan)
    if good.any():
        try:
            inv[good] = np.linalg.inv(A[good])
        except np.linalg.LinAlgError:
            good[:] = False
    bad = ~good & np.isfinite(A).all(axis=(1, 2))
    if bad.any():
        inv[bad] = np.linalg.pinv(A[bad])
    return inv


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


def covariance(p, X, Y, W, free, rss_total, dof):
    """Asymptotic covariance s^2 (J' W J)^-1 with s^2 = RSS / dof (NaN for fixed parameters)."""
    r, J = _residual_jacobian(p, X, Y, free)
    A = normal_matrix(J, W, free)
    inv = _inverse(A)
    with np.errstate(divide="ignore", invalid="ignore"):
        s2 = np.where(dof > 0, rss_total / np.maximum(dof, 1), np.nan)
    cov = inv * s2[:, None, None]
    cov[:, ~free, :] = np.nan
    cov[:, :, ~free] = np.nan
    diag = np.diagonal(cov, axis1=1, axis2=2)
    se = np.sqrt(np.where(diag >= 0, diag, np.nan))
    return cov, se


def canonical(p, fixed):
    """With both plateaus and the Hill slope free, report Top >= Bottom (Prism's convention):
    (b, t, L, h) and (t, b, L, -h) are the same curve."""
    if fixed:
        return p
    swap = p[:, TOP] < p[:, BOTTOM]
    p = p.copy()
    p[swap, BOTTOM], p[swap, TOP] = p[swap, TOP], p[swap, BOTTOM]
    p[swap, HILL] = -p[swap, HILL]
    return p


def fit_batch(X, Y, W, fixed: dict, *, ss_within=None, n_obs=None, grid: GridSpec | None = FAST_GRID,
              starts=None) -> EngineFit:
    """Fit every row of (X, Y, W); the RSS returned includes ``ss_within`` (replicate scatter
    removed by aggregating duplicate X), and dof = n_obs - n_free."""
    free = free_mask(fixed)
    m = X.shape[0]
    ss_within = np.zeros(m) if ss_within is None else ss_within
    n_obs = (W > 0).sum(1) if n_obs is None else n_obs
    p0 = data_starts(X, Y, W, fixed) if starts is None else _apply_fixed(np.array(starts, float), fixed)
    p, rss, conv = levenberg_marquardt(p0, X, Y, W, free)
    for pg, rss_g in grid_search(X, Y, W, fixed, grid) if grid is not None else ():
        # refit from the grid point when its (profile) RSS is near or below the local fit's
        retry = np.flatnonzero(rss_g < rss * RETRY_MARGIN)
        if retry.size:
            p2, rss2, conv2 = levenberg_marquardt(pg[retry], X[retry], Y[retry], W[retry], free)
            better = rss2 < rss[retry]
            k = retry[better]
            p[k], rss[k], conv[k] = p2[better], rss2[better], conv2[better]
    slow = np.flatnonzero(~conv)  # continue the slow ones (few) before looking at the limits
    if slow.size:
        p[slow], rss[slow], conv[slow] = levenberg_marquardt(p[slow], X[slow], Y[slow], W[slow], free,
                                                             max_iter=CONTINUE_ITER)
    if not fixed:
        _runaway_limits(p, rss, conv, X, Y, W)
    p = canonical(p, fixed)
    n_free = int(free.sum())
    dof = n_obs - n_free
    rss_total = rss + ss_within
    cov, se = covariance(p, X, Y, W, free, rss_total, dof)
    return EngineFit(p, se, cov, rss_total, conv, n_free)


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


def t_quantile(dof, level=0.95):
    """Two-sided t quantile (NaN for dof < 1)."""
    dof = np.asarray(dof, float)
    u, inv = np.unique(np.maximum(dof, 1), return_inverse=True)  # few distinct dof: one ppf each
    q = stats.t.ppf(0.5 + level / 2, u)[inv].reshape(dof.shape)
    return np.where(dof >= 1, q, np.nan)


# ---------------------------------------------------------------------------------------------
# The fast path of fit_logistic_many (all four parameters free): variable projection.
#
# Curves are stacked points-major: column j of the (K, m) arrays is curve j, row k one of its
# distinct tested X (replicates aggregated into their mean with their count as weight), so
# every per-curve sum is a handful of contiguous vector additions. Vehicle wells (X = -inf)
# are kept apart as a weight and a mean per curve. For fixed (logIC50, Hill) the plateaus are
# a linear least-squares problem solved exactly (variable projection, Golub & Pereyra 1973),
# and Levenberg-Marquardt runs on (logIC50, ln|Hill|) alone: Newton steps on the exact Hessian
# of the profile RSS where it is positive definite, else Gauss-Newton with the Kaufman (1975)
# projected Jacobian; 2 x 2 systems in closed form. HillSlope < 0 throughout (with both
# plateaus free, (b, t, L, h) and (t, b, L, -h) are the same curve), so a vehicle well is
# always on the f = 1 plateau.
# ---------------------------------------------------------------------------------------------


@dataclass
class Stack:
    """Curves in points-major layout (see above). ``X`` is (K, 1) when every curve shares the
    same tested X (missing points then have weight 0), else (K, m) with each column sorted and
    padded by repeating its highest X with weight 0."""

    X: np.ndarray
    Y: np.ndarray
    W: np.ndarray
    wv: np.ndarray
    yv: np.ndarray

    @property
    def m(self) -> int:
        return self.W.shape[1]

    @property
    def shared(self) -> bool:
        return self.X.shape[1] == 1

    def take(self, idx) -> Stack:
        X = self.X if self.shared else self.X[:, idx]
        return Stack(X, self.Y[:, idx], self.W[:, idx], self.wv[idx], self.yv[idx])

    def curve_major(self):
        """(X, Y, W) of shape (m, 1 + K) with the vehicle wells first at X = -inf, as the
        general engine (fit_batch) takes them."""
        m = self.m
        X = np.empty((m, 1 + self.X.shape[0]))
        X[:, 0] = -np.inf
        X[:, 1:] = self.X.T
        Y = np.concatenate([self.yv[:, None], self.Y.T], axis=1)
        W = np.concatenate([self.wv[:, None], self.W.T], axis=1)
        return X, Y, W

    def bracket(self, L):
        """The highest tested X below logIC50 and the lowest above it, per curve (NaN if none)."""
        ok = self.W > 0
        below = np.where(ok & (self.X < L), self.X, -np.inf).max(0)
        above = np.where(ok & (self.X > L), self.X, np.inf).min(0)
        return np.where(np.isfinite(below), below, np.nan), np.where(np.isfinite(above), above, np.nan)

    def sides(self, L):
        """Distinct tested X (the vehicle wells count as one) below and above logIC50, per curve."""
        ok = self.W > 0
        return (np.count_nonzero(ok & (self.X < L), axis=0) + (self.wv > 0),
                np.count_nonzero(ok & (self.X > L), axis=0))

    def x_range(self):
        ok = self.W > 0
        lo = np.where(ok, self.X, np.inf).min(0)
        hi = np.where(ok, self.X, -np.inf).max(0)
        return lo, hi


Z_CLIP = 40.0  # |exponent| bound: f within 4e-18 of 0 or 1, never subnormal (slow) numbers
VP_GRID = GridSpec(tuple(np.linspace(-0.2, 1.2, 13)), tuple(np.geomspace(0.3, 5.0, 6)), (15.0, 40.0))
# (the start grid of the fast path: scored for every curve by matrix products, so finer than
# FAST_GRID, which saves Levenberg-Marquardt iterations)
VP_XTOL, VP_FTOL = 1e-9, 1e-13
VP_MAX_ITER = 200
MERGE_L, MERGE_S = 0.02, 0.05  # a run this close to another (range fraction, ln|Hill|) joins it
COMPACT = 0.7  # drop finished runs from the computation when fewer than 70% are still going
MAX_STEP_L, MAX_STEP_S = 0.25, 1.0  # trust region: range fraction in logIC50, ln|Hill|
LAM0, LAM_DOWN = 1e-3, 0.1  # initial damping; its largest decrease per accepted step (Nielsen: 1/3)
QUAD_TOL, QUAD_LAM = 1e-4, 1e-3  # an accepted Newton step below QUAD_TOL at damping <= QUAD_LAM: done


def _dot(a, b):
    """Per-curve sum over points of a * b ((K, m) arrays)."""
    return np.einsum("km,km->m", a, b)


class _Problem:
    """Sums of one batch of curves that do not depend on (logIC50, Hill); Y is centred."""

    _VEC = ("Sw", "iSw", "y0", "yv", "wv", "wvyv", "Sy", "cyy", "lo", "hi", "span", "yrange", "ymid", "s_steep")

    def __init__(self, st: Stack):
        self.st = st
        W = st.W
        self.wv = st.wv
        self.Sw = W.sum(0) + st.wv
        sw = np.where(self.Sw > 0, self.Sw, 1.0)
        self.iSw = 1.0 / sw
        self.y0 = ((W * st.Y).sum(0) + st.wv * st.yv) * self.iSw
        self.Y = st.Y - self.y0
        self.Y *= W > 0  # no stray values under zero weights
        self.yv = np.where(st.wv > 0, st.yv - self.y0, 0.0)
        self.wvyv = st.wv * self.yv
        self.WY = W * self.Y
        self.Sy = self.WY.sum(0) + self.wvyv
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
        new.Y, new.WY = self.Y[:, idx], self.WY[:, idx]
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
    Sf = wf.sum(0)
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
    Sg, Sgd = wg.sum(0), wgd.sum(0)
    Sgf, Sgg, Sgdf, Sggd, Sgdgd = _dot(wg, f), _dot(wg, g), _dot(wgd, f), _dot(wgd, g), _dot(wgd, gd)
    q1, q2 = _dot(wr, g), _dot(wr, gd)
    # second derivatives for the exact Hessian of the profile RSS: d2f/dz2 = g (1 - 2f)
    h2 = f * -2.0
    h2 += 1.0
    h2 *= g
    h2 *= wr
    Rh, Rhd = h2.sum(0), _dot(h2, d)
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


GRID_BLOCK = 256  # curves per block of the grid's products: one OpenBLAS thread, cached temporaries


def _score(pb: _Problem, Sf, Sff, Sfy):
    """Profile RSS of grid points from their sums ((G, m) arrays); inf where f is flat."""
    with np.errstate(divide="ignore", invalid="ignore"):
        cff = Sff - Sf * Sf / pb.Sw
        cfy = Sfy - Sf * (pb.Sy / pb.Sw)
        gain = cfy * cfy / cff
    gain[~(cff > 1e-14 * pb.Sw)] = -np.inf
    return pb.cyy - gain


def _grid_shared(pb: _Problem, grid: GridSpec):
    """Grid of (logIC50, Hill) starts scored for curves sharing their tested X: for each group
    of curves with the same tested range the basis f (G x K) is common, so the sums are matrix
    products, in float32 (the grid only proposes starts) on responses centred (Sy = 0) and
    scaled per curve; the vehicle wells are one more column (f = 1). The profile RSS of a grid
    point is cyy - Sfy^2 / (Sff - Sf^2 / Sw). Returns [(L, s, rss) shallow, (L, s, rss) steep]."""
    st = pb.st
    xc = st.X[:, 0]
    m, K = st.m, xc.size
    ilo, ihi = np.searchsorted(xc, pb.lo), np.searchsorted(xc, pb.hi)
    keys, inv = np.unique(ilo * K + ihi, return_inverse=True)
    fams = [[np.zeros(m), np.zeros(m), np.full(m, np.inf)] for _ in range(2)]
    fr, mags, steep = (np.asarray(v) for v in (grid.log_ic50, grid.hill, grid.steep_hill))
    # everything divided by Sw (Y also by its scale ys): S1 = Sf/Sw, S2 = Sff/Sw, G = Sfy/sqrt(Sw)/ys,
    # so that S2 - S1^2 = cff/Sw and G^2/(S2 - S1^2) = Sfy^2/cff/ys^2, with no per-curve factors
    ys = np.sqrt(np.maximum(pb.cyy, 0.0) * pb.iSw)
    ys = np.where(ys > 0, ys, 1.0)
    Wa = np.empty((K + 1, m), np.float32)
    WYa = np.empty((K + 1, m), np.float32)
    Wa[:K], Wa[K] = st.W * pb.iSw, st.wv * pb.iSw
    sc = np.sqrt(pb.iSw) / ys
    WYa[:K], WYa[K] = pb.WY * sc, pb.wvyv * sc
    for gi in range(keys.size):
        idx = np.arange(m) if keys.size == 1 else np.flatnonzero(inv == gi)
        a, b = ilo[idx[0]], ihi[idx[0]]
        lo, hi = xc[a], xc[b]
        span = hi - lo if hi > lo else 1.0
        unit = 4.0 / span
        mids = 0.5 * (xc[a:b] + xc[a + 1:b + 1])
        Lg = np.concatenate([np.repeat(lo + span * fr, mags.size), np.repeat(mids, steep.size)])
        hg = np.concatenate([np.tile(mags * unit, fr.size), np.tile(steep * unit, mids.size)])
        n1 = fr.size * mags.size
        Wg = Wa if keys.size == 1 else Wa[:, idx]
        WYg = WYa if keys.size == 1 else WYa[:, idx]
        for fam, cs in enumerate((slice(0, n1), slice(n1, Lg.size))):
            if cs.stop <= cs.start:
                continue
            F = np.ones((K + 1, cs.stop - cs.start), np.float32)  # last row: the vehicle wells, f = 1
            F[:K] = 1.0 / (1.0 + np.exp(np.clip((Lg[None, cs] - xc[:, None]) * (-LN10 * hg[None, cs]),
                                                -Z_CLIP, Z_CLIP)))
            FF = F * F
            k = np.empty(idx.size, np.int64)
            g = np.empty(idx.size, np.float32)
            for c0 in range(0, idx.size, GRID_BLOCK):  # blocks of curves: small temporaries
                c1 = min(c0 + GRID_BLOCK, idx.size)
                S1 = Wg[:, c0:c1].T @ F  # (n, G)
                cff = Wg[:, c0:c1].T @ FF
                gain = WYg[:, c0:c1].T @ F
                gain *= gain
                S1 *= S1
                cff -= S1
                np.maximum(cff, 1e-6, out=cff)  # f flat over the curve's points: no start
                gain /= cff
                k[c0:c1] = kb = gain.argmax(1)
                g[c0:c1] = gain[np.arange(c1 - c0), kb]
            rss = pb.cyy[idx] - g.astype(float) * (ys[idx] ** 2)
            best = fams[fam]
            better = rss < best[2][idx]
            t = idx[better]
            best[0][t] = Lg[cs][k[better]]
            best[1][t] = np.log(hg[cs][k[better]])
            best[2][t] = rss[better]
    return [tuple(f) for f in fams]


def _grid_general(pb: _Problem, grid: GridSpec):
    """The same grid for curves with their own tested X ((K, m) layout): one grid point at a
    time over all curves, in coordinates relative to each curve's tested range."""
    st = pb.st
    m = st.m
    U = (st.X - pb.lo) / pb.span
    W, wv, wvy = st.W, st.wv, pb.wvyv
    unit = 4.0 / pb.span
    fams = [[np.zeros(m), np.zeros(m), np.full(m, np.inf)] for _ in range(2)]

    def score(z):
        f = np.exp(np.clip(z, -Z_CLIP, Z_CLIP, out=z))
        f += 1.0
        np.reciprocal(f, out=f)
        wf = W * f
        return _score(pb, wf.sum(0) + wv, _dot(wf, f) + wv, _dot(wf, pb.Y) + wvy)

    best = fams[0]
    for fr in grid.log_ic50:
        for mag in grid.hill:
            rss = score((4.0 * LN10 * mag) * (U - fr))
            better = rss < best[2]
            best[0][better] = (pb.lo + pb.span * fr)[better]
            best[1][better] = np.log(mag * unit)[better]
            best[2][better] = rss[better]
    best = fams[1]
    valid = (W[1:] > 0) & (W[:-1] > 0) & (st.X[1:] > st.X[:-1])
    mids = 0.5 * (st.X[1:] + st.X[:-1])
    for j in range(mids.shape[0]):
        if not valid[j].any():
            continue
        for mag in grid.steep_hill:
            rss = score((mids[j] - st.X) * (-LN10 * mag * unit))
            better = (rss < best[2]) & valid[j]
            best[0][better] = mids[j][better]
            best[1][better] = np.log(mag * unit)[better]
            best[2][better] = rss[better]
    return [tuple(f) for f in fams]


def _vp_data_start(pb: _Problem):
    """As :func:`data_starts`: logIC50 at the tested X whose response is closest to the mean
    of the two ends of the range (the vehicle wells count as the low end), |Hill| = 4/range."""
    st = pb.st
    ok = st.W > 0
    X = np.broadcast_to(st.X, st.W.shape)
    low = ok & (X <= pb.lo + 0.2 * pb.span)
    high = ok & (X >= pb.hi - 0.2 * pb.span)
    with np.errstate(invalid="ignore", divide="ignore"):
        y_lo = ((st.W * pb.Y * low).sum(0) + st.wv * pb.yv) / ((st.W * low).sum(0) + st.wv)
        y_hi = (st.W * pb.Y * high).sum(0) / (st.W * high).sum(0)
    mid = 0.5 * (y_lo + y_hi)
    dist = np.where(ok, np.abs(pb.Y - mid), np.inf)
    L0 = np.take_along_axis(X, dist.argmin(0)[None, :], 0)[0]
    L0 = np.where(np.isfinite(L0) & np.isfinite(mid), L0, 0.5 * (pb.lo + pb.hi))
    return L0, np.log(4.0 / pb.span)


# LM iterations between looks at the limits: the first run and the retries, then the few runs
# still creeping along a valley in short rounds; 210 in all, as 60 + 150 before
ROUND_ITERS = (30, 30) + (10,) * 15
STEP_DECADES = 14.0  # a step limit is placed where the points beside it are 1e-14 from a plateau
Z_FLAT = 10.0  # f within 5e-5 of a plateau at every tested point: a step, not an optimum
STEP_CHECK = 10  # iterations before a steep run above its step limit is taken as heading there
FAR_PLATEAU = 10.0  # response ranges: a plateau this far out, with logIC50 outside the range, runs away
STEEP_RUN = 4.0  # |Hill| x mean spacing of the tested X beyond which a run may be heading for a step
DEDUP_L, DEDUP_S = 0.1, 0.5  # a retry start this close (range fraction, ln|Hill|) to a run's start or end is that run
SAME_RSS = 1e-11  # relative RSS difference within rounding (sums in another order differ by ~1e-13)


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
        phi = np.exp(np.maximum(np.exp(logk)[:, None, :] * LN10 * Xs[None], -2 * Z_CLIP))
        wphi = W * phi
        Sf = wphi.sum(1)
        Sff = np.einsum("jkm,jkm->jm", wphi, phi)
        Sfy = np.einsum("jkm,km->jm", wphi, both.Y)
        with np.errstate(divide="ignore", invalid="ignore"):
            cff = Sff - Sf * Sf / Sw
            cfy = Sfy - Sf * Sy / Sw
            D = cfy / cff
            P = (Sy - D * Sf) / Sw
            rss = syy - cfy * D
        rss = np.where(np.isfinite(rss) & (cff > 1e-14 * Sw), rss, np.inf)
        return rss, P, D

    logk = np.log(np.geomspace(0.01, 100.0, 41))[:, None] + np.log(unit)[None, :]
    rss, _, _ = profile(logk)
    j = rss.argmin(0)
    cols = np.arange(2 * n)
    step = logk[1, 0] - logk[0, 0]
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


def _rss_at(pb: _Problem, p):
    """Exact weighted RSS at parameters p (any sign of Hill), replicate scatter excluded."""
    n = pb.st.m
    if n <= 1.5 * EVAL_BLOCK:
        return _rss_at_block(pb, p)
    return np.concatenate([_rss_at_block(pb.view(a, min(a + EVAL_BLOCK, n)), p[a:a + EVAL_BLOCK])
                           for a in range(0, n, EVAL_BLOCK)])


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
    fams = _grid_shared(pb, VP_GRID) if st.shared else _grid_general(pb, VP_GRID)
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


SINGULAR = 1e-12  # a Cholesky pivot of the unit-diagonal matrix below this: a direction not determined


def spd_inverse_kkm(a):
    """Inverse of a stack of symmetric positive semi-definite matrices (k, k, m) (each entry a
    contiguous (m,) column; a is overwritten; returns the (k, k, m) inverse), scaled to a
    unit diagonal first (Jacobi: the plateaus and Hill live on very different scales) and
    inverted through an explicit Cholesky factorisation on (m,) columns. A parameter whose
    pivot is below SINGULAR (its column a combination of the earlier ones: logIC50 and Hill at
    a step limit, a plateau run off to infinity) is not determined by the data: its variance is
    inf and the others' are those with it held (as scipy's curve_fit, which reports inf when
    the covariance cannot be estimated). Matrices with non-finite entries give NaN."""
    k = a.shape[0]
    finite = np.isfinite(a).all(axis=(0, 1))
    a[:, :, ~finite] = 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        sc = [np.where(a[i, i] > 0, 1.0 / np.sqrt(a[i, i]), 1.0) for i in range(k)]
    for i in range(k):
        for j in range(k):
            a[i, j] *= sc[i] * sc[j]
    Lm = [[None] * k for _ in range(k)]
    undet = []
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        for j in range(k):
            dj = a[j][j] - sum(Lm[j][i] ** 2 for i in range(j))
            bad = ~(dj > SINGULAR)
            undet.append(bad)
            Lm[j][j] = np.sqrt(np.where(bad, 1.0, dj))
            for i in range(j + 1, k):  # an undetermined parameter leaves the factorisation
                Lm[i][j] = np.where(bad, 0.0, (a[i][j] - sum(Lm[i][t] * Lm[j][t] for t in range(j))) / Lm[j][j])
        # V = L^-1 (lower triangular), inverse = V' V
        V = [[None] * k for _ in range(k)]
        for j in range(k):
            V[j][j] = 1.0 / Lm[j][j]
            for i in range(j + 1, k):
                V[i][j] = -sum(Lm[i][t] * V[t][j] for t in range(j, i)) / Lm[i][i]
        inv = np.empty_like(a)
        for i in range(k):
            for j in range(i, k):
                v = sum(V[t][i] * V[t][j] for t in range(j, k))
                inv[i, j] = v
                inv[j, i] = v
        for j in range(k):
            if undet[j].any():
                inv[j, :, undet[j]] = 0.0
                inv[:, j, undet[j]] = 0.0
                inv[j, j, undet[j]] = np.inf
    for i in range(k):
        for j in range(k):
            inv[i, j] *= sc[i] * sc[j]
    inv[:, :, ~finite] = np.nan
    return inv


def _stat_sums(st: Stack, p):
    """Per-curve RSS (replicate scatter excluded) and the sums of products of the Jacobian's
    columns (1 - f, f, g, g d with g = f (1 - f), d = logIC50 - X) at parameters p: (10, n)."""
    b, t, L, h = (p[:, k] for k in range(4))
    W = st.W
    ok = W > 0
    d = np.where(ok, L - st.X, 0.0)
    e = np.exp(np.clip(d * (h * LN10), -Z_CLIP, Z_CLIP))
    f = 1.0 / (1.0 + e)
    fc = np.where(e <= 1.0, e * f, 1.0 - f)  # 1 - f to full relative precision
    # Bottom (1 - f) + Top f: no cancellation when a plateau has run far off (a runaway limit)
    r = np.where(ok, st.Y - b * fc - t * f, 0.0)
    fv = np.where(h < 0, 1.0, np.where(h > 0, 0.0, 0.5))  # vehicle wells: the X -> -inf plateau
    wv = st.wv
    rv = np.where(wv > 0, st.yv - b * (1.0 - fv) - t * fv, 0.0)
    g = f * fc
    gd = g * d
    wf, wfc, wg, wgd = W * f, W * fc, W * g, W * gd
    out = np.empty((10, st.m))
    out[0] = _dot(W * r, r) + wv * rv * rv
    out[1] = _dot(wfc, fc) + wv * (1 - fv) ** 2
    out[2] = _dot(wfc, f) + wv * (1 - fv) * fv
    out[3] = _dot(wf, f) + wv * fv * fv
    out[4], out[5] = _dot(wg, fc), _dot(wg, f)
    out[6], out[7] = _dot(wgd, fc), _dot(wgd, f)
    out[8], out[9] = _dot(wg, g), _dot(wg, gd)
    return out, _dot(wgd, gd)


def stats_free(st: Stack, p, rss_extra, dof):
    """Exact RSS (plus ``rss_extra``, the replicate scatter) and the covariance s^2 (J'WJ)^-1
    at parameters p (any sign of Hill), from the per-curve sums of the Jacobian's columns
    (computed in blocks of EVAL_BLOCK curves)."""
    n = st.m
    S = np.empty((11, n))
    for a in range(0, n, EVAL_BLOCK):
        b = min(a + EVAL_BLOCK, n)
        blk = Stack(st.X if st.shared else st.X[:, a:b], st.Y[:, a:b], st.W[:, a:b], st.wv[a:b], st.yv[a:b])
        S[:10, a:b], S[10, a:b] = _stat_sums(blk, p[a:b])
    rss, S00, S01, S11, Sg_c, Sg_f, Sgd_c, Sgd_f, Sgg, Sggd, Sgdgd = S
    span = p[:, TOP] - p[:, BOTTOM]
    kL = -span * LN10 * p[:, HILL]
    kh = -span * LN10
    A = np.empty((4, 4, n))  # J'WJ, entry by entry
    A[0, 0], A[0, 1], A[1, 1] = S00, S01, S11
    A[0, 2], A[1, 2] = kL * Sg_c, kL * Sg_f
    A[0, 3], A[1, 3] = kh * Sgd_c, kh * Sgd_f
    A[2, 2], A[2, 3], A[3, 3] = kL * kL * Sgg, kL * kh * Sggd, kh * kh * Sgdgd
    for i in range(4):
        for j in range(i):
            A[i, j] = A[j, i]
    rss_total = rss + rss_extra
    with np.errstate(divide="ignore", invalid="ignore"):
        s2 = np.where(dof > 0, rss_total / np.maximum(dof, 1), np.nan)
    cov = spd_inverse_kkm(A)
    with np.errstate(invalid="ignore"):  # inf (undetermined) x 0 (a perfect fit): NaN
        cov *= s2
    dg = np.diagonal(cov)  # (n, 4)
    se = np.sqrt(np.where(dg >= 0, dg, np.nan))
    return rss_total, np.ascontiguousarray(cov.transpose(2, 0, 1)), se
