"""Model comparison (F test, AICc), two-site competition and shared-parameter global fits."""
from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from protocol_kit.analysis import aicc, compare_models, fit_logistic, fit_logistic_global, fit_two_site
from protocol_kit.errors import ParameterError

CONC = np.repeat(np.r_[0.0, 10.0 ** np.arange(-11, -3.9, 0.5)], 2)


def test_f_test_and_aicc_by_hand():
    simple = SimpleNamespace(rss=10.0, dof=10, n=14, n_params=4)
    complex_ = SimpleNamespace(rss=6.0, dof=8, n=14, n_params=6)
    c = compare_models(simple, complex_)
    # F = ((10 - 6)/2) / (6/8) = 2.6667; F(2, 8) survival = (1 + 2F/8)^(-4) = (5/3)^-4 = 81/625
    assert c.f == pytest.approx(8 / 3) and (c.dfn, c.dfd) == (2, 8)
    assert c.p_value == pytest.approx(81 / 625)
    assert c.preferred_f_test == "simpler"
    # AICc = n ln(RSS/n) + 2K + 2K(K+1)/(n-K-1), K = params + 1: 14 ln(10/14) + 10 + 60/8
    assert c.aicc_simpler == pytest.approx(14 * math.log(10 / 14) + 10 + 7.5)
    assert aicc(10.0, 20, 3) == pytest.approx(20 * math.log(0.5) + 8 + 40 / 15)


def test_compare_rejects_mismatched_fits():
    a = SimpleNamespace(rss=1.0, dof=10, n=14, n_params=4)
    with pytest.raises(ParameterError):
        compare_models(a, SimpleNamespace(rss=1.0, dof=10, n=15, n_params=5))
    with pytest.raises(ParameterError):
        compare_models(a, SimpleNamespace(rss=1.0, dof=10, n=14, n_params=4))


def _two_site(conc, frac=0.4, l1=-9.0, l2=-6.0):
    with np.errstate(divide="ignore"):
        x = np.log10(conc)
    s = frac / (1 + 10.0 ** (x - l1)) + (1 - frac) / (1 + 10.0 ** (x - l2))
    return np.where(conc > 0, 100 * s, 100.0)


def test_two_site_recovered_and_preferred_over_one_site():
    y = _two_site(CONC)
    t = fit_two_site(CONC, y)
    assert (t.frac, t.log_ic50_1, t.log_ic50_2, t.top, t.bottom) == pytest.approx((0.4, -9, -6, 100, 0), abs=1e-6)
    noisy = y + np.random.default_rng(5).normal(0, 2, y.size)
    one = fit_logistic(CONC, noisy, fixed={"hill": -1})
    two = fit_two_site(CONC, noisy)
    c = compare_models(one, two)
    assert c.preferred_f_test == "complex" and c.p_value < 1e-6 and c.preferred_aicc == "complex"


def _two_curves(h2):
    rows = []
    for name, h in (("a", -1.0), ("b", h2)):
        with np.errstate(divide="ignore"):
            y = np.where(CONC > 0, 100 / (1 + 10.0 ** ((-7 - np.log10(CONC)) * h)), 100.0)
        rows.append(pd.DataFrame({"drug": name, "conc": CONC, "response": y}))
    return pd.concat(rows, ignore_index=True)


def test_shared_hill_global_fit():
    frame = _two_curves(-1.0)
    g = fit_logistic_global(frame, by="drug", shared=("hill",))
    assert g.n_params == 7 and g.dof == len(frame) - 7  # 2 x (bottom, top, logIC50) + 1 shared Hill
    assert g.curves.hill.tolist() == pytest.approx([-1.0, -1.0], abs=1e-8)
    frame2 = _two_curves(-2.0)
    frame2["response"] += np.random.default_rng(8).normal(0, 1, len(frame2))
    shared = fit_logistic_global(frame2, by="drug", shared=("hill",))
    separate = fit_logistic_global(frame2, by="drug")
    c = compare_models(shared, separate)
    assert separate.n_params == 8 and c.dfn == 1 and c.preferred_f_test == "complex" and c.p_value < 1e-6


def test_global_rejects_unknown_shared():
    with pytest.raises(ParameterError):
        fit_logistic_global(_two_curves(-1.0), by="drug", shared=("slope",))


@pytest.mark.parametrize("scale", [1.0, 1e5])
def test_two_exact_fits_give_no_f_and_no_preference_for_the_complex(scale):
    # noise-free one-site data: Hill fixed at -1 and Hill free both fit exactly; before, F was made of
    # rounding noise (5.5 at scale 1, P = 0.026: "complex" on exact data; negative on other grids)
    with np.errstate(divide="ignore"):
        y = scale * np.where(CONC > 0, 1 / (1 + CONC / 1e-8), 1.0)
    one = fit_logistic(CONC, y, fixed={"hill": -1})
    var = fit_logistic(CONC, y)
    # rounding level: 32 points x (1e-12 x scale)^2
    assert var.rss_floor == pytest.approx(32 * (1e-12 * scale) ** 2)
    assert one.exact_fit and var.exact_fit
    c = compare_models(one, var)
    assert c.flags == ("exact_fit",) and math.isnan(c.f) and math.isnan(c.p_value)
    assert math.isnan(c.delta_aicc) and math.isnan(c.probability_complex)
    assert c.preferred_f_test == c.preferred_aicc == "simpler"
    assert c.messages[0].startswith("exact_fit:") and "fits exactly too" in c.messages[0]


def test_exact_complex_fit_against_an_inexact_simpler():
    # noise-free data with Hill -1.5: the variable-slope fit is exact, the Hill -1 fit is not
    with np.errstate(divide="ignore"):
        y = np.where(CONC > 0, 100 / (1 + (CONC / 1e-8) ** 1.5), 100.0)
    one = fit_logistic(CONC, y, fixed={"hill": -1})
    var = fit_logistic(CONC, y)
    assert var.exact_fit and not one.exact_fit and one.rss > 1.0
    c = compare_models(one, var)
    assert c.flags == ("exact_fit",) and math.isnan(c.f) and math.isnan(c.p_value)
    assert c.preferred_f_test == c.preferred_aicc == "complex"
    assert math.isfinite(c.aicc_simpler) and math.isnan(c.aicc_complex)


def test_rss_differences_within_rounding_are_no_difference():
    # RSS 10 with a rounding level of 1e-20: each RSS is uncertain by 2 sqrt(10 x 1e-20) + 1e-20
    # = 6.32e-10, their difference by 1.26e-9, so a difference of -1e-12 is none: F = 0, P = 1
    # (the formula would give F = (-1e-12 / 1) / (10 / 9) = -9e-13)
    simple = SimpleNamespace(rss=10.0, rss_floor=1e-20, dof=10, n=14, n_params=4)
    same = SimpleNamespace(rss=10.0 + 1e-12, rss_floor=1e-20, dof=9, n=14, n_params=5)
    c = compare_models(simple, same)
    assert (c.f, c.p_value, c.preferred_f_test, c.flags) == (0.0, 1.0, "simpler", ())
    assert "within their rounding" in c.messages[0]
    # 1e-8 is beyond that rounding: a complex fit above the simpler one is flagged, not given an F < 0
    worse = SimpleNamespace(rss=10.0 + 1e-8, rss_floor=1e-20, dof=9, n=14, n_params=5)
    c = compare_models(simple, worse)
    assert c.flags == ("complex_worse",) and math.isnan(c.f) and math.isnan(c.p_value)
    assert c.preferred_f_test == "undetermined" and c.messages[0].startswith("complex_worse:")
    # hand values without a rounding level: RSS 6 above RSS 5
    c = compare_models(SimpleNamespace(rss=5.0, dof=10, n=14, n_params=4),
                       SimpleNamespace(rss=6.0, dof=8, n=14, n_params=6))
    assert c.flags == ("complex_worse",) and math.isnan(c.f)
