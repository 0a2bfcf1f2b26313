"""The run: recording against the plan, state rebuilt from events, locking and amendments."""
import datetime as dt

import pandas as pd
import pytest

import protocol_kit as pk
from protocol_kit.errors import ParameterError, RecordLockedError, UnknownNameError
from tests.bench import tick_rest


def test_start_records_protocol_params_and_plan_hash(binding, run):
    first = run.events[0]
    assert (first.seq, first.type, first.operator) == (1, "started", "A. Smith")
    assert first.payload["protocol"] == "radioligand-binding"
    assert first.payload["params"]["radioligand"] == "[3H]citalopram"
    assert first.payload["plan_hash"] == binding.plan_hash
    assert run.id.split("-", 1)[1].startswith("radioligand-binding-")
    # times are UTC ISO 8601
    assert first.time.endswith("+00:00") and dt.datetime.fromisoformat(first.time).utcoffset() == dt.timedelta(0)


def test_open_run_rebuilds_state_from_events(store, run):
    run.check("rb-buffer")
    run.check("rb-filters", operator="B. Jones")
    run.record_lot("  NaCl", "L123", dt.date(2030, 1, 31))
    run.deviation("incubated 70 min instead of 60", step_id="rb-incubate")
    run.note("membranes looked cloudy")
    run.enter_value("protein_mg_per_mL", 2.1)
    again = pk.open_run(run.id, store)
    assert sorted(again.steps) == ["rb-buffer", "rb-filters"]
    assert again.steps["rb-filters"].operator == "B. Jones"
    assert again.steps["rb-buffer"].seq == 2
    lot = again.lots[0]
    assert (lot.reagent, lot.lot, lot.expiry, lot.expired) == ("NaCl", "L123", "2030-01-31", False)
    assert (again.deviations[0].reason, again.deviations[0].step_id) == ("incubated 70 min instead of 60", "rb-incubate")
    assert again.notes[0].text == "membranes looked cloudy"
    assert again.values["protein_mg_per_mL"].value == 2.1
    assert again.state.n_events == 7 and again.head == run.head
    assert again.protocol.plan_hash == run.protocol.plan_hash


def test_expired_lot_is_recorded_only_acknowledged_and_flagged(run):
    with pytest.raises(ParameterError, match="has expired"):
        run.record_lot("KCl", "K9", "2001-05-01")
    assert run.lots == ()
    run.record_lot("KCl", "K9", "2001-05-01", acknowledge_expired=True)
    assert run.lots[0].expired is True and run.lots[0].acknowledged is True


def test_component_reagent_names_are_matched_without_their_indent(binding, run):
    assert "  Tris base" in list(binding.reagents["reagent"])
    run.record_lot("Tris base", "T-77")
    assert run.lots[0].reagent == "Tris base"


@pytest.mark.parametrize("call, message", [
    (lambda r: r.check("rb-bufer"), "unknown step_id (checklist step of radioligand-binding) 'rb-bufer'; did you mean 'rb-buffer'?"),
    (lambda r: r.deviation("late", step_id="wash"), "unknown step_id"),
    (lambda r: r.record_lot("Nacl", "L1"), "unknown reagent (of the radioligand-binding reagent table) 'Nacl'; did you mean 'NaCl'?"),
    (lambda r: r.record_lot("NaCl", "  "), "lot: '  ' is empty"),
    (lambda r: r.record_lot("NaCl", "L1", "31/01/2030"), "expiry: '31/01/2030' is not a date"),
    (lambda r: r.note(""), "text: '' is empty"),
    (lambda r: r.deviation(""), "reason: '' is empty"),
    (lambda r: r.enter_value("x", float("nan")), "value: nan is not finite"),
    (lambda r: r.enter_value("x", [1, 2]), "value: [1, 2] is a list"),
    (lambda r: r.check("rb-buffer", operator=" "), "operator: ' ' is empty"),
    (lambda r: r.attach_data("/no/such/file.csv"), "path_or_frame: '/no/such/file.csv' does not exist"),
    (lambda r: r.attach_data(42), "path_or_frame: 'int' is not allowed; allowed: a file path or a pandas DataFrame"),
    (lambda r: r.sign("A. Smith", "aproved"), "unknown signature meaning 'aproved'; did you mean 'approved'?"),
])
def test_bad_input_names_field_and_value(run, call, message):
    with pytest.raises(pk.ProtocolKitError) as info:
        call(run)
    assert message in str(info.value)
    assert run.refresh().state.n_events == 1  # nothing was recorded


def test_empty_operator_refused_at_start(binding, store):
    with pytest.raises(ParameterError, match="operator: '' is empty"):
        binding.start_run(operator="", store=store)
    assert store.run_ids() == []


def test_reading_needs_no_operator_but_recording_does(store, run):
    reader = pk.open_run(run.id, store)
    assert reader.operator is None
    with pytest.raises(ParameterError, match="operator: None is required to record"):
        reader.note("x")
    reader.note("x", operator="C. Lee")
    assert reader.notes[0].operator == "C. Lee"


def test_step_checked_twice_is_refused(run):
    run.check("rb-buffer")
    with pytest.raises(ParameterError, match="'rb-buffer' was already checked by A. Smith"):
        run.check("rb-buffer")


def test_value_entered_twice_points_to_amend(run):
    run.enter_value("protein", 2.0)
    with pytest.raises(ParameterError, match=r"run.amend\(2, reason, value=...\)"):
        run.enter_value("protein", 2.5)


def test_quantity_and_numpy_values_are_stored_as_json(run):
    import numpy as np

    run.enter_value("temperature", pk.Q_(22.5, "degC"))
    run.enter_value("count", np.int64(7))
    assert run.values["temperature"].value == "22.5 °C"
    assert run.values["count"].value == 7 and type(run.values["count"].value) is int


def test_attach_file_unchanged_with_sha256(tmp_path, run):
    # bytes chosen to catch any newline or encoding conversion: CRLF, a BOM, Latin-1 degree sign
    raw = b"\xef\xbb\xbfwell,cpm\r\nA1,1234\r\nB1,\xb0\r\n"
    f = tmp_path / "counts.csv"
    f.write_bytes(raw)
    run.attach_data(f)
    df = run.data_files[0]
    import hashlib
    assert (df.name, df.size, df.sha256) == ("counts.csv", len(raw), hashlib.sha256(raw).hexdigest())
    assert df.source == str(f.resolve())
    assert run.data_bytes("counts.csv") == raw


def test_attach_frame_as_csv_and_refuse_duplicate_name(run):
    run.attach_data(pd.DataFrame({"well": ["A1", "A2"], "value": [1.5, 2.0]}), name="plate1.csv")
    assert run.data_bytes("plate1.csv") == b"well,value\nA1,1.5\nA2,2.0\n"
    with pytest.raises(ParameterError, match="'plate1.csv' is already attached"):
        run.attach_data(pd.DataFrame({"well": ["A1"]}), name="plate1.csv")


def test_analysis_and_report_events(tmp_path, run):
    run.record_analysis({"ic50_nM": 1.25, "hill": -0.98}, name="fit")
    html = tmp_path / "report.html"
    html.write_text("<html>report</html>", encoding="utf-8")
    run.record_report(html)
    assert run.analyses[0].result == {"ic50_nM": 1.25, "hill": -0.98}
    assert run.reports[0].name == "report.html" and run.data_bytes("report.html") == b"<html>report</html>"
    with pytest.raises(ParameterError, match="no NaN"):
        run.record_analysis({"x": float("nan")})


def test_signature_covers_record_and_locks(store, run):
    run.check("rb-buffer")
    tick_rest(run)                                      # 18 steps: events 2-19
    head = run.head
    sig_event = run.sign("A. Smith", "performed")
    sig = run.signatures[0]
    assert (sig.name, sig.meaning, sig.record_hash, sig.covers_seq, sig.seq) == ("A. Smith", "performed", head, 19, 20)
    assert sig_event.operator == "A. Smith" and run.locked
    for call in (lambda: run.check("rb-filters"), lambda: run.note("late note"),
                 lambda: run.record_lot("NaCl", "L1"), lambda: run.enter_value("x", 1)):
        with pytest.raises(RecordLockedError, match="is signed \\(performed by A. Smith"):
            call()
    # data may follow the bench work's signature (issue 14); a review closes it
    run.attach_data(pd.DataFrame({"a": [1]}))
    run.sign("B. Jones", "reviewed")
    assert [s.meaning for s in pk.open_run(run.id, store).signatures] == ["performed", "reviewed"]
    with pytest.raises(RecordLockedError, match="reviewed by B. Jones"):
        run.attach_data(pd.DataFrame({"a": [2]}), name="late.csv")


def test_lock_holds_for_another_handle_on_the_same_run(store, run):
    other = pk.open_run(run.id, store, operator="B. Jones")  # opened before the signature
    tick_rest(run)
    run.sign("A. Smith", "performed")
    with pytest.raises(RecordLockedError):
        other.note("written after the signature")


def test_store_refuses_after_lock_even_when_run_object_is_bypassed(store, run):
    tick_rest(run)
    run.sign("A. Smith", "performed")
    with pytest.raises(RecordLockedError):
        store.append(run.id, "X", "note", {"text": "sneaked in"})


def test_amendment_keeps_earlier_value_visible(store, run):
    run.enter_value("protein_mg_per_mL", 2.1)          # seq 2
    run.record_lot("NaCl", "L123", "2030-01-31")       # seq 3
    tick_rest(run)                                     # seq 4-21
    run.sign("A. Smith", "performed")                  # seq 22
    run.amend(2, "transcription error: read 2.4 on the printout", value=2.4, operator="B. Jones")
    run.amend(3, "wrong bottle noted", lot="L124", expiry="2029-12-31")
    again = pk.open_run(run.id, store)
    v = again.values["protein_mg_per_mL"]
    assert v.value == 2.4 and v.seq == 2
    assert (v.amendments[0].before, v.amendments[0].after) == ({"value": 2.1}, {"value": 2.4})
    assert v.amendments[0].operator == "B. Jones"
    lot = again.lots[0]
    assert (lot.lot, lot.expiry) == ("L124", "2029-12-31")
    assert lot.amendments[0].before == {"lot": "L123", "expiry": "2030-01-31"}
    # the original events are unchanged in the log
    assert again.events[1].payload["value"] == 2.1
    assert [a.target_seq for a in again.amendments] == [2, 3]
    assert again.verify().ok


@pytest.mark.parametrize("seq, changes, message", [
    (1, {"value": 1}, "unknown event to amend (seq of a value, lot, note or deviation) '1'"),
    (99, {"value": 1}, "'99'"),
    (2, {"lot": "x"}, "unknown field of a value_entered event 'lot'"),
    (2, {}, "changes: {} are missing"),
    (2, {"value": float("inf")}, "value: inf is not finite"),
])
def test_bad_amendments(run, seq, changes, message):
    run.enter_value("protein", 2.0)
    with pytest.raises(pk.ProtocolKitError) as info:
        run.amend(seq, "because", **changes)
    assert message in str(info.value)
    with pytest.raises(ParameterError, match="reason: '' is empty"):
        run.amend(2, "", value=3)


def test_open_unknown_run_suggests_near_miss(store, run):
    with pytest.raises(UnknownNameError, match=f"did you mean '{run.id}'"):
        pk.open_run(run.id[:-1] + "x", store)


def test_every_protocol_can_start_a_run(protocol_id, store):
    p = pk.get_protocol(protocol_id)
    r = p.start_run(operator="A. Smith", store=store)
    first_step = p.checklist[0].id
    r.check(first_step)
    assert list(pk.open_run(r.id, store).steps) == [first_step]


def test_a_report_cannot_take_a_data_files_name_and_an_old_clash_reads_the_data(tmp_path, run):
    # data_bytes and the analysis find a file by name alone: a report named like the data
    # file would have been read as the plate (a silent wrong number)
    run.attach_data(pd.DataFrame({"well": ["A1"], "value": [1.5]}), name="plate1.csv")
    page = tmp_path / "plate1.csv"
    page.write_text("<html>not a plate</html>", encoding="utf-8")
    with pytest.raises(ParameterError, match="'plate1.csv' is already attached"):
        run.record_report(page)
    # a record written before names were unique across both: the data file wins
    from protocol_kit.records import events as ev
    run._append(ev.REPORT, {"name": "plate1.csv", "sha256": "0" * 64, "size": 3, "source": str(page)},
                run.operator, blobs={"0" * 64: b"abc"})
    assert [f.name for f in run.reports] == ["plate1.csv"]
    assert run.data_bytes("plate1.csv") == b"well,value\nA1,1.5\n"
