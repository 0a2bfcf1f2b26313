"""Data, Analysis and Report steps driven through their widgets, and resuming a run."""
import base64
import hashlib
import re

import pandas as pd
import pytest

import protocol_kit as pk
from protocol_kit.errors import ProtocolKitError
from tests.bench import tick_rest

from .conftest import events, start, upload

# The simulated truth (protocol_kit.reference, DOMAIN.md): sertraline Ki 0.29 nM at SERT; with
# [L] = Kd = 1.5 nM, Cheng-Prusoff gives IC50 = Ki (1 + [L]/Kd) = 0.58 nM.
TRUE_IC50_PM = 0.29e3 * (1 + 1.5 / 1.5)
UNIT_PM = {"fM": 1e-3, "pM": 1.0, "nM": 1e3, "µM": 1e6}


def _pm(text: str) -> float:
    number, unit = text.split()
    return float(number) * UNIT_PM[unit]


def test_an_upload_is_attached_unchanged_and_mapped_on_the_plate(app, store_path, counts_csv):
    run = start(app)
    content = counts_csv.read_bytes()
    upload(app.data_view, "counts.csv", content)
    kind, payload = events(store_path, run.id)[-1]
    assert kind == "data_attached" and payload["name"] == "counts.csv"
    assert payload["sha256"] == hashlib.sha256(content).hexdigest()
    assert payload["source"] == "uploaded as counts.csv"  # not the path of a deleted temporary copy
    assert "Done:" in app.data_view.message.value and "42 rows" in app.data_view.message.value
    # each well shows its code and its reading (the CSV read independently with pandas)
    raw = pd.read_csv(counts_csv).set_index("well")
    html = app.data_view.readings.value
    for well, code in (("A1", "TB"), ("A4", "NSB"), ("A10", "C2"), ("B1", "C3")):
        value = f"{raw.loc[well, 'cpm']:.4g}"
        assert f"{well}: {code} = {value}" in html and f"{code}<br>{value}" in html
    assert app.data_view.upload.value == ()
    assert app.session.stage() == "Analysis"


def test_a_second_upload_with_the_same_name_is_kept_under_a_new_name(app, store_path, counts_csv):
    run = start(app)
    upload(app.data_view, "counts.csv", counts_csv.read_bytes())
    upload(app.data_view, "counts.csv", counts_csv.read_bytes())
    attached = [p for t, p in events(store_path, run.id) if t == "data_attached"]
    assert [p["name"] for p in attached] == ["counts.csv", "counts-2.csv"]
    assert [p["source"] for p in attached] == ["uploaded as counts.csv"] * 2


def test_reader_errors_name_the_line_and_the_well(app, counts_csv):
    start(app)
    lines = counts_csv.read_text().splitlines()
    assert lines[3].startswith("1,A3,")        # header, A1, A2, then A3 on line 4
    lines[3] = "1,A3,xx,xx"
    upload(app.data_view, "bad.csv", "\n".join(lines).encode())
    msg = app.data_view.message.value
    assert "Error:" in msg and "bad.csv" in msg and "line 4" in msg and "A3" in msg
    assert "A3" in app.data_view.readings.value
    extra = counts_csv.read_text() + "1,H12,500.0,500.0\n"   # H12 is not in the 42-well plan
    upload(app.data_view, "extra.csv", extra.encode())
    assert "H12" in app.data_view.message.value and "Error:" in app.data_view.message.value


def test_a_file_from_disk(app, counts_csv):
    start(app)
    app.data_view.path.value = str(counts_csv.parent / "nope.csv")
    app.data_view.path_button.click()
    assert "nope.csv" in app.data_view.message.value and "does not exist" in app.data_view.message.value
    app.data_view.path.value = str(counts_csv)
    app.data_view.path_button.click()
    assert "Read counts.csv" in app.data_view.message.value


def test_the_analysis_shows_the_ic50_with_its_ci_and_records_it(app, store_path, counts_csv):
    run = start(app)
    av = app.analysis_view
    assert av.run_button.disabled                       # no data yet
    upload(app.data_view, "counts.csv", counts_csv.read_bytes())
    assert set(av.options) == {"weighting", "bottom"}   # what RadioligandBinding.analyse offers
    av.run_button.click()
    assert "Done:" in av.message.value
    table = av.results.value.replace("\u00a0", " ")
    ic50, lo, hi = re.search(r"<td>IC50</td><td>([^<]+)</td><td>95% CI ([^<]+) to ([^<]+)</td>", table).groups()
    assert _pm(lo) < TRUE_IC50_PM < _pm(hi)
    assert _pm(lo) < _pm(ic50) < _pm(hi)
    kind, payload = events(store_path, run.id)[-1]
    assert kind == "analysis_recorded" and payload["result"]["data"]["name"] == "counts.csv"
    assert payload["result"]["result"]["ic50"] * 1e12 == pytest.approx(_pm(ic50), rel=5e-3)   # shown to 3 digits
    assert "all checks passed" in av.results.value
    assert "<svg" in av.detail.value and "Competition curve" in av.detail.value   # the fitted curve
    assert av.progress.layout.visibility == "hidden"


def test_analysis_options_reach_the_fit(app, store_path, counts_csv):
    run = start(app)
    upload(app.data_view, "counts.csv", counts_csv.read_bytes())
    app.analysis_view.options["bottom"].value = "fixed at 0 (NSB / full inhibition)"
    app.analysis_view.run_button.click()
    record = events(store_path, run.id)[-1][1]["result"]
    assert record["options"] == {"weighting": "relative", "bottom": 0.0}
    assert record["result"]["fit"]["fixed"] == {"bottom": 0.0} and record["result"]["fit"]["bottom"] == 0.0


def test_flags_are_said_in_words(store_path, tmp_path):
    from pathlib import Path

    from protocol_kit.demo_files import hplc_results

    p = pk.Microdialysis()
    app = p.form(store=store_path, out_dir=tmp_path)
    start(app)
    hplc = hplc_results(p, p.simulate(seed=1), Path(tmp_path / "hplc.csv"))
    app.data_view.path.value = str(hplc)
    app.data_view.path_button.click()
    app.analysis_view.run_button.click()
    # seed 1 puts 7 samples of R09 between the LOD and the LOQ
    assert "<b>below_loq</b>" in app.analysis_view.results.value
    assert "limit of quantification" in app.analysis_view.results.value
    assert "R09 F03" in app.analysis_view.results.value


def test_microdialysis_offers_the_standard_curve_weighting_and_the_anova_type(store_path, tmp_path):
    app = pk.Microdialysis().form(store=store_path, out_dir=tmp_path)
    opts = app.session.analysis.options()
    assert [o.labels for o in opts][0] == ["none", "1/x", "1/x²"]
    assert [o.value(label) for o in opts[1:] for label in o.labels] == ["III", "I"]


def test_report_render_download_and_sign(app, store_path, counts_csv):
    run = start(app)
    upload(app.data_view, "counts.csv", counts_csv.read_bytes())
    app.analysis_view.run_button.click()
    rv = app.report_view
    rv.html_button.click()
    path = app.session.report.path
    assert path.is_file() and path.parent == app.session.out_dir
    kind, payload = events(store_path, run.id)[-1]
    assert kind == "report_rendered" and payload["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    link = re.search(r"base64,([A-Za-z0-9+/=]+)", rv.link.value).group(1)
    assert base64.b64decode(link) == path.read_bytes()
    rv.signer.value = ""
    rv.sign_button.click()
    assert "name" in rv.sign_message.value and "Error:" in rv.sign_message.value
    rv.signer.value = "A. Smith"
    rv.meaning.value = "performed"
    rv.sign_button.click()                # refused: no step ticked, the message lists them
    assert "18 of 18 checklist steps" in rv.sign_message.value and "rb-waste" in rv.sign_message.value
    tick_rest(app.session.run)
    rv.passphrase.value = "not the passphrase"  # the form's passphrase is used, and not kept
    rv.sign_button.click()
    assert "wrong passphrase for &#x27;A. Smith&#x27;" in rv.sign_message.value and rv.passphrase.value == ""
    assert events(store_path, run.id)[-1][0] == "step_checked"  # the last tick: nothing signed
    rv.sign_button.click()  # an empty passphrase field: $PROTOCOL_KIT_PASSPHRASE (set by tests/conftest.py)
    assert events(store_path, run.id)[-1][0] == "signature"
    assert app.session.run.locked and "signed and locked" in app.status.value
    assert "A. Smith" in rv.signatures.value and "performed" in rv.signatures.value
    # performed: the bench record is closed, the data, analysis and reports stay open
    assert all(r.tick.disabled for r in app.bench_view.steps)
    assert app.bench_view.note_button.disabled and not app.data_view.upload.disabled
    assert not app.analysis_view.run_button.disabled
    rv.html_button.click()
    assert events(store_path, run.id)[-1][0] == "report_rendered"
    # reviewed: nothing more from the app; a report is rendered (signatures filled in), not stored
    rv.signer.value, rv.meaning.value = "B. Jones", "reviewed"
    rv.sign_button.click()
    assert app.data_view.upload.disabled and app.analysis_view.run_button.disabled
    n = len(events(store_path, run.id))
    rv.html_button.click()
    assert "A. Smith" in app.session.report.path.read_text() and len(events(store_path, run.id)) == n


def test_resuming_a_run_where_it_stopped(binding, store_path, tmp_path, counts_csv):
    first = binding.form(store=store_path, out_dir=tmp_path)
    first.plan_view.fields["replicates"].control.value = "3"
    run = start(first, "A. Smith")
    first.bench_view.steps[0].tick.value = True
    first.bench_view.steps[2].tick.value = True

    again = binding.form(run_id=run.id, store=store_path, out_dir=tmp_path)
    assert again.steps.selected_index == 1                              # Bench
    ticked = [r.step_id for r in again.bench_view.steps if r.tick.value]
    assert ticked == ["rb-buffer", "rb-dilutions"]
    assert all(r.tick.disabled for r in again.bench_view.steps[:1])
    assert again.bench_view.operator.value == "A. Smith"
    assert again.plan_view.fields["top_conc"].control.disabled

    upload(again.data_view, "counts.csv", counts_csv.read_bytes())
    third = pk.app(run_id=run.id, store=store_path, out_dir=tmp_path)
    assert third.steps.selected_index == 3                              # Analysis: the data is read
    assert "Read counts.csv" in third.data_view.readings.value or "TB<br>" in third.data_view.readings.value
    third.analysis_view.run_button.click()
    fourth = binding.form(run_id=run.id, store=store_path, out_dir=tmp_path)
    assert fourth.steps.selected_index == 4                             # Report
    assert "<td>IC50</td>" in fourth.analysis_view.results.value        # the recorded result, shown again


def test_a_run_of_another_protocol_is_not_resumed_in_this_form(app, store_path, tmp_path):
    run = start(app)
    with pytest.raises(ProtocolKitError, match="radioligand-binding run"):
        pk.ReuptakeInhibition().form(run_id=run.id, store=store_path, out_dir=tmp_path)


def test_pick_a_protocol_first(store_path, tmp_path):
    picker = pk.app(store=store_path, out_dir=tmp_path)
    assert [v for _, v in picker.choice.options] == pk.protocol_ids()
    picker.choice.value = "reuptake-inhibition"
    picker.open_button.click()
    assert picker.app.session.protocol.id == "reuptake-inhibition"
    assert picker.holder.children == (picker.app,)


def test_the_picker_keeps_ipywidgets_open_so_it_displays(store_path, tmp_path):
    # ipywidgets' Widget.__init__ calls self.open() to create the front-end model; a picker
    # method called open() replaced it, so no model existed ("model not found") and constructing
    # the picker opened an app of the first protocol instead.
    import ipywidgets as w

    from protocol_kit.widgets.protocol_app import ProtocolPicker

    assert ProtocolPicker.open is w.Widget.open
    picker = pk.app(store=store_path, out_dir=tmp_path)
    assert picker.model_id and picker.app is None and picker.holder.children == ()


def test_the_picker_resumes_a_run_typed_by_id(app, store_path, tmp_path):
    run = start(app)
    picker = pk.app(store=store_path, out_dir=tmp_path)
    picker.resume_button.click()
    assert "Error:" in picker.message.value and "Run id" in picker.message.value and picker.app is None
    picker.run_field.value = run.id[:-1] + "x"
    picker.resume_button.click()
    assert "Error:" in picker.message.value and picker.app is None
    picker.run_field.value = f" {run.id} "
    picker.resume_button.click()
    assert picker.message.value == "" and picker.app.session.run_id == run.id
    assert picker.choice.value == "radioligand-binding" and picker.holder.children == (picker.app,)
    assert picker.app.steps.selected_index == 1                             # Bench: started, no data yet


def test_exclusions_and_a_superseded_file_are_recorded_from_the_analysis_step(app, binding, store_path, counts_csv):
    run = start(app)
    av = app.analysis_view
    upload(app.data_view, "wrong.csv", counts_csv.read_bytes().replace(b"1,A1,", b"1,A1,9"))
    upload(app.data_view, "counts.csv", counts_csv.read_bytes())
    assert av.supersede_file.options == ("wrong.csv", "counts.csv")
    av.supersede_file.value = "wrong.csv"
    av.supersede_button.click()                           # no reason: refused beside the field
    assert "Error:" in av.choice_message.value and "reason" in av.choice_message.value
    av.supersede_reason.value = "exported before the counter finished"
    av.supersede_button.click()
    assert "Done:" in av.choice_message.value and av.supersede_file.options == ("counts.csv",)
    av.exclude_item.value, av.exclude_reason.value = "A1O", "bubble"
    av.exclude_button.click()
    assert "Error:" in av.choice_message.value and "A10" in av.choice_message.value   # the near miss named
    av.exclude_item.value = "A10"
    av.exclude_button.click()
    assert "well A10 excluded" in av.choice_message.value
    assert "well A10" in av.choices.value and "file wrong.csv" in av.choices.value and "bubble" in av.choices.value
    av.run_button.click()
    assert "Done:" in av.message.value
    (kind, record), = [(k, p) for k, p in events(store_path, run.id) if k == "analysis_recorded"]
    result = record["result"]
    assert result["data"]["name"] == "counts.csv" and [x["item"] for x in result["exclusions"]] == ["A10"]
    joined = binding._joined(pd.read_csv(counts_csv))
    expected = binding.analyse(joined[joined["well"] != "A10"])   # the plate without A10, analysed directly
    assert result["result"]["ic50"] == pytest.approx(expected.ic50, rel=1e-9)
