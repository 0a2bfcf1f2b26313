"""The workflow (protocol_kit.workflow) is the one place that reads, analyses, records and
reports: the command line's one-shot analysis parses the data file once and analyses it once
(counted here), and ``run.read_data`` returns the frame the analysis is given (issue 16)."""
import functools

import pandas as pd
import pytest

import protocol_kit as pk
import protocol_kit.io as pkio
from protocol_kit.cli import main
from protocol_kit.demo_files import instrument_file
from protocol_kit.records import Store


@pytest.fixture
def counted(monkeypatch):
    """Counters of the file parses (every reader of protocol_kit.io.READERS, which read_plate
    calls, whichever module asks) and of the analyses (``analyse`` of every protocol class),
    the wrappers keeping the signatures the options are checked against; the workflow's
    frames of earlier reads are forgotten."""
    from collections import OrderedDict

    import protocol_kit.workflow.reading as reading

    monkeypatch.setattr(reading, "_READ", OrderedDict())  # nothing read by an earlier test
    calls = {"parse": 0, "analyse": 0}

    def counting(key, f):
        @functools.wraps(f)
        def wrapper(*args, **kw):
            calls[key] += 1
            return f(*args, **kw)
        return wrapper

    for name, reader in pkio.READERS.items():
        monkeypatch.setitem(pkio.READERS, name, counting("parse", reader))
    for cls in (pk.RadioligandBinding, pk.ReuptakeInhibition, pk.Microdialysis):
        monkeypatch.setattr(cls, "analyse", counting("analyse", cls.analyse))
    return calls


@pytest.mark.parametrize("protocol, values, options", [
    (pk.RadioligandBinding, {"replicates": 2}, []),           # a counter list (UTF-16, format detected)
    (pk.Microdialysis, {}, ["--option", "weighting=1/x"]),   # an HPLC table (its report shows its units)
])
def test_the_cli_analyse_path_parses_the_file_once_and_analyses_it_once(tmp_path, capsys, counted, protocol,
                                                                         values, options):
    p = protocol(**values)
    data = instrument_file(p, p.simulate(seed=4), tmp_path, "data")
    sets = [x for k, v in values.items() for x in ("--set", f"{k}={v}")]
    code = main(["analyse", p.id, *sets, "--data", str(data), "-o", str(tmp_path / "r.html"), "--operator",
                 "A. Smith", "--store", str(tmp_path / "lab.db"), *options])
    out, err = capsys.readouterr()
    assert code == 0, err
    # before the workflow: read_for_analysis + analyse to check, then run.analyse read and analysed
    # again, and the microdialysis report read the file a third time for its units
    assert counted == {"parse": 1, "analyse": 1}
    with Store(tmp_path / "lab.db") as s:
        run = pk.open_run(out.split()[1], s)
        assert [e.type for e in run.events] == ["started", "data_attached", "analysis_recorded", "report_rendered"]
        assert out.splitlines()[1:-1] == run.latest_analysis().result["summary"].splitlines()


def test_runs_analyse_and_report_parse_once_each(tmp_path, capsys, counted):
    """'runs analyse' reads and analyses once; 'report' of the analysed run reads nothing."""
    p = pk.RadioligandBinding(replicates=2)
    data = instrument_file(p, p.simulate(seed=4), tmp_path, "data")
    with Store(tmp_path / "lab.db") as s:
        run = p.start_run("A. Smith", s)
        run.attach_data(data)
    db = str(tmp_path / "lab.db")
    assert main(["runs", "analyse", run.id, "--store", db, "--operator", "A. Smith"]) == 0
    assert counted == {"parse": 1, "analyse": 1}
    assert main(["report", run.id, "-o", str(tmp_path / "r.html"), "--store", db, "--operator", "A. Smith"]) == 0
    assert counted == {"parse": 1, "analyse": 1}
    capsys.readouterr()


@pytest.fixture
def hplc_run(tmp_path, store):
    """A microdialysis run with the demo's HPLC results table attached (seed 1)."""
    p = pk.Microdialysis()
    truth = p.simulate(seed=1)
    run = p.start_run("C. Lee", store)
    run.attach_data(instrument_file(p, truth, tmp_path, "md"))
    return run, truth


def test_read_data_reads_the_demo_hplc_file_as_the_analysis_does(hplc_run, monkeypatch):
    """Before: run.read_data took the HPLC table for a plate file ('no header row with a well
    column') and would have joined the standards to the schedule."""
    run, truth = hplc_run
    name = run.data_files[0].name
    given = []
    analyse = pk.Microdialysis.analyse

    @functools.wraps(analyse)
    def keep(self, data, **kw):
        given.append(data)
        return analyse(self, data, **kw)

    monkeypatch.setattr(pk.Microdialysis, "analyse", keep)
    run.analyse(weighting="1/x")
    frame = run.read_data(name)
    (analysed,) = given
    pd.testing.assert_frame_equal(frame, analysed)
    # the simulated standards are the rows with a nominal amount; the samples are the others,
    # one per animal and fraction, each joined to its fraction's phase in the schedule
    n_std = int(truth["standard_conc"].notna().sum())
    std = frame["standard_conc"].notna()
    assert int(std.sum()) == n_std and len(frame) == len(truth)
    assert frame.loc[std, "phase"].isna().all()
    baseline = run.protocol.params.baseline_fractions
    samples = frame[~std]
    assert set(samples.loc[samples["fraction"] <= baseline, "phase"]) == {"baseline"}
    assert set(samples.loc[samples["fraction"] > baseline, "phase"]) == {"post-dose"}
    # the amounts as the file states them (nM): the standards' nominal concentrations
    assert sorted(frame.loc[std, "standard_conc"]) == pytest.approx(sorted(truth["standard_conc"].dropna()))


def test_read_data_without_join_uses_the_reader_the_protocol_chooses(hplc_run):
    run, truth = hplc_run
    raw = run.read_data(run.data_files[0].name, join=False)
    assert len(raw) == len(truth) and "phase" not in raw.columns   # the HPLC reader's frame, unjoined
    with pytest.raises(pk.ParameterError, match="read"):
        run.read_data(run.data_files[0].name, join=False, read=2)


def test_the_result_recorded_by_the_one_shot_equals_an_analysis_of_the_same_file(tmp_path, capsys):
    """The CLI records the result it analysed before starting the run: the same record as
    run.analyse() of the attached file (summary, data source, result)."""
    p = pk.Microdialysis()
    data = instrument_file(p, p.simulate(seed=2), tmp_path, "md")
    assert main(["analyse", p.id, "--data", str(data), "-o", str(tmp_path / "r.html"), "--operator", "C. Lee",
                 "--store", str(tmp_path / "lab.db"), "--option", "weighting=1/x"]) == 0
    with Store(tmp_path / "lab.db") as s:
        run = pk.open_run(capsys.readouterr().out.split()[1], s, operator="C. Lee")
        once = run.latest_analysis().result
        run.analyse(weighting="1/x")
        again = run.latest_analysis().result
    assert {k: v for k, v in once.items()} == again


@pytest.mark.parametrize("error", [pk.ProtocolKitError("the report could not be written"),
                                   OSError(28, "No space left on device")], ids=["ours", "the system's"])
def test_an_error_after_the_run_started_names_the_run_which_keeps_what_was_recorded(tmp_path, capsys,
                                                                                    monkeypatch, error):
    import protocol_kit.workflow.oneshot as oneshot

    def fails(*args, **kw):
        raise error

    monkeypatch.setattr(oneshot, "write_run_report", fails)
    p = pk.RadioligandBinding(replicates=2)
    data = instrument_file(p, p.simulate(seed=4), tmp_path, "data")
    code = main(["analyse", p.id, "--set", "replicates=2", "--data", str(data), "-o", str(tmp_path / "r.html"),
                 "--operator", "A. Smith", "--store", str(tmp_path / "lab.db")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith(f"error: {error} (run ") and err.count("\n") == 1
    run_id = err.split("(run ")[1].split()[0]
    with Store(tmp_path / "lab.db") as s:
        run = pk.open_run(run_id, s)
        assert [e.type for e in run.events] == ["started", "data_attached", "analysis_recorded"]


def test_the_widgets_parse_an_uploaded_file_once_for_the_data_and_the_analysis_step(tmp_path, counted):
    """The Data step reads the upload to show it, the Analysis step analyses it and the Report
    step writes the report: one parse, one analysis."""
    from tests.widgets.conftest import start, upload

    p = pk.RadioligandBinding()
    app = p.form(store=tmp_path / "runs.db", out_dir=tmp_path / "out")
    start(app)
    upload(app.data_view, "counts.csv", p.simulate(seed=1).to_csv(index=False).encode())
    assert app.session.data.frame is not None and counted == {"parse": 1, "analyse": 0}
    assert app.session.run.data_files[0].source == "uploaded as counts.csv"  # not a temporary copy's path
    app.analysis_view.run_button.click()
    app.report_view.html_button.click()
    assert counted == {"parse": 1, "analyse": 1}
    assert [f.name for f in app.session.run.reports] == [f"{app.session.run.id}-report.html"]
