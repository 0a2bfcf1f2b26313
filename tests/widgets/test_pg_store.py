"""The app on a lab's PostgreSQL store (issue 17): a member starts a run (in their only project)
and ticks a step; each action is an event in the database at once, in the member's name."""
import pytest

import protocol_kit as pk
from protocol_kit.records import Store
from protocol_kit.records.backend import open_backend
from protocol_kit.records.members import add_member

from ..pg_server import PASSWORD
from .conftest import start


@pytest.fixture
def member_url(pg_url, pg_server):
    backend = open_backend(pg_url, create=False)
    add_member(backend, "B. Jones", "uptake", PASSWORD)
    backend.close()
    return pg_server.url("B. Jones", pg_url.split("@/")[1].split("?")[0])


@pytest.mark.parametrize("as_object", [False, True], ids=["url", "Store"])
def test_a_member_records_from_the_app(member_url, tmp_path, as_object):
    store = Store(member_url) if as_object else member_url
    app = pk.RadioligandBinding().form(store=store, out_dir=tmp_path / "out")
    run = start(app, "B. Jones")
    app.bench_view.steps[0].tick.value = True
    with Store(member_url) as st:
        got = [(e.type, e.operator) for e in st.events(run.id)]
    assert got == [("started", "B. Jones"), ("step_checked", "B. Jones")]
    assert "1 of 18 steps checked" in app.status.value


def test_the_app_says_no_for_another_name(member_url, tmp_path):
    app = pk.RadioligandBinding().form(store=member_url, out_dir=tmp_path / "out")
    assert start(app, "A. Smith") is None
    message = app.bench_view.start_message.value
    assert "operator A. Smith is not the database user B. Jones" in message
