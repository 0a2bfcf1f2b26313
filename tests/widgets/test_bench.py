"""The Bench step driven through its widgets: every action is an event in the store at once."""
import asyncio
import threading

from protocol_kit.widgets.bench import Countdown

from .conftest import events, start


def test_start_needs_a_name_and_fixes_the_plan(app, store_path):
    app.bench_view.start_button.click()
    assert app.session.run is None
    assert "Error:" in app.bench_view.start_message.value and "Your name" in app.bench_view.start_message.value
    run = start(app, "A. Smith")
    assert events(store_path, run.id)[0][0] == "started"
    assert events(store_path, run.id)[0][1]["params"]["top_conc"] == "10.0 uM"
    assert app.bench_view.start_button.disabled
    assert app.plan_view.fields["top_conc"].control.disabled
    assert "fixed" in app.plan_view.status.value
    assert run.id in app.status.value


def test_the_run_records_the_plan_as_edited_in_the_form(app, store_path):
    app.plan_view.fields["replicates"].control.value = "2"
    run = start(app)
    assert events(store_path, run.id)[0][1]["params"]["replicates"] == 2


def test_ticking_a_step_records_it_with_time_and_operator(app, store_path):
    run = start(app, "B. Jones")
    row = app.bench_view.steps[0]
    assert row.step_id == "rb-buffer" and not row.tick.disabled
    row.tick.value = True
    recorded = events(store_path, run.id)
    assert recorded[-1] == ("step_checked", {"step_id": "rb-buffer"})
    check = run.steps["rb-buffer"]
    assert check.operator == "B. Jones"
    assert row.tick.disabled and row.tick.value
    assert "B. Jones" in row.status.value and check.time[11:19] in row.status.value
    assert "1 of 18 steps checked" in app.status.value


def test_steps_cannot_be_ticked_before_the_run_starts(app):
    assert all(r.tick.disabled for r in app.bench_view.steps)


def test_a_tick_that_is_not_recorded_does_not_stay_ticked(app, store_path):
    run = start(app)
    run.check("rb-filters", operator="Someone else")  # e.g. from another notebook
    row = app.bench_view.steps[1]
    row.tick.value = True
    assert not row.tick.value
    assert "already checked by Someone else" in app.bench_view.step_message.value
    assert [t for t, _ in events(store_path, run.id)].count("step_checked") == 1


def test_lots_deviations_and_notes_are_events(app, store_path):
    run = start(app)
    bv = app.bench_view
    bv.lot_reagent.value = "NaCl"
    bv.lot_text.value = "L-4711"
    bv.lot_expiry.value = "2030-01-31"
    bv.lot_button.click()
    assert events(store_path, run.id)[-1] == ("lot_recorded", {"reagent": "NaCl", "lot": "L-4711",
                                                               "expiry": "2030-01-31"})
    assert "L-4711" in bv.lot_table.value and "not recorded" in bv.lot_table.value
    bv.dev_text.value = "filters soaked 2 h"
    bv.dev_step.value = "rb-filters"
    bv.dev_button.click()
    assert events(store_path, run.id)[-1] == ("deviation", {"reason": "filters soaked 2 h", "step_id": "rb-filters"})
    bv.note_text.value = "membranes cloudy"
    bv.note_button.click()
    assert events(store_path, run.id)[-1] == ("note", {"text": "membranes cloudy"})
    assert bv.note_text.value == ""
    assert "membranes cloudy" in bv.record.value and "filters soaked 2 h" in bv.record.value


def test_an_empty_lot_is_refused_beside_the_button_and_not_recorded(app, store_path):
    run = start(app)
    n = len(events(store_path, run.id))
    app.bench_view.lot_button.click()
    assert "lot" in app.bench_view.lot_message.value and "Error:" in app.bench_view.lot_message.value
    assert len(events(store_path, run.id)) == n


def test_countdown_text_with_a_clock():
    now = [100.0]
    c = Countdown(3600, clock=lambda: now[0])
    assert c.text() == "1:00:00 (not started)"
    c.start()
    now[0] += 61
    assert c.text() == "58:59 left" and not c.done
    now[0] += 3600
    assert c.text() == "time is up" and c.done and c.remaining() == 0


def test_timed_steps_get_a_timer_and_untimed_steps_none(app):
    timed = {r.step_id for r in app.bench_view.steps if r.timer_button is not None}
    assert timed == {"rb-filters", "rb-incubate", "rb-dry"}  # the steps with timer=True in the checklist
    row = next(r for r in app.bench_view.steps if r.step_id == "rb-dry")
    assert row.timer_button.description == "Start 30 min timer"
    assert row.timer_bar.max == 1800


def test_the_timer_counts_down_on_the_event_loop(app):
    app.session.bench.timers["rb-filters"] = Countdown(0.3)
    row = next(r for r in app.bench_view.steps if r.step_id == "rb-filters")

    async def go():
        app.bench_view.start_timer("rb-filters")
        assert row.timer_button.disabled
        await asyncio.sleep(1.6)

    asyncio.run(go())
    assert "time is up" in row.timer_text.value and not row.timer_button.disabled


def test_actions_from_another_thread_are_recorded(app, store_path):
    """The kernel may run widget callbacks on another thread than the one that started the run."""
    run = start(app)
    failures = []

    def tick():
        try:
            app.bench_view.steps[0].tick.value = True
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    worker = threading.Thread(target=tick)
    worker.start()
    worker.join(30)
    assert failures == [] and "Error:" not in app.bench_view.step_message.value
    assert events(store_path, run.id)[-1] == ("step_checked", {"step_id": "rb-buffer"})
