"""The data side of a run: attached files, the analysis choices on them (wells or animals
excluded, files superseded), analyses and reports. These may follow a 'performed' signature
until a review closes them (:func:`~.events.allowed_after_signing`).

:class:`RunData` is a part of :class:`~.run.Run` (its recording methods use the run's
``_who``, ``_writable`` and ``_append``). Reading, analysing and reporting are the
workflow's (:mod:`protocol_kit.workflow`); ``analyse``, ``report`` and ``read_data`` reach it.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import ParameterError, UnknownNameError
from . import events as ev
from .entries import file_bytes, nonempty_text
from .state import RunState

ANALYSIS_KIND = "protocol_kit analysis v1"  # marks the analyses recorded by Run.analyse


class RunData:
    """Data files, analysis choices, analyses and reports of a :class:`~.run.Run`."""

    def attach_data(self, path_or_frame: str | os.PathLike | pd.DataFrame | bytes, *, name: str | None = None,
                    operator: str | None = None, uploaded_as: str | None = None) -> ev.Event:
        """Store a data file unchanged (or a DataFrame as CSV) with its SHA-256. The record
        keeps where it came from: the file's path, or for ``bytes`` (an upload, ``name``
        needed) "uploaded as <uploaded_as or name>", never a temporary copy's path."""
        who = self._who(operator)
        self._writable("a data file", ev.DATA)
        if isinstance(path_or_frame, (bytes, bytearray)):
            if not name:
                raise ParameterError("name", name, "the file's name", reason="is needed for uploaded bytes")
            data, default_name, source = bytes(path_or_frame), name, f"uploaded as {uploaded_as or name}"
        else:
            data, default_name, source = file_bytes("path_or_frame", path_or_frame)
        return self._attach(ev.DATA, data, name or default_name, source, who)

    def record_report(self, path: str | os.PathLike, *, name: str | None = None,
                      operator: str | None = None) -> ev.Event:
        """Store a rendered sheet or report (HTML, PDF) unchanged with its SHA-256, under
        ``name`` (default: the file's name)."""
        who = self._who(operator)
        self._writable("a report", ev.REPORT)
        data, default_name, source = file_bytes("path", path, frames=False)
        return self._attach(ev.REPORT, data, name or default_name, source, who)

    def _attach(self, type: str, data: bytes, name: str, source: str | None, who: str) -> ev.Event:
        """A data file (``type`` DATA) or a report (REPORT), under a name no data file or report
        of the run has yet (``data_bytes`` and the analysis find a file by its name alone)."""
        name = nonempty_text("name", name, "a file name")

        def name_free(state: RunState) -> None:
            used = [f.name for f in (*state.data, *state.reports)]
            if name in used:
                raise ParameterError("name", name, "a name not used yet in this run; pass name=...",
                                     reason=f"is already attached (attached: {', '.join(used)})")

        sha = hashlib.sha256(data).hexdigest()
        payload = {"name": name, "sha256": sha, "size": len(data), "source": source}
        return self._append(type, payload, who, blobs={sha: data}, once=name_free)

    def record_analysis(self, result: object, *, name: str = "analysis",
                        operator: str | None = None) -> ev.Event:
        """Record an analysis result (an object with ``to_dict()`` or a dict of JSON values)."""
        who = self._who(operator)
        self._writable("an analysis result", ev.ANALYSIS)
        d = result.to_dict() if hasattr(result, "to_dict") else result
        if not isinstance(d, dict):
            raise ParameterError("result", type(result).__name__, "a result with to_dict() or a dict")
        try:
            d = json.loads(ev.canonical_json(d))
        except (TypeError, ValueError) as exc:
            raise ParameterError("result", name, "JSON values (numbers, text, lists, dicts; no NaN)",
                                 reason=f"cannot be recorded ({exc})") from None
        return self._append(ev.ANALYSIS, {"name": nonempty_text("name", name, "a name"), "result": d}, who)

    # -- analysis choices ----------------------------------------------------------------------
    exclusions = property(lambda self: self.state.exclusions, doc="Wells or animals left out of the analysis.")
    superseded = property(lambda self: self.state.superseded, doc="Data files left out of the analysis.")

    @property
    def current_data_files(self) -> tuple:
        """The attached data files not superseded, in order (the analysis reads the last)."""
        gone = {s.name for s in self.state.superseded}
        return tuple(f for f in self.data_files if f.name not in gone)

    def exclude(self, item: str, reason: str, *, operator: str | None = None) -> ev.Event:
        """Leave a well (plate protocols: a well of the plan's layout, e.g. 'A3', on every plate
        of the data) or an animal (microdialysis: its id as written in the data) out of every
        later :meth:`analyse`, with the reason. Its readings stay in the record; the analysis
        and the report list each exclusion with its reason."""
        who = self._who(operator)
        self._writable("an exclusion", ev.EXCLUSION)
        p = self.protocol
        if p.plan_kind == "layout":
            kind, wells = "well", [str(x) for x in p.layout["well"]]
            key = item.strip() if isinstance(item, str) else item
            if key not in wells:
                raise UnknownNameError(f"well to exclude (of the {self.state.protocol} layout)", str(item), wells)
        else:
            kind, key = "animal", nonempty_text("animal", item, "an animal id as written in the data, e.g. 'R03'")
        reason = nonempty_text("reason", reason, f"why the {kind} is left out, e.g. 'probe outside the target region'")

        def not_excluded(state: RunState) -> None:
            done = next((x for x in state.exclusions if (x.kind, x.item) == (kind, key)), None)
            if done is not None:
                raise ParameterError(kind, key, f"a {kind} not excluded yet",
                                     reason=f"is already excluded (event {done.seq}: {done.reason})")

        return self._append(ev.EXCLUSION, {"kind": kind, "item": key, "reason": reason}, who, once=not_excluded)

    def supersede_data(self, name: str, reason: str, *, operator: str | None = None) -> ev.Event:
        """Mark the attached data file ``name`` as superseded (e.g. the wrong file was uploaded):
        it stays in the record, byte for byte, but is left out of the analysis; the report lists
        it with the reason."""
        who = self._who(operator)
        self._writable("a superseded data file", ev.SUPERSEDED)
        files = {f.name: f for f in self.data_files}
        if name not in files:
            raise UnknownNameError("data file to supersede", str(name), files)

        def not_superseded(state: RunState) -> None:
            done = next((s for s in state.superseded if s.name == name), None)
            if done is not None:
                raise ParameterError("name", name, "a data file not superseded yet",
                                     reason=f"is already superseded (event {done.seq}: {done.reason})")

        not_superseded(self.state)  # before the reason's check, as the user reads the refusals
        reason = nonempty_text("reason", reason, "why the file is left out, e.g. 'wrong plate exported'")
        payload = {"name": name, "sha256": files[name].sha256, "reason": reason}
        return self._append(ev.SUPERSEDED, payload, who, once=not_superseded)

    # -- analysis and report: the workflow's (protocol_kit.workflow), reached from the run -------
    def analyse(self, data: str | pd.DataFrame | None = None, *, operator: str | None = None, **options: Any):
        """Analyse the run's data with its protocol, record the result and return it.

        ``data``: None for the latest attached data file, the name of an attached file, or a
        DataFrame of readings; ``options``: how the file is read and analysed. See
        :func:`protocol_kit.workflow.analyse_run`."""
        from ..workflow import analyse_run

        return analyse_run(self, data, operator=operator, **options)

    def latest_analysis(self):
        """The last analysis recorded by :meth:`analyse` (an ``AnalysisRecord``), or None."""
        found = [a for a in self.analyses if isinstance(a.result, dict) and a.result.get("kind") == ANALYSIS_KIND]
        return found[-1] if found else None

    def report(self, path: str | os.PathLike, *, paper: str = "A4", pdfa: bool = False,
               operator: str | None = None) -> Path:
        """Render the report of the latest analysis to ``path`` (.html or .pdf) and store it in
        the record, analysing first when nothing is analysed yet. See
        :func:`protocol_kit.workflow.report_run`."""
        from ..workflow import report_run

        return report_run(self, path, paper=paper, pdfa=pdfa, operator=operator)

    def attached(self, name: str):
        """The record of the attached file (or report) called ``name`` (its name, SHA-256, size,
        source). Where a record made before names were unique across both holds a data file
        and a report of one name, the data file is returned (it is what the analysis reads)."""
        files = {f.name: f for f in (*self.reports, *self.data_files)}
        if name not in files:
            raise UnknownNameError("data file", name, files)
        return files[name]

    def data_bytes(self, name: str) -> bytes:
        """The attached file (or report) called ``name`` (:meth:`attached`), byte for byte as
        it was attached."""
        return self.store.blob(self.attached(name).sha256)

    def read_data(self, name: str, **reading: Any) -> pd.DataFrame:
        """The attached file ``name`` read as the analysis reads it (or, with ``layout=``,
        joined to that layout; with ``join=False``, as the reader returns it). See
        :func:`protocol_kit.workflow.read_run_data`."""
        from ..workflow import read_run_data

        return read_run_data(self, name, **reading)
