"""A campaign on a dask.distributed LocalCluster of 2 worker processes (127.0.0.1): 20 Parquet
files fitted as the single-process path fits each of them; a worker killed while the campaign
runs loses no curve and writes none twice (issue 18)."""
from __future__ import annotations

import os
import threading
import time

import pandas as pd
import pytest
from distributed import Client, LocalCluster

from protocol_kit.analysis import fit_logistic_many
from protocol_kit.analysis.campaign.results import read_results

from .campaign_data import robustness_points, same_bits, simulate, write_files


@pytest.fixture(scope="module")
def client():
    with LocalCluster(processes=True, n_workers=2, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as c:
        yield c


async def _die():
    os._exit(1)


def test_twenty_files_on_two_worker_processes(client, tmp_path):
    points = robustness_points()
    paths = write_files(points, tmp_path / "plates", 20)
    lazy = fit_logistic_many(str(tmp_path / "plates"), by="curve")
    assert lazy.npartitions == 20
    got = lazy.compute().reset_index(drop=True)  # on the cluster: the Client is the default scheduler
    per_file = pd.concat([fit_logistic_many(pd.read_parquet(p), by="curve") for p in paths], ignore_index=True)
    assert same_bits(per_file, got)
    ran = client.run(lambda: os.getpid())
    assert len(ran) == 2 and os.getpid() not in ran.values()  # fitted in the two worker processes
    fit_logistic_many(str(tmp_path / "plates"), by="curve", out=tmp_path / "out")
    assert same_bits(per_file, read_results(tmp_path / "out"))


def test_a_worker_killed_mid_campaign_loses_and_duplicates_no_curve(client, tmp_path):
    # 20 files of 1,500 curves (33 points each); a file takes a worker a fraction of a second
    folder = tmp_path / "plates"
    folder.mkdir()
    frames = [simulate(1500, seed=i, first=i * 1500) for i in range(20)]
    for i, f in enumerate(frames):
        f.to_parquet(folder / f"plate-{i:02d}.parquet", index=False)
    out = tmp_path / "results"
    errors = []

    def campaign():
        try:
            fit_logistic_many(str(folder), by="curve", out=out)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    runner = threading.Thread(target=campaign)
    runner.start()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(out.glob("part-*.parquet"))) < 2:
        time.sleep(0.05)
    done_at_kill = len(list(out.glob("part-*.parquet")))
    victim = sorted(client.scheduler_info()["workers"])[0]
    client.run(_die, workers=[victim], wait=False)  # the worker process dies at once
    runner.join(timeout=300)
    assert not runner.is_alive() and not errors, errors
    assert 2 <= done_at_kill < 20  # killed mid-campaign
    got = read_results(out)
    expected = pd.concat(frames)["curve"].unique()
    assert len(got) == len(expected) == 30_000
    assert got["curve"].is_unique and set(got["curve"]) == set(expected)
    assert len(list(out.glob("part-*.parquet"))) == 20 and not list(out.glob(".*.tmp"))
    # the numbers are those of the single-process path on the same file
    one = fit_logistic_many(frames[7], by="curve")
    assert same_bits(one, got[got.curve.isin(one.curve)].sort_values("curve").reset_index(drop=True))


def test_the_command_line_on_the_cluster(client, tmp_path, capsys):
    from protocol_kit.cli import main

    write_files(robustness_points(), tmp_path / "plates", 20)
    address = client.scheduler.address
    code = main(["fit", str(tmp_path / "plates"), "--by", "curve", "-o", str(tmp_path / "r"), "--scheduler", address])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"on the cluster at {address}" in err
    assert out.startswith("wrote 600 curve(s) from 20 file(s)")
    assert read_results(tmp_path / "r")["curve"].is_unique
