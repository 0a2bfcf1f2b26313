"""Simulated uptake plates: scintillation counts, fluorescence endpoint or kinetic traces.

Specific uptake is competitive with the substrate (Michaelis-Menten): relative to vehicle it is
(Km + [S]) / (Km (1 + [I]/Ki) + [S]) = 1 / (1 + [I]/IC50), IC50 = Ki (1 + [S]/Km). Every well
with cells adds nonspecific uptake (the level of the full-inhibition wells) and each well's
uptake is scaled by a log-normal factor (CV ``well_cv``: cell number, pipetting). Blank wells
have no cells.

- scintillation: CPM = Poisson(uptake), no background (frame: plate, well, cpm, value);
- fluorescence endpoint: RFU = blank + uptake + normal read noise (plate, well, value);
- fluorescence kinetic: RFU(t) = blank + A (1 - exp(-t/tau)) + read noise, with the initial
  rate A/tau = the well's uptake per minute, read every minute for the uptake time
  (plate, well, read, time_s, value; as a plate reader's kinetic export: one read, its time
  points told apart by time_s).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..analysis.inputs import UptakeInputs, cheng_prusoff_factor
from .noise import lognormal_factor
from .reference import reference_ki
from .truth import resolve_truth

# (vehicle specific uptake, blank, read noise SD) per readout: CPM; RFU; RFU/min (kinetic)
SIMULATED_SIGNAL = {"scintillation": (5000.0, 0.0, 0.0), "fluorescence endpoint": (20000.0, 1000.0, 150.0),
                    "fluorescence kinetic": (400.0, 1000.0, 10.0)}


def simulate_uptake(layout: pd.DataFrame, *, readout: str, ki: float, substrate_conc: float, km: float,
                    specific: float, nonspecific: float, blank: float, well_cv: float, read_sd: float,
                    tau_min: float, uptake_min: float, seed) -> pd.DataFrame:
    """Readings for ``layout`` (roles vehicle, positive, compound, blank; ``conc`` molar)."""
    rng = np.random.default_rng(seed)
    role = layout["role"].to_numpy()
    conc = np.where(role == "compound", layout["conc"].to_numpy(float), 0.0)
    ic50 = ki * cheng_prusoff_factor(substrate_conc, km)
    fraction = np.where(role == "positive", 0.0, 1.0 / (1.0 + conc / ic50))
    factor = lognormal_factor(rng, well_cv, role.size)
    uptake = np.where(role == "blank", 0.0, (nonspecific + specific * fraction) * factor)
    base = {"plate": "1", "well": layout["well"].to_numpy()}
    if readout == "scintillation":
        cpm = rng.poisson(uptake).astype(float)
        return pd.DataFrame({**base, "cpm": cpm, "value": cpm})
    if readout == "fluorescence endpoint":
        return pd.DataFrame({**base, "value": blank + uptake + rng.normal(0, read_sd, role.size)})
    times = np.arange(0, int(round(uptake_min)) + 1) * 60.0
    t = np.tile(times, role.size)
    rate = np.repeat(uptake, times.size)
    rfu = blank + rate * tau_min * (1 - np.exp(-t / 60.0 / tau_min)) + rng.normal(0, read_sd, t.size)
    return pd.DataFrame({"plate": "1", "well": np.repeat(base["well"], times.size),
                         "read": 1, "time_s": t, "value": rfu})


def simulate_uptake_plan(layout: pd.DataFrame, setup: UptakeInputs, *, seed, compound: str = "",
                         transporter: str = "", truth: dict | None = None) -> pd.DataFrame:
    """Readings for ``layout`` from the plan's contract ``setup`` ([S], readout, uptake time; its
    Km the default true Km) and the ``truth`` of ``protocol.simulate``: ``ki`` [the reference Ki
    of ``compound`` at ``transporter``], ``km``, ``specific``, ``nonspecific`` [8% of specific],
    ``blank``, ``well_cv`` [0.06], ``read_sd``, ``tau_min`` [20] (defaults per readout:
    :data:`SIMULATED_SIGNAL`)."""
    truth = dict(truth or {})
    specific, blank, read_sd = SIMULATED_SIGNAL[setup.readout]
    ki_default = "1 M" if "ki" in truth else f"{reference_ki(compound, transporter)!r} M"
    given_specific = float(truth.get("specific", specific))
    t = resolve_truth(truth, {
        "ki": (ki_default, "M", "the compound's Ki"), "km": (setup.km, "M", "the substrate's Km"),
        "specific": (specific, None, "specific uptake"), "nonspecific": (0.08 * given_specific, None, "nonspecific uptake"),
        "blank": (blank, None, "blank signal"), "well_cv": (0.06, None, "well CV"),
        "read_sd": (read_sd, None, "read noise SD"), "tau_min": (20.0, None, "saturation time (min)")})
    return simulate_uptake(layout, readout=setup.readout, ki=t["ki"], substrate_conc=setup.substrate_conc, km=t["km"],
                           specific=t["specific"], nonspecific=t["nonspecific"], blank=t["blank"],
                           well_cv=t["well_cv"], read_sd=t["read_sd"], tau_min=t["tau_min"],
                           uptake_min=setup.uptake_min, seed=seed)
