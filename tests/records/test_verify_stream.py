"""Issue 17, item 4: verify streams a run from the store a chunk at a time, on both backends,
and finds what checking the whole run at once finds."""
import tracemalloc

import pytest

from protocol_kit.records.verify import check_run
from protocol_kit.records.verify_store import CHUNK, verify_store
from tests.bench import tick_rest

from .big_store import add_run
from .tamper import forge


def counting(store, monkeypatch):
    """Record the number of event rows each read of the store returns."""
    sizes, execute = [], store.backend.execute

    def spy(sql, params=()):
        rows = execute(sql, params)
        if sql.startswith("SELECT run_id, seq"):
            sizes.append(len(rows))
        return rows

    monkeypatch.setattr(store.backend, "execute", spy)
    return sizes


def test_a_long_run_is_read_five_rows_at_a_time_and_verifies(store, monkeypatch):
    run_id = add_run(store, 52)
    sizes = counting(store, monkeypatch)
    report = verify_store(store, run_id, chunk=5)
    # 52 rows in reads of 5: ten full reads and one of 2
    assert sizes == [5] * 10 + [2]
    assert report.ok and report.events_checked == 52


def test_streamed_verify_finds_what_the_whole_run_check_finds(run, store):
    """A signed run with a note's text rewritten (event 21) and an event appended after the
    signature (23): chunks of 4 cut the run between the signature and the event it covers."""
    tick_rest(run)  # events 2-19
    run.record_lot("NaCl", "LOT-4711")  # 20
    run.note("membranes slightly cloudy")  # 21
    run.sign("A. Smith", "performed")  # 22
    forge(store, "UPDATE events SET payload=? WHERE run_id=? AND seq=21", '{"text":"clear"}', run.id)
    last = store.rows(run.id)[-1]
    forge(store, "INSERT INTO events (run_id, seq, time, operator, type, payload, prev_hash, hash) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", run.id, 23, last.time, "A. Smith", "note", '{"text":"late"}',
          last.hash, "0" * 64)
    whole = store.verify(run.id, receipts=())
    streamed = verify_store(store, run.id, chunk=4)
    assert [p.seq for p in streamed.problems if p.seq] == [21, 23, 23]
    assert streamed.problems == whole.problems
    assert str(streamed) == str(whole)
    whole_list = check_run(store.rows(run.id))
    assert whole_list == [p for p in streamed.problems if p in whole_list]
    assert streamed.problems[0].what.startswith("content altered")


@pytest.mark.sqlite_only
def test_verify_of_a_50000_event_store_holds_one_chunk_in_memory(store):
    """Python's allocations at their peak during the verify of 50,000 events (three runs) stay
    under 20 MB (12.5 MB measured: a chunk of rows and the last 8,192 payloads parsed); with the
    30,000-event run read whole it is over 40 MB."""
    for n in (30_000, 15_000, 5_000):
        add_run(store, n)
    tracemalloc.start()
    try:
        report = store.verify()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert report.ok and report.events_checked == 50_000
    assert CHUNK <= 5_000 and peak < 20e6, peak
