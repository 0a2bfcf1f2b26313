"""Instrument data in: readers that return tidy frames, and the join to a plan.

>>> frame = pkio.read_plate("counts.csv")            # format found from the file
>>> frame = pkio.read_softmax("plate.txt")           # or a named reader
>>> joined = pkio.join_layout(frame, p.layout)       # DataFormatError on any mismatch

Every reader takes a path or bytes (with ``name=`` for messages) and ``warnings=``: None (the
default) raises :class:`~protocol_kit.errors.DataFormatError` at the first problem; a list
collects the messages instead and the reader carries on without the bad values.
"""
from __future__ import annotations

import ast
import os
import re

import pandas as pd

from ..errors import DataFormatError, Hint, ParameterError
from .analysis_input import analysis_frame
from .counter import CPM, read_counter
from .envision import read_envision
from .gen5 import read_gen5
from .hplc import read_hplc
from .kaleido import looks_like as _kaleido_like
from .kaleido import read_kaleido
from .mars import looks_like as _mars_like
from .mars import read_mars
from .tecan import looks_like as _tecan_like
from .tecan import read_tecan
from .join import join_layout
from .layout_file import read_layout
from .plates import WELL, grid_header, plate_lines, read_grid, read_long
from .softmax import read_softmax
from .source import load
from .table import find_header
from .tidy import norm

READERS = {"grid": read_grid, "long": read_long, "softmax": read_softmax, "envision": read_envision,
           "counter": read_counter, "hplc": read_hplc, "gen5": read_gen5,
           "mars": read_mars, "kaleido": read_kaleido, "tecan": read_tecan}


def detect_format(source: str | os.PathLike | bytes, *, name: str | None = None,
                  sheet: str | int | None = None) -> str:
    """Which reader a file is for, from its content: SoftMax Pro ('##BLOCKS='), EnVision
    ('Plate information'), Gen5 ('Software Version', then 'Plate Number' or 'Procedure
    Details'), BMG MARS, Kaleido or Tecan Magellan (each module's looks_like), a grid (a header
    row of column numbers 1-12 or 1-24), a counter list (a table whose header names a well and a
    CPM column), else long."""
    data, label = load(source, name)
    lines, _ = plate_lines(data, name=label, sheet=sheet, delimiter="auto", warnings=[])
    firsts = [line.cell(0) for line in lines[:50] if not line.blank]
    if firsts and firsts[0].startswith("##BLOCKS"):
        return "softmax"
    if "Plate information" in firsts[:5]:
        return "envision"
    if "Software Version" in firsts[:5] and {"Plate Number", "Procedure Details"} & set(firsts):
        return "gen5"
    for fmt, looks_like in (("mars", _mars_like), ("kaleido", _kaleido_like), ("tecan", _tecan_like)):
        if looks_like(lines):
            return fmt
    if any(grid_header(line) for line in lines):
        return "grid"
    h = find_header(lines, WELL)
    if h is not None and any(CPM.match(norm(c)) for c in lines[h].cells):
        return "counter"
    return "long"


def read_plate(source: str | os.PathLike | bytes, *, format: str = "auto", name: str | None = None,
               warnings: list[str] | None = None, **options) -> pd.DataFrame:
    """Plate data as a tidy frame, with the reader for ``format`` ('auto' detects it; see
    :func:`detect_format`). ``options`` go to the reader (e.g. ``value=``, ``sheet=``,
    ``decimal=``); an option the reader does not take is refused, naming those it does."""
    if format == "auto":
        data, name = load(source, name)
        format, source = detect_format(data, name=name, sheet=options.get("sheet")), data
    if format not in READERS:
        raise ParameterError("format", format, f"'auto' or one of {', '.join(READERS)}")
    reader = READERS[format]
    _check_reader_options(format, reader, options, name)
    try:
        return reader(source, name=name, warnings=warnings, **options)
    except DataFormatError as exc:
        raise _hinted(exc) from None


_PASS = re.compile(r"pass (\w+)=('[^']*')")


def _hinted(exc: DataFormatError) -> DataFormatError:
    """A reader's error whose text suggests a reader option ("pass decimal=','") as one with
    a :class:`~protocol_kit.errors.Hint`, so each view can say the option its own way. The
    readers write the suggestion as Python; this is the one place that reads it back."""
    text = str(exc)
    found = [m for m in _PASS.finditer(text) if m.group(1) in reader_options()]
    if exc.template is not None or not found:
        return exc
    hints, parts, at = [], [], 0
    for i, m in enumerate(found):
        parts.append(text[at:m.start()].replace("{", "{{").replace("}", "}}") + f"pass {{{i}}}")
        hints.append(Hint(m.group(1), ast.literal_eval(m.group(2))))
        at = m.end()
    parts.append(text[at:].replace("{", "{{").replace("}", "}}"))
    return DataFormatError.hinted("".join(parts), hints)


def _check_reader_options(format: str, reader, options: dict, name: str | None) -> None:
    """Refuse an option the ``format`` reader does not take (instead of a TypeError)."""
    import inspect

    takes = [n for n, prm in inspect.signature(reader).parameters.items()
             if prm.kind == prm.KEYWORD_ONLY and n not in ("name", "warnings")]
    for option, value in options.items():
        if option not in takes:
            what = f"{name} was read as {format}" if name else f"the {format} reader"
            raise ParameterError(option, value, f"options of the {format} reader: {', '.join(takes) or 'none'}",
                                 reason=f"is not an option of the {format} reader ({what})")


def reader_options() -> list[str]:
    """Every option some reader takes (``sheet``, ``decimal``, ``delimiter``, ``value``, ...)."""
    import inspect

    names = {n for reader in READERS.values() for n, prm in inspect.signature(reader).parameters.items()
             if prm.kind == prm.KEYWORD_ONLY and n not in ("name", "warnings")}
    return sorted(names)


def file_format(protocol, format: str = "auto") -> str:
    """The reader a data file of ``protocol`` is read with: ``format`` as given, except that
    'auto' means the HPLC results reader for a fraction schedule (an HPLC table has no wells
    to detect a plate format by) and detection from the content for a plate layout."""
    return format if format != "auto" or protocol.plan_kind == "layout" else "hplc"


def read_for_analysis(protocol, source: str | os.PathLike | bytes, name: str | None = None, *,
                      format: str = "auto", extra_wells: str = "error", read: object = None,
                      wavelength: object = None, exclude_wells: object = None,
                      warnings: list[str] | None = None, **reader_options) -> pd.DataFrame:
    """A data file for ``protocol`` read as its analysis reads it: a plate file (``format``
    'auto' finds it from the file; ``reader_options`` such as ``sheet``, ``decimal`` go to
    the reader, None meaning not given) narrowed to one
    read (``read`` / ``wavelength``, see :mod:`protocol_kit.io.reads`) and joined to the
    layout (``extra_wells``; a marker cell in a planned well refused unless ``exclude_wells``
    names it), or an HPLC results table with its standards told apart
    (:func:`protocol_kit.io.analysis_input.analysis_frame`). Errors name the file."""
    options = {k: v for k, v in reader_options.items() if v is not None}
    layout = protocol.plan_kind == "layout"
    if not layout:
        for option, value in (("read", read), ("wavelength", wavelength), ("exclude_wells", exclude_wells)):
            if value is not None:
                raise ParameterError(option, value, "None for an HPLC results table",
                                     reason=f"chooses among plate reads, and {protocol.id} reads an HPLC table")
    frame = read_plate(source, format=file_format(protocol, format), name=name, warnings=warnings, **options)
    return analysis_frame(protocol, frame, extra_wells=extra_wells, read=read, wavelength=wavelength,
                          exclude_wells=exclude_wells, warnings=warnings)


__all__ = ["READERS", "detect_format", "file_format", "join_layout", "read_counter", "read_envision", "read_for_analysis",
           "read_gen5", "read_grid", "read_hplc", "read_kaleido", "read_layout", "read_long", "read_mars",
           "read_plate", "read_softmax", "read_tecan", "reader_options"]
