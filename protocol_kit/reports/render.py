"""Render plans to HTML with jinja2 and to PDF with WeasyPrint.

Templates live in the top-level ``templates/`` folder of the source tree and ship inside the
wheel as ``protocol_kit/templates``; :func:`template_dir` finds whichever is present.
"""
from __future__ import annotations

import datetime as dt
import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import pandas as pd

from ..core.plates import plate_format, plate_grid
from ..errors import ParameterError
from ..units import fmt_number
from ..units import format_molar as fmt_conc

if TYPE_CHECKING:
    from ..core.protocol import Protocol

PAPERS = {"a4": "A4", "letter": "letter"}


def template_dir() -> Path:
    """The folder of templates: inside the installed package, else the source tree's."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "templates", here.parent / "templates"):
        if (candidate / "sheet.html.j2").is_file():
            return candidate
    raise FileNotFoundError("protocol_kit templates not found (looked in the package and the source tree)")


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir())),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = fmt_number  # the one rule for numbers (protocol_kit.units.fmt_number)
    return env


def paper_name(paper: str) -> str:
    """'A4' or 'letter' (as the templates' @page size), from the paper named in any case."""
    key = paper.strip().lower()
    if key not in PAPERS:
        raise ParameterError("paper", paper, "A4 or Letter")
    return PAPERS[key]


def check_output(path: str | os.PathLike, *, pdfa: bool = False) -> Path:
    """``path`` as a Path if it names an .html or .pdf file (PDF/A needs .pdf)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        raise ParameterError("output", str(path), "a file name ending in .html or .pdf",
                             reason="has an unsupported extension")
    if pdfa and suffix != ".pdf":
        raise ParameterError("pdfa", str(path), "a .pdf output (PDF/A is a PDF format)",
                             reason="is not a PDF file name")
    return path


def param_groups(p: Protocol) -> dict[str, list[dict]]:
    """The plan's parameters by group: label, name, value and default as shown, whether changed, help.
    An empty optional value the plan fills itself is shown as the plan uses it (``p.filled_values()``,
    e.g. a molar mass from the data file)."""
    groups: dict[str, list[dict]] = {}
    filled = p.filled_values() if hasattr(p, "filled_values") else {}
    for param in p.parameters:
        value = getattr(p.params, param.name)
        default = p.default_of(param.name)
        shown = filled[param.name] if value is None and param.name in filled else param.display(value)
        groups.setdefault(param.group, []).append({
            "label": param.label, "name": param.name, "value": shown,
            "default": "empty (filled by the plan)" if default is None and param.name in filled
            else param.display(default), "changed": value != default, "help": param.help,
        })
    return groups


def sheet_context(p: Protocol, *, paper: str = "A4", today: dt.date | None = None) -> dict[str, Any]:
    """Everything the sheet template shows, computed from the plan (no arithmetic in templates)."""
    ctx: dict[str, Any] = {
        "p": p, "paper": paper_name(paper), "date": (today or dt.date.today()).isoformat(),
        "param_groups": param_groups(p), "reagents": p.reagents.to_dict("records"), "steps": p.checklist,
        "plan_hash": p.plan_hash, "warnings": p.warnings, "plate": None, "schedule": None,
    }
    if p.plan_kind == "layout":
        ctx["plate"] = plate_context(p.layout, p.params.plate_format)
    else:
        ctx["schedule"] = p.schedule.to_dict("records")
        ctx["animals"] = list(range(1, p.params.n_animals + 1))
    return ctx


def plate_context(layout: pd.DataFrame, wells: str | int) -> dict[str, Any]:
    """The plate as a grid of cells (code, role) and a legend of groups in plate order."""
    plate = plate_format(wells)
    codes = plate_grid(layout, plate, "group")
    roles = plate_grid(layout, plate, "role")
    shown = layout["conc"].where(layout["conc"] > 0)  # vehicle (0) and control wells carry no label
    concs = plate_grid(layout.assign(conc_text=shown.map(fmt_conc, na_action="ignore").fillna("")), plate, "conc_text")
    rows = [{"letter": r, "cells": [{"code": codes.loc[r, c], "role": roles.loc[r, c],
                                     "conc": concs.loc[r, c] if plate.wells == 96 else ""}
                                    for c in codes.columns]} for r in plate.row_letters]
    legend = (layout.groupby("group", sort=False)
              .agg(label=("label", "first"), role=("role", "first"), wells=("well", list))
              .reset_index())
    legend["wells"] = legend["wells"].map(lambda w: f"{w[0]}–{w[-1]}" if len(w) > 1 else w[0])
    return {"wells": plate.wells, "columns": list(codes.columns), "rows": rows,
            "legend": legend.to_dict("records"), "used": len(layout)}


def render_sheet(p: Protocol, *, paper: str = "A4", today: dt.date | None = None) -> str:
    """The bench sheet as HTML text."""
    return environment().get_template("sheet.html.j2").render(**sheet_context(p, paper=paper, today=today))


def write_sheet(p: Protocol, path: str | Path, *, paper: str = "A4") -> Path:
    """Write the bench sheet to ``path``; the suffix (.html or .pdf) chooses the format."""
    path = check_output(path)
    html = render_sheet(p, paper=paper)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".pdf":
        html_to_pdf(html, path)
    else:
        path.write_text(html, encoding="utf-8")
    return path


def html_to_pdf(html: str, path: Path, attachments: list | None = None) -> Path:
    """Render HTML to PDF with WeasyPrint (imported here: it loads Pango only when needed),
    embedding ``attachments`` (``weasyprint.Attachment``) if given."""
    import weasyprint

    weasyprint.HTML(string=html, base_url=str(template_dir())).write_pdf(str(path), attachments=attachments or None)
    return path


def render_plan_summary(p: Protocol) -> str:
    """A compact HTML view of a plan for a notebook cell."""
    return environment().get_template("plan_summary.html.j2").render(**sheet_context(p))
