"""The store's migrations (store init|upgrade) and store copy between SQLite and PostgreSQL."""
from __future__ import annotations

import sqlite3
from dataclasses import astuple

import pytest

import protocol_kit as pk
from protocol_kit.cli import main
from protocol_kit.errors import ProtocolKitError
from protocol_kit.records import Store, open_run
from protocol_kit.records.backend import open_backend
from protocol_kit.records.members import add_member
from protocol_kit.records.receipts import find_receipts
from protocol_kit.records.schema import migrate
from tests.bench import tick_rest

from ..pg_server import ADMIN, PASSWORD
from .tamper import forge

# The tables exactly as protocol_kit made them before migrations (the store.py of commit e1be107).
OLD_SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE events (run_id TEXT NOT NULL, seq INTEGER NOT NULL, time TEXT NOT NULL, operator TEXT NOT NULL, "
    "type TEXT NOT NULL, payload TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (run_id, seq))",
    "CREATE TABLE blobs (sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, data BLOB NOT NULL)",
    "INSERT INTO meta (key, value) VALUES ('schema', '1')",
)


def test_an_sqlite_file_from_before_migrations_is_read_and_migrated_on_open(tmp_path, binding):
    made = tmp_path / "made.db"
    with Store(made) as st:
        run = binding.start_run("A. Smith", store=st)
        run.note("kept as written")
        rows = st.rows(run.id)
    old = tmp_path / "old.db"  # the same events in a file with the old tables only
    con = sqlite3.connect(old)
    for sql in OLD_SCHEMA:
        con.execute(sql)
    con.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [astuple(r) for r in rows])
    con.commit()
    con.close()
    with Store(old) as st:
        assert st.rows(run.id) == rows and st.verify().ok
        assert open_run(run.id, st).notes[0].text == "kept as written"
    con = sqlite3.connect(old)
    assert [r[0] for r in con.execute("SELECT version FROM schema_version ORDER BY version")] == [1, 2, 3, 4]
    assert con.execute("SELECT value FROM meta WHERE key='schema'").fetchone() == ("1",)  # the event format
    con.close()


def test_store_init_and_upgrade_on_sqlite(tmp_path, capsys):
    db = str(tmp_path / "new.db")
    assert main(["store", "init", db]) == 0
    assert capsys.readouterr().out == f"{db}: applied migration(s) 1, 2, 3, 4; now at 4\n"
    assert main(["store", "upgrade", db]) == 0
    assert capsys.readouterr().out == f"{db}: up to date (migration 4)\n"
    assert main(["store", "init", db]) == 2
    assert "holds a protocol_kit store already (migration 4)" in capsys.readouterr().err
    foreign = tmp_path / "foreign.db"
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE samples (id TEXT)")
    con.commit()
    con.close()
    assert main(["store", "init", str(foreign)]) == 2
    assert "without protocol_kit's tables; left alone" in capsys.readouterr().err
    assert main(["store", "add-member", db, "A. Smith", "--project", "p"]) == 2
    assert "members and projects need a PostgreSQL store" in capsys.readouterr().err


def test_a_postgresql_store_behind_is_refused_until_the_admin_upgrades(pg_server, capsys):
    url = pg_server.url(ADMIN, pg_server.new_database("upgrade_me"))
    backend = open_backend(url, create=True)
    assert migrate(backend, upto=2) == [1, 2]
    backend.close()
    with pytest.raises(ProtocolKitError, match="is at migration 2 of 4; its admin runs: protocol-kit store upgrade"):
        Store(url)
    assert main(["store", "upgrade", url]) == 0
    assert "applied migration(s) 3, 4; now at 4" in capsys.readouterr().out
    with Store(url) as st:
        assert st.run_ids() == []


@pytest.fixture
def signed_sqlite(tmp_path, binding):
    """An SQLite store with a run with a data file, signed 'performed' (a receipt beside it)."""
    path = tmp_path / "lab.db"
    data = tmp_path / "counts.txt"
    data.write_bytes(b"the counter's bytes\n")
    with Store(path) as st:
        run = binding.start_run("A. Smith", store=st)
        run.attach_data(data)
        tick_rest(run)
        run.sign("A. Smith", "performed")
        return path, run.id, st.rows(run.id)


def test_copy_sqlite_to_postgresql_and_back(signed_sqlite, pg_url, pg_server, tmp_path, capsys):
    path, run_id, rows = signed_sqlite
    assert main(["store", "copy", str(path), pg_url, "--project", "alpha"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{run_id}: copied ({len(rows)} events); in postgresql://{ADMIN}@")
    assert "1 receipt(s) matched" in out
    with Store(pg_url) as pg:
        assert pg.rows(run_id) == rows  # verbatim: times, operators, hashes
        assert pg.blob(open_run(run_id, pg).data_files[0].sha256) == b"the counter's bytes\n"
        assert len(find_receipts(pg.path, run_id)) == 1
        with pg.backend.write() as con:
            assert con.execute("SELECT DISTINCT project FROM events WHERE run_id=?", (run_id,)).fetchall() == [("alpha",)]
    # again: the run is there with the same events, left alone and verified
    assert main(["store", "copy", str(path), pg_url, "--project", "alpha"]) == 0
    assert capsys.readouterr().out.startswith(f"{run_id}: already there ({len(rows)} events)")
    # a member of alpha sees it, a member of lab (the admin's) project does not exist for it
    dbname = pg_url.split("@/")[1].split("?")[0]
    backend = open_backend(pg_url, create=False)
    add_member(backend, "C. Le", "alpha", PASSWORD)
    add_member(backend, "C. Lee", "other", PASSWORD)
    backend.close()
    with Store(pg_server.url("C. Le", dbname)) as le, Store(pg_server.url("C. Lee", dbname)) as lee:
        assert le.run_ids() == [run_id] and lee.run_ids() == []
    back = tmp_path / "back.db"
    with Store(pg_url) as pg, Store(back) as st:
        from protocol_kit.records.copy import copy_runs

        (copied,) = copy_runs(pg, st)
        assert (copied.run_id, copied.status) == (run_id, "copied")
        assert st.rows(run_id) == rows and st.verify(run_id).ok


def test_a_run_that_does_not_verify_is_not_copied(signed_sqlite, pg_url, capsys):
    path, run_id, _ = signed_sqlite
    forge(path, "UPDATE events SET operator='Mallory' WHERE seq=3")
    assert main(["store", "copy", str(path), pg_url]) == 2
    assert f"run {run_id} does not verify in {path}, so it is not copied" in capsys.readouterr().err
    with Store(pg_url) as pg:
        assert pg.run_ids() == []


def test_a_member_cannot_copy_runs_in_other_peoples_names(signed_sqlite, pg_url, pg_server, capsys):
    path, run_id, _ = signed_sqlite
    backend = open_backend(pg_url, create=False)
    add_member(backend, "B. Jones", "beta", PASSWORD)
    backend.close()
    b_url = pg_server.url("B. Jones", pg_url.split("@/")[1].split("?")[0])
    assert main(["store", "copy", str(path), b_url]) == 2
    assert "operator A. Smith is not the database user B. Jones" in capsys.readouterr().err
    with Store(pg_url) as pg:
        assert pg.run_ids() == []


def test_starting_a_run_with_a_project_in_an_sqlite_store_is_refused(store, binding):
    if store.backend.dialect != "sqlite":
        assert binding.start_run("A. Smith", store=store, project="lab").id in store.run_ids()
        return
    with pytest.raises(ProtocolKitError, match="an SQLite file, which has no projects"):
        pk.RadioligandBinding().start_run("A. Smith", store=store, project="alpha")


def _open_new(path, gate, out):
    try:
        gate.wait(30)
        with Store(path) as st:
            out.put(st.run_ids())
    except BaseException as exc:  # reported to the test
        out.put(repr(exc))


def test_processes_opening_a_new_file_at_once_migrate_it_once(tmp_path):
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    gate, out = ctx.Barrier(6), ctx.Queue()
    path = tmp_path / "new.db"
    procs = [ctx.Process(target=_open_new, args=(path, gate, out)) for _ in range(6)]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(30)
    assert results == [[]] * 6
    con = sqlite3.connect(path)
    assert [r[0] for r in con.execute("SELECT version FROM schema_version ORDER BY version")] == [1, 2, 3, 4]
    con.close()
