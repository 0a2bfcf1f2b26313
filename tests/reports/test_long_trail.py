"""Issue 17, item 4: the report of a run of more than run_view.TRAIL_FULL_MAX (200) events
summarises its audit trail in the body and attaches every event to the PDF; a run of 200
events is shown in full, without the attachment."""
import io
import json

import pytest
from pypdf import PdfReader

import protocol_kit as pk
from protocol_kit.records import Store
from protocol_kit.records.verify import Row, check_chain
from protocol_kit.reports.report import render_report, write_report
from protocol_kit.reports.run_view import TRAIL_FULL_MAX
from tests.bench import tick_rest


def run_of(store, n_events):
    """A binding run of exactly ``n_events``: started (1), 18 steps ticked (2-19), counts
    attached (20), notes 'note 1', 'note 2', ... and the analysis as the last event."""
    p = pk.RadioligandBinding()
    run = p.start_run(operator="A. Smith", store=store)
    tick_rest(run)
    run.attach_data(p.simulate(seed=1), name="counts.csv")
    assert run.state.n_events == 20
    for i in range(1, n_events - 20):
        run.note(f"note {i}")
    run.analyse()
    assert run.state.n_events == n_events
    return run


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "runs.db") as s:
        yield s


def test_a_run_above_the_threshold_is_summarised_and_its_trail_attached(store, tmp_path):
    run = run_of(store, 230)  # 209 notes: events 21-229
    html = render_report(run)
    assert "The full trail" in html and "230 events" in html
    # the first and last 10 notes shown; the 189 between (notes 11-199, events 31-219) are not
    assert "note 10 " in html and "note 200 " in html and "note 209 " in html
    assert "note 11 " not in html and "note 199 " not in html
    assert "… 189 more notes (events 31–219)" in html
    pdf = write_report(run, tmp_path / "long.pdf")
    attached = PdfReader(io.BytesIO(pdf.read_bytes())).attachments
    name = f"{run.id}-audit-trail.jsonl"
    assert name in attached
    lines = [json.loads(line) for line in attached[name][0].decode("utf-8").splitlines()]
    assert lines == [e.to_dict() for e in run.events]
    # the attached trail is a whole chain from event 1 to the head (checked on its own)
    rows = [Row(d["run_id"], d["seq"], d["time"], d["operator"], d["type"], json.dumps(d["payload"]),
                d["prev_hash"], d["hash"]) for d in lines]
    assert [d["seq"] for d in lines] == list(range(1, 231)) and lines[-1]["hash"] == run.head
    assert check_chain(rows) == []


def test_a_run_at_the_threshold_is_shown_in_full_without_the_attachment(store, tmp_path):
    assert TRAIL_FULL_MAX == 200
    run = run_of(store, 200)  # notes 1-179
    html = render_report(run)
    assert "The full trail" not in html and "more notes" not in html
    assert all(f"note {i} " in html for i in range(1, 180))
    attached = PdfReader(io.BytesIO(write_report(run, tmp_path / "short.pdf").read_bytes())).attachments
    assert not any(k.endswith("audit-trail.jsonl") for k in attached)
