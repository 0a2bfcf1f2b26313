"""Design checks 5 (the whole reagent table) and 6 (the assay system belongs to the target).

Each was silent before issue 13: citalopram at NET with SERT membranes and fluoxetine; a 0.9 uL
NSB stock draw; a 0.67 uL radioligand stock draw; a 112.8 ug pargyline weighing. Numbers by hand.
"""
import pytest

import protocol_kit as pk
from protocol_kit.design import design_warnings


def of(ws, code):
    return [w for w in ws if w.code == code]


def test_citalopram_at_net_is_a_warning_not_a_silent_change():
    p = pk.RadioligandBinding(target="NET", radioligand="[3H]citalopram", radioligand_kd="1.5 nM",
                              membrane_source="HEK293 cells expressing human SERT", nsb_drug="fluoxetine")
    assert p.params.radioligand == "[3H]citalopram"  # the user's choice is kept
    ws = of(p.warnings, "inconsistent-system")
    assert [w.fields for w in ws] == [("radioligand", "target"), ("membrane_source", "target"), ("nsb_drug", "target")]
    assert "'[3H]citalopram' belongs to SERT" in ws[0].message and "[3H]nisoxetine" in ws[0].message
    assert "desipramine" in ws[2].message and "Jayanthi 1993" in ws[2].message


def test_a_system_named_for_another_transporter_is_flagged():
    # not in the file, but its name says SERT
    p = pk.RadioligandBinding(target="NET", membrane_source="rat cortex, CHO cells with hSERT")
    (w,) = of(p.warnings, "inconsistent-system")
    assert w.fields == ("membrane_source", "target")
    up = pk.ReuptakeInhibition(transporter="NET", system="hSERT-HEK293 cells", substrate_km="280 nM")
    (w,) = of(up.warnings, "inconsistent-system")
    assert w.fields == ("system", "transporter")


def test_parts_the_file_does_not_know_and_alternatives_are_not_flagged():
    assert of(pk.RadioligandBinding(nsb_drug="paroxetine").warnings, "inconsistent-system") == []
    assert of(pk.RadioligandBinding(target="DAT", nsb_drug="mazindol").warnings, "inconsistent-system") == []
    assert of(pk.RadioligandBinding(nsb_drug="my own blocker").warnings, "inconsistent-system") == []
    assert of(pk.ReuptakeInhibition(transporter="NET", system="rat cortical synaptosomes",
                                    substrate_km="300 nM").warnings, "inconsistent-system") == []


def test_the_old_nsb_stock_draw_of_0_9_uL_warns_with_an_intermediate_dilution():
    # 3 NSB wells x 25 uL x 1.2 = 90 uL at 100 uM from 10 mM: 90 x 100 / 10000 = 0.9 uL
    (w,) = of(pk.RadioligandBinding(nsb_stock="10 mM").warnings, "volume-below-pipettable")
    assert w.numbers["volume_uL"] == pytest.approx(0.9) and w.fields == ("nsb_stock",)
    # 1:10 first: 1 mM, then 9 uL
    assert "dilute the fluoxetine (NSB) stock 1:10 first (1 mM) and draw 9 µL of it" in w.message


def test_a_0_67_uL_radioligand_draw_warns():
    # the NET parameters file of docs/cli.md with 2 replicates: 28 wells x 25 uL x 1.2 = 840 uL at 10 nM from 12.5 uM
    # = 840 x 10 / 12500 = 0.672 uL
    p = pk.RadioligandBinding(target="NET", radioligand_kd="0.8 nM", radioligand_conc="1 nM", replicates=2)
    # (the series' stock draw, (60 + 30) x 100 uM / 10 mM = 0.9 uL, warns too, as before)
    series, w = of(p.warnings, "volume-below-pipettable")
    assert series.numbers["stock_draw_uL"] == pytest.approx(0.9)
    assert w.numbers["volume_uL"] == pytest.approx(0.672) and w.fields == ("radioligand_stock",)
    assert "draw 6.72 µL of it (radioligand_stock = 1.25 µM)" in w.message


def test_a_weighing_under_1_mg_warns_with_a_larger_batch():
    # 2 replicates: 2 x 6 + 12 x 2 = 36 wells. KRH warm (36 x 160 + 36 x 200) x 1.2 = 15552 uL + diluents
    # (tube 1 72 - 0.72 = 71.28; matched (11 x 48 + 144) x 0.99 = 665.28; substrate 864 - 864 x 200/35700
    # = 859.159664; reference 142.56) = 17290.279664; ice-cold 36 x 600 x 1.2 = 25920 -> 43210.279664 uL.
    # Ascorbic acid 0.1e-3 mol/L x 0.043210 L x 176.12 g/mol = 0.76102 mg < 1 mg;
    # 1 mg needs 1 / (0.1e-3 x 176.12) L = 56.78 mL of buffer.
    p = pk.ReuptakeInhibition(replicates=2)
    (w,) = of(p.warnings, "mass-below-weighable")
    assert w.numbers["mass_mg"] == pytest.approx(0.1e-3 * 43.210279664e-3 * 176.12 * 1000, rel=1e-9)
    assert "L-ascorbic acid" in w.message and "at least 56.8 mL" in w.message


def test_the_defaults_weigh_and_pipette_nothing_under_the_limits():
    # pargyline 10 uM in 57.6 mL would be 0.1128 mg: it now comes from a 1 mM stock (576 uL; 1.957 mg in 10 mL)
    for p in (pk.RadioligandBinding(), pk.ReuptakeInhibition(), pk.RadioligandBinding(mode="saturation")):
        assert all(m.amount.to("uL" if m.amount.check("[volume]") else "mg").magnitude >= 1 for m in p.measures)
        assert design_warnings(p) == []


def test_the_mass_threshold_is_a_parameter():
    # KCl in the default binding buffer: 0.005 x 0.087970338 L x 74.55 = 32.79 mg: under 50 mg, over 1 mg
    p = pk.RadioligandBinding()
    ws = of(design_warnings(p, min_mass="50 mg"), "mass-below-weighable")
    assert [w.message.split(":")[0] for w in ws] == ["KCl"]
    assert ws[0].numbers["mass_mg"] == pytest.approx(0.005 * 0.087970338 * 74.55 * 1000)
