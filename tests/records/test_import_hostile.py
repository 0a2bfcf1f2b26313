"""Issue 12, item 5: import proves a bundle before it writes anything.

Every hostile bundle gives a ProtocolKitError (never a traceback, never a half-written run), and
the target store's rows are the same before and after. Then hypothesis mutates bytes of a valid
bundle: only a clean import of the very same run, or a ProtocolKitError.
"""
import json
import sqlite3
import tempfile
import tracemalloc
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import protocol_kit as pk
from tests.bench import tick_rest
from protocol_kit.errors import DataFormatError, ProtocolKitError
from protocol_kit.records import Store, bundle, import_run

from .hostile import (events_of, find, patch_central, read_entries, rechain, symlink_info, with_events,
                      write_entries, zip_bomb)


@pytest.fixture
def finished(run, tmp_path):
    f = tmp_path / "plate.txt"
    f.write_bytes(b"\xff\xfe##BLOCKS= 1\r\n")
    run.check("rb-buffer")
    run.record_lot("NaCl", "L123", "2030-01-31")
    run.attach_data(f)
    run.attach_data(pd.DataFrame({"well": ["A1"], "cpm": [1234.0]}), name="counts.csv")
    tick_rest(run)
    run.sign("A. Smith", "performed")
    run.amend(3, "misread", lot="L124", operator="B. Jones")
    return run


@pytest.fixture
def bundles(finished, tmp_path):
    return {".zip": finished.export(tmp_path / "good.zip"), ".eln": finished.export(tmp_path / "good.eln")}


@pytest.fixture
def target(tmp_path):
    """A store that already holds another run, so 'unchanged' is not just 'empty'."""
    path = tmp_path / "target.db"
    with Store(path) as s:
        pk.RadioligandBinding().start_run(operator="C. Other", store=s).check("rb-buffer")
    return path


def rows_of(path: Path) -> tuple:
    con = sqlite3.connect(path)
    try:
        return (con.execute("SELECT * FROM events ORDER BY run_id, seq").fetchall(),
                con.execute("SELECT sha256, size, data FROM blobs ORDER BY sha256").fetchall())
    finally:
        con.close()


# -- the hostile cases: (id, format, maker(entries, tmp) -> entries or a Path, expected message) ------

def _rename(entries, old, new):
    return {n.replace(old, new, 1): b for n, b in entries.items()}


def _edit_events(entries, change, *, rechained=True, fix_record=True, run_id=None):
    ev = events_of(entries)
    change(ev)
    return with_events(entries, rechain(ev, run_id) if rechained else ev, fix_record=fix_record)


def _replace_line(entries, no, text):
    log = find(entries, "events.jsonl")
    lines = entries[log].split(b"\n")
    lines[no] = text
    return {**entries, log: b"\n".join(lines)}


def _set(entries, suffix, change):
    name = find(entries, suffix)
    d = json.loads(entries[name])
    change(d)
    return {**entries, name: json.dumps(d).encode()}


def _head_pv(meta, value):
    next(e for e in meta["@graph"] if e["@id"] == "#head-hash")["value"] = value


def _bad_step(ev):
    ev[1]["payload"] = {"stepid": "rb-buffer"}


def _raw(tmp, maker):
    path = tmp / "raw.zip"
    maker(path)
    return path


def _bomb(entries, tmp):
    return zip_bomb(tmp / "bomb.zip", f"{find(entries, 'events.jsonl')}", size=2**28)


def _lying_size(entries, tmp):
    path = write_entries(tmp / "lie.zip", entries)
    patch_central(path, find(entries, "events.jsonl"), size=100)
    return path


def _bad_crc(entries, tmp):
    path = write_entries(tmp / "crc.zip", entries)
    patch_central(path, find(entries, "events.jsonl"), crc=0x12345678)
    return path


def _receipt(entries, seq=6, name=None):
    folder = find(entries, "events.jsonl").rsplit("/", 1)[0]
    run_id = folder.rsplit("/", 1)[-1]
    ev = events_of(entries)[seq - 1]
    r = {"format": "protocol_kit.receipt/1", "run_id": run_id, "seq": seq, "event_hash": ev["hash"],
         "record_hash": ev["payload"].get("record_hash", ""), "covers_seq": seq - 1, "name": "A. Smith",
         "meaning": "performed", "time": ev["time"], "public_key": "", "signature": ""}
    return {**entries, f"{folder}/receipts/{name or f'{run_id}.{seq}.json'}": json.dumps(r).encode()}


def _truncate_after_receipt(entries):
    """Cut the run from its signature on, fix record.json, keep the signature's receipt."""
    with_receipt = _receipt(entries)
    ev = events_of(entries)[:5]  # event 6 is the signature
    return with_events(with_receipt, ev, fix_record=True)


CASES = [
    # zip structure
    ("not-a-zip", ".zip", lambda e, t: _raw(t, lambda p: p.write_bytes(b"PK\x03\x04 not really")), "not a zip"),
    ("truncated-zip", ".zip", lambda e, t: _raw(t, lambda p: p.write_bytes(
        write_entries(t / "w.zip", e).read_bytes()[:300])), "not a zip"),
    ("traversal-entry", ".zip", lambda e, t: {**e, "../../evil.txt": b"x"}, "'..'"),
    ("absolute-entry", ".zip", lambda e, t: {**e, "/tmp/evil.txt": b"x"}, "absolute path"),
    ("drive-letter-entry", ".zip", lambda e, t: {**e, "C:/evil.txt": b"x"}, "absolute path"),
    ("backslash-entry", ".zip", lambda e, t: {**e, "..\\evil.txt": b"x"}, "backslash"),
    ("symlink-entry", ".zip", lambda e, t: write_entries(
        t / "sym.zip", {**e, f"{find(e, 'events.jsonl')[:-12]}data/link": b"/etc/passwd"},
        {f"{find(e, 'events.jsonl')[:-12]}data/link": symlink_info(f"{find(e, 'events.jsonl')[:-12]}data/link")}),
     "symbolic link"),
    ("duplicate-entry", ".zip", lambda e, t: [*e.items(), (find(e, "events.jsonl"), b"")], "twice"),
    ("entry-outside-run-folder", ".zip", lambda e, t: {**e, "elsewhere/notes.txt": b"x"}, "outside the run's folder"),
    ("zip-bomb-256MiB", ".zip", _bomb, "declares 256.0 MiB"),
    ("lying-declared-size", ".zip", _lying_size, "cannot be read"),
    ("bad-crc", ".zip", _bad_crc, "cannot be read"),
    ("encrypted-flag", ".zip", lambda e, t: _encrypted(e, t), "encrypted"),
    # event log content
    ("bad-json-line", ".zip", lambda e, t: _replace_line(e, 2, b'{"run_id": '), "line 3 is not valid JSON"),
    ("nan-payload", ".zip", lambda e, t: _replace_line(e, 2, e[find(e, "events.jsonl")].split(b"\n")[2]
                                                       .replace(b'"L123"', b"NaN")), "NaN is not a number"),
    ("non-utf8", ".zip", lambda e, t: {**e, find(e, "events.jsonl"): b"\xff\xfe" + e[find(e, "events.jsonl")]},
     "not UTF-8"),
    ("missing-key", ".zip", lambda e, t: _edit_events(e, lambda ev: ev[2].pop("hash"), rechained=False),
     "the key 'hash' is missing"),
    ("seq-as-text", ".zip", lambda e, t: _edit_events(e, lambda ev: ev[2].update(seq="3"), rechained=False),
     "'seq' is '3'"),
    ("payload-a-list", ".zip", lambda e, t: _edit_events(e, lambda ev: ev[2].update(payload=[1]), rechained=False),
     "'payload' is \\[1\\]"),
    ("time-not-iso", ".zip", lambda e, t: _edit_events(e, lambda ev: ev[2].update(time="yesterday")),
     "not an ISO 8601 time"),
    ("unknown-event-type", ".zip", lambda e, t: _edit_events(e, lambda ev: ev[3].update(type="wire_transfer")),
     "unknown event type 'wire_transfer'"),
    ("malformed-payload-rechained", ".zip", lambda e, t: _edit_events(e, _bad_step),
     "event 2 \\(step_checked\\) cannot be read"),
    ("float-overflow-1e400", ".zip", lambda e, t: _replace_line(e, 2, e[find(e, "events.jsonl")].split(b"\n")[2]
                                                                .replace(b'"L123"', b"1e400")), "cannot write"),
    ("json-nesting-bomb", ".zip", lambda e, t: _replace_line(e, 2, b"[" * 200_000 + b"]" * 200_000),
     "line 3 is not valid JSON"),
    ("eln-renamed-zip-without-metadata", ".eln", lambda e, t: write_entries(
        t / "renamed.zip", {n: b for n, b in e.items() if not n.endswith("ro-crate-metadata.json")}),
     "ro-crate-metadata.json' is missing"),
    ("empty-log", ".zip", lambda e, t: {**e, find(e, "events.jsonl"): b"\n"}, "holds no events"),
    ("mixed-runs", ".zip", lambda e, t: _edit_events(e, lambda ev: ev.append(
        dict(ev[-1], run_id="20250101-other-abcdef", seq=1)), rechained=False), "holds events of run"),
    # forged chains
    ("content-altered", ".zip", lambda e, t: {**e, find(e, "events.jsonl"): e[find(e, "events.jsonl")]
                                              .replace(b"L123", b"L999")}, "event 3: content altered"),
    ("rechained-record-not-fixed", ".zip", lambda e, t: _edit_events(
        e, lambda ev: ev[2]["payload"].update(lot="L999"), fix_record=False), "events missing from the end"),
    ("rechained-eln-metadata-not-fixed", ".eln", lambda e, t: _edit_events(
        e, lambda ev: ev[2]["payload"].update(lot="L999")), "gives head hash"),
    ("truncated-chain", ".zip", lambda e, t: with_events(e, events_of(e)[:-2], fix_record=False),
     "events missing from the end"),
    ("truncated-chain-record-fixed-eln", ".eln", lambda e, t: with_events(e, events_of(e)[:6], fix_record=True),
     "gives head hash"),
    ("sequence-gap", ".zip", lambda e, t: with_events(e, [x for x in events_of(e) if x["seq"] != 4],
                                                      fix_record=True), "sequence gap"),
    # record.json and metadata
    ("missing-record-json", ".zip", lambda e, t: {n: b for n, b in e.items() if not n.endswith("record.json")},
     "record.json' is missing"),
    ("record-head-mismatch", ".zip", lambda e, t: _set(e, "record.json", lambda r: r.update(head="0" * 64)),
     "gives head hash 000000000000"),
    ("record-files-mismatch", ".zip", lambda e, t: {**e, find(e, "sheet.html"): b"<p>forged</p>"},
     "does not list 'sheet.html'"),
    ("missing-eln-metadata", ".eln",
     lambda e, t: {n: b for n, b in e.items() if not n.endswith("ro-crate-metadata.json")},
     "ro-crate-metadata.json' is missing"),
    ("eln-metadata-head-mismatch", ".eln",
     lambda e, t: _set(e, "ro-crate-metadata.json", lambda m: _head_pv(m, "1" * 64)), "gives head hash 111111111111"),
    ("eln-metadata-file-hash", ".eln", lambda e, t: _set(e, "ro-crate-metadata.json", lambda m: next(
        x for x in m["@graph"] if x["@id"].endswith("counts.csv")).update(sha256="0" * 64)),
     "'data/counts.csv' is listed"),
    ("eln-metadata-not-json", ".eln", lambda e, t: {**e, find(e, "ro-crate-metadata.json"): b"{"}, "not valid JSON"),
    # files
    ("data-file-missing", ".zip", lambda e, t: {n: b for n, b in e.items() if not n.endswith("plate.txt")},
     "event 4 attaches 'plate.txt'"),
    ("data-file-altered", ".zip", lambda e, t: {**e, find(e, "plate.txt"): b"forged"}, "event 4 attaches 'plate.txt'"),
    # run ids
    ("run-id-folder-not-an-id", ".zip", lambda e, t: _rename(e, find(e, "events.jsonl").split("/")[0], "evil"),
     "not a run id"),
    ("run-id-traversal-in-events", ".zip", lambda e, t: _edit_events(e, lambda ev: None, run_id="../../x"),
     "holds events of run '../../x'"),
    ("receipt-misnamed", ".zip", lambda e, t: _receipt(e, name="../../x.6.json"), "'..'"),
    ("receipt-other-run", ".zip", lambda e, t: _receipt(e, name="20250101-x-abcdef.6.json"),
     "a receipt is named"),
]


def _encrypted(entries, tmp):
    path = write_entries(tmp / "enc.zip", entries)
    patch_central(path, find(entries, "sheet.html"), flags=0x1)
    return path


def make(case, bundles, tmp_path) -> Path:
    _, fmt, maker, _ = case
    out = maker(read_entries(bundles[fmt]), tmp_path)
    return out if isinstance(out, Path) else write_entries(tmp_path / f"hostile{fmt}", out)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_hostile_bundle_is_refused_and_nothing_written(case, bundles, target, tmp_path):
    before = rows_of(target)
    bad = make(case, bundles, tmp_path)
    with pytest.raises(ProtocolKitError, match=case[3]):
        import_run(bad, target)
    assert rows_of(target) == before


def test_there_are_enough_cases():
    assert len(CASES) >= 26


def _edit_and_relink(entries):
    """Edit a lot, re-chain, and point the signature's record_hash at the new chain: the links
    hold, and (the receipts dropped) only the Ed25519 signature, made over the old
    record_hash, tells."""
    entries = {k: v for k, v in entries.items() if "/receipts/" not in k}
    ev = rechain(_lot_edited(events_of(entries)))
    sig = next(i for i, e in enumerate(ev) if e["type"] == "signature")
    ev[sig]["payload"]["record_hash"] = ev[sig - 1]["hash"]
    out = with_events(entries, rechain(ev), fix_record=True)
    record_name = find(out, "record.json")
    record = json.loads(out[record_name])
    record["files"] = {k: v for k, v in record["files"].items() if not k.startswith("receipts/")}
    return {**out, record_name: json.dumps(record).encode()}


def _lot_edited(ev):
    ev[2]["payload"].update(lot="L999")
    return ev


def test_a_relinked_forgery_is_refused_by_the_signature_itself(bundles, target, tmp_path):
    before = rows_of(target)
    bad = write_entries(tmp_path / "relinked.zip", _edit_and_relink(read_entries(bundles[".zip"])))
    with pytest.raises(DataFormatError, match="does not verify: .*not valid for its public key"):
        import_run(bad, target)
    assert rows_of(target) == before


@pytest.mark.parametrize("maker", [
    # every hash recomputed after an edit, record.json fixed: only the signature's recorded hash
    # (and any receipt) still tells
    lambda e: _edit_events(e, lambda ev: ev[2]["payload"].update(lot="L999")),
    # cut from the signature on, record.json fixed: only the receipt still tells
    _truncate_after_receipt,
], ids=["rechained-everything", "truncated-with-receipt"])
def test_forgeries_only_signatures_and_receipts_reveal(maker, bundles, target, tmp_path):
    before = rows_of(target)
    bad = write_entries(tmp_path / "forged.zip", maker(read_entries(bundles[".zip"])))
    with pytest.raises(DataFormatError, match="does not verify"):
        import_run(bad, target)
    assert rows_of(target) == before


@pytest.mark.parametrize("suffix", [".zip", ".eln"])
def test_a_data_file_named_like_the_event_log_round_trips(run, tmp_path, suffix):
    f = tmp_path / "events.jsonl"
    f.write_bytes(b'{"not": "the record"}\n')
    run.attach_data(f)
    out = run.export(tmp_path / f"b{suffix}")
    with Store(tmp_path / "fresh.db") as fresh:
        again = import_run(out, fresh)
        assert again.data_bytes("events.jsonl") == b'{"not": "the record"}\n'
        assert [e.to_dict() for e in again.events] == [e.to_dict() for e in run.events]


def test_receipts_in_the_bundle_are_read_and_a_clean_bundle_imports(bundles, finished, tmp_path):
    good = write_entries(tmp_path / "with-receipt.zip", _receipt(read_entries(bundles[".zip"])))
    with Store(tmp_path / "fresh.db") as fresh:
        again = import_run(good, fresh)
        assert [e.to_dict() for e in again.events] == [e.to_dict() for e in finished.events]


def test_zip_bomb_refused_before_it_is_inflated(bundles, target, tmp_path):
    """1 GiB of zeros in about 1 MB: refused on its declared size, reading nothing of it
    (peak Python memory measured with tracemalloc, well under 100 MB; the time is measured by
    benchmarks/import_bomb.py, not asserted here)."""
    name = find(read_entries(bundles[".zip"]), "events.jsonl")
    bomb = zip_bomb(tmp_path / "bomb.zip", name)
    assert bomb.stat().st_size < 2 * 2**20
    with zipfile.ZipFile(bomb) as z:  # a real bomb: it inflates, to zeros, as declared
        assert z.getinfo(name).file_size == 2**30
        with z.open(name) as f:
            assert f.read(2**20) == bytes(2**20)
    before = rows_of(target)
    tracemalloc.start()
    try:
        with pytest.raises(DataFormatError, match=r"declares 1024.0 MiB uncompressed; allowed: at most 64.0 MiB"):
            import_run(bomb, target)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 100 * 2**20
    assert rows_of(target) == before


def test_limits_on_total_size_and_entry_count(bundles, target, tmp_path, monkeypatch):
    entries = read_entries(bundles[".zip"])
    biggest = max(map(len, entries.values()))
    monkeypatch.setattr(bundle, "MAX_TOTAL_BYTES", biggest + 10)  # smaller than the bundle in all
    with pytest.raises(DataFormatError, match="uncompressed in all"):
        import_run(bundles[".zip"], target)
    monkeypatch.undo()
    monkeypatch.setattr(bundle, "MAX_ENTRIES", len(entries) - 1)
    with pytest.raises(DataFormatError, match=f"{len(entries)} entries; a bundle holds at most {len(entries) - 1}"):
        import_run(bundles[".zip"], target)


def test_export_refuses_a_run_id_that_is_not_one(store, tmp_path):
    """A run id like '../../x' (only reachable by writing the store directly) never becomes a zip entry."""
    store.append("../../x", "A. Smith", "started", {"protocol": "radioligand-binding", "version": "1",
                                                    "params": {}, "plan_hash": "x"}, new_run=True)
    from protocol_kit.records import open_run
    with pytest.raises(ProtocolKitError, match="not a run id protocol_kit makes"):
        open_run("../../x", store).export(tmp_path / "x.zip")
    assert not (tmp_path / "x.zip").exists()


# -- hypothesis: mutated bytes ---------------------------------------------------------------

def _check_mutant(data: bytes, good_run, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        path, store_path = Path(d) / f"m{suffix}", Path(d) / "t.db"
        path.write_bytes(data)
        with Store(store_path) as s:
            try:
                again = import_run(path, s)
            except ProtocolKitError:
                assert s.run_ids() == []
            else:  # what imports is the very run that was exported, byte for byte
                assert [e.to_dict() for e in again.events] == [e.to_dict() for e in good_run.events]
                assert again.verify().ok


def test_a_zip_that_asks_for_an_unknown_zip_version_is_refused(bundles, target, tmp_path):
    # found by the fuzzer below: one flipped byte in the central directory's "version needed to
    # extract" (offset 6 of its PK\x01\x02 header) made zipfile raise NotImplementedError
    # ("zip file version 8.4": 84 / 10) straight through import
    data = bytearray(bundles[".zip"].read_bytes())
    at = data.index(b"PK\x01\x02") + 6
    data[at:at + 2] = (84).to_bytes(2, "little")
    bad = tmp_path / "v84.zip"
    bad.write_bytes(bytes(data))
    before = rows_of(target)
    with pytest.raises(DataFormatError, match=r"v84.zip: not a zip or .eln file \(zip file version 8.4\)"):
        import_run(bad, target)
    assert rows_of(target) == before


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(flips=st.lists(st.tuples(st.integers(min_value=0), st.integers(1, 255)), min_size=1, max_size=4),
       cut=st.one_of(st.none(), st.integers(min_value=0)))
def test_fuzz_raw_bytes_of_a_bundle(bundles, finished, flips, cut):
    data = bytearray(bundles[".zip"].read_bytes())
    for at, x in flips:
        data[at % len(data)] ^= x
    if cut is not None:
        data = data[:cut % len(data)]
    _check_mutant(bytes(data), finished, ".zip")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.sampled_from(["events.jsonl", "record.json", "ro-crate-metadata.json", "counts.csv"]),
       flips=st.lists(st.tuples(st.integers(min_value=0), st.integers(1, 255)), min_size=1, max_size=3))
def test_fuzz_entry_contents(bundles, finished, which, flips):
    """Bytes flipped inside one entry, the zip itself intact (so the checks behind the CRC are reached)."""
    entries = read_entries(bundles[".eln"])
    name = find(entries, which)
    data = bytearray(entries[name])
    for at, x in flips:
        data[at % len(data)] ^= x
    with tempfile.TemporaryDirectory() as d:
        path = write_entries(Path(d) / "m.eln", {**entries, name: bytes(data)})
        _check_mutant(path.read_bytes(), finished, ".eln")
