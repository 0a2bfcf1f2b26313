"""Eight processes writing at once, on each backend (issue 17): 8 x 200 notes into one run, and
into 8 runs (one each). Prints events/s (all events over the wall time from the processes'
common start to the last one's end) and checks nothing was lost or duplicated and every chain
verifies. PostgreSQL runs on a throwaway server (tests/pg_server.py).

    PYTHONPATH=. .venv/bin/python benchmarks/concurrent_writers.py [--procs 8] [--events 200]
"""
from __future__ import annotations

import argparse
import multiprocessing
import time
from collections import Counter

import protocol_kit as pk
from protocol_kit.records import Store
from tests.pg_server import bench_location


def _writer(location, run_id: str, name: str, n: int, gate, out) -> None:
    run = pk.open_run(run_id, location, operator=name)
    gate.wait(120)
    t0 = time.perf_counter()
    for k in range(n):
        run.note(f"{name}-{k}")
    out.put((name, t0, time.perf_counter()))
    run.store.close()


def trial(location, procs: int, events: int, shared: bool) -> tuple[float, str]:
    p = pk.RadioligandBinding()
    with Store(location) as st:
        ids = [p.start_run("A. Smith", store=st).id for _ in range(1 if shared else procs)]
    ctx = multiprocessing.get_context("fork")
    gate, out = ctx.Barrier(procs + 1), ctx.Queue()
    names = [f"w{i}" for i in range(procs)]
    workers = [ctx.Process(target=_writer, args=(location, ids[0 if shared else i], name, events, gate, out))
               for i, name in enumerate(names)]
    for w in workers:
        w.start()
    gate.wait(120)
    start = time.perf_counter()
    done = [out.get(timeout=600) for _ in workers]
    for w in workers:
        w.join(60)
    wall = max(d[2] for d in done) - start
    with Store(location) as st:
        notes = Counter()
        ok = True
        for rid in ids:
            run = pk.open_run(rid, st)
            notes.update(n.text for n in run.notes)
            ok = ok and run.verify().ok and [e.seq for e in run.events] == list(range(1, len(run.events) + 1))
    expected = {f"{n}-{k}" for n in names for k in range(events)}
    lost = len(expected - set(notes))
    duplicated = sum(c - 1 for c in notes.values() if c > 1)
    return procs * events / wall, f"lost {lost}, duplicated {duplicated}, chains {'intact' if ok else 'BROKEN'}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--procs", type=int, default=8)
    ap.add_argument("--events", type=int, default=200)
    ap.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    args = ap.parse_args()
    for backend in args.backends:
        with bench_location(backend) as location:
            for shared in (True, False):
                rate, check = trial(location, args.procs, args.events, shared)
                where = "one run" if shared else f"{args.procs} runs"
                print(f"{backend}: {args.procs} processes x {args.events} notes into {where}: "
                      f"{rate:,.0f} events/s; {check}")

if __name__ == "__main__":
    main()
