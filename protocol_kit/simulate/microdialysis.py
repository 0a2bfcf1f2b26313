"""Simulated HPLC-ECD results for a microdialysis schedule: standards and one sample per
animal and fraction, as a chromatography results table.

Each animal has a basal dialysate concentration (log-normal about ``basal`` with CV
``animal_cv``). Drug-treated animals rise after the dose along a gamma-variate,
% baseline(t) = 100 + (emax - 100) r (t/tmax) exp(1 - t/tmax) for t > 0 (peak emax at tmax),
with r a per-animal response factor (log-normal, CV ``response_cv``); vehicle animals stay
at 100%. t is the fraction's midpoint. Each fraction varies by a log-normal factor (CV
``fraction_cv``). Peak area = intercept + slope x concentration, times a log-normal factor
(CV ``area_cv``) plus normal noise (SD ``area_sd``). Standards: each level in duplicate.

The numbers are illustrative (DOMAIN.md gives no microdialysis values): basal 5-HT of about
0.5 nM in rat hippocampal dialysate and a 2-4 fold rise after an SSRI are typical orders of
magnitude, not reference data.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .noise import lognormal_factor

STANDARD_LEVELS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


def true_pct_baseline(t, *, emax: float, tmax: float):
    """The drug group's noise-free % baseline at times ``t`` (min from the dose)."""
    t = np.asarray(t, float)
    rise = np.where(t > 0, (t / tmax) * np.exp(1 - t / tmax), 0.0)
    return 100.0 + (emax - 100.0) * rise


def simulate_hplc(schedule: pd.DataFrame, *, n_animals: int, vehicle_animals: int, drug_label: str,
                  basal: float, emax: float, tmax: float, animal_cv: float, response_cv: float,
                  fraction_cv: float, slope: float, intercept: float, area_cv: float, area_sd: float,
                  seed) -> pd.DataFrame:
    """Columns: sample, animal, group, fraction (Int64, NA for standards), standard_conc
    (NaN for samples), peak_area. Animals R01.. : drug first, then ``vehicle_animals``."""
    rng = np.random.default_rng(seed)
    levels = np.repeat(STANDARD_LEVELS, 2)
    rows = [{"sample": f"STD {c:g}", "animal": "", "group": "", "fraction": pd.NA, "standard_conc": c,
             "conc": c} for c in levels]
    mid = ((schedule["start_min"] + schedule["end_min"]) / 2).to_numpy(float)
    for i in range(n_animals):
        animal = f"R{i + 1:02d}"
        drug = i < n_animals - vehicle_animals
        b = basal * lognormal_factor(rng, animal_cv, 1)[0]
        r = lognormal_factor(rng, response_cv, 1)[0] if drug else 0.0
        pct = 100.0 + (true_pct_baseline(mid, emax=emax, tmax=tmax) - 100.0) * r
        c = b * pct / 100.0 * lognormal_factor(rng, fraction_cv, mid.size)
        for f, label, ci in zip(schedule["fraction"], schedule["label"], c):
            rows.append({"sample": f"{animal} {label}", "animal": animal, "group": drug_label if drug else "vehicle",
                         "fraction": int(f), "standard_conc": np.nan, "conc": ci})
    out = pd.DataFrame(rows)
    true = out.pop("conc").to_numpy(float)
    area = (intercept + slope * true) * lognormal_factor(rng, area_cv, true.size) + rng.normal(0, area_sd, true.size)
    out["peak_area"] = area
    out["fraction"] = out["fraction"].astype("Int64")
    out["standard_conc"] = out["standard_conc"].astype(float)
    return out
