"""Microdialysis in a report: the group time courses (% baseline, mean +/- SEM) with the dose,
the HPLC standard curve with its LOD/LOQ, per-group and per-animal summaries, the
treatment x time statistics, and every sample's concentration."""
from __future__ import annotations

from ..units import format_quantity
from . import plots
from .view_common import DASH, recorded_inputs, fixed, frame, line, num, pvalue


def _pm(mean, sem, digits=3) -> str:
    return f"{num(mean, digits)} ± {num(sem, 2)}" if sem is not None else num(mean, digits)


def _anova_rows(anova: dict | None) -> list[list]:
    """One row per tested effect: F, df and p uncorrected, then the Greenhouse-Geisser epsilon,
    df and p (within-subject effects of the ANOVA; a dash elsewhere)."""
    if not anova:
        return []
    rows = []
    for e in anova["tables"]["effects"]:
        if e["effect"].startswith("error") or e["effect"] == "subjects":
            continue  # error strata
        gg = e.get("df1_gg") is not None
        rows.append([e["effect"], fixed(e.get("F")), f"{num(e['df1'])}, {num(e['df2'])}", pvalue(e.get("p")),
                     *([fixed(e["epsilon"]), f"{num(e['df1_gg'])}, {num(e['df2_gg'])}", pvalue(e["p_gg"])]
                       if gg else [DASH] * 3)])
    return rows


def _anova_note(anova: dict | None) -> str:
    if not anova:
        return "not tested"
    if anova["method"].startswith("linear mixed"):
        return f"{anova['method']}, used because a sample is missing; type III hypotheses (unweighted means)."
    kind = {"III": "type III sums of squares (unweighted means)", "I": "type I (sequential) sums of squares"}
    return f"{anova['method']}; {kind[anova['ss_type']]}; p uncorrected and Greenhouse-Geisser corrected."


def microdialysis(result: dict, protocol, units: dict[str, str] | None = None) -> dict:
    """``units``: the data file's reading units (:func:`protocol_kit.io.reading_units.reading_units`);
    the peak area's is the header's, else 'peak-area units as exported'."""
    r, v = result, protocol.params
    area = (units or {}).get("peak_area", "peak-area units as exported")
    area_named = "as exported" not in area   # the file's header named it
    groups = frame(r, "groups")
    tc = frame(r, "timecourse")
    animals = frame(r, "animals")
    samples = frame(r, "samples")
    curve = r["curve"]
    unit = r["unit"]
    series = [(f"{g} (n = {int(part['n'].max())})", part["time_min"].tolist(), part["mean"].tolist(),
               [s if s is not None else 0.0 for s in part["sem"]]) for g, part in tc.groupby("group", sort=False)]
    dose = f"{v.drug} {format_quantity(v.dose)} (as {v.dose_basis}) {v.route}"
    figures = [{"title": "Time course", "caption": f"{r['analyte']} in dialysate as % of each animal's baseline "
                                                   "(mean ± SEM per group and fraction, at the fraction's midpoint); "
                                                   "groups differ by marker, fill and line style; dotted line: 100%.",
                "svg": plots.timecourse(series, dose_label=dose, y_label=f"{r['analyte']} (% of baseline)",
                                        key="timecourse", title=f"{r['analyte']} time course")}]
    data_figures, data_tables = [], []
    headline = [line("Dose", dose, "", f"dose solution {format_quantity(protocol.dose_concentration)} as {v.dose_basis}; "
                                       f"weighed: {protocol.weighing_text(protocol.drug_mass)}"),
                line("Animals", f"{r['n_included']} of {r['n_animals']} included",
                     "", "; ".join(f"{a}: {why}" for a, why in r["excluded"]) or "none excluded")]
    if curve:
        std = curve["tables"]["standards"]
        data_figures.append({"title": "Standard curve", "caption": "HPLC-ECD standards with the fitted line "
                                                                   f"({curve['weighting'] or 'unweighted'}); right: the "
                                                                   "low end with the LOD (dotted) and LOQ (dashed).",
                             "svg": plots.standard_curve([s["conc"] for s in std], [s["area"] for s in std],
                                                         slope=curve["slope"], intercept=curve["intercept"],
                                                         lod=curve["lod"], loq=curve["loq"], unit=unit,
                                                         key="stdcurve", title="HPLC standard curve",
                                                         area_unit=area if area_named else "detector units")})
        headline.append(line("Standard curve", f"area = {num(curve['intercept'])} + {num(curve['slope'], 4)} × C",
                             f"r² {fixed(curve['r_squared'], 4)}",
                             f"LOD {num(curve['lod'])} {unit}, LOQ {num(curve['loq'])} {unit}; "
                             f"{curve['n_failed']} of {curve['n']} standards failed"))
        data_tables.append({
            "title": "Standards", "note": "Back-calculated within 15% (20% at the lowest level) to pass.",
            "columns": [f"Nominal ({unit})", f"Peak area ({area})", f"Back-calculated ({unit})", "Deviation %",
                        "Result"],
            "rows": [[num(s["conc"]), num(s["area"], 4), num(s["back_calculated"]), fixed(s["deviation_pct"], 1),
                      "pass" if s["passed"] else "FAIL"] for s in std]})
    headline.append(line("Probe recovery", "not corrected" if r["recovery"] is None else f"{r['recovery']:.0%}"))
    lo, hi = r["auc_window"]
    fractions = sorted(set(samples["fraction"]))
    grid = samples.pivot_table(index="animal", columns="fraction", values="conc", aggfunc="first", sort=False)
    data_tables.append({
        "title": f"{r['analyte']} per sample ({unit})", "note": "Concentration of each fraction from its peak area; "
                                                              "— no value.", "small": True, "text_columns": 2,
        "columns": ["Animal", "Group", *[f"F{int(f):02d}" for f in fractions]],
        "rows": [[a, g, *[num(grid.loc[a, f]) if a in grid.index and f in grid.columns else DASH for f in fractions]]
                 for a, g in dict(zip(samples["animal"], samples["group"])).items()]})
    result_tables = [
        {"title": "Groups", "note": f"Mean ± SEM over animals; AUC of % baseline {num(lo)}-{num(hi)} min (trapezoid).",
         "columns": ["Group", "n", f"Basal ({unit})", "Emax (%)", "Tmax (min)", "AUC (%·min)", "AUC above 100%"],
         "rows": [[g["group"], g["n"], _pm(g["basal_mean"], g["basal_sem"]), _pm(g["emax_mean"], g["emax_sem"]),
                   _pm(g["tmax_mean"], g["tmax_sem"]), _pm(g["auc_mean"], g["auc_sem"], 4),
                   _pm(g["auc_above_baseline_mean"], g["auc_above_baseline_sem"], 4)]
                  for g in groups.to_dict("records")]},
        {"title": "Treatment x time", "note": _anova_note(r["anova"]),
         "columns": ["Effect", "F", "df", "p", "GG epsilon", "df (GG)", "p (GG)"], "rows": _anova_rows(r["anova"]),
         "text_columns": 1},
        {"title": "Animals", "note": "Excluded animals are listed with the reason.", "text_columns": 3,
         "columns": ["Animal", "Group", "Status", f"Basal ({unit})", "AUC (%·min)", "Emax (%)", "Tmax (min)",
                     "Missing"],
         "rows": [[a["animal"], a["group"], a["status"] + (f": {a['reason']}" if a.get("reason") else ""),
                   num(a.get("basal")), num(a.get("auc"), 4), num(a.get("emax")), num(a.get("tmax")),
                   num(a.get("n_missing"))] for a in animals.to_dict("records")]},
    ]
    return {"inputs": recorded_inputs(r, protocol), "headline": headline, "figures": figures, "data_figures": data_figures, "data_tables": data_tables,
            "result_tables": result_tables}
