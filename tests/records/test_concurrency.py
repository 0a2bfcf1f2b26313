"""Once-only actions under concurrency: 8 processes, and 8 threads sharing one Run.

Every once-only rule (a step ticked, a value name entered, a file name attached, a well
excluded, a file superseded, a hand-over to whoever already records) is checked inside the
append's write transaction, so racing writers record each such action exactly once and the
others get the ProtocolKitError a single writer would get.
"""
import multiprocessing
import threading
import traceback

import pytest

import protocol_kit as pk
from protocol_kit.errors import ParameterError, ProtocolKitError
from protocol_kit.records import Store

from .tamper import store_arg

N_PROCS = 8
N_NOTES = 50
N_RACES = 6  # once-only actions every process tries: 3 step ticks and 3 value names


def _steps(binding):
    return [s.id for s in binding.checklist][:N_RACES // 2]


def _race_writer(path, run_id, name, steps, gate, out):
    """50 notes of its own, and a try at each shared once-only action between them."""
    try:
        run = pk.open_run(run_id, path, operator=name)
        gate.wait(60)
        won, refused = [], []
        for k in range(N_NOTES):
            run.note(f"{name}-{k}")
            if k % 8 == 0 and k // 8 < N_RACES:  # k = 0, 8, ..., 40: everyone tries the same action
                j = k // 8
                try:
                    if j % 2 == 0:
                        run.check(steps[j // 2])
                    else:
                        run.enter_value(f"v{j // 2}", name)
                    won.append(j)
                except ParameterError as exc:
                    refused.append((j, str(exc)))
        out.put((name, won, refused, None))
    except BaseException:  # reported to the test, which fails on it
        out.put((name, [], [], traceback.format_exc()))


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_location(request, tmp_path):
    """Where the processes write: an SQLite file, or a PostgreSQL store (as its admin, who may
    record for w0 ... w7; members record only as themselves)."""
    return tmp_path / "shared.db" if request.param == "sqlite" else request.getfixturevalue("pg_url")


def test_eight_processes_lose_nothing_and_record_each_once_only_action_once(shared_location, binding):
    path = shared_location
    with Store(path) as s:
        run_id = binding.start_run("A. Smith", store=s).id
    steps = _steps(binding)
    ctx = multiprocessing.get_context("spawn")
    gate, out = ctx.Barrier(N_PROCS), ctx.Queue()
    names = [f"w{i}" for i in range(N_PROCS)]
    procs = [ctx.Process(target=_race_writer, args=(path, run_id, n, steps, gate, out)) for n in names]
    for p in procs:
        p.start()
    try:
        results = [out.get(timeout=300) for _ in procs]
        for p in procs:
            p.join(60)
    finally:
        for p in procs:  # bounded: a writer still alive is killed
            if p.is_alive():
                p.kill()
                p.join(10)
    assert [r[3] for r in results] == [None] * N_PROCS
    assert [p.exitcode for p in procs] == [0] * N_PROCS
    won = sorted(j for r in results for j in r[1])
    refused = [msg for r in results for _, msg in r[2]]
    # each of the 6 actions: exactly one winner; the 7 others were told why (6 x 7 = 42 refusals)
    assert won == list(range(N_RACES))
    assert len(refused) == N_RACES * (N_PROCS - 1)
    assert all("already checked" in m or "already entered" in m for m in refused)
    with Store(path) as s:
        run = pk.open_run(run_id, s)
        types = [e.type for e in run.events]
        # 1 start + 8 x 50 notes + 3 step ticks + 3 values = 407 events, seq 1..407, no gap
        assert [e.seq for e in run.events] == list(range(1, 1 + 1 + N_PROCS * N_NOTES + N_RACES))
        assert types.count("step_checked") == 3 and types.count("value_entered") == 3
        assert sorted(run.steps) == sorted(steps)
        assert sorted(run.values) == ["v0", "v1", "v2"]
        texts = [n.text for n in run.notes]
        for name in names:  # each writer's 50 notes, all there, in its own order
            assert [t for t in texts if t.split("-")[0] == name] == [f"{name}-{k}" for k in range(N_NOTES)]
        owners = [t.split("-")[0] for t in texts]  # the writers did interleave
        assert sum(a != b for a, b in zip(owners, owners[1:])) > N_PROCS
        assert run.verify().ok


def _race(n, action):
    """Run ``action(i)`` in n threads released together; (results, exceptions) by thread."""
    gate = threading.Barrier(n)
    results, errors = [None] * n, [None] * n

    def work(i):
        gate.wait(30)
        try:
            results[i] = action(i)
        except BaseException as exc:  # kept for the test to look at
            errors[i] = exc

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads)
    return results, errors


def test_one_run_shared_by_eight_threads_records_every_event(run):
    """Decision: a Run (and its Store) may be shared between threads; every use of the
    connection is serialised by the Store's lock, so nothing is lost and no thread sees a raw
    sqlite3.ProgrammingError (the old code raised one in every thread but the creator's)."""
    def fifty_notes(i):
        for k in range(N_NOTES):
            run.note(f"t{i}-{k}")

    _, errors = _race(N_PROCS, fifty_notes)
    assert errors == [None] * N_PROCS
    texts = [n.text for n in run.notes]
    assert len(run.events) == 1 + N_PROCS * N_NOTES  # 401
    for i in range(N_PROCS):
        assert [t for t in texts if t.startswith(f"t{i}-")] == [f"t{i}-{k}" for k in range(N_NOTES)]
    assert [e.seq for e in run.events] == list(range(1, 402))
    owners = [t.split("-")[0] for t in texts]  # the threads did interleave
    assert sum(a != b for a, b in zip(owners, owners[1:])) > N_PROCS
    assert run.verify().ok
    again = pk.open_run(run.id, run.store)
    assert [e.hash for e in again.events] == [e.hash for e in run.events]


@pytest.mark.parametrize("shared", [True, False], ids=["one-Run", "a-Run-each"])
@pytest.mark.parametrize("what", ["check", "value", "attach", "exclude", "supersede", "hand_over"])
def test_threads_racing_on_a_once_only_action_record_it_once(run, what, shared):
    """8 threads, sharing one Run or each with its own Run on the one Store (so each thread's
    early check sees the run before anyone wrote: only the in-transaction check can refuse)."""
    step = run.protocol.checklist[0].id
    well = str(run.protocol.layout["well"][0])
    if what == "supersede":
        run.attach_data(pd_frame(), name="plate1.csv")
    runs = [run if shared else pk.open_run(run.id, run.store, operator="A. Smith") for _ in range(N_PROCS)]
    actions = {
        "check": lambda i: runs[i].check(step),
        "value": lambda i: runs[i].enter_value("protein_mg_per_mL", 2.0 + i),
        "attach": lambda i: runs[i].attach_data(pd_frame(i), name="plate.csv"),
        "exclude": lambda i: runs[i].exclude(well, f"bubble ({i})"),
        "supersede": lambda i: runs[i].supersede_data("plate1.csv", f"wrong plate ({i})"),
        "hand_over": lambda i: runs[i].hand_over("B. Jones", operator="A. Smith"),
    }
    before = len(run.events)
    results, errors = _race(N_PROCS, actions[what])
    assert sum(r is not None for r in results) == 1
    refused = [e for e in errors if e is not None]
    assert len(refused) == N_PROCS - 1
    assert all(isinstance(e, ProtocolKitError) for e in refused), refused
    assert len(run.refresh().events) == before + 1
    assert run.verify().ok


def pd_frame(i=0):
    import pandas as pd
    return pd.DataFrame({"well": ["A1"], "value": [i]})


def test_a_guard_that_refuses_leaves_nothing_written_and_sees_committed_events(store, run, tmp_path):
    """Store.append's guard runs inside the write transaction: what it reads includes an event
    another connection committed a moment before, and its exception rolls the event back."""
    seen = []
    with Store(store_arg(store)) as other:
        def guard():
            seen.append(len(store.events(run.id)))
            raise ParameterError("step_id", "rb-buffer", "a step not checked yet", reason="test refusal")

        other.append(run.id, "B. Jones", "note", {"text": "committed by another connection"})
        with pytest.raises(ParameterError, match="test refusal"):
            store.append(run.id, "A. Smith", "note", {"text": "refused"}, guard=guard)
    assert seen == [2]  # start + the other connection's note
    assert [e.payload.get("text") for e in store.events(run.id)][1:] == ["committed by another connection"]
    store.append(run.id, "A. Smith", "note", {"text": "after"})  # the store is not left in a transaction
    assert [e.seq for e in store.events(run.id)] == [1, 2, 3] and store.verify().ok


def test_a_hand_over_to_whoever_already_records_is_refused(run):
    run.hand_over("B. Jones")                      # seq 2, A. Smith -> B. Jones
    with pytest.raises(ParameterError, match=r"to: 'B. Jones' already records it \(hand-over event 2, "
                                             r"A. Smith -> B. Jones"):
        run.hand_over("B. Jones", operator="A. Smith")
    run.hand_over("A. Smith")                      # B. Jones hands back: allowed
    assert [(h.previous, h.to) for h in run.state.handovers] == [("A. Smith", "B. Jones"), ("B. Jones", "A. Smith")]


def test_an_event_committed_between_the_early_check_and_the_write_is_seen(store, run, monkeypatch):
    """Deterministic form of the race: another connection commits an amendment and the same
    value name after this Run's early check passed and before its transaction starts. The
    in-transaction check sees the value (the amendment, whose target is earlier, is no obstacle)."""
    run.enter_value("protein_mg_per_mL", 2.1)                                    # seq 2
    real_append = store.append

    def other_writer_first(*args, **kw):
        with Store(store_arg(store)) as other:
            other.append(run.id, "B. Jones", "amendment", {"target_seq": 2, "target_type": "value_entered",
                                                           "reason": "misread", "changes": {"value": 2.4}})
            other.append(run.id, "B. Jones", "value_entered", {"name": "Kd_nM", "value": 1.5})  # seq 4
        return real_append(*args, **kw)

    monkeypatch.setattr(store, "append", other_writer_first)
    with pytest.raises(ParameterError, match=r"name: 'Kd_nM' was already entered \(event 4\)"):
        run.enter_value("Kd_nM", 1.7)
    monkeypatch.undo()
    assert [e.type for e in run.refresh().events] == ["started", "value_entered", "amendment", "value_entered"]
    assert run.values["Kd_nM"].value == 1.5 and run.values["protein_mg_per_mL"].value == 2.4
