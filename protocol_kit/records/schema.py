"""The store's schema: numbered migrations, one list for both backends.

Each :class:`Migration` has a number, a name and its statements in each dialect (SQLite, the
embedded default; PostgreSQL, a lab's shared store). The ``schema_version`` table records
which numbers a store has had applied (number, name, time). :func:`migrate` applies the
missing ones in order, each in its own transaction, and is what ``protocol-kit store init`` and
``store upgrade`` run; an SQLite file is also brought up to date when it is opened (it is one
person's file, as before), a PostgreSQL store only by its admin (members may not run DDL).

1. events and blobs, append-only (an SQLite file made before this table existed is a 1);
2. the key registry (``keys``), append-only;
3. projects: on PostgreSQL the members table, the group role, the grants, row-level security
   and the operator check (``members.py``); on SQLite, one person's file, nothing;
4. an index on (run_id, type), so an append reads a run's signatures without a scan.

The event format itself (``meta.schema`` = '1') is unchanged, so protocol_kit releases from
before migrations still read an SQLite file migrated here.
"""
from __future__ import annotations

from dataclasses import dataclass

from .events import utc_now


@dataclass(frozen=True)
class Migration:
    number: int
    name: str
    sqlite: tuple[str, ...]
    postgresql: tuple[str, ...]


def _sqlite_append_only(*tables: str) -> tuple[str, ...]:
    return tuple(f"""CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table}
          BEGIN SELECT RAISE(ABORT, 'protocol_kit store: {table} are append-only ({op} refused)'); END"""
                 for table in tables for op in ("UPDATE", "DELETE"))


def _pg_append_only(*tables: str) -> tuple[str, ...]:
    out = []
    for t in tables:
        out += [f"CREATE TRIGGER {t}_no_update BEFORE UPDATE OR DELETE ON {t} "
                "FOR EACH ROW EXECUTE FUNCTION append_only()",
                f"CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t} "
                "FOR EACH STATEMENT EXECUTE FUNCTION append_only()"]
    return tuple(out)


_PG_APPEND_ONLY_FN = """CREATE OR REPLACE FUNCTION append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'protocol_kit store: % are append-only (% refused)', TG_TABLE_NAME, TG_OP; END $$"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "events and blobs, append-only", sqlite=(
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """CREATE TABLE IF NOT EXISTS events (
            run_id TEXT NOT NULL, seq INTEGER NOT NULL, time TEXT NOT NULL, operator TEXT NOT NULL,
            type TEXT NOT NULL, payload TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL,
            PRIMARY KEY (run_id, seq))""",
        "CREATE TABLE IF NOT EXISTS blobs (sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, data BLOB NOT NULL)",
        *_sqlite_append_only("events", "blobs"),
        "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', '1')",
    ), postgresql=(
        "CREATE SCHEMA IF NOT EXISTS protocol_kit",
        "REVOKE ALL ON SCHEMA protocol_kit FROM PUBLIC",
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """CREATE TABLE events (
            run_id TEXT NOT NULL, seq INTEGER NOT NULL, time TEXT NOT NULL,
            operator TEXT NOT NULL DEFAULT current_user,
            type TEXT NOT NULL, payload TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL,
            project TEXT NOT NULL DEFAULT '', PRIMARY KEY (run_id, seq))""",
        """CREATE TABLE blobs (project TEXT NOT NULL DEFAULT '', sha256 TEXT NOT NULL, size INTEGER NOT NULL,
            data BYTEA NOT NULL, PRIMARY KEY (project, sha256))""",
        _PG_APPEND_ONLY_FN,
        *_pg_append_only("events", "blobs"),
        "INSERT INTO meta (key, value) VALUES ('schema', '1')",
    )),
    Migration(2, "the key registry, append-only", sqlite=(
        """CREATE TABLE IF NOT EXISTS keys (
            seq INTEGER PRIMARY KEY, time TEXT NOT NULL, operator TEXT NOT NULL, type TEXT NOT NULL,
            payload TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)""",
        *_sqlite_append_only("keys"),
    ), postgresql=(
        """CREATE TABLE keys (
            seq INTEGER PRIMARY KEY, time TEXT NOT NULL, operator TEXT NOT NULL DEFAULT current_user,
            type TEXT NOT NULL, payload TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)""",
        *_pg_append_only("keys"),
    )),
    Migration(3, "projects, members and row-level security", sqlite=(), postgresql=("-- members.PG_MIGRATION_3",)),
    Migration(4, "an index on a run's events by type", sqlite=(
        "CREATE INDEX IF NOT EXISTS events_run_type ON events (run_id, type, seq)",
    ), postgresql=(
        "CREATE INDEX events_run_type ON events (run_id, type, seq)",
    )),
)
LATEST = MIGRATIONS[-1].number

SCHEMA_VERSION_TABLE = ("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
                        "name TEXT NOT NULL, applied TEXT NOT NULL)")


def applied_versions(backend) -> list[int]:
    """The migration numbers a store has had applied; [] for an empty database. An SQLite file
    from before migrations (a ``meta`` table, no ``schema_version``) counts as 1."""
    if backend.has_table("schema_version"):
        return [r[0] for r in backend.execute("SELECT version FROM schema_version ORDER BY version")]
    return [1] if backend.has_table("meta") else []


def statements(migration: Migration, dialect: str) -> tuple[str, ...]:
    if dialect == "sqlite":
        return migration.sqlite
    if migration.number == 3:
        from .members import pg_migration_3

        return pg_migration_3()
    return migration.postgresql


def migrate(backend, upto: int = LATEST) -> list[int]:
    """Apply every migration the store lacks, in order, one transaction each, up to number
    ``upto``; returns the numbers applied (empty when the store is up to date). What is applied
    is read again inside each migration's transaction (which holds the store's write lock, or
    on PostgreSQL the '@schema' lock), so two processes opening a new file at once apply each
    migration once."""
    applied = []
    for m in MIGRATIONS:
        if m.number > upto or m.number in applied_versions(backend):
            continue
        with backend.write("@schema") as con:
            done = applied_versions(backend)
            if m.number in done:
                continue
            for sql in statements(m, backend.dialect):
                con.execute(sql)
            if not backend.has_table("schema_version"):
                con.execute(SCHEMA_VERSION_TABLE)
                for old in done:  # a file from before migrations: record what it already has
                    con.execute("INSERT INTO schema_version (version, name, applied) VALUES (?, ?, ?)",
                                (old, MIGRATIONS[old - 1].name, utc_now()))
            con.execute("INSERT INTO schema_version (version, name, applied) VALUES (?, ?, ?)",
                        (m.number, m.name, utc_now()))
        applied.append(m.number)
    return applied
