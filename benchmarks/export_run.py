"""Export of a 100,000-event run to .zip and .eln: time and peak memory (issue 17, item 4).

The run is written in bulk in this process (tests/records/big_store.py: valid chained events,
a start then notes, values and deviations) into an SQLite store. Each export runs in a fresh
child process, ``protocol-kit runs export RUN -o FILE --store DB`` as the CLI does it, with the
protocol_kit of ``--code`` (a checkout: this one, or main's for the figures before streaming);
the child reports its wall time and peak resident memory (``ru_maxrss``). ``--repeat``
exports per format, alternating the checkouts, medians printed.

    PYTHONPATH=. .venv/bin/python benchmarks/export_run.py [--events 100000] [--repeat 3] [--code . ../main]
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
from tests.records.big_store import add_run

CHILD = """
import contextlib, io, json, resource, sys, time
from protocol_kit.cli import main
t0 = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()):
    code = main(["runs", "export", sys.argv[1], "-o", sys.argv[2], "--store", sys.argv[3]])
print(json.dumps({"seconds": time.perf_counter() - t0, "code": code,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def export_once(code: str, run_id: str, out: Path, db: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(Path(code).resolve())}
    res = subprocess.run([sys.executable, "-c", CHILD, run_id, str(out), str(db)], capture_output=True,
                         text=True, env=env, check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--code", nargs="+", default=["."], help="checkouts whose protocol_kit exports")
    args = ap.parse_args()
    print(f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "runs.db"
        with Store(db) as store:
            run_id = add_run(store, args.events)
            store.backend.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        for suffix in (".zip", ".eln"):
            results: dict[str, list[dict]] = {c: [] for c in args.code}
            for i in range(args.repeat):
                for code in args.code:
                    out = Path(tmp) / f"out{i}{suffix}"
                    r = export_once(code, run_id, out, db)
                    assert r["code"] == 0, r
                    r["bytes"] = out.stat().st_size
                    out.unlink()
                    results[code].append(r)
            for code, rs in results.items():
                secs, peaks = [r["seconds"] for r in rs], [r["peak_mb"] for r in rs]
                print(f"{code}: {suffix} export of {args.events:,} events ({rs[0]['bytes'] / 1e6:.1f} MB): median "
                      f"{statistics.median(secs):.2f} s (min {min(secs):.2f}, max {max(secs):.2f}), peak memory "
                      f"median {statistics.median(peaks):.0f} MB (max {max(peaks):.0f}); "
                      f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
