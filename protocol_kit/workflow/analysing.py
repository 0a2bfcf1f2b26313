"""Analysing a run's data and recording the result: the one place that does both.

:func:`analyse_run` chooses the data (the latest current data file, a named one, or a
DataFrame), reads it once (:func:`~.reading.read_attached`), leaves out what the run's recorded
exclusions leave out, analyses it once with the protocol and records the result
(:func:`record_result`). :func:`record_result` is also how the command line's one-shot
analysis (:mod:`.oneshot`) records the result it already has.
"""
from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._version import __version__
from ..errors import ParameterError, ProtocolKitError, UnknownNameError
from ..io.reading_units import reading_units
from ..records import events as ev
from ..records.run import ANALYSIS_KIND
from .options import Options, analysis_options
from .reading import read_attached

if TYPE_CHECKING:
    from ..core.protocol import Protocol
    from ..records.run import Run


def analyse_run(run: Run, data: str | pd.DataFrame | None = None, *, operator: str | None = None,
                **options: Any):
    """Analyse ``run``'s data with its protocol, record the result and return it (the
    behaviour of :meth:`protocol_kit.records.Run.analyse`, which calls this).

    ``data``: None for the latest attached data file not superseded, the name of an attached
    file, or a DataFrame of readings. ``options``: those of ``protocol.analyse`` and those on
    how the file is read (:mod:`.options`), checked once; all are recorded with the result."""
    who = run.may_record("an analysis result", ev.ANALYSIS, operator)
    opts = analysis_options(run.protocol, options)
    frame, source = _data(run, data, opts)
    return analyse_frame(run, frame, source, opts, operator=who)


def analyse_frame(run: Run, frame: pd.DataFrame, source: dict, options: Options, *,
                  operator: str | None = None):
    """Analyse ``frame`` (as :func:`~.reading.read_file` returns it, or a frame given in
    memory) for ``run``, without the wells and animals its exclusions leave out, and record the
    result with ``source`` (where the data came from) and ``options``."""
    frame, applied = apply_exclusions(run, frame, dict(options.analysis))
    result = run.protocol.analyse(frame, **applied)
    record_result(run, result, source, options, operator=operator)
    return result


def _data(run: Run, data: str | pd.DataFrame | None, options: Options) -> tuple[pd.DataFrame, dict]:
    """The frame to analyse and where it came from (the record's ``data``)."""
    if data is None:
        if not run.data_files:
            raise ProtocolKitError(f"run {run.id}: no data file attached, nothing to analyse; "
                                   "attach one first (run.attach_data(path))")
        if not run.current_data_files:
            raise ProtocolKitError(f"run {run.id}: every attached data file is superseded "
                                   f"({', '.join(f.name for f in run.data_files)}); attach the right one "
                                   "first (run.attach_data(path))")
        data = run.current_data_files[-1].name
    if isinstance(data, pd.DataFrame):
        unused = [k for k in options.reading if k not in options.analysis]
        if unused:
            raise ParameterError(unused[0], options.reading[unused[0]], "None for a DataFrame",
                                 reason="says how a file is read, and the data is a DataFrame")
        return data, {"name": None, "sha256": hashlib.sha256(data.to_csv(index=False).encode()).hexdigest(),
                      "rows": len(data), "note": "a DataFrame given in memory, not attached"}
    if isinstance(data, str):
        files = {f.name: f for f in run.data_files}
        if data not in files:
            raise UnknownNameError("data file", data, files)
        gone = next((g for g in run.superseded if g.name == data), None)
        if gone is not None:
            raise ParameterError("data", data, "a data file not superseded",
                                 reason=f"was superseded (event {gone.seq}: {gone.reason})")
        frame = read_attached(run, data, options.reading)
        file = files[data]
        return frame, data_source(run.protocol, data, file.sha256, frame, seq=file.seq)
    raise ParameterError("data", type(data).__name__, "None (the latest attached file), the name of an "
                         "attached file, or a pandas DataFrame")


def data_source(protocol: Protocol, name: str, sha256: str, frame: pd.DataFrame, *, seq: int) -> dict:
    """The record's ``data`` for a file read: its name in the run, SHA-256, the rows read, the
    event that attached it and the units of its reading columns as the file states them
    (:func:`protocol_kit.io.reading_units.reading_units`; the report shows them without
    reading the file again)."""
    return {"name": name, "sha256": sha256, "rows": len(frame), "seq": seq,
            "units": reading_units(protocol, frame)}


def apply_exclusions(run: Run, frame: pd.DataFrame, options: dict) -> tuple[pd.DataFrame, dict]:
    """The frame without the excluded wells (joined to the plan first, so the plan's other
    wells are still required) and ``options`` with the excluded animals added to
    ``exclude`` (an animal given in both is refused: one reason per animal)."""
    wells = [x.item for x in run.exclusions if x.kind == "well"]
    animals = {x.item: x.reason for x in run.exclusions if x.kind == "animal"}
    if wells:
        frame = run.protocol._joined(frame)
        frame = frame[~frame["well"].astype(str).isin(wells)].reset_index(drop=True)
    if animals:
        given = dict(options.get("exclude") or {})
        both = sorted(set(given) & set(animals))
        if both:
            raise ParameterError("exclude", both, "animals not already excluded in the record",
                                 reason="are excluded by a recorded exclusion already (run.exclusions)")
        options = {**options, "exclude": {**animals, **given}}
    return frame, options


def record_result(run: Run, result: Any, source: dict, options: Options | Mapping[str, Any], *,
                  operator: str | None = None) -> ev.Event:
    """Record ``result`` (an analysis result of ``run``'s protocol) as the run's analysis: its
    summary, the data's ``source``, the ``options`` as given, the exclusions and superseded
    files it honoured, the protocol_kit version and the result itself (JSON-safe)."""
    given = options.given if isinstance(options, Options) else options
    state = run.state
    record = {"kind": ANALYSIS_KIND, "protocol": state.protocol, "result_type": type(result).__name__,
              "summary": result.summary(), "data": source, "options": json_safe(dict(given)),
              "exclusions": [x.to_dict() for x in state.exclusions],
              "superseded": [g.to_dict() for g in state.superseded],
              "protocol_kit": __version__, "result": json_safe(result.to_dict())}
    return run.record_analysis(record, name="analysis", operator=operator)


def json_safe(value: Any) -> Any:
    """``value`` as JSON the record accepts: NaN -> None, infinities -> "inf" / "-inf",
    tuples -> lists, numpy scalars -> Python, anything else unknown -> its text."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, pd.DataFrame):
        return {"frame": f"{len(value)} rows", "columns": [str(c) for c in value.columns]}
    return str(value)
