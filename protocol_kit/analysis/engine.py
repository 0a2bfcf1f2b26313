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


def grid_search(X, Y, W, fixed: dict, grid: GridSpec, chunk_points: int = 4_000_000):
    """Best grid point per curve and per family (shallow grid, steep midpoints):
    a list of (params (m, 4), profile RSS (m,))."""
    Lg, Hg, n_shallow = _grid_points(X, W, fixed, grid)
    out = [_grid_best(X, Y, W, fixed, Lg[:, :n_shallow], Hg[:, :n_shallow], chunk_points)]
    if Lg.shape[1] > n_shallow:
        out.append(_grid_best(X, Y, W, fixed, Lg[:, n_shallow:], Hg[:, n_shallow:], chunk_points))
    return out


def _grid_best(X, Y, W, fixed, Lg, Hg, chunk_points):
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
    step = max(1, chunk_points // max(1, Lg.shape[1] * X.shape[1]))
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
              starts=None, max_iter=60) -> EngineFit:
    """Fit every row of (X, Y, W); the RSS returned includes ``ss_within`` (replicate scatter
    removed by aggregating duplicate X), and dof = n_obs - n_free."""
    free = free_mask(fixed)
    m = X.shape[0]
    ss_within = np.zeros(m) if ss_within is None else ss_within
    n_obs = (W > 0).sum(1) if n_obs is None else n_obs
    p0 = data_starts(X, Y, W, fixed) if starts is None else _apply_fixed(np.array(starts, float), fixed)
    p, rss, conv = levenberg_marquardt(p0, X, Y, W, free, max_iter=max_iter)
    for pg, rss_g in grid_search(X, Y, W, fixed, grid) if grid is not None else ():
        # refit from the grid point when its (profile) RSS is near or below the local fit's
        retry = np.flatnonzero(rss_g < rss * RETRY_MARGIN)
        if retry.size:
            p2, rss2, conv2 = levenberg_marquardt(pg[retry], X[retry], Y[retry], W[retry], free, max_iter=max_iter)
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
    return np.where(dof >= 1, stats.t.ppf(0.5 + level / 2, np.maximum(dof, 1)), np.nan)
