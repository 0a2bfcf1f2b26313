"""Issue 12, item 3: verify proves the record and says where it fails, tried as a forger holding
the database file would: cutting the end, rewriting and re-hashing, appending after a signature,
and rows that no longer parse. Each case passed (or crashed) verify before this check."""
import json
import shutil
import sqlite3

import pytest

from protocol_kit.cli import main
from protocol_kit.records import open_run
from protocol_kit.errors import ProtocolKitError
from protocol_kit.records.events import canonical_json, event_hash
from protocol_kit.records.receipts import Receipt, receipt_dir
from protocol_kit.records.verify import Row, check_run
from tests.bench import tick_rest

from .tamper import connect, forge, store_arg

COLUMNS = "run_id, seq, time, operator, type, payload, prev_hash, hash"


def receipt(event):
    """The signature event's receipt as a plain mapping (its JSON object, SPEC12)."""
    return Receipt.from_event(event).to_dict()


def drop_receipts(store):
    """Remove the receipts written beside the store (a forger with the folder would)."""
    shutil.rmtree(receipt_dir(store.path))


def rehash(path, run_id, *, payload_of=None):
    """Recompute every hash of the run from event 1 on, as a forger would after an edit;
    ``payload_of(seq, type, payload, rows_so_far)`` may change a payload on the way."""
    con = connect(path)
    for trig in ("events_no_update", "events_no_delete"):
        con.execute(f"DROP TRIGGER IF EXISTS {trig}")
    rows = [Row(*r) for r in con.execute(f"SELECT {COLUMNS} FROM events WHERE run_id=? ORDER BY seq", (run_id,))]
    prev, done = "0" * 64, {}
    for r in rows:
        payload = json.loads(r.payload)
        if payload_of is not None:
            payload = payload_of(r.seq, r.type, payload, done)
        digest = event_hash(prev, r.run_id, r.seq, r.time, r.operator, r.type, payload)
        con.execute("UPDATE events SET payload=?, prev_hash=?, hash=? WHERE run_id=? AND seq=?",
                    (canonical_json(payload), prev, digest, run_id, r.seq))
        done[r.seq] = digest
        prev = digest
    con.commit()
    con.close()


@pytest.fixture
def signed(run):
    """Steps 2-19 ticked, a lot (20), a note (21), signed 'performed' by A. Smith (22)."""
    tick_rest(run)
    run.record_lot("NaCl", "LOT-4711")
    run.note("membranes slightly cloudy")
    run.sign("A. Smith", "performed")
    assert run.events[-1].seq == 22 and run.verify().ok
    return run


# -- cutting the end ----------------------------------------------------------------------------
def test_everything_from_the_signature_on_deleted_fails_with_the_receipt(store, signed):
    r = receipt(signed.events[-1])
    forge(store, "DELETE FROM events WHERE run_id=? AND seq>=22", signed.id)
    again = open_run(signed.id, store)
    assert not again.locked                          # the run silently became unsigned ...
    drop_receipts(store)                             # the forger removed the receipts beside the store
    report = again.verify(receipts=[r])              # ... and the receipt kept elsewhere says so, at event 22
    assert not report.ok and report.first.seq == 22
    assert any("missing" in p.what and "ends at event 21" in p.what for p in report.problems)
    # without a receipt the cut cannot be seen, and verify does not claim completeness
    plain = again.verify()
    assert plain.ok and "events removed from the end would not be detected" in str(plain)
    assert "intact" not in str(plain)


def test_last_events_deleted_fail_with_the_receipt_of_a_later_signature(store, signed, tmp_path):
    f = tmp_path / "counts.csv"
    f.write_text("well,cpm\nA1,100\n")
    signed.attach_data(f)                            # 23: data may follow 'performed'
    signed.sign("B. Jones", "reviewed")              # 24
    receipts = [receipt(e) for e in signed.events if e.type == "signature"]
    assert signed.verify(receipts).ok
    assert "2 receipt(s) matched: complete up to the last event" in str(signed.verify(receipts))
    forge(store, "DELETE FROM events WHERE run_id=? AND seq>=23", signed.id)
    drop_receipts(store)
    report = open_run(signed.id, store).verify(receipts)
    assert {p.seq for p in report.problems} == {24} and any("event missing" in p.what for p in report.problems)


def test_verify_says_which_events_no_receipt_covers(store, signed):
    first = receipt(signed.events[-1])               # event 22
    signed.amend(20, "misread label", lot="LOT-4712")  # 23, after the last receipt
    report = signed.verify([first])
    assert report.ok and report.uncovered == {signed.id: (23, 23)}
    assert f"no receipt covers {signed.id} event 23" in str(report)


def test_receipt_of_a_run_not_in_the_store_is_a_finding(store, signed):
    ghost = {**receipt(signed.events[-1]), "run_id": "20260101-radioligand-binding-abcdef"}
    report = store.verify(receipts=[ghost])
    assert not report.ok and report.problems[-1].run_id == ghost["run_id"] and report.problems[-1].seq == 22
    assert "does not hold" in report.problems[-1].what
    with pytest.raises(ProtocolKitError, match="seq"):
        store.verify(signed.id, receipts=[{**receipt(signed.events[-1]), "seq": "22"}])


# -- rewriting and re-hashing -------------------------------------------------------------------
def test_edited_and_rehashed_signed_run_fails_on_the_signature_link(store, signed):
    """The lot (event 20) changed and every hash recomputed: the chain holds, but the
    signature's recorded hash of event 21 no longer is event 21's hash."""
    r = receipt(signed.events[-1])
    lot_seq = signed.lots[0].seq

    def edit(seq, type, payload, done):
        return {**payload, "lot": "LOT-9999"} if seq == lot_seq else payload
    rehash(store, signed.id, payload_of=edit)
    again = open_run(signed.id, store)
    assert again.lots[0].lot == "LOT-9999"
    drop_receipts(store)
    report = again.verify()
    assert [p.seq for p in report.problems] == [22]
    assert "signed event 21 with hash" in report.first.what and "rewritten after it was signed" in report.first.what
    with_receipt = again.verify([r])
    assert any(p.seq == 22 and "event rewritten" in p.what for p in with_receipt.problems)


def test_full_forgery_with_the_signature_payload_rehashed_is_caught_by_the_receipt(store, signed):
    """A forger who also rewrites the signature's record_hash: the chain and the links hold
    again; only the receipt kept elsewhere shows event 22 is not the event that was signed."""
    r = receipt(signed.events[-1])

    def edit(seq, type, payload, done):
        if type == "note":
            return {**payload, "text": "membranes clear"}
        if type == "signature":
            return {**payload, "record_hash": done[seq - 1]}
        return payload
    rehash(store, signed.id, payload_of=edit)
    drop_receipts(store)
    again = open_run(signed.id, store)
    # the chain and the links hold; the key check (keys.check_signatures) and the receipt do not
    assert {p.seq for p in again.verify().problems} == {22}
    report = again.verify([r])
    assert any(p.seq == 22 and "event rewritten" in p.what for p in report.problems)


def test_signature_covering_an_earlier_event_is_a_finding(store, signed):
    def edit(seq, type, payload, done):
        return {**payload, "covers_seq": 20, "record_hash": done[20]} if type == "signature" else payload
    rehash(store, signed.id, payload_of=edit)
    report = open_run(signed.id, store).verify()
    assert report.first.seq == 22 and "covers event 20" in report.first.what and "(21)" in report.first.what


# -- appending after a signature ----------------------------------------------------------------
def _append_raw(path, run_id, type, payload, operator="Mallory"):
    """Append an event with a valid hash, bypassing the store's lock rule (INSERT needs no
    trigger dropped)."""
    con = connect(path)
    seq, prev = con.execute("SELECT seq, hash FROM events WHERE run_id=? ORDER BY seq DESC LIMIT 1",
                            (run_id,)).fetchone()
    time = "2030-01-01T00:00:00.000000+00:00"
    digest = event_hash(prev, run_id, seq + 1, time, operator, type, payload)
    con.execute(f"INSERT INTO events ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, seq + 1, time, operator, type, canonical_json(payload), prev, digest))
    con.commit()
    con.close()
    return seq + 1


def test_note_after_a_review_fails_on_the_lock_rule(store, signed):
    signed.sign("B. Jones", "reviewed")               # 23
    seq = _append_raw(store, signed.id, "note", {"text": "added later"})
    report = open_run(signed.id, store).verify()
    assert [p.seq for p in report.problems] == [seq] == [24]
    assert "a 'note' event after the run was signed (performed, reviewed" in report.first.what
    assert "allows only signatures and amendments" in report.first.what


def test_data_after_performed_is_allowed_but_a_step_is_not(store, signed):
    assert _append_raw(store, signed.id, "data_attached",
                       {"name": "x.csv", "sha256": "0" * 64, "size": 0, "source": None}) == 23
    found = open_run(signed.id, store).verify().problems
    assert [p.what for p in found] == ["attached file 000000000000... is missing from the store"]
    _append_raw(store, signed.id, "step_checked", {"step_id": "rb-buffer"})
    found = open_run(signed.id, store).verify().problems
    assert found[-1].seq == 24 and "lock rule allows only data files" in found[-1].what


# -- malformed rows: findings, never a traceback ------------------------------------------------
MALFORMED = [
    ("NaN", lambda: '{"text": NaN}', "payload is not valid JSON (NaN is not a JSON number)"),
    ("not JSON", lambda: '{"text": ', "payload is not valid JSON"),
    ("a list", lambda: '["text"]', "payload is a JSON list, not an object"),
    ("missing key", lambda: "{}", "note payload lacks the key 'text'"),
    ("wrong type", lambda: '{"text": 5}', "note payload key 'text' is 5 (int); expected a text"),
]


@pytest.mark.parametrize("case, payload, message", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_payload_is_a_finding_from_runs_verify_and_show(capsys, store, run, case, payload, message):
    run.note("first")                                                   # 2
    forge(store, "UPDATE events SET payload=? WHERE run_id=? AND seq=2", payload(), run.id)
    db = store_arg(store)
    assert main(["runs", "verify", run.id, "--store", db]) == 1
    out = capsys.readouterr().out
    assert out.startswith("BROKEN: ") and f"run {run.id}: event 2: {message}" in out
    assert out.count(f"event 2: {message}") == 1                        # each finding once
    code = main(["runs", "show", run.id, "--store", db])
    captured = capsys.readouterr()
    assert code == 1 and f"event 2: {message}" in captured.err
    assert "Traceback" not in captured.err + captured.out


# A text seq or a bytes operator cannot be stored in PostgreSQL's typed columns: SQLite only.
@pytest.mark.parametrize("sql, params, message", [
    pytest.param("UPDATE events SET seq='two' WHERE run_id=? AND seq=2", (), "seq is 'two' (str); expected a whole "
                 "number", marks=pytest.mark.sqlite_only),
    pytest.param("UPDATE events SET operator=X'4d' WHERE run_id=? AND seq=2", (), "field operator is b'M' (bytes)",
                 marks=pytest.mark.sqlite_only),
    ("UPDATE events SET type='cheked' WHERE run_id=? AND seq=2", (), "unknown event type 'cheked'"),
    ("UPDATE events SET hash='abc' WHERE run_id=? AND seq=2", (), "field hash is 'abc'; expected 64 hex digits"),
], ids=["seq", "blob operator", "type", "hash"])
def test_malformed_row_fields_are_findings(capsys, store, run, sql, params, message):
    run.note("first")
    con = connect(store)
    con.execute("DROP TRIGGER events_no_update")
    con.execute(sql, (*params, run.id))
    con.commit()
    con.close()
    assert main(["runs", "verify", run.id, "--store", store_arg(store)]) == 1
    assert message in capsys.readouterr().out
    code = main(["runs", "show", run.id, "--store", store_arg(store)])
    assert code == 1 and message in capsys.readouterr().err


def test_amendment_of_a_step_is_a_finding_not_a_crash(capsys, store, run):
    run.check("rb-buffer")                                              # 2
    _append_raw(store, run.id, "amendment",
                {"target_seq": 2, "target_type": "step_checked", "reason": "x", "changes": {"step_id": "rb-waste"}})
    report = run.verify()
    assert report.first.seq == 3 and "not an earlier value, lot, note or deviation" in report.first.what
    assert main(["runs", "show", run.id, "--store", store_arg(store)]) == 1
    assert "the record cannot be read" in capsys.readouterr().err


def test_check_run_on_hostile_rows_returns_problems():
    """Rows of any types in any field: a list of problems, no exception."""
    rows = [Row(None, None, None, None, None, None, None, None),
            Row("r", True, 1.5, b"x", ["t"], {"a": 1}, 7, "f" * 64)]
    problems = check_run(rows, receipts=[None, {"run_id": "r"}])
    assert problems and all(isinstance(p.what, str) for p in problems)
    assert any("a receipt is a mapping" in p.what for p in problems)


def test_store_verify_prints_each_problem_once(capsys, store, signed):
    forge(store, "UPDATE events SET operator='Mallory' WHERE run_id=? AND seq=21", signed.id)
    assert main(["runs", "verify", "--store", store_arg(store)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines[1:]) == len(set(lines[1:]))
    assert lines[1].strip().startswith(f"run {signed.id}: event 21: content altered")
