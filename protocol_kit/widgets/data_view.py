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
        self.fields = {}
        for f in self.data.fields():
            if f.choices:
                field = w.Dropdown(options=[label for label, _ in f.choices], description=f.label, style=LABEL,
                                   tooltip=f.help, layout=w.Layout(width="460px"))
            else:
                field = w.Text(description=f.label, placeholder=f.help, style=LABEL, tooltip=f.help,
                               layout=w.Layout(width="460px"))
            field.add_class(f"pk-read-{f.name.replace('_', '-')}")
            if f.name in self.data.options:  # a resumed run: the options its analysis recorded
                field.value = f.shown(self.data.options[f.name])
            self.fields[f.name] = field
        self.reread_button = ui.button("Read again", "Read the attached file again with these options", "pk-reread")
        self.reread_button.on_click(lambda _: self.reread())
        self.message = ui.message_box()
        self.progress = ui.progress()
        self.readings = w.HTML()
        self.readings.add_class("pk-readings-box")
        self.closed_message = ui.message_box()   # why no file is taken (a review closed the run)
        self.closed_message.add_class("pk-closed")
        self.widget = w.VBox([
            self.closed_message, ui.heading("Instrument file"),
            w.HBox([self.upload, self.progress]), w.HBox([self.path, self.path_button]),
            ui.heading("Reading options"), *self.fields.values(), self.reread_button,
            self.message, ui.heading("Readings on the plan"), self.readings,
        ])
        self.widget.add_class("pk-data")
        session.listeners.append(self.refresh)
        self.refresh()

    def _set_options(self) -> bool:
        """The fields' values to the controller (before a file is read); False on a bad value."""
        shown = {name: field.value for name, field in self.fields.items()}
        return ui.attempt(lambda: self.data.set_options(**shown) is not None, self.message) is not None

    def reread(self) -> None:
        """Read the attached file again with the options as the fields show them."""
        if self.data.name is None:
            ui.show(self.message, "Error", "no data file yet: upload one or give its path first")
            return
        with ui.busy(self.progress, "Reading", self.path_button):
            ok = self._set_options()
        if ok:
            self._after_read()

    def uploaded(self) -> None:
        files = self.upload.value
        if not files:
            return
        f = files[0]
        self.data.name = None  # the options apply to the file about to be read
        if not self._set_options():
            self.upload.value = ()
            return
        with ui.busy(self.progress, "Reading", self.path_button):
            name = ui.attempt(lambda: self.data.attach_bytes(f["name"], bytes(f["content"])), self.message)
        self.upload.value = ()  # ready for the next file
        if name is not None:
            self._after_read()

    def attach_path(self) -> None:
        self.data.name = None
        if not self._set_options():
            return
        with ui.busy(self.progress, "Reading", self.path_button):
            name = ui.attempt(lambda: self.data.attach_path(self.path.value), self.message)
        if name is not None:
            self._after_read()

    def _after_read(self) -> None:
        ui.show(self.message, "Error" if self.data.error else "Done", self.data.summary())
        self.session.changed()

    def refresh(self) -> None:
        closed = self.session.closed()
        ui.show(self.closed_message, "Note" if closed else None, closed or "")
        started = self.session.run is not None and closed is None
        self.upload.disabled = not started
        self.path_button.disabled = not started
        self.reread_button.disabled = not started or self.data.name is None
        if self.session.run is None:
            self.readings.value = html.message("Note", "start the run on the Bench step first.")
            return
        plates = self.data.plates()
        if plates:
            self.readings.value = "".join(html.readings_map(p) for p in plates)
        elif self.data.frame is not None:
            self.readings.value = html.frame(self.data.table(), css="pk-data-table", max_rows=50)
        else:
            self.readings.value = html.message("Error" if self.data.error else "Note", self.data.summary())
