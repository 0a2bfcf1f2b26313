"""Radioligand binding in a report: competition (IC50, Hill, Ki two ways) and saturation
(Kd, Bmax), each with its curve and the plate of raw counts."""
from __future__ import annotations

import math

import pandas as pd

from . import plots
from .view_common import DASH, recorded_inputs, ci, code, curve_points, fixed, frame, heatmap, line, molar, num


def competition(result: dict, protocol) -> dict:
    r, fit = result, result["fit"]
    wells = frame(r, "wells")
    conc, y = curve_points(wells, "total", "pct_specific")
    ic50 = r["ic50"] if isinstance(r["ic50"], float) else math.nan
    curve = plots.inhibition_curve(conc, y, fit=fit, ic50=ic50, ic50_text=r["ic50_text"],
                                   y_label="specific binding (% of total)", control_label="TB",
                                   key="curve", title=f"{r['compound']} competition curve")
    table = frame(r, "concentrations")
    return {
        "inputs": recorded_inputs(r, protocol),
        "headline": [
            line("IC50", r["ic50_text"] or DASH, ci(r["ic50_ci"], molar, log_scale=True)),
            line("Hill slope", fixed(r["hill"]), ci(r["hill_ci"], fixed)),
            line("Ki (Cheng-Prusoff)", molar(r["ki"]), ci(r["ki_ci"], molar, log_scale=True),
                  f"[L] {molar(r['radioligand_conc'])}, Kd {molar(r['kd'])}"),
            line("Ki (direct fit, Hill -1)", r["ki_fit"].get("ki_text") or molar(r["ki_direct"]),
                  ci(r["ki_direct_ci"], molar, log_scale=True), "Prism's One site - Fit Ki"),
            line("Top / bottom plateau", f"{fixed(fit['top'], 1)}% / {fixed(fit['bottom'], 1)}%",
                  f"bottom {ci(fit.get('bottom_ci'), lambda v: fixed(v, 1))}" if fit.get("bottom_ci") else ""),
            line("Total / nonspecific binding", f"{num(r['total_cpm'], 4)} / {num(r['nsb_cpm'], 4)} CPM",
                  "", f"TB/NSB {fixed(r['window'], 1)}; specific {fixed(r['specific_pct_of_total'], 0)}% of total"),
            line("Specific binding", f"{num(r['specific_fmol_per_mg'])} fmol/mg protein"),
            line("Ligand depletion", f"{fixed(r['depletion_pct'], 1)}% of added bound", "", "limit 10%"),
            line("Wells", f"{r['n_wells']} analysed, {r['n_missing']} missing"),
        ],
        "figures": [{"title": "Competition curve", "svg": curve,
                     "caption": "% specific binding per well (open circles; TB wells at the left, no competitor) "
                                "with the variable-slope fit (line) and the IC50 (diamond); residuals below."}],
        "data_figures": heatmap(wells, protocol.params.plate_format, unit="CPM", key="plate"),
        "data_tables": [{
            "title": "Counts per concentration", "note": "CV of the replicate counts; % specific per plate.",
            "columns": ["Group", "Concentration", "n", "Mean (CPM)", "SD (CPM)", "CV %", "% specific", "SD (%)"],
            "rows": [[code(t["label"]), molar(t["conc"]), t["n"], num(t["mean_cpm"], 4),
                      num(t["sd_cpm"]), fixed(t["cv_pct"], 1), fixed(t["mean_pct_specific"], 1),
                      fixed(t["sd_pct_specific"], 1)] for t in table.to_dict("records")]}],
    }


def saturation(result: dict, protocol) -> dict:
    r, fit = result, result["fit"]
    table = frame(r, "concentrations")
    wells = frame(r, "wells")
    free = dict(zip(table["L_added"], table["L_free"]))
    total = wells[wells["role"] == "total"]
    nsb = wells[wells["role"] == "nsb"]
    to_nM = lambda xs: [free[x] * 1e9 for x in xs]  # noqa: E731
    fig = plots.saturation_curve(
        (to_nM(total["L"]), total["fmol_per_mg"].tolist()), (to_nM(nsb["L"]), nsb["fmol_per_mg"].tolist()),
        ([x * 1e9 for x in table["L_free"]], table["specific_fmol_per_mg"].tolist()),
        bmax=fit["bmax"], kd_nM=fit["kd"] * 1e9, ns_per_nM=fit["ns"] * 1e-9, background=fit["background"],
        key="saturation", title=f"{r['radioligand']} saturation binding")
    return {
        "inputs": recorded_inputs(r, protocol),
        "headline": [
            line("Kd", molar(r["kd"]), ci(r["kd_ci"], molar), "on the free [L]"),
            line("Bmax", f"{num(r['bmax'], 4)} fmol/mg protein", ci(r["bmax_ci"], lambda v: num(v, 4))),
            line("Ligand depletion (highest)", f"{fixed(r['depletion_pct'], 1)}% of added bound", "", "limit 10%"),
            line("TB/NSB near Kd", fixed(r["window"], 1)),
            line("Wells", f"{r['n_wells']} analysed, {r['n_missing']} missing"),
        ],
        "figures": [{"title": "Saturation binding", "svg": fig,
                     "caption": "Total (filled circles) and nonspecific (open squares) binding per well, specific "
                                "binding per concentration (triangles), against free radioligand, with the global fit "
                                "(total solid, nonspecific dashed, specific dotted); Bmax and Kd marked."}],
        "data_figures": heatmap(wells, protocol.params.plate_format, unit="CPM", key="plate"),
        "data_tables": [{
            "title": "Counts per radioligand concentration", "note": "Free [L] = added minus specifically bound.",
            "columns": ["[L] added", "[L] free", "Total (CPM)", "NSB (CPM)", "Specific (fmol/mg)", "Bound % of added"],
            "rows": [[molar(t["L_added"]), molar(t["L_free"]), num(t["total_cpm"], 4), num(t["nsb_cpm"], 4),
                      num(t["specific_fmol_per_mg"], 4), fixed(t["depletion_pct"], 1)]
                     for t in table.to_dict("records")]}],
    }
