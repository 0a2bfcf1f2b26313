"""The profile's tables (DataFrames), numbers in nM; :class:`CompoundProfile` hands them out."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

from .. import reference
from . import compare as cmp
from .fmt import assay_label, ci_text, num

if TYPE_CHECKING:
    from .core import CompoundProfile

NAN = math.nan


def _or_nan(x: float | None) -> float:
    return NAN if x is None else x


def targets_frame(prof: CompoundProfile) -> pd.DataFrame:
    """One row per target and assay (see :meth:`CompoundProfile.to_frame`)."""
    rows = []
    for t in prof.targets:
        rec = reference.find(prof.reference_drug, t.target) if prof.reference_drug else None
        rows.append({
            "target": t.target, "assay": t.assay, "ki_nM": _or_nan(t.ki_nM),
            "ci_low_nM": t.ci_nM[0] if t.ci_nM else NAN, "ci_high_nM": t.ci_nM[1] if t.ci_nM else NAN,
            "n_used": len(t.used), "n_runs": len(t.measurements), "method": t.method,
            "excluded": "; ".join(f"{m.run_id}: {m.reason}" for m in t.excluded),
            "reference_range_nM": cmp.range_text(rec),
            "in_reference_range": cmp.range_status(t.ki_nM, rec) if prof.reference_drug else ""})
    return pd.DataFrame(rows, columns=["target", "assay", "ki_nM", "ci_low_nM", "ci_high_nM", "n_used", "n_runs",
                                       "method", "excluded", "reference_range_nM", "in_reference_range"])


def runs_frame(prof: CompoundProfile) -> pd.DataFrame:
    """One row per run (see :meth:`CompoundProfile.runs_frame`)."""
    rows = [{**m.to_dict(), "ki_ci_nM": ci_text(m.ki_ci_nM) if m.ki_ci_nM else "", "flags": ", ".join(m.flags)}
            for m in prof.measurements]
    return pd.DataFrame(rows, columns=["run_id", "assay", "compound", "target", "ki_nM", "ki_ci_nM", "ki_direct_nM",
                                       "ic50_text", "flags", "signed", "used", "reason", "note", "analysis_seq",
                                       "analysis_time"])


def ratios_frame(prof: CompoundProfile) -> pd.DataFrame:
    """One row per ratio (see :meth:`CompoundProfile.ratios_frame`)."""
    rows = []
    for r in prof.ratios:
        ref_text = ""
        if prof.reference_drug:
            ref_text = cmp.reference_ratio(reference.find(prof.reference_drug, r.target),
                                           reference.find(prof.reference_drug, r.primary))[1]
        rows.append({"name": r.name, "assay": r.assay, "ratio": _or_nan(r.ratio),
                     "ci_low": r.ci[0] if r.ci else NAN, "ci_high": r.ci[1] if r.ci else NAN,
                     "reference_ratio": ref_text, "note": r.note})
    return pd.DataFrame(rows, columns=["name", "assay", "ratio", "ci_low", "ci_high", "reference_ratio", "note"])


def comparison(prof: CompoundProfile, wide: bool = False) -> pd.DataFrame:
    """The measured rows and the reference rows (see :meth:`CompoundProfile.comparison`)."""
    names = list(dict.fromkeys(t.target for t in prof.targets))
    measured = []
    for t in prof.targets:
        r = next((x for x in prof.ratios if x.target == t.target and x.assay == t.assay), None)
        rec = reference.find(prof.reference_drug, t.target) if prof.reference_drug else None
        measured.append({
            "drug": prof.compound, "target": t.target, "kind": f"measured ({assay_label(t.assay)})",
            "runs": f"{len(t.used)} of {len(t.measurements)}", "ki_nM": _or_nan(t.ki_nM),
            "low_nM": t.ci_nM[0] if t.ci_nM else NAN, "high_nM": t.ci_nM[1] if t.ci_nM else NAN,
            "range": ci_text(t.ci_nM) if t.ci_nM else "", "ratio": _or_nan(r.ratio if r else None),
            "ratio_text": (num(r.ratio) or "n/a") if r else "",
            "in_reference_range": cmp.range_status(t.ki_nM, rec) if prof.reference_drug else "",
            "source": f"this store ({prof.store})"})
    long = pd.DataFrame(measured + cmp.reference_rows(names, prof.primary))
    return _wide(long, prof.primary) if wide else long


def _wide(long: pd.DataFrame, primary: str) -> pd.DataFrame:
    """One row per drug (and measured assay): 'estimate (range)' per target, ratios as text."""
    rows = []
    for (drug, kind), g in long.groupby(["drug", "kind"], sort=False):
        row = {"drug": drug, "kind": kind}
        for _, r in g.iterrows():
            ki = num(r["ki_nM"])
            row[f"{r['target']} Ki (nM)"] = f"{ki} ({r['range']})" if ki and r["range"] else (ki or r["range"] or "n/a")
        for _, r in g.iterrows():
            if r["target"] != primary:
                row[f"{r['target']}/{primary}"] = r["ratio_text"] or "n/a"
        row["in reference range"] = ", ".join(f"{r['target']}: {r['in_reference_range']}"
                                              for _, r in g.iterrows() if r["in_reference_range"])
        rows.append(row)
    return pd.DataFrame(rows).fillna("n/a")
