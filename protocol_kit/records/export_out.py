"""Writing a run's bundle (.zip) or .eln as its events stream from the store, in bounded memory
(see :mod:`.export` for what a bundle holds and how import checks it).

One read of the events, :data:`.verify_store.CHUNK` rows at a time (the keyset read verify
uses), does everything: every check of verify (:class:`.verify_store.RunChecker`), the lines of
``events.jsonl`` written into the zip as they are made, and the run's state folded with its
items kept on disk (:mod:`.spill`). Then each attached file is copied in turn, and
``record.json`` (and a .eln's metadata, written last) are encoded from the state as they are
written (:mod:`.json_stream`). Memory is one chunk, one attached file, the spill's page cache
and a few entries per signature, person and file, whatever the run's length.

The zip is written under a temporary name beside ``path`` and renamed when complete: a run
that turns out not to verify, or an entry import would refuse, leaves nothing behind.
"""
from __future__ import annotations

import hashlib
import os
import re
import secrets
import time
import zipfile
from functools import cached_property
from pathlib import Path

from .._version import __version__
from ..errors import ParameterError, ProtocolKitError, UnknownNameError
from . import crate
from .bundle import MAX_ENTRIES, MAX_ENTRY_BYTES, MAX_TOTAL_BYTES, check_name
from .events import RUN_ID, SIGNATURE, Event, utc_now
from .json_stream import write_json
from .spill import Spill
from .state import StateFolder
from .verify import parse_payload
from .verify_store import CHUNK, RunChecker, require_run, stream_rows

FORMATS = (".zip", ".eln")
RECORD, EVENTS, RECEIPTS = "record.json", "events.jsonl", "receipts"
FLUSH = 1 << 16  # bytes of text gathered before they go to the compressor
_UNREADABLE = (KeyError, TypeError, ValueError, AttributeError, IndexError)


def _safe(name: str) -> str:
    """A file name that stays inside its folder in any unzip tool and is a valid relative IRI
    in the .eln metadata (RO-Crate: a data entity's @id is a URI path): separators, control
    characters, spaces and the characters an IRI does not allow become '_'."""
    name = re.sub(r'[\\/:\x00-\x20\x7f"<>^`{|}%#?\[\]]', "_", name).lstrip("._") or "file"
    return name


class _Entries:
    """The zip being written: each entry's name checked as import checks it, its size and
    SHA-256 kept by its path in the run's folder (``files``), and no entry, nor the whole,
    larger than import reads."""

    def __init__(self, z: zipfile.ZipFile, prefix: str, run_id: str) -> None:
        self.z, self.prefix, self.run_id = z, prefix, run_id
        self.files: dict[str, tuple[int, str]] = {}
        self.total = self.count = 0
        self.stamp = time.localtime(time.time())[:6]

    def write(self, rel: str, data: bytes, *, top: str | None = None) -> None:
        with self.open(rel, top=top) as out:
            out.write(data)

    def open(self, rel: str, *, top: str | None = None) -> _Entry:
        """``rel`` in the run's folder, or ``top``: a name at the top of the zip."""
        name = top if top is not None else self.prefix + rel
        problem = check_name(name)
        if problem:
            raise self.refuse(name, problem)
        self.count += 1
        if self.count > MAX_ENTRIES:
            raise ProtocolKitError(f"run {self.run_id}: its bundle would hold more than {MAX_ENTRIES} entries, "
                                   f"which import does not read; not exported")
        info = zipfile.ZipInfo(name, date_time=self.stamp)
        info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o600 << 16
        return _Entry(self, rel, name, self.z.open(info, "w"))

    def refuse(self, name: str, problem: str) -> ProtocolKitError:
        return ProtocolKitError(f"run {self.run_id}: bundle entry {name!r} {problem}; not exported")


class _Entry:
    """One entry being written: bytes or text (gathered, then encoded as UTF-8), counted and hashed."""

    def __init__(self, entries: _Entries, rel: str, name: str, out) -> None:
        self.entries, self.rel, self.name, self.out = entries, rel, name, out
        self.size, self.sha = 0, hashlib.sha256()
        self.text: list[str] = []
        self.gathered = 0

    def write(self, data: bytes) -> None:
        self.size += len(data)
        self.entries.total += len(data)
        if self.size > MAX_ENTRY_BYTES:
            raise self.entries.refuse(self.name, f"is more than {MAX_ENTRY_BYTES} bytes (what import reads)")
        if self.entries.total > MAX_TOTAL_BYTES:
            raise ProtocolKitError(f"run {self.entries.run_id}: its files add up to more than {MAX_TOTAL_BYTES} "
                                   f"bytes, which import does not read; not exported")
        self.sha.update(data)
        self.out.write(data)

    def write_text(self, text: str) -> None:
        self.text.append(text)
        self.gathered += len(text)
        if self.gathered >= FLUSH:
            self.flush()

    def flush(self) -> None:
        if self.text:
            data = "".join(self.text).encode("utf-8")
            self.text, self.gathered = [], 0
            self.write(data)

    def __enter__(self) -> _Entry:
        return self

    def __exit__(self, kind, *exc) -> None:
        if kind is None:
            self.flush()
        self.out.close()
        if kind is None:
            self.entries.files[self.rel] = (self.size, self.sha.hexdigest())


class _Exported:
    """What an export read of a run: its state (a :class:`.state_view.StateView` of items kept
    on disk), who recorded events (in order of their first), the first and last times and the
    signature events; ``protocol`` as :attr:`.run.Run.protocol`; ``store`` and ``id`` for receipts."""

    def __init__(self, store, run_id: str, fold: StateFolder, people: list[str], first: str, last: str,
                 signatures: list[Event]) -> None:
        self.store, self.id, self.state = store, run_id, fold.view()
        self.people, self.first, self.last, self.signatures = people, first, last, signatures
        self.last_seq = fold.n_events  # seqs run 1, 2, 3 ... (verify proved it)

    @cached_property
    def protocol(self):
        from .run import protocol_of

        return protocol_of(self.state, self.id)


def _refuse(store, run_id: str, found: str, *, reading: bool = False) -> ProtocolKitError:
    """The refusal of a run the export found a problem in, naming verify's first problem (verify
    is run again for it: the export stopped at the first it met); when verify finds none, the
    export's own: for ``reading``, a problem only reading the record's state meets."""
    report = store.verify(run_id)
    if not report.ok or not reading:
        return ProtocolKitError(f"run {run_id} does not verify, so it is not exported: "
                                f"{report.first if not report.ok else found}")
    return ProtocolKitError(f"run {run_id}: {found}; not exported (its chain verifies, but its state "
                            f"cannot be read from it)")


def _write_events(store, run_id: str, out: _Entry, spill: Spill, chunk: int) -> _Exported:
    """``events.jsonl`` written as the run's rows stream, each chunk checked as verify checks
    it and folded into the state."""
    from .keys import check_registry, registered_keys, registry_rows

    key_rows = registry_rows(store)
    problems = check_registry(key_rows)
    if problems:
        raise _refuse(store, run_id, str(problems[0]))
    checker = RunChecker(store, run_id, (), registered_keys(key_rows))
    fold, people, signatures, first, last = None, {}, [], "", ""
    for rows in stream_rows(store, run_id, chunk):
        checker.add(rows)
        if checker.problems:
            raise _refuse(store, run_id, str(checker.problems[0]))
        # the checks parsed each payload (parse_payload keeps them): read, not parsed again
        events = [Event.from_row(r, parse_payload(r.payload)) for r in rows]
        out.write("".join(e.to_line() for e in events).encode("utf-8"))
        for e in events:
            try:
                if fold is None:
                    fold, first = StateFolder(e, spill), e.time
                else:
                    fold.add(e)
            except _UNREADABLE as exc:
                raise _refuse(store, run_id, f"event {e.seq} ({e.type}) cannot be read "
                                             f"({type(exc).__name__}: {exc})", reading=True) from None
            people[e.operator] = None
            if e.type == SIGNATURE:
                signatures.append(e)
        last = events[-1].time
    problems = checker.finish()
    if problems:
        raise _refuse(store, run_id, str(problems[0]))
    if fold is None:
        raise UnknownNameError("run", run_id, store.run_ids())
    return _Exported(store, run_id, fold, list(people), first, last, signatures)


def _write_files(run: _Exported, entries: _Entries) -> dict[str, str]:
    """The attached data files and reports, one at a time; the recorded name of each by its path."""
    names = {}
    for folder, items in (("data", run.state.data), ("reports", run.state.reports)):
        for item in items:
            path, n = f"{folder}/{_safe(item.name)}", 1
            while path in entries.files:  # names that are the same once made safe: the later gets its seq
                path = f"{folder}/{item.seq}-{_safe(item.name)}" if n == 1 else f"{folder}/{item.seq}-{n}-{_safe(item.name)}"
                n += 1
            data = run.store.blob(item.sha256)
            if hashlib.sha256(data).hexdigest() != item.sha256:  # verify proved it; a second lock
                raise ProtocolKitError(f"run {run.id}: the stored file {item.name!r} is not its SHA-256")
            entries.write(path, data)
            names[path] = item.name
    return names


def _write_record(run: _Exported, entries: _Entries, now: str) -> None:
    from .receipts import run_receipts

    for r in run_receipts(run, run.signatures):
        if r.seq <= run.last_seq:  # a signature made after the events were read is not in this bundle
            entries.write(f"{RECEIPTS}/{r.file_name}", r.to_json())
    try:
        sheet = run.protocol.sheet().encode("utf-8")
    except ProtocolKitError:  # the protocol is not available here: the record is complete without it
        sheet = None
    if sheet is not None:
        entries.write("sheet.html", sheet)
    s = run.state
    record = {"format": "protocol_kit run record", "format_version": 1, "exported": now,
              "protocol_kit": __version__, "head": s.head, "n_events": s.n_events,
              "files": {p: sha for p, (_, sha) in entries.files.items()}, "run": s.fields()}
    with entries.open(RECORD) as out:
        write_json(out.write_text, record)


def export_stored(store, run_id: str, path: str | os.PathLike, *, chunk: int = CHUNK) -> Path:
    """Write run ``run_id`` of ``store`` to ``path`` (.zip bundle or .eln RO-Crate) as it streams
    from the store (see the module docstring); refuses a run that does not verify, whose id is
    not one protocol_kit makes (it names the zip's folder), or whose files exceed what
    :func:`.export.import_run` accepts."""
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise ParameterError("output", str(path), "a .zip or .eln file", reason="has an unsupported extension")
    if not RUN_ID.fullmatch(run_id):
        raise ProtocolKitError(f"run {run_id!r}: not a run id protocol_kit makes (YYYYMMDD-<protocol>-<6 hex>), "
                               f"so it cannot name a folder in a bundle; not exported")
    require_run(store, run_id)
    eln = path.suffix.lower() == ".eln"
    top = _safe(path.stem) if eln else ""
    target = Path(os.path.realpath(path))  # a link to the file is written through, as before
    if not target.parent.is_dir():
        raise ParameterError("output", str(path), "a file in an existing folder",
                             reason=f"is in a folder that does not exist ({target.parent})")
    part = target.with_name(f".protocol-kit-export-{secrets.token_hex(8)}.part")  # whatever the name's length
    now = utc_now()
    try:
        with Spill() as spill, zipfile.ZipFile(part, "w", compression=zipfile.ZIP_DEFLATED) as z:
            entries = _Entries(z, f"{top}/{run_id}/" if eln else f"{run_id}/", run_id)
            with entries.open(EVENTS) as out:
                run = _write_events(store, run_id, out, spill, chunk)
            names = _write_files(run, entries)
            _write_record(run, entries, now)
            if eln:
                meta = crate.build(run, run_id, entries.files, now, names, people=run.people,
                                   created=run.first, modified=run.last)
                with entries.open(crate.METADATA, top=f"{top}/{crate.METADATA}") as out:
                    write_json(out.write_text, meta)
        os.replace(part, target)
    except BaseException as exc:
        part.unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.filename == str(part):  # the user's file, not our temporary one
            exc.filename = str(path)
        raise
    return path


def export_run(run, path: str | os.PathLike) -> Path:
    """Write ``run`` (a :class:`.run.Run`) to ``path``: :func:`export_stored` of its store and
    id (the export reads the store as it stands, not the events the Run holds)."""
    return export_stored(run.store, run.id, path)
