"""Export to .zip and .eln, import into a fresh store: the same run, and it verifies."""
import hashlib
import json
import zipfile

import pandas as pd
import pytest

from protocol_kit.cli import main
from protocol_kit.errors import DataFormatError, ParameterError, ProtocolKitError
from protocol_kit.records import Store, import_run
from tests.bench import tick_rest

from .tamper import store_arg

RAW = b"\xff\xfe##BLOCKS= 1\r\n"  # any bytes: they must come back unchanged


@pytest.fixture
def finished(run, tmp_path):
    f = tmp_path / "plate.txt"
    f.write_bytes(RAW)
    run.check("rb-buffer")
    run.record_lot("NaCl", "L123", "2030-01-31")
    run.attach_data(f)
    run.attach_data(pd.DataFrame({"well": ["A1"], "cpm": [1234.0]}), name="counts.csv")
    report = tmp_path / "report.html"
    report.write_text("<p>report</p>", encoding="utf-8")
    run.record_report(report)
    tick_rest(run)
    run.sign("A. Smith", "performed")
    run.amend(3, "misread", lot="L124", operator="B. Jones")
    return run


@pytest.mark.parametrize("suffix", [".zip", ".eln"])
def test_export_import_roundtrip(finished, tmp_path, suffix):
    out = finished.export(tmp_path / f"bundle{suffix}")
    with Store(tmp_path / "fresh.db") as fresh:
        again = import_run(out, fresh)
        assert again.id == finished.id
        assert again.to_dict() == finished.to_dict()
        assert [e.to_dict() for e in again.events] == [e.to_dict() for e in finished.events]
        assert again.data_bytes("plate.txt") == RAW
        assert again.verify().ok and again.locked
        assert again.lots[0].amendments[0].before == {"lot": "L123"}
        with pytest.raises(ProtocolKitError, match="already exists"):
            import_run(out, fresh)


def test_zip_layout(finished, tmp_path):
    out = finished.export(tmp_path / "b.zip")
    names = set(zipfile.ZipFile(out).namelist())
    rid = finished.id
    assert names == {f"{rid}/{n}" for n in ("events.jsonl", "record.json", "sheet.html", "data/plate.txt",
                                           "data/counts.csv", "reports/report.html",
                                           f"receipts/{rid}.24.json")}  # the signature is event 24
    z = zipfile.ZipFile(out)
    lines = z.read(f"{rid}/events.jsonl").decode().splitlines()
    assert len(lines) == 25 and json.loads(lines[0])["type"] == "started"
    record = json.loads(z.read(f"{rid}/record.json"))
    assert record["head"] == finished.head and record["run"]["lots"][0]["lot"] == "L124"


def test_eln_is_an_ro_crate(finished, tmp_path):
    out = finished.export(tmp_path / "my-run.eln")
    z = zipfile.ZipFile(out)
    tops = {n.split("/")[0] for n in z.namelist()}
    assert tops == {"my-run"}  # exactly one folder at the root, named as the archive
    meta = json.loads(z.read("my-run/ro-crate-metadata.json"))
    graph = {e["@id"]: e for e in meta["@graph"]}
    assert graph["ro-crate-metadata.json"]["about"] == {"@id": "./"}
    assert graph["ro-crate-metadata.json"]["conformsTo"] == {"@id": "https://w3id.org/ro/crate/1.1"}
    assert graph["./"]["@type"] == "Dataset" and graph["./"]["hasPart"] == [{"@id": f"./{finished.id}/"}]
    run_ds = graph[f"./{finished.id}/"]
    assert run_ds["@type"] == "Dataset" and run_ds["author"] == {"@id": "#operator-A-Smith"}
    assert graph["#operator-B-Jones"]["name"] == "B. Jones"
    # every File entity is in the zip with the size and SHA-256 it states
    files = [e for e in meta["@graph"] if e["@type"] == "File"]
    assert len(files) == 7 and {f["@id"] for f in files} == {p["@id"] for p in run_ds["hasPart"]}
    for f in files:
        data = z.read("my-run/" + f["@id"][2:])
        assert (f["contentSize"], f["sha256"]) == (str(len(data)), hashlib.sha256(data).hexdigest())


def _rewrite(src, dst, change):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for n in zin.namelist():
            zout.writestr(n, change(n, zin.read(n)))


def test_import_refuses_an_altered_bundle(finished, tmp_path):
    out = finished.export(tmp_path / "b.zip")
    forged = tmp_path / "forged.zip"
    _rewrite(out, forged, lambda n, b: b.replace(b"L123", b"L999") if n.endswith("events.jsonl") else b)
    with pytest.raises(DataFormatError, match=r"forged.zip: the event log does not verify: run .*: event 3: content altered"):
        import_run(forged, tmp_path / "x.db")
    data_changed = tmp_path / "data.zip"
    _rewrite(out, data_changed, lambda n, b: b + b"!" if n.endswith("plate.txt") else b)
    with pytest.raises(DataFormatError, match=r"event 4 attaches 'plate.txt' .* missing or altered"):
        import_run(data_changed, tmp_path / "y.db")
    truncated = tmp_path / "trunc.zip"
    _rewrite(out, truncated, lambda n, b: b"".join(b.splitlines(True)[:-1]) if n.endswith("events.jsonl") else b)
    with pytest.raises(DataFormatError, match="events missing from the end"):
        import_run(truncated, tmp_path / "z.db")
    assert Store(tmp_path / "x.db").run_ids() == []  # nothing half-imported


def test_export_and_import_errors(finished, tmp_path):
    with pytest.raises(ParameterError, match="output: '.*b.tar' has an unsupported extension"):
        finished.export(tmp_path / "b.tar")
    with pytest.raises(DataFormatError, match="not a zip or .eln file"):
        (tmp_path / "no.zip").write_text("hello")
        import_run(tmp_path / "no.zip", tmp_path / "a.db")
    empty = tmp_path / "other.eln"
    with zipfile.ZipFile(empty, "w") as z:
        z.writestr("other/ro-crate-metadata.json", "{}")
    with pytest.raises(DataFormatError, match="expected one events.jsonl .* found 0"):
        import_run(empty, tmp_path / "a.db")


def test_cli_export_import(capsys, store, finished, tmp_path):
    out = tmp_path / "cli.eln"
    assert main(["runs", "export", finished.id, "-o", str(out), "--store", store_arg(store)]) == 0
    assert capsys.readouterr().out == f"wrote {out}\n"
    fresh = tmp_path / "fresh.db"
    assert main(["runs", "import", str(out), "--store", str(fresh)]) == 0
    # 6 events, 17 more steps ticked, the signature and the amendment: 25
    assert capsys.readouterr().out == (f"imported {finished.id} into {fresh} (25 events); "
                                       f"ok: 1 run(s), 25 event(s): chain, signature links and lock rule hold; "
                                       f"no receipt checked: events removed from the end would not be detected\n")
    assert main(["runs", "verify", finished.id, "--store", str(fresh)]) == 0
    capsys.readouterr()
    assert main(["runs", "import", str(tmp_path / "none.eln"), "--store", str(fresh)]) == 2
    assert "none.eln: no such file" in capsys.readouterr().err
