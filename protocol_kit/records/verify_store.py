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


def require_run(store, run_id: str) -> None:
    """Refuse a run id the store does not hold, naming the near misses."""
    if not store._con.execute("SELECT 1 FROM events WHERE run_id=? LIMIT 1", (run_id,)).fetchone():
        raise UnknownNameError("run", run_id, store.run_ids())


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


class RunChecker:
    """Every check of one run, fed its rows a chunk at a time (:meth:`add`), in seq order;
    :meth:`finish` adds the receipt checks and gives the problems. ``receipts``: those given
    (of any run: this run's are used) on top of those found beside the store; ``registry``:
    the store's keys (:func:`.keys.registered_keys`)."""

    def __init__(self, store, run_id: str, receipts: Iterable, registry: Mapping) -> None:
        from .receipts import find_receipts

        self.store, self.registry = store, registry
        self.receipts = list(dict.fromkeys(r for r in [*receipts, *find_receipts(store.path, run_id)]
                                           if r.run_id == run_id))
        self.carry, self.kept = Carry(), _Kept(r.seq for r in self.receipts)
        self.problems: list[Problem] = []
        self.n = 0
        self.uncovered: tuple[int, int] | None = None

    def add(self, rows: list[Row]) -> None:
        from .keys import check_signatures

        carry = self.carry
        self.n += len(rows)
        self.problems += (check_rows(rows, carry) + check_chain(rows, carry) + check_signature_links(rows, carry)
                          + check_lock_rule(rows, carry))
        self.problems += self.store._check_blobs(rows)
        self.problems += check_signatures(rows, self.registry)
        self.kept.add(rows)
        carry.advance(rows)

    def finish(self) -> list[Problem]:
        from .receipts import check_receipts

        self.problems += check_receipts(self.kept.all(), self.receipts)
        self.uncovered = uncovered_tail(self.kept.all(), [r.to_dict() for r in self.receipts])
        return self.problems


def verify_store(store, run_id: str | None = None, receipts: Iterable = (), *, chunk: int = CHUNK) -> VerifyReport:
    """See :meth:`.store.Store.verify` and the module docstring."""
    from .keys import check_registry, registered_keys, registry_rows
    from .receipts import as_receipts, check_runs_present, find_receipts

    ids = [run_id] if run_id is not None else store.run_ids()
    if run_id is not None:
        require_run(store, run_id)
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
        checker = RunChecker(store, rid, given, registry)
        for rows in stream_rows(store, rid, chunk):
            checker.add(rows)
        problems += checker.finish()
        n += checker.n
        n_receipts += len(checker.receipts)
        if checker.uncovered is not None:
            uncovered[rid] = checker.uncovered
    problems = list(dict.fromkeys(problems))
    problems.sort(key=lambda p: (ids.index(p.run_id) if p.run_id in ids else len(ids), p.seq))
    if run_id is None:  # a receipt of a run the store no longer holds
        problems += check_runs_present(ids, [*given, *find_receipts(store.path)])
    return VerifyReport(tuple(ids), n, tuple(check_registry(key_rows) + problems), receipts=n_receipts,
                        uncovered=uncovered if n_receipts else {})
