"""The store: hash chain, append-only triggers, tamper detection, default location."""
import hashlib
import json
import sqlite3

import pytest

import protocol_kit as pk
from protocol_kit.errors import ProtocolKitError
from protocol_kit.records import Store, default_store_path
from tests.bench import tick_rest

import psycopg

from .tamper import connect, forge


def test_event_hash_is_sha256_of_canonical_json(run):
    run.note("ü 5 µL")
    first, second = run.events
    # The specification, spelled out here with the standard library only:
    def spec(prev, e):
        text = json.dumps([prev, e.run_id, e.seq, e.time, e.operator, e.type, e.payload],
                          sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert first.prev_hash == "0" * 64
    assert first.hash == spec("0" * 64, first)
    assert second.prev_hash == first.hash and second.hash == spec(first.hash, second)


@pytest.mark.sqlite_only
def test_store_uses_wal(store, run):
    con = connect(store)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()


@pytest.mark.parametrize("sql", [
    "UPDATE events SET operator='Mallory' WHERE seq=1",
    "DELETE FROM events WHERE seq=2",
    "UPDATE blobs SET size=0",
    "DELETE FROM blobs",
])
def test_update_and_delete_are_refused_by_triggers(store, run, sql):
    run.attach_data(__file__)
    con = connect(store, triggers_off=False)  # as the store's own user (PostgreSQL: the admin, the owner)
    with pytest.raises((sqlite3.DatabaseError, psycopg.Error), match="append-only"):
        con.execute(sql)
    con.close()
    assert pk.open_run(run.id, store).verify().ok


def _worked_run(run):
    run.check("rb-buffer")                      # 2
    run.record_lot("NaCl", "LOT-4711")          # 3
    run.enter_value("protein", 2.1)             # 4
    run.note("all fine")                        # 5
    return run


def test_altered_payload_is_found_with_its_seq(store, run):
    _worked_run(run)
    forge(store, "UPDATE events SET payload=? WHERE run_id=? AND seq=3",
            json.dumps({"reagent": "NaCl", "lot": "LOT-4712", "expiry": None}), run.id)
    report = run.verify()
    assert not report.ok
    assert (report.first.seq, report.first.run_id) == (3, run.id)
    assert "content altered" in report.first.what
    assert str(report).startswith(f"BROKEN: run {run.id}: event 3: content altered")


def test_altered_time_or_operator_is_found(store, run):
    _worked_run(run)
    forge(store, "UPDATE events SET operator='Mallory' WHERE run_id=? AND seq=2", run.id)
    assert run.verify().first.seq == 2


def test_rehashed_event_breaks_the_next_link(store, run):
    """Someone who alters event 3 and recomputes its hash still breaks event 4's link."""
    _worked_run(run)
    e = run.events[2]
    from protocol_kit.records.events import canonical_json, event_hash
    payload = {**e.payload, "lot": "FORGED"}
    forged = event_hash(e.prev_hash, e.run_id, 3, e.time, e.operator, e.type, payload)
    forge(store, "UPDATE events SET payload=?, hash=? WHERE run_id=? AND seq=3",
            canonical_json(payload), forged, run.id)
    report = run.verify()
    assert report.first.seq == 4 and "link broken" in report.first.what


def test_deleted_event_is_found_as_a_gap(store, run):
    _worked_run(run)
    forge(store, "DELETE FROM events WHERE run_id=? AND seq=3", run.id)
    report = run.verify()
    assert report.first.seq == 4
    assert "sequence gap: expected event 3, found 4" in report.first.what


def test_altered_attached_file_is_found(store, run, tmp_path):
    f = tmp_path / "counts.csv"
    f.write_bytes(b"well,cpm\nA1,100\n")
    run.attach_data(f)                            # seq 2
    forge(store, "UPDATE blobs SET data=?", b"well,cpm\nA1,900\n")
    report = run.verify()
    assert report.first.seq == 2 and "attached file" in report.first.what and "altered" in report.first.what


def test_byte_edit_of_the_database_file_is_found(tmp_path, binding):
    """Edit the file itself (same length, so SQLite still opens it): verify names the event."""
    path = tmp_path / "edit.db"
    with Store(path) as s:
        run = binding.start_run("A. Smith", store=s)
        _worked_run(run)
        run_id = run.id
    raw = path.read_bytes()  # closing the last connection checkpointed the WAL into the file
    assert raw.count(b"LOT-4711") == 1
    path.write_bytes(raw.replace(b"LOT-4711", b"LOT-4717"))
    with Store(path) as s:
        again = pk.open_run(run_id, s)
        assert again.lots[0].lot == "LOT-4717"  # the store reads it ...
        report = again.verify()                 # ... and verify says where it was changed
        assert report.first.seq == 3 and "content altered" in report.first.what


def test_verify_all_runs_counts_events(store, binding):
    a = binding.start_run("A", store=store)
    b = binding.start_run("B", store=store)
    a.note("one")
    report = store.verify()
    assert report.ok and sorted(report.runs) == sorted([a.id, b.id]) and report.events_checked == 3
    assert str(report) == ("ok: 2 run(s), 3 event(s): chain, signature links and lock rule hold; "
                           "no receipt checked: events removed from the end would not be detected")


def test_default_store_path_env_then_cwd(tmp_path, monkeypatch, binding):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PROTOCOL_KIT_STORE", raising=False)
    assert default_store_path() == tmp_path / "protocol_kit.db"
    r = binding.start_run("A. Smith")
    assert (tmp_path / "protocol_kit.db").is_file()
    assert pk.open_run(r.id).state.n_events == 1
    monkeypatch.setenv("PROTOCOL_KIT_STORE", str(tmp_path / "elsewhere.db"))
    r2 = binding.start_run("A. Smith")
    assert (tmp_path / "elsewhere.db").is_file()
    assert pk.open_run(r2.id).id == r2.id
    with pytest.raises(pk.UnknownNameError):
        pk.open_run(r.id)  # that one lives in the cwd store


def test_missing_store_is_not_created_by_open_run(tmp_path):
    path = tmp_path / "typo.db"
    with pytest.raises(ProtocolKitError, match="typo.db' does not exist"):
        pk.open_run("any", path)
    assert not path.exists()


def test_a_file_that_is_not_a_store(tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("hello, I am not a database\n" * 50)
    with pytest.raises(ProtocolKitError, match="is not a protocol_kit store"):
        Store(bad)


def test_a_foreign_sqlite_database_is_left_alone(tmp_path):
    import sqlite3
    path = tmp_path / "other.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE samples (id TEXT)")
    con.commit()
    con.close()
    with pytest.raises(ProtocolKitError, match="is not a protocol_kit store .an SQLite database without protocol_kit's tables"):
        Store(path)
    con = sqlite3.connect(path)
    assert [r[0] for r in con.execute("SELECT name FROM sqlite_master")] == ["samples"]  # nothing added
    con.close()


def test_runs_summary(store, binding):
    r = binding.start_run("A. Smith", store=store)
    r.check("rb-buffer")
    tick_rest(r)                    # the other 17 steps
    r.sign("A. Smith", "performed")
    (s,) = store.runs()  # 1 start + 18 steps + 1 signature = 20 events
    assert (s.run_id, s.protocol, s.operator, s.events, s.signed) == (r.id, "radioligand-binding", "A. Smith", 20, True)
