"""The reference Ki a simulation uses by default: the shipped reference library's estimate
(:mod:`protocol_kit.reference`: a point value where the sources give one, e.g. sertraline at
human SERT 0.29 nM, else the geometric mean of the published range; from DOMAIN.md's seeds)."""
from __future__ import annotations

from ..errors import ParameterError


def reference_ki(drug: str, target: str) -> float:
    """The reference Ki estimate of ``drug`` at ``target`` in molar; a drug known only by a
    bound (e.g. "> 10000 nM") raises :class:`ParameterError` asking for ``ki=``."""
    from .. import reference

    record = reference.ki(drug, target)
    if record.estimate is None:
        raise ParameterError("ki", None, "a Ki to simulate, e.g. ki='20 uM'",
                             reason=f"has no reference value: {record}")
    return float(record.estimate.to("M").magnitude)
