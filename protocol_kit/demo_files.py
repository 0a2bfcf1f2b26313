"""Simulated readings written as the instruments write them, for the demo and the tests.

- binding: a scintillation counter's per-well list (MicroBeta style: UTF-16, free-text header
  lines, a tab-separated table PLATE / WELL / CCPM1 / DPM1);
- uptake: a plate reader's or counter's grid export (CSV: header lines, then the 8 x 12
  grid with row letters and column numbers; unused wells empty);
- microdialysis: an HPLC-ECD results table (CSV: sequence header lines, then one row per
  injection: No., Sample Name, Animal, Group, Type, Amount [nM], Area [nA*min]; standards
  have Type 'Standard' and their nominal amount, samples are 'Unknown' named by fraction).

Each is read back by :func:`protocol_kit.io.read_plate` (format detected from the content).
"""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from .core.plates import plate_format
from .core.protocol import Protocol


def counter_list(p: Protocol, readings: pd.DataFrame, path: Path, *, efficiency: float = 0.4) -> Path:
    """A MicroBeta-like per-well list of ``readings`` (columns well, cpm)."""
    lines = ["MicroBeta2 counting report (simulated by protocol_kit)", f"Protocol: {p.id}, 3H, 1 min per well",
             "Counting efficiency used for DPM: %g%%" % (efficiency * 100), "", "PLATE\tWELL\tCCPM1\tDPM1"]
    for well, cpm in zip(readings["well"], readings["cpm"]):
        lines.append(f"1\t{well}\t{cpm:.0f}\t{cpm / efficiency:.0f}")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-16"))
    return path


def grid_export(p: Protocol, readings: pd.DataFrame, path: Path, *, value: str = "value") -> Path:
    """A plate grid (CSV) of ``readings[value]`` per well; wells without a reading stay empty."""
    fmt = plate_format(p.params.plate_format)
    by_well = dict(zip(readings["well"], readings[value]))
    cols = range(1, fmt.columns + 1)
    lines = ["Plate reader export (simulated by protocol_kit)", f"Assay: {p.id}", "Plate: 1", "",
             "," + ",".join(str(c) for c in cols)]
    for r in fmt.row_letters:
        cells = [by_well.get(f"{r}{c}") for c in cols]
        lines.append(r + "," + ",".join("" if v is None or not math.isfinite(v) else f"{v:.6g}" for v in cells))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def hplc_results(p: Protocol, results: pd.DataFrame, path: Path) -> Path:
    """An HPLC results table of the simulated standards and samples (columns of
    :meth:`Microdialysis.simulate`: sample, animal, group, fraction, standard_conc, peak_area)."""
    labels = dict(zip(p.schedule["fraction"], p.schedule["label"]))
    lines = ["Sequence: microdialysis (simulated by protocol_kit)", f"Analyte: {p.params.analyte}",
             "Detector: ECD", "", "No.,Sample Name,Animal,Group,Type,Amount [nM],Area [nA*min]"]
    for i, row in enumerate(results.itertuples(index=False), start=1):
        if not pd.isna(row.standard_conc):
            lines.append(f"{i},STD {row.standard_conc:g} nM,,,Standard,{row.standard_conc:g},{row.peak_area:.4f}")
        else:
            lines.append(f"{i},{labels[int(row.fraction)]},{row.animal},{row.group},Unknown,,{row.peak_area:.4f}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def instrument_file(p: Protocol, data: pd.DataFrame, folder: Path, stem: str) -> Path:
    """``data`` (from ``p.simulate``) written in the shape of the instrument that reads it."""
    if p.plan_kind == "schedule":
        return hplc_results(p, data, folder / f"{stem}-hplc.csv")
    if "cpm" in data.columns and p.id == "radioligand-binding":
        return counter_list(p, data, folder / f"{stem}-counts.txt")
    if "time_s" in data.columns:
        raise ValueError("kinetic reads are not written as a grid; attach the frame instead")
    return grid_export(p, data, folder / f"{stem}-plate.csv")
