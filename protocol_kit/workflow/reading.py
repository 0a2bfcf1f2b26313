"""Reading a data file: one reader, chosen from the protocol, for the analysis, the run's
``read_data``, the command line and the Data step of the widgets.

:func:`read_file` is :func:`protocol_kit.io.read_for_analysis`: a plate file narrowed to one
read and joined to the plan's layout, an HPLC results table with its standards told apart
and its samples joined to the fraction schedule. What it returns is what ``protocol.analyse``
is given, so what a user reads with ``run.read_data(name)`` is what the analysis reads.

:func:`read_attached` reads a run's attached file with it once per process for the same bytes
(SHA-256), plan and reading options, and hands out copies: the widgets' Data step reads a file
to show it, the Analysis step analyses it, the file is parsed once.
"""
from __future__ import annotations

import copy
import os
import threading
from collections import OrderedDict
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


_READ: OrderedDict = OrderedDict()  # (SHA-256, name, protocol, plan hash, reading) -> frame, the latest last
_READ_LOCK = threading.Lock()
KEEP = 4  # frames kept: a run's file under a few reading options
READ_DEFAULTS = {"format": "auto", "extra_wells": "error"}  # of read_for_analysis, as None is for the others


def read_attached(run: Run, name: str, reading: Mapping[str, Any] | None = None, *,
                  warnings: list[str] | None = None) -> pd.DataFrame:
    """The attached file ``name`` of ``run`` read by :func:`read_file` with ``reading``; a file
    read before in this process with the same bytes, plan and options is not parsed again (a
    copy of that frame is returned). With ``warnings`` (a list collecting the reader's
    messages) the file is always read, so the messages are collected."""
    protocol, reading = run.protocol, dict(reading or {})
    if warnings is not None:
        return read_file(protocol, run.data_bytes(name), name, reading, warnings=warnings)
    given = sorted((k, v) for k, v in reading.items() if v is not None and READ_DEFAULTS.get(k) != v)
    key = (run.attached(name).sha256, name, protocol.id, protocol.plan_hash, repr(given))
    with _READ_LOCK:
        frame = _READ.get(key)
        if frame is not None:
            _READ.move_to_end(key)
    if frame is None:
        frame = read_file(protocol, run.data_bytes(name), name, reading)
        with _READ_LOCK:
            _READ[key] = frame
            while len(_READ) > KEEP:
                _READ.popitem(last=False)
    out = frame.copy(deep=True)
    out.attrs = copy.deepcopy(frame.attrs)
    return out


def read_run_data(run: Run, name: str, *, format: str = "auto", join: bool = True,
                  layout: str | os.PathLike | pd.DataFrame | None = None, extra_wells: str = "error",
                  read: object = None, wavelength: object = None, exclude_wells: object = None,
                  warnings: list[str] | None = None, **options: Any) -> pd.DataFrame:
    """The attached file ``name`` of ``run`` read (``format``: 'auto' or a reader's name;
    ``options`` such as ``sheet``, ``decimal`` go to the reader).

    With ``join`` and no ``layout``: as the analysis reads it (:func:`read_attached`). With
    ``layout`` (a frame, or the path of a wellmap TOML file): narrowed to one read
    (``read`` / ``wavelength``) and joined to that layout. Without ``join``: the reader's
    tidy frame as it is (the reader chosen from the protocol as for the analysis)."""
    if join and layout is None:
        reading = {"format": format, "extra_wells": extra_wells, "read": read, "wavelength": wavelength,
                   "exclude_wells": exclude_wells, **options}
        return read_attached(run, name, reading, warnings=warnings)
    frame = read_plate(run.data_bytes(name), format=file_format(run.protocol, format), name=name,
                       warnings=warnings, **options)
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
