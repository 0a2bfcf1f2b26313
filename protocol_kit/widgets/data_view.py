"""The Data step's widgets: upload a file or give its path, the reader's messages, and the
plate map of readings. Bound to :class:`~protocol_kit.widgets.data.DataController`."""
from __future__ import annotations

import ipywidgets as w

from . import html, ui

LABEL = {"description_width": "140px"}


class DataView:
    def __init__(self, session) -> None:
        self.session = session
        self.data = session.data
        self.upload = w.FileUpload(accept=".csv,.tsv,.txt,.xlsx,.xls", multiple=False,
                                   description="Upload data file", tooltip="the instrument's export file",
                                   layout=w.Layout(width="auto"))
        self.upload.add_class("pk-upload")
        self.upload.observe(lambda ch: self.uploaded(), names="value")
        self.path = w.Text(description="or a path on disk", placeholder="e.g. counts.csv", style=LABEL,
                           layout=w.Layout(width="460px"))
        self.path.add_class("pk-path")
        self.path_button = ui.button("Attach file", "Attach the file at this path to the run", "pk-attach")
        self.path_button.on_click(lambda _: self.attach_path())
        self.message = ui.message_box()
        self.progress = ui.progress()
        self.readings = w.HTML()
        self.readings.add_class("pk-readings-box")
        self.widget = w.VBox([
            ui.heading("Instrument file"),
            w.HBox([self.upload, self.progress]), w.HBox([self.path, self.path_button]),
            self.message, ui.heading("Readings on the plan"), self.readings,
        ])
        self.widget.add_class("pk-data")
        session.listeners.append(self.refresh)
        self.refresh()

    def uploaded(self) -> None:
        files = self.upload.value
        if not files:
            return
        f = files[0]
        with ui.busy(self.progress, "Reading", self.path_button):
            name = ui.attempt(lambda: self.data.attach_bytes(f["name"], bytes(f["content"])), self.message)
        self.upload.value = ()  # ready for the next file
        if name is not None:
            self._after_read()

    def attach_path(self) -> None:
        with ui.busy(self.progress, "Reading", self.path_button):
            name = ui.attempt(lambda: self.data.attach_path(self.path.value), self.message)
        if name is not None:
            self._after_read()

    def _after_read(self) -> None:
        ui.show(self.message, "Error" if self.data.error else "Done", self.data.summary())
        self.session.changed()

    def refresh(self) -> None:
        started = self.session.run is not None and self.session.run.state.data_open
        self.upload.disabled = not started
        self.path_button.disabled = not started
        if self.session.run is None:
            self.readings.value = html.message("Note", "start the run on the Bench step first.")
            return
        plates = self.data.plates()
        if plates:
            self.readings.value = "".join(html.readings_map(p) for p in plates)
        elif self.data.frame is not None:
            self.readings.value = html.frame(self.data.frame, css="pk-data-table", max_rows=50)
        else:
            self.readings.value = html.message("Error" if self.data.error else "Note", self.data.summary())
