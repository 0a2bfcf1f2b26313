"""The shipped reference library against the seed tables, and look-ups by name.

Expected values are typed here from the seed documents (seed 004 Tables 1 and 2, seed 000's
binding-profile table, as summarised in shared/DOMAIN.md), independently of the data file.
"""
import dataclasses
import math

import pytest

import protocol_kit.reference as ref
from protocol_kit import ParameterError, UnknownNameError

# seed 004, Table 1 (SERT, NET, DAT) and Table 2 (muscarinic M1, H1, alpha-1), nM, species not stated.
SEED_004 = {
    "imipramine": ["0.8-4.6", "37-129", "8500", "11-91", "1.1-11", "23-67"],
    "fluoxetine": ["0.8-2.6", "140-420", "2000-9400", "1100-2500", "120-360", "1400-2900"],
    "sertraline": ["0.2-2.1", "25-420", "22-440", "480-1700", ">10000", "36-350"],
    "paroxetine": ["0.1-0.5", "40-150", "270-1000", "3-6.8", "26-130", "1000-3700"],
    "citalopram": ["1.1-5.4", "2900-8700", ">10000", "1200-3700", "400-1900", "2100-4700"],
    "escitalopram": ["1.1", "6700", ">10000", ">1000", ">1000", ">1000"],
}
TARGETS = ["SERT", "NET", "DAT", "muscarinic", "H1", "alpha-1"]
# seed 000, sertraline: target -> (text, species)
SEED_000 = {"SERT": ("0.29", "human"), "DAT": ("25", "human"), "NET": ("420", "human"),
            "sigma-1": ("32-57", "rat"), "H1": (">24000", "human"), "muscarinic": (">427", "human"),
            "alpha-1": (">1900", "human")}


def as_text(row) -> str:
    """A table row back in the seed's notation."""
    if row.qualifier == ">":
        return f">{row.low_nM:g}"
    if not math.isnan(row.value_nM):
        return f"{row.value_nM:g}"
    return f"{row.low_nM:g}-{row.high_nM:g}"


def test_table_holds_every_seed_value_with_its_source():
    t = ref.shipped().table()
    assert len(t) == 6 * 6 + 7  # 36 cells of seed 004 + 7 rows of seed 000
    for drug, cells in SEED_004.items():
        for target, text in zip(TARGETS, cells):
            rows = t[(t.drug == drug) & (t.target == target) & t.source.str.startswith("seed 004")]
            assert len(rows) == 1, (drug, target)
            row = rows.iloc[0]
            assert as_text(row) == text, (drug, target)
            assert row.source == ("seed 004 Table 1" if target in ("SERT", "NET", "DAT") else "seed 004 Table 2")
            assert row.species == ""
    for target, (text, species) in SEED_000.items():
        rows = t[(t.drug == "sertraline") & (t.target == target) & t.source.str.startswith("seed 000")]
        assert len(rows) == 1, target
        assert as_text(rows.iloc[0]) == text
        assert rows.iloc[0].species == species


def test_sertraline_at_sert_combines_the_range_and_the_human_point_value():
    r = ref.shipped().ki("sertraline", "SERT")
    assert r.low.to("nM").magnitude == pytest.approx(0.2)
    assert r.high.to("nM").magnitude == pytest.approx(2.1)
    assert r.value.to("pM").magnitude == pytest.approx(290)  # 0.29 nM = 290 pM
    assert r.qualifier == ""
    assert r.species == "human (value); species not stated (range)"
    assert r.source == "seed 000 binding-profile table (value); seed 004 Table 1 (range)"
    # the planning estimate is the point value when there is one
    assert r.estimate.to("nM").magnitude == pytest.approx(0.29)
    # the entries name their file lines: the range row, then the value row
    from importlib import resources

    lines = resources.files("protocol_kit.reference").joinpath("data", "antidepressants.csv").read_text(
        "utf-8").splitlines()
    assert [lines[e.line - 1] for e in r.entries] == [
        "sertraline,SERT,0.2,2.1,,,nM,,seed 004 Table 1,",
        "sertraline,SERT,,,0.29,,nM,human,seed 000 binding-profile table,"]


def test_estimate_of_a_range_is_its_geometric_mean():
    # sertraline alpha-1, 36-350 nM: sqrt(36 x 350) = sqrt(12600) = 112.25 nM
    r = ref.shipped().ki("sertraline", "alpha-1")
    assert r.value is None
    assert r.estimate.to("nM").magnitude == pytest.approx(112.2497, rel=1e-5)


def test_a_lower_bound_has_low_only_and_no_estimate():
    r = ref.shipped().ki("citalopram", "DAT")  # ">10000" in seed 004 Table 1
    assert (r.low.to("uM").magnitude, r.high, r.value, r.qualifier) == (pytest.approx(10), None, None, ">")
    assert r.estimate is None


def test_the_summary_across_studies_wins_unless_a_species_is_asked_for():
    lib = ref.shipped()
    assert lib.ki("sertraline", "H1").low.to("nM").magnitude == 10000  # seed 004, species not stated
    human = lib.ki("sertraline", "H1", species="Human")
    assert human.low.to("nM").magnitude == 24000 and human.source == "seed 000 binding-profile table"
    assert lib.ki("sertraline", "sigma-1").species == "rat"


@pytest.mark.parametrize("drug, target", [("Sertraline", "5-HTT"), ("SERTRALINE", "serotonin transporter"),
                                          ("sertraline", "sert")])
def test_names_are_case_insensitive_with_target_aliases(drug, target):
    assert ref.shipped().ki(drug, target).value.to("nM").magnitude == pytest.approx(0.29)


@pytest.mark.parametrize("alias", ["alpha1", "α1", "Alpha-1 adrenergic"])
def test_alpha_1_aliases(alias):
    assert ref.shipped().ki("imipramine", alias).low.to("nM").magnitude == 23  # seed 004: 23-67


def test_m1_is_the_muscarinic_entry():
    assert ref.shipped().ki("paroxetine", "M1").high.to("nM").magnitude == pytest.approx(6.8)  # 3-6.8


def test_unknown_drug_suggests_the_near_miss():
    with pytest.raises(UnknownNameError, match=r"unknown drug 'sertralin'; did you mean 'sertraline'\?"):
        ref.shipped().ki("sertralin", "SERT")


def test_unknown_target_suggests_the_near_miss():
    with pytest.raises(UnknownNameError, match=r"unknown target 'DATT'; did you mean 'DAT'\?"):
        ref.shipped().ki("sertraline", "DATT")


def test_a_target_without_a_value_for_that_drug_lists_the_drugs_targets():
    with pytest.raises(UnknownNameError, match=r"target for escitalopram 'sigma-1'.*known: DAT, H1, NET, SERT"):
        ref.shipped().ki("escitalopram", "sigma-1")


def test_unknown_species():
    with pytest.raises(UnknownNameError, match=r"species for sertraline at SERT 'mouse'.*known: human"):
        ref.shipped().ki("sertraline", "SERT", species="mouse")


def test_records_are_immutable():
    r = ref.shipped().ki("fluoxetine", "NET")
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.low = None


def test_module_functions_use_the_library_in_use():
    assert ref.ki("paroxetine", "SERT").low.to("nM").magnitude == pytest.approx(0.1)
    assert ref.drugs() == ["imipramine", "fluoxetine", "sertraline", "paroxetine", "citalopram", "escitalopram"]
    assert ref.targets() == ["SERT", "NET", "DAT", "muscarinic", "H1", "alpha-1", "sigma-1"]
    assert len(ref.table()) == 43


def test_the_data_file_is_package_data():
    from importlib import resources

    text = resources.files("protocol_kit.reference").joinpath("data", "antidepressants.csv").read_text("utf-8")
    assert "drug,target,low,high,value,qualifier,unit,species,source,note" in text


def test_ambiguous_species_asks_for_one(tmp_path):
    f = tmp_path / "mine.csv"
    f.write_text("drug,target,low,high,value,qualifier,unit,species,source,note\n"
                 "sertraline,SERT,,,0.4,,nM,rat,my lab 2024,\n"
                 "sertraline,SERT,,,0.6,,nM,mouse,my lab 2024,\n", encoding="utf-8")
    lib = ref.shipped().with_file(f)
    with pytest.raises(ParameterError, match=r"species: None must be given.*one of mouse, rat"):
        lib.ki("sertraline", "SERT")
    assert lib.ki("sertraline", "SERT", species="rat").value.to("nM").magnitude == pytest.approx(0.4)


def test_find_is_ki_or_none_and_estimate_molar_is_the_estimate_in_molar():
    lib = ref.shipped()
    r = lib.find("sertraline", "alpha-1")
    assert r == lib.ki("sertraline", "alpha-1") and r.estimate_molar == float(r.estimate.to("M").magnitude)
    assert lib.find("sertraline", "no such target") is None and lib.find("no such drug", "SERT") is None
    assert ref.find("sertraline", "SERT").estimate_molar == pytest.approx(0.29e-9)
    assert lib.find("citalopram", "DAT").estimate_molar is None  # a bound has no estimate
