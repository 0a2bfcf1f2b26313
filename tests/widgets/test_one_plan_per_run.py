"""One plan per run (issue 14, item 1): a plan edited in the form, then started, is what the
Bench, Data and Report views show: the run's own steps, timers, reagents and layout.

Each case edits fields that change the checklist text, a timer, the reagent table or the layout,
starts the run through the widgets, and reads the text each view shows. The expected values are
the edited values, written here by hand (not read back from the plan under test)."""
import re

import pytest

import protocol_kit as pk
from protocol_kit.demo_files import instrument_file

from .conftest import start, upload


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace(" .", ".")


def _bench_text(app) -> str:
    return " ".join(_text(r.box.children[1].value) for r in app.bench_view.steps)


def _edit(app, **fields):
    """Type into the form as a person would: value (and unit) per field."""
    for name, value in fields.items():
        f = app.plan_view.fields[name]
        if isinstance(value, tuple):
            f.unit.value = value[1]
            value = value[0]
        f.control.value = value
        assert not app.plan_view.plan.message(name), app.plan_view.plan.message(name)


def _app(protocol, tmp_path):
    return protocol.form(store=tmp_path / "runs.db", out_dir=tmp_path / "out")


def _attach_simulated(app, tmp_path):
    """The run's own plan simulated and written as its instrument writes it, uploaded."""
    p = app.session.run.protocol
    path = instrument_file(p, p.simulate(seed=1), tmp_path, "data")
    upload(app.data_view, path.name, path.read_bytes())
    assert "Done:" in app.data_view.message.value, app.data_view.message.value
    return app.session.data.frame


def _report_text(app) -> str:
    app.report_view.html_button.click()
    assert "Done" in app.report_view.message.value, app.report_view.message.value
    return _text(app.session.report.path.read_text())


def test_uptake_time_edited_to_5_min_is_the_bench_step_and_its_timer(tmp_path):
    app = _app(pk.ReuptakeInhibition(), tmp_path)
    app.go("Bench")                      # the Bench drawn before the edit, as in the notebook
    _edit(app, uptake_time="5", n_conc="8", reference_inhibitor="paroxetine")
    run = start(app)
    bench = _bench_text(app)
    assert "Uptake for 5 min" in bench and "Uptake for 10 min" not in bench
    row = next(r for r in app.bench_view.steps if r.step_id == "ru-uptake")
    assert row.timer_button.description == "Start 5 min timer"
    assert app.session.bench.timer("ru-uptake").seconds == 5 * 60       # 5 min = 300 s
    assert row.timer_bar.max == 300
    reagents = list(app.bench_view.lot_reagent.options)
    assert any("paroxetine" in r for r in reagents) and not any("fluoxetine" in r for r in reagents)
    frame = _attach_simulated(app, tmp_path)
    # 8 concentrations of the series (n_conc) are the compound wells' levels
    assert frame.loc[frame["role"] == "compound", "conc"].nunique() == 8
    report = _report_text(app)
    assert "5 min" in report and run.protocol.params.uptake_time.magnitude == 5


def test_binding_top_300_nM_and_another_nsb_drug_are_what_the_bench_offers(tmp_path):
    app = _app(pk.RadioligandBinding(), tmp_path)
    app.go("Bench")
    _edit(app, top_conc=("300", "nM"), nsb_drug="paroxetine", n_conc="8")
    start(app)
    bench = _bench_text(app)
    assert "top 300 nM final" in bench and "top 10 µM" not in bench
    reagents = list(app.bench_view.lot_reagent.options)
    assert any("paroxetine" in r for r in reagents) and not any("fluoxetine" in r for r in reagents)
    # every reagent offered is one the run knows: recording a lot of each is accepted
    lot = app.session.bench.record_lot(reagents[-1], "L-1")
    assert lot.type == "lot_recorded"
    frame = _attach_simulated(app, tmp_path)
    # top 300 nM, 1:3 series of 8: 300 nM / 3^7 = 0.137 nM at the bottom
    concs = sorted(frame.loc[frame["role"] == "compound", "conc"].unique())
    assert len(concs) == 8
    assert concs[-1] == pytest.approx(300e-9) and concs[0] == pytest.approx(300e-9 / 3 ** 7)
    assert "300 nM" in _report_text(app)


def test_saturation_mode_bench_lists_the_runs_steps_and_each_can_be_ticked(tmp_path):
    app = _app(pk.RadioligandBinding(), tmp_path)
    app.go("Bench")
    competition = [r.step_id for r in app.bench_view.steps]
    _edit(app, mode="saturation", sat_top_conc=("10", "nM"), sat_n_conc="6")
    run = start(app)
    bench = _bench_text(app)
    # 6 tubes, 1:2, top 10 nM: 10, 5, 2.5, 1.25, 0.625, 0.3125 nM
    assert "series: 6 tubes, 1:2, at 10x final (top 10 nM final)" in bench
    assert "8 tubes" not in bench and "top 20 nM" not in bench
    shown = [r.step_id for r in app.bench_view.steps]
    assert shown == [s.id for s in run.protocol.checklist]
    assert shown != competition and "rb-dilutions" in competition and "rb-dilutions" not in shown
    for row in app.bench_view.steps:
        row.tick.value = True
        assert "Error" not in app.bench_view.step_message.value, app.bench_view.step_message.value
    assert set(run.refresh().steps) == set(shown)
    choices = [v for _, v in app.bench_view.dev_step.options if v]
    assert choices == shown
    frame = _attach_simulated(app, tmp_path)
    concs = sorted(frame.loc[frame["role"] == "total", "conc"].unique())
    assert concs == pytest.approx([10e-9 / 2 ** k for k in range(5, -1, -1)])
    report = _report_text(app)
    assert "10 nM" in report and "Bmax" in report


def test_microdialysis_flow_1_5_uL_per_min_is_on_the_bench_and_in_the_report(tmp_path):
    app = _app(pk.Microdialysis(), tmp_path)
    app.go("Bench")
    _edit(app, flow_rate="1.5", n_animals="6")
    run = start(app)
    bench = _bench_text(app)
    assert "1.5 µL/min" in bench and " 1 µL/min" not in bench
    assert run.protocol.params.flow_rate.magnitude == 1.5
    frame = _attach_simulated(app, tmp_path)
    animals = {a for a in frame["animal"].astype(str).str.strip() if a}   # standards have no animal
    assert len(animals) == 6
    assert "1.5 µL/min" in _report_text(app)


def test_a_field_changed_after_start_is_refused_beside_it_and_put_back(tmp_path):
    app = _app(pk.ReuptakeInhibition(), tmp_path)
    _edit(app, uptake_time="5")
    run = start(app)
    f = app.plan_view.fields["uptake_time"]
    f.control.value = "7"                       # e.g. a script or a stale browser tab
    assert f.control.value == "5"
    assert "Error" in f.message.value and "fixed" in f.message.value
    assert app.session.protocol.params.uptake_time.magnitude == 5
    assert run.refresh().protocol.params.uptake_time.magnitude == 5
