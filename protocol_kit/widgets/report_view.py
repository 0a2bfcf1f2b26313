"""The Report step's widgets: render (HTML or PDF, with a busy indicator), download, sign.
Bound to :class:`~protocol_kit.widgets.report.ReportController`."""
from __future__ import annotations

import ipywidgets as w

from . import html, ui

LABEL = {"description_width": "140px"}
MIME = {"html": "text/html", "pdf": "application/pdf"}


class ReportView:
    def __init__(self, session) -> None:
        self.session = session
        self.report = session.report
        self.paper = w.Dropdown(options=["A4", "Letter"], value="A4", description="Paper", style=LABEL)
        self.html_button = ui.button("Render HTML report", "Render the report as HTML and record it",
                                     "pk-report-html")
        self.pdf_button = ui.button("Render PDF report", "Render the report as PDF and record it",
                                    "pk-report-pdf")
        self.html_button.on_click(lambda _: self.render("html"))
        self.pdf_button.on_click(lambda _: self.render("pdf"))
        self.progress = ui.progress()
        self.message = ui.message_box()
        self.link = w.HTML()
        self.signer = w.Text(description="Signer's name", placeholder="e.g. A. Smith", style=LABEL)
        self.meaning = w.Dropdown(options=list(self.report.meanings), value="performed",
                                  description="Meaning", tooltip="what the signature attests", style=LABEL)
        self.passphrase = w.Password(description="Passphrase", placeholder="the signer's key passphrase",
                                     tooltip="unlocks the signer's key (protocol-kit keys init --name NAME makes one); "
                                             "left empty, $PROTOCOL_KIT_PASSPHRASE is used", style=LABEL)
        self.passphrase.add_class("pk-passphrase")
        self.sign_button = ui.button("Sign", "Sign the record; the first signature locks the run", "pk-sign",
                                     "warning")
        self.sign_button.on_click(lambda _: self.sign())
        self.sign_message = ui.message_box()
        self.sign_blocked = ui.message_box()   # why the app takes no signature now
        self.sign_blocked.add_class("pk-sign-blocked")
        self.signatures = w.HTML()
        self.widget = w.VBox([
            ui.heading("Report"), self.paper, w.HBox([self.html_button, self.pdf_button, self.progress]),
            self.message, self.link,
            ui.heading("Signature ('performed' closes the bench record; data, analysis and reports stay open until a review)"), self.signer, self.meaning,
            self.passphrase, w.HBox([self.sign_button, self.sign_message]), self.sign_blocked, self.signatures,
        ])
        self.widget.add_class("pk-report")
        session.listeners.append(self.refresh)
        self.refresh()

    def render(self, fmt: str) -> None:
        with ui.busy(self.progress, f"Rendering {fmt.upper()}", self.html_button, self.pdf_button):
            stored = "" if self.report.locked else " and recorded in the run"
            path = ui.attempt(lambda: self.report.render(fmt, self.paper.value), self.message,
                              lambda p: f"report written to {p}{stored}.")
        if path is not None:
            self.link.value = html.download_link(path.read_bytes(), path.name, MIME[fmt], f"Download {path.name}")
            self.session.changed()

    def sign(self) -> None:
        secret, self.passphrase.value = self.passphrase.value, ""  # not kept in the form
        if ui.attempt(lambda: self.report.sign(self.signer.value, self.meaning.value, secret), self.sign_message,
                      lambda e: f"signed ({e.payload['meaning']}) by {e.payload['name']}.") is not None:
            self.session.changed()

    def refresh(self) -> None:
        started = self.session.run is not None
        self.html_button.disabled = self.pdf_button.disabled = not started
        blocked = self.report.sign_blocked()
        self.sign_button.disabled = self.signer.disabled = self.meaning.disabled = self.passphrase.disabled = \
            blocked is not None
        ui.show(self.sign_blocked, "Note" if started and blocked else None, blocked or "")
        if started and not self.signer.value:
            self.signer.value = self.session.run.operator or ""
        rows = self.report.signatures()
        self.signatures.value = (html.table(rows, [("name", "name"), ("meaning", "meaning"), ("time", "time (local)")],
                                            css="pk-signatures") if rows else "<i>not signed yet</i>")
