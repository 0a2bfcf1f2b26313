"""Export of a long run to .zip and .eln: time and peak memory, on each backend (issue 17, item 4).

The run is written in bulk in this process (tests/records/big_store.py: valid chained events,
a start then notes, values and deviations) into an SQLite file or a new database on a
throwaway PostgreSQL server (tests/pg_server.py). Each export runs in a fresh child process,
``protocol-kit runs export RUN -o FILE --store STORE`` as the CLI does it, with the
protocol_kit of ``--code`` (a checkout: this one, and another for the figures before a change;
the child runs with ``python -P`` so the current folder does not shadow it). The child reports
its wall time and peak resident memory (``ru_maxrss``; most of it is the imports, so the
export of a 10-event run in the same store is given first as the baseline). ``--repeat``
exports per format, alternating the checkouts; medians printed.

    PYTHONPATH=. .venv/bin/python benchmarks/export_run.py [--events 100000] [--repeat 3] \\
        [--backends sqlite postgresql] [--code . ../old-checkout]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from protocol_kit.records import Store
from tests.pg_server import bench_location
from tests.records.big_store import add_run

CHILD = """
import contextlib, io, json, resource, sys, time
t0 = time.perf_counter()
from protocol_kit.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(["runs", "export", sys.argv[1], "-o", sys.argv[2], "--store", sys.argv[3]])
print(json.dumps({"seconds": time.perf_counter() - t0, "code": code,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def export_once(code: str, run_id: str, out: Path, store: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(Path(code).resolve())}
    res = subprocess.run([sys.executable, "-P", "-c", CHILD, run_id, str(out), store], capture_output=True,
                         text=True, env=env, check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--backends", nargs="+", default=["sqlite"])
    ap.add_argument("--code", nargs="+", default=["."], help="checkouts whose protocol_kit exports")
    args = ap.parse_args()
    print(f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f}")
    for backend in args.backends:
        with bench_location(backend) as location, tempfile.TemporaryDirectory() as tmp:
            with Store(location) as store:
                short, run_id = add_run(store, 10), add_run(store, args.events)
                if backend == "sqlite":
                    store.backend.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                else:
                    store.backend.execute("VACUUM ANALYZE events")
            for code in args.code:
                base = export_once(code, short, Path(tmp) / "short.eln", str(location))
                print(f"{backend}, {code}: .eln export of a 10-event run (the baseline): {base['seconds']:.2f} s, "
                      f"peak memory {base['peak_mb']:.0f} MB")
            for suffix in (".zip", ".eln"):
                results: dict[str, list[dict]] = {c: [] for c in args.code}
                for i in range(args.repeat):
                    for code in args.code:
                        out = Path(tmp) / f"out{i}{suffix}"
                        r = export_once(code, run_id, out, str(location))
                        assert r["code"] == 0, r
                        r["bytes"] = out.stat().st_size
                        out.unlink()
                        results[code].append(r)
                for code, rs in results.items():
                    secs, peaks = [r["seconds"] for r in rs], [r["peak_mb"] for r in rs]
                    print(f"{backend}, {code}: {suffix} export of {args.events:,} events ({rs[0]['bytes'] / 1e6:.1f} MB): "
                          f"median {statistics.median(secs):.2f} s (min {min(secs):.2f}, max {max(secs):.2f}), "
                          f"peak memory median {statistics.median(peaks):.0f} MB (max {max(peaks):.0f}); "
                          f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
