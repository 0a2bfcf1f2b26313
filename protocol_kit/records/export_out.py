"""Writing a run's bundle (.zip) or .eln as it streams from the store (see :mod:`.export` for
what a bundle holds and how import checks it).

Memory is one chunk of events (:data:`.verify_store.CHUNK` rows, the keyset read the verifier
uses), one attached file at a time and the run's state: the state is folded event by event
(:class:`.state.StateFolder`) while ``events.jsonl`` is hashed; the .eln metadata and
``record.json`` are built from each file's size and SHA-256 (an attached file's are recorded
in its event and proved by verify); then ``events.jsonl`` is written into the zip a chunk at a
time (a second read, which must end with the same hash) and each file is copied in turn. The
bytes are those of building the whole bundle in memory (tests/records/test_export_stream.py).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import time
import zipfile
from functools import cached_property
from pathlib import Path

from .._version import __version__
from ..errors import ParameterError, ProtocolKitError
from . import crate
from .bundle import MAX_ENTRY_BYTES, MAX_TOTAL_BYTES, check_name
from .events import RUN_ID, SIGNATURE, Event, canonical_json, utc_now
from .state import StateFolder
from .verify_store import CHUNK, stream_rows

FORMATS = (".zip", ".eln")
RECORD, EVENTS, RECEIPTS = "record.json", "events.jsonl", "receipts"


def _safe(name: str) -> str:
    """A file name that stays inside its folder in any unzip tool and is a valid relative IRI
    in the .eln metadata (RO-Crate: a data entity's @id is a URI path): separators, control
    characters, spaces and the characters an IRI does not allow become '_'."""
    name = re.sub(r'[\\/:\x00-\x20\x7f"<>^`{|}%#?\[\]]', "_", name).lstrip("._") or "file"
    return name


def _lines(store, run_id: str, chunk: int, last: int | None = None):
    """(events, the lines of ``events.jsonl`` as bytes) a chunk of the stored run at a time,
    up to seq ``last`` when given."""
    for rows in stream_rows(store, run_id, chunk):
        events = [Event(r.run_id, r.seq, r.time, r.operator, r.type, json.loads(r.payload), r.prev_hash, r.hash)
                  for r in rows if last is None or r.seq <= last]
        yield events, "".join(canonical_json(e.to_dict()) + "\n" for e in events).encode("utf-8")
        if last is not None and rows[-1].seq >= last:
            return


class Snapshot:
    """What an export reads of a run, folded from one streamed read of its events: the state,
    the hash and size of ``events.jsonl``, who recorded, the first and last times and the
    signature events (for receipts); ``protocol`` as :attr:`.run.Run.protocol`."""

    def __init__(self, store, run_id: str, chunk: int = CHUNK) -> None:
        self.store, self.id = store, run_id
        fold, digest, size = None, hashlib.sha256(), 0
        people: dict[str, None] = {}
        self.signatures: list[Event] = []
        self.first = self.last = ""
        for events, data in _lines(store, run_id, chunk):
            digest.update(data)
            size += len(data)
            for e in events:
                if fold is None:
                    fold, self.first = StateFolder(e), e.time
                else:
                    fold.add(e)
                people[e.operator] = None
                if e.type == SIGNATURE:
                    self.signatures.append(e)
            self.last = events[-1].time
        if fold is None:
            raise ProtocolKitError(f"run {run_id}: no events in {store.location}; not exported")
        self.state, self.people = fold.state(), list(people)
        self.events_size, self.events_sha256 = size, digest.hexdigest()

    @cached_property
    def protocol(self):
        from .run import Run

        return Run.protocol.func(self)


def _plan(snap: Snapshot) -> tuple[dict[str, tuple[int, str]], dict[str, str], dict[str, bytes], dict[str, str]]:
    """Size and SHA-256 of every path the bundle holds (in the order written), the recorded
    name of each attached file by its path, the small entries' bytes, and each attached
    file's SHA-256 by its path."""
    s = snap.state
    files: dict[str, tuple[int, str]] = {EVENTS: (snap.events_size, snap.events_sha256)}
    names, small, blobs = {}, {}, {}
    for folder, items in (("data", s.data), ("reports", s.reports)):
        for item in items:
            path = f"{folder}/{_safe(item.name)}"
            if path in files:
                path = f"{folder}/{item.seq}-{_safe(item.name)}"
            files[path], names[path], blobs[path] = (item.size, item.sha256), item.name, item.sha256
    from .receipts import run_receipts

    small.update({f"{RECEIPTS}/{r.file_name}": r.to_json() for r in run_receipts(snap, snap.signatures)})
    try:
        small["sheet.html"] = snap.protocol.sheet().encode("utf-8")
    except ProtocolKitError:  # the protocol is not available here: the record is complete without it
        pass
    for path, data in small.items():
        files[path] = (len(data), hashlib.sha256(data).hexdigest())
    record = {"format": "protocol_kit run record", "format_version": 1, "exported": utc_now(),
              "protocol_kit": __version__, "head": s.head, "n_events": s.n_events,
              "files": {p: sha for p, (_, sha) in files.items()}, "run": s.to_dict()}
    small[RECORD] = json.dumps(record, indent=2, ensure_ascii=False).encode("utf-8")
    files[RECORD] = (len(small[RECORD]), hashlib.sha256(small[RECORD]).hexdigest())
    return files, names, small, blobs


def export_stored(store, run_id: str, path: str | os.PathLike, *, chunk: int = CHUNK) -> Path:
    """Write run ``run_id`` of ``store`` to ``path`` (.zip bundle or .eln RO-Crate) in bounded
    memory; refuses a run that does not verify, whose id is not one protocol_kit makes (it
    names the zip's folder), or whose files exceed what import accepts."""
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise ParameterError("output", str(path), "a .zip or .eln file", reason="has an unsupported extension")
    if not RUN_ID.fullmatch(run_id):
        raise ProtocolKitError(f"run {run_id!r}: not a run id protocol_kit makes (YYYYMMDD-<protocol>-<6 hex>), "
                               f"so it cannot name a folder in a bundle; not exported")
    report = store.verify(run_id)
    if not report.ok:
        raise ProtocolKitError(f"run {run_id} does not verify, so it is not exported: {report.first}")
    snap = Snapshot(store, run_id, chunk)
    files, names, small, blobs = _plan(snap)
    eln = path.suffix.lower() == ".eln"
    top = _safe(path.stem) if eln else ""
    prefix = f"{top}/{run_id}/" if eln else f"{run_id}/"
    sizes = {prefix + n: size for n, (size, _) in files.items()}
    if eln:
        meta = crate.build(snap, run_id, files, utc_now(), names, people=snap.people,
                           created=snap.first, modified=snap.last)
        small[crate.METADATA] = json.dumps(meta, indent=2, ensure_ascii=False).encode("utf-8")
        sizes = {f"{top}/{crate.METADATA}": len(small[crate.METADATA]), **sizes}
    for name, size in sizes.items():  # what import would refuse is never written
        problem = check_name(name)
        if problem or size > MAX_ENTRY_BYTES:
            raise ProtocolKitError(f"run {run_id}: bundle entry {name!r} "
                                   f"{problem or f'is {size} bytes (import reads at most {MAX_ENTRY_BYTES})'}; "
                                   f"not exported")
    if sum(sizes.values()) > MAX_TOTAL_BYTES:
        raise ProtocolKitError(f"run {run_id}: its files add up to more than {MAX_TOTAL_BYTES} bytes, "
                               f"which import does not read; not exported")
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        if eln:
            z.writestr(f"{top}/{crate.METADATA}", small[crate.METADATA])
        for n in files:
            if n == EVENTS:
                _write_events(z, prefix + n, snap, chunk)
            elif n in blobs:
                data = store.blob(blobs[n])
                if hashlib.sha256(data).hexdigest() != blobs[n]:  # verify proved it; a second lock
                    raise ProtocolKitError(f"run {run_id}: the stored file {names[n]!r} is not its SHA-256")
                z.writestr(prefix + n, data)
                del data
            else:
                z.writestr(prefix + n, small[n])
    return path


def export_run(run, path: str | os.PathLike) -> Path:
    """Write ``run`` (a :class:`.run.Run`) to ``path``: :func:`export_stored` of its store and id
    (the events the Run holds are not used: the export reads the store as it stands)."""
    return export_stored(run.store, run.id, path)


def _write_events(z: zipfile.ZipFile, name: str, snap: Snapshot, chunk: int) -> None:
    """``events.jsonl`` into the zip a chunk at a time: the events read for the snapshot, which
    must hash as they did then."""
    digest = hashlib.sha256()
    info = zipfile.ZipInfo(name, date_time=time.localtime(time.time())[:6])  # as ZipFile.writestr makes it
    info.compress_type, info._compresslevel, info.external_attr = z.compression, z.compresslevel, 0o600 << 16
    with z.open(info, "w") as f:
        for _, data in _lines(snap.store, snap.id, chunk, last=snap.state.n_events):
            digest.update(data)
            f.write(data)
    if digest.hexdigest() != snap.events_sha256:
        raise ProtocolKitError(f"run {snap.id}: its events changed while it was exported; export it again")
