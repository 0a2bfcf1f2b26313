"""The workflow: read -> analyse -> record -> report, in one place.

The command line, the widgets, the demo and the run's own ``analyse`` / ``report`` /
``read_data`` (thin accessors) all come here; :class:`~protocol_kit.records.Run` keeps the
record and its state, the protocol its plan and its analysis.

- :func:`read_file` / :func:`read_run_data`: a data file read by the one reader the protocol
  chooses (:mod:`.reading`);
- :func:`analysis_options`: the options of one analysis, checked once and split into reading
  and analysis options (:mod:`.options`);
- :func:`analyse_run`: a run's data read, analysed and the result recorded (:mod:`.analysing`);
- :func:`report_run`: the report written and stored in the run (:mod:`.reporting`);
- :func:`analyse_file`: the command line's one shot, a file read once and analysed once, then
  a run started, the file attached, that result recorded and the report written
  (:mod:`.oneshot`).
"""
from __future__ import annotations

from .analysing import analyse_frame, analyse_run, apply_exclusions, record_result
from .oneshot import OneShot, RecordedPartly, analyse_file
from .options import Options, analysis_options
from .reading import read_file, read_run_data
from .reporting import analysis_view, report_run

__all__ = ["OneShot", "Options", "RecordedPartly", "analyse_file", "analyse_frame", "analyse_run", "analysis_view",
           "analysis_options", "apply_exclusions", "read_file", "read_run_data", "record_result", "report_run"]
