"""The cost of one note at 100 and at 100,000 events in the run, on each backend (issue 17).

A run of each size (a start and N - 1 notes, a valid chain) is written in one import, the
store settled (SQLite's WAL checkpointed; PostgreSQL's table vacuumed and analysed), each run
opened and a note recorded once (the open reads the run and the first note folds its state:
once per Run object); then ``--notes`` notes are timed one by one, alternating between the runs. Prints the median per note at
each size and their ratio (large over small), per backend. PostgreSQL runs on a throwaway
server (tests/pg_server.py: initdb + pg_ctl in a temporary folder).

    PYTHONPATH=. .venv/bin/python benchmarks/note_cost.py [--sizes 100 100000] [--notes 31]
"""
from __future__ import annotations

import argparse
import statistics
import time

import protocol_kit as pk
from protocol_kit.records import Store, open_run
from protocol_kit.records.events import GENESIS, NOTE, STARTED, canonical_json, event_hash, utc_now
from protocol_kit.records.run import new_run_id
from protocol_kit.records.verify import Row
from tests.pg_server import bench_location

OPERATOR = "A. Smith"


def make_run(store: Store, n: int) -> str:
    p = pk.RadioligandBinding()
    run_id = new_run_id(p.id)
    rows, prev = [], GENESIS
    for seq in range(1, n + 1):
        type_, payload = (STARTED, {"protocol": p.id, "version": p.version, "params": p.raw_values(),
                                    "plan_hash": p.plan_hash, "protocol_kit": "bench"}) if seq == 1 \
            else (NOTE, {"text": f"note {seq}"})
        t = utc_now()
        digest = event_hash(prev, run_id, seq, t, OPERATOR, type_, payload)
        rows.append(Row(run_id, seq, t, OPERATOR, type_, canonical_json(payload), prev, digest))
        prev = digest
    store.import_rows(rows, {})
    return run_id


def settle(store: Store) -> None:
    """The store at rest after the bulk import: SQLite's WAL checkpointed, PostgreSQL's table
    vacuumed and analysed (as autovacuum would soon do), so the timing sees a steady store."""
    if store.backend.dialect == "sqlite":
        store.backend.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    else:
        store.backend.execute("VACUUM ANALYZE events")


def time_notes(store: Store, sizes: list[int], notes: int) -> dict[int, list[float]]:
    """Notes timed alternately on a run of each size (so the machine's load falls on both)."""
    runs = {n: make_run(store, n) for n in sizes}
    settle(store)
    opened = {n: open_run(rid, store, operator=OPERATOR) for n, rid in runs.items()}
    for run in opened.values():
        run.note("warm-up")  # the fold of the run's state, once per Run object
    out: dict[int, list[float]] = {n: [] for n in sizes}
    for i in range(notes):
        for n, run in opened.items():
            t0 = time.perf_counter()
            run.note(f"timed {i}")
            out[n].append(time.perf_counter() - t0)
    for n, run in opened.items():
        assert run.state.n_events == n + 1 + notes
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs=2, default=[100, 100_000])
    ap.add_argument("--notes", type=int, default=31)
    ap.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    args = ap.parse_args()
    for backend in args.backends:
        with bench_location(backend) as location, Store(location) as store:
            medians = {}
            timed = time_notes(store, args.sizes, args.notes)
            for n, times in timed.items():
                medians[n] = statistics.median(times)
                print(f"{backend}: note at {n:>7,} events: median {medians[n] * 1e3:.2f} ms "
                      f"(min {min(times) * 1e3:.2f}, max {max(times) * 1e3:.2f}, {args.notes} notes)")
            small, large = args.sizes
            print(f"{backend}: ratio {large:,} / {small:,} events: {medians[large] / medians[small]:.2f}")

if __name__ == "__main__":
    main()
