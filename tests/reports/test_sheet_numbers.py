"""Every sheet prints its numbers as a person pipettes and weighs them.

Each registered protocol's sheet is rendered in each mode, readout and dose basis, and in
plans that used to print badly (issue 13: "1.094e+04 µL", "(1e+04 nM)", "2.274e-13 µL"); the
visible HTML text must hold no scientific notation, no float residue (runs of 0s or 9s inside
a number) and no computed number of more than 4 significant figures (molar masses, quoted as
their source gives them, aside). The rule itself is checked on hand-worked cases.
"""
import pytest

import protocol_kit as pk
from protocol_kit.core.protocol import protocol_ids
from protocol_kit.reports.numbers import num, pvalue
from protocol_kit.reports.render import render_plan_summary, render_sheet
from protocol_kit.units import Q_, fmt_number, format_p, format_quantity, fmt_count
from tests.reports.sheet_text import numbers_in, problems, significant_figures, visible_text

FLUORESCENT = {"substrate": "fluorescent substrate", "substrate_km": "500 nM"}  # no listed Km: the plan asks for one
VARIANTS = {
    "binding competition": ("radioligand-binding", {"mode": "competition"}),
    "binding saturation": ("radioligand-binding", {"mode": "saturation"}),
    "uptake scintillation": ("reuptake-inhibition", {"readout": "scintillation"}),
    "uptake fluorescence endpoint": ("reuptake-inhibition", {"readout": "fluorescence endpoint", **FLUORESCENT}),
    "uptake fluorescence kinetic": ("reuptake-inhibition", {"readout": "fluorescence kinetic", **FLUORESCENT}),
    "microdialysis dose as base": ("microdialysis", {"dose_basis": "base"}),
    "microdialysis dose as salt": ("microdialysis", {"dose_basis": "salt"}),
    "microdialysis free base": ("microdialysis", {"salt_form": "free base"}),
    # plans whose sheets printed 1.186e+04 µL (membranes, 384 wells), 1e+04 nM (a 10x working
    # solution of 1 µM), 2.274e-13 µL (a neat 35 µM stock), 3.08e+04 µL per animal (aCSF)
    "binding 384 wells": ("radioligand-binding", {"plate_format": "384", "replicates": 4, "n_conc": 24}),
    "binding saturation 384": ("radioligand-binding", {"mode": "saturation", "plate_format": "384",
                                                       "replicates": 6, "sat_n_conc": 16}),
    "binding NSB at its stock": ("radioligand-binding", {"nsb_conc": "1 mM", "nsb_stock": "10 mM"}),
    "uptake substrate 1 µM": ("reuptake-inhibition", {"substrate_conc": "1 uM"}),
    "uptake neat substrate stock": ("reuptake-inhibition", {"substrate_conc": "3.5 uM"}),
    "microdialysis long and fast": ("microdialysis", {"n_animals": 200, "vehicle_animals": 100,
                                                      "post_dose_duration": "48 h", "flow_rate": "10 uL/min"}),
}


def test_the_variants_cover_every_protocol_and_every_mode_and_readout():
    covered = {pid for pid, _ in VARIANTS.values()}
    assert covered == set(protocol_ids())
    for name in ("mode", "readout", "dose_basis"):
        for pid in protocol_ids():
            param = next((p for p in pk.get_protocol(pid).parameters if p.name == name), None)
            if param is not None:
                used = {values.get(name, param.default) for q, values in VARIANTS.values() if q == pid}
                assert used == set(param.choices), (pid, name)


@pytest.mark.parametrize("name", list(VARIANTS))
def test_sheet_numbers_read_as_a_person_pipettes_them(name):
    pid, values = VARIANTS[name]
    p = pk.get_protocol(pid, **values)
    page = render_sheet(p)
    assert problems(page) == []
    assert problems(render_plan_summary(p)) == []
    assert len(numbers_in(visible_text(page))) > 50  # the scan sees the sheet's numbers


@pytest.mark.parametrize("name", ["competition", "saturation", "uptake", "microdialysis"])
def test_report_numbers_have_no_exponent_or_residue(name):
    # the golden reports, rendered from recorded runs (test_golden.py keeps them current); a
    # report also prints whole numbers whole (AUC 16808 %.min, 41347 CPM) and F with 2 decimals
    from tests.reports.golden_cases import GOLDEN

    page = (GOLDEN / f"report_{name}.html").read_text(encoding="utf-8")
    assert problems(page, max_figures=None) == []


def test_the_scan_finds_what_the_old_sheets_printed():
    # strings from the issue: each is found, so a sheet printing them fails the test above
    for bad in ("1.094e+04 µL", "(1e+04 nM)", "2.274e-13 µL", "12499.999999999998 nM", "0.30000000000000004"):
        assert problems(f"<p>x {bad} y</p>"), bad
    assert problems("<p>12.3456 mL</p>") == ["6 figures: '12.3456'"]
    assert problems("<p>M = 121.14 g/mol; 24.17 mg; 0.0000956 pM; 1152 µL; A12; 2026-12-05</p>") == []


@pytest.mark.parametrize("token, figures", [("0.0000956", 3), ("12500", 3), ("1152", 4), ("10.94", 4), ("0", 1),
                                            ("20000", 1), ("1.5", 2)])
def test_significant_figures_of_a_printed_number(token, figures):
    assert significant_figures(token) == figures


# -- the rule, on hand-worked cases ------------------------------------------------------------------

@pytest.mark.parametrize("x, digits, text", [
    (12499.999999999998, 4, "12500"),   # float residue of 12.5 µM in nM
    (10940.0, 4, "10940"), (41347.2, 4, "41347"),  # whole figures beyond 4 are kept whole, no exponent
    (9.56e-05, 3, "0.0000956"), (1e-05, 4, "0.00001"),
    (2.675, 3, "2.68"),     # half-up on the decimal 2.675 (its binary value 2.67499... would give 2.67)
    (1.5625, 4, "1.563"),   # 200 nM / 2^7 = 1.5625 nM
    (0.1 + 0.2, 4, "0.3"), (-0.0, 4, "0"), (1.119063, 4, "1.119"), (123.456, 3, "123"),
])
def test_fmt_number(x, digits, text):
    assert fmt_number(x, digits) == text


@pytest.mark.parametrize("quantity, text", [
    ("10940 uL", "10.94 mL"),      # 1.094e+04 µL on the old sheet
    ("1e4 nM", "10 µM"),           # (1e+04 nM) on the old sheet
    ("999.96 uL", "1 mL"),         # rounds to 1000 µL at 4 figures, so the unit goes up
    ("30800 uL", "30.8 mL"), ("0.5 mL", "500 µL"), ("0.0241718 g", "24.17 mg"),
    ("12.5 uM", "12.5 µM"), ("1 uL/min", "1 µL/min"), ("10 mg/kg", "10 mg/kg"), ("120 min", "120 min"),
])
def test_format_quantity_reads_in_the_best_unit(quantity, text):
    assert format_quantity(Q_(quantity)) == text


def test_p_values_and_report_numbers():
    # the microdialysis report printed p "4.7e-09" and "6.1e-05"
    assert pvalue(4.7e-09) == format_p(4.7e-09) == "< 0.0001" and pvalue(6.14e-05) == "< 0.0001"
    assert pvalue(0.00015) == "0.00015" and pvalue(0.03125) == "0.031" and pvalue(None) == "—"
    assert num(4.7e-09, 2) == "0.0000000047" and num(123456.7) == "123457"


def test_residue_is_removed_where_it_arises():
    # 3.57 µM x 10 = 35.7 µM = the substrate stock: the working solution is the stock used neat.
    # wells 2 x 6 controls + 12 x 3 = 48; 20 µL each x 1.2 = 1152 µL of stock, 0 µL of KRH
    # (the old sheet: "1152 µL stock + 2.274e-13 µL KRH").
    r = pk.ReuptakeInhibition(substrate_conc="3.57 uM").reagents
    row = r[r["reagent"] == "[3H]5-HT working solution"].iloc[0]
    assert row["notes"] == "1.152 mL stock + 0 µL KRH = 35.7 µM (10x)"
    # 12.5 µM is stored as 12500 nM, not 12499.999999999998 nM
    assert pk.RadioligandBinding().to_dict()["params"]["radioligand_stock"] == "12500.0 nM"
    # [L] 1250 nM at 10x is the 12.5 µM stock itself: the old code refused it as "too dilute"
    # (12500 nM > 12499.999999999998 nM); wells 3 x (12 + 2) = 42 x 25 µL x 1.2 = 1260 µL
    r = pk.RadioligandBinding(radioligand_conc="1250 nM").reagents
    row = r[r["reagent"] == "[3H]citalopram working solution"].iloc[0]
    assert row["notes"] == "1.26 mL stock + 0 µL assay buffer = 12.5 µM (10x)"


@pytest.mark.parametrize("n, text", [(9600, "9600"), (50000, "50\u202f000"), (2880000, "2\u202f880\u202f000"),
                                     (-12345, "-12\u202f345")])
def test_counts_are_grouped_with_a_thin_space_never_a_comma(n, text):
    # the uptake sheet printed "50,000 cells": read as 50 where the comma is the decimal sign
    assert fmt_count(n) == text


def test_the_uptake_sheet_seeds_cells_in_grouped_digits():
    # 50 000 cells per well (the default) x 48 wells x 1.2 overage = 2 880 000 cells
    p = pk.ReuptakeInhibition()
    step = next(s for s in p.checklist if s.id == "ru-cells")
    assert "Seed 50\u202f000 hSERT-HEK293 cells per well" in step.text
    cells = p.reagents[p.reagents["unit"] == "cells"].iloc[0]
    assert cells["total"] == 50000 * 48 * 1.2 and cells["amount"] == "2\u202f880\u202f000 cells"
