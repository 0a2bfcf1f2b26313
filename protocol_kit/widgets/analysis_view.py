"""The Analysis step's widgets: the options, the run button with a busy indicator, the results
table with flags in words and the fitted curves. Bound to
:class:`~protocol_kit.widgets.analysis.AnalysisController`."""
from __future__ import annotations

import ipywidgets as w

from . import html, ui


class AnalysisView:
    def __init__(self, session) -> None:
        self.session = session
        self.analysis = session.analysis
        self.options = {o.name: w.Dropdown(options=o.labels, value=o.labels[0], description=o.label,
                                           tooltip=o.help, style={"description_width": "160px"},
                                           layout=w.Layout(width="460px"))
                        for o in self.analysis.options()}
        self.run_button = ui.button("Run analysis", "Analyse the data file and record the result",
                                    "pk-run-analysis", "primary")
        self.run_button.on_click(lambda _: self.run())
        self.progress = ui.progress()
        self.message = ui.message_box()
        self.results = w.HTML()
        self.results.add_class("pk-results")
        self.detail = w.HTML()
        self.widget = w.VBox([ui.heading("Options"), *self.options.values(),
                              w.HBox([self.run_button, self.progress, self.message]),
                              ui.heading("Results"), self.results, self.detail])
        self.widget.add_class("pk-analysis")
        session.listeners.append(self.refresh)
        self.refresh()

    def run(self) -> None:
        chosen = {name: dd.value for name, dd in self.options.items()}
        with ui.busy(self.progress, "Analysing", self.run_button):
            result = ui.attempt(lambda: self.analysis.run(**chosen), self.message,
                                "analysed and recorded in the run.")
        if result is not None:
            self.session.changed()

    def show_result(self) -> None:
        """The recorded result: the headline table, the flags in words, the curves."""
        a = self.analysis
        rows = a.rows()
        flags = "".join(f"<li><b>{html.esc(f['code'] or 'note')}</b>: {html.esc(f['meaning'])}"
                        + "".join(f"<br>{html.esc(d)}" for d in f["details"]) + "</li>" for f in a.flags())
        self.results.value = (
            f"<p style='white-space:pre-line'>{html.esc(a.summary())}</p>"
            + html.table(rows, [("label", "result"), ("value", "value"), ("interval", "interval"), ("note", "note")],
                         css="pk-result-table")
            + "<p><b>Quality checks:</b></p>"
            + (f"<ul class='pk-flags'>{flags}</ul>" if flags else html.message("Done", "all checks passed.")))
        self.detail.value = "".join(f"<figure><figcaption><b>{html.esc(f['title'])}</b></figcaption>{f['svg']}"
                                    f"<p><small>{html.esc(f['caption'])}</small></p></figure>" for f in a.figures())

    def refresh(self) -> None:
        s = self.session
        ready = s.run is not None and s.data.frame is not None and s.run.state.data_open
        self.run_button.disabled = not ready
        if self.analysis.view is not None:
            self.show_result()
        else:
            why = ("start the run (Bench) and read a data file (Data) first" if not ready
                   else "choose the options and press 'Run analysis'.")
            self.results.value = html.message("Note", why)
