"""Microdialysis: from HPLC-ECD peak areas to % baseline, AUC, Emax/Tmax and statistics.

1. Standard curve (:func:`.stdcurve.standard_curve`): peak area vs concentration of the
   standards; each sample's concentration = (area - intercept) / slope. Samples under the
   LOD, or between LOD and LOQ, are flagged (kept, listed). Optionally divided by the in vitro probe recovery
   (a fraction) to estimate the extracellular concentration.
2. Animals excluded by the experimenter (e.g. misplaced probe) are listed with the reason;
   an animal without a baseline value is excluded and listed too (never dropped silently).
3. % baseline per animal: 100 C / mean of that animal's baseline fractions
   (:func:`.timecourse.percent_baseline`). A fraction's time is the midpoint of its
   collection, relative to the dose.
4. Per group and fraction: n, mean, SD and SEM (SD / sqrt(n)) of % baseline.
5. Per animal: AUC of % baseline by the trapezoid rule over the window (default from the dose
   to the last fraction's midpoint; the value at the dose is interpolated between the last
   baseline and first post-dose fraction), also as AUC above baseline (% baseline - 100), and
   Emax / Tmax of the post-dose fractions. Missing samples are left out and counted; the
   trapezoid spans the gap.
6. Treatment x time on the post-dose % baseline of the included animals: two-way
   repeated-measures ANOVA (type III sums of squares unless ``ss_type='I'``; Greenhouse-Geisser
   corrected and uncorrected p) when every animal has every fraction, else a random-intercept
   linear mixed model with F tests and Satterthwaite degrees of freedom (:mod:`.stats`).
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import AnalysisError, ParameterError, UnknownNameError
from ..units import fmt_number
from .assay_results import AssayResult
from .inputs import MicrodialysisInputs
from .anova_result import ss_type_name
from .stats import AnovaResult, mixed_model, rm_anova
from .stdcurve import StandardCurve, standard_curve
from .timecourse import auc, emax_tmax, percent_baseline


@dataclass(frozen=True)
class MicrodialysisResult(AssayResult):
    """Microdialysis (immutable). Tables: ``timecourse`` (main: group x fraction mean/SEM of
    % baseline), ``samples``, ``animals`` (per animal: status, reason, basal, AUC, Emax,
    Tmax), ``groups`` (per group: basal, AUC, Emax mean and SEM)."""

    analyte: str
    unit: str
    recovery: float | None
    auc_window: tuple[float, float]
    n_animals: int
    n_included: int
    excluded: tuple[tuple[str, str], ...]
    curve: StandardCurve | None
    anova: AnovaResult | None
    inputs: MicrodialysisInputs

    main_table = "timecourse"
    headline = ("analyte", "unit", "n_animals", "n_included", "excluded", "auc_window", "recovery", "flags")

    def summary(self) -> str:
        lines = []
        for _, g in self.tables["groups"].iterrows():
            lines.append(f"{g['group']} (n={g['n']}): basal {self.analyte} {fmt_number(g['basal_mean'], 3)} +/- "
                         f"{fmt_number(g['basal_sem'], 2)} {self.unit}, Emax {g['emax_mean']:.0f} +/- {g['emax_sem']:.0f}% "
                         f"at {g['tmax_mean']:.0f} min, AUC {fmt_number(self.auc_window[0])}-{fmt_number(self.auc_window[1])} min "
                         f"{g['auc_mean']:.0f} +/- {g['auc_sem']:.0f} %.min")
        if self.anova is not None:
            lines.append(self.anova.summary())
        if self.excluded:
            lines.append("excluded: " + "; ".join(f"{a} ({why})" for a, why in self.excluded))
        lines.append(f"flags: {', '.join(self.flags) or 'none'}")
        return "\n".join(lines)


def _check_schedule(samples: pd.DataFrame, setup: MicrodialysisInputs) -> None:
    """Every sample's fraction is one of the plan's, with the plan's phase, start and end."""
    plan = {f.fraction: f for f in setup.schedule}
    seen = samples[["fraction", "phase", "start_min", "end_min"]].drop_duplicates()
    for r in seen.to_dict("records"):
        f = plan.get(int(r["fraction"])) if pd.notna(r["fraction"]) else None
        if f is None:
            raise ParameterError("fraction", r["fraction"], f"a fraction of the plan's schedule, 1-{len(plan)}")
        if (r["phase"], float(r["start_min"]), float(r["end_min"])) != (f.phase, f.start_min, f.end_min):
            raise ParameterError(f"fraction {f.fraction}", f"{r['phase']} {r['start_min']}-{r['end_min']} min",
                                 f"the plan's {f.phase} {f.start_min:g}-{f.end_min:g} min",
                                 reason="of the data differs from the plan's schedule")


def _sem(x: pd.Series) -> float:
    x = x.dropna()
    return float(x.std(ddof=1) / math.sqrt(len(x))) if len(x) > 1 else math.nan


def _concentrations(samples: pd.DataFrame, standards: pd.DataFrame | None, weighting, flags, qc):
    """(sample concentrations, the curve or None)."""
    if standards is not None and len(standards):
        for col in ("standard_conc", "peak_area"):
            if col not in standards.columns:
                raise AnalysisError(f"standards: no {col!r} column (nominal concentration and peak area)")
        if "peak_area" not in samples.columns:
            raise AnalysisError("samples: no 'peak_area' column to read against the standard curve")
        curve = standard_curve(standards["standard_conc"], standards["peak_area"], weighting=weighting)
        flags += list(curve.flags)
        qc += list(curve.qc)
        conc = curve.concentration(samples["peak_area"].astype(float))
        bands = (("below_lod", conc < curve.lod, f"under the LOD ({fmt_number(curve.lod, 3)})"),
                 ("below_loq", (conc >= curve.lod) & (conc < curve.loq),
                  f"between the LOD and the LOQ ({fmt_number(curve.loq, 3)}): detected, not quantified"))
        for name, mask, what in bands:
            below = samples.loc[np.asarray(mask)]
            if len(below):
                flags.append(name)
                qc.append(f"{name}: {len(below)} sample(s) {what}: "
                          + ", ".join(f"{r.animal} F{int(r.fraction):02d}" for r in below.head(8).itertuples())
                          + (" ..." if len(below) > 8 else ""))
        return np.asarray(conc, float), curve
    if "concentration" in samples.columns:
        qc.append("no standards given: the concentrations in the data were used as they are")
        return samples["concentration"].astype(float).to_numpy(), None
    raise AnalysisError("data: no standards (rows with a standard_conc) and no concentration column; "
                        "a standard curve or concentrations are needed")


def _complete_grid(df: pd.DataFrame) -> pd.DataFrame:
    """Every animal at every fraction any animal has: an absent sample becomes a row with a
    missing (NaN) value, so that it is counted and reported like a failed injection."""
    fractions = df.drop_duplicates("fraction")[["fraction", "phase", "start_min", "end_min", "time_min"]]
    animals = df.drop_duplicates("animal")[["animal", "group"]]
    grid = animals.merge(fractions, how="cross")
    full = grid.merge(df.drop(columns=["group", "phase", "start_min", "end_min", "time_min"]),
                      on=["animal", "fraction"], how="left")
    return full.sort_values(["animal", "time_min"], kind="stable", ignore_index=True)


def _animal_groups(samples: pd.DataFrame, groups: Mapping | None) -> pd.Series:
    animals = list(dict.fromkeys(samples["animal"].astype(str)))
    if groups is not None:
        unknown = [a for a in animals if a not in groups]
        if unknown:
            raise ParameterError("groups", f"no group for {unknown[0]}", f"a group for every animal ({', '.join(animals)})")
        return samples["animal"].astype(str).map(lambda a: str(groups[a]))
    if "group" not in samples.columns:
        raise AnalysisError("data: no 'group' column (the treatment of each animal); pass groups={animal: group}")
    return samples["group"].astype(str)


def analyse_microdialysis(samples: pd.DataFrame, standards: pd.DataFrame | None = None,
                          setup: MicrodialysisInputs | None = None, *, weighting=None,
                          recovery: float | None = None, groups: Mapping | None = None,
                          exclude: Mapping | None = None, auc_window: tuple[float, float] | None = None,
                          ss_type: str = "III") -> MicrodialysisResult:
    """See the module docstring. ``samples``: one row per animal and fraction, joined to the
    schedule (``animal``, ``fraction``, ``phase``, ``start_min``, ``end_min``, and
    ``peak_area`` or ``concentration``; ``group`` unless ``groups`` maps animal -> group); each
    fraction's phase and times must be the plan's (``setup.schedule``).
    ``standards``: ``standard_conc`` (in ``setup.unit``) and ``peak_area``. ``setup``: the plan's
    analyte, unit, control group (listed first) and schedule. ``exclude``: animal ->
    reason. ``recovery``: in vitro probe recovery as a fraction (0, 1]. ``ss_type``: the
    ANOVA's sums of squares, 'III' (default) or 'I'."""
    if not isinstance(setup, MicrodialysisInputs):
        raise ParameterError("setup", type(setup).__name__, "a MicrodialysisInputs (protocol.analysis_inputs())")
    analyte, unit, control_group = setup.analyte, setup.unit, setup.control_group
    ss_type = ss_type_name(ss_type)
    flags: list[str] = []
    qc: list[str] = []
    for col in ("animal", "fraction", "phase", "start_min", "end_min"):
        if col not in samples.columns:
            raise AnalysisError(f"data: no {col!r} column; join the samples to the fraction schedule")
    _check_schedule(samples, setup)
    df = samples.copy()
    df["animal"] = df["animal"].astype(str)
    df["group"] = _animal_groups(df, groups)
    conc, curve = _concentrations(df, standards, weighting, flags, qc)
    if recovery is not None:
        if not 0 < float(recovery) <= 1:
            raise ParameterError("recovery", recovery, "the probe's in vitro recovery as a fraction in (0, 1], e.g. 0.15")
        conc = conc / float(recovery)
    df["conc"] = conc
    df["time_min"] = (df["start_min"].astype(float) + df["end_min"].astype(float)) / 2
    df = _complete_grid(df)
    missing = df[df["conc"].isna()]
    if len(missing):
        qc.append(f"missing: {len(missing)} sample(s) without a value: "
                  + ", ".join(f"{r.animal} F{int(r.fraction):02d}" for r in missing.head(8).itertuples()))
        flags.append("missing_samples")

    animals = list(dict.fromkeys(df["animal"]))
    reasons: dict[str, str] = {}
    for a, why in (exclude or {}).items():
        if str(a) not in animals:
            raise UnknownNameError("animal to exclude", str(a), animals)
        reasons[str(a)] = str(why)
    base_times = sorted(df.loc[df["phase"] == "baseline", "time_min"].unique())
    if not base_times:
        raise AnalysisError("data: no baseline fractions (phase 'baseline'); % baseline needs them")
    for a, part in df.groupby("animal", sort=False):
        if a in reasons:
            continue
        base = part.loc[part["phase"] == "baseline", "conc"].dropna()
        if base.empty:
            reasons[a] = "no baseline value"
        elif not base.mean() > 0:
            reasons[a] = f"baseline mean {base.mean():.3g} {unit} is not > 0"
    excluded = tuple((a, reasons[a]) for a in animals if a in reasons)
    if excluded:
        flags.append("excluded_animals")
        qc.append("excluded: " + "; ".join(f"{a} ({why})" for a, why in excluded))
    inc = df[~df["animal"].isin(reasons)]
    if inc.empty:
        raise AnalysisError("every animal is excluded; nothing to analyse")
    inc = percent_baseline(inc, subject="animal", time="time_min", value="conc", baseline_fractions=base_times)
    post = inc[inc["phase"] != "baseline"]
    window = tuple(float(w) for w in auc_window) if auc_window is not None else (0.0, float(post["time_min"].max()))

    rows = []
    for a, part in inc.groupby("animal", sort=False):
        ok = part.dropna(subset=["pct_baseline"]).sort_values("time_min")
        p = ok[ok["phase"] != "baseline"]
        row = {"animal": a, "group": part["group"].iloc[0], "status": "included", "reason": "",
               "basal": part["baseline"].iloc[0], "n_baseline": int(part["n_baseline"].iloc[0]),
               "n_missing": int(part["pct_baseline"].isna().sum())}
        try:
            row["auc"] = auc(ok["time_min"], ok["pct_baseline"], start=window[0], end=window[1])
            row["auc_above_baseline"] = row["auc"] - 100.0 * (window[1] - window[0])
        except ParameterError as exc:
            row["auc"] = row["auc_above_baseline"] = math.nan
            qc.append(f"AUC of {a} not computed: {exc}")
        row["emax"], row["tmax"] = emax_tmax(p["time_min"], p["pct_baseline"]) if len(p) else (math.nan, math.nan)
        rows.append(row)
    rows += [{"animal": a, "group": df.loc[df["animal"] == a, "group"].iloc[0], "status": "excluded", "reason": why}
             for a, why in excluded]
    per_animal = pd.DataFrame(rows)

    order = list(dict.fromkeys(([control_group] if control_group in set(inc["group"]) else []) + list(inc["group"])))
    tc = (inc.groupby(["group", "fraction", "time_min", "phase"], sort=False)["pct_baseline"]
          .agg(n="count", mean="mean", sd="std").reset_index())
    tc["sem"] = tc["sd"] / np.sqrt(tc["n"])
    tc["group"] = pd.Categorical(tc["group"], categories=order)
    tc = tc.sort_values(["group", "time_min"], ignore_index=True)
    tc["group"] = tc["group"].astype(str)
    inc_animals = per_animal[per_animal["status"] == "included"]
    summary = pd.DataFrame([{
        "group": g, "n": int(len(part)),
        **{f"{k}_{stat}": (part[k].mean() if stat == "mean" else _sem(part[k]))
           for k in ("basal", "auc", "auc_above_baseline", "emax", "tmax") for stat in ("mean", "sem")}}
        for g in order for part in [inc_animals[inc_animals["group"] == g]]])

    anova = None
    if post["animal"].nunique() - post["group"].nunique() >= 1 and post["time_min"].nunique() >= 2:
        complete = post["pct_baseline"].notna().all() and post.groupby("animal")["fraction"].nunique().nunique() == 1
        between = "group" if post["group"].nunique() > 1 else None
        if complete:
            anova = rm_anova(post, value="pct_baseline", subject="animal", time="fraction", between=between,
                             ss_type=ss_type)
        elif ss_type == "I":
            raise ParameterError("ss_type", "I", "'III' when a sample is missing",
                                 reason="is sequential sums of squares, which need every animal at every fraction; "
                                        "the mixed model used for missing samples tests type III hypotheses")
        else:
            anova = mixed_model(post, value="pct_baseline", subject="animal", time="fraction", between=between)
        flags += list(anova.flags)
        qc += list(anova.qc)
    else:
        qc.append("statistics: too few animals per group for treatment x time; not tested")
    return MicrodialysisResult(
        flags=tuple(dict.fromkeys(flags)), qc=tuple(qc),
        tables={"timecourse": tc, "samples": inc, "animals": per_animal, "groups": summary},
        analyte=analyte, unit=unit, recovery=None if recovery is None else float(recovery), auc_window=window,
        n_animals=len(animals), n_included=len(animals) - len(excluded), excluded=excluded, curve=curve, anova=anova,
        inputs=setup)
