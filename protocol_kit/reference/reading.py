"""Reading and validating a reference file: one Ki per row, with its source.

The format (CSV, UTF-8, lines starting with ``#`` are comments, no line breaks inside fields)::

    drug,target,low,high,value,qualifier,unit,species,source,note
    sertraline,SERT,0.2,2.1,,,nM,,seed 004 Table 1,
    sertraline,SERT,,,0.29,,nM,human,seed 000 binding-profile table,
    citalopram,DAT,10000,,,>,nM,,seed 004 Table 1,lower bound

A row is a range (``low`` and ``high``, low < high), a single value (``value``), a lower bound
(``low`` with qualifier ``>``) or an upper bound (``high`` with qualifier ``<``); a row may give a
value and a range together. Every row needs a source. A file may not hold two rows of the same
kind (range or bound / value) for one drug, target and species. Any error names the file, the
line, the column, the value and what is allowed.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pint

from ..errors import DataFormatError, ParameterError
from ..typed_numbers import NumberTextError, parse_number
from ..units import Q_, parse_quantity
from .data_file import csv_lines
from .names import canonical_target, name_key

COLUMNS = ("drug", "target", "low", "high", "value", "qualifier", "unit", "species", "source", "note")
REQUIRED_COLUMNS = COLUMNS[:-1]
QUALIFIERS = ("", ">", "<")


@dataclass(frozen=True)
class KiEntry:
    """One row of a reference file; concentrations in nM (None where the row has none)."""

    drug: str
    target: str  # canonical (see names.canonical_target)
    low: pint.Quantity | None
    high: pint.Quantity | None
    value: pint.Quantity | None
    qualifier: str  # "", ">" (low is a lower bound) or "<" (high is an upper bound)
    species: str | None
    source: str
    note: str
    file: str
    line: int
    rank: int = 0  # order in which the file was added: 0 is the shipped library

    @property
    def has_range(self) -> bool:
        """True when the row gives a range or a bound."""
        return self.low is not None or self.high is not None

    @property
    def species_text(self) -> str:
        return self.species or "species not stated"

    @property
    def range_text(self) -> str:
        """"0.2-2.1 nM", "> 10000 nM", "< 5 nM" or "" (no range in this row)."""
        if self.qualifier == ">":
            return f"> {_num(self.low)} nM"
        if self.qualifier == "<":
            return f"< {_num(self.high)} nM"
        if self.has_range:
            return f"{_num(self.low)}-{_num(self.high)} nM"
        return ""


def _num(q: pint.Quantity) -> str:
    return f"{q.to('nM').magnitude:g}"


def read_reference_file(path: str | Path, *, rank: int, label: str | None = None) -> tuple[KiEntry, ...]:
    """All rows of the reference file at ``path`` as :class:`KiEntry` (``label`` names it in errors)."""
    name = label or str(path)
    header: list[str] | None = None
    entries: list[KiEntry] = []
    seen: dict[tuple, int] = {}
    for number, fields in csv_lines(path, name, "reference file"):
        if header is None:
            header = _check_header(fields, name, number)
            continue
        if len(fields) != len(header):
            raise DataFormatError(f"{name} line {number}: {len(fields)} fields; allowed: {len(header)} "
                                  f"({', '.join(header)})")
        entry = _entry(dict(zip(header, fields)), name, number, rank)
        for kind in ("range", "value"):
            if (entry.has_range if kind == "range" else entry.value is not None):
                key = (name_key(entry.drug), name_key(entry.target), (entry.species or "").lower(), kind)
                if key in seen:
                    raise DataFormatError(
                        f"{name} line {number}: a second {kind} for {entry.drug} at {entry.target} "
                        f"({entry.species_text}); allowed: one per drug, target and species (first on line {seen[key]})")
                seen[key] = number
        entries.append(entry)
    if header is None:
        raise DataFormatError(f"{name}: no header line; allowed: a CSV whose first line is {','.join(COLUMNS)}")
    return tuple(entries)


def _check_header(fields: list[str], name: str, number: int) -> list[str]:
    cols = [f.lower() for f in fields]
    unknown = [c for c in cols if c not in COLUMNS]
    missing = [c for c in REQUIRED_COLUMNS if c not in cols]
    if unknown or missing or len(set(cols)) != len(cols):
        what = (f"unknown column {unknown[0]!r}" if unknown else f"missing column {missing[0]!r}" if missing
                else "a repeated column")
        raise DataFormatError(f"{name} line {number}: {what} in the header; allowed: {','.join(COLUMNS)} "
                              "(note optional)")
    return cols


def _entry(row: dict[str, str], name: str, number: int, rank: int) -> KiEntry:
    def fail(column: str, allowed: str, reason: str = "is not allowed") -> DataFormatError:
        return DataFormatError(f"{name} line {number}: {column} {row.get(column, '')!r} {reason}; allowed: {allowed}")

    for column in ("drug", "target", "source"):
        if not row[column]:
            raise fail(column, "a non-empty text" + (" naming where the value comes from" if column == "source"
                                                      else ""), "is empty")
    try:  # nM per unit of the row: 1 uM -> 1000
        nm_per_unit = float(parse_quantity(f"1 {row['unit']}", "nM", field="unit").magnitude) if row["unit"] else None
    except ParameterError:
        nm_per_unit = None
    if nm_per_unit is None:
        raise fail("unit", "a concentration unit such as pM, nM, uM, mM or M")

    def number_of(column: str) -> pint.Quantity | None:
        text = row[column]
        if not text:
            return None
        try:  # the comma separates the cells, so the point is the decimal mark
            x = parse_number(text, decimal=".")
        except NumberTextError:
            raise fail(column, "a positive number (no thousands separators)", "is not a number") from None
        if not (math.isfinite(x) and x > 0):
            raise fail(column, "a positive finite number")
        return Q_(x * nm_per_unit, "nM")

    low, high, value = number_of("low"), number_of("high"), number_of("value")
    qualifier = row["qualifier"]
    if qualifier not in QUALIFIERS:
        raise fail("qualifier", "empty, '>' (low is a lower bound) or '<' (high is an upper bound)")
    if qualifier == ">" and (low is None or high is not None):
        raise fail("qualifier", "'>' with low only (e.g. low 10000 for '>10000')",
                   reason=f"needs low and no high (low {row['low']!r}, high {row['high']!r})")
    if qualifier == "<" and (high is None or low is not None):
        raise fail("qualifier", "'<' with high only (e.g. high 5 for '<5')",
                   reason=f"needs high and no low (low {row['low']!r}, high {row['high']!r})")
    if qualifier and value is not None:
        raise fail("value", "empty when the row is a bound (qualifier > or <)", reason="is given with a bound")
    if not qualifier and (low is None) != (high is None):
        given = "low" if low is not None else "high"
        raise fail(given, "low and high together (a range), or qualifier '>' / '<' for a bound",
                   reason="is given without its other end")
    if not qualifier and low is not None and not low < high:
        raise fail("low", f"below high ({row['high']}); for a single value use the value column")
    if low is None and high is None and value is None:
        raise DataFormatError(f"{name} line {number}: no Ki; allowed: low and high, value, or a bound")
    return KiEntry(drug=row["drug"], target=canonical_target(row["target"]), low=low, high=high, value=value,
                   qualifier=qualifier, species=row["species"] or None, source=row["source"],
                   note=row.get("note", ""), file=name, line=number, rank=rank)
