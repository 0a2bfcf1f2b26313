"""Unit plausibility of concentrations given as plain numbers, which the fits read as molar.

A plain float is taken in mol/L. Numbers typed in nM or µM then become concentrations no
assay uses, and the result is wrong by a factor of 10^6 or 10^9 while looking like a number.
The limits below are far outside any binding or uptake assay, so a value beyond one cannot be
meant as molar:

- a radioligand concentration [L] (or substrate [S]) or its Kd (Km) of 1 mM or more
  (radioligands are used near their Kd, in the pM to nM range);
- a tested concentration above 0.1 M (solubility ends well below; a top of 10-100 µM is usual);
- a fitted IC50 above 1 M or below 1 fM, inside the tested range (one outside it is an
  extrapolation, flagged ``incomplete``, not a unit).

The assay analyses pass the plan's [S] and Km as meant (a plan may use a substrate up to
10 mM), and check the radioligand's [L] and Kd, which must be in one unit.

Such a result is flagged ``implausible_units`` with a sentence that names the unit the numbers
look like (the unit that puts them nearest a typical value: 1 nM for [L] and Kd, 10 µM for a
top concentration). Where a plain number is combined with values that carry units, so that a
ratio such as [L]/Kd would be wrong by that factor, the caller refuses it instead
(:func:`check_pair`). Only plain numbers are checked: a value given with a unit ("2 mM") is
taken as meant.
"""
from __future__ import annotations

import math
import numbers

import numpy as np
import pint

from ..errors import ParameterError

FLAG = "implausible_units"
LIGAND_MAX = 1e-3      # M: a radioligand (substrate) concentration or Kd (Km) of 1 mM or more
TESTED_MAX = 0.1       # M: a tested concentration above 0.1 M
IC50_RANGE = (1e-15, 1.0)  # M: a fitted IC50 below 1 fM or above 1 M
TYPICAL_LIGAND = 1e-9  # M: [L] and Kd are usually near 1 nM
TYPICAL_TOP = 1e-5     # M: a top concentration is usually near 10 µM
_UNITS = (("mM", 1e-3), ("µM", 1e-6), ("nM", 1e-9), ("pM", 1e-12))


def is_plain(value) -> bool:
    """Whether ``value`` is a plain number (or an array of them), read as molar: not a pint
    quantity, not text with a unit, not a sequence holding either."""
    if isinstance(value, (pint.Quantity, str)):
        return False
    if isinstance(value, numbers.Number) or (isinstance(value, np.ndarray) and value.dtype.kind in "fiub"):
        return True
    arr = np.asarray(value, dtype=object).ravel()
    return not any(isinstance(v, (pint.Quantity, str)) for v in arr)


def likely_unit(number: float, typical: float) -> str:
    """The unit (mM, µM, nM, pM) in which ``number`` lies nearest ``typical`` mol/L on a log scale."""
    return min(_UNITS, key=lambda u: abs(math.log10(abs(number) * u[1] / typical)))[0]


def _num(x: float) -> str:
    return f"{x:.3g}"


def ligand_message(name: str, value: float) -> str:
    """The sentence for a plain [L] or Kd of 1 mM or more."""
    u = likely_unit(value, TYPICAL_LIGAND)
    return (f"{FLAG}: {name} {_num(value)} is read as {_num(value)} M (a plain number is molar), which no "
            f"binding or uptake assay uses; it looks like {u}: pass it in M or as '{_num(value)} {u}'")


def check_pair(conc, conc_name: str, k, k_name: str) -> list[str]:
    """[L] and Kd ([S] and Km), as given. A plain number of 1 mM or more beside a value with a
    unit, or beside a plain number that is plausible in M, makes the ratio [L]/Kd wrong by the
    unit's factor: refused with a :class:`ParameterError` naming it and the unit it looks like.
    Both plain and both 1 mM or more (one consistent unit, say nM: the ratio is right) gives
    the ``implausible_units`` sentences to flag. Returns the sentences (empty when plausible)."""
    big = {name: _big_plain(v) for name, v in ((conc_name, conc), (k_name, k))}
    if big[conc_name] and big[k_name]:
        return [ligand_message(conc_name, float(conc)) + f" (with {k_name} {_num(float(k))} in the same "
                "unit the ratio is right, but the values are not molar)"]
    for name, value, other, other_value in ((conc_name, conc, k_name, k), (k_name, k, conc_name, conc)):
        if big[name] and _zero(other_value):  # [L] = 0: no ratio to spoil, but the value is not molar
            return [ligand_message(name, float(value))]
        if big[name]:
            u = likely_unit(float(value), TYPICAL_LIGAND)
            given = "with a unit" if not is_plain(other_value) else f"as {_num(float(other_value))} M"
            raise ParameterError(name, value, f"a concentration with its unit, e.g. '{_num(float(value))} {u}', "
                                 "or a molar float below 1 mM",
                                 reason=f"is read as {_num(float(value))} M (a plain number is molar) while "
                                        f"{other} is given {given}: the ratio {conc_name}/{k_name} would be off by "
                                        f"orders of magnitude; it looks like {u}")
    return []


def _big_plain(v) -> bool:
    return is_plain(v) and isinstance(v, numbers.Real) and float(v) >= LIGAND_MAX


def _zero(v) -> bool:
    return is_plain(v) and isinstance(v, numbers.Real) and float(v) == 0


def top_concentration(conc: np.ndarray) -> float:
    """The highest tested (finite, non-zero) concentration; NaN when there is none."""
    pos = conc[np.isfinite(conc) & (conc > 0)]
    return float(pos.max()) if pos.size else math.nan


def tested_message(top: float, ic50: float) -> str | None:
    """The sentence for plain tested concentrations (molar) whose highest, ``top``, is above
    0.1 M, or whose fitted IC50 (NaN when not determined) is above 1 M or below 1 fM; None
    when neither."""
    found = []
    if top > TESTED_MAX:
        found.append(f"tested concentrations up to {_num(top)} M (above {TESTED_MAX:g} M, beyond any solubility)")
    if math.isfinite(ic50) and ic50 > IC50_RANGE[1]:
        found.append(f"IC50 {_num(ic50)} M (above 1 M)")
    if found:
        u = likely_unit(top, TYPICAL_TOP)
        return f"{FLAG}: {' and '.join(found)}: concentrations look like {u}, not M: pass them in M or as '10 {u}'"
    if math.isfinite(ic50) and 0 < ic50 < IC50_RANGE[0]:
        return (f"{FLAG}: IC50 {_num(ic50)} M (below 1 fM; tested up to {_num(top)} M): the concentrations look "
                "converted to M twice: pass them in M or as '10 nM'")
    return None
