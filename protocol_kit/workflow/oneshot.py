"""The one-shot analysis of the command line's ``analyse``: a file read once and analysed
once, then recorded.

:func:`analyse_file` checks the output path and the options, reads the data file
(:func:`~.reading.read_file`) and analyses it before anything is recorded, so bad data or
options stop it with nothing written; then it starts a run, attaches the file, records that
same result (:func:`~.analysing.record_result`) and writes the report
(:func:`~.reporting.write_run_report`), which finds the analysis recorded and does not
analyse again.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ParameterError, ProtocolKitError
from ..reports.render import check_output
from .analysing import data_source, record_result
from .options import analysis_options
from .reading import read_file
from .reporting import write_run_report

if TYPE_CHECKING:
    from ..core.protocol import Protocol
    from ..records.run import Run
    from ..records.store import Store


@dataclass(frozen=True)
class OneShot:
    """What :func:`analyse_file` made: the run, the analysis result and the report's path."""

    run: Run
    result: Any
    path: Path


class RecordedPartly(ProtocolKitError):
    """An error (``cause``: ours, or the system's such as a full disk) after the run was
    started: ``run`` keeps what was recorded before it."""

    def __init__(self, cause: ProtocolKitError | OSError, run: Run) -> None:
        self.cause, self.run = cause, run
        super().__init__(f"{cause} (run {run.id} keeps what was recorded before this)")


def analyse_file(protocol: Protocol, data: str | os.PathLike, output: str | os.PathLike, *, operator: str,
                 store: Store | str | os.PathLike | None = None, options: Mapping[str, Any] | None = None,
                 paper: str = "A4", pdfa: bool = False) -> OneShot:
    """Read the instrument file ``data`` once and analyse it once with ``protocol`` and
    ``options`` (reading and analysis options, see :mod:`.options`); then start a run by
    ``operator`` in ``store``, attach the file, record the result and write the report to
    ``output`` (.html or .pdf; ``pdfa``: PDF/A-3b with the run record attached).

    Errors before the run starts record nothing; an error after it is a
    :class:`RecordedPartly` naming the run, which keeps what was recorded."""
    out = check_output(output, pdfa=pdfa)
    path = Path(data)
    if not path.is_file():
        raise ParameterError("data", str(data), "an existing instrument file", reason="does not exist or is not a file")
    opts = analysis_options(protocol, options)
    content = path.read_bytes()
    frame = read_file(protocol, content, path.name, opts.reading)
    result = protocol.analyse(frame, **opts.analysis)  # a new run has no exclusions to apply
    run = protocol.start_run(operator, store)
    try:
        attached = run.attach_data(path)
        if attached.payload["sha256"] != hashlib.sha256(content).hexdigest():
            raise ProtocolKitError(f"{path}: the file changed while it was analysed; the run keeps the file as "
                                   "attached, analyse it with 'protocol-kit runs analyse'")
        record_result(run, result, data_source(protocol, attached.payload["name"], attached.payload["sha256"], frame,
                                               seq=attached.seq), opts)
        write_run_report(run, out, paper=paper, pdfa=pdfa)
    except (ProtocolKitError, OSError) as exc:
        raise RecordedPartly(exc, run) from exc
    return OneShot(run, result, out)
