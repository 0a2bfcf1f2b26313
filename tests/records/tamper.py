"""Working on a store behind protocol_kit's back, as a forger holding the database would: the
SQLite file with its triggers dropped, or a PostgreSQL database as its superuser with triggers
off (``session_replication_role = replica``; RLS does not bind a superuser)."""
from __future__ import annotations

import sqlite3

TRIGGERS = ("events_no_update", "events_no_delete", "blobs_no_update", "blobs_no_delete")


def is_pg(store) -> bool:
    return not isinstance(store, (str, bytes)) and getattr(getattr(store, "backend", None), "dialect", "") == "postgresql"


def store_arg(store) -> str:
    """What the command line's --store takes for this store: the file, or the URL (with the
    test server's password)."""
    if not is_pg(store):
        return str(getattr(store, "path", store))
    return _url(store, store.backend.user)


def _url(store, user: str) -> str:
    import urllib.parse

    from ..pg_server import PASSWORD

    info = store.backend._con.info
    q = urllib.parse.quote
    return (f"postgresql://{q(user, safe='')}:{q(PASSWORD, safe='')}@/{info.dbname}"
            f"?host={q(info.host, safe='')}&port={info.port}")


class _PgForger:
    """A psycopg connection as the superuser, triggers off, with sqlite3's ``?`` placeholders;
    DROP TRIGGER is not needed (and not done)."""

    def __init__(self, store, triggers_off: bool) -> None:
        import psycopg

        from ..pg_server import SUPERUSER

        self.con = psycopg.connect(_url(store, SUPERUSER if triggers_off else store.backend.user), autocommit=True)
        self.con.execute("SET search_path TO protocol_kit")
        if triggers_off:
            self.con.execute("SET session_replication_role = replica")

    def execute(self, sql: str, params=()):
        if sql.lstrip().upper().startswith("DROP TRIGGER"):
            return None
        params = tuple(bytes(p) if isinstance(p, (memoryview, bytearray)) else p for p in params)
        return self.con.execute(sql.replace("?", "%s") if params else sql, params or None)

    def commit(self) -> None:
        pass

    def close(self) -> None:
        self.con.close()


def connect(store, triggers_off: bool = True):
    """A raw connection to the store's database: a forger's (triggers off) or, with
    ``triggers_off=False``, the store's own user's, whose triggers still refuse."""
    if is_pg(store):
        return _PgForger(store, triggers_off)
    return sqlite3.connect(getattr(store, "path", store))


def forge(store, sql: str, *params) -> None:
    """Drop (turn off) the append-only triggers of the store (a Store, or an SQLite file's
    path), then run ``sql``."""
    con = connect(store)
    if not is_pg(store):
        for trig in TRIGGERS:
            con.execute(f"DROP TRIGGER IF EXISTS {trig}")
    con.execute(sql, params)
    con.commit()
    con.close()
