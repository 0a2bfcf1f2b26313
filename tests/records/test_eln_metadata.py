"""Issue 12, item 7: a .eln that other ELNs accept.

The checks below restate, from their sources, the REQUIRED rules an exported crate must pass
(each a rule here, not copied code):
- the ELN Consortium's checker, TheELNConsortium/TheELNFileFormat tests/checks/
  param_metadata_json.py: descriptor has 'version' and 'sdPublisher' (an object with 'name' or
  an '@id' in the graph); every Dataset and File has 'name'; '@id's unique; every 'hasPart'
  child is {'@id': ...} and in the graph; 'keywords' not a list; one folder at the zip's root
  (archive_structure);
- rocrate-validator, profile ro-crate-1.1, must/ (crs4/rocrate-validator): flattened (a nested
  object holds only '@id'), compacted (every key a term of the @context), descriptor a
  CreativeWork about './' conforming to RO-Crate 1.1, root Dataset with name, description,
  license and an ISO 8601 datePublished, data entities reached by hasPart, folders ending '/'.
The RO-Crate 1.1 context is not fetched here (no network in tests): TERMS_1_1 lists the terms
this crate uses, each a schema.org term of the published context
(https://w3id.org/ro/crate/1.1/context, which maps schema.org 10.0; 'genre', 'hasPart',
'identifier', 'itemListElement', 'keywords', 'license' and 'name' were read in it) or RO-Crate's
own ('File' = MediaObject, 'conformsTo' = dct:conformsTo). 'sha256' is not in it, so the crate
must define it.
"""
import datetime as dt
import hashlib
import json
import re
import zipfile

import pytest

from protocol_kit.records.events import STEP_CHECKED

TERMS_1_1 = {
    "about", "author", "conformsTo", "contentSize", "contributor", "creativeWorkStatus", "dateCreated",
    "dateModified", "datePublished", "description", "encodingFormat", "genre", "hasPart", "identifier",
    "itemListElement", "keywords", "license", "name", "position", "propertyID", "sdPublisher", "step",
    "temporal", "text", "value", "variableMeasured", "version",
}
IRI_UNSAFE = re.compile(r'[\x00-\x20\x7f"<>\\^`{|}#?%\[\]]')  # RFC 3987: not in an IRI path (unescaped)
ISO_8601 = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([zZ]|[+-]\d{2}:?\d{2})?)?$")


@pytest.fixture
def crate(run, tmp_path):
    steps = [s.id for s in run.protocol.checklist]
    run.check(steps[0])
    run.check(steps[2])
    run.deviation("buffer made fresh", step_id=steps[1])
    run.note("second tech", operator="B. Jones")
    odd = tmp_path / "plate 1 #2.txt"  # a name a relative IRI cannot hold as it is
    odd.write_bytes(b"1\t2\n")
    run.attach_data(odd)
    for s in steps[3:]:  # 'performed' needs every step ticked or covered by a deviation
        run.deviation("left out of this test run", step_id=s)
    run.sign("A. Smith", "performed")
    out = run.export(tmp_path / "my-run.eln")
    z = zipfile.ZipFile(out)
    return run, z, json.loads(z.read("my-run/ro-crate-metadata.json"))


def required_problems(z: zipfile.ZipFile, meta: dict) -> list[str]:
    """Every REQUIRED rule (module docstring) the crate breaks."""
    bad = []
    tops = {n.split("/")[0] for n in z.namelist()}
    if len(tops) != 1:
        bad.append(f"zip root holds {sorted(tops)}")
    ctx = meta["@context"]
    ctx = ctx if isinstance(ctx, list) else [ctx]
    if ctx[0] != "https://w3id.org/ro/crate/1.1/context":
        bad.append("context is not RO-Crate 1.1's by reference")
    defined = {k for c in ctx if isinstance(c, dict) for k in c}
    graph = meta["@graph"]
    ids = [e.get("@id") for e in graph]
    if len(set(ids)) != len(ids) or None in ids:
        bad.append("@id missing or not unique")
    by_id = {e["@id"]: e for e in graph}
    for e in graph:
        if "@type" not in e:
            bad.append(f"{e['@id']}: no @type")
        for key, value in e.items():
            if not key.startswith("@") and key not in TERMS_1_1 | defined:
                bad.append(f"{e['@id']}: key {key!r} not in the @context")
            for v in value if isinstance(value, list) else [value]:
                if isinstance(v, dict) and set(v) != {"@id"}:
                    bad.append(f"{e['@id']}: {key} nests an object (not flattened)")
        if isinstance(e.get("keywords"), list):
            bad.append(f"{e['@id']}: keywords is a list")
        for child in e.get("hasPart", []):
            if not isinstance(child, dict) or child.get("@id") not in by_id:
                bad.append(f"{e['@id']}: hasPart child {child!r} not in the graph")
        types = e.get("@type") if isinstance(e.get("@type"), list) else [e.get("@type")]
        if ("Dataset" in types or "File" in types) and "name" not in e:
            bad.append(f"{e['@id']}: no name")
        if ("Dataset" in types or "File" in types) and IRI_UNSAFE.search(e["@id"]):
            bad.append(f"{e['@id']}: a data entity's @id is not a relative IRI")
        if "Dataset" in types and e["@id"] != "./" and not e["@id"].endswith("/"):
            bad.append(f"{e['@id']}: a folder's @id must end with /")
    desc = by_id.get("ro-crate-metadata.json", {})
    if desc.get("@type") != "CreativeWork" or desc.get("about") != {"@id": "./"}:
        bad.append("descriptor is not a CreativeWork about ./")
    if desc.get("conformsTo") != {"@id": "https://w3id.org/ro/crate/1.1"}:
        bad.append("descriptor does not conform to RO-Crate 1.1")
    for key in ("version", "sdPublisher"):
        if key not in desc:
            bad.append(f"descriptor lacks {key}")
    pub = desc.get("sdPublisher", {})
    if "name" not in pub and pub.get("@id") not in by_id:
        bad.append("sdPublisher names nobody")
    root = by_id.get("./", {})
    if "Dataset" not in (root.get("@type") if isinstance(root.get("@type"), list) else [root.get("@type")]):
        bad.append("root is not a Dataset")
    for key in ("name", "description", "license", "datePublished"):
        if not root.get(key):
            bad.append(f"root lacks {key}")
    if not ISO_8601.match(str(root.get("datePublished", ""))):
        bad.append("root datePublished is not ISO 8601")
    reached, todo = set(), ["./"]
    while todo:
        for child in by_id.get(todo.pop(), {}).get("hasPart", []):
            if child["@id"] not in reached:
                reached.add(child["@id"])
                todo.append(child["@id"])
    for e in graph:
        if e.get("@type") in ("File", "Dataset") and e["@id"] not in reached | {"./"}:
            bad.append(f"{e['@id']}: not reached through hasPart")
    return bad


def test_required_checks_pass(crate):
    _, z, meta = crate
    assert required_problems(z, meta) == []
    assert {"sha256": "http://schema.org/sha256"} in meta["@context"]  # the RO-Crate 1.2 context's IRI
    root = next(e for e in meta["@graph"] if e["@id"] == "./")
    licence = next(e for e in meta["@graph"] if e["@id"] == root["license"]["@id"])
    assert licence["@type"] == "CreativeWork" and licence["name"] == "No licence granted"


def test_the_checker_catches_what_the_old_export_lacked(crate):
    """The checker is not a rubber stamp: without sha256 in the context, or the root's
    description and license (as the export wrote them before), it fails."""
    _, z, meta = crate
    old = json.loads(json.dumps(meta))
    old["@context"] = "https://w3id.org/ro/crate/1.1/context"
    root = next(e for e in old["@graph"] if e["@id"] == "./")
    del root["description"], root["license"]
    problems = required_problems(z, old)
    assert any("'sha256' not in the @context" in p for p in problems)
    assert "root lacks description" in problems and "root lacks license" in problems


def test_an_eln_importer_sees_an_experiment_with_its_dates_and_steps(crate):
    """What eLabFTW reads (its MakeEln.php writes the same shape): genre, dateCreated/
    dateModified of the entry, and steps as HowToStep with position, status and text."""
    run, z, meta = crate
    by_id = {e["@id"]: e for e in meta["@graph"]}
    ds = by_id[f"./{run.id}/"]
    assert ds["genre"] == "experiment" and ds["identifier"] == run.id
    events = run.events
    # the run's real dates: its first and last events, not the export time
    assert (ds["dateCreated"], ds["dateModified"]) == (events[0].time, events[-1].time)
    assert dt.datetime.fromisoformat(ds["dateCreated"]) < dt.datetime.fromisoformat(ds["dateModified"])
    published = by_id["./"]["datePublished"]
    assert published > events[-1].time
    steps = [by_id[r["@id"]] for r in ds["step"]]
    checklist = run.protocol.checklist
    assert [s["position"] for s in steps] == list(range(1, len(checklist) + 1))
    assert [s["name"] for s in steps] == [s.id for s in checklist]
    assert [by_id[s["itemListElement"]["@id"]]["text"] for s in steps] == [s.text for s in checklist]
    ticked = {e.payload["step_id"]: e.time for e in events if e.type == STEP_CHECKED}
    assert ticked == {checklist[0].id: steps[0]["temporal"], checklist[2].id: steps[2]["temporal"]}
    assert [s["creativeWorkStatus"] for s in steps[:4]] == ["finished", "unfinished", "finished", "unfinished"]
    assert sum(s["creativeWorkStatus"] == "finished" for s in steps) == 2
    assert "deviation" in steps[1]["description"]
    assert by_id[ds["author"]["@id"]]["name"] == "A. Smith"
    assert [by_id[c["@id"]]["name"] for c in ds["contributor"]] == ["B. Jones"]
    assert by_id["#head-hash"]["value"] == run.head
    odd = next(e for e in meta["@graph"] if e.get("name") == "plate 1 #2.txt")  # the recorded name
    assert odd["@id"] == f"./{run.id}/data/plate_1__2.txt"


def test_every_file_is_listed_with_its_size_and_sha256(crate):
    run, z, meta = crate
    files = [e for e in meta["@graph"] if e["@type"] == "File"]
    in_zip = {n for n in z.namelist() if n.startswith(f"my-run/{run.id}/")}
    assert {"my-run/" + f["@id"][2:] for f in files} == in_zip
    for f in files:
        data = z.read("my-run/" + f["@id"][2:])
        assert (f["contentSize"], f["sha256"]) == (str(len(data)), hashlib.sha256(data).hexdigest())
