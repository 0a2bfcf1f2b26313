"""The guided app: five steps in a tab bar over one :class:`Session`, and a protocol picker.

``ProtocolApp`` is an ipywidgets ``VBox`` (display it, or leave it last in a cell); its
``session`` holds the logic and each ``*_view`` its widgets, so tests can set values and click.
"""
from __future__ import annotations

import ipywidgets as w

from ..core.protocol import Protocol, protocol_class, protocol_ids
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
    """Pick a protocol, then its app appears below (``pk.app()``)."""

    def __init__(self, *, store=None, out_dir=None) -> None:
        self.store, self.out_dir = store, out_dir
        options = [(f"{protocol_class(i).title} ({i})", i) for i in protocol_ids()]
        self.choice = w.Dropdown(options=options, description="Protocol", style={"description_width": "80px"},
                                 layout=w.Layout(width="520px"))
        self.open_button = ui.button("Open", "Open the guided form of this protocol", "pk-open", "primary")
        self.open_button.on_click(lambda _: self.open())
        self.app: ProtocolApp | None = None
        self.holder = w.VBox()
        super().__init__([w.HBox([self.choice, self.open_button]), self.holder])
        self.add_class("pk-picker")

    def open(self) -> ProtocolApp:
        self.app = ProtocolApp(protocol_class(self.choice.value)(), store=self.store, out_dir=self.out_dir)
        self.holder.children = [self.app]
        return self.app
