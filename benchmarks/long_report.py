"""The PDF report of a 10,000-event run: time and peak memory (issue 17).

A binding run is recorded through the API: every step ticked, a lot, the simulated counts
attached, then notes, values, deviations (one in 250 events) and amendments (one in 500) up
to ``--events``, and the analysis. The PDF report is then rendered ``--repeat`` times, each in
a fresh child process (``protocol-kit``'s ``write_report`` of the stored run), which reports
its wall time and peak resident memory (``ru_maxrss``); medians printed. Above 200 events the
report summarises the audit trail and attaches it in full (protocol_kit.reports.run_view).

    PYTHONPATH=. .venv/bin/python benchmarks/long_report.py [--events 10000] [--repeat 3]
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
import time
from pathlib import Path

import protocol_kit as pk
from protocol_kit.records import Store
from tests.bench import tick_rest

CHILD = """
import json, resource, sys, time
from pathlib import Path
from protocol_kit.records import Store, open_run
from protocol_kit.reports.report import write_report
t0 = time.perf_counter()
with Store(sys.argv[1], create=False) as s:
    write_report(open_run(sys.argv[2], s), Path(sys.argv[3]))
print(json.dumps({"seconds": time.perf_counter() - t0,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def long_run(store: Store, n: int):
    p = pk.RadioligandBinding()
    run = p.start_run(operator="A. Smith", store=store)
    tick_rest(run)
    run.record_lot("NaCl", "LOT-4711")
    run.attach_data(p.simulate(seed=1), name="counts.csv")
    i = 0
    while run.state.n_events < n - 1:
        i += 1
        if i % 250 == 0:
            run.deviation(f"incubator door opened ({i})")
        elif i % 500 == 1 and i > 1:
            run.amend(run.state.notes[-1].seq, "typo", text=f"corrected note {i}")
        elif i % 3 == 0:
            run.enter_value(f"reading {i}", i * 0.5)
        else:
            run.note(f"observation {i}: plate looks as expected")
    run.analyse()
    return run


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", help="copy the last PDF here")
    args = ap.parse_args()
    print(f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "long.db"
        t0 = time.perf_counter()
        with Store(db) as store:
            run = long_run(store, args.events)
            run_id, n = run.id, run.state.n_events
        print(f"recorded a run of {n:,} events in {time.perf_counter() - t0:.1f} s")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [os.getcwd(), os.environ.get("PYTHONPATH")]))}
        out = Path(args.keep) if args.keep else Path(tmp) / "report.pdf"
        results = []
        for _ in range(args.repeat):
            done = subprocess.run([sys.executable, "-c", CHILD, str(db), run_id, str(out)], capture_output=True,
                                  text=True, env=env, check=True)
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        secs, peaks = [r["seconds"] for r in results], [r["peak_mb"] for r in results]
        print(f"PDF report of {n:,} events: median {statistics.median(secs):.1f} s (min {min(secs):.1f}, "
              f"max {max(secs):.1f}), peak memory median {statistics.median(peaks):.0f} MB (max {max(peaks):.0f}), "
              f"{args.repeat} renders, {out.stat().st_size:,} bytes; load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
