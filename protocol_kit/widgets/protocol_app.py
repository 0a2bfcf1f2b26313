"""The guided app: five steps in a tab bar over one :class:`Session`, and a protocol picker.

``ProtocolApp`` is an ipywidgets ``VBox`` (display it, or leave it last in a cell); its
``session`` holds the logic and each ``*_view`` its widgets, so tests can set values and click.
"""
from __future__ import annotations

import ipywidgets as w

from ..core.protocol import Protocol, protocol_class, protocol_ids
from ..errors import ProtocolKitError
from . import html, ui
from .analysis_view import AnalysisView
from .bench_view import BenchView
from .data_view import DataView
from .plan_view import PlanView
from .report_view import ReportView
from .session import STEPS, Session


class ProtocolApp(w.VBox):
    """Plan, Bench, Data, Analysis, Report for one protocol (and one run)."""

    def __init__(self, protocol: Protocol, *, store=None, run_id: str | None = None,
                 operator: str | None = None, out_dir=None) -> None:
        self.session = Session(protocol, store=store, run_id=run_id, operator=operator, out_dir=out_dir)
        self.plan_view = PlanView(self.session)
        self.bench_view = BenchView(self.session)
        self.data_view = DataView(self.session)
        self.analysis_view = AnalysisView(self.session)
        self.report_view = ReportView(self.session)
        views = [self.plan_view, self.bench_view, self.data_view, self.analysis_view, self.report_view]
        self.steps = w.Tab(children=[v.widget for v in views])
        for i, name in enumerate(STEPS):
            self.steps.set_title(i, f"{i + 1}. {name}")
        self.status = w.HTML()
        self.status.add_class("pk-status")
        title = w.HTML(f"{html.STYLE}<h3 style='margin:4px 0'>{html.esc(protocol.title)}</h3>")
        super().__init__([title, self.status, self.steps])
        self.add_class("pk-app")
        self.session.listeners.append(self._status)
        self._status()
        self.steps.selected_index = STEPS.index(self.session.stage())
        self.steps.observe(lambda ch: self._shown(ch["new"]), names="selected_index")

    def _shown(self, index) -> None:
        """Opening the Bench draws the plan as it is now (edited in the form since, or the run's)."""
        if index == STEPS.index("Bench"):
            self.bench_view.refresh()

    def _status(self) -> None:
        ui.show(self.status, "Note", self.session.status())

    def go(self, step: str) -> None:
        """Show the step called ``step`` ('Plan', 'Bench', ...)."""
        self.steps.selected_index = STEPS.index(step)


class ProtocolPicker(w.VBox):
    """Pick a protocol, or type a run's id to resume it; its app appears below (``pk.app()``).

    The actions are :meth:`open_protocol` and :meth:`open_run`: a method called ``open`` would
    replace ipywidgets' ``Widget.open()`` (which creates the widget's model in the front end),
    and the picker would never display ("model not found").
    """

    def __init__(self, *, store=None, out_dir=None, operator: str | None = None) -> None:
        self.store, self.out_dir, self.operator = store, out_dir, operator
        options = [(f"{protocol_class(i).title} ({i})", i) for i in protocol_ids()]
        self.choice = w.Dropdown(options=options, description="Protocol", style={"description_width": "80px"},
                                 layout=w.Layout(width="520px"))
        self.open_button = ui.button("Open", "Open the guided form of this protocol", "pk-open", "primary")
        self.open_button.on_click(lambda _: self.open_protocol())
        self.run_field = w.Text(description="Run id", placeholder="e.g. 20250101-093000-ab12",
                                style={"description_width": "80px"}, layout=w.Layout(width="520px"))
        self.run_field.add_class("pk-run-id")
        self.resume_button = ui.button("Resume", "Open the recorded run with this id where it stopped",
                                       "pk-resume")
        self.resume_button.on_click(lambda _: self.open_run())
        self.message = ui.message_box()
        self.app: ProtocolApp | None = None
        self.holder = w.VBox()
        super().__init__([w.HBox([self.choice, self.open_button]),
                          w.HBox([self.run_field, self.resume_button, self.message]), self.holder])
        self.add_class("pk-picker")

    def open_protocol(self) -> ProtocolApp:
        """A new plan of the chosen protocol."""
        self.app = ProtocolApp(protocol_class(self.choice.value)(), store=self.store, out_dir=self.out_dir,
                               operator=self.operator)
        self.holder.children = [self.app]
        ui.show(self.message, None)
        return self.app

    def open_run(self, run_id: str | None = None) -> ProtocolApp | None:
        """The recorded run ``run_id`` (default: the id typed in the field), resumed where it
        stopped; an unknown or empty id is refused beside the field."""
        from ..records import open_run

        rid = (run_id if run_id is not None else self.run_field.value).strip()

        def resume() -> ProtocolApp:
            if not rid:
                raise ProtocolKitError("Run id: empty; type the id of a recorded run "
                                       "(`protocol-kit runs list` shows them)")
            protocol = open_run(rid, self.store).protocol
            return ProtocolApp(protocol, store=self.store, run_id=rid, operator=self.operator,
                               out_dir=self.out_dir)

        app = ui.attempt(resume, self.message)
        if app is not None:
            self.app = app
            self.choice.value = app.session.protocol.id
            self.holder.children = [app]
        return app
