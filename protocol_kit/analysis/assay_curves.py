"""From a normalised inhibition curve to IC50, Hill slope and Ki (binding and uptake alike).

The points are % of control (% specific binding, or % of vehicle uptake) against the molar
concentration, vehicle (total-binding) wells at concentration 0. Two fits of the fitting
engine:

- :func:`~protocol_kit.analysis.fit_logistic`, variable slope: IC50 (95% CI), Hill slope;
  Ki by Cheng-Prusoff, Ki = IC50 / (1 + [L]/K) ([L], K: radioligand and its Kd, or substrate
  and its Km), its CI the IC50's divided by the same constant;
- :func:`~protocol_kit.analysis.fit_ki`, Hill fixed at -1 and logKi fitted directly (Prism's
  "One site - Fit Ki"), with its own 95% CI.

``bottom``: None fits the bottom plateau freely (the default); a number (0) fixes it, e.g.
when the compound must displace all specific binding, or the curve stops before its bottom.

QC: the engine's flags (``incomplete``, ``shallow``, ``steep``, ``few_points``,
``not_converged``, and ``implausible_units`` with its sentence: concentrations, [L] or K
that cannot be meant as molar); ``ci_unbounded`` with the sentence of each fit (IC50, direct
Ki) whose 95% profile interval is open on a side, that fit's CI being then the profile one;
``bottom_not_0``: a free bottom plateau whose 95% CI excludes 0 and that lies more than 20
points from it: the curve does not fall to the level of the
full-inhibition (NSB) controls, because the compound is partial or, more often, because the
curve stops before its bottom and the plateau is extrapolated (then fix ``bottom=0``); and
``hill_not_1``: the 95% CI of the Hill slope excludes -1 and |Hill|
is outside 0.75-1.33 (a factor 4/3 either side of 1), which suggests more than one site,
cooperativity, or an assay not at equilibrium, so a Ki from Cheng-Prusoff is doubtful.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .assay_results import AssayResult
from .binding import KiFit, fit_ki_molar
from .fitting import LogisticFit, fit_logistic
from .flags import UNBOUNDED
from .inputs import cheng_prusoff_factor
from .plausible import FLAG as IMPLAUSIBLE

HILL_BAND = (0.75, 4 / 3)
BOTTOM_TOLERANCE = 20.0  # points of % of control


@dataclass(frozen=True)
class CurveOutcome:
    fit: LogisticFit
    ki_fit: KiFit
    ki: float
    ki_ci: tuple[float, float]
    flags: tuple[str, ...]
    qc: tuple[str, ...]


def inhibition_curve(conc, pct_of_control, *, ligand_conc: float, k: float, weights=None,
                     bottom: float | None = None, ligand: str = "[L]", k_name: str = "Kd") -> CurveOutcome:
    """Fit the curve both ways and derive Ki (see the module docstring). Molar floats;
    ``weights``: as :func:`~protocol_kit.analysis.fit_logistic` takes them (None, an array, or
    a function of the fitted values such as :class:`.wells.FittedReadingWeights`)."""
    conc = np.asarray(conc, float)
    y = np.asarray(pct_of_control, float)
    fixed = None if bottom is None else {"bottom": bottom}
    fit = fit_logistic(conc, y, weights=weights, fixed=fixed)
    # [L] and K are molar floats checked once by the assay's inputs contract (.inputs): no second
    # unit check (a substrate of 1 mM or more, allowed for uptake, is no unit slip here)
    ki_fit = fit_ki_molar(conc, y, radioligand_conc=ligand_conc, kd=k, weights=weights, fixed=fixed)
    factor = cheng_prusoff_factor(ligand_conc, k)
    if math.isfinite(fit.ic50):
        ki = fit.ic50 / factor
        ki_ci = (fit.ic50_ci[0] / factor, fit.ic50_ci[1] / factor)
    else:
        ki, ki_ci = math.nan, (math.nan, math.nan)
    flags = [f for f in fit.flags if f not in (IMPLAUSIBLE, UNBOUNDED)]
    qc = [f"incomplete: IC50 {fit.ic50_text} (not bracketed by the tested concentrations, or a plateau "
          "undefined)" if f == "incomplete" else f"{f}: flagged by the curve fit" for f in flags]
    # ci_unbounded: the sentence of each fit whose headline CI is its open profile interval
    open_ci = [m for m in fit.messages + ki_fit.messages if m.startswith(UNBOUNDED)]
    if open_ci:
        flags.append(UNBOUNDED)
        qc.extend(open_ci)
    said = tuple(dict.fromkeys(m for m in fit.messages + ki_fit.messages  # the sentences of implausible_units
                               if not m.startswith(UNBOUNDED)))
    if said:
        flags.append(IMPLAUSIBLE)
        qc.extend(said)
    b_lo, b_hi = fit.bottom_ci
    if bottom is None and math.isfinite(b_lo) and not b_lo <= 0 <= b_hi and abs(fit.bottom) > BOTTOM_TOLERANCE:
        flags.append("bottom_not_0")
        qc.append(f"bottom_not_0: the fitted bottom plateau is {fit.bottom:.0f}% (95% CI {b_lo:.0f} to {b_hi:.0f}), "
                  "not the 0% of the full-inhibition controls: a partial inhibitor, or a curve that stops before "
                  "its bottom (then fit with bottom=0)")
    lo, hi = fit.hill_ci
    h = abs(fit.hill)
    if math.isfinite(lo) and not lo <= -1.0 <= hi and not HILL_BAND[0] <= h <= HILL_BAND[1]:
        flags.append("hill_not_1")
        qc.append(f"hill_not_1: Hill slope {fit.hill:.2f} (95% CI {lo:.2f} to {hi:.2f}) is far from -1; "
                  f"Cheng-Prusoff with {ligand}/{k_name} assumes one competitive site")
    return CurveOutcome(fit, ki_fit, ki, (float(ki_ci[0]), float(ki_ci[1])), tuple(flags), tuple(qc))


@dataclass(frozen=True)
class InhibitionResult(AssayResult):
    """The curve part of a binding or uptake result: IC50 (molar, 95% CI, text), Hill slope,
    Ki by Cheng-Prusoff and by the direct fit, and both fits."""

    ic50: float
    ic50_ci: tuple[float, float]
    ic50_text: str
    hill: float
    hill_ci: tuple[float, float]
    ki: float
    ki_ci: tuple[float, float]
    ki_direct: float
    ki_direct_ci: tuple[float, float]
    fit: LogisticFit
    ki_fit: KiFit


def curve_fields(curve: CurveOutcome) -> dict:
    """The :class:`InhibitionResult` fields of a fitted curve."""
    fit = curve.fit
    return dict(ic50=fit.ic50, ic50_ci=fit.ic50_ci, ic50_text=fit.ic50_text, hill=fit.hill, hill_ci=fit.hill_ci,
                ki=curve.ki, ki_ci=curve.ki_ci, ki_direct=curve.ki_fit.ki, ki_direct_ci=curve.ki_fit.ki_ci, fit=fit,
                ki_fit=curve.ki_fit)
