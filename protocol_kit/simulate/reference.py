"""Reference pharmacology for simulated data: Ki (nM) of six antidepressants, from DOMAIN.md.

Source: /work/shared/DOMAIN.md, "Reference pharmacology (from the seeds)" (ranges across
studies; sertraline's human values SERT 0.29, NET 420, DAT 25 nM; sigma-1 32-57 nM in rat).
Each entry is (low, high, typical) in nM: ``typical`` is the human value where DOMAIN.md gives
one, else the geometric mean of the range (sqrt(low x high)), rounded to 2 significant
digits; a range given only as "> x" has high = inf and no typical value. This table is the
one place these numbers live (a later issue ships it as a data file with its sources).
"""
from __future__ import annotations

import math

from ..errors import ParameterError, UnknownNameError

INF = math.inf

# drug -> target -> (low, high, typical), nM
REFERENCE_KI_NM: dict[str, dict[str, tuple[float, float, float | None]]] = {
    "imipramine": {"SERT": (0.8, 4.6, 1.9), "NET": (37, 129, 69), "DAT": (8500, 8500, 8500),
                   "muscarinic": (11, 91, 32), "H1": (1.1, 11, 3.5), "alpha-1": (23, 67, 39)},
    "fluoxetine": {"SERT": (0.8, 2.6, 1.4), "NET": (140, 420, 240), "DAT": (2000, 9400, 4300),
                   "muscarinic": (1100, 2500, 1700), "H1": (120, 360, 210), "alpha-1": (1400, 2900, 2000)},
    "sertraline": {"SERT": (0.2, 2.1, 0.29), "NET": (25, 420, 420), "DAT": (22, 440, 25),
                   "muscarinic": (480, 1700, 900), "H1": (10000, INF, None), "alpha-1": (36, 350, 110),
                   "sigma-1": (32, 57, 43)},
    "paroxetine": {"SERT": (0.1, 0.5, 0.22), "NET": (40, 150, 77), "DAT": (270, 1000, 520),
                   "muscarinic": (3, 6.8, 4.5), "H1": (26, 130, 58), "alpha-1": (1000, 3700, 1900)},
    "citalopram": {"SERT": (1.1, 5.4, 2.4), "NET": (2900, 8700, 5000), "DAT": (10000, INF, None),
                   "muscarinic": (1200, 3700, 2100), "H1": (400, 1900, 870), "alpha-1": (2100, 4700, 3100)},
    "escitalopram": {"SERT": (1.1, 1.1, 1.1), "NET": (6700, 6700, 6700), "DAT": (10000, INF, None),
                     "muscarinic": (1000, INF, None), "H1": (1000, INF, None), "alpha-1": (1000, INF, None)},
}


def reference_ki(drug: str, target: str) -> float:
    """The typical Ki of ``drug`` at ``target`` in molar (see the module docstring)."""
    key = drug.strip().lower()
    if key not in REFERENCE_KI_NM:
        raise UnknownNameError("drug with a reference Ki (pass ki= to simulate another)", drug, REFERENCE_KI_NM)
    table = REFERENCE_KI_NM[key]
    if target not in table:
        raise UnknownNameError(f"target with a reference Ki for {key} (pass ki= for another)", target, table)
    low, high, typical = table[target]
    if typical is None:
        raise ParameterError("ki", None, "a Ki to simulate, e.g. ki='20 uM'",
                             reason=f"has no reference value: {key} at {target} is only known as > {low:g} nM "
                                    "(DOMAIN.md)")
    return typical * 1e-9
