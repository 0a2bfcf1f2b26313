"""The unit of each reading column, for the views that show readings (the app's Data step,
the report's data tables): a number is never shown without its unit.

- a plate's readings (``value``): the protocol's readout (:attr:`Protocol.reading_unit`:
  CPM for scintillation counts, RFU for fluorescence); a counter's ``cpm`` and ``dpm``
  columns are CPM and DPM whatever the plan;
- an HPLC table (``peak_area``, ``concentration`` and ``standard_conc``, which is read from
  the concentration column): the unit the column's header names in brackets or parentheses,
  as chromatography software writes it ('Area [nA*min]' -> 'nA·min', 'Amount (nM)' -> 'nM');
  a header that names none is said so, the unit is not guessed;
- the plan's concentrations (``conc``, ``radioligand_conc``, ``substrate_conc``): molar (M),
  as the layout holds them.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from ..core.protocol import Protocol

CONCENTRATIONS = ("conc", "radioligand_conc", "substrate_conc")
_IN_HEADER = re.compile(r"[\[(]\s*([^\[\]()]+?)\s*[\])]\s*$")


def header_unit(header: str | None) -> str | None:
    """The unit a column header names at its end, in brackets or parentheses, with '*' written
    as a product dot ('Peak Area [nA*min]' -> 'nA·min'); None when it names none."""
    found = _IN_HEADER.search(str(header or ""))
    return found.group(1).replace("*", "·") if found else None


def _from_header(frame: pd.DataFrame, role: str, what: str) -> str:
    header = frame.attrs.get("columns", {}).get(role)
    unit = header_unit(header)
    if unit is not None:
        return unit
    return f"{what} as exported, header {header!r}" if header else f"{what} as exported"


def reading_units(protocol: Protocol, frame: pd.DataFrame) -> dict[str, str]:
    """Column name -> unit text for the reading and concentration columns of ``frame`` (a
    reader's frame, joined to the plan or not) of a run of ``protocol``."""
    units: dict[str, str] = {}
    if "value" in frame.columns and protocol.reading_unit is not None:
        units["value"] = protocol.reading_unit
    for column, unit in (("cpm", "CPM"), ("dpm", "DPM")):
        if column in frame.columns:
            units[column] = unit
    if "peak_area" in frame.columns:
        units["peak_area"] = _from_header(frame, "peak_area", "peak-area units")
    for column in ("concentration", "standard_conc"):
        if column in frame.columns:
            units[column] = _from_header(frame, "concentration", "amount units")
    for column in CONCENTRATIONS:
        if column in frame.columns:
            units[column] = "M"
    return units
