"""The four-parameter logistic as the batched engine evaluates it, and the stacked layout.

Y = Bottom + (Top - Bottom) f,  f = 1 / (1 + 10^((LogIC50 - X) HillSlope))
  = 1/2 - 1/2 tanh(u),  u = ln10 (LogIC50 - X) HillSlope / 2       (GraphPad Prism's equation)

Curves are rows of curve-major (m, n) arrays X, Y, W (padding has W = 0; a vehicle well sits at
X = -inf, on the X -> -inf plateau), or, for the fast path, columns of the points-major
:class:`Stack`. Parameter order everywhere: Bottom, Top, LogIC50, HillSlope
(:data:`~protocol_kit.analysis.curves.LOGISTIC_PARAMS`). The Jacobian is that of
:func:`~protocol_kit.analysis.curves.logistic_jacobian`, written out for speed.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..curves import LN10, LOGISTIC_PARAMS
from .lm import levenberg_marquardt

BOTTOM, TOP, LOG_IC50, HILL = range(4)
_TINY = 1e-300
# the natural scales of a curve's parameters: plateaus the response range, logIC50 the tested
# X range, ln|Hill| 1 (|Hill| in units of 4 / range)
AWAY_RANGES, AWAY_HILL, AWAY_PLATEAU = 1.0, 1000.0, 100.0  # the divergence guard, in those scales
MAX_STEP_L, MAX_STEP_S = 0.25, 1.0  # trust region: range fraction in logIC50, ln|Hill|
HILL_CLIP = 5.0  # the largest step in ln|Hill| of CurveProblem (which has no trust region)


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


def _apply_fixed(p, fixed):
    for name, value in fixed.items():
        p[:, LOGISTIC_PARAMS.index(name)] = value
    return p


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
        X = self.X if self.shared else _columns(self.X, idx)
        return Stack(X, _columns(self.Y, idx), _columns(self.W, idx), self.wv[idx], self.yv[idx])

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


def _dot(a, b):
    """Per-curve sum over points of a * b ((K, m) arrays), in the order of the points."""
    if a.shape[-1] == 1:
        return _ksum(a * b)
    return np.einsum("km,km->m", a, b)


def _columns(a, idx):
    """Columns idx of a (K, m) array, in C order: a[:, idx] with an index array is laid out
    column after column, and sums over its points would then be pairwise, not sequential."""
    return a[:, idx] if isinstance(idx, slice) else np.take(a, idx, axis=1)


def _ksum(a):
    """Per-curve sum over points (axis 0 of a (K, m) array), in the order of the points for
    every m: numpy sums the rows one after another for m > 1, but a single curve's column is
    contiguous and summed pairwise (another rounding), so one curve fitted alone would differ
    in the last bits from the same curve fitted among others. cumsum is sequential."""
    return np.cumsum(a, axis=0)[-1] if a.shape[-1] == 1 else a.sum(0)


class CurveProblem:
    """The four parameters of the curves in the rows of (X, Y, W) (fixed ones held), for
    :func:`~.lm.levenberg_marquardt`: x = (Bottom, Top, LogIC50, HillSlope) per column, Hill
    stepped in ln|Hill| (its Jacobian column h dY/dh, :func:`_log_hill`; HillSlope keeps its
    sign; a step changes ln|Hill| by at most HILL_CLIP). State rows: RSS, the 10 entries of
    J'WJ (:func:`normal_matrix`), g = J'W r. Marquardt's damping; a step counts towards
    convergence only when it is taken (STRICT); no trust region."""

    k = 4
    DAMPING, STRICT = "marquardt", True
    RSS = 0
    M = {(i, j): 1 + n for n, (i, j) in enumerate((i, j) for i in range(4) for j in range(i, 4))}
    Q = (11, 12, 13, 14)
    N = C = None

    def __init__(self, X, Y, W, free, scales=None):
        self.X, self.Y, self.W, self.free = X, Y, W, free
        if scales is None:
            scale, lo, hi, span = _scales(X, Y, W)
            ymid = 0.5 * (np.where(W > 0, Y, -np.inf).max(1) + np.where(W > 0, Y, np.inf).min(1))
            scales = scale, lo, hi, span, ymid
        self.scales = scales
        scale, lo, hi, span, ymid = scales
        self.trust = (np.inf,) * 4
        self.scale = (scale[:, 0], scale[:, 1], span, 1.0)

    def sub(self, keep):
        return CurveProblem(self.X[keep], self.Y[keep], self.W[keep], self.free, tuple(a[keep] for a in self.scales))

    def evaluate(self, x):
        p = x.T
        r, J = _log_hill(*_residual_jacobian(p, self.X, self.Y, self.free), p)
        A = normal_matrix(J, self.W, self.free)
        S = np.empty((15, p.shape[0]))
        S[self.RSS] = _rss(r, self.W)
        for (i, j), row in self.M.items():
            S[row] = A[:, j, i]  # the lower triangle (the Cholesky solve reads it; J'WJ is symmetric to rounding)
        S[11:] = np.einsum("mni,mn->mi", J, self.W * r).T
        return S

    def advance(self, x, dx):
        xn = x + dx
        xn[HILL] = x[HILL] * np.exp(np.clip(dx[HILL], -HILL_CLIP, HILL_CLIP))  # the Hill step is in ln|Hill|
        return xn

    def tolerance(self, x, xtol):
        scale = self.scales[0]
        return [xtol * (np.abs(x[i]) + scale[:, i]) for i in range(3)] + [xtol]

    def away(self, x, S):
        """logIC50 more than AWAY_RANGES tested ranges outside the range, |Hill| > AWAY_HILL x
        4/range, or a plateau AWAY_PLATEAU response ranges from the responses' middle."""
        scale, lo, hi, span, ymid = self.scales
        return ((x[LOG_IC50] < lo - AWAY_RANGES * span) | (x[LOG_IC50] > hi + AWAY_RANGES * span)
                | (np.abs(x[HILL]) > AWAY_HILL * scale[:, HILL])
                | (np.abs(x[BOTTOM] - ymid) > AWAY_PLATEAU * scale[:, BOTTOM])
                | (np.abs(x[TOP] - ymid) > AWAY_PLATEAU * scale[:, TOP]))

    def merged(self, *args):
        return None


def curve_lm(p, X, Y, W, free, *, max_iter=60, xtol=1e-9, ftol=1e-13):
    """:func:`~.lm.levenberg_marquardt` on every curve (row) of (X, Y, W) from p (m, 4); returns
    (params, rss, converged). A curve that runs away (:meth:`CurveProblem.away`: an incomplete
    curve whose least-squares infimum is at infinity) stops, not converged."""
    x, S, conv, _, _ = levenberg_marquardt(CurveProblem(X, Y, W, free), p.T, max_iter=max_iter, xtol=xtol,
                                           ftol=ftol)
    return np.ascontiguousarray(x.T), S[CurveProblem.RSS], conv
