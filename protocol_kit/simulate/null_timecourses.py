"""Microdialysis time courses with no true effect, for checking a test's false-positive rate.

Each dataset is the demo's shape: the default plan's schedule (4 baseline and 9 post-dose
20-min fractions), 12 animals, 6 given the drug and 6 vehicle, simulated by
:func:`protocol_kit.simulate.microdialysis.simulate_hplc` with ``emax`` = 100% (the drug does
nothing) and the default variability (animal CV 30%, fraction CV 10%), read without
standard-curve noise (peak area = concentration). Then ``missing`` post-dose samples (drawn
uniformly from the given range, at random animals and fractions) are lost, and % baseline is
computed per animal as the analysis does. Under this null no effect (treatment, time or
treatment x time) exists, so each test should reject at its nominal rate.
"""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from ..analysis.inputs import fraction_schedule
from ..analysis.timecourse import percent_baseline
from .microdialysis import simulate_hplc

NULL_TRUTH = {"basal": 0.5, "emax": 100.0, "tmax": 60.0, "animal_cv": 0.3, "response_cv": 0.2, "fraction_cv": 0.1,
              "slope": 1.0, "intercept": 0.0, "area_cv": 0.0, "area_sd": 0.0}


def demo_schedule() -> pd.DataFrame:
    """The default microdialysis plan's fraction schedule: 4 baseline and 9 post-dose fractions
    of 20 min (made here by :func:`~protocol_kit.analysis.inputs.fraction_schedule`, as the plan
    makes it, so the simulation does not import the protocols; a test checks the two agree)."""
    return fraction_schedule(4, 9, 20.0)


def null_timecourses(n_datasets: int, *, seed: int, missing: tuple[int, int] = (1, 3),
                     schedule: pd.DataFrame | None = None, n_animals: int = 12,
                     vehicle_animals: int = 6) -> Iterator[pd.DataFrame]:
    """``n_datasets`` post-dose % baseline frames (animal, group, fraction, pct_baseline), each
    with between ``missing[0]`` and ``missing[1]`` post-dose values set to NaN."""
    schedule = demo_schedule() if schedule is None else schedule
    rng = np.random.default_rng(seed)
    phase = schedule.set_index("fraction")["phase"]
    mid = ((schedule["start_min"] + schedule["end_min"]) / 2).set_axis(schedule["fraction"])
    base = list(mid[phase == "baseline"])
    for _ in range(n_datasets):
        d = simulate_hplc(schedule, n_animals=n_animals, vehicle_animals=vehicle_animals, drug_label="drug",
                          seed=rng, **NULL_TRUTH)
        d = d[d["fraction"].notna()].astype({"fraction": int}).rename(columns={"peak_area": "conc"})
        d["time_min"] = d["fraction"].map(mid).to_numpy(float)
        d = percent_baseline(d, subject="animal", time="time_min", value="conc", baseline_fractions=base)
        post = d[d["fraction"].map(phase).to_numpy() != "baseline"].reset_index(drop=True)
        lost = rng.choice(len(post), size=int(rng.integers(missing[0], missing[1] + 1)), replace=False)
        post.loc[lost, "pct_baseline"] = np.nan
        yield post[["animal", "group", "fraction", "pct_baseline"]]
