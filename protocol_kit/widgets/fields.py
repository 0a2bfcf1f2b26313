"""What each form field is, read from a protocol's parameter schema (no widgets here).

A :class:`FieldSpec` says which control a parameter gets (a number with a unit choice, a
dropdown, a combobox with suggestions, a checkbox or a text box), its label, its units and
its help. :func:`split_value` and :func:`join_value` turn a parameter value into what the
controls hold and back into what the protocol constructor takes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pint

from ..core.params import Parameter
from ..typed_numbers import looks_like_number
from ..units import UNIT_FAMILIES as BASE_FAMILIES
from ..units import Q_, best_unit, fmt_number, unit_text

# Units offered beside a quantity, by dimension; the parameter's own unit is always offered.
UNIT_FAMILIES = [*BASE_FAMILIES, ("s", "min", "h"), ("um", "mm")]


@dataclass(frozen=True)
class FieldSpec:
    """One form field. ``control``: 'quantity', 'number', 'choice', 'combo', 'bool' or 'text';
    ``units``: (label, unit) pairs for a quantity's unit dropdown, its own unit first."""

    name: str
    label: str
    control: str
    help: str
    group: str
    allowed: str
    unit: str | None = None
    units: tuple[tuple[str, str], ...] = ()
    choices: tuple[str, ...] = ()
    optional: bool = False

    @property
    def description(self) -> str:
        """The label shown beside the control (units are in the unit dropdown)."""
        return self.label + ("" if not self.optional else " (optional)")


def _family(unit: str) -> list[str]:
    """The display units of ``unit``'s dimension, small to large (just ``unit`` if none)."""
    own = Q_(1, unit).dimensionality
    for family in UNIT_FAMILIES:
        if Q_(1, family[0]).dimensionality == own:
            return family if unit in family else [unit]
    return [unit]


def unit_choices(unit: str) -> tuple[tuple[str, str], ...]:
    """The units a quantity of ``unit`` may be typed in, ``unit`` first, as (label, unit)."""
    family = _family(unit)
    return tuple((unit_text(u), u) for u in [unit, *(u for u in family if u != unit)])


def field_spec(param: Parameter) -> FieldSpec:
    """The form field for ``param``."""
    control = {"quantity": "quantity", "int": "number", "float": "number", "choice": "choice",
               "bool": "bool"}.get(param.kind, "combo" if param.choices else "text")
    return FieldSpec(name=param.name, label=param.label, control=control, help=param.help,
                     group=param.group, allowed=param.allowed_text(), unit=param.unit,
                     units=unit_choices(param.unit) if param.unit else (),
                     choices=tuple(param.choices or ()), optional=param.optional)


def field_specs(parameters: tuple[Parameter, ...] | list[Parameter]) -> list[FieldSpec]:
    return [field_spec(p) for p in parameters]


def split_value(spec: FieldSpec, value: Any) -> tuple[Any, str | None]:
    """A validated value as the controls hold it: (text or bool or choice, unit or None).
    Quantities are shown in their own unit, or when that reads badly in the unit of their
    family that reads best (12.5 µM, not 12500 nM)."""
    if spec.control == "quantity":
        if value is None:
            return "", spec.unit
        q = (value if isinstance(value, pint.Quantity) else Q_(value)).to(spec.unit)
        readable = q.magnitude == 0 or 1 <= abs(q.magnitude) < 1000
        shown = q if readable else best_unit(q, _family(spec.unit))
        return fmt_number(float(shown.magnitude), 10), _unit_name(shown, spec)
    if spec.control == "bool":
        return bool(value), None
    if value is None:
        return "", None
    if spec.control == "number" and isinstance(value, float):
        return fmt_number(value, 10), None
    return str(value), None


def _unit_name(q: pint.Quantity, spec: FieldSpec) -> str:
    """Which of the field's unit names ``q`` is in."""
    for _, name in spec.units:
        if Q_(1, name).units == q.units:
            return name
    return spec.unit


def join_value(spec: FieldSpec, value: Any, unit: str | None = None) -> Any:
    """What the controls hold, as the protocol constructor takes it ("10 uM", "3", True);
    an empty field is None."""
    if spec.control == "bool":
        return bool(value)
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    if spec.control == "quantity" and _number_alone(text):
        return f"{text} {unit or spec.unit}"
    return text  # a quantity typed with its unit ("10 nM") is taken as typed


def _number_alone(text: str) -> bool:
    """Whether ``text`` is a number without a unit, so the unit chosen beside it applies (also
    "1,000", which the rule of :mod:`protocol_kit.typed_numbers` then refuses with the unit)."""
    return looks_like_number(text)
