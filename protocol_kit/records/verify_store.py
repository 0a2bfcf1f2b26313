"""Verifying a store's runs as they stream: each run's rows are read a chunk at a time
(:data:`CHUNK` rows, by the primary key ``(run_id, seq)``: ``seq > last`` ``ORDER BY seq``
``LIMIT n``, the same keyset read on SQLite and PostgreSQL) and each chunk goes through every
check of :func:`.verify.check_run` with a :class:`~.carry.Carry` holding what the checks need
from the rows before it (the chain's head, the event types by seq at one byte an event, the
signatures' meanings, the last row's hash). Memory is one chunk, plus the rows that receipts
name, plus the problems found: a 1,000,000-event store verifies in a few tens of MB
(benchmarks/verify_store.py).

The problems and their order are those of checking each run's rows as one list: per run,
form, chain, signature links and lock rule, then missing or altered files, then the
signatures' keys, then the receipts; each problem once; by run, then seq.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from ..errors import ProtocolKitError, UnknownNameError
from .carry import Carry
from .verify import Problem, Row, VerifyReport, check_chain, check_lock_rule, check_rows, check_signature_links

CHUNK = 5000
COLUMNS = "run_id, seq, time, operator, type, payload, prev_hash, hash"


def stream_rows(store, run_id: str, chunk: int = CHUNK) -> Iterator[list[Row]]:
    """A run's rows as stored, in seq order, ``chunk`` rows (at most) at a time."""
    sql = f"SELECT {COLUMNS} FROM events WHERE run_id=? AND seq>? ORDER BY seq LIMIT ?"
    first = f"SELECT {COLUMNS} FROM events WHERE run_id=? ORDER BY seq LIMIT ?"
    rows = [Row(*r) for r in store._con.execute(first, (run_id, chunk))]
    while rows:
        yield rows
        if len(rows) < chunk:
            return
        rows = [Row(*r) for r in store._con.execute(sql, (run_id, rows[-1].seq, chunk))]


class _Kept:
    """The few rows the receipt checks read: the first, those at the receipts' seqs, the last
    and the one with the highest whole-number seq (a list of them answers as the whole run)."""

    def __init__(self, seqs: Iterable[int]) -> None:
        self.seqs, self.rows, self.last, self.last_int = set(seqs), [], None, None

    def add(self, rows: list[Row]) -> None:
        for row in rows:
            if not self.rows and self.last is None or row.seq in self.seqs:
                self.rows.append(row)
            self.last = row
            if isinstance(row.seq, int) and (self.last_int is None or row.seq >= self.last_int.seq):
                self.last_int = row

    def all(self) -> list[Row]:
        return self.rows + [r for r in (self.last_int, self.last) if r is not None]


def uncovered_tail(rows: Iterable, receipts: Iterable[Mapping]) -> tuple[int, int] | None:
    """(first, last) seq of the events after the run's last matching receipt (all of them when
    no receipt is of this run), or None when a receipt covers the last event."""
    from .verify import receipt_fields

    rows = list(rows)
    seqs = [r.seq for r in rows if isinstance(r.seq, int)]
    if not seqs:
        return None
    run_id, last = rows[0].run_id, max(seqs)
    covered = 0
    for receipt in receipts:
        try:
            rid, seq, _ = receipt_fields(receipt)
        except ValueError:
            continue
        if rid == run_id:
            covered = max(covered, seq)
    return (covered + 1, last) if covered < last else None


def verify_store(store, run_id: str | None = None, receipts: Iterable = (), *, chunk: int = CHUNK) -> VerifyReport:
    """See :meth:`.store.Store.verify` and the module docstring."""
    from .keys import check_registry, check_signatures, registered_keys, registry_rows
    from .receipts import as_receipts, check_receipts, check_runs_present, find_receipts

    ids = [run_id] if run_id is not None else store.run_ids()
    if run_id is not None and not store._con.execute(
            "SELECT 1 FROM events WHERE run_id=? LIMIT 1", (run_id,)).fetchone():
        raise UnknownNameError("run", run_id, store.run_ids())
    problems: list[Problem] = []
    n, uncovered, n_receipts = 0, {}, 0
    key_rows = registry_rows(store)
    registry = registered_keys(key_rows)
    given = as_receipts(receipts)
    other = sorted({r.run_id for r in given} - {run_id}) if run_id is not None else []
    if other:
        raise ProtocolKitError(f"verify {run_id}: receipt(s) given of another run ({', '.join(other)}); "
                               "give the receipts of this run, or verify the whole store")
    for rid in ids:
        mine = list(dict.fromkeys(r for r in [*given, *find_receipts(store.path, rid)] if r.run_id == rid))
        carry, kept = Carry(), _Kept(r.seq for r in mine)
        for rows in stream_rows(store, rid, chunk):
            n += len(rows)
            problems += (check_rows(rows, carry) + check_chain(rows, carry) + check_signature_links(rows, carry)
                         + check_lock_rule(rows, carry))
            problems += store._check_blobs(rows)
            problems += check_signatures(rows, registry)
            kept.add(rows)
            carry.advance(rows)
        problems += check_receipts(kept.all(), mine)
        n_receipts += len(mine)
        tail = uncovered_tail(kept.all(), [r.to_dict() for r in mine])
        if tail is not None:
            uncovered[rid] = tail
    problems = list(dict.fromkeys(problems))
    problems.sort(key=lambda p: (ids.index(p.run_id) if p.run_id in ids else len(ids), p.seq))
    if run_id is None:  # a receipt of a run the store no longer holds
        problems += check_runs_present(ids, [*given, *find_receipts(store.path)])
    return VerifyReport(tuple(ids), n, tuple(check_registry(key_rows) + problems), receipts=n_receipts,
                        uncovered=uncovered if n_receipts else {})
