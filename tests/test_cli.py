import subprocess
import sys

import pytest

from protocol_kit.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_protocols_lists_the_ids(capsys):
    code, out, _ = run(capsys, "protocols")
    assert code == 0
    ids = [line.split()[0] for line in out.splitlines()]
    assert ids == ["microdialysis", "radioligand-binding", "reuptake-inhibition"]


def test_params_shows_unit_default_allowed_and_help(capsys):
    code, out, _ = run(capsys, "params", "radioligand-binding")
    assert code == 0
    assert "top_conc = 10 µM" in out
    assert "allowed: a quantity > 0 µM and <= 10000 µM (any compatible unit)" in out
    assert "[Nonspecific binding]" in out


def test_sheet_with_params_file_and_set(tmp_path, capsys):
    params = tmp_path / "p.toml"
    params.write_text('top_conc = "1 uM"\nreplicates = 2\n', encoding="utf-8")
    out_file = tmp_path / "s.html"
    code, out, _ = run(capsys, "sheet", "radioligand-binding", "--params", str(params),
                       "--set", "n_conc=8", "-o", str(out_file))
    assert code == 0 and out_file.exists()
    html = out_file.read_text(encoding="utf-8")
    # 1 uM top, 8 concentrations x 2 + 2 x 2 controls = 20 wells
    assert "20 wells used" in html and "1 µM" in html


@pytest.mark.parametrize("argv, message", [
    (["sheet", "nope", "-o", "x.html"], "unknown protocol 'nope'"),
    (["sheet", "radioligand-binding", "--set", "top_conc=5 uL", "-o", "x.html"], "top_conc: '5 uL' is a volume"),
    (["sheet", "radioligand-binding", "--set", "topconc=5", "-o", "x.html"], "did you mean 'top_conc'"),
    (["sheet", "radioligand-binding", "--set", "top_conc", "-o", "x.html"], "--set: 'top_conc' is not of the form"),
    (["sheet", "radioligand-binding", "-o", "x.docx"], "output: 'x.docx' has an unsupported extension"),
    (["sheet", "radioligand-binding", "--params", "/no/such.toml", "-o", "x.html"], "--params: '/no/such.toml' does not exist"),
    (["sheet", "radioligand-binding"], "required: -o/--output"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    (["sheet", "radioligand-binding", "--set", "n_conc=24", "--set", "replicates=4", "-o", "x.html"], "needs 104 wells"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("error: ") and message in err
    assert "Traceback" not in err


def test_bad_toml_is_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("top_conc = = 1\n", encoding="utf-8")
    code, _, err = run(capsys, "sheet", "radioligand-binding", "--params", str(bad), "-o", "x.html")
    assert code == 2 and "is not valid TOML" in err and err.count("\n") == 1


def test_console_script_runs_without_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "protocol_kit.cli", "sheet", "microdialysis", "--set",
                           "flow_rate=5 uL", "-o", str(tmp_path / "x.html")], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip() == ("error: flow_rate: '5 uL' is a volume (µL), not a flow rate; "
                                   "allowed: a quantity in µL/min or a compatible unit")


def test_demo_writes_every_sheet(tmp_path, capsys):
    code, out, _ = run(capsys, "demo", "--out", str(tmp_path))
    assert code == 0
    names = {p.name for p in tmp_path.iterdir()}
    # issue 6: beside each sheet, the instrument file, the run's report (HTML and PDF) and the store
    for pid in ["microdialysis", "radioligand-binding", "reuptake-inhibition"]:
        assert {f"{pid}-sheet.{ext}" for ext in ("html", "pdf")} <= names
        assert {f"{pid}-report.{ext}" for ext in ("html", "pdf")} <= names
    assert "demo-runs.db" in names
    assert str(tmp_path.resolve()) in out


def test_numbers_typed_on_the_command_line_follow_the_one_rule(tmp_path, capsys):
    # issue 13, item 4: "1,5" is 1.5 (was kept as the text '1,5'), "1,000" and "1e999" are refused
    import protocol_kit as pk
    db = str(tmp_path / "lab.db")
    code, out, _ = run(capsys, "runs", "start", "microdialysis", "--operator", "A", "--set", "dose=1,5",
                       "--store", db)
    assert code == 0
    run_id = out.strip()
    run_ = pk.open_run(run_id, store=db)
    assert run_.protocol.params.dose == pk.Q_(1.5, "mg/kg")
    assert run(capsys, "runs", "value", run_id, "protein", "1,5", "--operator", "A", "--store", db)[0] == 0
    assert run(capsys, "runs", "value", run_id, "date", "2025-01-01", "--operator", "A", "--store", db)[0] == 0
    values = pk.open_run(run_id, store=db).values
    assert values["protein"].value == 1.5 and values["date"].value == "2025-01-01"
    for bad, why in (("1,000", "ambiguous"), ("1e999", "infinite")):
        code, _, err = run(capsys, "runs", "value", run_id, "protein", bad, "--operator", "A", "--store", db)
        assert code == 2 and err.count("\n") == 1 and why in err and repr(bad) in err
    code, _, err = run(capsys, "runs", "start", "microdialysis", "--operator", "A", "--set", "dose=1,000",
                       "--store", db)
    assert code == 2 and "dose: '1,000'" in err and "ambiguous" in err
