"""Radioactivity arithmetic of binding assays: specific binding, counts to moles, depletion.

Counts to moles (the tritium bench arithmetic, DOMAIN.md):

- DPM = CPM / efficiency (the counter sees ``efficiency`` of the disintegrations);
- 1 Ci = 3.7e10 Bq = 3.7e10 disintegrations/s = 2.22e12 DPM;
- a specific activity of SA Ci/mmol means SA Ci per 1e-3 mol, so one fmol (1e-15 mol)
  carries SA x 1e-12 Ci = SA x 1e-12 x 2.22e12 DPM = 2.22 x SA DPM;
- hence fmol = DPM / (2.22 x SA), and fmol/mg protein = fmol / (mg protein in the well).

Radioligand added to a well: [L] x V mol = [L] x V x 1e15 fmol, i.e.
[L] x V x 1e15 x 2.22 x SA x efficiency CPM; ligand depletion = bound CPM / added CPM.
"""
from __future__ import annotations

import numpy as np
import pint

from ..errors import ParameterError
from ..units import parse_quantity
from ._inputs import _check_finite_nonneg, as_values

DPM_PER_CI = 2.22e12  # 3.7e10 Bq x 60 s/min
DPM_PER_FMOL_PER_CI_PER_MMOL = DPM_PER_CI * 1e-12  # 2.22: 1 fmol at 1 Ci/mmol is 1e-12 Ci
FMOL_PER_MOL = 1e15


def efficiency_fraction(efficiency, field: str = "efficiency") -> float:
    """Counting efficiency as a fraction in (0, 1]: 0.4, "40%" or a pint percent quantity."""
    if isinstance(efficiency, str) and efficiency.strip().endswith("%"):
        text = efficiency.strip()[:-1]
        try:
            value = float(text) / 100
        except ValueError:
            raise ParameterError(field, efficiency, "a fraction in (0, 1], e.g. 0.4, or a percentage such as '40%'",
                                 reason="is not a number") from None
    elif isinstance(efficiency, pint.Quantity):
        value = float(efficiency.to("dimensionless").magnitude)
    else:
        try:
            value = float(efficiency)
        except (TypeError, ValueError):
            raise ParameterError(field, efficiency, "a fraction in (0, 1], e.g. 0.4, or '40%'") from None
    if not 0 < value <= 1:
        hint = f" (for {value:g}% write {value / 100:g} or '{value:g}%')" if 1 < value <= 100 else ""
        raise ParameterError(field, efficiency, f"a fraction in (0, 1], e.g. 0.4, or '40%'{hint}")
    return value


def specific_activity_ci_per_mmol(specific_activity) -> float:
    """Specific activity in Ci/mmol (a float is taken in Ci/mmol; "80 Ci/mmol", "2.96 PBq/mol")."""
    q = parse_quantity(specific_activity, "Ci/mmol", field="specific_activity")
    if q.magnitude <= 0:
        raise ParameterError("specific_activity", specific_activity, "a specific activity > 0 Ci/mmol")
    return float(q.magnitude)


def _counts(cpm, field: str) -> np.ndarray:
    return _check_finite_nonneg(as_values(cpm, field), field, "counts >= 0 (NaN marks a missing well)", nonneg=True)


def counts_to_fmol(cpm, *, efficiency, specific_activity):
    """fmol of radioligand in a count: DPM = CPM / efficiency, fmol = DPM / (2.22 x SA).

    ``efficiency``: fraction of disintegrations counted, in (0, 1] (0.4 or "40%");
    ``specific_activity``: Ci/mmol (float) or a quantity. 2.22 = DPM of 1 fmol at 1 Ci/mmol
    (1 Ci = 2.22e12 DPM; 1 fmol at SA Ci/mmol = SA x 1e-12 Ci). Negative counts raise; NaN
    stays NaN. Returns a float for a scalar, else an array.
    """
    eff = efficiency_fraction(efficiency)
    sa = specific_activity_ci_per_mmol(specific_activity)
    fmol = _counts(cpm, "cpm") / eff / (DPM_PER_FMOL_PER_CI_PER_MMOL * sa)
    return float(fmol[0]) if np.ndim(cpm) == 0 else fmol


def added_cpm(radioligand_molar: float, volume_litre: float, *, efficiency, specific_activity) -> float:
    """CPM of the radioligand added to one well: [L] V 1e15 fmol x 2.22 SA DPM/fmol x efficiency."""
    fmol = radioligand_molar * volume_litre * FMOL_PER_MOL
    return float(fmol * DPM_PER_FMOL_PER_CI_PER_MMOL * specific_activity_ci_per_mmol(specific_activity)
                 * efficiency_fraction(efficiency))


def specific_binding(total, nsb):
    """Specific binding = total - NSB: each ``total`` value minus the mean of the ``nsb``
    wells (one number or an array of NSB replicates; NaN NSB wells raise, drop them first).
    Returns a float for a scalar ``total``, else an array; NaN totals stay NaN."""
    from .controls import finite_wells

    t = _counts(total, "total")
    n = float(np.mean(finite_wells(_counts(nsb, "nsb"), "nsb")))
    out = t - n
    return float(out[0]) if np.ndim(total) == 0 else out
