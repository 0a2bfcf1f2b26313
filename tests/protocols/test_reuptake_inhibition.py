"""Reuptake inhibition plan, checked against hand arithmetic.

Defaults: 2 x 6 control wells + 12 concentrations x 3 = 48 wells; well 200 uL; additions
200 / 10 = 20 uL; buffer fill 200 - 2 x 20 = 160 uL; overage x 1.2; substrate stock 35.7 uM
(1 mCi/mL at 28 Ci/mmol); series from 1 uM (1 mM stock, 1% DMSO in every tube).
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
    # 48 wells x 20 uL x 1.2 = 1152 uL at 200 nM; stock 1152 x 200 / 35700 = 6.454 uL
    assert sub["amount"] == "1.152 mL" and sub["notes"].startswith("6.454 µL stock")
    # 200e-9 M x 1.152e-3 L = 2.304e-10 mol = 2.304e-7 mmol x 28 Ci/mmol = 6.451e-6 Ci
    assert amount(p, "[3H]5-HT activity used")["amount"] == "6.451 µCi"
    ref = amount(p, "fluoxetine (100% inhibition) working solution")
    # 6 wells x 20 uL x 1.2 = 144 uL at 100 uM from 10 mM: 1.44 uL
    assert ref["amount"] == "144 µL" and ref["notes"].startswith("1.44 µL stock")


def test_krh_volume_and_a_component_mass():
    p = pk.ReuptakeInhibition()
    # warm: (48 x 160 + 48 x 200 pre-wash) x 1.2 = (7680 + 9600) x 1.2 = 20736 uL
    #   + diluents: tube 1 108 - 1.08 = 106.92; matched diluent (11 x 72 + 6 vehicle x 20 x 1.2 = 936) x 0.99
    #     = 926.64; substrate 1152 - 1152 x 200 / 35700 = 1145.546218; reference 144 - 1.44 = 142.56
    #     -> 20736 + 106.92 + 926.64 + 1145.546218 + 142.56 = 23057.666218 uL
    # ice-cold: 48 x 3 x 200 uL x 1.2 = 34560 uL; total 57617.666218 uL
    buf = amount(p, "Krebs-Ringer-HEPES (KRH) uptake buffer")
    assert buf["total"] == pytest.approx(57.617666218, rel=1e-9)
    # HEPES 0.010 mol/L x 0.057617666 L x 238.30 g/mol = 137.30 mg
    assert amount(p, "HEPES")["total"] == pytest.approx(0.010 * 0.057617666218 * 238.30 * 1000, rel=1e-9)
    # pargyline 10 uM: weighed it would be 0.01e-3 x 0.0576177 x 195.69 = 0.1128 mg (under 1 mg); from a
    # 1 mM stock: 57617.67 uL x 0.01 / 1 = 576.2 uL, the stock 1e-3 mol/L x 0.010 L x 195.69 = 1.957 mg
    parg = amount(p, "pargyline HCl")
    assert parg["amount"] == "576.2 µL" and "1.957 mg in 10 mL" in parg["notes"]


def test_fluorescent_readout_adds_blanks_and_checks_the_substrate():
    p = pk.ReuptakeInhibition(substrate="fluorescent substrate", readout="fluorescence kinetic",
                              specific_activity="1 Ci/mmol", substrate_km="500 nM")
    lay = p.layout
    assert (lay.role == "blank").sum() == 3
    assert [s.id for s in p.checklist][-1] == "ru-read"
    with pytest.raises(ParameterError, match="^readout: 'fluorescence endpoint' does not measure"):
        pk.ReuptakeInhibition(readout="fluorescence endpoint")
    with pytest.raises(ParameterError, match="^readout: 'scintillation' cannot count"):
        pk.ReuptakeInhibition(substrate="fluorescent substrate", substrate_km="500 nM")


def test_uptake_steps_are_timed():
    steps = {s.id: s for s in pk.ReuptakeInhibition(uptake_time="5 min").checklist}
    assert steps["ru-uptake"].timer and steps["ru-uptake"].duration.magnitude == 5
    assert "timing-critical" in steps["ru-start"].hazards
