"""fit_logistic_many on a Dask DataFrame or Parquet files, and with n_jobs processes, against
the single-process pandas path on the robustness sets (issue 18)."""
from __future__ import annotations

import os

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest

from protocol_kit.analysis import batch, fit_logistic_many
from protocol_kit.analysis.campaign.results import read_results
from protocol_kit.errors import AnalysisError, ParameterError

from .campaign_data import robustness_points, same_bits, write_files


@pytest.fixture(scope="module")
def points():
    return robustness_points()


@pytest.fixture(scope="module")
def pandas_fit(points):
    return fit_logistic_many(points, by="curve")


@pytest.fixture(scope="module")
def files(points, tmp_path_factory):
    folder = tmp_path_factory.mktemp("plates")
    return folder, write_files(points, folder, 20)


def test_parquet_files_give_the_pandas_results_row_for_row(points, pandas_fit, files):
    folder, paths = files
    lazy = fit_logistic_many(str(folder / "*.parquet"), by="curve")
    assert isinstance(lazy, dd.DataFrame) and lazy.npartitions == 20
    got = lazy.compute(scheduler="sync").reset_index(drop=True)
    # each file's curves exactly as the single-process path fits that file
    per_file = pd.concat([fit_logistic_many(pd.read_parquet(p), by="curve") for p in paths], ignore_index=True)
    assert same_bits(per_file, got)
    # and exactly as it fits the whole frame: a curve's fit does not depend on the curves
    # solved with it (tests/analysis/test_batch_independence.py; docs/campaigns.md)
    assert same_bits(pandas_fit, got)


def test_a_dask_frame_on_the_threaded_and_process_schedulers(points, pandas_fit):
    curves = points["curve"].to_numpy()
    # partitions on curve boundaries: 6 blocks of 100 curves
    starts = [int(np.searchsorted(curves, k)) for k in range(0, 600, 100)]
    parts = [points.iloc[a:b] for a, b in zip(starts, starts[1:] + [len(points)])]
    ddf = dd.from_delayed([dask.delayed(p) for p in parts], meta=points.iloc[:0])
    for scheduler in ("threads", "processes"):
        with dask.config.set(scheduler=scheduler, **{"multiprocessing.context": "fork"}):
            got = fit_logistic_many(ddf, by="curve").compute().reset_index(drop=True)
        per_part = pd.concat([fit_logistic_many(p, by="curve") for p in parts], ignore_index=True)
        assert same_bits(per_part, got), scheduler
        assert list(got["flags"]) == list(pandas_fit["flags"])


def test_n_jobs_is_bit_for_bit_the_single_process_result(points, monkeypatch):
    shuffled = points.sample(frac=1.0, random_state=7)  # rows in any order: chunks are whole curves
    monkeypatch.setattr(batch, "CHUNK_CURVES", 64)  # 10 chunks of the 600 curves (forked workers see it)
    one = fit_logistic_many(shuffled, by="curve", n_jobs=1)
    two = fit_logistic_many(shuffled, by="curve", n_jobs=2)
    assert same_bits(one, two)
    assert len(two) == 600 and two["curve"].is_unique


def test_out_writes_parquet_and_never_over_an_existing_file(points, pandas_fit, files, tmp_path):
    folder, _ = files
    out = tmp_path / "results.parquet"
    assert fit_logistic_many(str(folder), by="curve", out=out, n_jobs=1) is None
    got = read_results(out).sort_values("curve", kind="stable").reset_index(drop=True)
    assert len(list(out.glob("part-*.parquet"))) == 20
    assert list(got["flags"]) == list(pandas_fit["flags"])
    assert np.array_equal(got["rss"], pandas_fit["rss"], equal_nan=True)
    with pytest.raises(ParameterError, match="^out: .* exists already"):
        fit_logistic_many(str(folder), by="curve", out=out)
    single = tmp_path / "small.parquet"
    fit_logistic_many(points, by="curve", out=single, n_jobs=1)
    assert same_bits(pandas_fit, read_results(single))


def test_a_curve_split_across_partitions_is_one_error_naming_it(points, tmp_path):
    # sorted partitions cut at row 2500, inside a curve
    cut = int(points["curve"].iloc[2500])
    assert points["curve"].iloc[2499] == cut
    ddf = dd.from_delayed([dask.delayed(points.iloc[:2500]), dask.delayed(points.iloc[2500:5000])],
                          meta=points.iloc[:0])
    with pytest.raises(AnalysisError, match=rf"^curve curve={cut} is split across partitions 0 and 1; "):
        fit_logistic_many(ddf, by="curve")
    # files in no order: curve 3 in the first and the third file
    c3 = points[points.curve == 3]
    pd.concat([points[points.curve == 5], c3.iloc[:10], points[points.curve == 4]]).to_parquet(
        tmp_path / "p0.parquet", index=False)
    points[points.curve.isin([7, 6])].to_parquet(tmp_path / "p1.parquet", index=False)
    c3.iloc[10:].to_parquet(tmp_path / "p2.parquet", index=False)
    with pytest.raises(AnalysisError, match=r"^curve curve=3 is split across files p0.parquet and p2.parquet"):
        fit_logistic_many(str(tmp_path / "p*.parquet"), by="curve")
    # unless the rows are shuffled by curve first: every curve once, the same fits
    got = fit_logistic_many(str(tmp_path / "p*.parquet"), by="curve", shuffle=True).compute(scheduler="sync")
    assert sorted(got["curve"]) == [3, 4, 5, 6, 7]
    alone = fit_logistic_many(points[points.curve.isin([3, 4, 5, 6, 7])], by="curve").set_index("curve")
    assert np.array_equal(got.set_index("curve").loc[alone.index, "rss"], alone["rss"], equal_nan=True)


def test_a_missing_column_names_the_column_the_file_the_columns_and_the_near_miss(files):
    folder, paths = files
    with pytest.raises(ParameterError) as err:
        fit_logistic_many(str(folder), by="curve", response="respons")
    assert str(err.value) == (f"response: 'respons' is not a column of {paths[0]}; did you mean 'response'?; "
                              f"allowed: a column of {paths[0]} (curve, conc, response)")
    ddf = dd.from_pandas(pd.read_parquet(paths[0]), npartitions=1)
    with pytest.raises(ParameterError, match=r"^by: 'curv' is not a column; did you mean 'curve'\?"):
        fit_logistic_many(ddf, by="curv")
    with pytest.raises(ParameterError, match="^path: .* does not exist"):
        fit_logistic_many(str(folder / "nothing-here.parquet"), by="curve")


def test_an_all_nan_curve_is_flagged_no_data_and_the_others_are_fitted(points, tmp_path, monkeypatch):
    sub = points[points.curve < 40].copy()
    sub.loc[sub.curve == 17, "response"] = np.nan
    n17 = int((sub.curve == 17).sum())
    others = fit_logistic_many(sub[sub.curve != 17], by="curve")
    with pytest.raises(AnalysisError, match="curve '17': no usable point"):  # the pandas path, as before
        fit_logistic_many(sub, by="curve")
    write_files(sub, tmp_path, 1)
    got = fit_logistic_many(str(tmp_path), by="curve").compute(scheduler="sync").reset_index(drop=True)
    monkeypatch.setattr(batch, "CHUNK_CURVES", 8)
    local = fit_logistic_many(sub, by="curve", n_jobs=2)
    for res in (got, local):
        row = res[res.curve == 17].iloc[0]
        assert row["flags"] == ("no_data",) and row["n"] == 0 and row["n_dropped"] == n17
        assert np.isnan(row["log_ic50"]) and np.isnan(row["rss"]) and not row["converged"]
        assert "no usable point at a concentration > 0" in row["messages"][0]
        assert list(res["curve"]) == list(range(40))
    assert same_bits(others, got[got.curve != 17].reset_index(drop=True))


def test_n_jobs_must_be_a_count():
    frame = pd.DataFrame({"curve": [0], "conc": [1e-9], "response": [1.0]})
    with pytest.raises(ParameterError, match="^n_jobs: 0 is not allowed; allowed: a whole number >= 1, -1"):
        fit_logistic_many(frame, by="curve", n_jobs=0)


def test_n_jobs_default_is_all_cores_from_a_million_points():
    from protocol_kit.analysis.campaign.local import cores, resolve_n_jobs

    assert cores() == len(os.sched_getaffinity(0))
    assert resolve_n_jobs(None, 999_999) == 1 and resolve_n_jobs(None, 1_000_000) == cores()
    assert resolve_n_jobs(-1, 10) == cores() and resolve_n_jobs(3, 10) == 3


def test_a_bad_fixed_is_said_before_anything_runs(files):
    folder, _ = files
    with pytest.raises(ParameterError, match="^fixed: 'hil' is not a parameter that can be fixed; did you mean 'hill'"):
        fit_logistic_many(str(folder), by="curve", fixed={"hil": -1})
