"""Moving a run between stores and into other ELNs: a zip bundle and the ELN Consortium's .eln.

Both are zip files with one folder at the top. Inside, the run's folder (named by its id) holds
``record.json`` (the state, as read from the events), ``events.jsonl`` (every event with its
hashes, one JSON object per line: the record itself), the attached files under ``data/`` and
rendered reports under ``reports/``, byte for byte, plus ``sheet.html``, the bench sheet
rendered at export. A ``.eln`` file is the same folder inside an RO-Crate 1.1: its top folder
holds ``ro-crate-metadata.json`` describing the run as a Dataset and each file as a File with
its size and SHA-256, which eLabFTW, Kadi4Mat and RSpace import.

Import reads only ``events.jsonl`` and the files: it checks the hash chain, the head hash in
``record.json`` and every file's SHA-256 before it writes anything, then writes the events
unchanged (times, operators, hashes) into the store. Export then import gives the same run.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import zipfile
from pathlib import Path, PurePosixPath

from .. import __version__
from ..errors import DataFormatError, ParameterError, ProtocolKitError
from .events import WITH_BLOB, canonical_json, utc_now
from .run import Run
from .store import Store, as_store
from .verify import Row, check_chain

FORMATS = (".zip", ".eln")
RO_CRATE = "https://w3id.org/ro/crate/1.1"
MEDIA = {".json": "application/json", ".jsonl": "application/x-ndjson", ".csv": "text/csv",
         ".tsv": "text/tab-separated-values", ".txt": "text/plain", ".html": "text/html",
         ".pdf": "application/pdf", ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _safe(name: str) -> str:
    """A file name that stays inside its folder in any unzip tool."""
    name = re.sub(r"[\\/:\x00-\x1f]", "_", name).lstrip(". ") or "file"
    return name


def _bundle_files(run: Run) -> dict[str, bytes]:
    """Paths (inside the run's folder) and contents of everything the bundle holds."""
    s = run.state
    events = "".join(canonical_json(e.to_dict()) + "\n" for e in run.events)
    files: dict[str, bytes] = {"events.jsonl": events.encode("utf-8")}
    for folder, items in (("data", s.data), ("reports", s.reports)):
        for item in items:
            path = f"{folder}/{_safe(item.name)}"
            if path in files:
                path = f"{folder}/{item.seq}-{_safe(item.name)}"
            files[path] = run.store.blob(item.sha256)
    files.update(receipt_entries(run))
    try:
        files["sheet.html"] = run.protocol.sheet().encode("utf-8")
    except ProtocolKitError:  # the protocol is not available here: the record is complete without it
        pass
    record = {"format": "protocol_kit run record", "format_version": 1, "exported": utc_now(),
              "protocol_kit": __version__, "head": s.head, "n_events": s.n_events,
              "files": {p: hashlib.sha256(b).hexdigest() for p, b in files.items()},
              "run": s.to_dict()}
    files["record.json"] = json.dumps(record, indent=2, ensure_ascii=False).encode("utf-8")
    return files


def receipt_entries(run: Run) -> dict[str, bytes]:
    """The run's signature receipts as bundle entries ``receipts/<run id>.<seq>.json``."""
    from .receipts import run_receipts

    return {f"receipts/{r.file_name}": r.to_json() for r in run_receipts(run)}


def _crate(run: Run, folder: str, files: dict[str, bytes]) -> dict:
    """The RO-Crate metadata of a .eln export (entities for the crate, the run and its files)."""
    s = run.state
    people = sorted({e.operator for e in run.events})
    person_id = {p: f"#operator-{re.sub(r'[^A-Za-z0-9]+', '-', p).strip('-') or 'x'}" for p in people}
    file_entities = [{
        "@id": f"./{folder}/{path}", "@type": "File", "name": PurePosixPath(path).name,
        "encodingFormat": MEDIA.get(PurePosixPath(path).suffix.lower(), "application/octet-stream"),
        "contentSize": str(len(data)), "sha256": hashlib.sha256(data).hexdigest(),
    } for path, data in files.items()]
    now = utc_now()
    return {"@context": f"{RO_CRATE}/context", "@graph": [
        {"@id": "ro-crate-metadata.json", "@type": "CreativeWork", "about": {"@id": "./"},
         "conformsTo": {"@id": RO_CRATE}, "dateCreated": now, "version": "1.0",
         "sdPublisher": {"@id": "#protocol_kit"}},
        {"@id": "#protocol_kit", "@type": "Organization", "name": "protocol_kit",
         "description": f"protocol_kit {__version__}"},
        {"@id": "./", "@type": "Dataset", "name": f"protocol_kit run {s.run_id}", "datePublished": now,
         "hasPart": [{"@id": f"./{folder}/"}]},
        {"@id": f"./{folder}/", "@type": "Dataset", "identifier": s.run_id,
         "name": f"{s.protocol} run {s.run_id}", "keywords": s.protocol,
         "dateCreated": s.started, "dateModified": run.events[-1].time,
         "author": {"@id": person_id[s.operator]},
         **({"contributor": [{"@id": person_id[p]} for p in people if p != s.operator]}
            if len(people) > 1 else {}),
         "description": (f"{s.protocol} v{s.version}, {s.n_events} events, "
                         f"{'signed' if s.locked else 'not signed'}; head hash {s.head}"),
         "hasPart": [{"@id": f["@id"]} for f in file_entities]},
        *({"@id": person_id[p], "@type": "Person", "name": p} for p in people),
        *file_entities,
    ]}


def export_run(run: Run, path: str | os.PathLike) -> Path:
    """Write ``run`` to ``path`` (.zip bundle or .eln RO-Crate); refuses a run that does not verify."""
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise ParameterError("output", str(path), "a .zip or .eln file", reason="has an unsupported extension")
    report = run.verify()
    if not report.ok:
        raise ProtocolKitError(f"run {run.id} does not verify, so it is not exported: {report.first}")
    files = _bundle_files(run.refresh())
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        if path.suffix.lower() == ".eln":
            top = _safe(path.stem)
            z.writestr(f"{top}/ro-crate-metadata.json",
                       json.dumps(_crate(run, run.id, files), indent=2, ensure_ascii=False))
            prefix = f"{top}/{run.id}/"
        else:
            prefix = f"{run.id}/"
        for name, data in files.items():
            z.writestr(prefix + name, data)
    return path


def _rows(name: str, text: bytes) -> list[Row]:
    rows = []
    for no, line in enumerate(text.decode("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            rows.append(Row(d["run_id"], int(d["seq"]), d["time"], d["operator"], d["type"],
                            canonical_json(d["payload"]), d["prev_hash"], d["hash"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise DataFormatError(f"{name}: line {no}: not an event ({type(exc).__name__}: {exc})") from None
    return rows


def import_run(path: str | os.PathLike, store: Store | str | os.PathLike | None = None) -> Run:
    """Read a .zip or .eln export into ``store`` and return the run (see the module docstring)."""
    path = Path(path)
    try:
        z = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise DataFormatError(f"{path}: no such file") from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise DataFormatError(f"{path}: not a zip or .eln file ({exc})") from None
    with z:
        names = [n for n in z.namelist() if not n.endswith("/")]
        logs = [n for n in names if PurePosixPath(n).name == "events.jsonl"]
        if len(logs) != 1:
            raise DataFormatError(f"{path}: expected one events.jsonl (the run's event log), found {len(logs)}; "
                                  f"only runs exported by protocol_kit can be imported")
        folder = str(PurePosixPath(logs[0]).parent)
        rows = _rows(f"{path}:{logs[0]}", z.read(logs[0]))
        files = {n: z.read(n) for n in names if n.startswith(folder + "/") and n != logs[0]}
    if not rows:
        raise DataFormatError(f"{path}: events.jsonl holds no events")
    if len({r.run_id for r in rows}) != 1:
        raise DataFormatError(f"{path}: events.jsonl mixes several runs")
    problems = check_chain(rows)
    if problems:
        raise DataFormatError(f"{path}: the event log does not verify: {problems[0]}")
    record = files.get(f"{folder}/record.json")
    if record is not None:
        head = json.loads(record).get("head")
        if head != rows[-1].hash:
            raise DataFormatError(f"{path}: record.json gives head hash {str(head)[:12]}..., the event log ends "
                                  f"with {rows[-1].hash[:12]}... (events missing from the end?)")
    by_sha = {hashlib.sha256(b).hexdigest(): b for b in files.values()}
    blobs = {}
    for row in rows:
        if row.type in WITH_BLOB:
            p = json.loads(row.payload)
            if p["sha256"] not in by_sha:
                raise DataFormatError(f"{path}: event {row.seq} attaches {p['name']!r} (SHA-256 "
                                      f"{p['sha256'][:12]}...), which is missing or altered in the bundle")
            blobs[p["sha256"]] = by_sha[p["sha256"]]
    st = as_store(store)
    st.import_rows(rows, blobs)
    return Run(st, rows[0].run_id)
