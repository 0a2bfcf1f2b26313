"""The seam between the record and its database: one small interface, two backends.

:class:`~.store.Store` speaks SQL with ``?`` placeholders to a backend, which offers:

- ``execute(sql, params)`` -> the rows, read whole (``fetchone``/``fetchall`` on them);
  ``executemany(sql, rows)``;
- ``write(lock_key)``: one write transaction, as a context manager yielding the backend; no
  other writer to ``lock_key`` (a run id, or ``@keys``) commits until it ends;
- ``head(run_id)`` -> (seq, hash, project) of the run's last event, or None (one indexed read);
- ``put_blob(sha256, data, project)``, ``put_events(rows, project)``;
- ``has_table(name)``, ``close()``; ``dialect``, ``location`` (for messages) and ``path``
  (where receipts are kept beside the store).

:class:`SQLiteBackend` is the embedded default (one file, exactly as before);
``postgresql://`` and ``postgres://`` locations open :class:`~.pg.PostgresBackend` (psycopg 3,
imported only then).
"""
from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import ProtocolKitError

STORE_ENV = "PROTOCOL_KIT_STORE"
DEFAULT_NAME = "protocol_kit.db"
BUSY_TIMEOUT_S = 60.0
URL_SCHEMES = ("postgresql://", "postgres://")
COLUMNS = "run_id, seq, time, operator, type, payload, prev_hash, hash"


def is_url(location: object) -> bool:
    """Whether ``location`` names a PostgreSQL store (``postgresql://...``)."""
    return isinstance(location, str) and location.startswith(URL_SCHEMES)


class Rows(list):
    """The rows of one statement, read whole under the lock (a cursor's fetchone/fetchall)."""

    def fetchone(self):
        return self[0] if self else None

    def fetchall(self) -> list:
        return list(self)


class SQLiteBackend:
    """An SQLite file shared by threads: each statement runs and its rows are read under
    ``lock`` (re-entrant; a write transaction holds it from BEGIN IMMEDIATE to COMMIT, and
    SQLite's write lock serialises other processes)."""

    dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.location = str(path)
        self.lock = threading.RLock()
        self._con = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)

    def execute(self, sql: str, params=()) -> Rows:
        with self.lock:
            return Rows(self._con.execute(sql, params).fetchall())

    def executemany(self, sql: str, rows) -> None:
        with self.lock:
            self._con.executemany(sql, rows)

    def close(self) -> None:
        with self.lock:
            self._con.close()

    def has_table(self, name: str) -> bool:
        return bool(self.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)))

    def tables(self) -> set[str]:
        return {r[0] for r in self.execute("SELECT name FROM sqlite_master WHERE type='table'")}

    @contextmanager
    def write(self, lock_key: str = "") -> Iterator[SQLiteBackend]:
        with self.lock:
            self.execute("BEGIN IMMEDIATE")
            try:
                yield self
            except BaseException:
                self.execute("ROLLBACK")
                raise
            self.execute("COMMIT")

    def take(self, lock_key: str) -> None:
        """Inside a write: also hold ``lock_key`` (SQLite's write lock already covers the file)."""

    def head(self, run_id: str) -> tuple[int, str, str] | None:
        row = self.execute("SELECT seq, hash FROM events WHERE run_id=? ORDER BY seq DESC LIMIT 1",
                           (run_id,)).fetchone()
        return None if row is None else (row[0], row[1], "")

    def put_blob(self, sha256: str, data: bytes, project: str = "") -> None:
        self.execute("INSERT OR IGNORE INTO blobs (sha256, size, data) VALUES (?, ?, ?)",
                     (sha256, len(data), sqlite3.Binary(data)))

    def put_events(self, rows, project: str = "") -> None:
        self.executemany(f"INSERT INTO events ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)


def default_location() -> str | Path:
    """``$PROTOCOL_KIT_STORE`` if set (a file path or a ``postgresql://`` URL), else
    ``./protocol_kit.db``."""
    env = os.environ.get(STORE_ENV, "").strip()
    if is_url(env):
        return env
    return Path(env) if env else Path.cwd() / DEFAULT_NAME


def open_backend(location: str | os.PathLike, *, create: bool):
    """The backend for a location: a PostgreSQL URL or an SQLite file path."""
    if is_url(location):
        from .pg import PostgresBackend

        return PostgresBackend(str(location))
    path = Path(location)
    if not create and not path.is_file():
        raise ProtocolKitError(f"store: {str(path)!r} does not exist; give an existing store file "
                               f"(--store or ${STORE_ENV})")
    if path.is_dir():
        raise ProtocolKitError(f"store: {str(path)!r} is a folder; give a file such as {DEFAULT_NAME}")
    return SQLiteBackend(path)
