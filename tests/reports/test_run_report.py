"""Run.analyse and Run.report: what they record, what they refuse, and what the report holds."""
import hashlib
import io

import pytest
import tinyhtml5
from pypdf import PdfReader

import protocol_kit as pk
from protocol_kit.errors import ParameterError, ProtocolKitError, UnknownNameError
from protocol_kit.records.run import ANALYSIS_KIND
from tests.bench import tick_rest

NS = "{http://www.w3.org/1999/xhtml}"


@pytest.fixture
def binding_run(store):
    p = pk.RadioligandBinding()
    run = p.start_run(operator="A. Smith", store=store)
    run.attach_data(p.simulate(seed=1), name="counts.csv")
    return run


def test_analyse_records_the_result_with_its_source(binding_run):
    before = binding_run.state.n_events
    r = binding_run.analyse()
    assert binding_run.state.n_events == before + 1
    event = binding_run.events[-1]
    assert event.type == "analysis_recorded" and event.operator == "A. Smith"
    rec = binding_run.latest_analysis().result
    assert rec["kind"] == ANALYSIS_KIND and rec["result_type"] == "CompetitionResult"
    assert rec["summary"] == r.summary()
    # the data file's name and the SHA-256 it was attached with
    assert rec["data"]["name"] == "counts.csv"
    assert rec["data"]["sha256"] == binding_run.data_files[0].sha256
    # the recorded numbers are the result's (NaN concentrations of the control rows as None)
    assert rec["result"]["ic50"] == r.ic50 and rec["result"]["ki_ci"] == list(r.ki_ci)
    assert rec["result"]["tables"]["concentrations"][0]["conc"] is None


def test_analyse_passes_and_records_options(binding_run):
    r = binding_run.analyse("counts.csv", weighting=None, bottom=0)
    rec = binding_run.latest_analysis().result
    assert rec["options"] == {"weighting": None, "bottom": 0}
    assert "bottom" in r.fit.fixed and r.fit.bottom == 0


def test_analyse_a_frame_is_recorded_as_not_attached(store):
    p = pk.ReuptakeInhibition(top_conc="1 uM")
    run = p.start_run(operator="B. Jones", store=store)
    frame = p.simulate(seed=2)
    run.analyse(frame)
    data = run.latest_analysis().result["data"]
    assert data["name"] is None and data["rows"] == len(frame)
    assert data["sha256"] == hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()


def test_analyse_errors(store):
    run = pk.RadioligandBinding().start_run(operator="A. Smith", store=store)
    with pytest.raises(ProtocolKitError, match=r"no data file attached, nothing to analyse"):
        run.analyse()
    with pytest.raises(UnknownNameError, match=r"unknown data file 'counts.txt'"):
        run.analyse("counts.txt")
    with pytest.raises(ParameterError, match=r"^data: 'int'"):
        run.analyse(3)


def test_report_analyses_first_and_stores_the_bytes(binding_run, tmp_path):
    out = binding_run.report(tmp_path / "report.html")
    types = [e.type for e in binding_run.events]
    assert types[-2:] == ["analysis_recorded", "report_rendered"]
    stored = binding_run.reports[-1]
    data = out.read_bytes()
    assert stored.name == "report.html" and stored.sha256 == hashlib.sha256(data).hexdigest()
    assert binding_run.data_bytes("report.html") == data
    # a second report of the same name gets a new name, never replaces the first
    binding_run.report(tmp_path / "report.html")
    assert [f.name for f in binding_run.reports] == ["report.html", "report-2.html"]


def test_report_without_data_is_a_clear_error(store, tmp_path):
    run = pk.Microdialysis().start_run(operator="C. Lee", store=store)
    with pytest.raises(ProtocolKitError, match=r"no analysis and no data file to analyse; attach"):
        run.report(tmp_path / "r.html")
    with pytest.raises(ParameterError, match=r"^output: .*allowed: a file name ending in .html or .pdf"):
        run.report(tmp_path / "r.docx")
    with pytest.raises(ParameterError, match=r"^pdfa: "):
        run.report(tmp_path / "r.html", pdfa=True)
    assert not (tmp_path / "r.html").exists() and run.state.n_events == 1


def _text(html):
    return " ".join("".join(tinyhtml5.parse(html).itertext()).split())


def test_report_shows_the_record_and_the_recorded_numbers(binding_run, tmp_path):
    run = binding_run
    p = run.protocol
    run.check("rb-buffer")
    run.check("rb-filters", operator="B. Jones")
    run.record_lot("NaCl", "L-4711", "2030-01-31")
    run.deviation("filters soaked 2 h instead of 1 h", step_id="rb-filters")
    r = run.analyse()
    head = run.head
    html = run.report(tmp_path / "r.html").read_text(encoding="utf-8")
    text = _text(html)
    assert r.summary().replace("\u00a0", " ") in text.replace("\u00a0", " ")
    for value in (r.ic50_text, pk.units.format_molar(r.ki), f"{r.hill:.2f}"):
        assert value in html
    root = tinyhtml5.parse(html)
    rows = {tr.get("id"): " ".join("".join(tr.itertext()).split())
            for tr in root.findall(f".//{NS}table[@class='checklist']/{NS}tbody/{NS}tr")}
    assert list(rows) == [s.id for s in p.checklist]
    assert "B. Jones" in rows["rb-filters"] and "DEVIATION" not in rows["rb-filters"]  # CSS adds the word
    assert "filters soaked 2 h instead of 1 h" in rows["rb-filters"]
    # rb-filters (planned 60 min) was ticked a fraction of a second after rb-buffer: the ticks
    # do not time it, and its deviation, not "0 s shorter than planned", describes it
    assert "shorter than planned" not in rows["rb-filters"]
    assert "see the deviation recorded for this step" in rows["rb-filters"]
    assert "not ticked" in rows["rb-plate"]
    assert "L-4711" in text and "2030-01-31" in text
    # the head hash when rendered, which the report's own event then chains to
    assert head in html and run.events[-1].prev_hash == head
    assert "performed" in text and "Not signed in the record yet" in text
    # the signing hint is a command that works: --name is required
    assert f'protocol-kit runs sign {run.id} --name "YOUR NAME" --meaning performed' in text


def test_signed_run_report_fills_the_signatures_and_is_not_stored(binding_run, tmp_path):
    run = binding_run
    run.analyse()
    tick_rest(run)
    run.sign("A. Smith", "performed")
    run.sign("B. Jones", "reviewed")      # a review closes the reports ('performed' alone does not)
    n_reports, head = len(run.reports), run.head
    html = run.report(tmp_path / "signed.html").read_text(encoding="utf-8")
    assert len(run.reports) == n_reports and run.head == head
    root = tinyhtml5.parse(html)
    sign_rows = [[" ".join("".join(td.itertext()).split()) for td in tr.findall(f"{NS}td")]
                 for tr in root.findall(f".//{NS}table[@class='sign']/{NS}tbody/{NS}tr")]
    meaning, name, signed, _ = sign_rows[0]
    assert (meaning, name) == ("performed", "A. Smith")
    assert run.signatures[0].record_hash[:16] in signed and signed.startswith(run.signatures[0].time[:10])
    assert sign_rows[1][:2] == ["reviewed", "B. Jones"]
    assert "signed and locked" in _text(html)
    # each signature names its key and receipt; the PDF carries the receipts as attachments
    receipts = sorted(run.store.path.with_name(run.store.path.name + ".receipts").iterdir())
    assert [p.name for p in receipts] == [f"{run.id}.{g.covers_seq + 1}.json" for g in run.signatures]
    assert f"receipt {receipts[0].name}" in signed
    pdf = PdfReader(io.BytesIO(run.report(tmp_path / "signed.pdf").read_bytes()))
    assert {name: data[0] for name, data in pdf.attachments.items()} == {p.name: p.read_bytes() for p in receipts}


def test_pdf_report_text_holds_the_results(binding_run, tmp_path):
    r = binding_run.analyse()
    out = binding_run.report(tmp_path / "r.pdf", paper="Letter")
    reader = PdfReader(io.BytesIO(out.read_bytes()))
    # US Letter, 8.5 x 11 in = 612 x 792 pt, on every page
    assert {(round(float(pg.mediabox.width)), round(float(pg.mediabox.height))) for pg in reader.pages} == {(612, 792)}
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages).replace("\u00a0", " ")
    assert f"Page 1 of {len(reader.pages)}" in text
    assert f"Run ID: {binding_run.id}" in text
    for value in (r.ic50_text, pk.units.format_molar(r.ki), pk.units.format_molar(r.ki_direct)):
        assert value.replace("\u00a0", " ") in text
    assert "All quality checks passed" in text
    assert binding_run.reports[-1].sha256 == hashlib.sha256(out.read_bytes()).hexdigest()


def test_instrument_files_read_back_give_the_same_analysis(store, tmp_path):
    """Each protocol's simulated data, written as its instrument writes it and attached, is
    analysed by run.analyse() to the same numbers as the simulated frame itself."""
    from protocol_kit.demo_files import instrument_file

    cases = [(pk.RadioligandBinding(), {}, "ki"), (pk.ReuptakeInhibition(top_conc="1 uM"), {}, "ki"),
             (pk.Microdialysis(), {"weighting": "1/x"}, None)]
    for p, options, attr in cases:
        data = p.simulate(seed=3)
        run = p.start_run(operator="A. Smith", store=store)
        run.attach_data(instrument_file(p, data, tmp_path, p.id))
        from_file, direct = run.analyse(**options), p.analyse(data, **options)
        if attr:
            assert getattr(from_file, attr) == pytest.approx(getattr(direct, attr), rel=1e-9)
        else:  # microdialysis: every group's AUC (peak areas written with 4 decimals)
            a, b = from_file.table("groups"), direct.table("groups")
            assert list(a["group"]) == list(b["group"]) == ["vehicle", "sertraline 10 mg/kg"]
            assert a["auc_mean"].to_numpy() == pytest.approx(b["auc_mean"].to_numpy(), rel=1e-6)


def test_ticks_entered_together_are_not_called_shorter_than_planned(binding_run, tmp_path):
    run = binding_run
    run.check("rb-buffer")
    run.check("rb-filters")     # planned 60 min; ticked well under 5% of that (3 min) later
    html = run.report(tmp_path / "r.html").read_text(encoding="utf-8")
    root = tinyhtml5.parse(html)
    row = next(" ".join("".join(tr.itertext()).split())
               for tr in root.findall(f".//{NS}table[@class='checklist']/{NS}tbody/{NS}tr") if tr.get("id") == "rb-filters")
    assert "ticked together with the step before" in row and "shorter than planned" not in row
