"""Issue 17, item 4: export streams the run from the store in bounded memory.

The references are independent of the streamed writer: ``record.json`` must be the text
``json.dumps(..., indent=2, ensure_ascii=False)`` makes of the run's state as the Run rebuilds
it in memory (RunState.to_dict), ``events.jsonl`` the canonical JSON of the Run's events, and
the memory an export holds must not grow with the run's length."""
import hashlib
import re
import json
import tracemalloc
import zipfile

import pytest

from protocol_kit.errors import ParameterError, ProtocolKitError
from protocol_kit.records import Store, export_out, import_run
from protocol_kit.records.events import canonical_json
from protocol_kit.records.export_out import export_stored
from protocol_kit.records.run import Run

from tests.bench import tick_rest

from protocol_kit.records.events import AMENDMENT, LOT, event_hash

from .big_store import OPERATOR, TIME, add_run, event_rows
from .tamper import forge
from .test_export import finished  # noqa: F401 (a fixture: a signed, amended run with files)
from .test_verify_stream import counting

NOW = "2026-12-06T23:00:00.000000+00:00"


@pytest.fixture
def busy(run, tmp_path):
    """A signed run with every kind of item: a lot, a note and a value each amended, a
    deviation, a hand-over, two files whose safe names collide, a report, text outside ASCII."""
    r = run
    r.check("rb-buffer")
    lot = r.record_lot("NaCl", "L123", "2030-01-31").seq
    note = r.note("pipetted by hand, µL scale").seq
    value = r.enter_value("room temperature", 21.5).seq
    r.deviation("incubated 5 min longer", "rb-buffer")
    r.attach_data(b"one", name="a b.txt")
    r.attach_data(b"two", name="a_b.txt")  # the same safe name: data/<seq>-a_b.txt
    report = tmp_path / "report.html"
    report.write_text("<p>report</p>", encoding="utf-8")
    r.record_report(report)
    r.hand_over("B. Jones")
    tick_rest(r, operator="B. Jones")
    r.sign("B. Jones", "performed")
    r.amend(lot, "misread", lot="L124", operator="B. Jones")
    r.amend(note, "typo", text="pipetted by hand, µL scale (P200)", operator="B. Jones")
    r.amend(value, "read again", value=22.0, operator="B. Jones")
    return r.refresh()


def _entries(path):
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


@pytest.mark.parametrize("suffix", [".zip", ".eln"])
def test_record_json_is_the_runs_state_as_json_dumps_writes_it(busy, tmp_path, suffix):
    out = busy.export(tmp_path / f"bundle{suffix}")
    prefix = f"bundle/{busy.id}/" if suffix == ".eln" else f"{busy.id}/"
    entries = _entries(out)
    record = entries[prefix + "record.json"].decode("utf-8")
    got = json.loads(record)
    files = {n[len(prefix):]: hashlib.sha256(b).hexdigest() for n, b in entries.items()
             if n.startswith(prefix) and not n.endswith("record.json")}
    assert got["files"] == files
    expected = {"format": "protocol_kit run record", "format_version": 1, "exported": got["exported"],
                "protocol_kit": got["protocol_kit"], "head": busy.head, "n_events": len(busy.events),
                "files": got["files"], "run": busy.to_dict()}
    assert record == json.dumps(expected, indent=2, ensure_ascii=False)
    run = got["run"]
    assert [n["text"] for n in run["notes"]] == ["pipetted by hand, µL scale (P200)"]
    assert run["values"]["room temperature"]["value"] == 22.0
    assert run["values"]["room temperature"]["amendments"][0]["before"] == {"value": 21.5}
    assert {f"data/{busy.data_files[-1].seq}-a_b.txt", "data/a_b.txt"} <= set(files)
    log = "".join(canonical_json(e.to_dict()) + "\n" for e in busy.events).encode("utf-8")
    assert entries[prefix + "events.jsonl"] == log
    if suffix == ".eln":
        meta = entries["bundle/ro-crate-metadata.json"].decode("utf-8")
        assert meta == json.dumps(json.loads(meta), indent=2, ensure_ascii=False)


@pytest.mark.parametrize("suffix", [".zip", ".eln"])
def test_the_bundle_is_the_same_whatever_the_chunk(busy, tmp_path, monkeypatch, suffix):
    monkeypatch.setattr(export_out, "utc_now", lambda: NOW)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one = export_stored(busy.store, busy.id, tmp_path / "a" / f"bundle{suffix}", chunk=5000)
    cut = export_stored(busy.store, busy.id, tmp_path / "b" / f"bundle{suffix}", chunk=3)  # cuts amendments off their targets
    assert _entries(one) == _entries(cut)
    with Store(tmp_path / "fresh.db") as fresh:
        again = import_run(cut, fresh)
        assert again.to_dict() == busy.to_dict() and again.verify().ok


def test_export_reads_the_run_once_in_chunks(store, tmp_path, monkeypatch):
    run_id = add_run(store, 12_000)
    sizes = counting(store, monkeypatch)
    out = export_stored(store, run_id, tmp_path / "long.eln", chunk=1000)
    # one read of the events, in 12 chunks of 1,000 (the last full chunk asks once more to find the end)
    assert sizes == [1000] * 12 + [0]
    log = zipfile.ZipFile(out).read(f"long/{run_id}/events.jsonl").decode().splitlines()
    assert len(log) == 12_000 and json.loads(log[-1])["seq"] == 12_000


def test_a_run_that_does_not_verify_leaves_no_file(finished, tmp_path):  # noqa: F811
    good = finished.export(tmp_path / "good.zip")
    forge(finished.store, "UPDATE events SET payload=? WHERE run_id=? AND seq=2", '{"step_id":"other"}', finished.id)
    expected = str(finished.verify().first)
    assert "event 2" in expected
    with pytest.raises(ProtocolKitError, match=rf"run {finished.id} does not verify, so it is not exported: "
                                               rf"{re.escape(expected)}"):
        export_stored(finished.store, finished.id, tmp_path / "bad.zip")
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix in (".zip", ".part")) == ["good.zip"]


def test_an_entry_import_would_refuse_leaves_no_file(finished, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setattr(export_out, "MAX_ENTRY_BYTES", 2_000)  # the event log of this run is larger
    with pytest.raises(ProtocolKitError, match="events.jsonl' is more than 2000 bytes"):
        finished.export(tmp_path / "big.eln")
    assert list(tmp_path.glob("*.eln")) == [] and list(tmp_path.glob(".*.part")) == []


def _peak(f) -> int:
    tracemalloc.start()
    try:
        f()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.sqlite_only
def test_the_memory_of_an_export_does_not_grow_with_the_run(store, tmp_path):
    """Runs of 6,000 and 30,000 notes, values and deviations, exported in chunks of 1,000:
    the Python objects an export holds (one chunk, the spill's write buffer of 4,096 items)
    peak at about the same height for both, while the run's events, or its state held in
    memory, grow five-fold. (Measured on Python 3.11: 7.0 and 8.1 MB against 36 MB for the
    state of the longer run.)"""
    short, long_ = add_run(store, 6_000), add_run(store, 30_000)
    small = _peak(lambda: export_stored(store, short, tmp_path / "short.zip", chunk=1000))
    large = _peak(lambda: export_stored(store, long_, tmp_path / "long.zip", chunk=1000))
    held = _peak(lambda: Run(store, long_).state)
    log = zipfile.ZipFile(tmp_path / "long.zip").getinfo(f"{long_}/events.jsonl").file_size
    assert log > 6e6 and held > log  # what the in-memory export held grows with the run
    assert large < 1.3 * small and large < held / 3, (small, large, held)


def test_a_signature_made_while_the_files_are_copied_stays_out_of_the_bundle(run, tmp_path, monkeypatch):
    """Another writer signs the run after the events were read (its receipt lands beside the
    store while the export copies the files): the bundle ends where its events end and imports."""
    run.attach_data(b"plate", name="plate.txt")
    tick_rest(run)
    copy_files = export_out._write_files

    def sign_then_copy(exported, entries):
        Run(run.store, run.id, operator="A. Smith").sign("A. Smith", "performed")
        return copy_files(exported, entries)

    monkeypatch.setattr(export_out, "_write_files", sign_then_copy)
    out = export_stored(run.store, run.id, tmp_path / "b.zip")
    names = zipfile.ZipFile(out).namelist()
    assert not [n for n in names if "/receipts/" in n]  # the signature came after the last exported event
    with Store(tmp_path / "fresh.db") as fresh:
        assert import_run(out, fresh).verify().ok
    assert run.refresh().locked  # and the run itself is signed


def test_file_names_that_collide_once_made_safe_get_paths_of_their_own(run, tmp_path):
    """'a b.txt' is stored as data/a_b.txt; 'a_b.txt' (seq 4) then wants data/4-a_b.txt, which
    the file named '4-a_b.txt' (seq 2) already holds: it gets data/4-2-a_b.txt."""
    assert run.attach_data(b"first", name="4-a_b.txt").seq == 2
    run.attach_data(b"second", name="a b.txt")
    assert run.attach_data(b"third", name="a_b.txt").seq == 4
    out = run.export(tmp_path / "b.zip")
    entries = _entries(out)
    assert {n: b for n, b in entries.items() if "/data/" in n} == {
        f"{run.id}/data/4-a_b.txt": b"first", f"{run.id}/data/a_b.txt": b"second",
        f"{run.id}/data/4-2-a_b.txt": b"third"}
    with Store(tmp_path / "fresh.db") as fresh:
        assert import_run(out, fresh).data_bytes("a_b.txt") == b"third"


def test_the_longest_name_and_a_link_are_written_as_before(run, tmp_path):
    long_name = tmp_path / ("r" * 251 + ".zip")  # 255 bytes: the most a folder entry holds
    assert run.export(long_name) == long_name and zipfile.is_zipfile(long_name)
    real = tmp_path / "real.zip"
    real.write_bytes(b"old")
    link = tmp_path / "link.zip"
    link.symlink_to(real)
    run.export(link)
    assert link.is_symlink() and zipfile.is_zipfile(real)  # written through the link
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".part")) == []


def test_more_entries_than_import_reads_is_refused(finished, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setattr(export_out, "MAX_ENTRIES", 4)  # events, 2 data files, a report, receipt, sheet, record
    with pytest.raises(ProtocolKitError, match="more than 4 entries, which import does not read; not exported"):
        finished.export(tmp_path / "b.zip")
    assert list(tmp_path.glob("*.zip")) == []


def test_a_record_that_verifies_but_cannot_be_read_is_refused_as_such(store, tmp_path):
    """A chain that verifies, holding a lot whose expiry was amended to 'soon' (written behind
    protocol_kit's back, validly hashed): the state cannot be read; the refusal says so and
    names the event, not 'does not verify'."""
    run_id = add_run(store, 4)
    rows = list(event_rows(run_id, 4))
    prev = rows[-1][-1]
    for seq, type_, payload in ((5, LOT, {"reagent": "NaCl", "lot": "L1", "expiry": "2030-01-31"}),
                                (6, AMENDMENT, {"target_seq": 5, "target_type": LOT, "reason": "x",
                                                 "changes": {"expiry": "soon"}})):
        digest = event_hash(prev, run_id, seq, TIME, OPERATOR, type_, payload)
        with store.backend.write(run_id) as con:
            con.put_events([(run_id, seq, TIME, OPERATOR, type_, canonical_json(payload), prev, digest)],
                           "" if store.backend.dialect == "sqlite" else store.backend.project_for_new_run(None))
        prev = digest
    assert store.verify(run_id).ok
    with pytest.raises(ProtocolKitError, match=rf"run {run_id}: event 6 \(amendment\) cannot be read "
                                               r"\(ValueError: .*soon.*\); not exported \(its chain verifies, but its state"):
        export_stored(store, run_id, tmp_path / "b.zip")
    assert list(tmp_path.glob("*.zip")) == []


def test_an_output_in_a_missing_folder_is_named_as_given(run, tmp_path):
    with pytest.raises(ParameterError, match=r"output: '.*nowhere/b.zip' is in a folder that does not exist"):
        run.export(tmp_path / "nowhere" / "b.zip")
    folder = tmp_path / "b.zip"
    folder.mkdir()
    with pytest.raises(IsADirectoryError) as caught:  # a target that is a folder: the error names it
        run.export(folder)
    assert caught.value.filename == str(folder) and list(tmp_path.glob(".*.part")) == []
