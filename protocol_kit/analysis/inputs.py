"""The contract between a protocol and its analysis: one frozen inputs object per assay.

A protocol builds its inputs once from its validated parameters (``protocol.analysis_inputs()``)
and hands them to the analysis; the design checks, the simulation and (through the recorded
result, whose ``inputs`` field is this object) the report read the same object, so [L], Kd,
[S], Km, the specific activity, efficiency, protein and volume each have one value and one
form after the form:

- :class:`BindingInputs` (competition binding): [L] and Kd (molar), counting constants;
- :class:`SaturationInputs` (saturation binding): the radioligand series [L] (molar, highest
  first), the planned Kd, counting constants;
- :class:`UptakeInputs`: [S] and Km (molar), the readout, the uptake time (min);
- :class:`MicrodialysisInputs`: analyte, concentration unit, control group and the fraction
  schedule (fraction, phase, start and end in min from the dose).

Units (the bench's, written in every field name or docstring): concentrations in mol/L,
specific activity in Ci/mmol, counting efficiency a fraction in (0, 1], protein per well in mg,
well volume in L, times in min. Each value is checked once, when the object is made: a bad one
raises :class:`~protocol_kit.errors.ParameterError` naming the field, the value and what is
allowed.

One Cheng-Prusoff factor, :func:`cheng_prusoff_factor`, serves the analysis (Ki = IC50 /
factor), the design checks and the simulation (IC50 = Ki x factor) alike.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from ..errors import ParameterError
from .counts import added_cpm, counts_to_fmol
from .plausible import check_pair

REL_TOL = 1e-9  # a layout's [L] equal to the plan's: the same number up to float residue


def cheng_prusoff_factor(conc, k):
    """1 + conc / k: Cheng & Prusoff (1973, Biochem Pharmacol 22:3099), Ki = IC50 / (1 + [L]/Kd)
    for a radioligand at [L] with dissociation constant Kd, or 1 + [S]/Km for a substrate at [S]
    with Michaelis constant Km. The same factor shifts a competitor's apparent constant:
    IC50 = Ki (1 + [L]/Kd), and a ligand's Kd' = Kd (1 + [I]/Ki) beside a competitor at [I].

    ``conc`` and ``k`` in one unit (molar floats, or numpy arrays, which broadcast); a float
    returns a float. ``k`` must be > 0 and ``conc`` >= 0 (checked by the inputs objects)."""
    factor = 1.0 + np.asarray(conc, float) / np.asarray(k, float)
    return float(factor) if factor.ndim == 0 else factor


def _number(name: str, value, allowed: str, *, low: float = 0.0, low_open: bool = True,
            high: float = math.inf) -> float:
    """``value`` as a finite float inside (low, high] (or [low, high]); else ParameterError."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ParameterError(name, value, allowed, reason="is not a number") from None
    inside = (v > low if low_open else v >= low) and v <= high
    if not (math.isfinite(v) and inside):
        raise ParameterError(name, value, allowed)
    return v


@dataclass(frozen=True)
class CountingInputs:
    """What turns a well's counts into moles (:mod:`.counts`): ``specific_activity`` (Ci/mmol),
    ``efficiency`` (fraction), ``protein_mg`` (mg per well), ``well_volume_l`` (L)."""

    specific_activity: float
    efficiency: float
    protein_mg: float
    well_volume_l: float

    def __post_init__(self) -> None:
        self._set("specific_activity", "a specific activity > 0 Ci/mmol")
        self._set("efficiency", "a counting efficiency in (0, 1] (0.4 for 40%)", high=1.0)
        self._set("protein_mg", "membrane protein per well > 0 mg")
        self._set("well_volume_l", "a well volume > 0 L")

    def _set(self, name: str, allowed: str, **limits) -> None:
        object.__setattr__(self, name, _number(name, getattr(self, name), allowed, **limits))

    @property
    def fmol_per_mg_per_cpm(self) -> float:
        """fmol/mg protein of one CPM: 1 / (efficiency x 2.22 SA x mg protein)."""
        return counts_to_fmol(1.0, efficiency=self.efficiency, specific_activity=self.specific_activity) / self.protein_mg

    def added_cpm(self, ligand_molar):
        """CPM of the radioligand added to a well: [L] x V x 1e15 fmol x 2.22 SA x efficiency."""
        return added_cpm(ligand_molar, self.well_volume_l, efficiency=self.efficiency,
                         specific_activity=self.specific_activity)

    def to_dict(self) -> dict:
        """The fields as plain values (recorded with the result)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


@dataclass(frozen=True)
class BindingInputs(CountingInputs):
    """Competition binding: ``radioligand_conc`` [L] and ``kd`` (molar), and the counting constants."""

    radioligand_conc: float = math.nan
    kd: float = math.nan

    def __post_init__(self) -> None:
        super().__post_init__()
        self._set("radioligand_conc", "a radioligand concentration [L] > 0 M")
        self._set("kd", "a radioligand Kd > 0 M")
        # [L] and Kd in different units is refused; both 1 mM or more is said (flag implausible_units)
        object.__setattr__(self, "_units_said", tuple(check_pair(self.radioligand_conc, "radioligand_conc",
                                                                 self.kd, "kd")))

    @property
    def units_said(self) -> tuple[str, ...]:
        """The sentences of :func:`.plausible.check_pair` when [L] and Kd are both 1 mM or more
        (plain numbers in one non-molar unit, most likely): the analysis flags ``implausible_units``."""
        return self._units_said

    @property
    def factor(self) -> float:
        """The Cheng-Prusoff factor 1 + [L]/Kd of this assay."""
        return cheng_prusoff_factor(self.radioligand_conc, self.kd)

    def check_layout(self, column) -> None:
        """Refuse a layout whose radioligand column is not this plan's [L] in every well (a
        competition assay has one [L]; taking one of several would be a guess)."""
        values = np.unique(np.asarray(column, float))
        off = [c for c in values if not math.isclose(c, self.radioligand_conc, rel_tol=REL_TOL)]
        if off:
            raise ParameterError(
                "radioligand_conc", float(values[0]) if values.size == 1 else tuple(float(c) for c in values),
                f"the plan's [L], {self.radioligand_conc!r} M, in every well (a competition assay has one [L])",
                reason="of the layout (molar) differs from the plan")


@dataclass(frozen=True)
class SaturationInputs(CountingInputs):
    """Saturation binding: ``ligand_concs`` the planned [L] series (molar, highest first),
    ``kd`` the planned (expected) Kd in molar, and the counting constants."""

    ligand_concs: tuple[float, ...] = ()
    kd: float = math.nan

    def __post_init__(self) -> None:
        super().__post_init__()
        concs = tuple(_number(f"ligand_concs[{i}]", c, "radioligand concentrations > 0 M")
                      for i, c in enumerate(self.ligand_concs))
        if len(concs) < 3:
            raise ParameterError("ligand_concs", len(concs), "at least 3 radioligand concentrations",
                                 reason="are too few")
        object.__setattr__(self, "ligand_concs", concs)
        self._set("kd", "an expected radioligand Kd > 0 M")

    def check_layout(self, column) -> None:
        """Refuse a layout [L] that is not one of the planned series (it varies, as it must)."""
        for c in np.unique(np.asarray(column, float)):
            if not any(math.isclose(c, p, rel_tol=REL_TOL) for p in self.ligand_concs):
                raise ParameterError("radioligand_conc", float(c),
                                     "one of the plan's [L] series: " + ", ".join(f"{p!r}" for p in self.ligand_concs),
                                     reason="of the layout (molar) is not in the plan's series")


@dataclass(frozen=True)
class UptakeInputs:
    """Uptake inhibition: ``substrate_conc`` [S] and ``km`` (molar), ``readout`` (scintillation,
    fluorescence endpoint or fluorescence kinetic) and ``uptake_min`` (substrate to stop, min)."""

    substrate_conc: float
    km: float
    readout: str = "scintillation"
    uptake_min: float = 10.0

    def __post_init__(self) -> None:
        for name, allowed in (("substrate_conc", "a substrate concentration [S] > 0 M"),
                              ("km", "a substrate Km > 0 M"), ("uptake_min", "an uptake time > 0 min")):
            object.__setattr__(self, name, _number(name, getattr(self, name), allowed))
        readouts = ("scintillation", "fluorescence endpoint", "fluorescence kinetic")
        if self.readout not in readouts:
            raise ParameterError("readout", self.readout, ", ".join(readouts))

    @property
    def factor(self) -> float:
        """The Cheng-Prusoff factor 1 + [S]/Km of this assay."""
        return cheng_prusoff_factor(self.substrate_conc, self.km)

    def to_dict(self) -> dict:
        return asdict(self)


PHASES = ("baseline", "post-dose")


@dataclass(frozen=True)
class Fraction:
    """One dialysate fraction: number, phase, start and end (min from the dose), label."""

    fraction: int
    phase: str
    start_min: float
    end_min: float
    label: str


def fraction_schedule(baseline: int, post_dose: int, interval_min: float, volume_ul: float | None = None):
    """The fractions of a regular schedule: ``baseline`` fractions before the dose, then
    ``post_dose`` after it, each ``interval_min`` long; fraction i (from 1) starts at
    (i - 1 - baseline) x interval min. With ``volume_ul`` the frame has a ``volume_uL`` column."""
    import pandas as pd

    rows = []
    for i in range(baseline + post_dose):
        start = (i - baseline) * interval_min
        row = {"fraction": i + 1, "phase": PHASES[0] if i < baseline else PHASES[1], "start_min": start,
               "end_min": start + interval_min}
        if volume_ul is not None:
            row["volume_uL"] = volume_ul
        row["label"] = f"F{i + 1:02d}"
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class MicrodialysisInputs:
    """Microdialysis: ``analyte``, the concentration ``unit`` of the standards, the
    ``control_group`` listed first, and the ``schedule`` (:class:`Fraction` per fraction)."""

    analyte: str
    schedule: tuple[Fraction, ...]
    unit: str = "nM"
    control_group: str = "vehicle"

    def __post_init__(self) -> None:
        schedule = tuple(self.schedule)
        if not schedule:
            raise ParameterError("schedule", "no fractions", "at least one baseline and one post-dose fraction")
        for f in schedule:
            if f.phase not in PHASES:
                raise ParameterError(f"schedule[{f.fraction}].phase", f.phase, " or ".join(PHASES))
            if not f.end_min > f.start_min:
                raise ParameterError(f"schedule[{f.fraction}].end_min", f.end_min,
                                     f"a time after its start, {f.start_min:g} min")
        object.__setattr__(self, "schedule", schedule)

    @classmethod
    def from_frame(cls, analyte: str, frame, **kw) -> MicrodialysisInputs:
        """From a schedule frame (fraction, phase, start_min, end_min, label)."""
        return cls(analyte, tuple(Fraction(int(r["fraction"]), str(r["phase"]), float(r["start_min"]),
                                           float(r["end_min"]), str(r["label"]))
                                  for r in frame.to_dict("records")), **kw)

    def frame(self):
        """The schedule as a frame (fraction, phase, start_min, end_min, label), as the
        simulation (:func:`protocol_kit.simulate.microdialysis.simulate_hplc`) reads it."""
        import pandas as pd

        return pd.DataFrame([asdict(f) for f in self.schedule])

    @property
    def baseline_fractions(self) -> int:
        return sum(f.phase == PHASES[0] for f in self.schedule)

    def to_dict(self) -> dict:
        return {"analyte": self.analyte, "unit": self.unit, "control_group": self.control_group,
                "baseline_fractions": self.baseline_fractions,
                "schedule": [asdict(f) for f in self.schedule]}
