"""Reuptake inhibition plan, checked against hand arithmetic.

Defaults: 2 x 6 control wells + 12 concentrations x 3 = 48 wells; well 200 uL; additions
200 / 10 = 20 uL; buffer fill 200 - 2 x 20 = 160 uL; overage x 1.2.
"""
import pytest

import protocol_kit as pk
from protocol_kit import ParameterError
from tests.protocols.test_radioligand_binding import amount


def test_layout_controls_and_compound():
    lay = pk.ReuptakeInhibition().layout
    assert len(lay) == 48
    assert lay["role"].value_counts().to_dict() == {"compound": 36, "vehicle": 6, "positive": 6}
    assert (lay.loc[lay.role == "vehicle", "conc"] == 0).all()
    assert lay["substrate_conc"].unique().tolist() == pytest.approx([20e-9])


def test_substrate_and_reference_working_solutions():
    p = pk.ReuptakeInhibition()
    sub = amount(p, "[3H]5-HT working solution")
    # 48 wells x 20 uL x 1.2 = 1152 uL at 200 nM; stock 1152 x 200 / 35000 = 6.583 uL
    assert sub["amount"] == "1.152 mL" and sub["notes"].startswith("6.583 µL stock")
    # 200e-9 M x 1.152e-3 L = 2.304e-10 mol = 2.304e-7 mmol x 28 Ci/mmol = 6.451e-6 Ci
    assert amount(p, "[3H]5-HT activity used")["amount"] == "6.451 µCi"
    ref = amount(p, "fluoxetine (100% inhibition) working solution")
    # 6 wells x 20 uL x 1.2 = 144 uL at 100 uM from 10 mM: 1.44 uL
    assert ref["amount"] == "144 µL" and ref["notes"].startswith("1.44 µL stock")


def test_krh_volume_and_a_component_mass():
    p = pk.ReuptakeInhibition()
    # warm: (48 x 160 + 6 vehicle x 20 + 48 x 200 pre-wash) x 1.2 = (7680 + 120 + 9600) x 1.2 = 20880 uL
    #   + diluents: dilutions (108 - 1.08) + 11 x 72 = 898.92; substrate 1152 - 6.5829 = 1145.4171;
    #     reference 144 - 1.44 = 142.56  -> 23066.897 uL
    # ice-cold: 48 x 3 x 200 uL x 1.2 = 34560 uL; total 57626.897 uL
    buf = amount(p, "Krebs-Ringer-HEPES (KRH) uptake buffer")
    assert buf["total"] == pytest.approx(57.626897, rel=1e-6)
    # HEPES 0.010 mol/L x 0.057626897 L x 238.30 g/mol = 0.13732 g
    assert amount(p, "HEPES")["total"] == pytest.approx(0.010 * 0.057626897 * 238.30 * 1000, rel=1e-6)


def test_fluorescent_readout_adds_blanks_and_checks_the_substrate():
    p = pk.ReuptakeInhibition(substrate="fluorescent substrate", readout="fluorescence kinetic",
                              specific_activity="1 Ci/mmol")
    lay = p.layout
    assert (lay.role == "blank").sum() == 3
    assert [s.id for s in p.checklist][-1] == "ru-read"
    with pytest.raises(ParameterError, match="^readout: 'fluorescence endpoint' does not measure"):
        pk.ReuptakeInhibition(readout="fluorescence endpoint")
    with pytest.raises(ParameterError, match="^readout: 'scintillation' cannot count"):
        pk.ReuptakeInhibition(substrate="fluorescent substrate")


def test_uptake_steps_are_timed():
    steps = {s.id: s for s in pk.ReuptakeInhibition(uptake_time="5 min").checklist}
    assert steps["ru-uptake"].timer and steps["ru-uptake"].duration.magnitude == 5
    assert "timing-critical" in steps["ru-start"].hazards
