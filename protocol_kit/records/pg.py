"""The PostgreSQL backend (psycopg 3, imported when a ``postgresql://`` store is opened).

Tables live in the schema ``protocol_kit`` (owned by the lab's admin role, see
:mod:`.members`); the connection's search_path is set to it. One connection per Store, in
autocommit mode: a write is ``BEGIN``, a transaction-scoped advisory lock on the run id (so two
writers to one run take turns, and writers to different runs do not wait for each other),
the head read, the inserts and ``COMMIT``. Each statement runs under the backend's re-entrant
lock, so threads sharing a Store take turns as they do on SQLite.

Receipts of signatures made here are kept in the signer's config folder
(``$PROTOCOL_KIT_CONFIG_DIR`` or ``~/.config/protocol_kit``), under
``stores/<user>@<host>_<port>_<db>.receipts/``: outside the database, as receipts should be.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import ProtocolKitError
from .backend import COLUMNS, Rows

SCHEMA = "protocol_kit"


class PostgresBackend:
    dialect = "postgresql"

    def __init__(self, url: str) -> None:
        import psycopg

        self._psycopg = psycopg
        self.url = url  # to open another connection as the same user (never printed: it may hold a password)
        try:
            self._con = psycopg.connect(url, autocommit=True)
        except psycopg.Error as exc:
            raise ProtocolKitError(f"store: cannot connect to {_masked(url)}: {_first_line(exc)}") from None
        info = self._con.info
        self.user = info.user
        host = info.host or "localhost"
        self.location = f"postgresql://{info.user}@{host if not host.startswith('/') else ''}:{info.port}/" \
                        f"{info.dbname}" + (f"?host={host}" if host.startswith("/") else "")
        self.lock = threading.RLock()
        self._con.execute(f"SET search_path TO {SCHEMA}")
        self.path = _receipts_base(info.user, host, info.port, info.dbname)

    # -- statements --------------------------------------------------------------------------
    def execute(self, sql: str, params=()) -> Rows:
        with self.lock:
            try:
                cur = self._con.execute(sql.replace("?", "%s") if params else sql, params or None)
                return Rows(cur.fetchall() if cur.description is not None else [])
            except self._psycopg.Error as exc:
                raise self._error(exc) from None

    def executemany(self, sql: str, rows) -> None:
        with self.lock:
            try:
                with self._con.cursor() as cur:
                    cur.executemany(sql.replace("?", "%s"), list(rows))
            except self._psycopg.Error as exc:
                raise self._error(exc) from None

    def _error(self, exc) -> ProtocolKitError:
        text = _first_line(exc)
        if isinstance(exc, self._psycopg.errors.InsufficientPrivilege):
            return ProtocolKitError(f"store {self.location}: no access for {self.user!r}: {text}")
        return ProtocolKitError(f"store {self.location}: {text}")

    def close(self) -> None:
        with self.lock:
            self._con.close()

    def has_table(self, name: str) -> bool:
        return bool(self.execute("SELECT 1 FROM pg_tables WHERE schemaname=? AND tablename=?", (SCHEMA, name)))

    def tables(self) -> set[str]:
        return {r[0] for r in self.execute("SELECT tablename FROM pg_tables WHERE schemaname=?", (SCHEMA,))}

    @contextmanager
    def write(self, lock_key: str = "") -> Iterator[PostgresBackend]:
        with self.lock:
            self.execute("BEGIN")
            try:
                self.take(lock_key)
                yield self
            except BaseException:
                if not self._con.closed:
                    self._con.execute("ROLLBACK")
                raise
            self.execute("COMMIT")

    def take(self, lock_key: str) -> None:
        """Inside a write: also hold ``lock_key`` until the transaction ends."""
        self.execute("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", (lock_key,))

    # -- the record's few statements that differ from SQLite's ------------------------------------
    def head(self, run_id: str) -> tuple[int, str, str] | None:
        row = self.execute("SELECT seq, hash, project FROM events WHERE run_id=? ORDER BY seq DESC LIMIT 1",
                           (run_id,)).fetchone()
        return None if row is None else (row[0], row[1], row[2])

    def put_blob(self, sha256: str, data: bytes, project: str = "") -> None:
        self.execute("INSERT INTO blobs (project, sha256, size, data) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                     (project, sha256, len(data), bytes(data)))

    def put_events(self, rows, project: str = "") -> None:
        rows = list(rows)
        if len(rows) == 1:
            self.execute(f"INSERT INTO events ({COLUMNS}, project) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         (*rows[0], project))
            return
        with self.lock:  # many (an import, a copy): COPY, one round trip; the triggers still check each row
            try:
                with self._con.cursor() as cur, cur.copy(f"COPY events ({COLUMNS}, project) FROM STDIN") as copy:
                    for r in rows:
                        copy.write_row((*r, project))
            except self._psycopg.Error as exc:
                raise self._error(exc) from None

    # -- projects ----------------------------------------------------------------------------
    def is_admin(self) -> bool:
        """Whether this user may act for the schema's owner (the lab's admin role)."""
        row = self.execute("SELECT pg_has_role(current_user, nspowner, 'MEMBER') FROM pg_namespace "
                           "WHERE nspname=?", (SCHEMA,)).fetchone()
        return bool(row and row[0])

    def projects(self) -> list[str]:
        """The projects this user is a member of."""
        if not self.has_table("members"):
            return []
        return [r[0] for r in self.execute("SELECT project FROM members WHERE member=current_user ORDER BY project")]

    def project_for_new_run(self, project: str | None) -> str:
        """The project a new run goes into: the one given (a member must belong to it), else the
        member's only project. "no access" names the project (project names are the lab's to
        know); which runs it holds stays hidden."""
        mine = self.projects()
        if project is None:
            if len(mine) == 1:
                return mine[0]
            raise ProtocolKitError(f"store {self.location}: give the run's project (project=... or --project); "
                                   f"{self.user!r} is a member of " + (", ".join(map(repr, mine)) or "no project"))
        if not isinstance(project, str) or not project.strip():
            raise ProtocolKitError(f"project: {project!r} is not a project name; give non-empty text")
        if project not in mine and not self.is_admin():
            raise ProtocolKitError(f"store {self.location}: no access: {self.user!r} is not a member of project "
                                   f"{project!r} (ask the store's admin: protocol-kit store add-member)")
        return project


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _masked(url: str) -> str:
    """The URL without its password."""
    return re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", url)


def _receipts_base(user: str, host: str, port: object, dbname: str) -> Path:
    from .keys import key_dir

    slug = re.sub(r"[^A-Za-z0-9.@_-]+", "-", f"{user}@{host}_{port}_{dbname}").strip("-")
    return key_dir().parent / "stores" / slug
