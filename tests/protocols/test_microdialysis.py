"""Microdialysis plan, checked against hand arithmetic.

Defaults: flow 1 uL/min, fractions of 20 min, 4 baseline, 3 h after the dose, equilibration
120 min, 12 animals of which 6 get vehicle, dose 10 mg/kg in 5 mL/kg, 300 g, overage x 1.2.
"""
import pytest

import protocol_kit as pk
from protocol_kit import ParameterError
from tests.protocols.test_radioligand_binding import amount


def test_schedule_times_phases_and_volumes():
    s = pk.Microdialysis().schedule
    # 4 baseline + 180 / 20 = 9 post-dose = 13 fractions
    assert len(s) == 13
    assert (s.phase == "baseline").sum() == 4
    assert s.iloc[0][["start_min", "end_min"]].tolist() == [-80, -60]
    assert s.iloc[3][["start_min", "end_min"]].tolist() == [-20, 0]
    assert s.iloc[4][["start_min", "end_min"]].tolist() == [0, 20]
    assert s.iloc[-1][["start_min", "end_min"]].tolist() == [160, 180]
    # 1 uL/min x 20 min = 20 uL
    assert (s.volume_uL == 20).all()
    assert s.label.is_unique and s.label.iloc[0] == "F01"


def test_acsf_volume_and_salt_mass():
    p = pk.Microdialysis()
    # per animal: 1 uL/min x (120 + 4 x 20 + 180) min = 380 uL; x 12 animals x 1.2 = 5472 uL
    assert amount(p, "Artificial CSF (aCSF)")["amount"] == "5.472 mL"
    # NaCl: 0.147 mol/L x 5.472e-3 L x 58.44 g/mol = 0.047009 g
    assert amount(p, "NaCl")["total"] == pytest.approx(0.147 * 5.472e-3 * 58.44 * 1000)


def test_dose_solution():
    p = pk.Microdialysis()
    # 10 mg/kg / 5 mL/kg = 2 mg/mL
    assert p.dose_concentration.magnitude == pytest.approx(2.0)
    row = amount(p, "sertraline dose solution in 0.9% saline")
    # 5 mL/kg x 0.3 kg = 1.5 mL per animal; 6 drug animals x 1.5 x 1.2 = 10.8 mL -> 21.6 mg
    assert row["amount"] == "10.8 mL" and row["per"].startswith("1.5 mL per 300 g")
    assert amount(p, "sertraline")["amount"] == "21.6 mg"


def test_schedule_changes_with_interval_and_flow():
    s = pk.Microdialysis(fraction_interval="30 min", flow_rate="2 uL/min", baseline_fractions=3,
                         post_dose_duration="4 h").schedule
    # 3 + 240 / 30 = 11 fractions of 2 x 30 = 60 uL
    assert len(s) == 11 and (s.volume_uL == 60).all() and s.start_min.iloc[0] == -90


def test_post_dose_time_must_be_whole_fractions():
    with pytest.raises(ParameterError, match=r"^post_dose_duration: .*whole number of 20 min fractions, e.g. 160 min or 180 min"):
        pk.Microdialysis(post_dose_duration="170 min")


def test_coordinates_are_the_users_and_may_be_left_for_the_sheet():
    p = pk.Microdialysis()
    implant = next(s for s in p.checklist if s.id == "md-implant")
    assert "AP ____ mm" in implant.text
    p2 = pk.Microdialysis(ap="-5.2 mm", ml="4.8", dv="-7.5 mm")
    implant = next(s for s in p2.checklist if s.id == "md-implant")
    assert "AP -5.2 mm" in implant.text and "ML 4.8 mm" in implant.text


def test_microdialysis_has_no_plate_layout():
    with pytest.raises(pk.ProtocolKitError, match="fraction schedule"):
        pk.Microdialysis().layout
