"""Radioligand binding plan: amounts checked against arithmetic done by hand.

Defaults: 12 concentrations x 3 replicates + 3 total + 3 NSB = 42 wells; well 250 uL;
additions at 10x in 250 / 10 = 25 uL; membranes 100 uL; overage 20% (x 1.2).
"""
import math

import pytest

import protocol_kit as pk
from protocol_kit import LayoutError, ParameterError


def amount(p, reagent):
    rows = p.reagents
    row = rows[rows["reagent"].str.strip() == reagent]
    assert len(row) == 1, f"{reagent!r} not in {list(rows['reagent'])}"
    return row.iloc[0]


def test_well_count_and_layout_roles():
    p = pk.RadioligandBinding()
    lay = p.layout
    # 3 x (12 + 2) = 42 wells
    assert len(lay) == 42
    assert lay["role"].value_counts().to_dict() == {"compound": 36, "total": 3, "nsb": 3}
    assert list(lay["well"][:3]) == ["A1", "A2", "A3"]
    assert lay["well"].is_unique
    assert set(lay.columns) >= {"well", "role", "conc", "replicate", "radioligand_conc"}
    assert lay.loc[lay.role == "total", "conc"].isna().all()


def test_compound_concentrations_follow_the_series():
    lay = pk.RadioligandBinding().layout
    concs = sorted(lay.loc[lay.role == "compound", "conc"].unique(), reverse=True)
    # 10 uM / 3^k for k = 0..11: top 1e-5 M, bottom 1e-5 / 177147 = 5.6450e-11 M
    assert len(concs) == 12
    assert concs[0] == pytest.approx(1e-5)
    assert concs[-1] == pytest.approx(1e-5 / 3 ** 11)
    assert concs[0] / concs[1] == pytest.approx(3.0)
    assert lay["radioligand_conc"].unique().tolist() == pytest.approx([1.5e-9])


def test_radioligand_working_solution_and_activity():
    p = pk.RadioligandBinding()
    row = amount(p, "[3H]citalopram working solution")
    # 42 wells x 25 uL x 1.2 = 1260 uL at 10 x 1.5 nM = 15 nM
    assert row["total"] == pytest.approx(1.26) and row["unit"] == "mL"
    # stock: 1260 uL x 15 nM / 12500 nM = 1.512 uL
    assert "1.512 µL stock" in row["notes"]
    act = amount(p, "[3H]citalopram activity used")
    # 15e-9 mol/L x 1.26e-3 L = 1.89e-11 mol = 1.89e-8 mmol x 80 Ci/mmol = 1.512e-6 Ci
    assert act["amount"] == "1.512 µCi"


def test_serial_dilution_volumes():
    p = pk.RadioligandBinding()
    # each tube keeps 3 x 25 uL x 1.2 = 90 uL; 1:3 -> transfer 90 / (3 - 1) = 45 uL
    # tube 1 holds 90 + 45 = 135 uL at 100 uM (10x of 10 uM): 135 x 100 / 10000 = 1.35 uL stock
    assert amount(p, "sertraline stock")["amount"] == "1.35 µL"
    # tube 1 is diluted in plain buffer: 135 - 1.35 = 133.65 uL, so it holds 1.35 / 135 = 1% DMSO; tubes 2-12
    # in buffer + 1% DMSO, so every tube keeps 1% (45 uL at 1% + 90 uL at 1%)
    assert amount(p, "tube 1: 100 µM (10 µM final)")["notes"] == "1.35 µL from stock + 133.7 µL assay buffer"
    tube2 = amount(p, "tube 2: 33.33 µM (3.333 µM final)")
    assert tube2["notes"] == "45 µL from tube 1 + 90 µL assay buffer + 1% DMSO"
    assert tube2["total"] == pytest.approx(135)


def test_solvent_is_equal_in_every_tube_and_in_the_vehicle_wells():
    # Old plan: every tube diluted with plain buffer (1%, 0.33%, 0.11% ... DMSO) while step 3 said to keep
    # the solvent equal. The matched diluent: 11 tubes x 90 uL + 3 total-binding wells x 25 uL x 1.2 = 1080 uL,
    # 1% of it DMSO = 10.8 uL, the rest 1069.2 uL = 1.069 mL (4 figures) buffer.
    p = pk.RadioligandBinding()
    diluent = amount(p, "assay buffer + 1% DMSO")
    assert diluent["total"] == pytest.approx(1.08) and diluent["unit"] == "mL"
    assert diluent["notes"].startswith("10.8 µL DMSO + 1.069 mL assay buffer")
    # solvent in tube k: tube 1 = 1.35 / 135 = 0.01; tube k = (45 x s(k-1) + 90 x 0.01) / 135 = 0.01
    s = 1.35 / 135
    for _ in range(11):
        s = (45 * s + 90 * 0.01) / 135
    assert s == pytest.approx(0.01)
    steps = {st.id: st for st in p.checklist}
    assert "every tube holds 1% DMSO" in steps["rb-dilutions"].text
    assert "25 µL assay buffer + 1% DMSO to the total-binding wells" in steps["rb-add-compound"].text
    # a stock in water needs no matching: plain buffer throughout, and the step says why
    w = pk.RadioligandBinding(compound_solvent="water")
    assert "no organic solvent to match" in {st.id: st for st in w.checklist}["rb-dilutions"].note
    assert not (w.reagents["reagent"].str.contains("DMSO")).any()


def test_nsb_and_membranes():
    p = pk.RadioligandBinding()
    # NSB: 3 wells x 25 uL x 1.2 = 90 uL at 100 uM from 1 mM: 90 x 100 / 1000 = 9 uL (a 10 mM stock, the
    # old default, needed 0.9 uL: see tests/design for the warning)
    nsb = amount(p, "fluoxetine (NSB) working solution")
    assert nsb["amount"] == "90 µL" and nsb["notes"].startswith("9 µL stock")
    # membranes: 10 ug / 100 uL = 0.1 mg/mL; 42 x 100 uL x 1.2 = 5040 uL; stock 5040 x 0.1 / 2 = 252 uL
    mem = amount(p, "Membrane suspension")
    assert mem["amount"] == "5.04 mL" and mem["notes"].startswith("252 µL membrane stock")


def test_buffer_masses_from_molarity_volume_and_molar_mass():
    p = pk.RadioligandBinding()
    # assay buffer: wells 42 x 100 uL fill = 4200 uL x 1.2 = 5040 uL
    #   + diluents: tube 1 135 - 1.35 = 133.65; matched diluent 1080 x 0.99 = 1069.2 (it also fills the
    #     total-binding wells' compound slot); radioligand 1260 - 1.512 = 1258.488; NSB 90 - 9 = 81;
    #     membranes 5040 - 252 = 4788  -> 5040 + 133.65 + 1069.2 + 1258.488 + 81 + 4788 = 12370.338 uL
    # wash: 42 x 3 x 0.5 mL x 1.2 = 75.6 mL; total 87.970338 mL
    buf = amount(p, "Assay buffer (Tris-NaCl-KCl)")
    assert buf["total"] == pytest.approx(87.970338)
    volume_l = 87.970338e-3
    # Tris: 0.050 mol/L x V x 121.14 g/mol = 0.53295 g
    assert amount(p, "Tris base")["total"] == pytest.approx(0.050 * volume_l * 121.14 * 1000)
    assert amount(p, "NaCl")["total"] == pytest.approx(0.120 * volume_l * 58.44 * 1000)
    assert amount(p, "KCl")["total"] == pytest.approx(0.005 * volume_l * 74.55 * 1000)
    assert amount(p, "KCl")["unit"] == "mg"


def test_saturation_mode_layout_and_ligand_series():
    p = pk.RadioligandBinding(mode="saturation")
    lay = p.layout
    # 8 concentrations x (total + NSB) x 3 = 48 wells
    assert len(lay) == 48
    assert lay["role"].value_counts().to_dict() == {"total": 24, "nsb": 24}
    # 20 nM / 2^k, k = 0..7: 20, 10, ..., 0.15625 nM
    assert sorted(lay["conc"].unique()) == pytest.approx([20e-9 / 2 ** k for k in range(7, -1, -1)])
    # tube keeps 6 wells x 25 uL x 1.2 = 180 uL; 1:2 transfer 180 uL; tube 1 = 360 uL at 200 nM
    # from 12.5 uM: 360 x 200 / 12500 = 5.76 uL; activity 360e-6 L x 200e-9 M x 80 Ci/mmol = 5.76 uCi
    assert amount(p, "[3H]citalopram stock")["amount"] == "5.76 µL"
    assert amount(p, "[3H]citalopram activity used")["amount"] == "5.76 µCi"


def test_design_that_does_not_fit_the_plate_is_an_error_not_a_truncation():
    with pytest.raises(LayoutError, match=r"needs 104 wells .* 96-well plate"):
        pk.RadioligandBinding(n_conc=24, replicates=4)
    # 104 wells fit a 384-well plate
    assert len(pk.RadioligandBinding(n_conc=24, replicates=4, plate_format="384").layout) == 104


def test_384_plate_uses_16_rows():
    lay = pk.RadioligandBinding(n_conc=24, replicates=12, plate_format="384").layout
    # (24 + 2) x 12 = 312 wells, one group per row of 24 holds two groups of 12
    assert len(lay) == 312
    assert lay["row"].max() == "M"  # 312 / 24 = 13 rows: A..M


def test_impossible_volumes_and_stocks_name_the_field():
    with pytest.raises(ParameterError, match="^membrane_volume: "):
        pk.RadioligandBinding(membrane_volume="240 uL")  # 240 + 2 x 25 > 250
    with pytest.raises(ParameterError, match="^compound_stock: "):
        pk.RadioligandBinding(compound_stock="50 uM")  # 10x of 10 uM = 100 uM > 50 uM
    with pytest.raises(ParameterError, match="^radioligand_stock: "):
        pk.RadioligandBinding(radioligand_stock="10 nM")  # 10x of 1.5 nM = 15 nM > 10 nM
    with pytest.raises(ParameterError, match="^membrane_stock: "):
        pk.RadioligandBinding(membrane_stock="0.05 mg/mL")  # needs 0.1 mg/mL


def test_checklist_has_stable_ids_and_hazards():
    steps = pk.RadioligandBinding().checklist
    ids = [s.id for s in steps]
    assert ids[0] == "rb-buffer" and "rb-add-membranes" in ids and ids[-1] == "rb-waste"
    start = next(s for s in steps if s.id == "rb-add-membranes")
    assert "timing-critical" in start.hazards
    incubate = next(s for s in steps if s.id == "rb-incubate")
    assert incubate.timer and incubate.duration.to("min").magnitude == 60
    assert any("radioactive" in s.hazards for s in steps)
    # ids do not depend on the values
    assert ids == [s.id for s in pk.RadioligandBinding(n_conc=6, incubation_time="90 min").checklist]


def test_plan_hash_changes_with_values_only():
    a, b = pk.RadioligandBinding(), pk.RadioligandBinding(top_conc="10 uM")
    assert a.plan_hash == b.plan_hash
    assert a.plan_hash != pk.RadioligandBinding(top_conc="1 uM").plan_hash
    assert not math.isnan(len(a.plan_hash))
