"""The run record: runs, their hash-chained event log and the embedded SQLite store.

>>> run = p.start_run(operator="A. Smith")          # a new run in ./protocol_kit.db
>>> run.check("rb-buffer"); run.record_lot("NaCl", "L123", "2026-01-31")
>>> run.sign("A. Smith", "performed")               # locked from here on
>>> pk.open_run(run.id).verify().ok
"""
from __future__ import annotations

from .events import Event
from .export import export_run, import_run
from .run import SIGNATURE_MEANINGS, Run, open_run, start_run
from .state import RunState
from .store import STORE_ENV, RunSummary, Store, default_store_path
from .verify import Problem, VerifyReport

__all__ = ["Event", "Problem", "Run", "RunState", "RunSummary", "SIGNATURE_MEANINGS", "STORE_ENV",
           "Store", "VerifyReport", "default_store_path", "export_run", "import_run", "open_run", "start_run"]
