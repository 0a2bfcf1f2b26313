"""Checking a run's hash chain: which event is broken, and how.

The checks work on rows as stored (the payload still as text), so a row that no longer parses
is reported rather than crashing the check. They are shared by the store and by import, which
checks a bundle's events before it writes any of them.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from .events import GENESIS, STARTED, event_hash


@dataclass(frozen=True)
class Row:
    """An event row as stored: the payload is the JSON text."""

    run_id: str
    seq: int
    time: str
    operator: str
    type: str
    payload: str
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class Problem:
    """One broken event: the run, the event's sequence number, and what is wrong."""

    run_id: str
    seq: int
    what: str

    def __str__(self) -> str:
        return f"run {self.run_id}: event {self.seq}: {self.what}"

    def to_dict(self) -> dict:
        return {"run_id": self.run_id, "seq": self.seq, "what": self.what}


@dataclass(frozen=True)
class VerifyReport:
    """The outcome of a verify: ``ok`` when no problem was found; ``first`` names the first
    broken event (lowest seq of the first run with a problem)."""

    runs: tuple[str, ...]
    events_checked: int
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> Problem | None:
        return self.problems[0] if self.problems else None

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        if self.ok:
            return f"ok: {len(self.runs)} run(s), {self.events_checked} event(s), chain intact"
        more = f" (+{len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        return f"BROKEN: {self.first}{more}"

    def to_dict(self) -> dict:
        return {"ok": self.ok, "runs": list(self.runs), "events_checked": self.events_checked,
                "problems": [p.to_dict() for p in self.problems]}


def check_chain(rows: Iterable[Row]) -> list[Problem]:
    """Problems in one run's rows (given in seq order): gaps, broken links, altered content."""
    problems: list[Problem] = []
    expected_seq, prev = 1, GENESIS
    for row in rows:
        def bad(what: str, row=row) -> None:
            problems.append(Problem(row.run_id, row.seq, what))

        if row.seq != expected_seq:
            bad(f"sequence gap: expected event {expected_seq}, found {row.seq} (events removed?)")
        if row.seq == 1 and row.type != STARTED:
            bad(f"first event is {row.type!r}, expected {STARTED!r}")
        if row.prev_hash != prev:
            bad(f"link broken: previous-hash is {row.prev_hash[:12]}..., the event before has {prev[:12]}...")
        try:
            payload = json.loads(row.payload)
        except (TypeError, ValueError):
            bad("payload is not valid JSON")
        else:
            computed = event_hash(row.prev_hash, row.run_id, row.seq, row.time, row.operator,
                                  row.type, payload)
            if computed != row.hash:
                bad(f"content altered: stored hash {row.hash[:12]}..., content hashes to {computed[:12]}...")
        expected_seq, prev = row.seq + 1, row.hash
    return problems
