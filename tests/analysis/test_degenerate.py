"""Degenerate fits: noise-free data (an exact fit) and a profile interval open on a side.

Noise-free data are built from known parameters, so the exact answer is known; the rounding
level of an RSS is sum(w) (1e-12 max|y|)^2 (protocol_kit.analysis.lsq.ROUNDING).
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize, stats

from protocol_kit.analysis import fit_ki, fit_logistic

CONC3 = np.repeat(10.0 ** np.arange(-10, -5.9, 0.5), 3)  # 9 half-log concentrations in triplicate
CONC = np.r_[0.0, 0.0, 10.0 ** np.arange(-9, -4.9, 0.5)]  # 2 vehicle wells + 9 half-log concentrations


def curve(conc, b, t, L, h):
    with np.errstate(divide="ignore"):
        x = np.log10(conc)
    return np.where(conc > 0, b + (t - b) / (1 + 10.0 ** ((L - x) * h)), t if h < 0 else b)


@pytest.mark.parametrize("top", [1.0, 1000.0])
def test_noise_free_profile_interval_is_the_exact_estimate(top):
    # before: (-8.04, -8.0) and (-8.04, -7.96) around the exact -8: the threshold RSS_min (1 + F/dof)
    # was rounding noise, the profile re-minimised at -8 landed above it, and the search fell back to
    # -8 -/+ one step (0.04 = 1% of the 4-decade range)
    y = curve(CONC3, 0.0, top, -8.0, -1.0)
    r = fit_logistic(CONC3, y)
    assert r.log_ic50 == pytest.approx(-8.0, abs=1e-9)
    # the rounding level: 27 points x (1e-12 x top)^2
    assert r.rss_floor == pytest.approx(27 * (1e-12 * top) ** 2) and r.rss <= r.rss_floor and r.exact_fit
    assert r.log_ic50_ci_profile == (r.log_ic50, r.log_ic50)
    assert r.flags == ()


def test_noisy_fit_is_not_exact():
    y = curve(CONC3, 0.0, 100.0, -8.0, -1.0) + np.random.default_rng(2).normal(0, 1e-6, CONC3.size)
    r = fit_logistic(CONC3, y)
    # residual SD 1e-6 of a 100-unit signal (1e-8 relative, finer than any reader) is still noise:
    # RSS ~ (27 - 4) x 1e-12 >> 27 x (1e-10)^2 = 2.7e-19
    assert not r.exact_fit and r.rss > 1e3 * r.rss_floor
    lo, hi = r.log_ic50_ci_profile
    assert lo < r.log_ic50 < hi and hi - lo < 1e-6


def _open_curve():
    # the curve is still falling at the top concentration (10 uM reads ~13%): no bottom plateau
    rng = np.random.default_rng(5)
    L = rng.uniform(-6.5, -5.3)
    return curve(CONC, 0.0, 100.0, L, -1.0) + rng.normal(0, 8, CONC.size)


def _rss_at(log_ic50, y, start):
    """Independent profile: the least RSS over bottom, top and Hill with logIC50 held (scipy,
    vehicle wells at X = -300 for X -> -inf)."""
    x = np.log10(np.where(CONC > 0, CONC, 1e-300))
    with np.errstate(over="ignore"):
        res = optimize.least_squares(lambda q: y - (q[0] + (q[1] - q[0]) / (1 + 10.0 ** ((log_ic50 - x) * q[2]))),
                                     start, xtol=1e-14, ftol=1e-14, gtol=1e-14)
    return float(np.sum(res.fun ** 2))


def test_unbounded_profile_is_the_headline_ci_and_flagged():
    y = _open_curve()
    r = fit_logistic(CONC, y)
    assert r.qualifier == "=" and "incomplete" not in r.flags
    threshold = r.rss * (1 + stats.f.ppf(0.95, 1, r.dof) / r.dof)
    lo, hi = r.log_ic50_ci_profile
    assert hi == math.inf
    # the lower bound sits on the threshold ...
    assert _rss_at(lo, y, [r.bottom, r.top, r.hill]) == pytest.approx(threshold, rel=1e-5)
    # ... and nothing above the estimate reaches it: at logIC50 + 3 and + 6 decades some bottom, top and
    # Hill still fit under the threshold (any such witness bounds the profile RSS from above)
    for far in (3.0, 6.0):
        assert _rss_at(r.log_ic50 + far, y, [-100.0, r.top, -0.5]) < threshold
    # the asymptotic interval is finite and symmetric, so it is not the headline
    w_lo, w_hi = r.log_ic50_ci
    assert math.isfinite(w_hi) and w_hi - r.log_ic50 == pytest.approx(r.log_ic50 - w_lo)
    assert "ci_unbounded" in r.flags
    assert r.ic50_ci == (10 ** lo, math.inf)
    said = [m for m in r.messages if m.startswith("ci_unbounded:")]
    assert len(said) == 1 and f"({lo:.2f}, unbounded)" in said[0] and "above" in said[0]


def test_fit_ki_headline_ci_is_its_own_open_profile():
    # one-site data (Hill -1) whose IC50, 3.6 uM, is near the top concentration, 10 uM
    rng = np.random.default_rng(2)
    L = rng.uniform(-5.6, -5.0)
    y = curve(CONC, 0.0, 100.0, L, -1.0) + rng.normal(0, 8, CONC.size)
    k = fit_ki(CONC, y, radioligand_conc=2e-9, kd=1e-9)
    shift = math.log10(3.0)  # logKi = logIC50 - log10(1 + 2 nM / 1 nM)
    lo, hi = k.log_ki_ci_profile
    assert hi == math.inf and "ci_unbounded" in k.flags
    # independent: with Hill -1, the least RSS over bottom and top at logIC50 = logKi + shift + 4
    # is still under the 95% threshold
    x = np.log10(np.where(CONC > 0, CONC, 1e-300))
    far = k.log_ki + shift + 4.0
    res = optimize.least_squares(lambda q: y - (q[0] + (q[1] - q[0]) / (1 + 10.0 ** (x - far))), [-100.0, 100.0])
    assert float(np.sum(res.fun ** 2)) < k.rss * (1 + stats.f.ppf(0.95, 1, k.dof) / k.dof)
    assert k.ki_ci == pytest.approx((10 ** lo, math.inf)) and math.isfinite(k.log_ki_ci[1])
    said = [m for m in k.messages if m.startswith("ci_unbounded:")]
    assert len(said) == 1 and "logKi" in said[0] and f"({lo:.2f}, unbounded)" in said[0]


def test_bounded_profile_keeps_the_asymptotic_headline():
    y = curve(CONC, 0.0, 100.0, -7.0, -1.0) + np.random.default_rng(3).normal(0, 3, CONC.size)
    r = fit_logistic(CONC, y)
    assert all(map(math.isfinite, r.log_ic50_ci_profile)) and "ci_unbounded" not in r.flags
    tq = stats.t.ppf(0.975, r.dof)
    half = tq * r.log_ic50_se
    assert r.ic50_ci == pytest.approx((10 ** (r.log_ic50 - half), 10 ** (r.log_ic50 + half)))
