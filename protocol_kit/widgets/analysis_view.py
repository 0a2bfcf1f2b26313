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
        kind = self.analysis.exclusion_kind()
        self.exclude_item = w.Text(description=kind.capitalize(), style={"description_width": "160px"},
                                   placeholder="e.g. A3" if kind == "well" else "e.g. R03",
                                   layout=w.Layout(width="300px"))
        self.exclude_reason = w.Text(description="Reason", placeholder="why it is left out",
                                     layout=w.Layout(width="360px"))
        self.exclude_button = ui.button(f"Exclude {kind}", f"Leave this {kind} out of the analysis; "
                                        "recorded in the run with the reason", "pk-exclude")
        self.exclude_button.on_click(lambda _: self.exclude())
        self.supersede_file = w.Dropdown(options=[], description="Data file", style={"description_width": "160px"},
                                         layout=w.Layout(width="300px"))
        self.supersede_reason = w.Text(description="Reason", placeholder="e.g. wrong plate exported",
                                       layout=w.Layout(width="360px"))
        self.supersede_button = ui.button("Supersede file", "Keep this file in the record but leave it out of "
                                          "the analysis; recorded with the reason", "pk-supersede")
        self.supersede_button.on_click(lambda _: self.supersede())
        self.choice_message = ui.message_box()
        self.choices = w.HTML()
        self.choices.add_class("pk-choices")
        self.results = w.HTML()
        self.results.add_class("pk-results")
        self.detail = w.HTML()
        self.closed_message = ui.message_box()   # why nothing is recorded (a review closed the run)
        self.closed_message.add_class("pk-closed")
        self.widget = w.VBox([self.closed_message, ui.heading("Options"), *self.options.values(),
                              ui.heading("Exclusions and superseded files"),
                              w.HBox([self.exclude_item, self.exclude_reason, self.exclude_button]),
                              w.HBox([self.supersede_file, self.supersede_reason, self.supersede_button]),
                              self.choice_message, self.choices,
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

    def exclude(self) -> None:
        item, reason = self.exclude_item.value, self.exclude_reason.value
        event = ui.attempt(lambda: self.analysis.exclude(item, reason), self.choice_message,
                           lambda e: f"{e.payload['kind']} {e.payload['item']} excluded (event {e.seq}); "
                                     "run the analysis again to apply it.")
        if event is not None:
            self.exclude_item.value = self.exclude_reason.value = ""
            self.session.changed()

    def supersede(self) -> None:
        name, reason = self.supersede_file.value, self.supersede_reason.value
        event = ui.attempt(lambda: self.analysis.supersede(name or "", reason), self.choice_message,
                           lambda e: f"{e.payload['name']} superseded (event {e.seq}); it stays in the record. "
                                     "Read the right file on the Data step and run the analysis again.")
        if event is not None:
            self.supersede_reason.value = ""
            self.session.changed()

    def show_choices(self) -> None:
        rows = self.analysis.exclusions() + self.analysis.superseded()
        self.choices.value = html.table(rows, [("item", "left out"), ("reason", "reason"), ("by", "recorded by")],
                                        css="pk-choice-table") if rows else ""
        files = self.analysis.current_files()
        self.supersede_file.options = files
        # exclusions and superseded files are analysis choices: open until a review, like the analysis
        open_run = self.session.run is not None and self.session.closed() is None
        for control in (self.exclude_button, self.exclude_item, self.exclude_reason):
            control.disabled = not open_run
        for control in (self.supersede_button, self.supersede_file, self.supersede_reason):
            control.disabled = not open_run or not files

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
        closed = s.closed()
        ui.show(self.closed_message, "Note" if closed else None, closed or "")
        ready = s.run is not None and s.data.frame is not None and closed is None
        self.run_button.disabled = not ready
        self.show_choices()
        if self.analysis.view is not None:
            self.show_result()
        else:
            why = ("start the run (Bench) and read a data file (Data) first" if not ready
                   else "choose the options and press 'Run analysis'.")
            self.results.value = html.message("Note", why)
