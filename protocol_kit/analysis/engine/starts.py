"""Starting values: data-driven starts and grids of (logIC50, Hill) scored by the profile RSS.

The model is linear in Bottom and Top, so for any (logIC50, Hill) the best plateaus solve a
2 x 2 weighted least-squares problem exactly (variable projection, Golub & Pereyra 1973):
with the basis (1 - f, f), its Gram matrix G and h = basis' W Y, G p = h and
RSS = sum W Y^2 - 2 p.h + p' G p. A grid spanning the tested range (shallow slopes) and
steep slopes at the midpoints between tested concentrations is scored with this profile RSS
for every curve; Levenberg-Marquardt starts from the best points (:mod:`.batch`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..curves import LN10, _fraction
from .model import _apply_fixed, BOTTOM, _dot, HILL, _ksum, LOG_IC50, _span, _TINY, TOP, x_range, Z_CLIP
from .projection import _Problem


@dataclass(frozen=True)
class GridSpec:
    """Where the multi-start grid looks, relative to each curve's tested X range [lo, hi]."""

    log_ic50: tuple[float, ...]  # fractions of the range (may lie outside 0..1)
    hill: tuple[float, ...]  # |Hill| in units of 4 / (hi - lo), i.e. 1 ~ a 1:1 curve on 4 decades
    steep_hill: tuple[float, ...]  # the same units; tried at midpoints between concentrations


FAST_GRID = GridSpec(tuple(np.linspace(-0.2, 1.2, 9)), (0.3, 0.8, 2.0, 5.0), (15.0, 40.0))
FULL_GRID = GridSpec(tuple(np.linspace(-0.5, 1.5, 25)), (0.1, 0.2, 0.35, 0.5, 0.8, 1.2, 1.6, 2.5, 3.5, 6.0),
                     (6.0, 12.0, 25.0, 50.0, 100.0))


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


VP_GRID = GridSpec(tuple(np.linspace(-0.2, 1.2, 13)), tuple(np.geomspace(0.3, 5.0, 6)), (15.0, 40.0))
# (the start grid of the fast path: scored for every curve by matrix products, so finer than
# FAST_GRID, which saves Levenberg-Marquardt iterations)


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
        return _score(pb, _ksum(wf) + wv, _dot(wf, f) + wv, _dot(wf, pb.Y) + wvy)

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
        y_lo = (_ksum(st.W * pb.Y * low) + st.wv * pb.yv) / (_ksum(st.W * low) + st.wv)
        y_hi = _ksum(st.W * pb.Y * high) / _ksum(st.W * high)
    mid = 0.5 * (y_lo + y_hi)
    dist = np.where(ok, np.abs(pb.Y - mid), np.inf)
    L0 = np.take_along_axis(X, dist.argmin(0)[None, :], 0)[0]
    L0 = np.where(np.isfinite(L0) & np.isfinite(mid), L0, 0.5 * (pb.lo + pb.hi))
    return L0, np.log(4.0 / pb.span)
