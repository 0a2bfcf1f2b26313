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
import os
from dataclasses import dataclass

import pandas as pd

from ..core.protocol import protocol_ids
from ..errors import ParameterError, UnknownNameError
from ..records.store import Store, as_store
from ..reference.names import TARGET_ALIASES, canonical_target
from . import compare as cmp
from . import tables
from .fmt import num
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

    def target(self, name: str, assay: str | None = None) -> TargetKi:
        """The :class:`TargetKi` of ``name`` (aliases accepted: '5-HTT' is SERT); ``assay`` is
        needed only when several assays measured that target."""
        key = canonical_target(name)
        found = [t for t in self.targets if t.target == key and assay in (None, t.assay)]
        return _one(found, "target", name, [t.target for t in self.targets], assay, self.compound)

    def ratio(self, name: str, assay: str | None = None) -> Ratio:
        """The ratio 'NET/SERT' (or just 'NET'); ``assay`` as for :meth:`target`."""
        found = [r for r in self.ratios if name in (r.name, r.target) and assay in (None, r.assay)]
        return _one(found, "selectivity ratio", name, [r.name for r in self.ratios], assay, self.compound)

    # -- tables ------------------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """One row per target and assay: ki_nM (geometric mean over the used runs), its 95% CI,
        runs used and listed, how it was combined, the runs left out with the reason, and, for
        a reference drug, the published range and whether the Ki lies in it."""
        return tables.targets_frame(self)

    def runs_frame(self) -> pd.DataFrame:
        """One row per run: run_id, assay, compound as recorded, target, Ki and CI (nM), direct
        Ki, IC50 text, flags, signed, used, reason (why not used), note."""
        return tables.runs_frame(self)

    def ratios_frame(self) -> pd.DataFrame:
        """One row per ratio: name, assay, ratio, ci_low, ci_high, the reference drug's ratio
        of reference estimates (when the compound is one), note."""
        return tables.ratios_frame(self)

    def comparison(self, *, wide: bool = False) -> pd.DataFrame:
        """The compound's measured Ki beside every reference drug's, at the measured targets.

        Long form: one row per drug (and measured assay) and target: drug, target, kind,
        runs, ki_nM, low_nM, high_nM, range, ratio = Ki / Ki(primary), ratio_text,
        in_reference_range, source; for measured rows low/high are the 95% CI. ``wide=True``:
        one row per drug, a text column per target ("estimate (range)") and per ratio.
        """
        return tables.comparison(self, wide)

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
            "targets": [{"target": t.target, "assay": t.assay, "ki_nM": t.ki_nM,
                         "ci_nM": list(t.ci_nM) if t.ci_nM else None, "method": t.method, "n_used": len(t.used),
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


def _one(found: list, kind: str, name: str, known: list[str], assay: str | None, compound: str):
    if len(found) == 1:
        return found[0]
    if not found:
        raise UnknownNameError(f"{kind} measured for {compound}" + (f" in {assay}" if assay else ""), name, known)
    raise ParameterError("assay", assay, f"one of {', '.join(x.assay for x in found)}",
                         reason=f"must be given: {name} was measured in several assays")


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
    groups: dict[tuple[str, str], list[Measurement]] = {}
    for m in found:
        groups.setdefault((m.assay, m.target), []).append(m)
    keys = sorted(groups, key=lambda k: (assays.index(k[0]), *_order(k[1])))
    targets = tuple(combine(t, a, groups[a, t]) for a, t in keys)
    primary = canonical_target(primary)
    ratios = []
    for a in assays:
        prim = next((t for t in targets if (t.assay, t.target) == (a, primary)),
                    TargetKi(primary, a, (), None, None, "not measured"))
        ratios += [ratio(t, prim) for t in targets if t.assay == a and t.target != primary]
    names = sorted({m.compound for m in found})
    if names != [compound]:
        notes.insert(0, f"runs recorded the compound as {', '.join(repr(n) for n in names)}")
    return CompoundProfile(compound=compound, store=str(st.path), assays=assays, include_unsigned=include_unsigned,
                           primary=primary, targets=targets, ratios=tuple(ratios),
                           reference_drug=cmp.is_reference_drug(compound), notes=tuple(notes))
