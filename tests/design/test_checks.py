"""Design checks: each fires on a design that cannot work and stays quiet on one that can.

Numbers worked by hand. Defaults shared by both assays: compound sertraline, top 10 uM, 12
concentrations 1:3, so the series is 10 uM / 3^k, k = 0..11, lowest 10 uM / 177147 = 56.45 pM.
Binding: [L] = Kd = 1.5 nM, Cheng-Prusoff factor 1 + 1.5/1.5 = 2; uptake: [S] 20 nM, Km 463 nM
(Ramamoorthy 1993, the assay-system file), factor 1 + 20/463 = 1.043197. Sertraline's reference Ki
at SERT is the human point value 0.29 nM (seed 000), so the expected IC50 is 0.58 nM (binding) and
0.29 x 1.043197 = 0.302527 nM (uptake).
"""
import math
import types

import pytest

import protocol_kit as pk
import protocol_kit.reference as ref
from protocol_kit.design import DesignWarning, design_warnings, series_volumes, read_design


def codes(ws):
    return [w.code for w in ws]


def only(ws, code):
    found = [w for w in ws if w.code == code]
    assert len(found) == 1, codes(ws)
    return found[0]


@pytest.fixture(scope="module")
def binding():
    return pk.RadioligandBinding()


@pytest.fixture(scope="module")
def uptake():
    return pk.ReuptakeInhibition()


def test_binding_defaults_raise_no_warning(binding):
    # IC50 0.58 nM: log10(0.58 nM / 56.45 pM) = log10(10.27) = 1.01 >= 1 below; log10(10 uM / 0.58 nM) = 4.24
    # above; [L]/Kd = 1; 4 points (169 pM .. 4.57 nM) between IC50/9 = 64.4 pM and 9 x IC50 = 5.22 nM;
    # stock draw 1.35 uL >= 1 uL; no Bmax given, so no depletion check.
    assert design_warnings(binding) == []


def test_microdialysis_has_no_design_checks():
    assert design_warnings(pk.Microdialysis()) == []


# -- 1. bracketing --------------------------------------------------------------------------------
def test_uptake_from_10_uM_does_not_bracket_sertralines_ic50():
    # IC50 = 0.29 x 1.043197 = 0.302527 nM; log10(0.302527 nM / 56.45 pM) = log10(5.3592) = 0.7291 < 1
    uptake = pk.ReuptakeInhibition(top_conc="10 uM", compound_stock="10 mM")
    w = only(design_warnings(uptake), "ic50-not-bracketed")
    assert w.numbers["ic50_nM"] == pytest.approx(0.302527, rel=1e-5)
    assert w.numbers["decades_below"] == pytest.approx(0.7291, abs=1e-4)
    assert w.numbers["decades_above"] == pytest.approx(4.5192, abs=1e-4)  # log10(10 uM / 0.302527 nM)
    assert "0.29 nM (human; seed 000" in w.message
    assert "lowest concentration <= 30.3 pM" in w.message  # 0.302527 nM / 10
    assert w.fields == ("top_conc", "dilution_factor", "n_conc")


def test_uptake_bracketed_with_a_lower_top_concentration():
    # top 1 uM: lowest 1 uM / 177147 = 5.645 pM, log10(0.3025 nM / 5.645 pM) = 1.73; log10(1 uM / 0.3025 nM) = 3.52
    assert "ic50-not-bracketed" not in codes(design_warnings(pk.ReuptakeInhibition(top_conc="1 uM")))


def test_every_protocols_defaults_are_a_design_without_warnings():
    # the defaults are what a new user plans first: they must be a design that can succeed
    for pid in pk.protocol_ids():
        assert pk.get_protocol(pid).warnings == [], pid


def test_a_given_ki_at_the_top_concentration(binding):
    # Ki 5 uM -> IC50 10 uM = the top concentration: 0 log units above it
    w = only(design_warnings(binding, ki="5 uM"), "ic50-not-bracketed")
    assert w.numbers["decades_above"] == pytest.approx(0.0, abs=1e-12)
    assert "top concentration >= 100 µM" in w.message


def test_a_lower_bound_ki_beyond_the_series():
    # citalopram at DAT: Ki > 10000 nM (seed 004) -> IC50 > 20 uM; the top, 10 uM, is below 10 x 20 uM
    p = pk.RadioligandBinding(compound="citalopram", target="DAT", radioligand="[3H]WIN 35,428")
    w = only(design_warnings(p), "ic50-not-bracketed")
    assert w.numbers["ic50_min_nM"] == pytest.approx(20000)
    assert "above 20 µM" in w.message


def test_a_lower_bound_ki_within_reach():
    # top 300 uM >= 10 x 20 uM = 200 uM: the curve can be completed
    p = pk.RadioligandBinding(compound="citalopram", target="DAT", radioligand="[3H]WIN 35,428", top_conc="300 uM")
    assert "ic50-not-bracketed" not in codes(design_warnings(p))


def test_unknown_compound_is_checked_only_with_a_given_ki():
    p = pk.RadioligandBinding(compound="PK-101")
    assert design_warnings(p) == []
    # Ki 1 pM -> IC50 2 pM, below the lowest 56.45 pM
    assert codes(design_warnings(p, ki=0.001)) == ["ic50-not-bracketed", "few-points-near-ic50"]


def test_a_users_reference_file_is_used(tmp_path):
    f = tmp_path / "mine.csv"
    f.write_text("drug,target,low,high,value,qualifier,unit,species,source,note\n"
                 "PK-101,SERT,,,2,,uM,,my lab,\n", encoding="utf-8")
    # Ki 2 uM -> IC50 4 uM; log10(10 uM / 4 uM) = 0.40 above
    w = only(design_warnings(pk.RadioligandBinding(compound="PK-101"), library=ref.load(f)), "ic50-not-bracketed")
    assert w.numbers["decades_above"] == pytest.approx(math.log10(2.5))


def test_several_species_without_a_summary_is_reported_not_guessed(tmp_path):
    f = tmp_path / "mine.csv"
    f.write_text("drug,target,low,high,value,qualifier,unit,species,source,note\n"
                 "PK-101,SERT,,,2,,nM,rat,lab,\nPK-101,SERT,,,3,,nM,mouse,lab,\n", encoding="utf-8")
    ws = design_warnings(pk.RadioligandBinding(compound="PK-101"), library=ref.load(f))
    assert codes(ws) == ["reference-ambiguous"]
    assert "one of mouse, rat" in ws[0].message


# -- 2. [L] against Kd ----------------------------------------------------------------------------
def test_ligand_far_above_kd():
    # [L] 20 nM / Kd 1.5 nM = 13.3 > 10; occupancy 13.33 / 14.33 = 93%; IC50 shift 1 + 13.33 = 14.3-fold
    w = only(design_warnings(pk.RadioligandBinding(radioligand_conc="20 nM")), "ligand-far-from-kd")
    assert w.numbers["ratio"] == pytest.approx(13.3333, rel=1e-4)
    assert w.numbers["occupancy"] == pytest.approx(0.9302, abs=1e-4)
    assert "14.3-fold" in w.message


def test_ligand_far_below_kd():
    # [L] 0.1 nM / Kd 1.5 nM = 0.0667 < 0.1; occupancy 0.0667 / 1.0667 = 6.25%
    w = only(design_warnings(pk.RadioligandBinding(radioligand_conc="0.1 nM")), "ligand-far-from-kd")
    assert w.numbers["occupancy"] == pytest.approx(0.0625)
    assert "only 6% of the sites" in w.message


@pytest.mark.parametrize("conc", ["0.15 nM", "15 nM"])  # exactly 0.1 x and 10 x Kd: on the limits, accepted
def test_ligand_at_the_limits_of_the_band(conc):
    assert "ligand-far-from-kd" not in codes(design_warnings(pk.RadioligandBinding(radioligand_conc=conc)))


def test_saturation_series_that_stops_below_80_percent_occupancy():
    # top 3 nM = 2 Kd -> occupancy 2/3 = 67% < 80% (needs [L] >= 4 Kd = 6 nM)
    w = only(design_warnings(pk.RadioligandBinding(mode="saturation", sat_top_conc="3 nM")), "saturation-range")
    assert w.numbers["top_ratio"] == pytest.approx(2.0)
    assert "needs >= 80%, i.e. >= 6 nM" in w.message


def test_saturation_defaults_span_the_curve():
    # 20 nM / 2^k, k = 0..7: top 20 nM = 13.3 Kd (93%), lowest 0.15625 nM = 0.104 Kd (9.4%): inside 20-80%
    assert design_warnings(pk.RadioligandBinding(mode="saturation")) == []


def test_saturation_series_starting_too_high():
    # top 20 nM, factor 1.5, 4 concentrations: lowest 20 / 1.5^3 = 5.93 nM = 3.95 Kd (80% occupancy) > 0.25 Kd
    p = pk.RadioligandBinding(mode="saturation", sat_dilution_factor=1.5, sat_n_conc=4)
    w = only(design_warnings(p), "saturation-range")
    assert w.numbers["lowest_ratio"] == pytest.approx(20 / 1.5 ** 3 / 1.5)


# -- 3. points around the IC50 --------------------------------------------------------------------
def test_ten_fold_steps_leave_two_points_on_the_slope():
    # 10 uM / 10^k, k = 0..7 (lowest 1 pM): IC50 0.58 nM is bracketed (2.76 below, 4.24 above), but only
    # 1 nM and 100 pM lie between 0.58/9 = 64.4 pM and 0.58 x 9 = 5.22 nM
    ws = design_warnings(pk.RadioligandBinding(dilution_factor=10, n_conc=8))
    assert codes(ws) == ["few-points-near-ic50"]
    assert ws[0].numbers["points"] == 2
    assert ws[0].numbers["ic10_nM"] == pytest.approx(0.58 / 9)


def test_half_log_steps_put_enough_points_on_the_slope():
    # 10 uM / 3.162^k, k = 0..11 (lowest 3.2 pM): 316, 100, 31.6 ... the points 3.16 nM, 1 nM, 316 pM, 100 pM lie
    # between 64.4 pM and 5.22 nM -> 4 >= 3
    assert design_warnings(pk.RadioligandBinding(dilution_factor=3.162)) == []


# -- 4. ligand depletion --------------------------------------------------------------------------
def test_depletion_with_dense_membranes(binding):
    # sites = 5000 fmol/mg x 0.05 mg = 250 fmol; bound = 250 x 1.5/(1.5 + 1.5) = 125 fmol;
    # added = 1.5 nM x 250 uL = 375 fmol; 125/375 = 33% > 10%.
    # protein for 10%: 0.1 x (1.5 + 1.5) nM x 250 uL / 5000 fmol/mg = 75 fmol / 5000 fmol/mg = 15 ug
    p = pk.RadioligandBinding(protein_per_well="50 ug")
    w = only(design_warnings(p, bmax="5000 fmol/mg"), "ligand-depletion")
    assert w.numbers["bound_fmol"] == pytest.approx(125)
    assert w.numbers["added_fmol"] == pytest.approx(375)
    assert w.numbers["fraction"] == pytest.approx(1 / 3)
    assert w.numbers["protein_max_ug"] == pytest.approx(15)
    assert "<= 15 µg protein per well" in w.message


def test_no_depletion_at_the_default_protein(binding):
    # 1000 fmol/mg x 0.01 mg = 10 fmol sites; bound 5 fmol of 375 fmol added = 1.3%
    assert design_warnings(binding, bmax="1000 fmol/mg") == []


def test_saturation_depletion_is_worst_at_the_lowest_ligand():
    # lowest [L] 20/2^7 = 0.15625 nM; sites 5000 x 0.01 = 50 fmol; bound 50 x 0.15625/1.65625 = 4.717 fmol;
    # added 0.15625 nM x 250 uL = 39.06 fmol; 4.717/39.06 = 12.1% > 10%
    w = only(design_warnings(pk.RadioligandBinding(mode="saturation"), bmax="5 pmol/mg"), "ligand-depletion")
    assert w.numbers["fraction"] == pytest.approx(4.71698 / 39.0625, rel=1e-5)


def test_bmax_of_the_wrong_dimension_is_refused(binding):
    with pytest.raises(pk.DimensionError, match="bmax"):
        design_warnings(binding, bmax="5 nM")


# -- 5. pipetting -----------------------------------------------------------------------------------
@pytest.mark.parametrize("cls, values, stock_row, expected_ul", [
    # addition 250/10 = 25 uL; keep 25 x 3 x 1.2 = 90; T = 90/2 = 45; stock (90 + 45) x 100 uM / 10 mM = 1.35
    (pk.RadioligandBinding, {}, "sertraline stock", 1.35),
    # addition 200/10 = 20 uL; keep 20 x 3 x 1.2 = 72; T = 36; stock 108 x 100 uM / 10 mM = 1.08
    (pk.ReuptakeInhibition, {}, "sertraline stock", 1.08),
    # keep 25 x 2 x 3 x 1.2 = 180; T = 180/1 = 180; stock 360 x 200 nM / 12.5 uM = 5.76
    (pk.RadioligandBinding, {"mode": "saturation"}, "[3H]citalopram stock", 5.76),
])
def test_series_volumes_match_the_reagent_table(cls, values, stock_row, expected_ul):
    p = cls(**values)
    vols = series_volumes(read_design(p))
    assert vols.stock_draw == pytest.approx(expected_ul)
    table = p.reagents
    assert table.loc[table["reagent"] == stock_row, "total"].item() == pytest.approx(expected_ul)


def test_a_concentrated_stock_needs_sub_microlitre_pipetting():
    # 100 mM stock: 135 uL x 100 uM / 100 mM = 0.135 uL
    w = only(design_warnings(pk.RadioligandBinding(compound_stock="100 mM")), "volume-below-pipettable")
    assert w.numbers["stock_draw_uL"] == pytest.approx(0.135)
    assert "sertraline stock into the first tube 0.135 µL" in w.message
    assert w.fields == ("compound_stock",)


def test_a_hundred_fold_series_transfers_under_a_microlitre():
    # T = 90 uL / (100 - 1) = 0.909 uL; the stock draw, (90 + 0.909) x 10 uM / 100 uM = 9.09 uL, is fine
    p = pk.RadioligandBinding(dilution_factor=100, n_conc=3, top_conc="1 uM", compound_stock="0.1 mM")
    series, ligand = [w for w in design_warnings(p) if w.code == "volume-below-pipettable"]
    assert series.numbers["transfer_uL"] == pytest.approx(90 / 99)
    assert series.fields == ("dilution_factor",)
    # 15 wells: the radioligand working solution 15 x 25 x 1.2 = 450 uL x 15 nM / 12.5 uM = 0.54 uL of stock
    assert ligand.numbers["volume_uL"] == pytest.approx(0.54) and ligand.fields == ("radioligand_stock",)


def test_the_threshold_is_a_parameter(binding):
    # the default 1.35 uL stock draw passes 1 uL but not 2 uL; so does the 1.512 uL radioligand draw
    assert design_warnings(binding) == []
    series, ligand = [w for w in design_warnings(binding, min_volume="2 uL") if w.code == "volume-below-pipettable"]
    assert series.numbers["min_volume_uL"] == 2 and series.numbers["stock_draw_uL"] == pytest.approx(1.35)
    assert ligand.numbers["volume_uL"] == pytest.approx(1.512) and ligand.numbers["min_volume_uL"] == 2


# -- the warning object -----------------------------------------------------------------------------
def test_a_warning_is_immutable_and_prints_its_message():
    w = DesignWarning("x", "the message", {"a": 1.0}, ("f",))
    assert str(w) == "the message"
    with pytest.raises(TypeError):
        w.numbers["a"] = 2.0
    assert isinstance(w.numbers, types.MappingProxyType)
