"""Assay systems: which labelled ligand or substrate, membranes, cells or synaptosomes, and
control drug go with a target, with the Kd or Km and where each fact comes from.

The shipped file is ``protocol_kit/reference/data/assay_systems.csv`` (its header comments list
the sources). One row per (assay, target, system, labelled compound); the first row of a target
is its default. Columns::

    assay,target,system,system_kind,labelled,k,conc,unit,control,alternatives,source,note

``assay`` is ``binding`` or ``uptake``; ``system_kind`` ``membranes``, ``cells`` or
``synaptosomes``; ``k`` the Kd (binding) or Km (uptake), empty where no published value was
found; ``conc`` the default [L] or [S]; ``alternatives`` other control drugs, ``;``-separated.
Numbers are read with :func:`protocol_kit.typed_numbers.parse_number`. A mistake names the
file, the line, the column and the value.

>>> from protocol_kit.reference.systems import systems
>>> systems().default("binding", "NET").labelled
'[3H]nisoxetine'
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pint

from ..errors import DataFormatError, ParameterError
from ..typed_numbers import NumberTextError, parse_number
from ..units import Q_, parse_quantity
from .data_file import csv_lines, read_shipped
from .names import canonical_target, name_key

COLUMNS = ("assay", "target", "system", "system_kind", "labelled", "k", "conc", "unit", "control",
           "alternatives", "source", "note")
ASSAYS = ("binding", "uptake")
KINDS = ("membranes", "cells", "synaptosomes")
SHIPPED_FILE = "assay_systems.csv"


@dataclass(frozen=True)
class AssaySystem:
    """One row of the file: a target measured with ``labelled`` in ``system`` (concentrations in nM)."""

    assay: str
    target: str  # canonical (reference.names)
    system: str
    kind: str
    labelled: str
    k: pint.Quantity | None  # Kd or Km; None: no published value found
    conc: pint.Quantity | None  # default [L] or [S]
    control: str
    alternatives: tuple[str, ...]
    source: str
    note: str
    file: str
    line: int

    @property
    def controls(self) -> tuple[str, ...]:
        """The default control drug and its alternatives."""
        return (self.control, *self.alternatives)

    @property
    def where(self) -> str:
        return f"{self.file} line {self.line}"


def _same(a: str, b: str) -> bool:
    return name_key(a) == name_key(b)


class AssaySystems:
    """The rows of an assay-system file, looked up by assay, target, system and labelled compound."""

    def __init__(self, rows: tuple[AssaySystem, ...]):
        self.rows = rows

    def of(self, assay: str, target: str) -> list[AssaySystem]:
        """Rows of ``target`` (aliases such as "5-HTT" accepted) for ``assay``, default first."""
        t = canonical_target(target)
        return [r for r in self.rows if r.assay == assay and _same(r.target, t)]

    def default(self, assay: str, target: str) -> AssaySystem | None:
        rows = self.of(assay, target)
        return rows[0] if rows else None

    def match(self, assay: str, target: str, *, system: str | None = None,
              labelled: str | None = None) -> AssaySystem | None:
        """The row of ``target`` with this system and labelled compound (None: any)."""
        for r in self.of(assay, target):
            if (system is None or _same(r.system, system)) and (labelled is None or _same(r.labelled, labelled)):
                return r
        return None

    def targets_of(self, assay: str, *, labelled: str | None = None, system: str | None = None,
                   control: str | None = None) -> list[str]:
        """Targets whose rows name this labelled compound, system or control drug, in file order."""
        out: dict[str, None] = {}
        for r in self.rows:
            if r.assay != assay:
                continue
            if ((labelled is not None and _same(r.labelled, labelled))
                    or (system is not None and _same(r.system, system))
                    or (control is not None and any(_same(c, control) for c in r.controls))):
                out[r.target] = None
        return list(out)

    def kind_of(self, system: str) -> str | None:
        """membranes, cells or synaptosomes for a system named in the file, else None."""
        for r in self.rows:
            if _same(r.system, system):
                return r.kind
        return None

    def targets(self, assay: str) -> list[str]:
        return list(dict.fromkeys(r.target for r in self.rows if r.assay == assay))


def read_systems_file(path: str | Path, *, label: str | None = None) -> AssaySystems:
    """The rows of the assay-system file at ``path``; errors name the file, line and column."""
    name = label or str(path)
    header: list[str] | None = None
    rows: list[AssaySystem] = []
    for number, fields in csv_lines(path, name, "assay-system file"):
        if header is None:
            if tuple(f.lower() for f in fields) != COLUMNS:
                raise DataFormatError(f"{name} line {number}: header {','.join(fields)!r}; allowed: {','.join(COLUMNS)}")
            header = list(COLUMNS)
            continue
        if len(fields) != len(COLUMNS):
            raise DataFormatError(f"{name} line {number}: {len(fields)} fields; allowed: {len(COLUMNS)} "
                                  f"({', '.join(COLUMNS)})")
        rows.append(_row(dict(zip(COLUMNS, fields)), name, number))
    if header is None:
        raise DataFormatError(f"{name}: no header line; allowed: a CSV whose first line is {','.join(COLUMNS)}")
    return AssaySystems(tuple(rows))


def _row(row: dict[str, str], name: str, number: int) -> AssaySystem:
    def fail(column: str, allowed: str, reason: str = "is not allowed") -> DataFormatError:
        return DataFormatError(f"{name} line {number}: {column} {row[column]!r} {reason}; allowed: {allowed}")

    if row["assay"] not in ASSAYS:
        raise fail("assay", " or ".join(ASSAYS))
    if row["system_kind"] not in KINDS:
        raise fail("system_kind", ", ".join(KINDS))
    for column in ("target", "system", "labelled", "control", "source"):
        if not row[column]:
            raise fail(column, "a non-empty text", "is empty")
    try:
        nm_per_unit = float(parse_quantity(f"1 {row['unit']}", "nM", field="unit").magnitude)
    except ParameterError:
        raise fail("unit", "a concentration unit such as nM or uM") from None

    def conc(column: str) -> pint.Quantity | None:
        if not row[column]:
            return None
        try:
            x = parse_number(row[column], decimal=".")
        except NumberTextError as exc:
            raise fail(column, "a positive number or empty (no published value)", f"is not a number ({exc})") from None
        if x <= 0:
            raise fail(column, "a positive number or empty")
        return Q_(x * nm_per_unit, "nM")

    alternatives = tuple(a.strip() for a in row["alternatives"].split(";") if a.strip())
    return AssaySystem(assay=row["assay"], target=canonical_target(row["target"]), system=row["system"],
                       kind=row["system_kind"], labelled=row["labelled"], k=conc("k"), conc=conc("conc"),
                       control=row["control"], alternatives=alternatives, source=row["source"], note=row["note"],
                       file=name, line=number)


_shipped: AssaySystems | None = None


def systems() -> AssaySystems:
    """The assay systems shipped with protocol_kit (read once)."""
    global _shipped
    if _shipped is None:
        _shipped = read_shipped(SHIPPED_FILE, read_systems_file)
    return _shipped
