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

from .curves import LOGISTIC_PARAMS, _fraction, logistic_jacobian

BOTTOM, TOP, LOG_IC50, HILL = range(4)
_TINY = 1e-300


@dataclass(frozen=True)
class GridSpec:
    """Where the multi-start grid looks, relative to each curve's tested X range [lo, hi]."""

    log_ic50: tuple[float, ...]  # fractions of the range (may lie outside 0..1)
    hill: tuple[float, ...]  # |Hill| in units of 4 / (hi - lo), i.e. 1 ~ a 1:1 curve on 4 decades


FAST_GRID = GridSpec(tuple(np.linspace(-0.2, 1.2, 9)), (0.35, 0.8, 1.6, 3.5))
FULL_GRID = GridSpec(tuple(np.linspace(-0.5, 1.5, 25)), (0.1, 0.2, 0.35, 0.5, 0.8, 1.2, 1.6, 2.5, 3.5, 6.0, 12.0))


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


def grid_search(X, Y, W, fixed: dict, grid: GridSpec, chunk_points: int = 4_000_000):
    """Best grid point per curve: (params (m, 4), profile RSS (m,))."""
    m = X.shape[0]
    lo, hi = x_range(X, W)
    span = _span(lo, hi)
    lo = np.where(np.isfinite(lo), lo, 0.0)
    fr = np.asarray(grid.log_ic50)
    if "hill" in fixed:
        hills = np.array([fixed["hill"]])
        h_rel = False
    else:
        mags = np.asarray(grid.hill)
        # (b, t, L, h) and (t, b, L, -h) are the same curve: one sign suffices when both plateaus are free
        hills = mags if not ({"bottom", "top"} & fixed.keys()) else np.concatenate([mags, -mags])
        h_rel = True
    L = (lo[:, None] + span[:, None] * fr[None, :])  # (m, nL)
    H = (hills[None, :] * (4.0 / span[:, None])) if h_rel else np.broadcast_to(hills, (m, 1))
    nL, nH = L.shape[1], H.shape[1]
    Lg = np.repeat(L, nH, axis=1)
    Hg = np.tile(H, (1, nL))
    WY = W * Y
    sums = (W.sum(1), WY.sum(1), (WY * Y).sum(1))
    best_rss = np.full(m, np.inf)
    best = np.zeros((m, 4))
    step = max(1, chunk_points // max(1, Lg.shape[1] * X.shape[1]))
    for s in range(0, m, step):
        sl = slice(s, s + step)
        f, _ = _fraction(X[sl, None, :], Lg[sl, :, None], Hg[sl, :, None])
        b, t, rss = _plateaus(f, (W[sl], WY[sl]), tuple(a[sl] for a in sums), fixed)
        k = rss.argmin(axis=1)
        r = np.arange(k.size)
        best_rss[sl] = rss[r, k]
        best[sl] = np.stack([b[r, k], t[r, k], Lg[sl][r, k], Hg[sl][r, k]], axis=1)
    return _apply_fixed(best, fixed), best_rss


def _residual_jacobian(p, X, Y, free):
    pred, cols = logistic_jacobian(X, p[:, BOTTOM, None], p[:, TOP, None], p[:, LOG_IC50, None], p[:, HILL, None])
    J = np.stack([np.broadcast_to(c, X.shape) if f else np.zeros(X.shape) for c, f in zip(cols, free)], axis=-1)
    return Y - pred, J


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


def levenberg_marquardt(p, X, Y, W, free, *, max_iter=100, xtol=1e-9, ftol=1e-13):
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
    r, J = _residual_jacobian(p, X, Y, free)
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
        rn, Jn = _residual_jacobian(pn, Xi, Yi, free)
        rssn = _rss(rn, Wi)
        acc = rssn <= rss[idx]
        small = (np.abs(delta) <= xtol * (np.abs(pi) + scale[idx])).all(axis=1) | (
            (rss[idx] - rssn <= ftol * rss[idx]) & (lam[idx] < 1e-2))
        a = np.arange(m)[idx][acc]
        p[a], r[a], J[a], rss[a] = pn[acc], rn[acc], Jn[acc], rssn[acc]
        lam[idx] = np.where(acc, np.maximum(lam[idx] * 0.1, 1e-12), lam[idx] * 10.0)
        q = p[idx]
        away = ((q[:, LOG_IC50] < lo[idx] - 2 * span[idx]) | (q[:, LOG_IC50] > hi[idx] + 2 * span[idx])
                | (np.abs(q[:, HILL]) > 100 * scale[idx, HILL])
                | (np.abs(q[:, [BOTTOM, TOP]] - ymid[idx, None]) > 1e3 * scale[idx, :2]).any(axis=1))
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


def _solve(A, g):
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
              starts=None, max_iter=100) -> EngineFit:
    """Fit every row of (X, Y, W); the RSS returned includes ``ss_within`` (replicate scatter
    removed by aggregating duplicate X), and dof = n_obs - n_free."""
    free = free_mask(fixed)
    m = X.shape[0]
    ss_within = np.zeros(m) if ss_within is None else ss_within
    n_obs = (W > 0).sum(1) if n_obs is None else n_obs
    p0 = data_starts(X, Y, W, fixed) if starts is None else _apply_fixed(np.array(starts, float), fixed)
    p, rss, conv = levenberg_marquardt(p0, X, Y, W, free, max_iter=max_iter)
    if grid is not None:
        pg, rss_g = grid_search(X, Y, W, fixed, grid)
        retry = np.flatnonzero(rss_g < rss * (1 - 1e-9))
    if grid is not None and retry.size:
        p2, rss2, conv2 = levenberg_marquardt(pg[retry], X[retry], Y[retry], W[retry], free, max_iter=max_iter)
        better = rss2 < rss[retry]
        k = retry[better]
        p[k], rss[k], conv[k] = p2[better], rss2[better], conv2[better]
    p = canonical(p, fixed)
    n_free = int(free.sum())
    dof = n_obs - n_free
    rss_total = rss + ss_within
    cov, se = covariance(p, X, Y, W, free, rss_total, dof)
    return EngineFit(p, se, cov, rss_total, conv, n_free)


def t_quantile(dof, level=0.95):
    """Two-sided t quantile (NaN for dof < 1)."""
    dof = np.asarray(dof, float)
    return np.where(dof >= 1, stats.t.ppf(0.5 + level / 2, np.maximum(dof, 1)), np.nan)
