"""Events of a run and the hash that chains them.

Each event's hash is the SHA-256 of the canonical JSON of ``[previous hash, run id, seq, time,
operator, type, payload]``; the first event of a run chains to :data:`GENESIS`. Changing any
field of any event, or removing one, breaks the chain from that event on, which is how
:func:`protocol_kit.records.verify.check_chain` finds tampering.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

GENESIS = "0" * 64
# A run id as records/run.py new_run_id makes it: YYYYMMDD-<protocol id>-<6 hex>. Nothing else is
# accepted where a run id becomes a path (export, import, receipts).
RUN_ID = re.compile(r"^\d{8}-[a-z0-9]+(?:-[a-z0-9]+)*-[0-9a-f]{6}$")

# Event types. The run starts with STARTED; SIGNATURE locks it; after that only further
# signatures and amendments may be appended (see AFTER_LOCK).
STARTED = "started"
STEP_CHECKED = "step_checked"
NOTE = "note"
DEVIATION = "deviation"
LOT = "lot_recorded"
VALUE = "value_entered"
DATA = "data_attached"
ANALYSIS = "analysis_recorded"
REPORT = "report_rendered"
SIGNATURE = "signature"
AMENDMENT = "amendment"
HANDOVER = "handed_over"
# Analysis choices: a well or animal left out of the analysis, a data file superseded by a later
# one (kept in the record, left out of the analysis); each with its reason.
EXCLUSION = "excluded"
SUPERSEDED = "data_superseded"
EVENT_TYPES = (STARTED, STEP_CHECKED, NOTE, DEVIATION, LOT, VALUE, DATA, ANALYSIS, REPORT,
               SIGNATURE, AMENDMENT, HANDOVER, EXCLUSION, SUPERSEDED)
AFTER_LOCK = (SIGNATURE, AMENDMENT)
# The work on the data that may follow a "performed" signature (the bench work is signed, the
# data comes later): data files, the analysis choices on them, analyses and reports, until a
# signature of another meaning ("reviewed", "approved", "verified") closes them. "witnessed"
# co-signs the bench work.
ANALYSIS_EVENTS = (DATA, EXCLUSION, SUPERSEDED, ANALYSIS, REPORT)
BENCH_MEANINGS = ("performed", "witnessed")


def allowed_after_signing(type: str, meanings: list[str] | tuple[str, ...]) -> bool:
    """Whether an event of ``type`` may be appended to a run signed with ``meanings`` (in order).

    Unsigned: anything. Signed: signatures and amendments always; data files, analyses and
    reports while every signature is one of :data:`BENCH_MEANINGS`; nothing else."""
    if not meanings or type in AFTER_LOCK:
        return True
    return type in ANALYSIS_EVENTS and all(m in BENCH_MEANINGS for m in meanings)
# Events whose payload names a stored file by its SHA-256 (``payload["sha256"]``).
WITH_BLOB = (DATA, REPORT)


def canonical_json(obj: Any) -> str:
    """One text per value: sorted keys, no spaces, UTF-8, no NaN (raises ValueError)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def event_hash(prev_hash: str, run_id: str, seq: int, time: str, operator: str, type: str,
               payload: Any) -> str:
    """SHA-256 (hex) over the canonical JSON of the event's fields and the previous hash."""
    text = canonical_json([prev_hash, run_id, seq, time, operator, type, payload])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def utc_now() -> str:
    """The current time in UTC as ISO 8601 with microseconds, e.g. 2025-03-01T09:30:00.000001+00:00."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Event:
    """One recorded event, as stored. ``payload`` is the parsed JSON (treat it as read-only)."""

    run_id: str
    seq: int
    time: str
    operator: str
    type: str
    payload: dict = field(hash=False)
    prev_hash: str
    hash: str

    @classmethod
    def from_row(cls, row, payload: dict) -> Event:
        """The event of a stored row (:class:`.verify.Row`, payload as text) and its parsed payload."""
        return cls(row.run_id, row.seq, row.time, row.operator, row.type, payload, row.prev_hash, row.hash)

    def _fields(self, payload: Any) -> dict:
        return {"run_id": self.run_id, "seq": self.seq, "time": self.time, "operator": self.operator,
                "type": self.type, "payload": payload, "prev_hash": self.prev_hash, "hash": self.hash}

    def to_dict(self) -> dict:
        return self._fields(json.loads(canonical_json(self.payload)))

    def to_line(self) -> str:
        """The event as one line of an exported ``events.jsonl``: its canonical JSON and a newline
        (``canonical_json(self.to_dict())``, without copying the payload)."""
        return canonical_json(self._fields(self.payload)) + "\n"
