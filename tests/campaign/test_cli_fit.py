"""``protocol-kit fit PLATES --by ... -o RESULTS`` (issue 18): the campaign's results and its
HTML summary; one-line errors for a missing column and a curve split across files."""
from __future__ import annotations

import re

import pandas as pd
import pytest

from protocol_kit.analysis import fit_logistic_many
from protocol_kit.analysis.campaign.results import read_results
from protocol_kit.cli import main

from .campaign_data import robustness_points, same_bits, write_files


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def plates(tmp_path_factory):
    folder = tmp_path_factory.mktemp("campaign")
    paths = write_files(robustness_points().rename(columns={"curve": "compound", "response": "pct"}), folder, 5, "compound")
    return folder, paths


def test_fit_writes_the_results_and_the_summary(plates, tmp_path, capsys):
    folder, paths = plates
    out, summary = tmp_path / "results.parquet", tmp_path / "summary.html"
    code, stdout, err = run(capsys, "fit", folder / "*.parquet", "--by", "compound", "--conc", "conc", "--response",
                            "pct", "-o", out, "--n-jobs", "2", "--summary", summary)
    assert code == 0, err
    assert stdout.splitlines()[0] == f"wrote 600 curve(s) from 5 file(s) to {out}"
    assert "100% Completed" in err  # the progress bar (Dask's diagnostics) on stderr
    per_file = pd.concat([fit_logistic_many(pd.read_parquet(p), by="compound", response="pct") for p in paths],
                         ignore_index=True)
    assert same_bits(per_file, read_results(out))
    html = summary.read_text(encoding="utf-8")
    # the counts, worked out from the results with pandas
    flags = per_file["flags"].explode().value_counts()
    for code_, n in flags.items():
        assert re.search(rf"<tr><td>{code_}</td><td>{n}</td>", html), code_
    valued = int((per_file["qualifier"] == "=").sum())
    assert re.search(rf"<th>IC50 a value \(in the histogram\)</th><td>{valued}", html)
    assert f"<th>Curves fitted</th><td>600</td>" in html and "<svg" in html


@pytest.mark.parametrize("option, value, field", [("--response", "pcts", "--response"), ("--by", "compund", "--by"),
                                                  ("--conc", "Conc", "--conc")])
def test_a_missing_column_is_one_line_naming_it_the_file_the_columns_and_the_near_miss(plates, tmp_path, capsys,
                                                                                       option, value, field):
    folder, paths = plates
    args = {"--by": "compound", "--conc": "conc", "--response": "pct", option: value}
    code, _, err = run(capsys, "fit", folder, *[x for kv in args.items() for x in kv], "-o", tmp_path / "r")
    assert code == 2 and err.count("\n") == 1
    near = {"pcts": "pct", "compund": "compound", "Conc": "conc"}[value]
    assert err == (f"error: {field}: {value!r} is not a column of {paths[0]}; did you mean {near!r}?; "
                   f"allowed: a column of {paths[0]} (compound, conc, pct)\n")
    assert not (tmp_path / "r").exists()


def test_a_curve_split_across_files_is_one_line_naming_it_and_the_files(tmp_path, capsys):
    points = robustness_points()
    c = points[points.curve == 2]
    points[points.curve < 2].pipe(lambda f: pd.concat([f, c.iloc[:6]])).to_parquet(tmp_path / "a.parquet", index=False)
    pd.concat([c.iloc[6:], points[points.curve.between(3, 4)]]).to_parquet(tmp_path / "b.parquet", index=False)
    code, _, err = run(capsys, "fit", tmp_path / "*.parquet", "--by", "curve", "-o", tmp_path / "r")
    assert code == 2 and err.count("\n") == 1
    assert err.startswith("error: curve curve=2 is split across files a.parquet and b.parquet; ")
    code, out, err = run(capsys, "fit", tmp_path / "*.parquet", "--by", "curve", "-o", tmp_path / "r2", "--shuffle",
                         "--quiet")
    assert code == 0 and out.startswith("wrote 5 curve(s) from 2 file(s)")
    assert sorted(read_results(tmp_path / "r2")["curve"]) == [0, 1, 2, 3, 4]


def test_no_file_and_a_bad_scheduler_are_one_line(tmp_path, capsys):
    code, _, err = run(capsys, "fit", tmp_path / "none" / "*.parquet", "--by", "c", "-o", tmp_path / "r")
    assert code == 2 and err.startswith("error: PLATES: ") and "holds no Parquet file" in err
    write_files(robustness_points().iloc[:100], tmp_path / "p", 1)
    code, _, err = run(capsys, "fit", tmp_path / "p", "--by", "curve", "-o", tmp_path / "r",
                       "--scheduler", "tcp://127.0.0.1:9")
    assert code == 2 and err.count("\n") == 1
    assert err.startswith("error: --scheduler: 'tcp://127.0.0.1:9' cannot be reached")


def test_the_installed_command_in_its_own_process(plates, tmp_path):
    """As a user runs it: a fresh process, its workers forked from it, the bar on stderr."""
    import subprocess
    import sys

    folder, paths = plates
    out = tmp_path / "r"
    proc = subprocess.run([sys.executable, "-m", "protocol_kit.cli", "fit", str(folder), "--by", "compound",
                           "--response", "pct", "-o", str(out), "--n-jobs", "2"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"wrote 600 curve(s) from 5 file(s) to {out}\n"
    assert "100% Completed" in proc.stderr and "Traceback" not in proc.stderr
    got = read_results(out)
    assert got["compound"].is_unique and len(got) == 600
