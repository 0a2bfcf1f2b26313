"""The compound beside the reference antidepressants (:mod:`protocol_kit.reference`).

For each drug of the reference library and each target the compound was measured at: the
reference Ki estimate (the point value where one is published, else the geometric mean of
the range, sqrt(low x high); see :attr:`KiRecord.estimate`), the range or bound, and the
selectivity ratio estimate(T) / estimate(primary). A lower bound at T (e.g. DAT > 10000 nM)
gives a lower bound of the ratio, low(T) / estimate(primary).

When the compound is itself a reference drug, :func:`range_status` says whether the measured
Ki lies in the published range: "yes", "below" or "above" (low <= Ki <= high; for a bound
"> low", Ki > low), or why it cannot be said.
"""
from __future__ import annotations

import math

from .. import reference
from ..reference.library import KiRecord
from ..reference.names import name_key
from .fmt import num
from .names import compound_key


def is_reference_drug(name: str) -> str | None:
    """The library's spelling of ``name`` if it is a reference drug, else None."""
    return next((d for d in reference.drugs() if name_key(d) == compound_key(name)), None)


def _nm(q) -> float | None:
    return None if q is None else float(q.to("nM").magnitude)


def range_text(rec: KiRecord | None) -> str:
    """The published range or bound in nM ('0.2-2.1', '> 10000'), 'single value' when only a
    point value is published, '' when the library has nothing."""
    if rec is None:
        return ""
    low, high, value = _nm(rec.low), _nm(rec.high), _nm(rec.value)
    if rec.qualifier == ">" and low is not None:
        return f"> {low:g}"
    if rec.qualifier == "<" and high is not None:
        return f"< {high:g}"
    if low is not None and high is not None:
        return f"{low:g}-{high:g}"
    return "single value" if value is not None else ""


def range_status(ki_nM: float | None, rec: KiRecord | None) -> str:
    """Whether a measured Ki (nM) lies in the reference range (see the module docstring)."""
    if rec is None:
        return "no reference value"
    if ki_nM is None:
        return "no measured Ki"
    low, high = _nm(rec.low), _nm(rec.high)
    if rec.qualifier == ">" and low is not None:
        return "yes" if ki_nM > low else "below"
    if rec.qualifier == "<" and high is not None:
        return "yes" if ki_nM < high else "above"
    if low is None or high is None:
        return f"no range published (single value {_nm(rec.value):g} nM)"
    return "yes" if low <= ki_nM <= high else ("below" if ki_nM < low else "above")


def reference_ratio(rec_t: KiRecord | None, rec_p: KiRecord | None) -> tuple[float | None, str]:
    """(ratio, text) of reference estimates, estimate(T) / estimate(P); a bound gives '> x'."""
    if rec_t is None or rec_p is None or rec_p.estimate is None:
        return None, "n/a"
    p = _nm(rec_p.estimate)
    if rec_t.estimate is not None:
        r = _nm(rec_t.estimate) / p
        return r, num(r)
    if rec_t.qualifier == ">" and rec_t.low is not None:
        r = _nm(rec_t.low) / p
        return r, f"> {num(r)}"
    return None, "n/a"


def reference_rows(targets: list[str], primary: str) -> list[dict]:
    """One row per reference drug and target (the columns of :meth:`CompoundProfile.comparison`)."""
    rows = []
    for drug in reference.drugs():
        rec_p = reference.find(drug, primary)
        for target in targets:
            rec = reference.find(drug, target)
            r, r_text = reference_ratio(rec, rec_p) if target != primary else (None, "")
            est = _nm(rec.estimate) if rec is not None else None
            rows.append({
                "drug": drug, "target": target, "kind": "reference",
                "ki_nM": est if est is not None else math.nan,
                "low_nM": _nm(rec.low) if rec is not None and rec.low is not None else math.nan,
                "high_nM": _nm(rec.high) if rec is not None and rec.high is not None else math.nan,
                "range": range_text(rec), "ratio": r if r is not None else math.nan, "ratio_text": r_text,
                "in_reference_range": "", "source": rec.source if rec is not None else "not in the library"})
    return rows
