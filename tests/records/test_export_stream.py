"""Issue 17, item 4: export streams the run from the store (the verifier's chunked read), in
bounded memory, and writes the very bytes the whole-run-in-memory export wrote."""
import hashlib
import json
import time
import tracemalloc
import types
import zipfile

import pytest

from protocol_kit.records import crate, export_out
from protocol_kit.records import Store, import_run
from protocol_kit.records.events import canonical_json
from protocol_kit.records.export_out import export_stored
from protocol_kit.records.receipts import run_receipts
from protocol_kit.records.run import Run

from .big_store import add_run
from .test_export import finished  # noqa: F401 (a fixture: a signed, amended run with files)
from .test_verify_stream import counting

NOW = "2026-12-06T21:30:00.000000+00:00"


def _old_export(run, path, now):
    """Export as it was before streaming (protocol_kit/records/export.py at fbccab4): the Run's
    events and every file's bytes in memory, the event log one string, the metadata hashing
    the bytes."""
    s = run.state
    names = {}
    events = "".join(canonical_json(e.to_dict()) + "\n" for e in run.events)
    files = {"events.jsonl": events.encode("utf-8")}
    for folder, items in (("data", s.data), ("reports", s.reports)):
        for item in items:
            p = f"{folder}/{export_out._safe(item.name)}"
            if p in files:
                p = f"{folder}/{item.seq}-{export_out._safe(item.name)}"
            files[p] = run.store.blob(item.sha256)
            names[p] = item.name
    files.update({f"receipts/{r.file_name}": r.to_json() for r in run_receipts(run)})
    files["sheet.html"] = run.protocol.sheet().encode("utf-8")
    record = {"format": "protocol_kit run record", "format_version": 1, "exported": now,
              "protocol_kit": export_out.__version__, "head": s.head, "n_events": s.n_events,
              "files": {p: hashlib.sha256(b).hexdigest() for p, b in files.items()}, "run": s.to_dict()}
    files["record.json"] = json.dumps(record, indent=2, ensure_ascii=False).encode("utf-8")
    eln = path.suffix == ".eln"
    entries = {f"{path.stem}/{run.id}/{n}" if eln else f"{run.id}/{n}": d for n, d in files.items()}
    if eln:
        evs = run.events
        meta = crate.build(run, run.id, {p: (len(b), hashlib.sha256(b).hexdigest()) for p, b in files.items()},
                           now, names, people=list(dict.fromkeys(e.operator for e in evs)),
                           created=evs[0].time, modified=evs[-1].time)
        entries = {f"{path.stem}/{crate.METADATA}": json.dumps(meta, indent=2, ensure_ascii=False).encode("utf-8"),
                   **entries}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return path


@pytest.fixture
def frozen(monkeypatch):
    """One export time, and one time stamp on every zip entry."""
    monkeypatch.setattr(export_out, "utc_now", lambda: NOW)
    fixed = time.mktime((2026, 12, 6, 21, 30, 0, 0, 0, -1))
    clock = types.SimpleNamespace(time=lambda: fixed, localtime=time.localtime)
    monkeypatch.setattr(zipfile, "time", clock)
    monkeypatch.setattr(export_out, "time", clock)


@pytest.mark.parametrize("suffix", [".zip", ".eln"])
def test_streamed_export_writes_the_bytes_the_in_memory_export_wrote(finished, tmp_path, frozen, suffix):  # noqa: F811
    finished.attach_data(b"one", name="a b.txt", operator="B. Jones")
    finished.attach_data(b"two", name="a_b.txt", operator="B. Jones")  # the same safe name: data/<seq>-a_b.txt
    finished.refresh()
    for d in ("old", "3", "5000", "run"):  # one file name: a .eln's top folder is named by it
        (tmp_path / d).mkdir()
    old = _old_export(finished, tmp_path / "old" / f"bundle{suffix}", NOW).read_bytes()
    for chunk in (3, 5000):  # chunks that cut the run, and one chunk
        new = export_stored(finished.store, finished.id, tmp_path / str(chunk) / f"bundle{suffix}", chunk=chunk)
        assert new.read_bytes() == old
    assert finished.export(tmp_path / "run" / f"bundle{suffix}").read_bytes() == old
    with Store(tmp_path / "fresh.db") as fresh:
        again = import_run(new, fresh)
        assert [e.to_dict() for e in again.events] == [e.to_dict() for e in finished.events]
        assert again.verify().ok


def test_export_reads_the_run_in_chunks(store, tmp_path, monkeypatch):
    run_id = add_run(store, 12_000)
    sizes = counting(store, monkeypatch)
    out = export_stored(store, run_id, tmp_path / "long.eln", chunk=1000)
    # verify reads in its own chunks of 5,000; the snapshot reads 12 chunks of 1,000 and an
    # empty one to find the end; writing events.jsonl stops at the snapshot's last event
    assert sizes == [5000, 5000, 2000] + [1000] * 12 + [0] + [1000] * 12
    log = zipfile.ZipFile(out).read(f"long/{run_id}/events.jsonl").decode().splitlines()
    assert len(log) == 12_000 and json.loads(log[-1])["seq"] == 12_000


def _peak(f) -> int:
    tracemalloc.start()
    try:
        f()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.sqlite_only
def test_export_of_a_long_run_holds_neither_its_events_nor_its_log(store, tmp_path):
    """A 10,000-event run of notes, values and deviations. What the export still holds is the
    run's state, which record.json carries whole (for this run it is as large as its events:
    every event is an item of the state); the events, the event log's text and bytes that the
    in-memory export held on top of it are gone: its peak is lower by more than the log's size."""
    run_id = add_run(store, 10_000)
    old = _peak(lambda: _old_export(Run(store, run_id), tmp_path / "old.zip", NOW))
    new = _peak(lambda: export_stored(store, run_id, tmp_path / "new.zip"))
    log = zipfile.ZipFile(tmp_path / "new.zip").getinfo(f"{run_id}/events.jsonl").file_size
    assert log > 3e6 and old - new > log, (log, old, new)
