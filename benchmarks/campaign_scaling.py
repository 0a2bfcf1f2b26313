"""A screening campaign past one process (issue 18): one process vs all local cores vs a
dask.distributed LocalCluster of 2 workers; the overhead of Dask at 10,000 curves; a projection
to 10^8 curves on 32 workers.

    .venv/bin/python benchmarks/campaign_scaling.py                       # 1,000,000 curves, 3 repeats
    .venv/bin/python benchmarks/campaign_scaling.py --curves 200000 --repeats 3

The campaign: ``--curves`` seeded inhibition curves of 33 points (10 half-log concentrations x 3
replicates + 3 vehicle wells, as fit_throughput.py) in ``--files`` Parquet files of whole
curves. Each configuration fits every file and writes the results as Parquet, in a fresh
process (so that its peak memory is its own), configurations alternating within each repeat:

- ``one``: one process, no Dask: each file read with pandas, fitted by fit_logistic_many,
  written (the single-process engine as it is);
- ``pair``: the control without Dask: two forked processes, each fitting half of the files as
  ``one`` does (what two cores give this machine at best);
- ``local``: ``fit_logistic_many(folder, out=..., n_jobs=all cores)``: Dask's local scheduler,
  one process per core;
- ``cluster``: the same call with a ``LocalCluster(processes=True, n_workers=2,
  threads_per_worker=1)`` Client current (cluster start-up not timed).

CPU seconds: of the process (one), of the parent and its pool (local), of the client process and
the workers (cluster): on a shared machine the wall clock tells how much of the machine the run
got, the CPU time what the work cost; CPU efficiency = CPU s of one / CPU s of the configuration.
The projection uses the cluster's curves per CPU-second as the rate of a worker with a core of
its own. Peak memory per worker: ru_maxrss of the process (one), of the largest pool process (local,
RUSAGE_CHILDREN after the pool has closed), of each worker (cluster, asked with client.run).
Overhead: 10,000 curves in one Parquet file, pandas (read + fit) against fit_logistic_many on
the file through Dask (sync scheduler: the cost of Dask itself, the split check included) and
on a Dask frame of the same pandas frame. Scheduler overhead per task: 2,000 no-op tasks on the
LocalCluster. Medians of ``--repeats``; the ratios are of medians from the same run.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fit_throughput import simulate  # noqa: E402


def make_campaign(folder: Path, curves: int, files: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    per = -(-curves // files)
    for i in range(files):
        n = min(per, curves - i * per)
        frame = simulate(n, seed=1000 + i)
        frame["curve"] += i * per
        frame.to_parquet(folder / f"plate-{i:04d}.parquet", index=False)


def cpu(who=resource.RUSAGE_SELF) -> float:
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def run_one(folder: Path, out: Path) -> dict:
    from protocol_kit.analysis import fit_logistic_many
    from protocol_kit.analysis.campaign.results import write_results

    out.mkdir()
    t, c = time.perf_counter(), cpu()
    n = 0
    for i, f in enumerate(sorted(folder.glob("*.parquet"))):
        res = fit_logistic_many(pd.read_parquet(f), by="curve", n_jobs=1)
        write_results(res, out / f"part-{i:05d}.parquet")
        n += len(res)
    return {"seconds": time.perf_counter() - t, "curves": n, "cpu_s": cpu() - c,
            "peak_mib": [resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024]}


def _fit_files(files: list, out: str) -> int:
    from protocol_kit.analysis import fit_logistic_many
    from protocol_kit.analysis.campaign.results import write_results

    n = 0
    for f in files:
        res = fit_logistic_many(pd.read_parquet(f), by="curve", n_jobs=1)
        write_results(res, Path(out) / f"part-{Path(f).stem}.parquet")
        n += len(res)
    return n


def run_pair(folder: Path, out: Path) -> dict:
    """The control: two plain processes (no Dask), each fitting half of the files."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    import protocol_kit.analysis.batch  # noqa: F401 (loaded before the fork, as in the other modes)

    out.mkdir()
    files = sorted(str(f) for f in folder.glob("*.parquet"))
    t, c = time.perf_counter(), cpu()
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
        n = sum(pool.map(_fit_files, [files[0::2], files[1::2]], [str(out)] * 2))
    s = time.perf_counter() - t
    return {"seconds": s, "curves": n, "workers": 2, "cpu_s": cpu() - c + cpu(resource.RUSAGE_CHILDREN),
            "peak_mib": [resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024]}


def run_local(folder: Path, out: Path) -> dict:
    from protocol_kit.analysis import fit_logistic_many
    from protocol_kit.analysis.campaign.local import cores

    t, c = time.perf_counter(), cpu()
    fit_logistic_many(str(folder), by="curve", out=out, n_jobs=cores())
    s = time.perf_counter() - t
    return {"seconds": s, "curves": len(pd.read_parquet(out, columns=["curve"])), "workers": cores(),
            "cpu_s": cpu() - c + cpu(resource.RUSAGE_CHILDREN),
            "peak_mib": [resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024],
            "parent_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run_cluster(folder: Path, out: Path) -> dict:
    from distributed import Client, LocalCluster

    from protocol_kit.analysis import fit_logistic_many

    with LocalCluster(processes=True, n_workers=2, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        client.run(lambda: __import__("protocol_kit.analysis.batch"))  # workers warm, as a running cluster is
        before = client.run(cpu)
        t, c = time.perf_counter(), cpu()
        fit_logistic_many(str(folder), by="curve", out=out)
        s = time.perf_counter() - t
        c = cpu() - c + sum(client.run(cpu).values()) - sum(before.values())
        peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        t = time.perf_counter()
        client.gather(client.map(lambda i: i, range(2000), pure=False))
        per_task = (time.perf_counter() - t) / 2000
    return {"seconds": s, "curves": len(pd.read_parquet(out, columns=["curve"])), "workers": 2, "cpu_s": c,
            "peak_mib": sorted(peaks.values()), "task_overhead_s": per_task}


def overhead(folder: Path, repeats: int) -> dict:
    import dask
    import dask.dataframe as dd

    from protocol_kit.analysis import fit_logistic_many

    path = folder / "ten-thousand.parquet"
    simulate(10_000, seed=7).to_parquet(path, index=False)
    frame = pd.read_parquet(path)
    ddf = dd.from_delayed([dask.delayed(pd.read_parquet)(path)], meta=frame.iloc[:0])
    times = {"pandas": [], "dask_file": [], "dask_frame": []}
    fit_logistic_many(frame, by="curve")  # warm
    for _ in range(repeats):
        t = time.perf_counter()
        fit_logistic_many(pd.read_parquet(path), by="curve")
        times["pandas"].append(time.perf_counter() - t)
        t = time.perf_counter()
        fit_logistic_many(str(path), by="curve").compute(scheduler="sync")
        times["dask_file"].append(time.perf_counter() - t)
        t = time.perf_counter()
        fit_logistic_many(ddf, by="curve").compute(scheduler="sync")
        times["dask_frame"].append(time.perf_counter() - t)
    med = {k: statistics.median(v) for k, v in times.items()}
    return {"runs": times, "median": med, "ratio_file": med["dask_file"] / med["pandas"],
            "ratio_frame": med["dask_frame"] / med["pandas"]}


def child(mode: str, folder: str, out: str) -> None:
    fn = {"one": run_one, "pair": run_pair, "local": run_local, "cluster": run_cluster}[mode]
    print(json.dumps(fn(Path(folder), Path(out))))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--curves", type=int, default=1_000_000)
    ap.add_argument("--files", type=int, default=40)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--overhead-repeats", type=int, default=7)
    ap.add_argument("--modes", default="one,pair,local,cluster")
    ap.add_argument("--child", nargs=3, metavar=("MODE", "FOLDER", "OUT"), help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        return child(*a.child)
    work = Path(tempfile.mkdtemp(prefix="campaign-bench-"))
    try:
        print(f"# {platform.platform()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}", flush=True)
        t = time.perf_counter()
        make_campaign(work / "plates", a.curves, a.files)
        print(f"# {a.curves:,} curves x 33 points in {a.files} files, written in {time.perf_counter() - t:.0f} s",
              flush=True)
        modes = a.modes.split(",")
        runs: dict[str, list[dict]] = {m: [] for m in modes}
        for r in range(a.repeats):
            for m in modes:
                out = work / f"out-{m}-{r}"
                proc = subprocess.run([sys.executable, __file__, "--child", m, str(work / "plates"), str(out)],
                                      capture_output=True, text=True, check=True)
                res = json.loads(proc.stdout.strip().splitlines()[-1])
                assert res["curves"] == a.curves, res
                runs[m].append(res)
                shutil.rmtree(out)
                if "parent_mib" in res:
                    print(f"#   the scheduling process's own peak: {res['parent_mib']:.0f} MiB", flush=True)
                print(f"repeat {r + 1} {m:8s} {res['seconds']:8.2f} s  {a.curves / res['seconds']:9,.0f} curves/s  "
                      f"cpu {res['cpu_s']:7.1f} s  "
                      f"peak {max(res['peak_mib']):7.0f} MiB/worker  (load {os.getloadavg()[0]:.1f})", flush=True)
        med = {m: statistics.median(x["seconds"] for x in v) for m, v in runs.items()}
        cpu_med = {m: statistics.median(x["cpu_s"] for x in v) for m, v in runs.items()}
        print("\n| configuration | workers | median s | curves/s | speed-up | efficiency | CPU s | CPU efficiency "
              "| peak MiB per worker |")
        print("|---|---|---|---|---|---|---|---|---|")
        for m in modes:
            w = runs[m][0].get("workers", 1)
            sp = med["one"] / med[m] if "one" in med else float("nan")
            ce = cpu_med["one"] / cpu_med[m] if "one" in cpu_med else float("nan")
            peak = max(max(x["peak_mib"]) for x in runs[m])
            print(f"| {m} | {w} | {med[m]:.2f} | {a.curves / med[m]:,.0f} | {sp:.2f}x | {sp / w:.0%} | "
                  f"{cpu_med[m]:.1f} | {ce:.0%} | {peak:.0f} |")
        ov = overhead(work, a.overhead_repeats)
        print(f"\noverhead at 10,000 curves (medians of {a.overhead_repeats}): pandas {ov['median']['pandas']:.3f} s, "
              f"Dask on the file {ov['median']['dask_file']:.3f} s ({ov['ratio_file']:.2f}x), "
              f"Dask on a frame {ov['median']['dask_frame']:.3f} s ({ov['ratio_frame']:.2f}x)")
        if "cluster" in runs:
            per_worker = a.curves / statistics.median(x["cpu_s"] for x in runs["cluster"])  # per CPU-second
            task = statistics.median(x["task_overhead_s"] for x in runs["cluster"])
            files_1e8 = 10 ** 8 // (a.curves // a.files)
            t32 = 1e8 / (32 * per_worker)
            sched = 3 * files_1e8 * task  # read+fit+write tasks per file, serial at the scheduler (worst case)
            print(f"\nprojection: per-worker rate {per_worker:,.0f} curves per CPU-second (cluster median: a worker "
                  f"with a core of its own); scheduler "
                  f"{task * 1e3:.2f} ms per task; 10^8 curves in {files_1e8:,} files of {a.curves // a.files:,} "
                  f"curves on 32 workers: {t32:,.0f} s fitting + {sched:,.0f} s scheduling at most "
                  f"= {(t32 + sched) / 3600:.2f} h")
        print("\nRUNS " + json.dumps({"runs": runs, "overhead": ov}))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
