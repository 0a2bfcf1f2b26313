"""A design warning: what is wrong with a planned experiment, why, and the numbers."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True)
class DesignWarning:
    """``code`` names the check (stable, for programs), ``message`` says what, why and what to
    change, with the numbers; ``numbers`` holds those numbers by name (units in the name, e.g.
    ``ic50_nM``); ``fields`` are the protocol parameters to change."""

    code: str
    message: str
    numbers: Mapping[str, float] = field(default_factory=dict)
    fields: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "numbers", MappingProxyType(dict(self.numbers)))

    def __str__(self) -> str:
        return self.message
