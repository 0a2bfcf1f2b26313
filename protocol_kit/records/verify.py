"""Verifying a run's record: which event is broken, and how.

:func:`check_run` is the one entry every verify calls (store, run, import). It proves, for the
rows of one run as stored (the payload still as text):

1. every row is well formed: the fields have their types, the seq is a positive integer, the
   payload is a JSON object without NaN or infinities, with the keys its event type needs
   (:data:`PAYLOAD_KEYS`), amendments name an amendable earlier event (:func:`check_rows`);
2. the hash chain: seq 1, 2, 3 ... without gaps, each event links to the hash of the one before
   and hashes to its stored hash (:func:`check_chain`, the rule in :mod:`.events`);
3. each signature covers the event just before it (``covers_seq == seq - 1``) and its recorded
   ``record_hash`` is the chain's hash at ``covers_seq`` (:func:`check_signature_links`);
4. the lock rule: nothing after a signature but what :func:`.events.allowed_after_signing`
   allows (:func:`check_lock_rule`);
5. nothing lost or rewritten up to any receipt: the event at a receipt's ``seq`` exists and has
   the receipt's ``event_hash`` (:func:`check_receipts`).

What no check on the rows alone can prove: that no event was removed from the end of the run.
A chain cut after its last event is still a valid chain; only a receipt kept elsewhere (or a
head hash written down) shows the cut. :class:`VerifyReport` says so in its text.

A malformed row or payload is a :class:`Problem`, never an exception. The check of the stored
files against their SHA-256 needs the store (:meth:`.store.Store.verify`).
"""
from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import events as ev
from .carry import Carry
from .events import STARTED, event_hash

HEX64 = re.compile(r"^[0-9a-f]{64}$")


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
    """One broken event: the run, the event's sequence number, and what is wrong. ``seq`` is 0
    for a problem of the run as a whole (e.g. a receipt naming a run not in the store)."""

    run_id: str
    seq: int
    what: str

    def __str__(self) -> str:
        where = f"event {self.seq}: " if self.seq else ""
        return f"run {self.run_id}: {where}{self.what}"

    def to_dict(self) -> dict:
        return {"run_id": self.run_id, "seq": self.seq, "what": self.what}


@dataclass(frozen=True)
class VerifyReport:
    """The outcome of a verify: ``ok`` when no problem was found; ``first`` names the first
    broken event (lowest seq of the first run with a problem). ``receipts`` counts the receipts
    checked; ``uncovered`` maps each run to the last event no receipt covers beyond (the run's
    last seq when events follow its last receipt, or when it has no receipt): removal of
    those events from the end cannot be detected."""

    runs: tuple[str, ...]
    events_checked: int
    problems: tuple[Problem, ...]
    receipts: int = 0
    uncovered: Mapping[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> Problem | None:
        return self.problems[0] if self.problems else None

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        if not self.ok:
            more = f" (+{len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
            return f"BROKEN: {self.first}{more}"
        head = (f"ok: {len(self.runs)} run(s), {self.events_checked} event(s): chain, signature links "
                f"and lock rule hold")
        if not self.receipts:
            return head + "; no receipt checked: events removed from the end would not be detected"
        head += f"; {self.receipts} receipt(s) matched"
        if not self.uncovered:
            return head + ": complete up to the last event"
        tails = ", ".join(f"{rid} events {a}-{b}" if a != b else f"{rid} event {a}"
                          for rid, (a, b) in self.uncovered.items())
        return head + f"; no receipt covers {tails}: their removal could not be detected"

    def to_dict(self) -> dict:
        return {"ok": self.ok, "runs": list(self.runs), "events_checked": self.events_checked,
                "receipts": self.receipts, "uncovered": {k: list(v) for k, v in self.uncovered.items()},
                "problems": [p.to_dict() for p in self.problems]}


# -- well-formed rows ---------------------------------------------------------------------------
_TEXT, _INT, _DICT, _ANY = (str,), (int,), (dict,), (object,)
_OPT_TEXT = (str, type(None))
_KIND = {str: "a text", int: "a whole number", dict: "an object", object: "a value", type(None): "null"}
# The payload keys each event type needs, with their JSON types (what build_state reads).
PAYLOAD_KEYS: dict[str, dict[str, tuple[type, ...]]] = {
    ev.STARTED: {"protocol": _TEXT, "version": _TEXT, "params": _DICT, "plan_hash": _TEXT},
    ev.STEP_CHECKED: {"step_id": _TEXT},
    ev.NOTE: {"text": _TEXT},
    ev.DEVIATION: {"reason": _TEXT},
    ev.LOT: {"reagent": _TEXT, "lot": _TEXT},
    ev.VALUE: {"name": _TEXT, "value": _ANY},
    ev.DATA: {"name": _TEXT, "sha256": _TEXT, "size": _INT},
    ev.REPORT: {"name": _TEXT, "sha256": _TEXT, "size": _INT},
    ev.ANALYSIS: {"name": _TEXT, "result": _DICT},
    ev.SIGNATURE: {"name": _TEXT, "meaning": _TEXT, "record_hash": _TEXT, "covers_seq": _INT},
    ev.AMENDMENT: {"target_seq": _INT, "target_type": _TEXT, "reason": _TEXT, "changes": _DICT},
    ev.HANDOVER: {"from": _TEXT, "to": _TEXT},
    ev.EXCLUSION: {"kind": _TEXT, "item": _TEXT, "reason": _TEXT},
    ev.SUPERSEDED: {"name": _TEXT, "sha256": _TEXT, "reason": _TEXT},
}
OPTIONAL_KEYS: dict[str, dict[str, tuple[type, ...]]] = {
    ev.DEVIATION: {"step_id": _OPT_TEXT},
    ev.LOT: {"expiry": _OPT_TEXT},
}
# Which fields an amendment may change, by the type of the event it corrects (as state.AMENDABLE).
AMENDABLE_FIELDS: dict[str, tuple[str, ...]] = {
    ev.VALUE: ("value",), ev.LOT: ("lot", "expiry"), ev.NOTE: ("text",), ev.DEVIATION: ("reason",),
}


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse_payload(text: object) -> dict:
    """The payload text as a JSON object; ValueError (saying why) for anything else, NaN and
    infinities included (the hash rule cannot encode them). The checks of one chunk of rows
    each read every payload: the last :data:`PARSED` texts read are kept, so each is parsed
    once (the object returned is shared: read it, never change it)."""
    if not isinstance(text, str):
        raise ValueError(f"payload is a {type(text).__name__}, not JSON text")
    return _parse_text(text)


PARSED = 8192  # payloads kept parsed: more than a chunk of rows (verify_store.CHUNK)


@functools.lru_cache(maxsize=PARSED)
def _parse_text(text: str) -> dict:
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except ValueError as exc:
        raise ValueError(f"payload is not valid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise ValueError(f"payload is a JSON {type(value).__name__}, not an object")
    return value


def _is(value: object, types: tuple[type, ...]) -> bool:
    if types is _ANY:
        return True
    if isinstance(value, bool) and bool not in types:  # JSON true is not a number here
        return False
    return isinstance(value, types)


def _type_name(value: object) -> str:
    return "null" if value is None else type(value).__name__


def _where(row: Any, index: int) -> tuple[str, int]:
    """(run id, seq) to name a row by, even when its fields are of the wrong type."""
    run_id = row.run_id if isinstance(row.run_id, str) else str(row.run_id)
    seq = row.seq if isinstance(row.seq, int) and not isinstance(row.seq, bool) else index + 1
    return run_id, seq


def _row_problems(row: Any, index: int) -> tuple[list[str], dict | None]:
    """What is wrong with one row's fields and payload, and the payload (None if unreadable)."""
    out: list[str] = []
    for name in ("run_id", "time", "operator", "type", "prev_hash", "hash"):
        value = getattr(row, name, None)
        if not isinstance(value, str) or (name != "run_id" and not value.strip()):
            out.append(f"field {name} is {value!r} ({_type_name(value)}); expected a non-empty text")
    for name in ("prev_hash", "hash"):
        value = getattr(row, name, None)
        if isinstance(value, str) and value.strip() and not HEX64.match(value):
            out.append(f"field {name} is {value[:20]!r}; expected 64 hex digits (a SHA-256)")
    seq = row.seq
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        out.append(f"seq is {seq!r} ({_type_name(seq)}); expected a whole number from 1 on")
    if isinstance(row.type, str) and row.type not in ev.EVENT_TYPES:
        out.append(f"unknown event type {row.type!r} (known: {', '.join(ev.EVENT_TYPES)})")
    try:
        payload = parse_payload(row.payload)
    except ValueError as exc:
        return out + [str(exc)], None
    need = PAYLOAD_KEYS.get(row.type, {})
    for key, types in need.items():
        if key not in payload:
            out.append(f"{row.type} payload lacks the key {key!r} (needs: {', '.join(need)})")
        elif not _is(payload[key], types):
            out.append(f"{row.type} payload key {key!r} is {payload[key]!r} ({_type_name(payload[key])}); "
                       f"expected {' or '.join(_KIND[t] for t in types)}")
    for key, types in OPTIONAL_KEYS.get(row.type, {}).items():
        if key in payload and not _is(payload[key], types):
            out.append(f"{row.type} payload key {key!r} is {payload[key]!r}; expected a text or null")
    return out, payload


def check_rows(rows: Iterable[Any], carry: Carry | None = None) -> list[Problem]:
    """Problems of form in one run's rows: field types, payload JSON and keys, and amendments
    that name an earlier amendable event and only its amendable fields."""
    problems: list[Problem] = []
    types_by_seq = (carry or Carry()).types
    for i, row in enumerate(rows, carry.index if carry else 0):
        run_id, seq = _where(row, i)
        found, payload = _row_problems(row, i)
        problems += [Problem(run_id, seq, what) for what in found]
        if payload is not None and not found and row.type == ev.AMENDMENT:
            target, fields = payload["target_seq"], AMENDABLE_FIELDS.get(types_by_seq.get(payload["target_seq"], ""))
            if fields is None:
                problems.append(Problem(run_id, seq, f"amendment of event {target}, which is not an earlier "
                                        "value, lot, note or deviation"))
            else:
                bad = [k for k in payload["changes"] if k not in fields]
                if bad:
                    problems.append(Problem(run_id, seq, f"amendment changes {', '.join(map(repr, bad))} of "
                                            f"event {target}; a {types_by_seq[target]} may change only "
                                            f"{', '.join(fields)}"))
        if isinstance(seq, int) and isinstance(row.type, str):
            types_by_seq.setdefault(seq, row.type)
    return problems


# -- the chain ----------------------------------------------------------------------------------
def check_chain(rows: Iterable[Any], carry: Carry | None = None) -> list[Problem]:
    """Problems in one run's rows (given in seq order): gaps, broken links, altered content."""
    problems: list[Problem] = []
    carry = carry if carry is not None else Carry()
    expected_seq, prev = carry.expected_seq, carry.prev
    for i, row in enumerate(rows, carry.index):
        run_id, seq = _where(row, i)

        def bad(what: str) -> None:
            problems.append(Problem(run_id, seq, what))

        if row.seq != expected_seq:
            bad(f"sequence gap: expected event {expected_seq}, found {row.seq!r} (events removed?)")
        if row.seq == 1 and row.type != STARTED:
            bad(f"first event is {row.type!r}, expected {STARTED!r}")
        if row.prev_hash != prev:
            bad(f"link broken: previous-hash is {str(row.prev_hash)[:12]}..., the event before has {prev[:12]}...")
        try:
            payload = parse_payload(row.payload)
            computed = event_hash(row.prev_hash, row.run_id, row.seq, row.time, row.operator, row.type, payload)
        except (TypeError, ValueError):
            bad("content cannot be hashed (see the problems of form above); its hash is unproven")
        else:
            if computed != row.hash:
                bad(f"content altered: stored hash {str(row.hash)[:12]}..., content hashes to {computed[:12]}...")
        expected_seq = seq + 1
        prev = row.hash if isinstance(row.hash, str) else ""
    carry.expected_seq, carry.prev = expected_seq, prev
    return problems


# -- signatures and the lock rule ---------------------------------------------------------------
def _parsed(rows: list[Any]) -> list[tuple[Any, dict]]:
    """The rows whose payload parses, with the payload (the others are reported by check_rows)."""
    out = []
    for row in rows:
        try:
            out.append((row, parse_payload(row.payload)))
        except ValueError:
            continue
    return out


def check_signature_links(rows: Iterable[Any], carry: Carry | None = None) -> list[Problem]:
    """Each signature covers the event just before it and records that event's hash: a run
    rewritten and re-hashed after signing (the signature's payload left as signed) fails here.
    Given a Carry, the event before a chunk's first row is the previous chunk's last row."""
    rows = list(rows)
    hash_at = dict([carry.last_row] if carry is not None and carry.last_row else [])
    hash_at.update({r.seq: r.hash for r in rows if isinstance(r.seq, int)})
    problems = []
    for row, p in _parsed(rows):
        if row.type != ev.SIGNATURE or not isinstance(row.seq, int):
            continue
        covers, recorded = p.get("covers_seq"), p.get("record_hash")
        who = f"signature ({p.get('meaning')!r} by {p.get('name')!r})"
        if covers != row.seq - 1:
            problems.append(Problem(row.run_id, row.seq, f"{who} covers event {covers!r}; a signature covers "
                                    f"the event just before it ({row.seq - 1})"))
        elif covers not in hash_at:
            problems.append(Problem(row.run_id, row.seq, f"{who} covers event {covers}, which is missing"))
        elif recorded != hash_at[covers]:
            problems.append(Problem(row.run_id, row.seq, f"{who} signed event {covers} with hash "
                                    f"{str(recorded)[:12]}..., but event {covers} now has {str(hash_at[covers])[:12]}...: "
                                    f"the record was rewritten after it was signed"))
    return problems


def check_lock_rule(rows: Iterable[Any], carry: Carry | None = None) -> list[Problem]:
    """Nothing after a signature but what :func:`.events.allowed_after_signing` allows."""
    carry = carry if carry is not None else Carry()
    problems, meanings = [], carry.meanings
    for row, p in _parsed(list(rows)):
        last = carry.last_signature
        if meanings and not ev.allowed_after_signing(row.type, meanings):
            allowed = ("data files, exclusions, analyses, reports, signatures and amendments"
                       if all(m in ev.BENCH_MEANINGS for m in meanings) else "signatures and amendments")
            problems.append(Problem(row.run_id, row.seq if isinstance(row.seq, int) else 0,
                                    f"a {row.type!r} event after the run was signed ({', '.join(meanings)}; "
                                    f"last signature event {last}): the lock rule allows only {allowed}"))
        if row.type == ev.SIGNATURE:
            meanings.append(str(p.get("meaning")))
            carry.last_signature = row.seq
    return problems


# -- receipts -----------------------------------------------------------------------------------
def receipt_fields(receipt: object) -> tuple[str, int, str]:
    """(run id, seq, event hash) of a receipt; ValueError saying what is missing or wrong."""
    if not isinstance(receipt, Mapping):
        raise ValueError(f"a receipt is a mapping (JSON object), not a {type(receipt).__name__}")
    run_id, seq, digest = receipt.get("run_id"), receipt.get("seq"), receipt.get("event_hash")
    if not isinstance(run_id, str) or not run_id:
        raise ValueError(f"receipt run_id is {run_id!r}; expected a run id")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise ValueError(f"receipt for run {run_id}: seq is {seq!r}; expected a whole number from 1 on")
    if not isinstance(digest, str) or not HEX64.match(digest):
        raise ValueError(f"receipt for run {run_id}, event {seq}: event_hash is {str(digest)[:20]!r}; "
                         "expected 64 hex digits")
    return run_id, seq, digest


def check_receipts(rows: Iterable[Any], receipts: Iterable[Mapping]) -> list[Problem]:
    """For each receipt of this run: the event at its seq exists and has its event hash (that it
    is the signature the receipt holds: :func:`.receipts.check_receipts`). Receipts of other
    runs are skipped (the caller sorts receipts by run)."""
    rows = list(rows)
    by_seq = {r.seq: r for r in rows if isinstance(r.seq, int)}
    run_id = rows[0].run_id if rows else None
    last = max(by_seq, default=0)
    problems = []
    for receipt in receipts:
        try:
            rid, seq, digest = receipt_fields(receipt)
        except ValueError as exc:
            problems.append(Problem(str(run_id), 0, str(exc)))
            continue
        if rid != run_id:
            continue
        signer = f" ({receipt.get('meaning')} by {receipt.get('name')})" if receipt.get("name") else ""
        row = by_seq.get(seq)
        if row is None:
            problems.append(Problem(rid, seq, f"missing: the receipt of event {seq}{signer} names it with hash "
                                    f"{digest[:12]}..., and the run ends at event {last}: events were removed "
                                    f"(the run was truncated)"))
        elif row.hash != digest:
            problems.append(Problem(rid, seq, f"hash {str(row.hash)[:12]}... differs from the receipt's "
                                    f"{digest[:12]}...{signer}: the run was rewritten after the receipt"))
    return problems


def check_run(rows: Iterable[Any], receipts: Iterable[Mapping] = ()) -> list[Problem]:
    """Every check of one run's rows (see the module docstring), each problem once, in seq
    order. ``receipts``: mappings with at least ``run_id``, ``seq`` and ``event_hash``;
    those of other runs are skipped."""
    rows, receipts = list(rows), list(receipts)
    found = (check_rows(rows) + check_chain(rows) + check_signature_links(rows) + check_lock_rule(rows)
             + check_receipts(rows, receipts))
    unique = list(dict.fromkeys(found))
    return sorted(unique, key=lambda p: p.seq)
