"""Readings are shown with their units (issue 14, small items): the Data step's plate map and
tables and the report's data tables say CPM, RFU, the HPLC's peak-area unit and the unit of
each concentration, from the protocol's readout and the file's headers, not bare numbers."""
import re

import pandas as pd
import pytest

import protocol_kit as pk
from protocol_kit import demo_files
from protocol_kit.io.reading_units import header_unit

from .conftest import start, upload

FLUO = {"readout": "fluorescence endpoint", "substrate": "fluorescent substrate", "top_conc": "10 uM",
        "compound_stock": "10 mM", "substrate_km": "500 nM"}


@pytest.mark.parametrize("header, unit", [
    ("Area [nA*min]", "nA·min"), ("Peak Area (µV*s)", "µV·s"), ("Amount [nM]", "nM"),
    ("Concentration (pg/uL)", "pg/uL"), ("Area", None), ("Amount", None), (None, None),
])
def test_the_unit_a_header_names(header, unit):
    assert header_unit(header) == unit


def test_binding_readings_on_the_plate_are_in_cpm(app, counts_csv):
    start(app)
    upload(app.data_view, "counts.csv", counts_csv.read_bytes())
    html = app.data_view.readings.value
    raw = pd.read_csv(counts_csv).set_index("well")["cpm"]
    # the shade runs from the lowest to the highest count of the file, in CPM
    assert f"readings in CPM, from {raw.min():.4g} CPM (lightest) to {raw.max():.4g} CPM (darkest)" in html
    assert f"title='A1: TB = {raw['A1']:.4g} CPM'" in html
    titles = re.findall(r"title='([A-H]\d+): [^=']+ = ([^']*)'", html)
    assert len(titles) == 42 and all(v.endswith(" CPM") for _, v in titles)


def test_fluorescence_readings_are_in_rfu(store_path, tmp_path):
    p = pk.ReuptakeInhibition(**FLUO)
    app = p.form(store=store_path, out_dir=tmp_path / "out")
    start(app)
    sim = p.simulate(seed=1)
    upload(app.data_view, "rfu.csv", sim.to_csv(index=False).encode())
    html = app.data_view.readings.value
    assert "readings in RFU" in html and "CPM" not in html
    first = sim.set_index("well")["value"].dropna()
    well = first.index[0]
    assert re.search(rf"title='{well}: [^=']+ = {re.escape(f'{first[well]:.4g}')} RFU'", html)


def _hplc_app(store_path, tmp_path, header="Area [nA*min]"):
    p = pk.Microdialysis()
    path = demo_files.hplc_results(p, p.simulate(seed=1), tmp_path / "hplc.csv")
    text = path.read_text().replace(",Area [nA*min]", f",{header}")
    app = p.form(store=store_path, out_dir=tmp_path / "out")
    start(app)
    upload(app.data_view, "hplc.csv", text.encode())
    return app


def test_hplc_peak_areas_and_standards_carry_the_headers_units(store_path, tmp_path):
    app = _hplc_app(store_path, tmp_path)
    html = app.data_view.readings.value
    # the demo file's header row: ... Amount [nM], Area [nA*min]
    assert "peak area (nA·min)" in html and "standard conc (nM)" in html
    assert "<th>peak_area</th>" not in html and "<th>standard_conc</th>" not in html


def test_a_peak_area_header_without_a_unit_is_said_so_not_guessed(store_path, tmp_path):
    app = _hplc_app(store_path, tmp_path, header="Area")
    html = app.data_view.readings.value
    assert "peak area (peak-area units as exported, header 'Area')" in html
    assert "nA·min" not in html


def test_concentrations_in_a_table_carry_their_unit(app, counts_csv):
    """A joined frame shown as a table (no plate map) writes the plan's molar concentrations
    in a unit: [L] is the plan's 1.5 nM (the SERT default, [L] = Kd); C1 holds the top
    concentration 10 µM and C2 a third of it, 3.33 µM (the series is 1:3)."""
    start(app)
    upload(app.data_view, "counts.csv", counts_csv.read_bytes())
    table = app.session.data.table().groupby("group").first()
    nbsp = "\u00a0"   # number and unit are kept on one line
    assert table.loc["TB", "radioligand_conc"] == f"1.5{nbsp}nM" and table.loc["TB", "conc"] == ""
    assert table.loc["C1", "conc"] == f"10{nbsp}µM" and table.loc["C2", "conc"] == f"3.33{nbsp}µM"
    assert "cpm (CPM)" in table.columns and "value (CPM)" in table.columns


def test_the_reports_data_tables_carry_the_units(store_path, tmp_path):
    p = pk.ReuptakeInhibition()
    run = p.start_run(operator="A. Smith", store=store_path)
    run.attach_data(p.simulate(seed=1), name="counts.csv")
    run.analyse()
    text = run.report(tmp_path / "uptake.html").read_text()
    for head in ("Mean (CPM)", "SD (CPM)", "Vehicle mean (CPM)", "Full inhibition mean (CPM)"):
        assert f"<th>{head}</th>" in text
    assert "<th>Mean</th>" not in text

    m = pk.Microdialysis()
    run = m.start_run(operator="A. Smith", store=store_path)
    run.attach_data(demo_files.hplc_results(m, m.simulate(seed=1), tmp_path / "hplc.csv"))
    run.analyse()
    text = run.report(tmp_path / "md.html").read_text()
    assert "<th>Peak area (nA·min)</th>" in text and "peak area (nA·min)" in text   # table and plot axis


def test_standards_in_micromolar_are_read_as_such_and_a_mass_unit_is_refused(tmp_path):
    """The amount column's unit is read from its header: 'Amount [uM]' with the demo's
    nominal amounts divided by 1000 is the same curve (0.05 nM = 5e-5 µM); 'Amount [pg/uL]'
    would need the analyte's molar mass, so it is refused, naming the header."""
    from protocol_kit import DataFormatError
    from protocol_kit.io import read_for_analysis

    m = pk.Microdialysis()
    path = demo_files.hplc_results(m, m.simulate(seed=1), tmp_path / "hplc.csv")
    lines = path.read_text().splitlines()
    nm = read_for_analysis(m, path.read_bytes(), name="hplc.csv")
    header = lines.index(next(x for x in lines if x.startswith("No.,")))
    um_lines = lines[: header + 1] + [
        ",".join(f"{float(c) / 1000:g}" if i == 5 and c else c for i, c in enumerate(x.split(",")))
        for x in lines[header + 1:]]
    um_lines[header] = um_lines[header].replace("Amount [nM]", "Amount [uM]")
    um = read_for_analysis(m, "\n".join(um_lines).encode(), name="hplc-um.csv")
    std = nm["standard_conc"].notna()
    assert list(um.loc[std, "standard_conc"]) == pytest.approx(list(nm.loc[std, "standard_conc"]), rel=1e-9)
    lines[header] = lines[header].replace("Amount [nM]", "Amount [pg/uL]")
    with pytest.raises(DataFormatError, match=r"'Amount \[pg/uL\]' is in pg/uL"):
        read_for_analysis(m, "\n".join(lines).encode(), name="hplc-mass.csv")
