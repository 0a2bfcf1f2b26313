"""The profile as a report section: ``templates/profile_section.html.j2``.

:func:`section_context` gives the template's ``profile_section`` variable (every cell as
text, the plot as inline SVG); :func:`render_section` renders the partial on its own, with
the reports' jinja2 environment (autoescaped: names and notes are escaped, the SVG is
marked safe because protocol_kit wrote it).
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pandas as pd
from markupsafe import Markup

from ..reports.svg import inline_svg
from .fmt import assay_label, ci_text, num
from .plot import profile_svg

if TYPE_CHECKING:
    from .core import CompoundProfile

TEMPLATE = "profile_section.html.j2"


def _grid(frame: pd.DataFrame) -> dict:
    return {"columns": [str(c) for c in frame.columns],
            "rows": [[str(x) for x in r] for r in frame.itertuples(index=False)]}


def section_context(prof: CompoundProfile) -> dict:
    """The ``profile_section`` variable of the template."""
    targets = pd.DataFrame([{
        "target": t.target, "assay": assay_label(t.assay), "Ki (nM)": num(t.ki_nM) or "n/a", "95% CI (nM)": ci_text(t.ci_nM),
        "runs used": f"{len(t.used)} of {len(t.measurements)}", "how": t.method,
        "reference (nM)": f["reference_range_nM"] or ("n/a" if prof.reference_drug else ""),
        "in range": f["in_reference_range"]} for t, (_, f) in zip(prof.targets, prof.to_frame().iterrows())])
    ratios = pd.DataFrame([{
        "ratio": r["name"], "assay": assay_label(r["assay"]), "value": num(r["ratio"]) or "n/a",
        "95% CI": f"{num(r['ci_low'])}-{num(r['ci_high'])}" if r["ci_low"] == r["ci_low"] else "n/a",
        "reference": r["reference_ratio"], "note": r["note"]} for _, r in prof.ratios_frame().iterrows()],
        columns=["ratio", "assay", "value", "95% CI", "reference", "note"])
    runs = pd.DataFrame([{
        "run": m.run_id, "assay": m.assay, "target": m.target, "Ki (nM)": num(m.ki_nM) or "n/a",
        "95% CI": ci_text(m.ki_ci_nM), "flags": ", ".join(m.flags) or "none", "signed": "yes" if m.signed else "no",
        "in the mean": "yes" if m.used else f"no: {m.reason}", "note": m.note} for m in prof.measurements])
    svg = inline_svg(profile_svg(prof))
    n = len(prof.measurements)
    return {
        "compound": prof.compound, "store": prof.store, "primary": prof.primary,
        "summary": f"{n} run(s) of {', '.join(prof.assays)} in {prof.store}; Ki by Cheng-Prusoff from each run's "
                   f"latest analysis.",
        "targets": _grid(targets), "ratios": _grid(ratios), "runs": _grid(runs),
        "comparison": _grid(prof.comparison(wide=True)), "notes": list(prof.notes),
        "svg": Markup(re.sub(r"<!--.*?-->", "", svg, flags=re.S)),
    }


def render_section(prof: CompoundProfile) -> str:
    """The section's HTML, rendered with the reports' jinja2 environment."""
    from ..reports.render import environment

    return environment().get_template(TEMPLATE).render(profile_section=section_context(prof))
