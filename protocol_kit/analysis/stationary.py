"""Whether a logistic fit sits at a stationary point of its RSS: the one test behind the
``converged`` field and the ``not_converged`` flag of single and batched fits.

A fit is converged when no move of its free parameters within a trust region of natural
size could lower the RSS by more than ``GAIN_TOL`` of it (plus ``GAIN_FLOOR`` of the total sum
of squares, for near-perfect fits), by the Gauss-Newton model of the RSS:

    RSS(p + t) ~ RSS(p) - 2 g't + t'Ht,   g = J'W r,  H = J'W J,  r = y - f(p),

maximised over ||S^-1 t|| <= 1, S = diag(response SD sqrt(TSS / sum w) for the plateaus,
tested X range for logIC50, 1 for ln|Hill|) (the trust-region subproblem, Moré & Sorensen
1983, solved on the eigenvectors of S H S). Inside the region the gain is g'H^-1 g, the
squared projection of the residuals on the tangent plane, which Bates & Watts (1981) weigh
against the rest of the residuals in their relative offset criterion; the region's bound
makes the test hold where the least-squares infimum is a limit
not attained (a step, Hill -> infinity, or a plateau run off to infinity with logIC50 beyond
the range): there the RSS is flat to rounding within any region of finite size, so the fit
that stands for the limit counts as converged, and the limit is told by ``steep`` and
``incomplete`` and the IC50 qualifier instead.

Replicates may come aggregated (means with their counts as weights): g and H are the same,
and ``extra`` (the replicate scatter) restores the RSS and TSS.
"""
from __future__ import annotations

import numpy as np

from .curves import LN10
from .engine import x_range

# the RSS a converged fit could still lose, relative: fits at their optimum (batched or MINPACK)
# show <= 5e-9 on the robustness sets, their best-known optima moved by 1% of the tested range
# in logIC50 (Hill < 2) all > 1e-7 (tests/analysis/test_convergence.py)
GAIN_TOL = 1e-7
GAIN_FLOOR = 1e-13  # ... plus this fraction of the total sum of squares (a perfect fit's RSS is ~0)


def stationary(X, Y, W, params, free, extra=None) -> np.ndarray:
    """Per curve (rows of X, Y, W: (m, n), X = -inf for a vehicle well, W = 0 for padding):
    True where the fit at ``params`` (m, 4) is at a stationary point of its RSS (see above).
    The gain is bounded by 2 ||g|| (Cauchy-Schwarz, ||u|| <= 1, H >= 0): only the curves this
    bound does not clear are solved exactly (most fits at an optimum are cleared)."""
    g, H, rss, tss = _model(X, Y, W, params, free, extra)
    allowed = GAIN_TOL * rss + GAIN_FLOOR * tss
    ok = np.isfinite(params).all(axis=1) & np.isfinite(rss) & np.isfinite(g).all(1) & np.isfinite(H).all((1, 2))
    check = np.flatnonzero(ok & ~(2.0 * np.sqrt((g * g).sum(1)) <= allowed))
    if check.size:
        ok[check] = _trust_gain(H[check], g[check]) <= allowed[check]
    return ok


def rss_gain(X, Y, W, params, free, extra=None):
    """(largest RSS decrease of the Gauss-Newton model in the trust region, RSS, TSS) per curve."""
    g, H, rss, tss = _model(X, Y, W, params, free, extra)
    good = np.isfinite(g).all(1) & np.isfinite(H).all((1, 2))
    gain = np.full(rss.shape, np.inf)
    if good.any():
        gain[good] = _trust_gain(H[good], g[good])
    return gain, rss, tss


def _model(X, Y, W, params, free, extra):
    """The Gauss-Newton model in the scaled parameters: g = S J'W r, H = S J'W J S, RSS, TSS."""
    p = np.asarray(params, float)
    free = np.asarray(free, bool)
    m = p.shape[0]
    extra = np.zeros(m) if extra is None else np.asarray(extra, float)
    ok = W > 0
    r, J = _residuals(p, X, Y, ok)
    sw = W.sum(1)
    mean = (W * Y).sum(1) / np.where(sw > 0, sw, 1.0)
    tss = (W * np.where(ok, Y - mean[:, None], 0.0) ** 2).sum(1) + extra
    rss = (W * r * r).sum(1) + extra
    lo, hi = x_range(X, W)
    span = np.where(np.isfinite(hi - lo) & (hi > lo), hi - lo, 1.0)
    ysd = np.sqrt(tss / np.where(sw > 0, sw, 1.0))
    ysd = np.where(ysd > 0, ysd, 1.0)
    S = np.stack([ysd, ysd, span, np.ones(m)], axis=1)[:, free]
    Js = J[..., free] * S[:, None, :]
    g = np.einsum("mnk,mn->mk", Js, W * r)
    H = np.matmul(Js.transpose(0, 2, 1) * W[:, None, :], Js)
    return g, H, rss, tss


def _residuals(p, X, Y, ok):
    """Residuals y - f and the Jacobian (m, n, 4) in (Bottom, Top, logIC50, ln|Hill|) at the
    points ``ok`` (0 elsewhere). f = 1 / (1 + e^z), z = ln10 (logIC50 - X) HillSlope, and
    1 - f are each formed without cancellation, so that a plateau run far off (a runaway
    limit, Bottom ~ 1e8 x the responses) still gives residuals to full precision:
    model = Bottom (1 - f) + Top f, d model/d logIC50 = -ln10 HillSlope (Top - Bottom) f (1 - f),
    d model/d ln|Hill| = (logIC50 - X) x that (0 at a vehicle well, X = -inf)."""
    b, t, L, h = (p[:, k, None] for k in range(4))
    d = np.where(ok & np.isfinite(X), L - X, 0.0)
    with np.errstate(invalid="ignore", over="ignore"):
        z = np.where(ok, (L - X) * (h * LN10), 0.0)  # +-inf at a vehicle well
        z = np.where(np.isnan(z), 0.0, z)  # a vehicle well with HillSlope 0: f = 1/2, as curves._fraction
        e = np.exp(-np.abs(z))
        big = 1.0 / (1.0 + e)  # the one of f, 1 - f that is >= 1/2
        small = e * big
        f = np.where(z > 0, small, big)
        fc = np.where(z > 0, big, small)
        r = np.where(ok, Y - (b * fc + t * f), 0.0)
        q = (-LN10) * h * (t - b) * (f * fc)
        J = np.stack([fc, f, q, q * d], axis=-1)
    J[~ok] = 0.0
    return r, J


def _trust_gain(H, g):
    """max 2 g'u - u'Hu over ||u|| <= 1 for stacks of PSD H (m, k, k) and g (m, k):
    with H = Q diag(lam) Q' and a = Q'g, u = (H + mu I)^-1 g with mu = 0 if that lies inside,
    else mu > 0 where ||u|| = 1 (found by bisection); gain = sum a^2 (lam + 2 mu) / (lam + mu)^2."""
    lam, Q = np.linalg.eigh(H)
    lam = np.maximum(lam, 0.0)
    a2 = np.einsum("mkj,mk->mj", Q, g) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        inside = (lam > 0).all(1) & ((a2 / lam ** 2).sum(1) <= 1.0)
        free_gain = np.where(inside, (a2 / np.where(lam > 0, lam, 1.0)).sum(1), 0.0)
    lo = np.zeros(g.shape[0])
    hi = np.sqrt(a2.sum(1))  # ||u(mu)|| <= ||a|| / mu: at mu = ||a|| the step is inside
    for _ in range(60):  # mu to 2^-60 ||a||
        mu = 0.5 * (lo + hi)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = (a2 / (lam + mu[:, None]) ** 2).sum(1) > 1.0
        lo, hi = np.where(out, mu, lo), np.where(out, hi, mu)
    mu = hi[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        bound = np.where(a2 > 0, a2 * (lam + 2 * mu) / (lam + mu) ** 2, 0.0).sum(1)
    return np.where(inside, free_gain, bound)
