"""Reuptake inhibition in a report: IC50, Hill, Ki with [S]/Km, plate quality (Z', S/B), the
% inhibition curve and the plate of raw readings (or initial rates for a kinetic read)."""
from __future__ import annotations

import math

import numpy as np

from . import plots
from .view_common import DASH, recorded_inputs, ci, code, curve_points, fixed, frame, heatmap, line, molar, num


def uptake(result: dict, protocol) -> dict:
    r, fit = result, result["fit"]
    wells = frame(r, "wells")
    kinetic = r["rate_window_s"] is not None
    per_well = "RFU/min" if kinetic else protocol.reading_unit   # a kinetic read is analysed as its initial rate
    unit = f"{per_well} (initial rate)" if kinetic else per_well
    conc, y = curve_points(wells, "vehicle", "pct_inhibition")
    pct_control = [100.0 - v for v in y]
    ic50 = r["ic50"] if isinstance(r["ic50"], float) else math.nan
    curve = plots.inhibition_curve(conc, pct_control, fit=fit, ic50=ic50, ic50_text=r["ic50_text"],
                                   y_label="uptake inhibition (%)", control_label="vehicle",
                                   transform=lambda v: 100.0 - np.asarray(v, float), key="curve",
                                   title=f"{r['compound']} inhibition of {r['transporter']} uptake")
    table = frame(r, "concentrations")
    plates = frame(r, "plates")
    window = r["rate_window_s"]
    constant = [t for t in plates.to_dict("records") if t.get("constant_controls")]  # absent in older records
    z_note = "limit 0.5" + "".join(f"; plate {t['plate']}: {t['constant_controls']} (constant: Z' is no measure)"
                                   for t in constant)
    headline = [
        line("IC50", r["ic50_text"] or DASH, ci(r["ic50_ci"], molar, log_scale=True)),
        line("Hill slope", fixed(r["hill"]), ci(r["hill_ci"], fixed)),
        line("Ki (Cheng-Prusoff)", molar(r["ki"]), ci(r["ki_ci"], molar, log_scale=True),
             f"[S] {molar(r['substrate_conc'])}, Km {molar(r['km'])}"),
        line("Ki (direct fit, Hill -1)", r["ki_fit"].get("ki_text") or molar(r["ki_direct"]),
             ci(r["ki_direct_ci"], molar, log_scale=True)),
        line("Z' (worst plate)", fixed(r["z_prime"]), "", z_note),
        line("Signal / background (worst plate)", fixed(r["signal_to_background"], 1), "", "limit 2"),
        line("Readout", r["readout"], "", f"rate over {num(window[0])}-{num(window[1])} s" if window else ""),
        line("Wells", f"{r['n_wells']} analysed, {r['n_missing']} missing"),
    ]
    return {
        "inputs": recorded_inputs(r, protocol),
        "headline": headline,
        "figures": [{"title": "Inhibition curve", "svg": curve,
                     "caption": "% inhibition of uptake per well (open circles; vehicle wells at the left) with the "
                                "variable-slope fit (line) and the IC50 (diamond); residuals below."}],
        "data_figures": heatmap(wells, protocol.params.plate_format, unit=unit, key="plate"),
        "data_tables": [
            {"title": "Readings per concentration", "note": f"Readings in {unit}; % inhibition per plate from its "
                                                            "vehicle (0%) and reference-inhibitor (100%) wells.",
             "columns": ["Group", "Concentration", "n", f"Mean ({per_well})", f"SD ({per_well})", "CV %",
                         "% inhibition", "SD (%)"],
             "rows": [[code(t["label"]), molar(t["conc"]), t["n"], num(t["mean"], 4),
                       num(t["sd"]), fixed(t["cv_pct"], 1), fixed(t["mean_pct_inhibition"], 1),
                       fixed(t["sd_pct_inhibition"], 1)] for t in table.to_dict("records")]},
            {"title": "Plate quality", "note": "Z' = 1 - 3 (SD vehicle + SD full) / |mean vehicle - mean full|.",
             "columns": ["Plate", f"Vehicle mean ({per_well})", f"SD ({per_well})",
                         f"Full inhibition mean ({per_well})", f"SD ({per_well})", "Z'", "S/B"],
             "rows": [[t["plate"], num(t["vehicle_mean"], 4), num(t["vehicle_sd"]), num(t["positive_mean"], 4),
                       num(t["positive_sd"]),
                       fixed(t["z_prime"]) + (" (constant controls)" if t.get("constant_controls") else ""),
                       fixed(t["signal_to_background"], 1)]
                      for t in plates.to_dict("records")]},
        ],
    }
