"""The store: every run's events and attached files, in one SQLite file (the embedded default)
or a PostgreSQL database shared by a lab (``postgresql://...``; :mod:`.backend`, :mod:`.pg`,
:mod:`.members`). What follows is said of SQLite; PostgreSQL does the same with a
transaction-scoped advisory lock per run in place of SQLite's write lock.

- WAL mode, ``synchronous=FULL``, one ``BEGIN IMMEDIATE`` transaction per event: the writer
  reads the run's last event, chains the new one to it and commits, so two processes appending
  to the same run serialise on SQLite's write lock and never fork the chain.
- Append-only: triggers refuse UPDATE and DELETE on ``events`` and ``blobs``.
- Files are stored unchanged in ``blobs``, keyed by their SHA-256, in the same transaction as
  the event that names them, so an event never points at a file that was not written.
- The lock rule (nothing but signatures and amendments after a signature) is checked inside
  the same transaction, so it holds against a concurrent writer too; so are the caller's
  once-only rules (``guard``: a step ticked once, a value name entered once, ...), so two
  processes or threads racing to record the same thing record it once and the other is refused.
- Threads: a Store (and a Run on it) may be shared between threads. Its one connection is
  opened with ``check_same_thread=False`` and every statement, and every write transaction
  from ``BEGIN IMMEDIATE`` to ``COMMIT``, runs under the store's re-entrant lock, so threads take
  turns and never see each other's uncommitted writes.

Default location: ``$PROTOCOL_KIT_STORE`` if set (a path or a ``postgresql://`` URL), else
``protocol_kit.db`` in the working directory.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import astuple, dataclass
from pathlib import Path

from ..errors import ProtocolKitError, RecordLockedError, UnknownNameError
from .backend import BUSY_TIMEOUT_S, COLUMNS, DEFAULT_NAME, STORE_ENV, default_location, open_backend
from .events import (AFTER_LOCK, GENESIS, SIGNATURE, WITH_BLOB, Event, allowed_after_signing, canonical_json,
                     event_hash, utc_now)
from .verify import Problem, Row, VerifyReport

__all__ = ["BUSY_TIMEOUT_S", "DEFAULT_NAME", "STORE_ENV", "RunSummary", "Store", "as_store", "default_store_path"]
SCHEMA_VERSION = "1"  # the event format (meta.schema); the tables' migrations are in schema.py
_COLUMNS = COLUMNS


def default_store_path() -> Path:
    """``$PROTOCOL_KIT_STORE`` if set (and not empty), else ``./protocol_kit.db``. A
    ``postgresql://`` URL there is not a path: see :func:`.backend.default_location`."""
    env = os.environ.get(STORE_ENV, "").strip()
    return Path(env) if env else Path.cwd() / DEFAULT_NAME


@dataclass(frozen=True)
class RunSummary:
    """One line of ``runs list``: who started what, when, how many events, signed or not."""

    run_id: str
    protocol: str
    version: str
    started: str
    operator: str
    events: int
    last: str
    signed: bool

    def to_dict(self) -> dict:
        return dict(self.__dict__)


class Store:
    """A protocol_kit store (see the module docstring). ``create=False`` refuses a missing file
    instead of creating an empty store (for commands that only read)."""

    def __init__(self, path: str | os.PathLike | None = None, *, create: bool = True) -> None:
        location = path if path is not None else default_location()
        self.backend = open_backend(location, create=create)
        self._con = self.backend  # the statements' connection (keys.py reads the registry through it)
        self.path = self.backend.path  # an SQLite file; for PostgreSQL, where receipts are kept
        self.location = self.backend.location
        if self.backend.dialect == "sqlite":
            self._open_sqlite(create)
        else:
            self._check_version()

    def _open_sqlite(self, create: bool) -> None:
        """Check an SQLite file is a protocol_kit store (or empty, when creating) and bring its
        tables up to date (:func:`.schema.migrate`: one person's file, migrated on open)."""
        import sqlite3

        from .schema import migrate

        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                tables = self.backend.tables()
                if (tables or not create) and "meta" not in tables:
                    self.backend.close()
                    raise sqlite3.DatabaseError("an SQLite database without protocol_kit's tables"
                                                if tables else "an empty file")
                self._con.execute("PRAGMA journal_mode=WAL")
                self._con.execute("PRAGMA synchronous=FULL")
                migrate(self.backend)
                schema = self._con.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
                break
            except sqlite3.OperationalError as exc:
                # SQLite answers "locked" without waiting in a few cases (a file being made WAL by
                # another process as it opens): every step above may be taken again
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise ProtocolKitError(f"store: {str(self.path)!r} is not a protocol_kit store ({exc})") from None
                if time.monotonic() > deadline:
                    raise ProtocolKitError(f"store: {str(self.path)!r} stayed locked by another process for "
                                           f"{BUSY_TIMEOUT_S:g} s ({exc}); try again when it is done") from None
                time.sleep(0.05)
            except sqlite3.DatabaseError as exc:
                raise ProtocolKitError(f"store: {str(self.path)!r} is not a protocol_kit store ({exc})") from None
        if schema[0] != SCHEMA_VERSION:
            raise ProtocolKitError(f"store: {str(self.path)!r} has schema {schema[0]!r}; "
                                   f"this protocol_kit reads schema {SCHEMA_VERSION!r}")

    def _check_version(self) -> None:
        """A PostgreSQL store is made and upgraded by its admin (``protocol-kit store init|upgrade``):
        refuse one that is not, or not yet, at this protocol_kit's migration."""
        from .schema import LATEST, applied_versions

        done = applied_versions(self.backend)
        if not done or max(done) < LATEST:
            self.backend.close()
            what = "has no protocol_kit tables" if not done else f"is at migration {max(done)} of {LATEST}"
            verb = "init" if not done else "upgrade"
            raise ProtocolKitError(f"store: {self.location} {what}; its admin runs: protocol-kit store {verb} URL")
        if max(done) > LATEST:
            self.backend.close()
            raise ProtocolKitError(f"store: {self.location} is at migration {max(done)}; this protocol_kit knows "
                                   f"{LATEST} (upgrade protocol_kit)")

    # -- plumbing ----------------------------------------------------------------------------
    def close(self) -> None:
        self.backend.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.location!r})"

    @contextmanager
    def _write(self, lock_key: str = "") -> Iterator:
        """One write transaction: no other writer to ``lock_key`` (on SQLite: to the file)
        commits until it ends, and other threads wait for the store's lock."""
        with self.backend.write(lock_key) as con:
            yield con

    # -- writing -----------------------------------------------------------------------------
    def append(self, run_id: str, operator: str, type: str, payload: Mapping, *,
               blobs: Mapping[str, bytes] | None = None, new_run: bool = False,
               covers_head: bool = False, guard: Callable[[], None] | None = None,
               seal: Callable[[dict, str], dict] | None = None, project: str | None = None) -> Event:
        """Append one event (and the files it names) in one transaction; returns it as stored.

        ``new_run`` must be True for the run's first event and only then; ``project`` is the
        new run's project on PostgreSQL (None: the member's only project; SQLite has none).
        Raises :class:`RecordLockedError` when the run is signed and the event is not a
        signature or an amendment. ``covers_head`` adds ``record_hash`` and ``covers_seq``
        (the run's last event before this one) to the payload inside the transaction, as a
        signature needs; ``seal(payload, time)`` then returns the payload to store (a signature
        signs it there). ``guard`` is called inside the transaction, after the lock rule and
        before the write: whatever it reads from this store is every event committed so far
        (no other writer to the run can commit until this one ends), and an exception it raises
        refuses the event (nothing is written). :class:`~.run.Run` passes its once-only rules
        this way. The chain's head is one indexed read (the run's last event), so an append
        costs the same at any length of the run.
        """
        payload = json.loads(canonical_json(dict(payload)))  # exactly what a reader will parse
        if new_run:
            project = self._new_run_project(project)
        elif project is not None:
            raise ProtocolKitError("store: project= is given for a run's first event only")
        with self._write(run_id) as con:
            last = con.head(run_id)
            if new_run and last is not None:
                raise ProtocolKitError(f"run {run_id!r} already exists in {self.location}")
            if not new_run and last is None:
                raise UnknownNameError("run", run_id, self.run_ids())
            if not new_run and type not in AFTER_LOCK:
                self._refuse_if_signed(con, run_id, type)
            if guard is not None:
                guard()
            seq, prev, project = (last[0] + 1, last[1], last[2]) if last else (1, GENESIS, project)
            if covers_head:
                payload = {**payload, "record_hash": prev, "covers_seq": seq - 1}
            time = utc_now()
            if seal is not None:
                payload = seal(payload, time)
            digest = event_hash(prev, run_id, seq, time, operator, type, payload)
            for sha, data in (blobs or {}).items():
                con.put_blob(sha, data, project)
            con.put_events([(run_id, seq, time, operator, type, canonical_json(payload), prev, digest)], project)
        return Event(run_id, seq, time, operator, type, payload, prev, digest)

    def _new_run_project(self, project: str | None) -> str:
        if self.backend.dialect == "sqlite":
            if project is not None:
                raise ProtocolKitError(f"project: {project!r} given, but {self.location} is an SQLite file, which "
                                       "has no projects; projects need a PostgreSQL store (postgresql://...)")
            return ""
        return self.backend.project_for_new_run(project)

    def _refuse_if_signed(self, con, run_id: str, type: str) -> None:
        """Inside the append's transaction: refuse what the run's signatures close
        (:func:`~.events.allowed_after_signing`)."""
        sigs = con.execute("SELECT seq, operator, time, payload FROM events WHERE run_id=? AND type=? ORDER BY seq",
                           (run_id, SIGNATURE)).fetchall()
        meanings = [json.loads(row[3]).get("meaning", "") for row in sigs]
        if not allowed_after_signing(type, meanings):
            seq, who, time = sigs[-1][:3]
            raise RecordLockedError(
                f"run {run_id} is signed ({', '.join(meanings)}; last signature event {seq}, {who}, {time}), "
                f"so {type!r} cannot be recorded")

    def import_rows(self, rows: list[Row], blobs: Mapping[str, bytes], project: str | None = None) -> None:
        """Write a whole run's rows verbatim (times, operators and hashes kept), with its files,
        in one transaction. The run must not exist here yet. Callers check the chain first."""
        if not rows:
            raise ProtocolKitError("import: the bundle holds no events")
        run_id = rows[0].run_id
        project = self._new_run_project(project)
        with self._write(run_id) as con:
            if con.head(run_id) is not None:
                raise ProtocolKitError(f"import: run {run_id!r} already exists in {self.location}")
            for sha, data in blobs.items():
                con.put_blob(sha, data, project)
            from .keys import register_signers

            con.take("@keys")
            register_signers(con, rows, self.location)  # first use: the bundle's signers' keys
            con.put_events([astuple(r) for r in rows], project)

    # -- reading -----------------------------------------------------------------------------
    def run_ids(self) -> list[str]:
        return [r[0] for r in self._con.execute("SELECT DISTINCT run_id FROM events ORDER BY run_id")]

    def rows(self, run_id: str) -> list[Row]:
        """A run's rows as stored (payload as text), in seq order."""
        cur = self._con.execute(f"SELECT {_COLUMNS} FROM events WHERE run_id=? ORDER BY seq", (run_id,))
        return [Row(*r) for r in cur]

    def events(self, run_id: str, after: int = 0) -> list[Event]:
        """A run's events with seq > ``after``, in order (raises for an unknown run)."""
        cur = self._con.execute(f"SELECT {_COLUMNS} FROM events WHERE run_id=? AND seq>? ORDER BY seq",
                                (run_id, after))
        out = []
        for r in cur:
            row = Row(*r)
            try:
                payload = json.loads(row.payload)
            except ValueError:
                raise ProtocolKitError(f"run {run_id}: event {row.seq} is not readable JSON; "
                                       f"run 'protocol-kit runs verify {run_id}'") from None
            out.append(Event.from_row(row, payload))
        if not out and after == 0:
            raise UnknownNameError("run", run_id, self.run_ids())
        return out

    def blob(self, sha256: str) -> bytes:
        """The stored file with this SHA-256, byte for byte."""
        row = self._con.execute("SELECT data FROM blobs WHERE sha256=?", (sha256,)).fetchone()
        if row is None:
            raise ProtocolKitError(f"store: no file with SHA-256 {sha256} in {self.location}")
        return bytes(row[0])

    def runs(self) -> list[RunSummary]:
        """One summary per run, oldest first."""
        cur = self._con.execute(
            "SELECT e.run_id, e.payload, e.time, e.operator, agg.n, agg.last, agg.signed FROM events e "
            "JOIN (SELECT run_id, COUNT(*) AS n, MAX(time) AS last, SUM(CASE WHEN type=? THEN 1 ELSE 0 END) AS signed "
            "      FROM events GROUP BY run_id) agg ON agg.run_id = e.run_id "
            "WHERE e.seq = 1 ORDER BY e.time, e.run_id", (SIGNATURE,))
        out = []
        for run_id, payload, time, operator, n, last, signed in cur:
            try:
                p = json.loads(payload)
            except ValueError:
                p = {}
            out.append(RunSummary(run_id, str(p.get("protocol", "?")), str(p.get("version", "?")),
                                  time, operator, n, last, bool(signed)))
        return out

    # -- checking ----------------------------------------------------------------------------
    def verify(self, run_id: str | None = None, receipts: Iterable = ()) -> VerifyReport:
        """Check one run (or every run) as its rows stream from the store, a chunk at a time
        (:func:`.verify_store.verify_store`): form, chain, signature links, lock rule, the files
        its events name against their SHA-256, the signatures' keys and every receipt given or
        found beside the store. The report says which events no receipt covers: their removal
        from the end of a run cannot be detected."""
        from .verify_store import verify_store

        return verify_store(self, run_id, receipts)

    def _check_blobs(self, rows: list[Row]) -> list[Problem]:
        problems = []
        for row in rows:
            if row.type not in WITH_BLOB:
                continue
            try:
                sha = json.loads(row.payload)["sha256"]
            except (ValueError, KeyError, TypeError):
                continue  # the chain check reports the altered payload
            if not isinstance(sha, str):
                continue  # check_run reports the payload's wrong type
            found = self._con.execute("SELECT size, data FROM blobs WHERE sha256=?", (sha,)).fetchone()
            if found is None:
                problems.append(Problem(row.run_id, row.seq, f"attached file {sha[:12]}... is missing from the store"))
            elif hashlib.sha256(found[1]).hexdigest() != sha or found[0] != len(found[1]):
                problems.append(Problem(row.run_id, row.seq, f"attached file {sha[:12]}... was altered "
                                        f"(its bytes no longer hash to its SHA-256)"))
        return problems


def as_store(store: Store | str | os.PathLike | None, *, create: bool = True) -> Store:
    """A Store from a Store, a path or ``postgresql://`` URL, or None (the default location)."""
    return store if isinstance(store, Store) else Store(store, create=create)

