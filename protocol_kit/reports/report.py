"""The report of a run: one jinja2 template per protocol on a shared base, rendered to HTML,
and to PDF with WeasyPrint (optionally PDF/A-3b with the run record attached as JSON).

A report is drawn from the record alone: the run's state and plan (:mod:`.run_view`) and the
analysis as recorded by :meth:`protocol_kit.records.Run.analyse` (:mod:`.view_binding`,
:mod:`.view_uptake`, :mod:`.view_microdialysis`), so ``protocol-kit report RUN`` in a later
session renders the same numbers.
"""
from __future__ import annotations

import datetime as dt
import json
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._version import __version__
from ..errors import ProtocolKitError
from . import run_view
from .flag_words import flag_rows
from .render import environment, html_to_pdf, paper_name, param_groups
from .view_binding import competition, saturation
from .view_microdialysis import microdialysis
from .view_uptake import uptake

if TYPE_CHECKING:
    from ..records.run import Run
    from ..records.state import AnalysisRecord

VIEWS = {"CompetitionResult": competition, "SaturationResult": saturation, "UptakeResult": uptake,
         "MicrodialysisResult": microdialysis}
TITLES = {"CompetitionResult": "competition binding", "SaturationResult": "saturation binding"}  # else the title alone


def report_context(run: Run, record: AnalysisRecord, *, paper: str = "A4",
                   now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything a report template shows (see the module docstring)."""
    p = run.protocol
    rec = record.result
    view = VIEWS.get(rec["result_type"])
    if view is None:
        raise ProtocolKitError(f"run {run.id}: no report for an analysis of type {rec['result_type']!r}")
    result = rec["result"]
    results = _view(view, run, record)
    audit = run_view.audit(run)
    if not audit["verified"]:  # a report would present a broken record as a valid one
        raise ProtocolKitError(f"run {run.id}: no report of a record that does not verify ({audit['verify_text']}); "
                               f"see 'protocol-kit runs verify {run.id}'")
    steps, loose = run_view.checklist(run)
    now = now or dt.datetime.now(dt.timezone.utc)
    return {
        "p": p, "paper": paper_name(paper), "date": now.date().isoformat(), "plan_hash": p.plan_hash, "plate": None,
        "rendered": run_view.when(now.isoformat()), "protocol_kit": __version__,
        "kind": TITLES.get(rec["result_type"], ""), "template": f"report_{p.id}.html.j2",
        "run": run_view.title_block(run), "param_groups": param_groups(p), "warnings": p.warnings,
        "reagents": run_view.reagents(run), "steps": steps, "loose_deviations": loose,
        **run_view.record_items(run),
        "analysis": {"seq": record.seq, "time": run_view.when(record.time), "operator": record.operator,
                     "summary": rec["summary"], "data": rec["data"], "options": rec["options"],
                     "protocol_kit": rec.get("protocol_kit", ""), **run_view.choices(run, record)},
        "results": results, "flags": flag_rows(result.get("flags"), result.get("qc")),
        "audit": audit, "trail": run_view.trail(run), "signatures": run_view.signatures(run), "record": run_view.completeness(run),
    }


_VIEWS: OrderedDict = OrderedDict()  # (store, run, analysis event) -> view: the HTML and PDF of one analysis


def _view(view, run: Run, record: AnalysisRecord) -> dict:
    """The result view (figures included) of a recorded analysis, drawn once per process: a
    recorded analysis never changes, so its figures do not either."""
    key = (str(run.store.location), run.id, record.seq)
    if key not in _VIEWS:
        extra = {"units": file_units(run, record)} if view is microdialysis else {}
        results = view(record.result["result"], run.protocol, **extra)
        results.setdefault("result_tables", [])
        _VIEWS[key] = results
        while len(_VIEWS) > 8:
            _VIEWS.popitem(last=False)
    return _VIEWS[key]


def file_units(run: Run, record: AnalysisRecord) -> dict[str, str]:
    """The units of the reading columns of the data file the analysis read (an HPLC table's
    headers name its peak-area unit), as recorded with the analysis; for an analysis recorded
    without them, read again from the file as the analysis read it; empty for data given in
    memory or a file that no longer reads."""
    from ..io import read_for_analysis
    from ..io.analysis_input import split_options
    from ..io.reading_units import reading_units

    data = record.result.get("data") or {}
    if "units" in data:  # recorded with the analysis (protocol_kit.workflow): no second read
        return dict(data["units"])
    name = data.get("name")
    if not name:
        return {}
    try:
        reading, _ = split_options(run.protocol, record.result.get("options") or {})
        frame = read_for_analysis(run.protocol, run.data_bytes(name), name=name, **reading)
    except ProtocolKitError:
        return {}
    return reading_units(run.protocol, frame)


def render_report(run: Run, record: AnalysisRecord | None = None, *, paper: str = "A4",
                  now: dt.datetime | None = None) -> str:
    """The report of ``record`` (default: the run's latest analysis) as HTML text."""
    record = record or run.latest_analysis()
    if record is None:
        raise ProtocolKitError(f"run {run.id}: no analysis recorded; run run.analyse() first")
    ctx = report_context(run, record, paper=paper, now=now)
    return environment().get_template(ctx["template"]).render(**ctx)


def record_json(run: Run) -> bytes:
    """The run record as one JSON document: its state and every event with its hashes."""
    doc = {"format": "protocol_kit run record", "format_version": 1, "protocol_kit": __version__,
           "head": run.head, "run": run.to_dict(), "events": [e.to_dict() for e in run.events]}
    return json.dumps(doc, indent=1, ensure_ascii=False).encode("utf-8")


def write_report(run: Run, path: Path, *, paper: str = "A4", pdfa: bool = False) -> Path:
    """Render the latest analysis's report to ``path`` (.html or .pdf)."""
    html = render_report(run, paper=paper)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() != ".pdf":
        path.write_text(html, encoding="utf-8")
        return path
    receipts = receipt_attachments(run) + trail_attachment(run)
    if not pdfa:
        return html_to_pdf(html, path, attachments=receipts)
    return pdfa_report(html, path, record_json(run), f"{run.id}-record.json", receipts)


def receipt_attachments(run: Run) -> list:
    """The run's signature receipts (:mod:`protocol_kit.records.receipts`) as PDF attachments."""
    import weasyprint

    from ..records.receipts import run_receipts

    return [weasyprint.Attachment(string=r.to_json(), name=r.file_name, relationship="Supplement",
                                  description=f"protocol_kit signature receipt: {r.meaning} by {r.name}, event {r.seq}")
            for r in run_receipts(run)]


def trail_attachment(run: Run) -> list:
    """For a run whose report summarises its audit trail (:func:`.run_view.is_long`): the full
    trail (:func:`.run_view.trail_jsonl`) as a PDF attachment; none for a short run."""
    if not run_view.is_long(run):
        return []
    import weasyprint

    return [weasyprint.Attachment(string=run_view.trail_jsonl(run), name=run_view.trail_name(run),
                                  relationship="Supplement",
                                  description=f"protocol_kit audit trail: every event of run {run.id} with its hashes")]


def pdfa_report(html: str, path: Path, attachment: bytes, name: str, more: list = ()) -> Path:
    """PDF/A-3b with ``attachment`` embedded (relationship Source: the data the report shows),
    and the attachments ``more`` (e.g. :func:`receipt_attachments`)."""
    import weasyprint

    from .render import template_dir

    att = weasyprint.Attachment(string=attachment, name=name, description="protocol_kit run record (JSON)",
                                relationship="Source")
    weasyprint.HTML(string=html, base_url=str(template_dir())).write_pdf(
        str(path), pdf_variant="pdf/a-3b", attachments=[att, *more])
    return path
