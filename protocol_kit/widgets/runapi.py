"""The two run operations the app needs from the records layer: analyse and report.

``Run.analyse`` and ``Run.report`` (reading the latest attached file / rendering and recording
the report) are being added to :class:`protocol_kit.records.Run`; until they are committed,
these functions do the same with what exists (``read_data`` + ``protocol.analyse`` +
``record_analysis``; a plain HTML page + ``record_report``). Then each becomes one call.
"""
from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any


def analyse_run(run, name: str, **options: Any):
    """Analyse the attached file ``name`` with the run's plan and record the result."""
    result = run.protocol.analyse(run.read_data(name), **options)
    run.record_analysis(_no_nan(result.to_dict()))
    return result


def _no_nan(value: Any) -> Any:
    """``value`` with NaN and infinities as None (the record takes JSON values only)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _no_nan(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_no_nan(v) for v in value]
    return value


def report_run(run, path: str | Path, *, paper: str = "A4", result=None) -> Path:
    """Render the run's report to ``path`` (.html or .pdf) and record it."""
    path = Path(path)
    text = _interim_report(run, result)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".pdf":
        from ..reports.render import html_to_pdf

        html_to_pdf(text, path)
    else:
        path.write_text(text, encoding="utf-8")
    run.record_report(path)
    return path


def _interim_report(run, result) -> str:
    """A plain report page until ``Run.report`` exists: the run, its result and its record."""
    s = run.state
    esc = html.escape
    rows = "".join(f"<tr><td>{e.seq}</td><td>{esc(e.time)}</td><td>{esc(e.operator)}</td>"
                   f"<td>{esc(e.type)}</td></tr>" for e in run.events)
    if result is not None:
        body = result._repr_html_()
    elif run.analyses:  # resumed: the recorded result's headline values
        rec = run.analyses[-1].result
        body = "<table>" + "".join(f"<tr><th>{esc(k)}</th><td>{esc(str(v))}</td></tr>" for k, v in rec.items()
                                   if not isinstance(v, (dict, list))) + "</table>"
    else:
        body = "<p>No analysis recorded.</p>"
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Run {esc(run.id)}</title></head>"
            f"<body><h1>Run {esc(run.id)}</h1><p>{esc(s.protocol)} v{esc(str(s.version))}, plan "
            f"{esc(s.plan_hash[:12])}</p><h2>Analysis</h2>{body}<h2>Record</h2><table border='1'>"
            f"<tr><th>#</th><th>time (UTC)</th><th>operator</th><th>event</th></tr>{rows}</table>"
            f"</body></html>")
