"""fit_logistic / fit_logistic_many on curves whose answer is known by construction or by hand."""
from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from protocol_kit.analysis import fit_logistic, fit_logistic_many, logistic
from protocol_kit.errors import AnalysisError, ParameterError
from protocol_kit.units import Q_

CONC = np.r_[0.0, 0.0, 10.0 ** np.arange(-10, -4.9, 0.5)]  # 2 vehicle wells + 11 half-log concentrations


def curve(conc, b, t, L, h):
    """Independent model: vehicle wells (conc 0) at the X -> -inf limit (Top when h < 0)."""
    with np.errstate(divide="ignore"):
        x = np.log10(conc)
    return np.where(conc > 0, b + (t - b) / (1 + 10.0 ** ((L - x) * h)), t if h < 0 else b)


def test_model_values_by_hand():
    # b=0, t=100, logIC50=-7, h=-1: X=-7 -> 50; X=-6 -> 100/(1+10^1) = 9.0909...; X=-8 -> 100/1.1 = 90.909...
    y = logistic(np.array([-7.0, -6.0, -8.0, -np.inf]), 0.0, 100.0, -7.0, -1.0)
    assert y == pytest.approx([50.0, 100 / 11, 100 / 1.1, 100.0])
    # with h > 0 the X -> -inf limit is Bottom
    assert logistic(-np.inf, 3.0, 100.0, -7.0, 1.0) == 3.0


def test_exact_curve_recovered_with_vehicle_wells():
    y = curve(CONC, 5.0, 95.0, -7.3, -0.8)
    r = fit_logistic(CONC, y)
    assert (r.bottom, r.top, r.log_ic50, r.hill) == pytest.approx((5.0, 95.0, -7.3, -0.8), abs=1e-7)
    assert r.ic50 == pytest.approx(10 ** -7.3, rel=1e-6)
    assert r.rss < 1e-12 and r.n == CONC.size and r.dof == CONC.size - 4 and r.n_dropped == 0
    assert r.flags == () and r.converged and r.qualifier == "="


def test_fixed_parameters_are_held():
    y = curve(CONC, 0.0, 100.0, -7.0, -1.0) + np.random.default_rng(1).normal(0, 3, CONC.size)
    r = fit_logistic(CONC, y, fixed={"hill": -1, "bottom": 0})
    assert r.hill == -1.0 and r.bottom == 0.0 and r.n_params == 2 and r.dof == CONC.size - 2
    assert math.isnan(r.hill_se) and math.isnan(r.bottom_se)


def test_matches_scipy_curve_fit_on_noisy_replicates():
    rng = np.random.default_rng(7)
    conc = np.repeat(CONC, 3)
    y = curve(conc, 2.0, 98.0, -7.0, -1.2) + rng.normal(0, 8, conc.size)
    r = fit_logistic(conc, y)
    x = np.log10(np.where(conc > 0, conc, 1e-300))  # 1e-300 stands in for vehicle: X = -300

    def f(x, b, t, L, h):
        return b + (t - b) / (1 + 10.0 ** ((L - x) * h))
    p, cov = optimize.curve_fit(f, x, y, p0=[2, 98, -7, -1.2])
    rss_scipy = float(np.sum((y - f(x, *p)) ** 2))
    assert r.rss <= rss_scipy * (1 + 1e-9)
    assert r.log_ic50 == pytest.approx(p[2], abs=1e-5)
    assert r.log_ic50_se == pytest.approx(math.sqrt(cov[2, 2]), rel=1e-4)
    many = fit_logistic_many(pd.DataFrame({"id": 1, "conc": conc, "response": y}), by="id")
    assert many.rss[0] == pytest.approx(rss_scipy, rel=1e-7)  # replicates aggregated, RSS unchanged
    assert many.log_ic50[0] == pytest.approx(p[2], abs=1e-4)


def test_profile_interval_bounds_sit_on_the_prism_threshold():
    rng = np.random.default_rng(3)
    y = curve(CONC, 0.0, 100.0, -7.0, -1.0) + rng.normal(0, 6, CONC.size)
    r = fit_logistic(CONC, y)
    threshold = r.rss * (1 + stats.f.ppf(0.95, 1, r.dof) / r.dof)
    x = np.log10(np.where(CONC > 0, CONC, 1e-300))
    for bound in r.log_ic50_ci_profile:
        # independent profile: scipy least_squares over bottom, top, hill with logIC50 held at the bound
        res = optimize.least_squares(lambda q: y - (q[0] + (q[1] - q[0]) / (1 + 10.0 ** ((bound - x) * q[2]))),
                                     [r.bottom, r.top, r.hill], xtol=1e-14, ftol=1e-14, gtol=1e-14)
        assert float(np.sum(res.fun ** 2)) == pytest.approx(threshold, rel=1e-5)


def test_incomplete_curve_reports_greater_than_highest_concentration():
    y = curve(CONC, 0.0, 100.0, -4.0, -1.0)  # IC50 = 100 uM, highest tested 10 uM
    r = fit_logistic(CONC, y)
    assert "incomplete" in r.flags and r.qualifier == ">"
    assert math.isnan(r.ic50) and r.ic50_text == "> 10\u00a0µM"  # the one molar formatter: no-break space
    assert r.ic50_fitted == pytest.approx(1e-4, rel=1e-5)  # raw value kept, marked as fitted
    many = fit_logistic_many(pd.DataFrame({"c": 0, "conc": CONC, "response": y}), by="c")
    assert "incomplete" in many["flags"][0] and many.ic50_text[0] == "> 10\u00a0µM" and np.isnan(many.ic50[0])


@pytest.mark.parametrize("hill, flag", [(-0.4, "shallow"), (-3.0, "steep")])
def test_slope_flags(hill, flag):
    conc = 10.0 ** np.arange(-12, -1.9, 0.5)  # 21 concentrations: both plateaus reached
    r = fit_logistic(conc, curve(conc, 0.0, 100.0, -7.0, hill))
    assert r.flags == (flag,)


def test_few_points_and_too_few_points():
    conc = np.array([1e-9, 1e-8, 1e-7, 1e-6])
    r = fit_logistic(conc, curve(conc, 0, 100, -7.5, -1))
    assert "few_points" in r.flags and r.dof == 0 and math.isnan(r.log_ic50_se)
    with pytest.raises(AnalysisError, match="3 usable points"):
        fit_logistic(conc[:3], [90.0, 50.0, 10.0])


def test_nans_dropped_and_counted():
    y = curve(CONC, 0, 100, -7, -1)
    c = CONC.copy()
    y[[3, 6]] = np.nan
    c[9] = np.nan
    r = fit_logistic(c, y)
    assert r.n_dropped == 3 and r.n == CONC.size - 3  # 2 NaN responses + 1 NaN concentration
    frame = pd.DataFrame({"k": "a", "conc": c, "response": y})
    assert fit_logistic_many(frame, by="k").n_dropped[0] == 3


def test_units_quantities_and_strings_equal_molar_floats():
    y = curve(CONC, 0, 100, -7.2, -1.1) + np.random.default_rng(2).normal(0, 4, CONC.size)
    ref = fit_logistic(CONC, y)
    nm = fit_logistic(Q_(CONC * 1e9, "nM"), y)  # 1 nM = 1e-9 M by definition
    txt = fit_logistic([f"{float(v) * 1e6!r} uM" for v in CONC], y)
    assert nm.log_ic50 == pytest.approx(ref.log_ic50, abs=1e-9)
    assert txt.log_ic50 == pytest.approx(ref.log_ic50, abs=1e-9)


def test_weights_1_over_observed_y2_match_scipy_sigma_y():
    rng = np.random.default_rng(11)
    conc = CONC[2:]
    y = curve(conc, 1.0, 100.0, -7.0, -1.0) * np.exp(rng.normal(0, 0.1, conc.size))
    r = fit_logistic(conc, y, weights="1/Y^2 observed")
    x = np.log10(conc)
    f = lambda x, b, t, L, h: b + (t - b) / (1 + 10.0 ** ((L - x) * h))  # noqa: E731
    p, _ = optimize.curve_fit(f, x, y, p0=[1, 100, -7, -1], sigma=y)  # minimises sum ((y - f)/y)^2
    assert r.rss == pytest.approx(float(np.sum(((y - f(x, *p)) / y) ** 2)), rel=1e-7)
    assert r.log_ic50 == pytest.approx(p[2], abs=1e-5)


def test_result_is_immutable_and_serialisable():
    r = fit_logistic(CONC, curve(CONC, 0, 100, -7, -1))
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.top = 3.0
    d = r.to_dict()
    assert json.loads(json.dumps(d, allow_nan=True))["log_ic50"] == pytest.approx(-7.0)
    html = r._repr_html_()
    assert html.startswith("<table") and "log_ic50" in html


@pytest.mark.parametrize("kwargs, field", [
    (dict(conc=[1e-9, 1e-8], response=[1.0]), "response"),
    (dict(conc=[1e-9, -1e-8, 1e-7, 1e-6, 1e-5], response=[1, 2, 3, 4, 5]), "conc[1]"),
    (dict(conc=CONC, response=np.ones(CONC.size), fixed={"botom": 0}), "fixed"),
    (dict(conc=CONC, response=np.ones(CONC.size), weights="1/x"), "weights"),
    (dict(conc=CONC, response=np.ones(CONC.size), weights="1/sd2"), "sd"),
    (dict(conc=CONC, response=np.ones(CONC.size), outliers="grubbs"), "outliers"),
])
def test_bad_input_names_field(kwargs, field):
    with pytest.raises(ParameterError) as e:
        fit_logistic(**kwargs)
    assert e.value.field == field


def test_unknown_fixed_key_suggests_near_miss():
    with pytest.raises(ParameterError, match="did you mean 'bottom'"):
        fit_logistic(CONC, np.ones(CONC.size), fixed={"botom": 0})


def test_many_rejects_unknown_column_with_suggestion():
    frame = pd.DataFrame({"curve": [1, 1], "conc": [1e-9, 1e-8], "resp": [1.0, 2.0]})
    with pytest.raises(ParameterError, match="did you mean 'resp'"):
        fit_logistic_many(frame, by="curve", response="respons")


def test_step_between_two_concentrations_is_reported_as_such():
    conc = 10.0 ** np.arange(-10.0, -4.5, 1.0)  # log spacing: 0.1 nM ... 10 uM
    y = np.where(conc <= 1e-8, 100.0, 0.0) + np.array([0.3, -0.2, 0.1, -0.3, 0.2, -0.1])
    r = fit_logistic(conc, y)
    # every point is on a plateau: the response falls somewhere between 10 nM and 100 nM
    assert r.qualifier == "~" and "incomplete" not in r.flags and "steep" in r.flags
    assert r.ic50_text.endswith("(a step between 10\u00a0nM and 100\u00a0nM)")  # no-break spaces: units.format_molar
    assert r.ic50_ci == pytest.approx((1e-8, 1e-7))
    # plateaus are the means of each side: 100 + (0.3 - 0.2 + 0.1)/3 and (-0.3 + 0.2 - 0.1)/3
    assert r.top == pytest.approx(100.0 + 0.2 / 3, abs=1e-6)
    assert r.bottom == pytest.approx(-0.2 / 3, abs=1e-6)


def test_flat_noise_is_no_effect_and_incomplete():
    y = 100.0 + np.random.default_rng(12).normal(0, 5, CONC.size)  # no concentration dependence
    r = fit_logistic(CONC, y)
    assert "incomplete" in r.flags and math.isnan(r.ic50)


@pytest.mark.parametrize("fixed", [{"bottom": 0.0}, {"hill": -1.0}, {"top": 100.0, "bottom": 0.0}])
def test_many_with_fixed_parameters_matches_scipy(fixed):
    rng = np.random.default_rng(21)
    conc = np.repeat(CONC, 2)
    frames, ys = [], []
    for i in range(5):
        y = curve(conc, 0.0, 100.0, -8.5 + 0.5 * i, -1.0) + rng.normal(0, 5, conc.size)
        frames.append(pd.DataFrame({"id": i, "conc": conc, "response": y}))
        ys.append(y)
    many = fit_logistic_many(pd.concat(frames), by="id", fixed=fixed)
    x = np.log10(np.where(conc > 0, conc, 1e-300))
    names = ["bottom", "top", "log_ic50", "hill"]
    free = [n for n in names if n not in fixed]

    def f(x, *q):
        p = dict(fixed, **dict(zip(free, q)))
        return p["bottom"] + (p["top"] - p["bottom"]) / (1 + 10.0 ** ((p["log_ic50"] - x) * p["hill"]))
    for i, y in enumerate(ys):
        start = {"bottom": 0.0, "top": 100.0, "log_ic50": -8.5 + 0.5 * i, "hill": -1.0}
        q, _ = optimize.curve_fit(f, x, y, p0=[start[n] for n in free])
        assert many.rss[i] == pytest.approx(float(np.sum((y - f(x, *q)) ** 2)), rel=1e-7)
        assert many.log_ic50[i] == pytest.approx(dict(zip(free, q)).get("log_ic50", -99), abs=1e-4)
        for n, v in fixed.items():
            assert many[n][i] == v


def test_vehicle_only_curve_is_an_error():
    with pytest.raises(AnalysisError, match="only vehicle wells"):
        fit_logistic(np.zeros(6), np.arange(6.0))
    frame = pd.DataFrame({"g": ["a"] * 6 + ["b"] * 6, "conc": np.r_[CONC[:6], np.zeros(6)], "response": 1.0})
    with pytest.raises(AnalysisError, match="curve 'b'"):
        fit_logistic_many(frame, by="g")


def test_weights_1_over_sd2_with_constant_sd():
    y = curve(CONC, 0, 100, -7, -1) + np.random.default_rng(9).normal(0, 3, CONC.size)
    plain = fit_logistic(CONC, y)
    w = fit_logistic(CONC, y, weights="1/SD^2", sd=np.full(CONC.size, 2.0))
    # a constant weight 1/4 leaves the optimum unchanged and divides the RSS by 4
    assert w.log_ic50 == pytest.approx(plain.log_ic50, abs=1e-8)
    assert w.rss == pytest.approx(plain.rss / 4, rel=1e-9)
    assert w.log_ic50_se == pytest.approx(plain.log_ic50_se, rel=1e-6)  # s^2 (J'WJ)^-1 is scale-free


@pytest.mark.parametrize("molar, text", [
    (9.9996e-7, "1 µM"),  # rounds to 1.00e-6 M: one µM, not "1e+03 nM"
    (9.997e-10, "1 nM"),  # rounds to 1.00e-9 M: one nM, not "1e+03 pM"
    (9.9996e-16, "1 fM"),  # rounds to 1.00e-15 M: one fM, not "1e-15 M"
    (9.994e-7, "999 nM"),  # rounds to 9.99e-7 M: stays in nM
    (9.996e-9, "10 nM"),  # rounds up within its unit
    (999.6, "1000 M"),  # no unit above M, and no scientific notation
    (5.6452e-11, "56.5 pM"), (1e-6, "1 µM"), (0.0, "0 M"), (float("nan"), "nan M"),
])
def test_format_molar_rounds_before_choosing_the_unit(molar, text):
    from protocol_kit.analysis.flags import format_molar, format_molar_many
    text = text.replace(" ", "\u00a0")  # number and unit joined by a no-break space
    assert format_molar(molar) == text
    assert format_molar_many([molar])[0] == text


def test_format_molar_many_is_format_molar():
    from protocol_kit.analysis.flags import format_molar, format_molar_many
    rng = np.random.default_rng(7)
    powers = 10.0 ** np.arange(-16, 4)
    values = np.r_[
        10.0 ** rng.uniform(-16.5, 3.5, 3000),
        powers, np.nextafter(powers, 0), np.nextafter(powers, np.inf),
        powers * 0.9995, powers * 0.99949, powers * 0.99951, powers * 0.99996, powers * 0.0099996,
        powers * 0.099996, powers * 1.0005, powers * 1.2345, 0.0, -1e-9, np.nan, np.inf,
    ]
    assert format_molar_many(values).tolist() == [format_molar(float(v)) for v in values]


def test_near_miss_hints_in_input_errors():
    y = curve(CONC, 5.0, 95.0, -7.3, -0.8)
    with pytest.raises(ParameterError) as err:
        fit_logistic(CONC, y, fixed={"hil": -1.0})
    assert str(err.value) == ("fixed: 'hil' is not a parameter that can be fixed; did you mean 'hill'?; "
                              "allowed: bottom, top, hill")
    with pytest.raises(ParameterError) as err:
        fit_logistic(CONC, y, fixed={"slope": -1.0})  # nothing close: no hint
    assert str(err.value) == "fixed: 'slope' is not a parameter that can be fixed; allowed: bottom, top, hill"
    frame = pd.DataFrame({"curve": 0, "conc": CONC, "response": y})
    with pytest.raises(ParameterError) as err:
        fit_logistic_many(frame, by="curve", response="respons")
    assert str(err.value) == ("response: 'respons' is not a column; did you mean 'response'?; "
                              "allowed: a column of the frame (curve, conc, response)")
