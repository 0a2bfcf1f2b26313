"""Checklist steps: what a protocol tells the bench scientist to do, in order."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pint

from ..units import format_quantity

# Hazard and handling tags a step can carry; the sheet prints them in words, not colour.
RADIOACTIVE = "radioactive"
ICE_COLD = "ice-cold"
TIMING_CRITICAL = "timing-critical"
ANIMAL = "animal work"
SHARPS = "sharps"
CHEMICAL = "chemical hazard"
HAZARD_TAGS = (RADIOACTIVE, ICE_COLD, TIMING_CRITICAL, ANIMAL, SHARPS, CHEMICAL)


@dataclass(frozen=True)
class Step:
    """One checklist step.

    ``id`` is stable across parameter changes (runs record ticks against it); ``duration`` is a
    time quantity or None; ``temperature`` is free text ("on ice", "25 °C"); ``timer`` says the
    step needs a countdown; ``hazards`` are tags from :data:`HAZARD_TAGS`; ``note`` holds the
    critical detail the step must not be done without.
    """

    id: str
    text: str
    section: str
    duration: pint.Quantity | None = None
    temperature: str | None = None
    timer: bool = False
    hazards: tuple[str, ...] = ()
    note: str = ""

    def __post_init__(self) -> None:
        unknown = [h for h in self.hazards if h not in HAZARD_TAGS]
        if unknown:
            raise ValueError(f"step {self.id}: unknown hazard tag {unknown[0]!r}; allowed: {HAZARD_TAGS}")

    @property
    def duration_text(self) -> str:
        return format_quantity(self.duration, 3) if self.duration is not None else ""

    def to_dict(self) -> dict:
        return {
            "id": self.id, "section": self.section, "text": self.text,
            "duration_min": float(self.duration.to("min").magnitude) if self.duration is not None else None,
            "duration": self.duration_text, "temperature": self.temperature or "",
            "timer": self.timer, "hazards": ", ".join(self.hazards), "note": self.note,
        }


@dataclass(frozen=True)
class Addition:
    """One thing added to wells: ``material`` in words, the ``reagent`` row of the reagent table
    it comes from, its ``volume`` per well (None: nothing pipetted, e.g. cells seeded the day
    before), the layout ``roles`` that receive it and the checklist step ``step_id`` that says so.
    A plan's additions per role add up to its well volume."""

    step_id: str
    material: str
    reagent: str
    volume: pint.Quantity | None
    roles: tuple[str, ...]


def checklist_frame(steps: list[Step] | tuple[Step, ...]) -> pd.DataFrame:
    """The checklist as a table, one row per step."""
    return pd.DataFrame([s.to_dict() for s in steps])

