"""The profile as plain text (what ``protocol-kit profile`` prints)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from .fmt import assay_label, ci_text, num

if TYPE_CHECKING:
    from .core import CompoundProfile


def _table(frame: pd.DataFrame) -> list[str]:
    """Columns padded to their widest cell, two spaces apart."""
    cells = [list(map(str, frame.columns))] + [[str(x) for x in row] for row in frame.itertuples(index=False)]
    widths = [max(len(r[i]) for r in cells) for i in range(len(cells[0]))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]


def profile_text(prof: CompoundProfile) -> str:
    n_runs = len(prof.measurements)
    lines = [f"{prof.compound}: Ki by target, from {n_runs} run(s) in {prof.store} ({', '.join(prof.assays)})", ""]
    rows = []
    for t, (_, f) in zip(prof.targets, prof.to_frame().iterrows()):
        row = {"target": t.target, "assay": assay_label(t.assay), "Ki (nM)": num(t.ki_nM) or "n/a", "95% CI (nM)": ci_text(t.ci_nM),
               "runs used": f"{len(t.used)}/{len(t.measurements)}"}
        if prof.reference_drug:
            row["reference (nM)"] = f["reference_range_nM"] or "n/a"
            row["in range"] = f["in_reference_range"]
        rows.append(row)
    lines += _table(pd.DataFrame(rows))
    lines += ["", f"Selectivity: Ki(target) / Ki({prof.primary}) (above 1: selective for {prof.primary})"]
    for _, r in prof.ratios_frame().iterrows():
        ci = f" (95% CI {num(r['ci_low'])}-{num(r['ci_high'])})" if r["ci_low"] == r["ci_low"] else ""
        ref = f"; {prof.reference_drug} reference {r['reference_ratio']}" if r["reference_ratio"] else ""
        value = num(r["ratio"]) or "n/a"
        lines.append(f"  {r['name']} ({assay_label(r['assay'])}): {value}{ci}{ref}" + ("" if ci else f"  [{r['note']}]"))
    if not prof.ratios:
        lines.append("  none: only one target measured")
    lines += ["", "Runs:"]
    runs = prof.runs_frame()
    runs = pd.DataFrame({
        "run": runs["run_id"], "assay": runs["assay"], "target": runs["target"],
        "Ki (nM)": [num(x) or "n/a" for x in runs["ki_nM"]], "95% CI": runs["ki_ci_nM"],
        "flags": [f or "none" for f in runs["flags"]], "signed": ["yes" if s else "no" for s in runs["signed"]],
        "mean": ["used" if u else "excluded" for u in runs["used"]]})
    lines += ["  " + x for x in _table(runs)]
    for m in prof.measurements:
        if not m.used:
            lines.append(f"  excluded {m.run_id}: {m.reason}")
        if m.note:
            lines.append(f"  note {m.run_id}: {m.note}")
    lines += ["", "Beside the reference drugs (Ki in nM: estimate (range); ratios of estimates):"]
    lines += ["  " + x for x in _table(prof.comparison(wide=True))]
    lines += [f"note: {n}" for n in prof.notes]
    return "\n".join(lines)
