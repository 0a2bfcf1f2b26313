"""protocol-kit analyse (one shot) and protocol-kit report: what they record and print, and
one-line errors with exit status 2 that leave the store untouched."""
import pytest

import protocol_kit as pk
from protocol_kit.cli import main
from protocol_kit.demo_files import instrument_file
from protocol_kit.records import Store


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def counts(tmp_path):
    p = pk.RadioligandBinding(replicates=2)
    return instrument_file(p, p.simulate(seed=4), tmp_path, "binding")


def test_analyse_one_shot_records_everything_and_prints_the_numbers(tmp_path, capsys, counts):
    (tmp_path / "plan.toml").write_text("replicates = 2\n")
    db = tmp_path / "lab.db"
    code, out, err = run_cli(capsys, "analyse", "radioligand-binding", "--params", str(tmp_path / "plan.toml"),
                             "--data", str(counts), "-o", str(tmp_path / "r.html"), "--operator", "A. Smith",
                             "--store", str(db))
    assert code == 0, err
    first, summary, wrote = out.splitlines()
    run_id = first.split()[1]
    with Store(db) as s:
        run = pk.open_run(run_id, s)
        assert [e.type for e in run.events] == ["started", "data_attached", "analysis_recorded", "report_rendered"]
        assert {e.operator for e in run.events} == {"A. Smith"}
        assert run.state.params["replicates"] == 2
        assert summary == run.latest_analysis().result["summary"] and summary.startswith("sertraline at SERT: IC50")
        assert run.data_files[0].name == counts.name and run.reports[0].name == "r.html"
    assert wrote.startswith(f"wrote {tmp_path / 'r.html'} (stored in the run as r.html, SHA-256 ")

    code, out, err = run_cli(capsys, "report", run_id, "-o", str(tmp_path / "again.pdf"), "--operator", "B. Jones",
                             "--store", str(db))
    assert code == 0, err
    assert out.splitlines()[0] == f"run {run_id}: {summary}"
    with Store(db) as s:
        run = pk.open_run(run_id, s)
        assert [f.name for f in run.reports] == ["r.html", "again.pdf"] and run.events[-1].operator == "B. Jones"
    assert (tmp_path / "again.pdf").read_bytes()[:5] == b"%PDF-"


@pytest.mark.parametrize("change, message", [
    ({"--data": "missing.txt"}, "error: --data: 'missing.txt' does not exist or is not a file; allowed: an existing"),
    ({"-o": "r.docx"}, "error: output: 'r.docx' has an unsupported extension; allowed: a file name ending in"),
    ({"--option": "weighting=cubic"}, "error: --option weighting: 'cubic'"),
    ({"--option": "colour=red"}, "error: unknown analysis option of radioligand-binding 'colour'"),
    ({"--set": "replicates=3"}, "error: binding-counts.txt: plan well"),  # the file has 2 replicates per group
])
def test_analyse_errors_are_one_line_and_record_nothing(tmp_path, capsys, counts, change, message, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = {"--data": str(counts), "-o": "r.html", "--set": "replicates=2", "--operator": "A. Smith",
            "--store": "lab.db", **change}
    code, out, err = run_cli(capsys, "analyse", "radioligand-binding", *[x for kv in args.items() for x in kv])
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(message), err
    assert not (tmp_path / "lab.db").exists() and not (tmp_path / "r.html").exists()


def test_report_errors_are_one_line(tmp_path, capsys):
    db = tmp_path / "lab.db"
    with Store(db) as s:
        run = pk.Microdialysis().start_run(operator="C. Lee", store=s)
    cases = [
        (["report", "nope", "-o", "r.html", "--store", str(db)], "error: unknown run 'nope'"),
        (["report", run.id, "-o", "r.html", "--store", str(tmp_path / "none.db")], "error: store: "),
        (["report", run.id, "-o", str(tmp_path / "r.html"), "--store", str(db)],
         f"error: run {run.id}: no analysis and no data file to analyse"),
        (["report", run.id, "-o", str(tmp_path / "r.html"), "--pdfa", "--store", str(db)], "error: pdfa: "),
    ]
    for argv, message in cases:
        code, out, err = run_cli(capsys, *argv)
        assert code == 2 and err.count("\n") == 1 and err.startswith(message), err


def test_a_report_that_fails_after_report_option_says_the_new_analysis_is_recorded(tmp_path, capsys, counts,
                                                                                  monkeypatch):
    db = tmp_path / "lab.db"
    code, out, err = run_cli(capsys, "analyse", "radioligand-binding", "--set", "replicates=2", "--data",
                             str(counts), "-o", str(tmp_path / "r.html"), "--operator", "A. Smith", "--store", str(db))
    assert code == 0, err
    run_id = out.split()[1]
    import protocol_kit.workflow.reporting as reporting

    def full_disk(*args, **kw):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(reporting, "write_run_report", full_disk)
    code, out, err = run_cli(capsys, "report", run_id, "-o", str(tmp_path / "again.html"), "--option",
                             "weighting=relative", "--operator", "A. Smith", "--store", str(db))
    with Store(db) as s:
        run = pk.open_run(run_id, s)
        # started, data, analysis, report of the one shot; then the second analysis and no report
        assert [e.type for e in run.events][-2:] == ["report_rendered", "analysis_recorded"]
        seq = run.latest_analysis().seq
    assert code == 2 and err == (f"error: [Errno 28] No space left on device (run {run_id} keeps the analysis "
                                 f"with these options, event {seq}; no report was written)\n")
