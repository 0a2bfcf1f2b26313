"""The RO-Crate metadata of a .eln export, and the check of it on import.

What the metadata must hold, and where each rule comes from (read, not guessed):

- The ELN Consortium's file format (TheELNConsortium/TheELNFileFormat, SPECIFICATION.md): one
  folder at the top of the zip holding ``ro-crate-metadata.json``, an RO-Crate 1.1; its
  checker (tests/checks/param_metadata_json.py) requires ``version`` and ``sdPublisher`` on the
  metadata descriptor, ``name`` on every Dataset and File, unique ``@id``s, ``hasPart`` children
  given as ``{"@id": ...}`` that exist in the graph, and ``keywords`` as a text, not a list.
- rocrate-validator's REQUIRED checks for the ``ro-crate-1.1`` profile (the one the
  consortium's tests/checks/validator.py runs; crs4/rocrate-validator,
  profiles/ro-crate/1.1/must/): the JSON-LD is flattened (a nested object holds only ``@id``)
  and compacted (every key is a term of the ``@context``, so ``sha256``, which the RO-Crate 1.1
  context lacks, is defined here as ``http://schema.org/sha256``, the IRI the RO-Crate 1.2
  context gives it); the descriptor is a CreativeWork ``about`` the root and ``conformsTo``
  RO-Crate 1.1; the root Dataset ``./`` has ``name``, ``description``, ``license`` and an ISO
  8601 ``datePublished``; every File and Dataset is reached through ``hasPart``; a folder's
  ``@id`` ends with ``/``.
- What eLabFTW reads and writes (elabftw/elabftw src/Make/MakeEln.php): a Dataset per entry
  with ``genre`` ("experiment"), ``dateCreated`` / ``dateModified``, ``author``, ``keywords``,
  ``text`` (the body) and ``step``: ``HowToStep`` entities with ``position``,
  ``creativeWorkStatus`` ("finished" / "unfinished"), ``temporal`` (when it was finished) and
  ``itemListElement`` pointing to a ``HowToDirection`` holding the step's ``text``.

The run's dates are its events' times (first and last), never the export time; the export
time is the crate's ``datePublished``.
"""
from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Mapping
from pathlib import PurePosixPath

from .._version import __version__
from ..errors import DataFormatError, ProtocolKitError

RO_CRATE = "https://w3id.org/ro/crate/1.1"
SHA256_IRI = "http://schema.org/sha256"
CONTEXT = [f"{RO_CRATE}/context", {"sha256": SHA256_IRI}]
METADATA = "ro-crate-metadata.json"
HEAD_ID = "#head-hash"
MEDIA = {".json": "application/json", ".jsonl": "application/x-ndjson", ".csv": "text/csv",
         ".tsv": "text/tab-separated-values", ".txt": "text/plain", ".html": "text/html",
         ".pdf": "application/pdf", ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
# Nobody has granted a licence on a lab's record, so the crate says so instead of inventing one.
LICENSE = {"@id": "#license", "@type": "CreativeWork", "name": "No licence granted",
           "description": "protocol_kit does not choose a licence for recorded data: reuse of this run "
                          "needs the permission of the lab that recorded it."}


def _person_ids(people: list[str]) -> dict[str, str]:
    ids: dict[str, str] = {}
    for p in people:
        base = f"#operator-{re.sub(r'[^A-Za-z0-9]+', '-', p).strip('-') or 'x'}"
        pid, n = base, 2
        while pid in ids.values():
            pid, n = f"{base}-{n}", n + 1
        ids[p] = pid
    return ids


def _steps(run) -> list[tuple[str, str]]:
    """(id, text) of the run's checklist in order; the ticked steps alone if the plan cannot be rebuilt."""
    try:
        return [(s.id, s.text) for s in run.protocol.checklist]
    except ProtocolKitError:
        return [(sid, sid) for sid in run.state.steps]


def _step_entities(run) -> tuple[list[dict], list[dict]]:
    checked, entities, refs = run.state.steps, [], []
    deviated = {d.step_id for d in run.state.deviations if d.step_id}
    for position, (sid, text) in enumerate(_steps(run), 1):
        sid_safe = re.sub(r"[^A-Za-z0-9_-]+", "-", sid)
        step = {"@id": f"#step-{sid_safe}", "@type": "HowToStep", "name": sid, "position": position,
                "creativeWorkStatus": "finished" if sid in checked else "unfinished",
                "itemListElement": {"@id": f"#step-{sid_safe}-text"}}
        if sid in checked:
            step["temporal"] = checked[sid].time
        if sid in deviated:
            step["description"] = "a deviation was recorded against this step"
        refs.append({"@id": step["@id"]})
        entities += [step, {"@id": f"#step-{sid_safe}-text", "@type": "HowToDirection", "text": text}]
    return refs, entities


def _body(run) -> str:
    """The run summarised as HTML for an ELN's entry body (eLabFTW's ``text``)."""
    s = run.state
    items = [f"{s.protocol} v{s.version}, started {s.started} by {s.operator}",
             f"{len(s.steps)} step(s) ticked, {len(s.lots)} lot(s), {len(s.deviations)} deviation(s), "
             f"{len(s.data)} data file(s), {len(s.analyses)} analysis(es)",
             *(f"signed {g.meaning} by {g.name} at {g.time}" for g in s.signatures),
             f"{s.n_events} events; head hash {s.head} (the record is events.jsonl)"]
    return "<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>"


def build(run, folder: str, files: Mapping[str, tuple[int, str]], now: str,
          names: Mapping[str, str] | None = None, *, people: list[str], created: str, modified: str) -> dict:
    """The metadata of a .eln holding ``run`` (its ``state`` and ``protocol``) in ``folder`` with
    ``files`` (paths in the folder: each file's size and SHA-256); ``names``: the recorded name
    of a file whose path had to change to be a valid @id; ``people``: who recorded events, in
    order of their first event; ``created``, ``modified``: the first and last events' times."""
    s = run.state
    pid = _person_ids(people)
    file_entities = [{
        "@id": f"./{folder}/{path}", "@type": "File", "name": (names or {}).get(path, PurePosixPath(path).name),
        "encodingFormat": MEDIA.get(PurePosixPath(path).suffix.lower(), "application/octet-stream"),
        "contentSize": str(size), "sha256": sha,
    } for path, (size, sha) in files.items()]
    step_refs, step_entities = _step_entities(run)
    run_ds = {
        "@id": f"./{folder}/", "@type": "Dataset", "genre": "experiment", "identifier": s.run_id,
        "name": f"{s.protocol} run {s.run_id}", "keywords": s.protocol,
        "dateCreated": created, "dateModified": modified,
        "author": {"@id": pid[s.operator]},
        "description": (f"{s.protocol} v{s.version}, {s.n_events} events, "
                        f"{'signed' if s.locked else 'not signed'}; head hash {s.head}"),
        "text": _body(run), "variableMeasured": [{"@id": HEAD_ID}],
        "hasPart": [{"@id": f["@id"]} for f in file_entities],
    }
    if len(people) > 1:
        run_ds["contributor"] = [{"@id": pid[p]} for p in people if p != s.operator]
    if step_refs:
        run_ds["step"] = step_refs
    return {"@context": CONTEXT, "@graph": [
        {"@id": METADATA, "@type": "CreativeWork", "about": {"@id": "./"},
         "conformsTo": {"@id": RO_CRATE}, "dateCreated": now, "version": "1.0",
         "sdPublisher": {"@id": "#protocol_kit"}},
        {"@id": "#protocol_kit", "@type": "Organization", "name": "protocol_kit",
         "description": f"protocol_kit {__version__}"},
        {"@id": "./", "@type": "Dataset", "name": f"protocol_kit run {s.run_id}",
         "description": f"One {s.protocol} run exported from protocol_kit, with its hash-chained event log",
         "license": {"@id": LICENSE["@id"]}, "datePublished": now, "hasPart": [{"@id": f"./{folder}/"}]},
        LICENSE,
        run_ds,
        {"@id": HEAD_ID, "@type": "PropertyValue", "propertyID": "head_hash", "name": "head hash",
         "description": "SHA-256 hash of the run's last event (events.jsonl)", "value": s.head},
        *({"@id": pid[p], "@type": "Person", "name": p} for p in people),
        *step_entities,
        *file_entities,
    ]}


def check(meta: Mapping, where: str, folder: str, run_id: str, head: str, files: Mapping[str, bytes]) -> None:
    """Refuse metadata that does not describe this run: the run Dataset must name ``run_id``,
    its head hash must be ``head``, and every file of the run's folder must be listed with its
    size and SHA-256 (and nothing listed that is not there)."""
    graph = meta.get("@graph")
    if not isinstance(graph, list) or not all(isinstance(e, Mapping) for e in graph):
        raise DataFormatError(f"{where} '@graph' is not a list of objects")
    by_id: dict[str, Mapping] = {}
    for e in graph:
        eid = e.get("@id")
        if not isinstance(eid, str):
            raise DataFormatError(f"{where} an entity has no text '@id'")
        if eid in by_id:
            raise DataFormatError(f"{where} '@id' {eid!r} appears twice")
        by_id[eid] = e
    ds = by_id.get(f"./{folder}/")
    if ds is None:
        raise DataFormatError(f"{where} no Dataset './{folder}/' describing the run")
    if ds.get("identifier") != run_id:
        raise DataFormatError(f"{where} the run Dataset's identifier is {ds.get('identifier')!r}, "
                              f"the event log's run is {run_id!r}")
    stated = by_id.get(HEAD_ID, {}).get("value")
    if stated != head:
        raise DataFormatError(f"{where} gives head hash {str(stated)[:12]}..., the event log ends with "
                              f"{head[:12]}... (events missing from the end, or the metadata is of another export?)")
    listed = {}
    for e in graph:
        if e.get("@type") == "File" and str(e["@id"]).startswith(f"./{folder}/"):
            listed[e["@id"][len(f"./{folder}/"):]] = e
    for path, data in files.items():
        e = listed.pop(path, None)
        if e is None:
            raise DataFormatError(f"{where} the bundle's file {path!r} is not listed in the metadata")
        if (e.get("sha256"), e.get("contentSize")) != (hashlib.sha256(data).hexdigest(), str(len(data))):
            raise DataFormatError(f"{where} {path!r} is listed with SHA-256 {str(e.get('sha256'))[:12]}... and "
                                  f"size {e.get('contentSize')!r}; the bundle's file has "
                                  f"{hashlib.sha256(data).hexdigest()[:12]}... and {len(data)} bytes")
    if listed:
        raise DataFormatError(f"{where} lists {sorted(listed)[0]!r}, which the bundle does not hold")
