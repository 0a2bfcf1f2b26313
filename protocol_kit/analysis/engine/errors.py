"""Standard errors of the batched fits: the asymptotic covariance s^2 (J'WJ)^-1.

s^2 = RSS / dof with dof = n - free parameters (Bates & Watts 1988, the linearised covariance
of R's nls, Prism and NIST StRD's certified standard deviations). A parameter the data do not
determine (a Cholesky pivot of the unit-diagonal J'WJ below SINGULAR: logIC50 and Hill at a
step limit, a plateau run off to infinity) gets an infinite variance, as scipy's curve_fit
reports; t quantiles for the intervals. (Standard errors, not exceptions: those are in
:mod:`protocol_kit.errors`.)
"""
from __future__ import annotations

import numpy as np
from scipy import stats

from ..curves import LN10
from .model import BOTTOM, _dot, HILL, normal_matrix, _residual_jacobian, Stack, TOP, Z_CLIP
from .projection import EVAL_BLOCK


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


def t_quantile(dof, level=0.95):
    """Two-sided t quantile (NaN for dof < 1)."""
    dof = np.asarray(dof, float)
    u, inv = np.unique(np.maximum(dof, 1), return_inverse=True)  # few distinct dof: one ppf each
    q = stats.t.ppf(0.5 + level / 2, u)[inv].reshape(dof.shape)
    return np.where(dof >= 1, q, np.nan)


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
