"""Writing a run's report and storing it in the record.

:func:`report_run` renders the report of the run's latest analysis
(:func:`protocol_kit.reports.report.write_report`), analysing the attached data first when
nothing is analysed yet, and stores the file in the run (bytes and SHA-256) while the run
takes reports; the name in the run is the file's, with '-2', '-3', ... when taken.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ProtocolKitError
from ..records import events as ev
from ..reports.render import check_output
from ..reports.report import report_context, write_report
from .analysing import analyse_run

if TYPE_CHECKING:
    from ..records.run import Run


def report_run(run: Run, path: str | os.PathLike, *, paper: str = "A4", pdfa: bool = False,
               operator: str | None = None) -> Path:
    """Render the report of ``run``'s latest analysis to ``path`` (.html or .pdf) and store it
    in the record (the behaviour of :meth:`protocol_kit.records.Run.report`). ``pdfa``:
    PDF/A-3b with the run record (JSON) attached. A run signed as performed still takes
    reports; once reviewed (or approved, verified) its report is written but not stored."""
    return write_run_report(run, check_output(path, pdfa=pdfa), paper=paper, pdfa=pdfa, operator=operator)


def write_run_report(run: Run, path: Path, *, paper: str = "A4", pdfa: bool = False,
                     operator: str | None = None) -> Path:
    """:func:`report_run` for a ``path`` already checked
    (:func:`protocol_kit.reports.render.check_output`)."""
    run.refresh()
    if run.latest_analysis() is None:
        if not run.data_files:
            raise ProtocolKitError(f"run {run.id}: no analysis and no data file to analyse; attach the "
                                   "instrument file first (run.attach_data(path), or protocol-kit runs attach)")
        analyse_run(run, operator=operator)
    who = run.may_record("a report", ev.REPORT, operator) if run.state.data_open else None
    write_report(run, path, paper=paper, pdfa=pdfa)
    if who is not None:
        run.record_report(path, name=free_name(run, path.name), operator=who)
    return path


def analysis_view(run: Run) -> dict | None:
    """The run's latest recorded analysis as its report shows it (headline rows, flags,
    figures, summary: :func:`protocol_kit.reports.report.report_context`), or None before an
    analysis; the widgets' Analysis step shows this."""
    record = run.latest_analysis()
    return None if record is None else report_context(run, record)


def free_name(run: Run, name: str) -> str:
    """``name``, or ``stem-2.ext``, ``stem-3.ext``, ... : the first not used by a report or a
    data file of ``run`` (the names are unique across both)."""
    used = {f.name for f in (*run.reports, *run.data_files)}
    stem, suffix = Path(name).stem, Path(name).suffix
    out, n = name, 1
    while out in used:
        n += 1
        out = f"{stem}-{n}{suffix}"
    return out
