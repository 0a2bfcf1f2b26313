"""Two writers at once, and a writer killed mid-write: nothing lost, no chain broken."""
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

import protocol_kit as pk
from protocol_kit.errors import ProtocolKitError
from protocol_kit.records import Store

N_PER_WRITER = 40


def _writer(path, run_id, name, gate):
    run = pk.open_run(run_id, path, operator=name)
    gate.wait(30)
    for k in range(N_PER_WRITER):
        run.note(f"{name}-{k}")
        time.sleep(0.005)  # a pause outside the write lock, so the other writer gets turns


def test_two_processes_appending_to_one_run_lose_nothing(tmp_path, binding):
    path = tmp_path / "shared.db"
    with Store(path) as s:
        run_id = binding.start_run("A. Smith", store=s).id
    ctx = multiprocessing.get_context("spawn")
    gate = ctx.Barrier(2)
    procs = [ctx.Process(target=_writer, args=(path, run_id, name, gate)) for name in ("w1", "w2")]
    for p in procs:
        p.start()
    try:
        for p in procs:
            p.join(120)
    finally:
        for p in procs:  # bounded: a writer still alive after two minutes is killed
            if p.is_alive():
                p.kill()
                p.join(10)
    assert [p.exitcode for p in procs] == [0, 0]
    with Store(path) as s:
        run = pk.open_run(run_id, s)
        texts = [n.text for n in run.notes]
        # 1 start + 2 x 40 notes = 81 events, seq 1..81, each writer's notes in its own order
        assert [e.seq for e in run.events] == list(range(1, 82))
        for name in ("w1", "w2"):
            assert [t for t in texts if t.startswith(name)] == [f"{name}-{k}" for k in range(N_PER_WRITER)]
        # the writers did interleave (otherwise this test would not test concurrency)
        owners = [t[:2] for t in texts]
        assert sum(a != b for a, b in zip(owners, owners[1:])) > 1
        assert run.verify().ok


_KILLED_WRITER = """
import sys, pandas as pd, protocol_kit as pk
run = pk.open_run(sys.argv[2], sys.argv[1], operator="robot")
for k in range(100000):
    if k % 3 == 0:  # a file and its event in one transaction
        run.attach_data(pd.DataFrame({"k": [k] * 500}), name=f"d{k}.csv")
    else:
        run.note(f"n{k}")
"""


@pytest.mark.parametrize("iteration", range(3))
def test_writer_killed_mid_write_leaves_a_store_that_verifies(tmp_path, binding, iteration):
    path = tmp_path / "killed.db"
    with Store(path) as s:
        run_id = binding.start_run("A. Smith", store=s).id
    script = tmp_path / "writer.py"
    script.write_text(_KILLED_WRITER)
    proc = subprocess.Popen([sys.executable, str(script), str(path), run_id], stderr=subprocess.PIPE)
    target = 5 + 7 * iteration  # kill at a different point each time
    deadline = time.monotonic() + 60
    with Store(path) as watcher:
        while len(watcher.rows(run_id)) < target and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(30)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()
    with Store(path) as s:
        run = pk.open_run(run_id, s)
        n = run.state.n_events
        assert n >= target
        # every committed event is whole and in order: d0, n1, n2, d3, ... with nothing missing
        ks = [int(e.payload["text"][1:]) if e.type == "note" else int(e.payload["name"][1:-4])
              for e in run.events[1:]]
        assert ks == list(range(n - 1))
        assert len(run.data_bytes("d0.csv")) == len("k\n" + "0\n" * 500)
        assert run.verify().ok  # includes: every attached file is present and hashes right
        run.note("after the crash", operator="A. Smith")  # and the store takes new events
        assert run.verify().ok


def test_a_store_locked_by_another_process_is_said_to_be_locked_not_foreign(tmp_path, monkeypatch):
    """Opening a store another connection holds an exclusive lock on waits (here 0.3 s, not
    60) and then says it stayed locked; it is a protocol_kit store all along."""
    import protocol_kit.records.backend as backend_module
    import protocol_kit.records.store as store_module

    path = tmp_path / "runs.db"
    Store(path).close()
    monkeypatch.setattr(backend_module, "BUSY_TIMEOUT_S", 0.1)
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_S", 0.3)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")  # in WAL mode, what keeps readers out too
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(ProtocolKitError, match=r"stayed locked by another process for 0.3 s \(database is locked\)"):
            Store(path)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with Store(path) as st:
        assert st.run_ids() == []
