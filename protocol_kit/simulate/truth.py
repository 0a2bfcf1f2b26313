"""The ``**truth`` of ``protocol.simulate``: known names only, quantities parsed once."""
from __future__ import annotations

from typing import Any

from ..errors import ParameterError, UnknownNameError
from ..units import parse_quantity


def resolve_truth(given: dict[str, Any], spec: dict[str, tuple[Any, str | None, str]]) -> dict[str, Any]:
    """``spec``: name -> (default, unit or None for a plain number, what it is). Quantities are
    returned as floats in the unit named (a plain number is taken in it); unknown names raise
    with the near miss."""
    for name in given:
        if name not in spec:
            raise UnknownNameError("simulation truth value", name, spec)
    out = {}
    for name, (default, unit, what) in spec.items():
        value = given.get(name, default)
        if unit is not None:
            value = float(parse_quantity(value, unit, field=name).magnitude)
        elif isinstance(value, (int, float)):
            value = float(value)
        if isinstance(value, float) and not value >= 0:
            raise ParameterError(name, given.get(name, default), f"{what}, a number >= 0")
        out[name] = value
    return out
