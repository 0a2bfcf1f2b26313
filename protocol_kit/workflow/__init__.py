"""The workflow: read -> analyse -> record -> report, in one place.

The command line, the widgets, the demo and the run's own ``analyse`` / ``report`` /
``read_data`` (thin accessors) all come here; :class:`~protocol_kit.records.Run` keeps the
record and its state, the protocol its plan and its analysis.

- :func:`read_file` / :func:`read_attached` / :func:`read_run_data`: a data file read by the
  one reader the protocol chooses, a run's attached file parsed once (:mod:`.reading`);
- :func:`analysis_options`: the options of one analysis, checked once and split into reading
  and analysis options (:mod:`.options`);
- :func:`analyse_run`: a run's data read, analysed and the result recorded (:mod:`.analysing`);
- :func:`report_run`: the report written and stored in the run (:mod:`.reporting`);
- :func:`analyse_file`: the command line's one shot, a file read once and analysed once, then
  a run started, the file attached, that result recorded and the report written
  (:mod:`.oneshot`).

The names below are loaded on first use (PEP 562): ``run.analyse`` loads the reading and
analysis modules, not the report's (jinja2, matplotlib).
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

# public name -> the module that defines it
_LAZY = {
    **dict.fromkeys(("analyse_frame", "analyse_run", "apply_exclusions", "record_result"), ".analysing"),
    **dict.fromkeys(("OneShot", "RecordedPartly", "analyse_file"), ".oneshot"),
    **dict.fromkeys(("Options", "analysis_options"), ".options"),
    **dict.fromkeys(("read_attached", "read_file", "read_run_data"), ".reading"),
    **dict.fromkeys(("analysis_view", "report_run"), ".reporting"),
}

__all__ = sorted(_LAZY)

if TYPE_CHECKING:  # what the lazy names are, for type checkers and editors
    from .analysing import analyse_frame, analyse_run, apply_exclusions, record_result  # noqa: F401
    from .oneshot import OneShot, RecordedPartly, analyse_file  # noqa: F401
    from .options import Options, analysis_options  # noqa: F401
    from .reading import read_attached, read_file, read_run_data  # noqa: F401
    from .reporting import analysis_view, report_run  # noqa: F401


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'protocol_kit.workflow' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
