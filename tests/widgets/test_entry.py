"""Issue 14, item 3: entry that cannot lose or misattribute. An expiry date is read or refused
beside its field (never dropped); an expired lot is recorded only when acknowledged, and the
event says so; the operator is fixed at 'Start run' and changes only by a recorded hand-over."""
import datetime as dt

import pytest

from protocol_kit.cli import main
from protocol_kit.errors import ParameterError
from protocol_kit.records import open_run

from .conftest import events, start


def _lots(store_path, run_id):
    return [p for t, p in events(store_path, run_id) if t == "lot_recorded"]


@pytest.mark.parametrize("typed", ["2026-03", "2026-3-1", "31/03/2026", "2026-02-30", "next week"])
def test_a_half_typed_or_impossible_expiry_is_refused_beside_the_field_and_nothing_is_recorded(
        app, store_path, typed):
    run = start(app)
    bv = app.bench_view
    bv.lot_reagent.value, bv.lot_text.value = "NaCl", "L-1"
    bv.lot_expiry.value = typed
    assert "Error:" in bv.lot_expiry_message.value and "Expiry date" in bv.lot_expiry_message.value
    bv.lot_button.click()
    assert "Error:" in bv.lot_message.value and "YYYY-MM-DD" in bv.lot_message.value
    assert _lots(store_path, run.id) == []
    assert bv.lot_text.value == "L-1" and bv.lot_expiry.value == typed   # what was typed stays to fix


def test_a_whole_date_is_read_back_beside_the_field(app):
    start(app)
    app.bench_view.lot_expiry.value = "2031-03-09"
    assert "read as 09 March 2031" in app.bench_view.lot_expiry_message.value


def test_an_expired_lot_needs_the_acknowledgement_and_the_event_says_so(app, store_path):
    run = start(app)
    bv = app.bench_view
    yesterday = (dt.datetime.now(dt.timezone.utc).date() - dt.timedelta(days=1)).isoformat()
    bv.lot_reagent.value, bv.lot_text.value, bv.lot_expiry.value = "NaCl", "L-9", yesterday
    bv.lot_button.click()
    assert "Error:" in bv.lot_message.value and "has expired" in bv.lot_message.value
    assert "Record although expired" in bv.lot_message.value
    assert _lots(store_path, run.id) == []
    bv.lot_expired_ok.value = True
    bv.lot_button.click()
    assert _lots(store_path, run.id) == [{"reagent": "NaCl", "lot": "L-9", "expiry": yesterday,
                                          "expired_acknowledged": True}]
    assert "EXPIRED, acknowledged" in bv.lot_message.value
    lot = open_run(run.id, store_path).lots[0]
    assert lot.expired and lot.acknowledged


def test_the_python_api_refuses_an_expired_lot_without_acknowledgement(app, store_path):
    run = start(app)
    with pytest.raises(ParameterError, match="acknowledge_expired=True"):
        run.record_lot("NaCl", "L-2", expiry="2001-01-01")
    run.record_lot("NaCl", "L-2", expiry="2001-01-01", acknowledge_expired=True)
    run.record_lot("NaCl", "L-3", expiry="2999-12-31")    # in date: no acknowledgement asked
    assert [p.get("expired_acknowledged") for p in _lots(store_path, run.id)] == [True, None]


def test_cli_expired_lot_needs_expired_ok(app, store_path, capsys):
    run = start(app)
    base = ["runs", "lot", run.id, "NaCl", "L-5", "--expiry", "2001-01-01", "--store", str(store_path),
            "--operator", "A. Smith"]
    assert main(base) == 2 and "--expired-ok" in capsys.readouterr().err
    assert main(base + ["--expired-ok"]) == 0
    assert _lots(store_path, run.id)[-1]["expired_acknowledged"] is True


def test_typing_in_your_name_after_start_does_not_change_the_operator(app, store_path):
    run = start(app, "A. Smith")
    bv = app.bench_view
    assert bv.operator.disabled
    bv.operator.value = "C. Le"            # e.g. a stale browser tab sends it anyway
    bv.steps[0].tick.value = True
    assert run.refresh().steps["rb-buffer"].operator == "A. Smith"
    assert bv.operator.value == "A. Smith"


def test_a_hand_over_is_recorded_and_then_the_new_person_records(app, store_path):
    run = start(app, "A. Smith")
    bv = app.bench_view
    bv.handover_to.value = "B. Jones"
    bv.handover_button.click()
    assert "Done:" in bv.handover_message.value
    kind, payload = events(store_path, run.id)[-1]
    assert (kind, payload) == ("handed_over", {"from": "A. Smith", "to": "B. Jones"})
    bv.steps[0].tick.value = True
    state = open_run(run.id, store_path)
    assert state.steps["rb-buffer"].operator == "B. Jones"
    assert [(h.previous, h.to) for h in state.state.handovers] == [("A. Smith", "B. Jones")]
    assert bv.operator.value == "B. Jones"
    # the record shows it (runs show) and the hand-over event is recorded by the one handing over
    assert [e.operator for e in state.events if e.type == "handed_over"] == ["A. Smith"]


# -- messages in the form's words (issue 14, small items) --------------------------------------
def test_field_messages_use_the_forms_labels_not_internal_names(app):
    f = app.plan_view.fields["top_conc"]
    f.control.value = "-1"
    label = app.plan_view.plan.specs["top_conc"].label
    assert f"{label}: " in f.message.value and "top_conc" not in f.message.value


def test_an_empty_name_at_start_speaks_of_your_name(app):
    app.bench_view.start_button.click()
    msg = app.bench_view.start_message.value
    assert "Your name" in msg and "operator=" not in msg and app.session.run is None


def test_a_sheet_error_is_cleared_once_the_plan_is_fixed(app):
    pv = app.plan_view
    pv.fields["n_conc"].control.value = "40"          # out of range: the sheet is refused
    pv.sheet_html_button.click()
    assert "Error:" in pv.sheet_message.value
    pv.fields["n_conc"].control.value = "8"
    assert pv.sheet_message.value == ""
    pv.sheet_html_button.click()
    assert "Done:" in pv.sheet_message.value


def test_a_resumed_run_records_as_the_person_it_was_handed_over_to(app, binding, store_path, tmp_path):
    run = start(app, "A. Smith")
    app.bench_view.handover_to.value = "B. Jones"
    app.bench_view.handover_button.click()
    again = binding.form(run_id=run.id, store=store_path, out_dir=tmp_path)
    assert again.bench_view.operator.value == "B. Jones" and again.bench_view.operator.disabled
    again.bench_view.steps[0].tick.value = True
    assert open_run(run.id, store_path).steps["rb-buffer"].operator == "B. Jones"
