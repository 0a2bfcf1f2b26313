"""Issue 14, item 5: the order docs/records.md and docs/reports.md show (attach data, sign as
performed, then analyse and report) works; a review closes the data; the refusals say what can
still be done."""
import pytest

import protocol_kit as pk
from protocol_kit.cli import main
from protocol_kit.errors import RecordLockedError
from protocol_kit.records import open_run
from tests.bench import tick_rest


@pytest.fixture
def signed(tmp_path):
    """A binding run: data attached, then signed as performed, nothing analysed yet."""
    p = pk.RadioligandBinding()
    run = p.start_run(operator="A. Smith", store=tmp_path / "runs.db")
    run.check("rb-buffer")
    run.attach_data(p.simulate(seed=1), name="counts.csv")
    tick_rest(run)
    run.sign("A. Smith", "performed")
    return run


def test_analyse_and_report_after_performed_are_recorded(signed, tmp_path):
    result = signed.analyse()
    assert signed.latest_analysis().result["data"]["name"] == "counts.csv"
    assert result.summary() == signed.latest_analysis().result["summary"]
    out = signed.report(tmp_path / "report.html")
    assert out.is_file() and [f.name for f in signed.reports] == ["report.html"]
    # a second data file may still come (e.g. a re-count) before the review
    signed.attach_data(tmp_path / "report.html", name="recount.html")
    assert [f.name for f in signed.data_files] == ["counts.csv", "recount.html"]


def test_bench_events_after_performed_are_refused_without_advising_amend_for_a_step(signed):
    with pytest.raises(RecordLockedError) as exc:
        signed.check("rb-filters")
    msg = str(exc.value)
    assert "performed by A. Smith" in msg and "amend" not in msg
    with pytest.raises(RecordLockedError) as exc:
        signed.note("late note")
    assert "cannot add one" in str(exc.value)     # amend corrects, it does not add


def test_a_review_closes_data_analysis_and_reports(signed, tmp_path):
    signed.analyse()
    signed.sign("B. Jones", "reviewed")
    for action in (lambda: signed.analyse(), lambda: signed.attach_data(tmp_path / "x.csv")):
        with pytest.raises(RecordLockedError) as exc:
            action()
        assert "'reviewed'" in str(exc.value) and "amend" not in str(exc.value)
    n = len(signed.reports)
    out = signed.report(tmp_path / "signed.html")   # written with the signatures, not stored
    assert out.is_file() and len(signed.reports) == n
    # the store itself refuses too (another process, no Run-level check)
    with pytest.raises(RecordLockedError):
        signed.store.append(signed.id, "X", "analysis_recorded", {"name": "analysis", "result": {}})


def test_witnessed_keeps_the_data_open_but_approved_closes_it(tmp_path):
    p = pk.RadioligandBinding()
    run = p.start_run(operator="A. Smith", store=tmp_path / "runs.db")
    run.attach_data(p.simulate(seed=1), name="counts.csv")
    tick_rest(run)
    run.sign("A. Smith", "performed")
    run.sign("C. Le", "witnessed")
    run.analyse()
    run.sign("D. Head", "approved")
    with pytest.raises(RecordLockedError):
        run.analyse()


def test_cli_runs_analyse_after_signing(signed, capsys):
    store = str(signed.store.path)
    code = main(["runs", "analyse", signed.id, "--store", store, "--operator", "B. Jones",
                 "--option", "bottom=0"])
    out = capsys.readouterr()
    assert code == 0, out.err
    run = open_run(signed.id, store)
    record = run.latest_analysis()
    assert record.result["options"] == {"bottom": 0} and record.operator == "B. Jones"
    assert "analysis recorded" in out.out and record.result["summary"] in out.out


def test_cli_runs_analyse_refuses_an_unknown_option(signed, capsys):
    code = main(["runs", "analyse", signed.id, "--store", str(signed.store.path), "--operator", "B",
                 "--option", "botom=0"])
    assert code == 2 and "bottom" in capsys.readouterr().err   # the near miss is suggested
