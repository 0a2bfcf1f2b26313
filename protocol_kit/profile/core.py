"""A compound's profile across runs: Ki per target, selectivity ratios, the reference drugs.

>>> prof = profile("sertraline", store="protocol_kit.db")
>>> prof.to_frame()        # one row per target: Ki (nM), 95% CI, runs used / listed, reference
>>> prof.runs_frame()      # one row per run, with why a value is left out of the mean
>>> prof.ratios_frame()    # NET/SERT, DAT/SERT, ... = Ki(target) / Ki(SERT), with 95% CIs
>>> prof.comparison()      # beside the reference antidepressants (protocol_kit.reference)

How values are gathered: :mod:`.gather`; combined and ratios: :mod:`.combine`; reference
ranges: :mod:`.compare`.
"""
from __future__ import annotations

import difflib
import html
import math
import os
from dataclasses import dataclass

import pandas as pd

from ..core.protocol import protocol_ids
from ..errors import ParameterError, UnknownNameError
from ..records.store import Store, as_store
from ..reference.names import TARGET_ALIASES, canonical_target
from . import compare as cmp
from .fmt import ci_text, num
from .combine import Ratio, TargetKi, combine, ratio
from .gather import Measurement, gather

DEFAULT_ASSAYS = ("radioligand-binding", "reuptake-inhibition")
_ORDER = list(TARGET_ALIASES)  # SERT, NET, DAT, then the off-targets


class UnknownCompoundError(UnknownNameError):
    """No run of the store names the compound; lists the compounds that have results."""

    def __init__(self, compound: str, known: list[str], store: str, assays: tuple[str, ...]):
        self.kind, self.name, self.known = "compound", compound, known
        keys = {k.lower(): k for k in known}
        close = difflib.get_close_matches(compound.lower(), list(keys), n=1)
        hint = f"; did you mean {keys[close[0]]!r}?" if close else ""
        listed = (f"compounds with results: {', '.join(known)}" if known
                  else "no compound has an analysed Ki there")
        # UnknownNameError's own message is replaced by one naming the store and the assays
        Exception.__init__(self, f"compound {compound!r}: no {' or '.join(assays)} run of it in "
                                 f"{store}{hint} ({listed})")


@dataclass(frozen=True)
class CompoundProfile:
    """The Ki of one compound at each target it was measured at, across the runs of a store
    (concentrations in nM). Immutable; build it with :func:`profile`."""

    compound: str
    store: str
    assays: tuple[str, ...]
    include_unsigned: bool
    primary: str
    targets: tuple[TargetKi, ...]
    ratios: tuple[Ratio, ...]
    reference_drug: str | None
    notes: tuple[str, ...]

    @property
    def measurements(self) -> tuple[Measurement, ...]:
        return tuple(m for t in self.targets for m in t.measurements)

    def target(self, name: str) -> TargetKi:
        """The :class:`TargetKi` of ``name`` (aliases accepted: '5-HTT' is SERT)."""
        found = {t.target: t for t in self.targets}
        key = canonical_target(name)
        if key not in found:
            raise UnknownNameError(f"target measured for {self.compound}", name, found)
        return found[key]

    def ratio(self, name: str) -> Ratio:
        """The ratio 'NET/SERT' (or just 'NET')."""
        found = {r.name: r for r in self.ratios} | {r.target: r for r in self.ratios}
        if name not in found:
            raise UnknownNameError("selectivity ratio", name, [r.name for r in self.ratios])
        return found[name]

    # -- tables ------------------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """One row per target: Ki_nM (geometric mean over the used runs), its 95% CI, runs
        used and listed, how it was combined, the runs left out with the reason, and, for a
        reference drug, the published range and whether the Ki lies in it."""
        rows = []
        for t in self.targets:
            rec = cmp.reference_record(self.reference_drug, t.target) if self.reference_drug else None
            rows.append({
                "target": t.target, "ki_nM": t.ki_nM if t.ki_nM is not None else math.nan,
                "ci_low_nM": t.ci_nM[0] if t.ci_nM else math.nan, "ci_high_nM": t.ci_nM[1] if t.ci_nM else math.nan,
                "n_used": len(t.used), "n_runs": len(t.measurements), "method": t.method,
                "excluded": "; ".join(f"{m.run_id}: {m.reason}" for m in t.excluded),
                "reference_range_nM": cmp.range_text(rec),
                "in_reference_range": cmp.range_status(t.ki_nM, rec) if self.reference_drug else "",
            })
        return pd.DataFrame(rows, columns=["target", "ki_nM", "ci_low_nM", "ci_high_nM", "n_used", "n_runs",
                                           "method", "excluded", "reference_range_nM", "in_reference_range"])

    def runs_frame(self) -> pd.DataFrame:
        """One row per run: run_id, assay, compound as recorded, target, Ki and CI (nM), direct
        Ki, IC50 text, flags, signed, used, reason (why not used), note."""
        rows = [{**m.to_dict(), "ki_ci_nM": ci_text(m.ki_ci_nM) if m.ki_ci_nM else "",
                 "flags": ", ".join(m.flags)} for m in self.measurements]
        cols = ["run_id", "assay", "compound", "target", "ki_nM", "ki_ci_nM", "ki_direct_nM", "ic50_text", "flags",
                "signed", "used", "reason", "note", "analysis_seq", "analysis_time"]
        return pd.DataFrame(rows, columns=cols)

    def ratios_frame(self) -> pd.DataFrame:
        """One row per ratio: name, ratio, ci_low, ci_high, the reference drug's ratio of
        reference estimates (when the compound is one), note."""
        rows = []
        for r in self.ratios:
            ref_text = ""
            if self.reference_drug:
                ref_text = cmp.reference_ratio(cmp.reference_record(self.reference_drug, r.target),
                                               cmp.reference_record(self.reference_drug, r.primary))[1]
            rows.append({"name": r.name, "ratio": r.ratio if r.ratio is not None else math.nan,
                         "ci_low": r.ci[0] if r.ci else math.nan, "ci_high": r.ci[1] if r.ci else math.nan,
                         "reference_ratio": ref_text, "note": r.note})
        return pd.DataFrame(rows, columns=["name", "ratio", "ci_low", "ci_high", "reference_ratio", "note"])

    def comparison(self, *, wide: bool = False) -> pd.DataFrame:
        """The compound's measured Ki beside every reference drug's, at the measured targets.

        Long form: one row per drug and target (drug, target, kind, ki_nM, low_nM, high_nM, range,
        ratio = Ki / Ki(primary), ratio_text, in_reference_range, source); for the measured rows
        low/high are the 95% CI. ``wide=True``: one row per drug, a text column per target
        ("estimate (range)") and per ratio.
        """
        names = [t.target for t in self.targets]
        measured = []
        for t in self.targets:
            r = next((x for x in self.ratios if x.target == t.target), None)
            rec = cmp.reference_record(self.reference_drug, t.target) if self.reference_drug else None
            measured.append({
                "drug": self.compound, "target": t.target, "kind": f"measured ({len(t.used)} of {len(t.measurements)} runs)",
                "ki_nM": t.ki_nM if t.ki_nM is not None else math.nan,
                "low_nM": t.ci_nM[0] if t.ci_nM else math.nan, "high_nM": t.ci_nM[1] if t.ci_nM else math.nan,
                "range": ci_text(t.ci_nM) if t.ci_nM else "", "ratio": r.ratio if r and r.ratio is not None else math.nan,
                "ratio_text": (num(r.ratio) or "n/a") if r else "",
                "in_reference_range": cmp.range_status(t.ki_nM, rec) if self.reference_drug else "",
                "source": f"this store ({self.store})"})
        long = pd.DataFrame(measured + cmp.reference_rows(names, self.primary))
        if not wide:
            return long
        return _wide(long, names, self.primary)

    # -- output ------------------------------------------------------------------------------
    def plot(self, path: str | os.PathLike | None = None) -> str:
        """The profile plot as SVG text (see :func:`.plot.profile_svg`); written to ``path`` too."""
        from .plot import profile_svg

        return profile_svg(self, path)

    def to_dict(self) -> dict:
        return {
            "compound": self.compound, "store": self.store, "assays": list(self.assays),
            "include_unsigned": self.include_unsigned, "primary": self.primary,
            "reference_drug": self.reference_drug,
            "targets": [{"target": t.target, "ki_nM": t.ki_nM, "ci_nM": list(t.ci_nM) if t.ci_nM else None,
                         "method": t.method, "n_used": len(t.used),
                         "runs": [m.to_dict() for m in t.measurements]} for t in self.targets],
            "ratios": [r.to_dict() for r in self.ratios],
            "notes": list(self.notes),
        }

    def __str__(self) -> str:
        from .text import profile_text

        return profile_text(self)

    def _repr_html_(self) -> str:
        def table(frame: pd.DataFrame) -> str:
            return frame.to_html(index=False, na_rep="", float_format=num, escape=True)

        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
        return (f"<div><h4>{html.escape(self.compound)}: Ki by target (nM)</h4>{table(self.to_frame())}"
                f"<h4>Selectivity: Ki ratio over {html.escape(self.primary)}</h4>{table(self.ratios_frame())}"
                f"<h4>Runs</h4>{table(self.runs_frame().drop(columns=['analysis_time']))}"
                f"<h4>Beside the reference drugs</h4>{table(self.comparison(wide=True))}"
                + (f"<ul>{notes}</ul>" if notes else "") + "</div>")


def _wide(long: pd.DataFrame, targets: list[str], primary: str) -> pd.DataFrame:
    rows = []
    for (drug, kind), g in long.groupby(["drug", "kind"], sort=False):
        row = {"drug": drug, "kind": "measured" if kind.startswith("measured") else "reference"}
        for _, r in g.iterrows():
            ki = num(r["ki_nM"]) or ""
            row[f"{r['target']} Ki (nM)"] = f"{ki} ({r['range']})" if ki and r["range"] else (ki or r["range"] or "n/a")
        for _, r in g.iterrows():
            if r["target"] != primary:
                row[f"{r['target']}/{primary}"] = r["ratio_text"] or "n/a"
        if kind.startswith("measured"):
            row["in reference range"] = ", ".join(f"{r['target']}: {r['in_reference_range']}"
                                                  for _, r in g.iterrows() if r["in_reference_range"])
        rows.append(row)
    return pd.DataFrame(rows).fillna("")


def _order(target: str) -> tuple[int, str]:
    return (_ORDER.index(target), "") if target in _ORDER else (len(_ORDER), target.lower())


def profile(compound: str, *, store: Store | str | os.PathLike | None = None,
            assays: tuple[str, ...] = DEFAULT_ASSAYS, include_unsigned: bool = True,
            primary: str = "SERT") -> CompoundProfile:
    """The :class:`CompoundProfile` of ``compound`` from every run of ``assays`` in ``store``
    (None: ``$PROTOCOL_KIT_STORE`` or ./protocol_kit.db). Names are matched ignoring case and
    salt forms ("sertraline HCl"); ``include_unsigned=False`` lists unsigned runs but leaves
    them out of the means. Raises :class:`UnknownCompoundError` when no run names it."""
    if not isinstance(compound, str) or not compound.strip():
        raise ParameterError("compound", compound, "the name of a compound, e.g. 'sertraline'",
                             reason="is empty" if isinstance(compound, str) else "is not text")
    compound = compound.strip()
    assays = (assays,) if isinstance(assays, str) else tuple(assays)
    for a in assays:
        if a not in protocol_ids():
            raise UnknownNameError("assay", a, protocol_ids())
    st = as_store(store, create=False)
    try:
        found, others, notes = gather(st, compound, assays, include_unsigned)
    finally:
        if st is not store:
            st.close()
    if not found:
        raise UnknownCompoundError(compound, others, str(st.path), assays)
    by_target: dict[str, list[Measurement]] = {}
    for m in found:
        by_target.setdefault(m.target, []).append(m)
    targets = tuple(combine(t, by_target[t]) for t in sorted(by_target, key=_order))
    primary = canonical_target(primary)
    prim = next((t for t in targets if t.target == primary), TargetKi(primary, (), None, None, "not measured"))
    ratios = tuple(ratio(t, prim) for t in targets if t.target != primary)
    names = sorted({m.compound for m in found})
    if names != [compound]:
        notes.insert(0, f"runs recorded the compound as {', '.join(repr(n) for n in names)}")
    return CompoundProfile(compound=compound, store=str(st.path), assays=assays, include_unsigned=include_unsigned,
                           primary=primary, targets=targets, ratios=ratios,
                           reference_drug=cmp.is_reference_drug(compound), notes=tuple(notes))
