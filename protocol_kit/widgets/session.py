"""One app session: a protocol, a store, the run, and a controller per step.

The widgets bind to this object and compute nothing of their own; tests drive it directly.
``Session(p, run_id=...)`` resumes a recorded run: the plan is rebuilt from the run and fixed,
the latest data file is read, and :meth:`Session.stage` says where the run stopped.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ProtocolKitError
from .analysis import AnalysisController
from .bench import BenchController
from .data import DataController
from .html import local_time
from .plan import PlanController
from .report import ReportController

if TYPE_CHECKING:
    from ..core.protocol import Protocol
    from ..records import Run

STEPS = ("Plan", "Bench", "Data", "Analysis", "Report")


class Session:
    """Controllers of the five steps over one protocol and (once started) one run.

    ``store``: a Store, a path or None (``$PROTOCOL_KIT_STORE`` / ``./protocol_kit.db``);
    ``out_dir``: where sheets and reports are written (default ``./protocol_kit_files``).

    The kernel may run widget callbacks on more than one thread, and an SQLite connection
    belongs to the thread that opened it, so :attr:`run` is opened once per thread.
    """

    def __init__(self, protocol: Protocol, *, store=None, run_id: str | None = None,
                 operator: str | None = None, out_dir: str | os.PathLike | None = None) -> None:
        from ..records import Store
        from ..records.backend import default_location, is_url

        self.store = (store.backend.url if store.backend.dialect == "postgresql" else store.path) \
            if isinstance(store, Store) else store if is_url(store) else Path(store) if store is not None \
            else default_location()
        self.out_dir = Path(out_dir) if out_dir is not None else Path.cwd() / "protocol_kit_files"
        self.run_id: str | None = None
        self._run_protocol: Protocol | None = None
        self.operator = operator
        self._local = threading.local()
        self.plan = PlanController(protocol)
        self.bench = BenchController(self)
        self.data = DataController(self)
        self.analysis = AnalysisController(self)
        self.report = ReportController(self)
        self.listeners: list = []
        if run_id is not None:
            self.resume(run_id, operator=operator)

    @property
    def run(self) -> Run | None:
        """The run, opened in the calling thread and up to date; None before it is started."""
        if self.run_id is None:
            return None
        run = getattr(self._local, "run", None)
        if run is None or run.id != self.run_id:
            from ..records import open_run

            run = self._local.run = open_run(self.run_id, self.store)
        run.operator = self.operator
        return run.refresh()  # events another thread (or process) recorded since

    @property
    def protocol(self) -> Protocol:
        """The plan: the run's own once a run is started or resumed (what it recorded, whatever the
        form holds), else the form's."""
        return self._run_protocol if self._run_protocol is not None else self.plan.protocol

    def attach(self, run: Run) -> None:
        """Bind a started run; the plan is fixed from here on."""
        self.run_id, self._local.run = run.id, run
        self._run_protocol = run.protocol
        handovers = run.state.handovers  # who records: the last hand-over's, else who started it
        self.operator = self.operator or run.operator or (handovers[-1].to if handovers else run.state.operator)
        self.plan.load(run.protocol)
        self.plan.locked = True
        self.changed()

    def resume(self, run_id: str, *, operator: str | None = None) -> None:
        """Continue the recorded run ``run_id`` where it stopped."""
        from ..records import open_run

        run = open_run(run_id, self.store, operator=operator)
        if run.state.protocol != self.plan.cls.id:
            raise ProtocolKitError(f"run {run_id} is a {run.state.protocol} run, not {self.plan.cls.id}; "
                                   f"open it with pk.app(run_id={run_id!r})")
        self.attach(run)
        self.data.resume()
        self.analysis.resume()

    def bench_closed(self) -> str | None:
        """Why the bench record (step ticks, lots, notes, deviations, hand-overs) takes nothing
        more: the run's first signature closed it; None while it is open."""
        run = self.run
        if run is None or not run.locked:
            return None
        first = run.signatures[0]
        return (f"the bench record is closed: signed '{first.meaning}' by {first.name} at {local_time(first.time)}; "
                "steps, lots, notes and deviations can no longer be recorded.")

    def closed(self) -> str | None:
        """Why the run takes nothing more from the app (no data file, analysis, exclusion,
        recorded report or signature): a signature other than 'performed' or 'witnessed' (a
        review) closed it (:func:`protocol_kit.records.events.allowed_after_signing`); None
        while it is open."""
        from ..records.events import BENCH_MEANINGS

        run = self.run
        if run is None or run.state.data_open:
            return None
        review = next(s for s in run.signatures if s.meaning not in BENCH_MEANINGS)
        return (f"the run is closed: signed '{review.meaning}' by {review.name} at {local_time(review.time)}; "
                "nothing more can be recorded (reports rendered now are not recorded).")

    def stage(self) -> str:
        """The step to show: where the run stopped."""
        run = self.run
        if run is None:
            return "Plan"
        if not run.state.data_open or run.reports or run.analyses:
            return "Report"
        if run.data_files:
            return "Analysis" if self.data.frame is not None else "Data"
        checked = set(run.steps)
        if all(s.id in checked for s in run.protocol.checklist):
            return "Data"
        return "Bench"

    def changed(self) -> None:
        """Tell the views the run changed (they re-read what they show)."""
        for listener in list(self.listeners):
            listener()

    def status(self) -> str:
        """One line: the run, how far it is, whether it is signed."""
        run = self.run
        if run is None:
            return f"{self.plan.cls.title}: planning (no run started yet)."
        n = len(run.protocol.checklist)
        signed = "; signed and locked" if run.locked else ""
        return (f"Run {run.id} by {self.operator}: {len(run.steps)} of {n} steps "
                f"checked, {len(run.data_files)} data file(s), {len(run.analyses)} analysis result(s), "
                f"{len(run.reports)} report(s){signed}.")
