"""What the result views share: recorded tables as frames, headline lines, group codes, the
curve points and the plate heat maps of raw readings (numbers: :mod:`.numbers`)."""
from __future__ import annotations

import math

import pandas as pd

from . import plots
from .numbers import DASH, ci, fixed, molar, num, pvalue  # noqa: F401  (the views import them from here)


def code(label) -> str:
    """A plate group's code from its label ('C3 1.11 µM' -> 'C3'); controls keep their label."""
    text = str(label)
    first = text.split(" ")[0]
    return first if first[:1] == "C" and first[1:].isdigit() else text


def frame(result: dict, name: str) -> pd.DataFrame:
    return pd.DataFrame(result["tables"][name])


def recorded_inputs(result: dict, protocol) -> dict:
    """The analysis inputs the result recorded (:mod:`protocol_kit.analysis.inputs`: [L], Kd,
    specific activity, efficiency, ..., schedule), so the report prints the numbers the analysis
    used. A record made before results carried them (protocol_kit < issue 16) has none: then the
    plan's own contract, from the parameters the run recorded."""
    return result.get("inputs") or protocol.analysis_inputs().to_dict()


def line(label, value, interval="", note=""):
    return {"label": label, "value": value, "interval": interval, "note": note}


def heatmap(wells: pd.DataFrame, plate_wells: int, *, unit: str, key: str) -> list[dict]:
    """One heat map of the readings per plate (rows up to the last row with a planned well)."""
    from ..core.plates import plate_format

    fmt = plate_format(plate_wells)
    figures = []
    for plate, part in wells.groupby("plate", sort=False):
        used = [r for r in fmt.row_letters if r in set(part["row"])]
        last = fmt.row_letters.index(used[-1]) if used else 0
        rows = fmt.row_letters[: last + 1]
        values = {w: (float(v) if v is not None else math.nan, str(g))
                  for w, v, g in zip(part["well"], part["reading"], part["group"])}
        title = f"Plate {plate}: {unit} per well"
        caption = (f"Plate {plate}, raw readings ({unit}) as read, one per well, with the well's code from the plate "
                   "map; darker = higher. Wells without a planned sample show a dot"
                   + (f"; rows {fmt.row_letters[last + 1]}–{fmt.row_letters[-1]} have no planned wells."
                      if last + 1 < len(fmt.row_letters) else "."))
        figures.append({"title": title, "caption": caption,
                        "svg": plots.plate_heatmap(rows, list(range(1, fmt.columns + 1)), values, unit=unit,
                                                   key=f"{key}-{plate}", title=title)})
    return figures


def curve_points(wells: pd.DataFrame, control: str, column: str) -> tuple[list, list]:
    """(concentrations, responses) of the control and compound wells; controls at 0."""
    part = wells[wells["role"].isin([control, "compound"])]
    conc = [0.0 if r == control else float(c) for r, c in zip(part["role"], part["conc"])]
    return conc, [math.nan if v is None else float(v) for v in part[column]]


