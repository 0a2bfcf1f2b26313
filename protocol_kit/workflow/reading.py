"""Reading a data file: one reader, chosen from the protocol, for the analysis, the run's
``read_data``, the command line and the Data step of the widgets.

:func:`read_file` is :func:`protocol_kit.io.read_for_analysis`: a plate file narrowed to one
read and joined to the plan's layout, an HPLC results table with its standards told apart
and its samples joined to the fraction schedule. What it returns is what ``protocol.analyse``
is given, so what a user reads with ``run.read_data(name)`` is what the analysis reads.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import ParameterError
from ..io import file_format, join_layout, read_for_analysis, read_layout, read_plate
from ..io.reads import check_markers, one_read

if TYPE_CHECKING:
    from ..core.protocol import Protocol
    from ..records.run import Run


def read_file(protocol: Protocol, source: str | os.PathLike | bytes, name: str | None = None,
              reading: Mapping[str, Any] | None = None, *, warnings: list[str] | None = None) -> pd.DataFrame:
    """``source`` (a path or bytes; ``name`` for messages) read as ``protocol``'s analysis
    reads it, with the reading options ``reading`` (``format``, ``sheet``, ``decimal``,
    ``extra_wells``, ``read``, ``wavelength``, ``exclude_wells``; see
    :func:`protocol_kit.io.read_for_analysis`). Errors name the file."""
    return read_for_analysis(protocol, source, name=name, warnings=warnings, **dict(reading or {}))


def read_run_data(run: Run, name: str, *, format: str = "auto", join: bool = True,
                  layout: str | os.PathLike | pd.DataFrame | None = None, extra_wells: str = "error",
                  read: object = None, wavelength: object = None, exclude_wells: object = None,
                  warnings: list[str] | None = None, **options: Any) -> pd.DataFrame:
    """The attached file ``name`` of ``run`` read (``format``: 'auto' or a reader's name;
    ``options`` such as ``sheet``, ``decimal`` go to the reader).

    With ``join`` and no ``layout``: as the analysis reads it (:func:`read_file`). With
    ``layout`` (a frame, or the path of a wellmap TOML file): narrowed to one read
    (``read`` / ``wavelength``) and joined to that layout. Without ``join``: the reader's
    tidy frame as it is (the reader chosen from the protocol as for the analysis)."""
    data, protocol = run.data_bytes(name), run.protocol
    if join and layout is None:
        reading = {"format": format, "extra_wells": extra_wells, "read": read, "wavelength": wavelength,
                   "exclude_wells": exclude_wells, **options}
        return read_file(protocol, data, name, reading, warnings=warnings)
    frame = read_plate(data, format=file_format(protocol, format), name=name, warnings=warnings, **options)
    if not join:
        for option, value in (("read", read), ("wavelength", wavelength), ("exclude_wells", exclude_wells)):
            if value is not None:
                raise ParameterError(option, value, "None without join", reason="chooses among the reads joined "
                                     "to a layout, and join=False returns the file as read")
        return frame
    if not isinstance(layout, pd.DataFrame):
        layout = read_layout(layout)
    frame = one_read(frame, read=read, wavelength=wavelength, expect="either")
    joined = join_layout(frame, layout, extra_wells=extra_wells, warnings=warnings)
    return check_markers(joined, list(layout["well"]), exclude_wells) if "well" in layout.columns else joined
