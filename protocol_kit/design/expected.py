"""The expected IC50 of a planned assay, by inverse Cheng-Prusoff.

Cheng and Prusoff (Biochem. Pharmacol. 1973, 22, 3099) relate a competitive inhibitor's Ki to
the IC50 measured against a labelled ligand at [L] with dissociation constant Kd:
Ki = IC50 / (1 + [L]/Kd), as both seed documents state it. Inverted, the IC50 to expect is

    IC50 = Ki x (1 + [L]/Kd)       (binding)
    IC50 = Ki x (1 + [S]/Km)       (uptake, substrate [S] with Michaelis constant Km)

The factor is :func:`protocol_kit.analysis.inputs.cheng_prusoff_factor` of the plan's contract
(:attr:`.plan.Design.factor`), the one the analysis divides the fitted IC50 by.

Ki is the user's (``ki=`` or the protocol's ``expected_ki``) or the reference library's for the
compound at the target: its point value if one is given, else the geometric mean of its range
(:attr:`KiRecord.estimate`). A bound (">10000 nM") gives only a bound on the IC50. The reference
values are binding Ki; for an uptake assay they are taken as the Ki of uptake inhibition, which
assumes the compound inhibits uptake competitively with the affinity it binds with.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..analysis.inputs import cheng_prusoff_factor  # noqa: F401  (design.cheng_prusoff_factor: the one)
from ..errors import ParameterError
from ..reference import KiRecord, Library, library as current_library
from ..units import format_molar, parse_quantity
from .plan import Design


@dataclass(frozen=True)
class ExpectedIC50:
    """Ki (molar) or its bounds, the Cheng-Prusoff factor 1 + [L]/Kd, and where Ki came from.

    ``ki_low`` = ``ki_high`` = ``ki`` for one Ki; a lower bound has ``ki_high`` = inf, an upper
    bound ``ki_low`` = 0 and ``ki`` None.
    """

    ki: float | None
    ki_low: float
    ki_high: float
    factor: float
    basis: str

    @property
    def ic50(self) -> float | None:
        return None if self.ki is None else self.ki * self.factor

    @property
    def ic50_low(self) -> float:
        return self.ki_low * self.factor

    @property
    def ic50_high(self) -> float:
        return self.ki_high * self.factor


def expected_ic50(design: Design, ki=None, *, library: Library | None = None) -> ExpectedIC50 | None:
    """The expected IC50 for ``design``; None when there is no Ki to work from (no compound, or
    no reference value for this compound at this target). ``ki``: a concentration ("5 nM", a
    number in nM, a pint quantity) or a :class:`KiRecord`. An ambiguous reference (several
    species, none chosen) raises ParameterError."""
    factor = design.factor
    if ki is None and not design.compound:
        return None
    if ki is None:
        ki = (library or current_library()).find(design.compound, design.target)
        if ki is None:
            return None
    if isinstance(ki, KiRecord):
        return _from_record(ki, factor)
    q = parse_quantity(ki, "nM", field="ki")
    if q.magnitude <= 0:
        raise ParameterError("ki", ki, "a positive concentration", reason="is not positive")
    molar = float(q.to("M").magnitude)
    return ExpectedIC50(molar, molar, molar, factor, f"Ki {format_molar(molar)} given")


def _from_record(r: KiRecord, factor: float) -> ExpectedIC50:
    basis = f"Ki: {r.estimate_text}"
    m = r.estimate_molar
    if m is not None:
        return ExpectedIC50(m, m, m, factor, basis)
    if r.qualifier == ">":
        return ExpectedIC50(None, float(r.low.to("M").magnitude), math.inf, factor, basis)
    return ExpectedIC50(None, 0.0, float(r.high.to("M").magnitude), factor, basis)
