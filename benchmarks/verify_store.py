"""Verify of a 1,000,000-event store: time and peak memory, on each backend (issue 17).

The store is written in bulk in this process (tests/records/big_store.py: valid chained
events, a start then notes, values and deviations, 20,000 rows a transaction), in ``--runs``
runs of equal length. Each verify runs in a fresh child process (``Store(location).verify()``
of the whole store), which reports its wall time and its peak resident memory (``ru_maxrss``);
``--repeat`` verifies, medians printed. PostgreSQL runs on a throwaway server
(tests/pg_server.py).

    PYTHONPATH=. .venv/bin/python benchmarks/verify_store.py [--events 1000000] [--runs 10] [--repeat 3]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time

from protocol_kit.records import Store
from tests.pg_server import bench_location
from tests.records.big_store import add_run

CHILD = """
import json, resource, sys, time
from protocol_kit.records import Store
t0 = time.perf_counter()
with Store(sys.argv[1], create=False) as s:
    report = s.verify()
seconds = time.perf_counter() - t0
print(json.dumps({"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "ok": report.ok, "events": report.events_checked}))
"""


def verify_once(location: str) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [os.getcwd(), os.environ.get("PYTHONPATH")]))}
    out = subprocess.run([sys.executable, "-c", CHILD, str(location)], capture_output=True, text=True, env=env,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    args = ap.parse_args()
    print(f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f}")
    for backend in args.backends:
        with bench_location(backend) as location:
            t0 = time.perf_counter()
            with Store(location) as store:
                for _ in range(args.runs):
                    add_run(store, args.events // args.runs)
                if backend == "sqlite":
                    store.backend.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                else:
                    store.backend.execute("VACUUM ANALYZE events")
            print(f"{backend}: wrote {args.events:,} events in {args.runs} runs in {time.perf_counter() - t0:.1f} s")
            results = [verify_once(location) for _ in range(args.repeat)]
            assert all(r["ok"] and r["events"] == args.events for r in results), results
            secs = [r["seconds"] for r in results]
            peaks = [r["peak_mb"] for r in results]
            print(f"{backend}: verify of {args.events:,} events: median {statistics.median(secs):.1f} s "
                  f"(min {min(secs):.1f}, max {max(secs):.1f}), peak memory median {statistics.median(peaks):.0f} MB "
                  f"(max {max(peaks):.0f}), {args.repeat} verifies; load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
