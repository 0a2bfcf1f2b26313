"""The Report step as a plain object: render the report (:func:`protocol_kit.workflow.report_run`:
recorded in the run until it is signed; a signed run's report has the signatures filled in)
and sign."""
from __future__ import annotations

from pathlib import Path

from ..errors import ParameterError, ProtocolKitError
from ..records import SIGNATURE_MEANINGS
from .html import local_time

FORMATS = ("html", "pdf")


class ReportController:
    """Reports of the session's run, written into the session's output folder."""

    meanings = SIGNATURE_MEANINGS

    def __init__(self, session) -> None:
        self.session = session
        self.path: Path | None = None

    def _run(self):
        if self.session.run is None:
            raise ProtocolKitError("no run yet: start the run on the Bench step first")
        return self.session.run.refresh()

    def render(self, fmt: str = "html", paper: str = "A4") -> Path:
        """Render the report as ``fmt`` ('html' or 'pdf') into the output folder and return
        its path; it is recorded in the run unless the run is signed."""
        if fmt not in FORMATS:
            raise ParameterError("format", fmt, "html or pdf")
        run = self._run()
        n, name = 1, f"{run.id}-report.{fmt}"
        while (self.session.out_dir / name).exists():
            n += 1
            name = f"{run.id}-report-{n}.{fmt}"
        from ..workflow import report_run

        self.path = report_run(run, self.session.out_dir / name, paper=paper)
        return self.path

    def sign_blocked(self) -> str | None:
        """Why the app takes no signature now (no run yet, or a review closed the run), or
        None when signing is possible."""
        if self.session.run is None:
            return "no run yet: start the run on the Bench step first."
        return self.session.closed()

    @property
    def can_sign(self) -> bool:
        return self.sign_blocked() is None

    def sign(self, name: str, meaning: str, passphrase: str | None = None):
        """Sign the run with ``name``'s key, unlocked by ``passphrase`` (empty or None:
        ``$PROTOCOL_KIT_PASSPHRASE``); the first signature locks it. Refused with the reason
        once the run is closed (:meth:`sign_blocked`)."""
        blocked = self.sign_blocked()
        if blocked is not None:
            raise ProtocolKitError(f"cannot sign here: {blocked}")
        return self._run().sign(name, meaning, passphrase=passphrase or None)

    def signatures(self) -> list[dict]:
        run = self.session.run
        if run is None:
            return []
        return [{"name": s.name, "meaning": s.meaning, "time": local_time(s.time)} for s in run.signatures]

    @property
    def locked(self) -> bool:
        """Reports are no longer recorded: the run's review closed them (a 'performed' signature
        leaves them open)."""
        return self.session.run is not None and not self.session.run.state.data_open
