"""A store of long runs, written fast for the streaming tests and benchmarks/verify_store.py:
valid chained events (a start, then notes, values and deviations) inserted in bulk, a chunk
per transaction, without building the run in memory."""
from __future__ import annotations

from collections.abc import Iterator

import protocol_kit as pk
from protocol_kit.records.events import DEVIATION, GENESIS, NOTE, STARTED, VALUE, canonical_json, event_hash
from protocol_kit.records.run import new_run_id

OPERATOR = "A. Smith"
TIME = "2026-12-06T09:00:00.000000+00:00"


def event_rows(run_id: str, n: int) -> Iterator[tuple]:
    """The ``n`` rows of a valid run: its start, then a note, a value and a deviation in turn."""
    p = pk.RadioligandBinding()
    prev = GENESIS
    for seq in range(1, n + 1):
        if seq == 1:
            type_, payload = STARTED, {"protocol": p.id, "version": p.version, "params": p.raw_values(),
                                       "plan_hash": p.plan_hash, "protocol_kit": "bench"}
        else:
            type_, payload = [(NOTE, {"text": f"note {seq}"}), (VALUE, {"name": f"v{seq}", "value": seq}),
                              (DEVIATION, {"reason": f"late by {seq} s", "step_id": None})][seq % 3]
        digest = event_hash(prev, run_id, seq, TIME, OPERATOR, type_, payload)
        yield (run_id, seq, TIME, OPERATOR, type_, canonical_json(payload), prev, digest)
        prev = digest


def add_run(store, n: int, chunk: int = 20_000) -> str:
    """Write a run of ``n`` valid events into ``store``; returns its id."""
    run_id = new_run_id("radioligand-binding")
    project = "" if store.backend.dialect == "sqlite" else store.backend.project_for_new_run(None)
    batch = []
    for row in event_rows(run_id, n):
        batch.append(row)
        if len(batch) == chunk:
            _put(store, run_id, batch, project)
            batch = []
    if batch:
        _put(store, run_id, batch, project)
    return run_id


def _put(store, run_id: str, rows: list, project: str) -> None:
    with store.backend.write(run_id) as con:
        con.put_events(rows, project)
