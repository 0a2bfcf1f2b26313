"""'runs show' prints an analysis in a few readable lines, not the whole result dict."""
import protocol_kit as pk
from protocol_kit.cli import main


def test_runs_show_prints_the_analysis_summary_not_the_result_dict(tmp_path, capsys):
    p = pk.RadioligandBinding()
    run = p.start_run(operator="A. Smith", store=tmp_path / "runs.db")
    run.attach_data(p.simulate(seed=1), name="counts.csv")
    result = run.analyse(bottom=0)
    assert main(["runs", "show", run.id, "--store", str(tmp_path / "runs.db")]) == 0
    out = capsys.readouterr().out
    analyses = out.split("\nanalyses\n", 1)[1]
    assert "analysis of counts.csv (options: bottom=0)" in analyses
    assert result.summary() in analyses
    # the old line held the whole result dict (about 20 KB); now no line is longer than the summary's
    assert max(len(line) for line in out.splitlines()) <= len(result.summary()) + 8
    assert "'result'" not in out and "kind=" not in out
