"""Normalising a plate to its controls, and the plate's quality (Z', signal/background).

- % inhibition = 100 (1 - (signal - full) / (vehicle - full)): vehicle wells are 0%, wells
  with a saturating reference inhibitor (or 4 °C uptake, or the NSB drug in binding) are 100%.
- % of control = 100 (signal - full) / (vehicle - full) = 100 - % inhibition; in binding,
  with total (TB) and nonspecific (NSB) wells as the controls, this is % specific binding,
  100 (B - NSB) / (TB - NSB).
- Z' = 1 - 3 (SD_pos + SD_neg) / |mean_pos - mean_neg| (Zhang, Chung & Oldenburg 1999,
  J Biomol Screen 4:67), sample SDs (n - 1); 0.5 <= Z' < 1 is an excellent assay. Control
  wells that all read the same value (SD 0, to rounding) are flagged ``constant_controls``:
  real wells always scatter, so identical readings are a saturated or clipped detector, a
  placeholder or copied values, and the Z' they give (1.0 when both controls are constant)
  measures nothing.
- signal / background = mean of the high controls / mean of the low controls.

Controls may be given as arrays of wells (their mean is used) or as one number. A NaN control
well is an error here: callers drop missing wells first and report how many.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import AnalysisError
from ._inputs import as_values, check_no_nan
from .lsq import ROUNDING
from .results import ResultBase


def finite_wells(values, field: str, *, at_least: int = 1) -> np.ndarray:
    """Control wells as a float array; NaN and too few wells raise, naming ``field``."""
    arr = check_no_nan(as_values(values, field), field,
                       "a number for every control well (drop missing wells first, and report them)")
    if arr.size < at_least:
        raise AnalysisError(f"{field}: {arr.size} well(s); at least {at_least} needed")
    return arr


def _controls(vehicle, full) -> tuple[float, float]:
    hi = float(np.mean(finite_wells(vehicle, "vehicle")))
    lo = float(np.mean(finite_wells(full, "full")))
    if hi == lo:
        raise AnalysisError(f"vehicle and full controls have the same mean ({hi:g}): there is no window "
                            "to normalise to")
    return hi, lo


def percent_of_control(signal, *, vehicle, full) -> np.ndarray:
    """100 (signal - full) / (vehicle - full): 100 at the vehicle mean, 0 at the full-inhibition
    mean. NaN signals stay NaN."""
    hi, lo = _controls(vehicle, full)
    return 100.0 * (as_values(signal, "signal") - lo) / (hi - lo)


def percent_inhibition(signal, *, vehicle, full) -> np.ndarray:
    """% inhibition = 100 (1 - (signal - full) / (vehicle - full)); 0 at the vehicle mean,
    100 at the mean of the full-inhibition controls. NaN signals stay NaN."""
    return 100.0 - percent_of_control(signal, vehicle=vehicle, full=full)


CONSTANT = "constant_controls"


@dataclass(frozen=True)
class ZPrime(ResultBase):
    """Result of :func:`z_prime` (immutable): ``value`` (``float(z)`` gives it), the two
    sample SDs, and ``flags`` (``constant_controls``) with a sentence each in ``messages``."""

    value: float
    sd_positive: float
    sd_negative: float
    flags: tuple[str, ...] = ()
    messages: tuple[str, ...] = ()

    def __float__(self) -> float:
        return self.value


def constant_wells(values) -> bool:
    """True when every well reads the same value: SD at most the rounding level,
    1e-12 max|value| (:data:`.lsq.ROUNDING`)."""
    arr = np.asarray(values, float)
    return arr.size > 1 and bool(arr.std(ddof=1) <= ROUNDING * np.max(np.abs(arr)))


def z_prime(positive, negative) -> ZPrime:
    """Z' = 1 - 3 (SD_pos + SD_neg) / |mean_pos - mean_neg|, sample SDs (Zhang et al. 1999).
    At least two wells of each control. A control whose wells all read the same value is
    flagged ``constant_controls`` (see the module docstring); the value is still the formula's."""
    pos = finite_wells(positive, "positive", at_least=2)
    neg = finite_wells(negative, "negative", at_least=2)
    gap = abs(pos.mean() - neg.mean())
    if gap == 0:
        raise AnalysisError("positive and negative controls have the same mean: Z' is undefined")
    value = float(1.0 - 3.0 * (pos.std(ddof=1) + neg.std(ddof=1)) / gap)
    same = [f"{name} wells all read {arr[0]:g}" for name, arr in (("positive", pos), ("negative", neg))
            if constant_wells(arr)]
    said = (f"{CONSTANT}: the {' and the '.join(same)} (SD 0): identical readings are a saturated or clipped "
            f"detector, a placeholder or copied values, not a perfect assay; Z' {value:.2f} is no measure of the "
            "assay window",)
    return ZPrime(value, float(pos.std(ddof=1)), float(neg.std(ddof=1)),
                  (CONSTANT,) if same else (), said if same else ())


def signal_to_background(signal, background) -> float:
    """mean(signal) / mean(background)."""
    bg = float(np.mean(finite_wells(background, "background")))
    if bg <= 0:
        raise AnalysisError(f"background: mean {bg:g} is not > 0, so signal/background is undefined")
    return float(np.mean(finite_wells(signal, "signal"))) / bg
