"""The guided protocol app for JupyterLab (and Voilà): Plan, Bench, Data, Analysis, Report.

>>> p.form()                        # the app for this plan
>>> p.form(run_id="20250101-...")   # resume a recorded run where it stopped
>>> pk.app()                        # pick a protocol first; pk.app(run_id=...) resumes any run

The logic lives in plain objects (:class:`~.session.Session` and a controller per step) that
the widgets bind to; they compute nothing of their own.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..core.protocol import Protocol
    from .protocol_app import ProtocolApp, ProtocolPicker


def form(protocol: Protocol, *, run_id: str | None = None, store=None, operator: str | None = None,
         out_dir=None) -> ProtocolApp:
    """The guided app for ``protocol`` (``run_id``: resume that run; ``store``: a Store or a
    path, default ``$PROTOCOL_KIT_STORE`` / ``./protocol_kit.db``; ``out_dir``: where sheets
    and reports are written, default ``./protocol_kit_files``)."""
    from .protocol_app import ProtocolApp

    return ProtocolApp(protocol, store=store, run_id=run_id, operator=operator, out_dir=out_dir)


def app(run_id: str | None = None, *, store=None, operator: str | None = None,
        out_dir=None) -> ProtocolApp | ProtocolPicker:
    """Pick a protocol, then plan and run it; with ``run_id``, resume that run directly."""
    from .protocol_app import ProtocolApp, ProtocolPicker

    if run_id is None:
        return ProtocolPicker(store=store, out_dir=out_dir, operator=operator)
    from ..records import open_run

    protocol = open_run(run_id, store).protocol
    return ProtocolApp(protocol, store=store, run_id=run_id, operator=operator, out_dir=out_dir)


__all__ = ["app", "form"]
