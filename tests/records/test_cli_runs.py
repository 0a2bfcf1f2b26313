"""protocol-kit runs list|show|verify."""
import json
import sqlite3

import pytest

from protocol_kit.cli import main
from tests.bench import tick_rest

from .tamper import connect, store_arg


def cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def worked(run):
    run.check("rb-buffer")                       # 2
    run.record_lot("NaCl", "L123", "2030-01-31")  # 3
    run.note("cloudy membranes")                 # 4
    tick_rest(run)                               # 5-21: the other 17 steps
    run.sign("A. Smith", "performed")            # 22
    run.amend(3, "misread label", lot="L128")    # 23
    return run


def test_list_show_verify(capsys, store, worked):
    code, out, _ = cli(capsys, "runs", "list", "--store", store_arg(store))
    assert code == 0
    (line,) = out.splitlines()
    assert line.startswith(f"{worked.id}  radioligand-binding v1.0  ") and line.endswith("A. Smith  23 events  signed")

    code, out, _ = cli(capsys, "runs", "show", worked.id, "--store", store_arg(store))
    assert code == 0
    assert "steps (18 of 18 checked)" in out
    assert "[x] rb-buffer" in out and "[x] rb-filters" in out
    assert "NaCl: lot L128, expires 2030-01-31" in out
    assert "amended in event 23 by A. Smith: lot 'L123' -> 'L128' (misread label)" in out
    assert "performed by A. Smith" in out and "covers events 1-21" in out

    code, out, _ = cli(capsys, "runs", "show", worked.id, "--json", "--store", store_arg(store))
    state = json.loads(out)
    assert state["lots"][0]["lot"] == "L128" and state["locked"] is True

    code, out, _ = cli(capsys, "runs", "verify", worked.id, "--store", store_arg(store))
    # the signature's receipt lies beside the store; the amendment after it is covered by none
    assert (code, out) == (0, "ok: 1 run(s), 23 event(s): chain, signature links and lock rule hold; "
                              f"1 receipt(s) matched; no receipt covers {worked.id} event 23: their removal "
                              "could not be detected\n")


def test_verify_reports_tampering_with_exit_1(capsys, store, worked):
    con = connect(store)
    con.execute("DROP TRIGGER events_no_update")
    con.execute("UPDATE events SET operator='Mallory' WHERE seq=4")
    con.commit()
    con.close()
    code, out, _ = cli(capsys, "runs", "verify", "--store", store_arg(store))
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("BROKEN: ") and "problem(s) in 1 run(s)" in lines[0]
    problems = [ln.strip() for ln in lines[1:]]
    assert problems[0].startswith(f"run {worked.id}: event 4: content altered: stored hash")
    # each problem is printed once (the summary line names none of them)
    assert len(problems) == len(set(problems)) and "event 4: content altered" not in lines[0]


def test_store_from_environment(capsys, monkeypatch, store, worked):
    monkeypatch.setenv("PROTOCOL_KIT_STORE", store_arg(store))
    code, out, _ = cli(capsys, "runs", "list")
    assert code == 0 and out.startswith(worked.id)


@pytest.mark.parametrize("argv, message", [
    (["runs", "show", "nope"], "unknown run 'nope'"),
    (["runs", "verify", "nope"], "unknown run 'nope'"),
    (["runs", "list", "--store", "/no/such.db"], "store: '/no/such.db' does not exist"),
    (["runs"], "required: start|check|note"),
    (["runs", "show"], "required: run"),
])
def test_runs_errors_are_one_line_exit_2(capsys, store, run, argv, message):
    argv = argv + (["--store", store_arg(store)] if "--store" not in argv and argv != ["runs"] else [])
    code, out, err = cli(capsys, *argv)
    assert code == 2 and err.count("\n") == 1 and err.startswith("error: ") and message in err


def test_empty_store(capsys, tmp_path):
    from protocol_kit.records import Store
    Store(tmp_path / "empty.db").close()
    code, out, _ = cli(capsys, "runs", "list", "--store", str(tmp_path / "empty.db"))
    assert (code, out) == (0, f"no runs in {tmp_path / 'empty.db'}\n")
