"""Simulated scintillation counts for a radioligand binding plate layout.

Each well is at binding equilibrium with ligand depletion solved exactly. With receptor
R (Bmax x protein / volume), radioligand added L, its Kd, a competitor at I (taken as free:
competitor depletion is not simulated) with inhibition constant Ki, the apparent
Kd' = Kd (1 + I/Ki); nonspecific binding is a fixed fraction ``ns`` of free ligand (so NSB is
proportional to [L]). Mass balance L = F + R F/(Kd' + F) + ns F gives the free ligand F as
the positive root of (1 + ns) F^2 + ((1 + ns) Kd' + R - L) F - L Kd' = 0. NSB wells have a
saturating unlabelled drug (Kd' -> inf, no specific binding).

Counts: bound mol x 1e15 fmol x 2.22 SA DPM/fmol x efficiency + counter background, times a
log-normal pipetting factor (CV ``well_cv``), then Poisson counting noise over ``count_min``
minutes (CPM = counts / minutes). The frame looks like a counter's per-well list:
plate, well, cpm, value (= cpm).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..analysis.counts import added_cpm
from ..analysis.inputs import BindingInputs, SaturationInputs, cheng_prusoff_factor
from .noise import lognormal_factor
from .reference import reference_ki
from .truth import resolve_truth


def free_ligand(L, R, kd_app, ns):
    """Free radioligand (molar) at equilibrium; see the module docstring. Arrays broadcast."""
    L, R, kd_app = np.broadcast_arrays(np.asarray(L, float), np.asarray(R, float), np.asarray(kd_app, float))
    a = 1.0 + ns
    free = L / a  # no specific binding (Kd' infinite)
    fin = np.isfinite(kd_app)
    b = a * kd_app[fin] + R[fin] - L[fin]
    c = L[fin] * kd_app[fin]
    # positive root, written to avoid cancellation: 2c / (b + sqrt(b^2 + 4ac)) when b > 0
    disc = np.sqrt(b * b + 4 * a * c)
    free = free.copy()
    free[fin] = np.where(b > 0, 2 * c / (b + disc), (disc - b) / (2 * a))
    return free


def simulate_counts(layout: pd.DataFrame, *, ki: float, kd: float, bmax_fmol_per_mg: float, protein_mg: float,
                    volume_l: float, specific_activity: float, efficiency: float, ns: float,
                    background_cpm: float, well_cv: float, count_min: float, seed) -> pd.DataFrame:
    """Counts per well of ``layout`` (roles total, nsb, compound; ``conc`` and
    ``radioligand_conc`` molar). Concentrations molar, Bmax fmol/mg, SA Ci/mmol."""
    rng = np.random.default_rng(seed)
    L = layout["radioligand_conc"].to_numpy(float)
    role = layout["role"].to_numpy()
    inhibitor = np.where(role == "compound", layout["conc"].to_numpy(float), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        kd_app = np.where(role == "nsb", np.inf, kd * cheng_prusoff_factor(inhibitor, np.asarray(ki, float)))
    R = bmax_fmol_per_mg * protein_mg * 1e-15 / volume_l
    F = free_ligand(L, R, kd_app, ns)
    with np.errstate(invalid="ignore"):
        specific = np.where(np.isfinite(kd_app), R * F / (kd_app + F), 0.0)
    bound = specific + ns * F
    cpm_per_molar = added_cpm(1.0, volume_l, efficiency=efficiency, specific_activity=specific_activity)
    expected = bound * cpm_per_molar + background_cpm
    expected = expected * lognormal_factor(rng, well_cv, expected.size)
    cpm = rng.poisson(expected * count_min) / count_min
    return pd.DataFrame({"plate": "1", "well": layout["well"].to_numpy(), "cpm": cpm.astype(float),
                         "value": cpm.astype(float)})


def simulate_binding(layout: pd.DataFrame, setup: BindingInputs | SaturationInputs, *, seed, compound: str = "",
                     target: str = "", truth: dict | None = None) -> pd.DataFrame:
    """Counts for ``layout`` from the plan's contract ``setup`` (specific activity, efficiency,
    protein, volume; its Kd the default true Kd) and the ``truth`` of ``protocol.simulate``:
    ``ki`` [the reference Ki of ``compound`` at ``target``; none in saturation mode], ``kd``,
    ``bmax`` [2000 fmol/mg], ``ns`` [0.005], ``background_cpm`` [30], ``well_cv`` [0.04],
    ``count_min`` [1]."""
    truth = dict(truth or {})
    saturation = isinstance(setup, SaturationInputs)
    ki_default = "1 M" if saturation or "ki" in truth else f"{reference_ki(compound, target)!r} M"
    t = resolve_truth(truth, {
        "ki": (ki_default, "M", "the compound's Ki"), "kd": (setup.kd, "M", "the radioligand's Kd"),
        "bmax": (2000.0, "fmol/mg", "receptor density"), "ns": (0.005, None, "nonspecific fraction"),
        "background_cpm": (30.0, None, "counter background"), "well_cv": (0.04, None, "pipetting CV"),
        "count_min": (1.0, None, "counting time (min)")})
    return simulate_counts(layout, ki=t["ki"], kd=t["kd"], bmax_fmol_per_mg=t["bmax"], protein_mg=setup.protein_mg,
                           volume_l=setup.well_volume_l, specific_activity=setup.specific_activity,
                           efficiency=setup.efficiency, ns=t["ns"], background_cpm=t["background_cpm"],
                           well_cv=t["well_cv"], count_min=t["count_min"], seed=seed)
