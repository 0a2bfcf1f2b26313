"""fit_ki, cheng_prusoff and fit_saturation against values worked out by hand."""
from __future__ import annotations

import math

import numpy as np
import pytest

from protocol_kit.analysis import cheng_prusoff, fit_ki, fit_logistic, fit_saturation
from protocol_kit.errors import AnalysisError, ParameterError
from protocol_kit.units import Q_

CONC = np.repeat(np.r_[0.0, 10.0 ** np.arange(-11, -4.9, 0.5)], 2)


def test_cheng_prusoff_by_hand():
    # Ki = IC50 / (1 + [L]/Kd): 30 nM / (1 + 2/1) = 10 nM
    assert cheng_prusoff(30e-9, 2e-9, 1e-9) == pytest.approx(10e-9)
    # uptake: IC50 100 nM, [S] 20 nM, Km 200 nM -> 100 / 1.1 = 90.909 nM
    ki = cheng_prusoff(Q_(100, "nM"), "20 nM", Q_(0.2, "uM"))
    assert ki.to("nM").magnitude == pytest.approx(100 / 1.1)


@pytest.mark.parametrize("args, field", [((30e-9, 2e-9, 0.0), "kd"), ((-1e-9, 2e-9, 1e-9), "ic50"),
                                         ((30e-9, "2 mg", 1e-9), "conc")])
def test_cheng_prusoff_rejects_bad_values(args, field):
    with pytest.raises(ParameterError) as e:
        cheng_prusoff(*args)
    assert e.value.field == field


def test_fit_ki_recovers_ki_from_exact_competition_data():
    # Ki 10 nM, [L] 2 nM, Kd 1 nM -> IC50 = 10 (1 + 2) = 30 nM; one-site curve, Hill -1
    with np.errstate(divide="ignore"):
        y = np.where(CONC > 0, 200 + 1800 / (1 + CONC / 30e-9), 2000.0)
    r = fit_ki(CONC, y, radioligand_conc="2 nM", kd=Q_(1, "nM"))
    assert r.ki == pytest.approx(10e-9, rel=1e-6)
    assert r.top == pytest.approx(2000, rel=1e-8) and r.bottom == pytest.approx(200, abs=1e-5)
    assert r.ki_text == "10\u00a0nM" and r.n_params == 3


def test_fit_ki_interval_is_the_shifted_logic50_interval():
    rng = np.random.default_rng(4)
    with np.errstate(divide="ignore"):
        y = np.where(CONC > 0, 100 / (1 + CONC / 30e-9), 100.0) + rng.normal(0, 4, CONC.size)
    r = fit_ki(CONC, y, radioligand_conc=2e-9, kd=1e-9)
    shift = math.log10(3.0)  # log10(1 + 2/1)
    assert r.ki_ci[0] < r.ki < r.ki_ci[1]
    assert r.log_ki_ci[1] - r.log_ki == pytest.approx(r.log_ki - r.log_ki_ci[0])  # symmetric t interval
    assert r.log_ki_ci_profile[0] < r.log_ki < r.log_ki_ci_profile[1]
    assert abs(r.log_ki + shift - math.log10(30e-9)) < 4 * r.log_ki_se
    # the same least-squares problem as the one-site logistic (Hill fixed at -1): logKi = logIC50 -
    # log10(1 + [L]/Kd) = logIC50 - log10(1 + 2 nM / 1 nM) = logIC50 - log10(3) = logIC50 - 0.47712,
    # so each bound of both intervals is the logistic's bound minus 0.47712, and the SE is the same
    ic50 = fit_logistic(CONC, y, fixed={"hill": -1.0})
    assert shift == pytest.approx(0.47712125472, abs=1e-11)
    assert r.log_ki == pytest.approx(ic50.log_ic50 - shift, abs=1e-12)
    assert r.log_ki_se == ic50.log_ic50_se
    assert r.log_ki_ci == pytest.approx((ic50.log_ic50_ci[0] - shift, ic50.log_ic50_ci[1] - shift), abs=1e-12)
    assert r.log_ki_ci_profile == pytest.approx(
        (ic50.log_ic50_ci_profile[0] - shift, ic50.log_ic50_ci_profile[1] - shift), abs=1e-12)


def test_fit_ki_rejects_hill_in_fixed():
    with pytest.raises(ParameterError, match="fixed"):
        fit_ki(CONC, np.ones(CONC.size), radioligand_conc=1e-9, kd=1e-9, fixed={"hill": -1})


def _saturation(L, bmax=1500.0, kd=2e-9, ns=1e10, bg=30.0):
    return bmax * L / (kd + L) + ns * L + bg, ns * L + bg


def test_saturation_total_and_nonspecific_recovered():
    L = np.repeat(np.geomspace(0.1e-9, 20e-9, 8), 2)
    tot, nsb = _saturation(L)
    r = fit_saturation(L, tot, nsb)
    assert (r.bmax, r.kd, r.ns, r.background) == pytest.approx((1500, 2e-9, 1e10, 30), rel=1e-6)
    assert r.mode == "total+nonspecific" and r.n == 32 and r.dof == 28 and r.flags == ()


def test_saturation_nan_counted_and_incomplete_flag():
    L = np.geomspace(0.05e-9, 1e-9, 8)  # highest 1 nM < Kd 2 nM: saturation not reached
    tot, nsb = _saturation(L)
    nsb[2] = np.nan
    r = fit_saturation(L, tot, nsb)
    assert r.n_dropped == 1 and r.n == 15
    assert "incomplete" in r.flags
    assert r.kd == pytest.approx(2e-9, rel=1e-5)


def test_saturation_errors():
    with pytest.raises(ParameterError) as e:
        fit_saturation([1e-9, 2e-9, 3e-9], [1.0, 2.0])
    assert e.value.field == "total"
    with pytest.raises(AnalysisError):
        fit_saturation([1e-9, 1e-9], [1.0, 2.0])
