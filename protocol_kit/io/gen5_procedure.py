"""The header of an Agilent BioTek Gen5 text export: plate number and the read steps.

The header is ``key<TAB>value`` lines (Software Version, Plate Number, Date, Reading Type, ...)
and a 'Procedure Details' paragraph listing the steps. A read step starts with a line
``Read<TAB>name`` (or ``Read<TAB>Absorbance Endpoint`` when the read has no name) and goes on
with lines whose first cell is empty: the mode and type ('Fluorescence Endpoint'), then its
settings: ``Wavelengths:  260, 280, 230``, ``Pathlength Correction: 977 / 900``, filter sets
(``Excitation: 485/20,  Emission: 528/20``; ``Emission: Full light`` is no filter),
``Fluorescence Polarization``. Reads between 'Start Kinetic' and 'End Kinetic' are kinetic.
Data sets are named '<read name>:<wavelengths>' after the read that made them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .source import Line, Problems

MODES = ("Absorbance", "Fluorescence", "Luminescence")
_MODE_TYPE = re.compile(r"^(Absorbance|Fluorescence|Luminescence|Alpha\w*|[A-Z][\w-]*(?: [\w-]+)?)\s+"
                        r"(Endpoint|Kinetic|Spectrum|Spectral Scan|Area Scan|Well Scan)$")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_WAVELENGTH = re.compile(r"(Excitation|Emission):\s*(\d+(?:\.\d+)?)")


@dataclass
class ReadStep:
    """One 'Read' step: its name ('' when unnamed), mode, type and the wavelengths it sets."""

    name: str
    mode: str = ""
    read_type: str = ""
    line: int = 0
    kinetic: bool = False
    wavelengths: set[float] = field(default_factory=set)        # absorbance (and pathlength)
    filters: list[tuple[float | None, float | None]] = field(default_factory=list)  # (ex, em)

    def knows(self, ex: float | None, em: float | None) -> bool:
        """Whether a data set's wavelengths are among those this step sets (True when the
        step lists none, as when the settings lines are missing)."""
        if self.mode == "Absorbance":
            return not self.wavelengths or em in self.wavelengths
        if not self.filters:
            return True
        return any((ex is None or fx is None or ex == fx) and (em is None or fm is None or em == fm)
                   for fx, fm in self.filters)


def read_steps(lines: list[Line], problems: Problems) -> list[ReadStep]:
    """The read steps of a 'Procedure Details' paragraph (the lines after its title)."""
    steps: list[ReadStep] = []
    kinetic = False
    current: ReadStep | None = None
    pending_ex: float | None = None
    for line in lines:
        key = line.cell(0).strip()
        if key:
            current = None
            if key.startswith("Start Kinetic"):
                kinetic = True
            elif key.startswith("End Kinetic"):
                kinetic = False
            elif key == "Read":
                m = _MODE_TYPE.match(line.cell(1))
                current = ReadStep(name="" if m else line.cell(1), line=line.no, kinetic=kinetic)
                if m:
                    current.mode, current.read_type = m.group(1), m.group(2)
                steps.append(current)
            continue
        if current is None:
            continue
        text = line.cell(1)
        m = _MODE_TYPE.match(text)
        if m and not current.mode:
            current.mode, current.read_type = m.group(1), m.group(2)
        elif text.startswith("Wavelengths:") or text.startswith("Pathlength Correction:"):
            current.wavelengths.update(float(x) for x in _NUMBER.findall(text.split(":", 1)[1]))
        elif "Excitation:" in text or "Emission:" in text:
            found = dict(_WAVELENGTH.findall(text))
            ex = float(found["Excitation"]) if "Excitation" in found else pending_ex
            em = float(found["Emission"]) if "Emission" in found else None
            if "Excitation" in found and "Emission" not in found and "Emission:" not in text:
                pending_ex = ex
                continue
            current.filters.append((ex, em))
            pending_ex = None
    for step in steps:
        if not step.mode:
            problems(f"read step {step.name or '(unnamed)'!r}: no read mode (such as 'Absorbance Endpoint') "
                     f"on the lines after it", step.line)
    return steps
