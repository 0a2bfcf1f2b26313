"""Unit plausibility (issue 13, item 5): plain floats are read as molar, and a value that
cannot be meant as molar is flagged ``implausible_units`` (result still returned, a sentence
naming the likely unit) or, where it would spoil a ratio with values that carry units, refused.

Each curve below is exact (no noise): y = 100 / (1 + c / IC50), Hill -1, so the fitted IC50 is
the IC50 the data were made with."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import protocol_kit as pk
from protocol_kit import io as pkio
from protocol_kit.analysis import (
    analyse_competition, cheng_prusoff, fit_ki, fit_logistic, fit_logistic_many, fit_saturation)
from protocol_kit.errors import ParameterError
from protocol_kit.reports.flag_words import MEANING, flag_rows

NM = np.r_[0.0, 0.0, 0.0, 0.1, 0.3, 1, 3, 10, 30, 100, 300, 1000, 3000, 10000]   # nM, 0 = vehicle
IC50_NM = 9.67


def _curve(conc, ic50):
    return 100.0 / (1.0 + conc / ic50)


def test_fit_logistic_on_nanomolar_floats_is_flagged_with_the_likely_unit():
    # the case: nM floats read as M report "IC50 9.67 M"
    r = fit_logistic(NM, _curve(NM, IC50_NM))
    assert r.ic50 == pytest.approx(IC50_NM, rel=1e-6)          # still returned, in the floats' own unit
    assert "implausible_units" in r.flags
    assert len(r.messages) == 1 and r.messages[0].startswith("implausible_units: ")
    assert "concentrations look like nM, not M: pass them in M or as '10 nM'" in r.messages[0]
    assert "9.67 M" in r.messages[0] and "1e+04 M" in r.messages[0]   # IC50 and the top, as read


def test_the_same_curve_in_molar_or_with_units_is_not_flagged():
    molar = fit_logistic(NM * 1e-9, _curve(NM, IC50_NM))
    assert molar.ic50 == pytest.approx(IC50_NM * 1e-9, rel=1e-6) and molar.flags == () and molar.messages == ()
    typed = fit_logistic([f"{c:g} nM" for c in NM], _curve(NM, IC50_NM))
    assert typed.ic50 == pytest.approx(IC50_NM * 1e-9, rel=1e-6) and "implausible_units" not in typed.flags


def test_micromolar_floats_of_an_inactive_compound_are_flagged_by_the_tested_range():
    um = NM / 1000                                  # 0.0001 .. 10 "M": read as molar, a top of 10 M
    r = fit_logistic(um, np.full(um.size, 100.0) + np.tile([1, -1], um.size // 2))
    assert "implausible_units" in r.flags
    assert "tested concentrations up to 10 M" in r.messages[0] and "look like µM" in r.messages[0]


def test_an_ic50_below_a_femtomolar_is_flagged():
    # molar values multiplied by 1e-9 a second time: IC50 9.67e-18 M
    r = fit_logistic(NM * 1e-18, _curve(NM, IC50_NM))
    assert r.ic50 == pytest.approx(IC50_NM * 1e-18, rel=1e-6)
    assert "implausible_units" in r.flags and "below 1 fM" in r.messages[0]


def test_fit_logistic_many_flags_only_the_curve_in_the_wrong_unit():
    y = _curve(NM, IC50_NM)
    frame = pd.concat([pd.DataFrame({"id": "nM floats", "conc": NM, "response": y}),
                       pd.DataFrame({"id": "molar", "conc": NM * 1e-9, "response": y})])
    df = fit_logistic_many(frame, by="id").set_index("id")
    assert df.loc["nM floats", "ic50"] == pytest.approx(IC50_NM, rel=1e-6)
    assert "implausible_units" in df.loc["nM floats", "flags"]
    assert "look like nM" in df.loc["nM floats", "messages"][0]
    assert df.loc["molar", "flags"] == () and df.loc["molar", "messages"] == ()


def test_fit_ki_refuses_a_bare_radioligand_concentration_beside_a_kd_with_a_unit():
    # the case: radioligand_conc=1.5 with kd "1.5 nM" gave Ki 1e-17 M: [L]/Kd = 1.5 M / 1.5 nM = 1e9
    conc = NM * 1e-9
    with pytest.raises(ParameterError) as e:
        fit_ki(conc, _curve(NM, IC50_NM), radioligand_conc=1.5, kd="1.5 nM")
    assert e.value.field == "radioligand_conc" and "1.5 M" in str(e.value) and "nM" in str(e.value)
    with pytest.raises(ParameterError, match="^kd: "):
        fit_ki(conc, _curve(NM, IC50_NM), radioligand_conc="1.5 nM", kd=1.5)
    with pytest.raises(ParameterError, match="^radioligand_conc: "):   # both bare, in different units
        fit_ki(conc, _curve(NM, IC50_NM), radioligand_conc=1.5, kd=1.5e-9)
    # given as meant: Ki = IC50 / (1 + 1.5/1.5) = 9.67 nM / 2 = 4.835 nM
    k = fit_ki(conc, _curve(NM, IC50_NM), radioligand_conc="1.5 nM", kd="1.5 nM")
    assert k.ki == pytest.approx(4.835e-9, rel=1e-6) and "implausible_units" not in k.flags


def test_fit_ki_with_both_bare_in_one_non_molar_unit_is_flagged_and_still_right():
    # [L] = Kd = 1.5 "M": the ratio is 1 whatever the unit, so Ki = 9.67 nM / 2 = 4.835 nM
    k = fit_ki(NM * 1e-9, _curve(NM, IC50_NM), radioligand_conc=1.5, kd=1.5)
    assert k.ki == pytest.approx(4.835e-9, rel=1e-6)
    assert "implausible_units" in k.flags and "radioligand_conc 1.5 is read as 1.5 M" in k.messages[0]
    assert "looks like nM" in k.messages[0]


def test_cheng_prusoff_refuses_a_bare_number_mixed_with_quantities():
    # the case: cheng_prusoff("30 nM", 2, "1 nM") took [L] as 2 M: Ki 1.5e-8 nM
    with pytest.raises(ParameterError) as e:
        cheng_prusoff("30 nM", 2, "1 nM")
    assert e.value.field == "conc" and "2 M" in str(e.value) and "nM" in str(e.value)
    with pytest.raises(ParameterError, match="^ic50: 30 is read as 30 M"):
        cheng_prusoff(30, "2 nM", "1 nM")
    # 30 nM / (1 + 2/1) = 10 nM, with units, with molar floats, and with floats all in one unit
    assert cheng_prusoff("30 nM", "2 nM", "1 nM").to("nM").magnitude == pytest.approx(10.0)
    assert cheng_prusoff("30 nM", 2e-9, "1 nM").to("nM").magnitude == pytest.approx(10.0)
    assert cheng_prusoff(30, 2, 1) == pytest.approx(10.0)


def test_fit_saturation_on_nanomolar_floats_is_flagged():
    # B = 1000 L / (1.5 + L), NSB = 10 L + 5 with L in nM: Kd 1.5 in the floats' unit
    L = np.array([0.1, 0.2, 0.5, 1, 2, 5, 10, 20])
    total, nsb = 1000 * L / (1.5 + L) + 10 * L + 5, 10 * L + 5
    s = fit_saturation(L, total, nsb)
    assert s.kd == pytest.approx(1.5, rel=1e-6)
    assert "implausible_units" in s.flags and "Kd 1.5 M" in s.messages[0] and "look like nM" in s.messages[0]
    molar = fit_saturation(L * 1e-9, total, nsb)
    assert molar.kd == pytest.approx(1.5e-9, rel=1e-6) and "implausible_units" not in molar.flags


def _joined(p):
    return pkio.join_layout(p.simulate(seed=1), p.layout)


def test_a_competition_analysis_with_nanomolar_concentrations_says_so_in_its_qc():
    p = pk.RadioligandBinding()
    setup = p.analysis_inputs()
    frame = _joined(p)
    ok = analyse_competition(frame, setup)
    assert "implausible_units" not in ok.flags
    frame["conc"] = frame["conc"] * 1e9                     # the plan's molar values typed in nM
    r = analyse_competition(frame, setup)
    assert "implausible_units" in r.flags
    assert any(q.startswith("implausible_units: ") and "look like nM" in q for q in r.qc)
    rows = {row["code"]: row for row in flag_rows(r.flags, r.qc)}
    assert "look like nM" in rows["implausible_units"]["details"][0]


def test_a_competition_analysis_refuses_a_kd_in_another_unit_than_the_ligand():
    p = pk.RadioligandBinding()
    setup = p.analysis_inputs()
    # a Kd typed in nM as a plain number: 1.5 M beside [L] 1.5e-9 M; refused once, when the inputs are made
    with pytest.raises(ParameterError, match="^kd: 1.5 is read as 1.5 M"):
        dataclasses.replace(setup, kd=1.5)


def test_the_flag_has_words_for_the_report():
    assert "unit" in MEANING["implausible_units"]


def test_a_saturation_analysis_refuses_a_layout_radioligand_in_another_unit_than_the_plan():
    from protocol_kit.analysis import analyse_saturation
    p = pk.RadioligandBinding(mode="saturation")
    frame = _joined(p)
    assert "implausible_units" not in analyse_saturation(frame, p.analysis_inputs()).flags
    frame["radioligand_conc"] = frame["radioligand_conc"] * 1e9     # molar values typed in nM
    # the layout's [L] is no longer the plan's series (20 nM / 2^k, k = 0..7, in M): refused, not fitted;
    # the lowest is named first: 20 nM / 2^7 = 0.15625 nM, now the number 0.15625
    with pytest.raises(ParameterError, match=r"^radioligand_conc: 0\.15625 of the layout \(molar\) is not in the plan's "
                                             r"series; allowed: one of the plan's \[L\] series: 2e-08, 1e-08, "):
        analyse_saturation(frame, p.analysis_inputs())


def test_an_extrapolated_saturation_kd_is_incomplete_not_a_unit_slip():
    # molar [L] up to 20 nM and B = 1e6 L / (1e-2 + L): Kd 10 mM lies far above the top, which
    # is the incomplete flag's case (no saturation reached); the concentrations are plausible
    L = np.array([0.1, 0.2, 0.5, 1, 2, 5, 10, 20]) * 1e-9
    s = fit_saturation(L, 1e6 * L / (1e-2 + L))
    assert s.kd > 1e-3 and "incomplete" in s.flags and "implausible_units" not in s.flags
