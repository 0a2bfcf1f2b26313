"""Issue 5's 'done when': start, work through, feed an instrument file, sign, export, import,
verify, from Python and from the command line."""
import pytest

import protocol_kit as pk
from protocol_kit.cli import main
from protocol_kit.errors import DataFormatError
from protocol_kit.records import Store, import_run
from tests.bench import tick_rest


def counter_file(layout, path, skip=()):
    """A MicroBeta-like export (UTF-16, header lines, tab table) with CPM = 1000 + row number."""
    lines = ["MicroBeta2 counting report", "Protocol: 3H 1 min", "", "PLATE\tWELL\tCCPM1\tDPM1"]
    for i, w in enumerate(layout["well"]):
        if w not in skip:
            lines.append(f"1\t{w}\t{1000 + i}\t{2.5 * (1000 + i)}")
    path.write_bytes(("\r\n".join(lines) + "\r\n\r\n").encode("utf-16"))
    return path


def test_python_flow(tmp_path, store):
    p = pk.RadioligandBinding(replicates=2)
    run = p.start_run(operator="A. Smith", store=store)
    for step in p.checklist[:5]:
        run.check(step.id)
    run.record_lot("[3H]citalopram working solution", "NET-1234", "2027-06-30")
    run.deviation("filters soaked 2 h instead of 1 h", step_id="rb-filters")
    run.attach_data(counter_file(p.layout, tmp_path / "counts.txt"))
    joined = run.read_data("counts.txt", format="counter")
    # 12 concentrations x 2 + TB x 2 + NSB x 2 = 28 wells; the 3rd well (A3) is the first NSB well
    assert len(joined) == 28
    a3 = joined[joined["well"] == "A3"].iloc[0]
    assert (a3["role"], a3["cpm"], a3["dpm"]) == ("nsb", 1002.0, 2505.0)
    run.record_analysis({"specific_binding_window": 9.5}, name="qc")
    tick_rest(run)
    run.sign("A. Smith", "performed")
    out = run.export(tmp_path / "run.eln")
    with Store(tmp_path / "other.db") as other:
        again = import_run(out, other)
        assert again.verify().ok and again.to_dict() == run.to_dict()
        assert len(again.read_data("counts.txt", format="counter")) == 28


def test_missing_well_in_the_instrument_file_is_named(tmp_path, store):
    p = pk.RadioligandBinding()
    run = p.start_run(operator="A. Smith", store=store)
    run.attach_data(counter_file(p.layout, tmp_path / "short.txt", skip={"B2"}))
    with pytest.raises(DataFormatError, match=r"^short.txt: plan well B2 \(C3 "):
        run.read_data("short.txt")


def test_microdialysis_hplc_flow(tmp_path, store):
    p = pk.Microdialysis()
    run = p.start_run(operator="C. Lee", store=store)
    rows = "".join(f"{label};{f * 0.1:.1f}\n".replace(".", ",") for f, label in zip(p.schedule["fraction"], p.schedule["label"]))
    (tmp_path / "hplc.csv").write_text("Sample Name;Amount [nM]\n" + rows, encoding="latin-1")
    run.attach_data(tmp_path / "hplc.csv")
    joined = run.read_data("hplc.csv", format="hplc", decimal=",")
    # fraction 5 is the first after the dose: 5 * 0.1 = 0.5 nM
    row = joined[joined["fraction"] == 5].iloc[0]
    assert (row["phase"], row["concentration"]) == ("post-dose", 0.5)


def cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def test_command_line_flow(tmp_path, capsys):
    db, fresh = str(tmp_path / "lab.db"), str(tmp_path / "fresh.db")
    run_id = cli(capsys, "runs", "start", "radioligand-binding", "--operator", "A. Smith",
                 "--set", "replicates=2", "--store", db).strip()
    out = cli(capsys, "runs", "check", run_id, "rb-buffer", "rb-filters", "--operator", "A. Smith", "--store", db)
    assert out.splitlines() == [f"{run_id}: event 2 step_checked by A. Smith", f"{run_id}: event 3 step_checked by A. Smith"]
    cli(capsys, "runs", "lot", run_id, "NaCl", "L5", "--expiry", "2030-01-01", "--operator", "A. Smith", "--store", db)  # 4
    cli(capsys, "runs", "value", run_id, "protein_mg_per_mL", "2.1", "--operator", "A. Smith", "--store", db)         # 5
    p = pk.RadioligandBinding(replicates=2)
    f = counter_file(p.layout, tmp_path / "counts.txt")
    cli(capsys, "runs", "attach", run_id, str(f), "--operator", "A. Smith", "--store", db)                            # 6
    cli(capsys, "runs", "check", run_id, *[s.id for s in p.checklist[2:]], "--operator", "A. Smith", "--store", db)  # 7-22
    cli(capsys, "runs", "sign", run_id, "--name", "A. Smith", "--meaning", "performed", "--store", db)                 # 23
    assert main(["runs", "note", run_id, "late", "--operator", "A. Smith", "--store", db]) == 2
    assert "is signed" in capsys.readouterr().err
    cli(capsys, "runs", "amend", run_id, "5", "misread", "--set", "value=2.4", "--operator", "B. Jones", "--store", db)  # 8
    out = cli(capsys, "runs", "show", run_id, "--store", db)
    assert "protein_mg_per_mL = 2.4" in out and "value 2.1 -> 2.4 (misread)" in out
    cli(capsys, "runs", "export", run_id, "-o", str(tmp_path / "r.zip"), "--store", db)
    cli(capsys, "runs", "import", str(tmp_path / "r.zip"), "--store", fresh)
    assert cli(capsys, "runs", "verify", "--store", fresh) == (
        "ok: 1 run(s), 24 event(s): chain, signature links and lock rule hold; "
        "no receipt checked: events removed from the end would not be detected\n")
    with Store(fresh) as s:
        assert pk.open_run(run_id, s).values["protein_mg_per_mL"].value == 2.4


def test_read_data_with_a_users_wellmap_layout(tmp_path, store):
    layout_file = tmp_path / "mine.toml"
    layout_file.write_text('[block.2x2.A1]\nrole = "total"\n[block.2x2.C1]\nrole = "nsb"\n', encoding="utf-8")
    run = pk.RadioligandBinding().start_run(operator="A. Smith", store=store)
    (tmp_path / "c.csv").write_text("Well,CPM\nA1,10\nA2,11\nB1,12\nB2,13\nC1,1\nC2,2\nD1,3\nD2,4\n")
    run.attach_data(tmp_path / "c.csv")
    run.attach_data(layout_file)  # the layout used is part of the record too
    joined = run.read_data("c.csv", layout=layout_file)
    # total wells A1, A2, B1, B2 hold 10 + 11 + 12 + 13 = 46 counts
    assert joined.loc[joined["role"] == "total", "cpm"].sum() == 46.0


def test_bytes_are_attached_with_their_upload_name_as_source(tmp_path):
    from protocol_kit.records import Store

    with Store(tmp_path / "r.db") as store:
        run = pk.RadioligandBinding().start_run(operator="A. Smith", store=store)
        run.attach_data(b"well,cpm\nA1,100\n", name="plate-2.csv", uploaded_as="plate.csv")
        (f,) = run.data_files
        assert (f.name, f.source, f.size) == ("plate-2.csv", "uploaded as plate.csv", 16)
        with pytest.raises(pk.ParameterError, match="name"):
            run.attach_data(b"x")
