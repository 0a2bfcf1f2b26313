"""Recorded times (UTC, microseconds) shown in the local zone to the second."""
import os
import re
import time

import pytest

from protocol_kit.widgets.html import local_time

from .conftest import start


@pytest.fixture
def new_york():
    old = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    yield
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    time.tzset()


def test_a_utc_time_is_shown_in_the_local_zone_to_the_second(new_york):
    # 1 March is standard time in New York: UTC-5, so 14:30:59.999 UTC is 09:30:59 EST
    assert local_time("2025-03-01T14:30:59.999999+00:00") == "2025-03-01 09:30:59 EST"
    # 1 July is daylight time, UTC-4; 02:00 UTC is still the evening before
    assert local_time("2025-07-01T02:00:00.000001+00:00") == "2025-06-30 22:00:00 EDT"
    assert local_time(None) == "" and local_time("") == ""


def test_the_bench_record_and_ticks_show_local_times(app, new_york):
    run = start(app)
    step = run.protocol.checklist[0].id
    run.check(step)
    shown = app.session.bench.events()[-1]["time"]
    assert shown == local_time(run.events[-1].time)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d E[SD]T", shown)
    assert next(s for s in app.session.bench.steps() if s["id"] == step)["done_at"] == shown
