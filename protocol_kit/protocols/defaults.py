"""Defaults that follow the target: the assay system (labelled compound, its Kd or Km, the
membranes, cells or synaptosomes, the control drug) comes from the assay-system file
(:mod:`protocol_kit.reference.systems`), so ``RadioligandBinding(target="NET")`` plans
[3H]nisoxetine on hNET membranes with desipramine, not the SERT defaults.

Rules (a protocol lists its target-dependent fields in :meth:`TargetDefaults._system_defaults`):
- only values the user did not give are filled; a value given is kept as given, and an
  inconsistent one (citalopram at NET) is a design warning (:mod:`protocol_kit.design.systems`);
- a Kd or Km is filled only from the row of the same target, system and labelled compound,
  never borrowed from another pairing; where the file has none (no published value found), the
  plan refuses to guess and asks for the user's own value, naming the field;
- :meth:`with_values` keeps what the user gave and fills the rest again for the new choices.
"""
from __future__ import annotations

from typing import Any, ClassVar

from ..errors import ParameterError


def quantity_text(q) -> str:
    """A pint quantity as parameter text ("13.8 nM")."""
    return f"{q.magnitude!r} {q.units:~}"


class TargetDefaults:
    """Mixin for a :class:`~protocol_kit.core.protocol.Protocol` whose defaults follow its target."""

    #: fields that must have a value from the user when the assay-system file has none
    system_fields: ClassVar[tuple[str, ...]] = ()

    def __init__(self, **values: Any) -> None:
        self._given = frozenset(values)
        self._system = self._system_defaults(values)
        missing = [f for f in self.system_fields if f not in values and f not in self._system.values]
        if missing:
            raise ParameterError(missing[0], None, self._system.ask(missing[0]), reason="has no default here")
        super().__init__(**{**self._system.values, **values})

    @classmethod
    def _system_defaults(cls, values: dict[str, Any]) -> SystemChoice:
        raise NotImplementedError

    def with_values(self, **changes: Any):
        """A new plan with some values changed; values not given by the user follow the new choices."""
        given = {k: v for k, v in self.raw_values().items() if k in self._given}
        return type(self)(**{**given, **changes})

    def default_of(self, name: str) -> Any:
        """The default of ``name`` for this plan: the assay system's value where it has one."""
        param = self.parameter(name)
        if name in self._system.values:
            return param.validate(self._system.values[name])
        return param.default_value

    @property
    def assay_system(self):
        """The row of the assay-system file this plan's defaults came from (None: none fits)."""
        return self._system.row


class SystemChoice:
    """The defaults found for one choice of target (``values``), the row they came from, and why
    a field has none (``reasons``)."""

    def __init__(self, row, values: dict[str, Any], reasons: dict[str, str]):
        self.row, self.values, self.reasons = row, values, reasons

    def ask(self, field: str) -> str:
        return self.reasons.get(field, "a value of your own (the assay-system file has none for this target)")
