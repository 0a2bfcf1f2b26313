"""Reading a compound's Ki values out of a store: one :class:`Measurement` per run.

For every run of the chosen assays whose compound is the one asked for (see
:mod:`.names`), the run's latest ``analysis`` event gives the Ki (Cheng-Prusoff, molar, stored
by :meth:`protocol_kit.records.Run.record_analysis`), its 95% CI, the direct-fit Ki and the
QC flags; the target is the result's ``target`` (binding) or ``transporter`` (uptake),
normalised with the reference library's aliases (``5-HTT`` is SERT). A run that cannot give a
Ki is still listed, with the reason (not analysed, no Ki in the analysis, Ki not determined),
a saturation run (no compound competes) is named in the profile's notes,
and so is a run left out of the mean (an excluding flag, unsigned with
``include_unsigned=False``): nothing is dropped without saying why.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from ..records.run import Run
from ..records.state import RunState
from ..records.store import Store
from ..reference.names import canonical_target
from .names import compound_key, match_note

# Flags after which a Ki is listed but left out of the mean, with the reason shown. Other
# flags (replicate_cv, missing_wells, few_points, outlier) are shown and the value is used.
EXCLUDING_FLAGS: dict[str, str] = {
    "incomplete": "the curve is incomplete (IC50 not bracketed by the tested concentrations)",
    "not_converged": "the curve fit did not converge",
    "hill_not_1": "the Hill slope is far from 1, so Cheng-Prusoff (one competitive site) is doubtful",
    "bottom_not_0": "the curve does not reach full inhibition; the IC50 rests on an extrapolated plateau",
    "ligand_depletion": "more than 10% of the radioligand was bound, so the free [L] is below the "
                        "[L] used in Cheng-Prusoff",
    "small_window": "the assay window is too small (TB/NSB or S/B below 2)",
    "low_z_prime": "the plate's Z' is below 0.5",
    "constant_controls": "a plate's control wells all read one value (saturated, clipped or copied), so its Z' "
                         "and % inhibition scale are not measurements",
    "shallow": "the curve is shallow (|Hill| < 0.5)",
    "steep": "the curve is steep (|Hill| > 2)",
    "implausible_units": "concentrations cannot be meant in molar (e.g. nM values read as M), so the Ki's unit "
                         "is wrong",
}


@dataclass(frozen=True)
class Measurement:
    """One run's Ki of the compound at one target (concentrations in nM; None when absent).

    ``used`` says whether the value enters the target's geometric mean; ``reason`` says why
    not when it does not; ``note`` records a salt-form match or an earlier analysis.
    """

    run_id: str
    assay: str
    compound: str
    target: str
    ki_nM: float | None
    ki_ci_nM: tuple[float, float] | None
    ki_direct_nM: float | None
    ic50_text: str
    flags: tuple[str, ...]
    signed: bool
    analysis_seq: int | None
    analysis_time: str
    used: bool
    reason: str
    note: str

    @property
    def log_half_width(self) -> float | None:
        """Half the width of the 95% CI on the log10 scale, (log10 hi - log10 lo) / 2."""
        if self.ki_ci_nM is None:
            return None
        lo, hi = self.ki_ci_nM
        return (math.log10(hi) - math.log10(lo)) / 2

    def to_dict(self) -> dict:
        d = asdict(self)
        d["ki_ci_nM"] = list(self.ki_ci_nM) if self.ki_ci_nM else None
        d["flags"] = list(self.flags)
        return d


def _nm(value: object) -> float | None:
    """A molar number as nM, or None for a missing or non-finite one."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) * 1e9 if math.isfinite(value) and value > 0 else None


def _ci_nm(value: object) -> tuple[float, float] | None:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        return None
    lo, hi = _nm(value[0]), _nm(value[1])
    return (lo, hi) if lo is not None and hi is not None and lo < hi else None


def _exclusion(ki: float | None, result: dict, flags: tuple[str, ...]) -> str:
    """Why this Ki stays out of the mean ('' when it is used)."""
    if ki is None:
        shown = result.get("ic50_text") or "not reported"
        return f"Ki not determined (IC50 {shown}{'; flags ' + ', '.join(flags) if flags else ''})"
    bad = [f for f in flags if f in EXCLUDING_FLAGS]
    return "; ".join(f"flag {f}: {EXCLUDING_FLAGS[f]}" for f in bad)


def latest_result(state: RunState) -> dict:
    """The result dict of the run's latest analysis event ({} when none). ``Run.analyse``
    records it inside an envelope (``{"kind": ..., "summary": ..., "result": {...}}``);
    ``record_analysis(result)`` records it as it is: both are read."""
    if not state.analyses:
        return {}
    recorded = state.analyses[-1].result
    inner = recorded.get("result")
    return inner if "ki" not in recorded and isinstance(inner, dict) else recorded


def recorded_compound(state: RunState) -> str:
    """The compound a run names: its latest analysis's, else its parameters' ('' if none)."""
    return str(latest_result(state).get("compound") or state.params.get("compound") or "")


def measurement(state: RunState, compound: str, include_unsigned: bool) -> Measurement:
    """The :class:`Measurement` of one run of ``compound``."""
    params = state.params
    analyses = state.analyses
    result = latest_result(state)
    recorded = recorded_compound(state)
    notes = [n for n in (match_note(compound, recorded),) if n]
    if len(analyses) > 1:
        notes.append(f"latest of {len(analyses)} analyses (event {analyses[-1].seq}) used")
    target_text = str(result.get("target") or result.get("transporter")
                      or params.get("target") or params.get("transporter") or "?")
    target = canonical_target(target_text)
    if target != target_text.strip():
        notes.append(f"target recorded as {target_text!r}")
    flags = tuple(str(f) for f in result.get("flags", ()))
    ki = _nm(result.get("ki"))
    if not analyses:
        reason = "no analysis recorded"
    elif "ki" not in result:
        reason = f"the latest analysis ({analyses[-1].name!r}, event {analyses[-1].seq}) has no Ki"
    else:
        reason = _exclusion(ki, result, flags)
    if not reason and not state.locked and not include_unsigned:
        reason = "run not signed (include_unsigned=False)"
    return Measurement(
        run_id=state.run_id, assay=state.protocol, compound=recorded, target=target, ki_nM=ki,
        ki_ci_nM=_ci_nm(result.get("ki_ci")) if ki is not None else None,
        ki_direct_nM=_nm(result.get("ki_direct")), ic50_text=str(result.get("ic50_text") or ""),
        flags=flags, signed=state.locked, analysis_seq=analyses[-1].seq if analyses else None,
        analysis_time=analyses[-1].time if analyses else "", used=not reason, reason=reason,
        note="; ".join(notes))


def gather(store: Store, compound: str, assays: tuple[str, ...], include_unsigned: bool
           ) -> tuple[list[Measurement], list[str], list[str]]:
    """(measurements of ``compound``, the other compounds named by runs of ``assays``,
    notes on runs of other assays that name the compound)."""
    found, others, notes = [], set(), []
    key = compound_key(compound)
    for summary in store.runs():
        state = Run(store, summary.run_id).state
        name = recorded_compound(state)
        if not name:
            continue
        if summary.protocol not in assays:
            if compound_key(name) == key:
                notes.append(f"run {summary.run_id} ({summary.protocol}) names {name!r} but is not "
                             f"one of the assays read ({', '.join(assays)})")
        elif state.params.get("mode") == "saturation":
            if compound_key(name) == key:
                notes.append(f"run {summary.run_id} is a saturation experiment (the radioligand's Kd and "
                             f"Bmax, no Ki of {name!r}): not read")
        elif compound_key(name) == key:
            found.append(measurement(state, compound, include_unsigned))
        elif "ki" in latest_result(state):
            others.add(name)
    return found, sorted(others, key=str.lower), notes
