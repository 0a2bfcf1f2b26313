"""The one Levenberg-Marquardt loop of the batched engine (protocol_kit.analysis.engine.lm),
run by its two problems: the four logistic parameters (CurveProblem, curve_lm) and
(logIC50, ln|Hill|) with the plateaus projected out (ProjectedProblem, vp_levenberg_marquardt).

Noise-free curves are generated from known parameters, so the optimum is known without any
fit (RSS 0 at the generating parameters); the loop must return them from starts away from them.
"""
from __future__ import annotations

import numpy as np
import pytest

from protocol_kit.analysis.engine import Stack, curve_lm, free_mask, levenberg_marquardt, vp_levenberg_marquardt
from protocol_kit.analysis.engine.model import CurveProblem
from protocol_kit.analysis.engine.projection import I_B, I_D, _Problem

X = np.r_[-np.inf, np.arange(-10.0, -5.0, 0.5)]  # a vehicle well and 10 half-log concentrations
TRUE = np.array([[5.0, 100.0, -7.3, -1.0],  # bottom, top, logIC50, Hill
                 [-2.0, 80.0, -8.1, -2.2],
                 [10.0, 60.0, -6.4, -0.7]])


def curves(params):
    """Y of the logistic at X (vehicle well: the X -> -inf plateau, Top for Hill < 0)."""
    b, t, L, h = (params[:, k, None] for k in range(4))
    with np.errstate(over="ignore"):
        return b + (t - b) / (1.0 + 10.0 ** ((L - X) * h))


def test_curve_lm_reaches_the_generating_parameters():
    Y = curves(TRUE)
    Xs, W = np.broadcast_to(X, Y.shape).copy(), np.ones_like(Y)
    start = TRUE + np.array([8.0, -10.0, 0.6, 0.0])  # plateaus off by 8 and 10, logIC50 by 0.6 decades
    start[:, 3] *= 1.5
    p, rss, conv = curve_lm(start, Xs, Y, W, free_mask({}))
    assert conv.all()
    np.testing.assert_allclose(p, TRUE, rtol=1e-7, atol=1e-7)
    assert (rss <= 1e-14 * (Y ** 2).sum(1)).all()  # RSS 0 at the generating parameters


def test_a_fixed_parameter_is_held():
    Y = curves(TRUE)
    Xs, W = np.broadcast_to(X, Y.shape).copy(), np.ones_like(Y)
    start = TRUE.copy()
    start[:, 2] += 0.5
    start[:, 0] = TRUE[:, 0]  # bottom fixed at its true value
    p, _, conv = curve_lm(start, Xs, Y, W, free_mask({"bottom": 0.0}))
    assert conv.all()
    assert (p[:, 0] == TRUE[:, 0]).all()  # never moved
    np.testing.assert_allclose(p[:, 2], TRUE[:, 2], atol=1e-8)


def test_a_curve_alone_and_in_a_batch_get_the_same_fit():
    """The loop treats every run on its own: batch composition changes no bit of a run."""
    Y = curves(TRUE) + np.random.default_rng(3).normal(0.0, 3.0, (3, X.size))
    Xs, W = np.broadcast_to(X, Y.shape).copy(), np.ones_like(Y)
    start = np.array([[0.0, 90.0, -7.0, -1.0]] * 3)
    free = free_mask({})
    batch = curve_lm(start, Xs, Y, W, free)
    for i in range(3):
        alone = curve_lm(start[i:i + 1], Xs[i:i + 1], Y[i:i + 1], W[i:i + 1], free)
        assert np.array_equal(alone[0][0], batch[0][i]) and alone[1][0] == batch[1][i]


def test_the_projected_problem_reaches_the_generating_parameters():
    Y = curves(TRUE)
    st = Stack(X[1:, None].copy(), np.ascontiguousarray(Y[:, 1:].T), np.ones((X.size - 1, 3)), np.ones(3),
               Y[:, 0].copy())
    pb = _Problem(st)
    L0 = TRUE[:, 2] - 0.7
    s0 = np.log(np.abs(TRUE[:, 3])) + 0.5
    L, s, S, conv, running, merged = vp_levenberg_marquardt(pb, L0, s0)
    assert conv.all() and not running.any() and not merged.any()
    np.testing.assert_allclose(L, TRUE[:, 2], atol=1e-8)
    # it stops at an undamped Newton step below QUAD_TOL = 1e-4 in ln|Hill|, whose error is its square
    np.testing.assert_allclose(-np.exp(s), TRUE[:, 3], rtol=1e-7)
    # the plateaus, solved exactly at each step (Y centred by the curve's weighted mean y0)
    np.testing.assert_allclose(S[I_B] + pb.y0, TRUE[:, 0], atol=1e-6)
    np.testing.assert_allclose(S[I_B] + S[I_D] + pb.y0, TRUE[:, 1], atol=1e-6)


def test_a_run_outside_the_divergence_box_stops_unconverged():
    # a straight falling line (no finite optimum) and a start with logIC50 3 tested ranges above
    # the range: beyond the box of AWAY_RANGES = 1 range, the run stops at its first iteration
    Y = np.array([100.0 - 5.0 * np.arange(X.size - 1.0)])
    Xs, W = X[None, 1:].copy(), np.ones_like(Y)
    prob = CurveProblem(Xs, Y, W, free_mask({}))
    start = np.array([[50.0], [100.0], [-5.5 + 3 * 4.5], [-1.0]])
    x, S, conv, running, merged = levenberg_marquardt(prob, start, max_iter=1, xtol=1e-9, ftol=1e-13)
    assert prob.away(x, S)[0] and not conv[0] and not running[0]


@pytest.mark.parametrize("k", [2, 4])
def test_the_damped_solve_matches_numpy(k):
    """Marquardt's system (M + lambda diag M) dx = q, in closed form (2 x 2) or by Cholesky."""
    from protocol_kit.analysis.engine.lm import _damped_step

    rng = np.random.default_rng(k)
    J = rng.normal(size=(5, 7, k))
    M = np.einsum("nik,nil->nkl", J, J)
    q = rng.normal(size=(5, k))
    lam = np.full(5, 0.3)

    class P:
        pass
    prob = P()
    prob.k, prob.N, prob.C = k, None, None
    prob.M = {(i, j): n for n, (i, j) in enumerate((i, j) for i in range(k) for j in range(i, k))}
    prob.Q = tuple(len(prob.M) + i for i in range(k))
    S = np.empty((len(prob.M) + k, 5))
    for (i, j), row in prob.M.items():
        S[row] = M[:, i, j]
    S[len(prob.M):] = q.T
    dx, _ = _damped_step(prob, S, lam)
    A = M + lam[:, None, None] * np.einsum("nkk->nk", M)[:, :, None] * np.eye(k)
    np.testing.assert_allclose(dx.T, np.linalg.solve(A, q[..., None])[..., 0], rtol=1e-10)
