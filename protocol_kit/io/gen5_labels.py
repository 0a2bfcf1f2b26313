"""Which Gen5 data sets are measured, and what each measured: the data-set label.

Gen5 names a measured data set '<read name>:<what was read>' (or only '<what was read>' for an
unnamed read; 'Read 2' is Gen5's name for the second unnamed read): an absorbance wavelength
('630'), a luminescence filter or 'Lum' (no filter), an excitation and emission pair with or
without bandwidths ('485/20,528/20', '579,616'), then optionally a tag in brackets: [Test] and
[Ref] for the pathlength-correction wavelengths, [Parallel] and [Perpendicular] for the two
reads of fluorescence polarization. Everything else is calculated from the reads ('260:Pathlength',
'Blank 260:260', 'Corrected [...]', '[Concentration]', 'Mean V [420]', user-named reductions)
and is not read; a label that starts with a read's name but is neither is refused.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .gen5_procedure import ReadStep

_NM = r"(\d+(?:\.\d+)?)(?:/\d+(?:\.\d+)?)?"          # a wavelength, optionally /bandwidth
SPEC = re.compile(rf"^(?:{_NM},\s*{_NM}|{_NM}|(Lum))(?:\s*\[(Test|Ref|Parallel|Perpendicular)\])?$")
CALCULATED_SPECS = ("Pathlength",)   # '<read>:Pathlength' is computed from the [Test] and [Ref] reads
_DEFAULT_NAME = re.compile(r"^Read (\d+)$")


@dataclass(frozen=True)
class Measured:
    label: str
    step: ReadStep
    wavelength: float | None     # absorbance, or emission (fluorescence, filtered luminescence)
    excitation: float | None


def _spec(text: str) -> tuple[float | None, float | None] | None:
    """(excitation, detection wavelength) of what was read, or None when ``text`` is not one."""
    m = SPEC.match(text.strip())
    if not m:
        return None
    ex, em, single, _lum, _tag = m.groups()
    if ex is not None:
        return float(ex), float(em)
    return None, float(single) if single is not None else None


def measured(label: str, steps: list[ReadStep]) -> Measured | None | str:
    """The measured data set ``label`` names; None for a calculated one; a message (str) when
    the label starts like a read's data set but cannot be understood."""
    named = {s.name: s for s in steps if s.name}
    prefix, sep, rest = label.rpartition(":")
    if sep and prefix in named:
        step = named[prefix]
    elif sep and (m := _DEFAULT_NAME.match(prefix)) and not named and 1 <= int(m.group(1)) <= len(steps):
        step = steps[int(m.group(1)) - 1]
    elif not sep and (spec := _spec(label)) is not None:
        unnamed = [s for s in steps if not s.name and _fits(s, spec)]
        if len(unnamed) != 1:
            return (f"data set {label!r}: {len(unnamed)} unnamed read steps in the procedure could have made it; "
                    f"cannot tell which") if unnamed else None
        step, rest = unnamed[0], label
    else:
        return None
    if rest.strip() in CALCULATED_SPECS:
        return None
    spec = _spec(rest)
    if spec is None:
        return (f"data set {label!r} of read {step.name or '(unnamed)'!r}: {rest!r} is not a wavelength, a filter "
                f"pair (ex,em), 'Lum' or a known calculated set")
    if not _fits(step, spec):
        return (f"data set {label!r}: the wavelengths do not match those of read {step.name or '(unnamed)'!r} "
                f"(line {step.line}) in the procedure")
    return Measured(label=label, step=step, wavelength=spec[1], excitation=spec[0])


def _fits(step: ReadStep, spec: tuple[float | None, float | None]) -> bool:
    ex, em = spec
    if step.mode == "Fluorescence" and ex is None:
        return False
    if step.mode in ("Absorbance", "Luminescence") and ex is not None:
        return False
    return step.knows(ex, em)
