"""Least privilege in a PostgreSQL store, enforced by a real server (tests/pg_server.py): members
read and write only their projects' runs, record only in their own name, and cannot change
history, whatever SQL they send."""
from __future__ import annotations

import psycopg
import pytest

import protocol_kit as pk
from protocol_kit.cli import main
from protocol_kit.errors import ProtocolKitError, UnknownNameError
from protocol_kit.records import Store, open_run
from protocol_kit.records.backend import open_backend
from protocol_kit.records.members import add_member
from tests.bench import tick_rest

from ..pg_server import ADMIN, PASSWORD


@pytest.fixture
def lab(pg_url, pg_server, tmp_path):
    """A. Smith in project 'alpha', B. Jones in project 'beta' (same database); each has started
    one run. Returns (admin url, url of A. Smith, url of B. Jones, run of A, run of B)."""
    dbname = pg_url.split("@/")[1].split("?")[0]
    backend = open_backend(pg_url, create=False)
    try:
        add_member(backend, "A. Smith", "alpha", PASSWORD)
        add_member(backend, "B. Jones", "beta", PASSWORD)
    finally:
        backend.close()
    a_url, b_url = pg_server.url("A. Smith", dbname), pg_server.url("B. Jones", dbname)
    p = pk.RadioligandBinding()
    with Store(a_url) as a, Store(b_url) as b:
        ra = p.start_run("A. Smith", store=a)
        ra.note("alpha's membranes")
        rb = p.start_run("B. Jones", store=b)
        (tmp_path / "counts.txt").write_bytes(b"beta counts\n1 2 3\n")
        rb.attach_data(tmp_path / "counts.txt")
        return pg_url, a_url, b_url, ra.id, rb.id


def raw(url: str):
    return psycopg.connect(url, autocommit=True)


def insert_event(con, run_id: str, seq: int, operator: str, project: str) -> None:
    """A hand-written INSERT of a note (its hashes do not matter: the database refuses it first)."""
    con.execute("INSERT INTO events (run_id, seq, time, operator, type, payload, prev_hash, hash, project) "
                "VALUES (%s, %s, 't', %s, 'note', '{}', 'x', 'y', %s)", (run_id, seq, operator, project))


def test_each_member_sees_only_their_projects_runs(lab):
    admin, a_url, b_url, ra, rb = lab
    with Store(a_url) as a, Store(b_url) as b, Store(admin) as boss:
        assert a.run_ids() == [ra]
        assert b.run_ids() == [rb]
        assert [s.run_id for s in a.runs()] == [ra]
        assert sorted(boss.run_ids()) == sorted([ra, rb])  # the admin owns the tables: sees all
        # another project's run is "not found", exactly as an id that does not exist
        with pytest.raises(UnknownNameError, match="unknown run"):
            open_run(rb, a)
        with pytest.raises(UnknownNameError, match="unknown run"):
            open_run("20260101-radioligand-binding-000000", a)
        report = a.verify()
        assert report.ok and report.runs == (ra,) and report.events_checked == 2  # start + note
    with raw(a_url) as con:  # the SQL itself, not only the library, hides the rows
        con.execute("SET search_path TO protocol_kit")
        assert con.execute("SELECT DISTINCT run_id FROM events").fetchall() == [(ra,)]
        assert con.execute("SELECT count(*) FROM blobs WHERE project='beta'").fetchone() == (0,)


def test_a_member_cannot_start_a_run_in_another_project(lab, capsys):
    _, a_url, _, _, _ = lab
    with Store(a_url) as a:
        with pytest.raises(ProtocolKitError, match="no access: 'A. Smith' is not a member of project 'beta'"):
            pk.RadioligandBinding().start_run("A. Smith", store=a, project="beta")
        assert len(a.run_ids()) == 1  # nothing written
    assert main(["runs", "start", "radioligand-binding", "--operator", "A. Smith", "--project", "beta",
                 "--store", a_url]) == 2
    assert "no access" in capsys.readouterr().err


@pytest.mark.parametrize("sql", [
    "UPDATE events SET payload = '{}' WHERE seq = 1",
    "DELETE FROM events",
    "TRUNCATE events",
    "DROP TRIGGER events_no_update ON events",
    "ALTER TABLE events DISABLE ROW LEVEL SECURITY",
    "UPDATE keys SET operator = 'x'",
    "DELETE FROM blobs",
    "CREATE TABLE protocol_kit.mine (x int)",
    "DROP TABLE events",
])
def test_a_member_cannot_change_history_or_the_schema(lab, sql):
    _, a_url, _, ra, _ = lab
    with raw(a_url) as con:
        con.execute("SET search_path TO protocol_kit")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            con.execute(sql)
    with Store(a_url) as a:
        assert open_run(ra, a).verify().ok


def test_the_admin_too_cannot_update_delete_or_truncate(lab):
    admin, _, _, ra, _ = lab
    with raw(admin) as con:
        con.execute("SET search_path TO protocol_kit")
        for sql in ("UPDATE events SET operator='x'", "DELETE FROM events", "TRUNCATE events"):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                con.execute(sql)


def test_a_member_records_only_in_their_own_name(lab):
    _, a_url, _, ra, _ = lab
    with Store(a_url) as a:
        run = open_run(ra, a, operator="B. Jones")
        with pytest.raises(ProtocolKitError, match="operator B. Jones is not the database user A. Smith"):
            run.note("written by A. Smith in B. Jones's name")
        assert [e.operator for e in open_run(ra, a).events] == ["A. Smith", "A. Smith"]
    with raw(a_url) as con:  # by hand: the same refusal
        con.execute("SET search_path TO protocol_kit")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="not the database user"):
            insert_event(con, ra, 99, "B. Jones", "alpha")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="not the database user"):
            con.execute("INSERT INTO keys (seq, time, operator, type, payload, prev_hash, hash) "
                        "VALUES (99, 't', 'B. Jones', 'key_registered', '{}', 'x', 'y')")


def test_nobody_registers_a_key_in_anothers_name_or_a_second_key(lab):
    """A key registration names its operator (the database user), and a name has one key: even
    with the registry's own hashes worked out, a member cannot add a key for another person, nor
    replace their own."""
    from protocol_kit.records.keys import KEY_REGISTERED, REGISTRY
    from protocol_kit.records.events import GENESIS, canonical_json, event_hash

    _, a_url, _, _, _ = lab
    with Store(a_url) as a:  # A. Smith's own key, registered by the library
        from protocol_kit.records.keys import load_key, register_key

        assert register_key(a, "A. Smith", load_key("A. Smith").public_key)
    with raw(a_url) as con:
        con.execute("SET search_path TO protocol_kit")
        seq, prev = con.execute("SELECT seq, hash FROM keys ORDER BY seq DESC LIMIT 1").fetchone()
        for name, error, match in (("B. Jones", psycopg.errors.InsufficientPrivilege, "registered by the person it names"),
                                   ("A. Smith", psycopg.errors.UniqueViolation, "keys_one_per_name")):
            payload = {"name": name, "public_key": "A" * 43 + "="}
            digest = event_hash(prev, REGISTRY, seq + 1, "t", "A. Smith", KEY_REGISTERED, payload)
            with pytest.raises(error, match=match):
                con.execute("INSERT INTO keys (seq, time, operator, type, payload, prev_hash, hash) "
                            "VALUES (%s, 't', 'A. Smith', %s, %s, %s, %s)",
                            (seq + 1, KEY_REGISTERED, canonical_json(payload), prev, digest))
    assert GENESIS != prev


def test_an_event_cannot_be_moved_into_another_projects_run(lab, pg_server):
    admin, a_url, _, ra, rb = lab
    with raw(a_url) as con:  # A. Smith writes into B's run, tagged with A's own project
        con.execute("SET search_path TO protocol_kit")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="is not in the run's project"):
            insert_event(con, rb, 2, "A. Smith", "alpha")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            insert_event(con, rb, 2, "A. Smith", "beta")


def test_a_stolen_connection_cannot_sign_without_the_key(lab, monkeypatch):
    """A. Smith holds B. Jones's connection string: the database takes him for B. Jones, but a
    signature needs B. Jones's private key and passphrase, and a name with no key signs nothing."""
    _, _, b_url, _, rb = lab
    with Store(b_url) as b:
        run = open_run(rb, b, operator="B. Jones")
        tick_rest(run)
        n = len(run.events)
        with pytest.raises(ProtocolKitError, match="wrong passphrase for 'B. Jones'"):
            run.sign("B. Jones", "performed", passphrase="A. Smith's guess")
        with pytest.raises(ProtocolKitError, match="no signing key for 'Mallory'"):
            run.sign("Mallory", "performed")
        assert len(open_run(rb, b).events) == n and not open_run(rb, b).locked


def test_add_member_is_for_the_admin(lab, capsys):
    _, a_url, _, _, _ = lab
    assert main(["store", "add-member", a_url, "C. Le", "--project", "alpha"]) == 2
    assert "'A. Smith' is not the store's admin" in capsys.readouterr().err


def test_add_member_from_the_command_line(pg_url, pg_server, capsys, monkeypatch):
    assert main(["store", "add-member", pg_url, "D. Head", "--project", "gamma"]) == 0
    out = capsys.readouterr().out
    password = out.rsplit(": ", 1)[1].strip()
    assert "made role 'D. Head', a member of project 'gamma'" in out and len(password) >= 20
    dbname = pg_url.split("@/")[1].split("?")[0]
    with Store(pg_server.url("D. Head", dbname, password)) as d:
        run = pk.RadioligandBinding().start_run("D. Head", store=d)  # the only project: gamma
    with raw(pg_url) as con:
        assert con.execute("SELECT project FROM protocol_kit.events WHERE run_id=%s", (run.id,)).fetchall() == [("gamma",)]
    assert main(["store", "add-member", pg_url, "D. Head", "--project", "delta"]) == 0
    assert "(a role already) is now a member of project 'delta'" in capsys.readouterr().out
    with Store(pg_server.url("D. Head", dbname, password)) as d:
        with pytest.raises(ProtocolKitError, match="give the run's project .* 'delta', 'gamma'"):
            pk.RadioligandBinding().start_run("D. Head", store=d)


def test_a_member_store_before_init_or_upgrade_is_refused(pg_server):
    from ..pg_server import ADMIN as admin

    url = pg_server.url(admin, pg_server.new_database("empty_for_refusal"))
    with pytest.raises(ProtocolKitError, match="has no protocol_kit tables; its admin runs: protocol-kit store init"):
        Store(url)
    assert main(["store", "upgrade", url]) == 2
    assert main(["store", "init", url]) == 0
    assert main(["store", "init", url]) == 2
    with Store(url) as st:
        assert st.run_ids() == []
    assert ADMIN == admin
