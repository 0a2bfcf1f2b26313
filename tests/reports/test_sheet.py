"""Every protocol through plan and sheet: the HTML parses and holds the plan; the PDF has pages
and the checklist text."""
import datetime as dt
import io

import pytest
import tinyhtml5
from pypdf import PdfReader

import protocol_kit as pk
from protocol_kit.reports.render import render_sheet

NS = "{http://www.w3.org/1999/xhtml}"


def _text(el):
    return "".join(el.itertext())


def parse(html):
    return tinyhtml5.parse(html)


def test_html_sheet_parses_and_holds_the_plan(protocol_id):
    p = pk.get_protocol(protocol_id)
    root = parse(render_sheet(p, today=dt.date(2026, 11, 21)))
    body = _text(root)
    # the checklist: one row per step, with its id, a tick box and time/initials cells
    rows = root.findall(f".//{NS}table[@class='checklist']/{NS}tbody/{NS}tr")
    assert [r.get("id") for r in rows] == [s.id for s in p.checklist]
    assert all(len(r.findall(f"{NS}td")) == 6 for r in rows)
    # the reagent table has empty Lot and Expiry columns
    heads = [_text(th) for th in root.findall(f".//{NS}table[@class='reagents']/{NS}thead/{NS}tr/{NS}th")]
    assert "Lot" in heads and "Expiry" in heads
    for amount in p.reagents["amount"]:
        assert amount in body
    assert "Performed by" in body and "Reviewed by" in body and "Deviations and notes" in body
    assert "printed 2026-11-21" in body  # the page footer text (in the @page CSS)
    assert 'counter(page) " of " counter(pages)' in body


def test_the_sheet_writes_micro_as_the_micro_sign(protocol_id):
    # every protocol's sheet has µL volumes or µM concentrations: all in U+00B5, none in
    # Greek mu U+03BC (what pint 0.26 prints by itself)
    html = render_sheet(pk.get_protocol(protocol_id), today=dt.date(2026, 11, 21))
    assert "\u00b5" in html and "\u03bc" not in html


def test_plate_map_is_a_full_grid():
    root = parse(pk.RadioligandBinding().sheet())
    grid = root.find(f".//{NS}table[@class='plate']")
    rows = grid.findall(f"{NS}tbody/{NS}tr")
    # 8 rows x 12 columns, each row with a header cell
    assert len(rows) == 8 and all(len(r.findall(f"{NS}td")) == 12 for r in rows)
    assert _text(rows[0].findall(f"{NS}td")[0]).startswith("TB")
    # control wells (TB, NSB) carry no concentration: no "nan M" under their code
    cells = [_text(td) for r in rows for td in r.findall(f"{NS}td")]
    assert not [c for c in cells if "nan" in c.lower()]
    assert cells[0].replace("\u00a0", " ").strip() == "TB" and "M" not in cells[0]
    root = parse(pk.RadioligandBinding(plate_format="384").sheet())
    rows = root.find(f".//{NS}table[@class='plate']").findall(f"{NS}tbody/{NS}tr")
    assert len(rows) == 16 and all(len(r.findall(f"{NS}td")) == 24 for r in rows)


def test_fraction_schedule_has_tube_labels():
    p = pk.Microdialysis()
    root = parse(p.sheet())
    rows = root.findall(f".//{NS}table[@class='schedule']/{NS}tbody/{NS}tr")
    assert len(rows) == len(p.schedule) == 13
    assert "F01" in _text(rows[0]) and "-80" in _text(rows[0])
    animals = root.findall(f".//{NS}table[@class='animals']/{NS}tbody/{NS}tr")
    assert len(animals) == 12


def test_changed_values_are_marked():
    html = pk.RadioligandBinding(replicates=2).sheet()
    assert 'class="changed"' in html


@pytest.mark.parametrize("paper, size", [("A4", (595.3, 841.9)), ("Letter", (612.0, 792.0))])
def test_pdf_sheet_has_pages_of_the_paper_and_the_checklist(tmp_path, protocol_id, paper, size):
    p = pk.get_protocol(protocol_id)
    out = p.sheet(tmp_path / "sheet.pdf", paper=paper)
    reader = PdfReader(io.BytesIO(out.read_bytes()))
    assert len(reader.pages) >= 2
    first = reader.pages[0].mediabox
    # A4 is 210 x 297 mm = 595.3 x 841.9 pt; Letter 8.5 x 11 in = 612 x 792 pt
    assert (float(first.width), float(first.height)) == pytest.approx(size, abs=0.5)
    text = " ".join(page.extract_text() for page in reader.pages)
    flat = " ".join(text.split())
    assert f"Page 1 of {len(reader.pages)}" in flat
    for step in p.checklist[:3]:
        assert " ".join(step.text.split()[:4]) in flat
    # a heading is kept with its content: the page that holds "3. Checklist" holds its first step
    # (the binding sheet's page 4 held only the heading and its one-line note)
    page = next(pg.extract_text() for pg in reader.pages if "3. Checklist" in pg.extract_text())
    assert " ".join(p.checklist[0].text.split()[:4]) in " ".join(page.split())


def test_unknown_paper_and_extension_are_errors(tmp_path):
    with pytest.raises(pk.ParameterError, match="^paper: 'A5'"):
        pk.RadioligandBinding().sheet(paper="A5")
    with pytest.raises(pk.ParameterError, match="^output: "):
        pk.RadioligandBinding().sheet(tmp_path / "sheet.docx")
