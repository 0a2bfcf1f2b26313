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
    # 5 mL/kg x 0.3 kg = 1.5 mL per animal; 6 drug animals x 1.5 x 1.2 = 10.8 mL -> 21.6 mg as base
    assert row["amount"] == "10.8 mL" and row["per"].startswith("1.5 mL per 300 g")
    assert p.drug_mass.to("mg").magnitude == pytest.approx(21.6)


# -- salt form and dose basis ----------------------------------------------------------------------
# sertraline C17H17Cl2N: 17 x 12.011 + 17 x 1.008 + 2 x 35.45 + 14.007 = 306.230 g/mol;
# the HCl salt adds 1.008 + 35.45 = 36.458: 342.688 g/mol (IUPAC 2021 standard atomic weights).
# 21.6 mg base x 342.69 / 306.23 = 24.1718 mg -> 24.17 mg; factor 342.69 / 306.23 = 1.11906 -> 1.119.

def test_a_dose_meant_as_base_is_weighed_as_the_salt_corrected():
    p = pk.Microdialysis()  # defaults: sertraline HCl, dose as base
    row = amount(p, "sertraline HCl")
    assert row["amount"] == "24.17 mg"  # the old sheet weighed 21.6 mg: 10.6% low as base
    assert row["total"] == pytest.approx(21.6 * 342.69 / 306.23)
    assert row["notes"].startswith("weigh 24.17 mg sertraline HCl (= 21.6 mg base; factor 1.119)")
    assert "342.69 / 306.23 g/mol" in row["notes"]
    step = next(s for s in p.checklist if s.id == "md-dose-solution")
    assert "weigh 24.17 mg sertraline HCl (= 21.6 mg base; factor 1.119)" in step.text
    assert "(as base)" in next(s for s in p.checklist if s.id == "md-dose").text
    sheet = p.sheet()
    assert sheet.count("24.17 mg sertraline HCl (= 21.6 mg base; factor 1.119)") >= 2  # reagent table and step


def test_a_dose_meant_as_salt_or_a_free_base_is_weighed_as_it_is():
    assert amount(pk.Microdialysis(dose_basis="salt"), "sertraline HCl")["amount"] == "21.6 mg"
    row = amount(pk.Microdialysis(salt_form="free base"), "sertraline free base")
    assert row["amount"] == "21.6 mg" and "factor 1)" in row["notes"]
    # 'hydrochloride' and 'hcl' are the HCl salt on file
    assert pk.Microdialysis(salt_form="hydrochloride").weighing_factor == pytest.approx(342.69 / 306.23)
    assert pk.Microdialysis(salt_form="hcl").salt.salt_form == "HCl"


def test_other_drugs_on_file_and_molar_masses_given():
    # paroxetine HCl hemihydrate C19H20FNO3.HCl.1/2H2O: 329.371 + 36.458 + 9.0075 = 374.84 g/mol;
    # 10 mg/kg in 5 mL/kg, 6 animals, 300 g, x 1.2 -> 21.6 mg base x 374.84 / 329.37 = 24.582 mg
    p = pk.Microdialysis(drug="Paroxetine", salt_form="HCl hemihydrate")
    assert amount(p, "Paroxetine HCl hemihydrate")["amount"] == "24.58 mg"
    # a salt not on file, with both molar masses given: 21.6 x 400 / 304 = 28.421 mg; factor 1.3158
    p = pk.Microdialysis(drug="PK-101", salt_form="mesylate", salt_molar_mass="400 g/mol", base_molar_mass=304)
    row = amount(p, "PK-101 mesylate")
    assert row["amount"] == "28.42 mg" and "factor 1.316" in row["notes"] and "given by the user" in row["notes"]


@pytest.mark.parametrize("values, field, words", [
    ({"drug": "sertralin"}, "drug", "did you mean 'sertraline'?"),
    ({"drug": "PK-101"}, "drug", "salt_molar_mass and base_molar_mass"),
    ({"salt_form": "HBr"}, "salt_form", "a form of sertraline in protocol_kit/reference/data/salts.csv (HCl)"),
    ({"salt_form": "hydrochlorid"}, "salt_form", "did you mean 'hydrochloride'?"),
    ({"salt_form": "free base", "dose_basis": "salt"}, "dose_basis", "names no salt"),
    ({"salt_molar_mass": "300 g/mol"}, "base_molar_mass", "both salt_molar_mass and base_molar_mass"),
    ({"salt_molar_mass": 300, "base_molar_mass": 306.23}, "salt_molar_mass", "a salt weighs more than its base"),
    ({"dose_basis": "acid"}, "dose_basis", "one of base, salt"),
])
def test_unknown_drug_or_salt_form_is_refused_with_the_near_miss(values, field, words):
    with pytest.raises(ParameterError, match=f"^{field}: ") as exc:
        pk.Microdialysis(**values)
    assert words in str(exc.value)


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


def test_the_sheet_shows_the_molar_masses_used():
    from protocol_kit.reports.render import param_groups

    shown = {i["name"]: i["value"] for i in param_groups(pk.Microdialysis())["Dosing"]}
    assert shown["salt_molar_mass"] == "342.69 g/mol (on file: salts.csv)"
    assert shown["base_molar_mass"] == "306.23 g/mol (on file: salts.csv)"
    shown = {i["name"]: i["value"] for i in param_groups(pk.Microdialysis(salt_form="free base"))["Dosing"]}
    assert shown["salt_molar_mass"] == "not needed (free base)"
