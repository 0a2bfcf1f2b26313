"""Moving a run between stores and into other ELNs: a zip bundle and the ELN Consortium's .eln.

Writing one is :mod:`.export_out` (streamed from the store in bounded memory); reading one
back is here. Both are zip files with one folder at the top. Inside, the run's folder (named by its id) holds
``record.json`` (the state, as read from the events), ``events.jsonl`` (every event with its
hashes, one JSON object per line: the record itself), the attached files under ``data/`` and
rendered reports under ``reports/``, byte for byte, plus ``sheet.html``, the bench sheet
rendered at export, and any signature receipts under ``receipts/<run id>.<seq>.json``. A
``.eln`` file is the same folder inside an RO-Crate 1.1: its top folder holds
``ro-crate-metadata.json`` (see :mod:`.crate`), which eLabFTW, Kadi4Mat and RSpace import.

Import proves the bundle before it writes anything (:func:`import_run`): the zip is read
without trusting it (:mod:`.bundle`: names, sizes, CRCs), the run id must be one protocol_kit
makes (:data:`~.events.RUN_ID`), every event must be well formed, the events must verify
(:func:`_bundle_problems`, given the bundle's receipts), ``record.json`` (and, in a .eln, the
metadata) must be there and name the same head hash and files, and every attached file must be
in the bundle with its SHA-256. Then the events are written unchanged (times, operators,
hashes) with their files in one transaction. Export then import gives the same run.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from ..errors import DataFormatError
from . import crate
from .bundle import Bundle, parse_json
from .events import EVENT_TYPES, RUN_ID, SIGNATURE, WITH_BLOB, Event, canonical_json
from .export_out import EVENTS, FORMATS, RECEIPTS, RECORD, export_run, export_stored  # noqa: F401 (the API)
from .run import Run
from .state import build_state
from .store import Store, as_store
from .keys import check_signatures
from .verify import Problem, Row, check_chain, check_run

MEDIA = crate.MEDIA
_HASH = re.compile(r"[0-9a-f]{64}")


def _bundle_problems(rows: list[Row], receipts: list[Mapping]) -> list[Problem]:
    """The hash chain of a bundle's events, checked first so that its message names the break;
    the rest of verify follows in :func:`_signature_problems`, after the bundle's own checks."""
    return check_chain(rows)


def _signature_problems(rows: list[Row], receipts: list) -> list[Problem]:
    """Everything else that makes a bundle's events not verify: :func:`.verify.check_run`
    (form, signature links, lock rule, the bundle's receipts) and each signature valid Ed25519
    by the key it carries (:func:`.keys.check_signatures`). Whether that key is the one the
    target store holds for the signer is checked in the import's transaction
    (:func:`.keys.register_signers` refuses another key)."""
    problems = check_run(rows, [r.to_dict() if hasattr(r, "to_dict") else r for r in receipts])
    carried: dict[str, list[str]] = {}
    for row in rows:
        if row.type == SIGNATURE:
            try:
                p = json.loads(row.payload)
            except ValueError:
                continue
            if isinstance(p, dict) and isinstance(p.get("name"), str) and isinstance(p.get("public_key"), str):
                carried.setdefault(p["name"], []).append(p["public_key"])
    return problems + check_signatures(rows, carried)


def _field(where: str, d: Mapping, key: str, kind: type):
    if key not in d:
        raise DataFormatError(f"{where}: the key {key!r} is missing")
    value = d[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        want = {int: "an integer", str: "a text", dict: "an object"}.get(kind, str(kind))
        raise DataFormatError(f"{where}: {key!r} is {value!r} ({type(value).__name__}); expected {want}")
    return value


def _rows(where: str, text: str) -> list[Row]:
    """The events of ``events.jsonl``, each checked for its keys, their types and a readable time."""
    rows = []
    for no, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        at = f"{where} line {no}"
        d = parse_json(line, at, object_only=True)
        run_id, seq = _field(at, d, "run_id", str), _field(at, d, "seq", int)
        time, operator = _field(at, d, "time", str), _field(at, d, "operator", str)
        type_, payload = _field(at, d, "type", str), _field(at, d, "payload", dict)
        prev, digest = _field(at, d, "prev_hash", str), _field(at, d, "hash", str)
        if type_ not in EVENT_TYPES:
            raise DataFormatError(f"{at}: unknown event type {type_!r}; known: {', '.join(EVENT_TYPES)}")
        for key, h in (("prev_hash", prev), ("hash", digest)):
            if not _HASH.fullmatch(h):
                raise DataFormatError(f"{at}: {key} {h[:70]!r} is not a SHA-256 (64 hex digits)")
        try:
            stamp = dt.datetime.fromisoformat(time)
        except ValueError:
            stamp = None
        if stamp is None or stamp.tzinfo is None:
            raise DataFormatError(f"{at}: time {time[:40]!r} is not an ISO 8601 time with its offset")
        if not operator.strip():
            raise DataFormatError(f"{at}: 'operator' is empty")
        try:
            text = canonical_json(payload)
        except ValueError as exc:  # a number too large for a float (1e400) reads as infinity
            raise DataFormatError(f"{at}: the payload holds a value canonical JSON cannot write ({exc})") from None
        rows.append(Row(run_id, seq, time, operator, type_, text, prev, digest))
    return rows


def _state_problem(rows: list[Row]) -> str | None:
    """Why the run's state cannot be read from ``rows`` (a payload missing what its type needs)."""
    events = [Event.from_row(r, json.loads(r.payload)) for r in rows]
    try:
        build_state(events)
        return None
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        for n in range(1, len(events) + 1):  # the first event the state cannot take
            try:
                build_state(events[:n])
            except (KeyError, TypeError, ValueError, AttributeError, IndexError):
                e = events[n - 1]
                return f"event {e.seq} ({e.type}) cannot be read ({type(exc).__name__}: {exc})"
        return f"the events cannot be read together ({type(exc).__name__}: {exc})"


def _layout(b: Bundle, eln: bool) -> tuple[str, str | None]:
    """The run's folder in the zip and, for a .eln, the metadata entry; anything else is refused."""
    # <run>/events.jsonl (.zip) or <top>/<run>/events.jsonl (.eln); a data file may have the same name
    logs = [n for n in b.names if PurePosixPath(n).name == EVENTS and n.count("/") in (1, 2)
            and PurePosixPath(n).parent.name not in ("data", "reports", RECEIPTS)]
    if len(logs) != 1:
        raise DataFormatError(f"{b.path}: expected one {EVENTS} (the run's event log), found {len(logs)}; "
                              f"only runs exported by protocol_kit can be imported")
    folder = str(PurePosixPath(logs[0]).parent)
    parts = folder.split("/")
    eln = eln or len(parts) == 2  # a .eln renamed .zip is still read as a .eln, metadata and all
    if len(parts) != (2 if eln else 1):
        raise DataFormatError(f"{b.path}: {logs[0]!r} is not where a {'.eln' if eln else '.zip'} export puts it "
                              f"({'<top folder>/' if eln else ''}<run id>/{EVENTS})")
    meta = f"{parts[0]}/{crate.METADATA}" if eln else None
    if meta is not None and meta not in b.names:
        raise DataFormatError(f"{b.path}: {meta!r} is missing; a .eln holds its RO-Crate metadata there")
    for n in b.names:
        if not n.startswith(folder + "/") and n != meta:
            raise DataFormatError(f"{b.path}: entry {n!r} is outside the run's folder {folder + '/'!r}; refused")
    return folder, meta


def _receipts(b: Bundle, folder: str, run_id: str) -> list[dict]:
    out = []
    for n in b.names:
        rel = n[len(folder) + 1:]
        if not rel.startswith(RECEIPTS + "/"):
            continue
        m = re.fullmatch(rf"{RECEIPTS}/(.+)\.(\d+)\.json", rel)
        if not m or m.group(1) != run_id:
            raise DataFormatError(f"{b.path}: entry {n!r}: a receipt is named {RECEIPTS}/{run_id}.<seq>.json")
        r = b.json_object(n)
        where = f"{b.path}: entry {n!r}"
        if _field(where, r, "run_id", str) != run_id or _field(where, r, "seq", int) != int(m.group(2)):
            raise DataFormatError(f"{where}: the receipt is for run {r['run_id']!r} event {r['seq']}, "
                                  f"not what its name says")
        out.append(r)
    return out


def import_run(path: str | os.PathLike, store: Store | str | os.PathLike | None = None) -> Run:
    """Read a .zip or .eln export into ``store`` and return the run (see the module docstring).
    Nothing is written unless every check passes; the write is one transaction."""
    path = Path(path)
    with Bundle(path) as b:
        folder, meta_name = _layout(b, path.suffix.lower() == ".eln")
        run_id = PurePosixPath(folder).name
        if not RUN_ID.fullmatch(run_id):
            raise DataFormatError(f"{path}: the run's folder {run_id[:80]!r} is not a run id "
                                  f"(YYYYMMDD-<protocol>-<6 hex>); refused")
        log = f"{folder}/{EVENTS}"
        rows = _rows(f"{path}: entry {log!r}", b.text(log))
        files = {n[len(folder) + 1:]: b.read(n) for n in b.names if n.startswith(folder + "/")}
        record_name = f"{folder}/{RECORD}"
        if record_name not in b.names:
            raise DataFormatError(f"{path}: {record_name!r} is missing; without it the end of the event log "
                                  f"cannot be checked (events could have been cut)")
        record = b.json_object(record_name)
        meta = b.json_object(meta_name) if meta_name else None
        receipts = _receipts(b, folder, run_id)
    if not rows:
        raise DataFormatError(f"{path}: {EVENTS} holds no events")
    others = sorted({r.run_id for r in rows} - {run_id})
    if others:
        raise DataFormatError(f"{path}: {EVENTS} holds events of run {others[0][:80]!r} in the folder of run {run_id}")
    problems = _bundle_problems(rows, receipts)
    if problems:
        raise DataFormatError(f"{path}: the event log does not verify: {problems[0]}")
    problem = _state_problem(rows)
    if problem:
        raise DataFormatError(f"{path}: {EVENTS}: {problem}")
    by_sha = {hashlib.sha256(b_).hexdigest(): b_ for b_ in files.values()}
    blobs = {}
    for row in rows:
        if row.type in WITH_BLOB:
            p = json.loads(row.payload)
            sha = p.get("sha256")
            if not isinstance(sha, str) or sha not in by_sha:
                raise DataFormatError(f"{path}: event {row.seq} attaches {str(p.get('name'))!r} (SHA-256 "
                                      f"{str(sha)[:12]}...), which is missing or altered in the bundle")
            blobs[sha] = by_sha[sha]
    head = rows[-1].hash
    where = f"{path}: entry {record_name!r}"
    if record.get("head") != head:
        raise DataFormatError(f"{where} gives head hash {str(record.get('head'))[:12]}..., the event log ends "
                              f"with {head[:12]}... (events missing from the end?)")
    if record.get("n_events") != len(rows):
        raise DataFormatError(f"{where} gives {record.get('n_events')!r} events, the event log holds {len(rows)}")
    listed = record.get("files")
    if not isinstance(listed, Mapping):
        raise DataFormatError(f"{where}: 'files' (each file's SHA-256) is missing")
    for name, data in files.items():
        if name != RECORD and not name.startswith(RECEIPTS + "/") \
                and listed.get(name) != hashlib.sha256(data).hexdigest():
            raise DataFormatError(f"{where} does not list {name!r} with the SHA-256 of the bundle's file")
    missing = sorted(set(listed) - set(files))
    if missing:
        raise DataFormatError(f"{where} lists {missing[0]!r}, which the bundle does not hold")
    if meta is not None:
        crate.check(meta, f"{path}: entry {meta_name!r}:", run_id, run_id, head, files)
    # then the rest of verify (form, signature links, lock rule, the bundle's receipts), so the
    # checks above keep their own messages
    problems = _signature_problems(rows, receipts)
    if problems:
        raise DataFormatError(f"{path}: the event log does not verify: {problems[0]}")
    st = as_store(store)
    st.import_rows(rows, blobs)
    return Run(st, run_id)
