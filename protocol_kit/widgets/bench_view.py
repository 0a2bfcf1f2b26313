"""The Bench step's widgets: start the run, the checklist with tick boxes and timers, lots,
deviations and notes, and the record so far. Bound to
:class:`~protocol_kit.widgets.bench.BenchController`."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass

import ipywidgets as w

from ..errors import ProtocolKitError
from . import html, ui

LABEL = {"description_width": "120px"}


@dataclass
class StepRow:
    step_id: str
    tick: w.Checkbox
    status: w.HTML
    timer_button: w.Button | None
    timer_text: w.HTML | None
    timer_bar: w.IntProgress | None
    box: w.Box


class BenchView:
    def __init__(self, session) -> None:
        self.session = session
        self.bench = session.bench
        self.operator = w.Text(description="Your name", placeholder="e.g. A. Smith", style=LABEL,
                               value=session.run.operator or "" if session.run else "")
        self.operator.add_class("pk-operator")
        self.start_button = ui.button("Start run", "Start recording a run of this plan", "pk-start", "primary")
        self.start_message = ui.message_box()
        self.start_button.on_click(lambda _: self.start())
        self.handover_to = w.Text(description="Hand over to", placeholder="who takes over", style=LABEL)
        self.handover_button = ui.button("Hand over", "Record that another person does the work from now on",
                                         "pk-handover")
        self.handover_message = ui.message_box()
        self.handover_button.on_click(lambda _: self.hand_over())
        self.steps: list[StepRow] = []
        self.checklist = w.VBox()
        self.step_message = ui.message_box()
        self.lot_reagent = w.Dropdown(description="Reagent", style=LABEL, layout=w.Layout(width="460px"))
        self.lot_text = w.Text(description="Lot", placeholder="lot or batch on the label", style=LABEL)
        self.lot_expiry = w.Text(description="Expiry date", placeholder="YYYY-MM-DD, or empty", style=LABEL,
                                 continuous_update=True)
        self.lot_expiry_message = ui.message_box()
        self.lot_expiry.observe(lambda ch: self._expiry_typed(), names="value")
        self.lot_expired_ok = w.Checkbox(description="Record although expired (the record says so)", value=False,
                                         indent=False, layout=w.Layout(width="auto"))
        self.lot_button = ui.button("Record lot", "Record this reagent's lot and expiry", "pk-lot")
        self.lot_message = ui.message_box()
        self.lot_table = w.HTML()
        self.lot_button.on_click(lambda _: self.record_lot())
        self.dev_text = w.Textarea(description="Deviation", placeholder="what was done differently, and why",
                                   style=LABEL, layout=w.Layout(width="460px"))
        self.dev_step = w.Dropdown(description="Step", style=LABEL)
        self.dev_button = ui.button("Record deviation", "Record a departure from the plan", "pk-deviation")
        self.dev_message = ui.message_box()
        self.dev_button.on_click(lambda _: self.record_deviation())
        self.note_text = w.Textarea(description="Note", placeholder="an observation", style=LABEL,
                                    layout=w.Layout(width="460px"))
        self.note_button = ui.button("Record note", "Record a note", "pk-note")
        self.note_message = ui.message_box()
        self.note_button.on_click(lambda _: self.record_note())
        self.record = w.HTML()
        self.closed_message = ui.message_box()   # why nothing more is recorded here (signed)
        self.closed_message.add_class("pk-closed")
        self.widget = w.VBox([
            self.closed_message,
            ui.heading("Start"), w.HBox([self.operator, self.start_button, self.start_message]),
            w.HBox([self.handover_to, self.handover_button, self.handover_message]),
            ui.heading("Checklist (a tick records the time and your name at once)"),
            self.checklist, self.step_message,
            ui.heading("Reagent lots"), self.lot_reagent, w.HBox([self.lot_text, self.lot_expiry, self.lot_expiry_message]),
            self.lot_expired_ok,
            w.HBox([self.lot_button, self.lot_message]), self.lot_table,
            ui.heading("Deviation"), self.dev_text, self.dev_step, w.HBox([self.dev_button, self.dev_message]),
            ui.heading("Note"), self.note_text, w.HBox([self.note_button, self.note_message]),
            ui.heading("The record so far"), self.record,
        ])
        self.widget.add_class("pk-bench")
        self._plan = None  # the plan whose steps and reagents are drawn
        session.listeners.append(self.refresh)
        self.refresh()

    def _step_row(self, number: int, step: dict) -> StepRow:
        tick = w.Checkbox(value=bool(step["done_by"]), description=f"Step {number} done", indent=False,
                          layout=w.Layout(width="130px"))
        extra = [x for x in (step["duration"], step["temperature"], step["hazards"].upper()) if x]
        text = w.HTML(f"<b>{html.esc(step['id'])}</b> {html.esc(step['text'])}"
                      + (f" <i>({html.esc('; '.join(extra))})</i>" if extra else "")
                      + (f"<br><small>{html.esc(step['note'])}</small>" if step["note"] else ""),
                      layout=w.Layout(width="520px"))
        status = w.HTML(layout=w.Layout(width="260px"))
        parts: list[w.Widget] = [tick, text, status]
        t_button = t_text = t_bar = None
        if step["timer"]:
            countdown = self.bench.timer(step["id"])
            t_button = ui.button(f"Start {step['duration']} timer", "Start the countdown of this step",
                                 f"pk-timer-{step['id']}")
            t_text = w.HTML(countdown.text())
            t_bar = w.IntProgress(value=0, min=0, max=max(1, round(countdown.seconds)), description="elapsed",
                                  layout=w.Layout(width="200px"))
            t_button.on_click(lambda _, s=step["id"]: self.start_timer(s))
            parts += [t_button, t_text, t_bar]
        box = w.HBox(parts, layout=w.Layout(flex_flow="row wrap", align_items="center"))
        box.add_class(f"pk-step-{step['id']}")
        row = StepRow(step["id"], tick, status, t_button, t_text, t_bar, box)
        tick.observe(lambda ch, r=row: self._ticked(r, ch["new"]), names="value")
        return row

    # -- actions -----------------------------------------------------------------------------
    def start(self) -> None:
        run = ui.attempt(lambda: self.bench.start(self.operator.value), self.start_message,
                         lambda r: f"run {r.id} started; every action below is recorded at once.")
        if run is not None:
            self.session.changed()

    def hand_over(self) -> None:
        """Record a hand-over; the name shown is the new person's from now on."""
        if ui.attempt(lambda: self.bench.hand_over(self.handover_to.value), self.handover_message,
                      lambda e: f"{e.payload['from']} handed over to {e.payload['to']}; recorded.") is not None:
            self.handover_to.value = ""
            self.session.changed()

    def _ticked(self, row: StepRow, value: bool) -> None:
        if not value or row.tick.disabled:
            return
        event = ui.attempt(lambda: self.bench.check(row.step_id), self.step_message,
                           lambda e: f"{row.step_id} checked by {e.operator} at {html.local_time(e.time)}.")
        if event is None:
            row.tick.value = False  # not recorded: the box does not stay ticked
            return
        self.session.changed()

    def record_lot(self) -> None:
        def done(e) -> str:
            p = e.payload
            expiry = (f", expiry {p['expiry']}" + (" (EXPIRED, acknowledged)" if p.get("expired_acknowledged") else "")
                      if p.get("expiry") else ", no expiry date")
            return f"lot {p['lot']} of {p['reagent']} recorded{expiry}."

        if ui.attempt(lambda: self.bench.record_lot(self.lot_reagent.value, self.lot_text.value,
                                                    self.lot_expiry.value, self.lot_expired_ok.value),
                      self.lot_message, done) is not None:
            self.lot_text.value = self.lot_expiry.value = ""
            self.lot_expired_ok.value = False
            self.session.changed()

    def _expiry_typed(self) -> None:
        """Parse the expiry date as typed and say beside it what it is read as, or why not."""
        from .bench import expiry_date

        try:
            date = expiry_date(self.lot_expiry.value)
        except ProtocolKitError as exc:
            ui.show(self.lot_expiry_message, "Error", str(exc))
            return
        if date is None:
            ui.show(self.lot_expiry_message, None)
        else:
            ui.show(self.lot_expiry_message, "Note", f"read as {date:%d %B %Y}.")

    def record_deviation(self) -> None:
        if ui.attempt(lambda: self.bench.deviation(self.dev_text.value, self.dev_step.value),
                      self.dev_message, "deviation recorded.") is not None:
            self.dev_text.value = ""
            self.session.changed()

    def record_note(self) -> None:
        if ui.attempt(lambda: self.bench.note(self.note_text.value), self.note_message,
                      "note recorded.") is not None:
            self.note_text.value = ""
            self.session.changed()

    def start_timer(self, step_id: str) -> None:
        """Start the countdown; an asyncio task on the kernel's loop updates it every second
        (no threads). Without a running loop (tests), call :meth:`tick_timer` yourself."""
        self.bench.timer(step_id).start()
        self.tick_timer(step_id)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        loop.create_task(self._count(step_id))

    async def _count(self, step_id: str) -> None:
        countdown = self.bench.timer(step_id)
        while not countdown.done:
            await asyncio.sleep(1)
            self.tick_timer(step_id)

    def tick_timer(self, step_id: str) -> None:
        row = next(r for r in self.steps if r.step_id == step_id)
        countdown = self.bench.timer(step_id)
        row.timer_text.value = (f"<b>{html.esc(countdown.text())}</b>" if not countdown.done
                                else html.message("Done", f"{step_id}: time is up."))
        row.timer_bar.value = min(row.timer_bar.max, round(countdown.seconds - countdown.remaining()))
        row.timer_button.disabled = countdown.started is not None and not countdown.done

    # -- reading back ------------------------------------------------------------------------
    def _draw_plan(self) -> None:
        """Draw the steps, timers, reagents and step choices of the plan the bench works on (the
        run's own once started), when it is not the one drawn: a plan edited after this view was
        built, or the plan the run recorded, is what is shown and tickable."""
        plan = self.bench.protocol
        if plan is self._plan:
            return
        self._plan = plan
        self.steps = [self._step_row(i, s) for i, s in enumerate(self.bench.steps(), start=1)]
        self.checklist.children = [r.box for r in self.steps]
        names = self.bench.reagent_names()
        self.lot_reagent.options = names
        self.lot_reagent.value = names[0] if names else None
        self.dev_step.options = [("(no particular step)", "")] + [(r.step_id, r.step_id) for r in self.steps]
        self.dev_step.value = ""

    def refresh(self) -> None:
        self._draw_plan()
        started = self.session.run is not None
        closed = self.session.bench_closed()
        locked = closed is not None
        ui.show(self.closed_message, "Note" if locked else None, closed or "")
        self.start_button.disabled = started
        if started:  # fixed at the start: who records is changed by a hand-over, not by typing
            self.operator.value = self.session.operator or self.session.run.operator or ""
        self.operator.disabled = started
        self.handover_to.disabled = self.handover_button.disabled = not started or locked
        for row, step in zip(self.steps, self.bench.steps()):
            done = bool(step["done_by"])
            if done:
                row.status.value = html.message("Done", f"by {step['done_by']} at {step['done_at'][11:19]} UTC")
            else:
                row.status.value = "<i>not done</i>"
            row.tick.disabled = done or not started or locked  # first: setting the value must not record
            row.tick.value = done
        for b in (self.lot_button, self.dev_button, self.note_button):
            b.disabled = not started or locked
        self.lot_table.value = html.table(self.bench.lots(), [("reagent", "reagent"), ("lot", "lot"),
                                                              ("expiry", "expiry"), ("status", "status")])
        self.record.value = html.table(self.bench.events(), [("seq", "#"), ("time", "time (local)"),
                                                             ("operator", "operator"), ("event", "event"),
                                                             ("what", "what")], css="pk-record")
