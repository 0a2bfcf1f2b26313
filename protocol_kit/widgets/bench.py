"""The Bench step as a plain object: start the run, tick steps, record lots, deviations, notes.

Every action is one call on the :class:`~protocol_kit.records.Run`, so it is an event in the
store at once; the controller only reads the run's state back for display. Bad input raises
the records layer's ``ProtocolKitError`` (naming the field), which the view shows beside the
control.
"""
from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from ..errors import ParameterError, ProtocolKitError
from ..records.run import utc_today
from .html import local_time


class Countdown:
    """A countdown for a timed step; ``clock`` gives seconds (monotonic), for tests."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = float(seconds)
        self.clock = clock
        self.started: float | None = None

    def start(self) -> None:
        self.started = self.clock()

    def remaining(self) -> float:
        if self.started is None:
            return self.seconds
        return max(0.0, self.seconds - (self.clock() - self.started))

    @property
    def done(self) -> bool:
        return self.started is not None and self.remaining() == 0

    def text(self) -> str:
        """'59:58 left', 'time is up', or the duration before it starts ('60:00')."""
        left = round(self.remaining())
        clock = f"{left // 3600}:{left % 3600 // 60:02d}:{left % 60:02d}" if left >= 3600 \
            else f"{left // 60:02d}:{left % 60:02d}"
        if self.started is None:
            return f"{clock} (not started)"
        return "time is up" if self.done else f"{clock} left"


class BenchController:
    """The run at the bench. ``session`` provides the protocol, the store and the run."""

    def __init__(self, session) -> None:
        self.session = session
        self.timers: dict[str, Countdown] = {}
        self._timers_plan = None  # the plan whose durations the timers count

    @property
    def run(self):
        return self.session.run

    @property
    def protocol(self):
        """The plan at the bench: the run's own once it is started, else the form's."""
        return self.session.protocol

    def _open_run(self):
        if self.run is None:
            raise ProtocolKitError("no run yet: enter your name and press 'Start run' first")
        self.run.refresh()
        return self.run

    def start(self, operator: str):
        """Start a run of the current plan; the plan is fixed from here on."""
        if self.run is not None:
            raise ProtocolKitError(f"run {self.run.id} is already started")
        plan = self.session.plan
        if not isinstance(operator, str) or not operator.strip():
            raise ParameterError("Your name", operator, "the name of the person doing the work, e.g. A. Smith",
                                 reason="is empty")
        if not plan.valid:
            raise ProtocolKitError(f"the plan has problems; {plan.status}")
        run = plan.protocol.start_run(operator=operator, store=self.session.store)
        self.session.attach(run)
        return run

    def hand_over(self, to: str):
        """Another person records from now on: a hand-over event, recorded by the one handing
        over. The name given at 'Start run' is otherwise fixed for the run."""
        if not isinstance(to, str) or not to.strip():
            raise ParameterError("Hand over to", to, "the name of the person taking over", reason="is empty")
        event = self._open_run().hand_over(to.strip())
        self.session.operator = to.strip()
        return event

    # -- actions: each is one event ----------------------------------------------------------
    def check(self, step_id: str):
        return self._open_run().check(step_id)

    def record_lot(self, reagent: str, lot: str, expiry: dt.date | str | None = None,
                   acknowledge_expired: bool = False):
        """Record a lot; ``expiry`` as typed (see :func:`expiry_date`); a past expiry date only
        with ``acknowledge_expired`` (the event says so)."""
        date = expiry_date(expiry)
        if date is not None and date.isoformat() < utc_today() and not acknowledge_expired:
            raise ParameterError("Expiry date", date.isoformat(), f"a date from today ({utc_today()}) on, or tick "
                                 "'Record although expired' to record this lot on purpose",
                                 reason="is past: the lot has expired")
        return self._open_run().record_lot(reagent, lot, expiry=date, acknowledge_expired=bool(acknowledge_expired))

    def deviation(self, reason: str, step_id: str | None = None):
        return self._open_run().deviation(reason, step_id=step_id or None)

    def note(self, text: str):
        return self._open_run().note(text)

    # -- reading back ------------------------------------------------------------------------
    def steps(self) -> list[dict]:
        """The checklist with who ticked each step and when ('' when not yet)."""
        done = self.run.steps if self.run is not None else {}
        out = []
        for s in self.protocol.checklist:
            check = done.get(s.id)
            out.append({**s.to_dict(), "timer": bool(s.timer and s.duration is not None),  # a timer needs a time
                        "done_by": check.operator if check else "", "done_at": local_time(check.time) if check else ""})
        return out

    def timer(self, step_id: str) -> Countdown:
        """The countdown of a timed step of the current plan (created on first use; a new plan,
        such as the run's own when it starts, gets new countdowns of its own durations)."""
        if self._timers_plan is not self.protocol:
            self.timers.clear()
            self._timers_plan = self.protocol
        if step_id not in self.timers:
            step = next((s for s in self.protocol.checklist if s.id == step_id), None)
            if step is None or not step.timer or step.duration is None:
                raise ParameterError("step_id", step_id, "a step with a timer of this plan")
            self.timers[step_id] = Countdown(step.duration.to("s").magnitude)
        return self.timers[step_id]

    def reagent_names(self) -> list[str]:
        return [str(r).strip() for r in self.protocol.reagents["reagent"]]

    def lots(self) -> list[dict]:
        """Every reagent with its recorded lot and expiry ('' when not recorded)."""
        latest = {rec.reagent: rec for rec in (self.run.lots if self.run is not None else ())}
        rows = []
        for name in self.reagent_names():
            rec = latest.get(name)
            rows.append({"reagent": name, "lot": rec.lot if rec else "",
                         "expiry": (rec.expiry or "") if rec else "",
                         "status": ("EXPIRED" if rec.expired else "recorded") if rec else "not recorded"})
        return rows

    def events(self) -> list[dict]:
        """The run's record, one row per event, oldest first."""
        if self.run is None:
            return []
        return [{"seq": e.seq, "time": local_time(e.time), "operator": e.operator, "event": e.type,
                 "what": _describe(e.payload)} for e in self.run.events]


def expiry_date(text: dt.date | str | None) -> dt.date | None:
    """The expiry date as typed in the form: empty means none on the label; otherwise a whole
    date, YYYY-MM-DD (ISO 8601, the one order nobody misreads), or the field's error."""
    if text is None or isinstance(text, dt.date):
        return text
    text = str(text).strip()
    if not text:
        return None
    try:
        if len(text) != 10:
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ParameterError("Expiry date", text, "a whole date as YYYY-MM-DD, e.g. 2026-03-31, or empty when "
                             "the label has none", reason="is not a date") from None


def _describe(payload: dict) -> str:
    """An event's content in one line (keys of interest first; long values shortened)."""
    keys = ("step_id", "reagent", "lot", "expiry", "expired_acknowledged", "from", "to", "reason", "text", "name",
            "meaning", "protocol")
    parts = [f"{k}: {payload[k]}" for k in keys if payload.get(k) not in (None, "")]
    line = "; ".join(parts)
    return line if len(line) <= 120 else line[:117] + "..."
