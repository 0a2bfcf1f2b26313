"""A run: one performance of a protocol, recorded as events in a store.

``p.start_run(operator=...)`` (or :func:`start_run`) writes the first event: the protocol id and
version, the validated parameters and the plan's hash. :func:`open_run` resumes a run and
rebuilds its state from its events. Every method that records something validates its input
against the run's plan first (step ids, reagent names), then appends one event.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import secrets
import threading
from collections.abc import Callable, Iterable, Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pint

from .._version import __version__
from ..errors import ParameterError, ProtocolKitError, RecordLockedError, UnknownNameError
from . import events as ev
from . import signing_rules
from .state import AMENDABLE, RunState, build_state
from .store import Store, as_store
from .verify import VerifyReport

if TYPE_CHECKING:
    from ..core.protocol import Protocol

SIGNATURE_MEANINGS = ("performed", "reviewed", "approved", "witnessed", "verified")
ANALYSIS_KIND = "protocol_kit analysis v1"  # marks the analyses recorded by Run.analyse


def _text(field: str, value: object, allowed: str) -> str:
    """A non-empty, stripped text, or a ParameterError naming ``field``."""
    if not isinstance(value, str) or not value.strip():
        raise ParameterError(field, value, allowed, reason="is empty" if isinstance(value, str) else "is not text")
    return value.strip()


def _operator(value: object) -> str:
    return _text("operator", value, "the name of the person doing the work, e.g. operator='A. Smith'")


def parse_expiry(value: object) -> str | None:
    """An expiry date as ISO text (YYYY-MM-DD), from a date or such a text; None stays None."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise ParameterError("expiry", value, "a date, e.g. '2026-03-31' or datetime.date(2026, 3, 31)",
                             reason="is not a date") from None


def utc_today() -> str:
    """Today in UTC (the day an event recorded now is dated) as YYYY-MM-DD."""
    return dt.datetime.now(dt.timezone.utc).date().isoformat()


def _json_value(field: str, value: object) -> Any:
    """A number, text, boolean or quantity, as JSON (quantities as text '1.5 nM')."""
    if isinstance(value, pint.Quantity):
        return f"{value.magnitude!r} {value.units:~}"
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, int):  # bool included
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ParameterError(field, value, "a finite number, a text or a quantity", reason="is not finite")
        return value
    if isinstance(value, str):
        return _text(field, value, "a number, a non-empty text or a quantity")
    raise ParameterError(field, value, "a number, a text or a quantity such as '1.5 nM'",
                         reason=f"is a {type(value).__name__}")


def new_run_id(protocol_id: str) -> str:
    """``YYYYMMDD-<protocol id>-<6 hex>``: sortable by day, readable, unique in practice."""
    return f"{dt.datetime.now(dt.timezone.utc):%Y%m%d}-{protocol_id}-{secrets.token_hex(3)}"


class Run:
    """A run in a store. State properties (``steps``, ``lots``, ...) are rebuilt from events.

    ``operator`` is who records events through this object; a method's ``operator=`` overrides
    it for one event. Reading needs no operator.

    Once-only rules (a step ticked once; a value name, a data file or report name used once; a
    well or animal excluded once; a data file superseded once; no hand-over to whoever already
    records) are checked twice: early, for a quick refusal, and again inside the store's write
    transaction on the run as it stands then (events of other processes and threads
    included), so of several writers racing to do the same thing exactly one records it and the
    others get the same error a single writer would.

    Threads: a Run may be shared between threads (its store serialises the connection; the
    Run's own lock keeps its cached events in order), at the cost of the threads taking turns.
    """

    def __init__(self, store: Store, run_id: str, operator: str | None = None) -> None:
        self.store = store
        self.id = run_id
        self.operator = _operator(operator) if operator is not None else None
        self._lock = threading.RLock()  # taken before the store's lock, never after it
        self._events: list[ev.Event] = store.events(run_id)
        self._state: RunState | None = None

    # -- state -------------------------------------------------------------------------------
    def refresh(self) -> Run:
        """Read events appended since (by this or another process)."""
        with self._lock:
            new = self.store.events(self.id, after=self._events[-1].seq)
            if new:
                self._events += new
                self._state = None
        return self

    @property
    def state(self) -> RunState:
        with self._lock:
            if self._state is None:
                try:
                    self._state = build_state(self._events)
                except (KeyError, TypeError, ValueError, AttributeError) as exc:  # a damaged record
                    raise ProtocolKitError(f"run {self.id}: the record cannot be read ({type(exc).__name__}: {exc}); "
                                           f"run 'protocol-kit runs verify {self.id}' to see where it is damaged") from None
            return self._state

    @property
    def events(self) -> list[ev.Event]:
        return list(self._events)

    steps = property(lambda self: dict(self.state.steps), doc="Checked steps by id (who, when).")
    lots = property(lambda self: self.state.lots, doc="Reagent lots recorded, in order.")
    deviations = property(lambda self: self.state.deviations)
    notes = property(lambda self: self.state.notes)
    values = property(lambda self: dict(self.state.values), doc="Entered values by name.")
    data_files = property(lambda self: self.state.data, doc="Attached files (name, SHA-256, size).")
    analyses = property(lambda self: self.state.analyses)
    reports = property(lambda self: self.state.reports)
    signatures = property(lambda self: self.state.signatures)
    amendments = property(lambda self: self.state.amendments)
    locked = property(lambda self: self.state.locked, doc="True once the run has a signature.")
    head = property(lambda self: self.state.head, doc="Hash of the last event: write it down to "
                    "detect later removal of trailing events.")

    def to_dict(self) -> dict:
        return self.state.to_dict()

    def __repr__(self) -> str:
        s = self.state
        return (f"Run({self.id!r}, protocol={s.protocol!r}, events={s.n_events}, "
                f"steps checked={len(s.steps)}, {'signed' if s.locked else 'open'})")

    @cached_property
    def protocol(self) -> Protocol:
        """The run's protocol, rebuilt from the recorded id and parameters."""
        from ..core.protocol import protocol_class

        s = self.state
        p = protocol_class(s.protocol)(**s.params)
        if p.plan_hash != s.plan_hash:
            raise ProtocolKitError(
                f"run {self.id}: recorded with {s.protocol} v{s.version}, but this protocol_kit "
                f"builds a different plan (v{p.version}); steps and reagents cannot be checked")
        return p

    def export(self, path: str | os.PathLike) -> Path:
        """Write the run as a .zip bundle or an .eln RO-Crate (see :mod:`.export`)."""
        from .export import export_run

        return export_run(self, path)

    def verify(self, receipts: Iterable = ()) -> VerifyReport:
        """Check this run's hash chain, attached files, signatures and keys, against every
        receipt given (Receipt objects, their JSON objects, or receipt file paths) or found
        beside the store (see :meth:`Store.verify`)."""
        return self.store.verify(self.id, receipts=receipts)

    # -- recording ---------------------------------------------------------------------------
    def _who(self, operator: str | None) -> str:
        if operator is not None:
            return _operator(operator)
        if self.operator is None:
            raise ParameterError("operator", None, "the name of the person doing the work",
                                 reason="is required to record; pass operator= to open_run or to this call")
        return self.operator

    def _writable(self, what: str, type: str) -> None:
        """Refuse early, before validating input, what the run's signatures close (the rule:
        :func:`~.events.allowed_after_signing`), saying what can still be done."""
        self.refresh()
        sigs = self.signatures
        if ev.allowed_after_signing(type, [s.meaning for s in sigs]):
            return
        signed = "; ".join(f"{s.meaning} by {s.name} at {s.time[:19]} UTC" for s in sigs)
        if type in ev.ANALYSIS_EVENTS:
            then = ("data files, exclusions, analyses and reports may follow a 'performed' signature, but not a "
                    f"'{next(s.meaning for s in sigs if s.meaning not in ev.BENCH_MEANINGS)}' one; "
                    "a new analysis needs a new run")
        elif type in AMENDABLE:
            then = (f"the bench record is closed; run.amend(seq, reason, ...) corrects {what} recorded "
                    "before signing, but cannot add one")
        else:
            then = "the bench record is closed; what was not recorded before signing stays unrecorded"
        raise RecordLockedError(f"run {self.id} is signed ({signed}), so {what} cannot be recorded: {then}")

    def _append(self, type: str, payload: dict, operator: str, *,
                once: Callable[[RunState], None] | None = None, **kw: Any) -> ev.Event:
        """Append one event; ``once(state)`` raises if a once-only rule refuses it.

        ``once`` is called on the state this object holds, then again inside the store's write
        transaction on the events appended since by others (with the run's first event, as a
        state needs), which is all a once-only rule can newly object to: the rules look for an
        item of a name, step, well or file, and amendments, left out of that second look (their
        targets may be earlier), change none of those. So the write lock is held for the new
        events' fold only, not the whole run's."""
        with self._lock:
            if once is not None:
                once(self.state)
                seen = self._events[-1].seq

                def guard() -> None:
                    new = [e for e in self.refresh()._events if e.seq > seen and e.type != ev.AMENDMENT]
                    if new:
                        once(build_state([self._events[0], *new]))

                kw["guard"] = guard
            event = self.store.append(self.id, operator, type, payload, **kw)
            self.refresh()
            return event

    def check(self, step_id: str, *, operator: str | None = None) -> ev.Event:
        """Tick a checklist step as done now."""
        who = self._who(operator)
        self._writable("a step check", ev.STEP_CHECKED)
        step_id = self._step_id("step_id", step_id)

        def not_checked(state: RunState) -> None:
            done = state.steps.get(step_id)
            if done is not None:
                raise ParameterError("step_id", step_id, "a step not checked yet",
                                     reason=f"was already checked by {done.operator} at {done.time}")

        return self._append(ev.STEP_CHECKED, {"step_id": step_id}, who, once=not_checked)

    def _step_id(self, field: str, step_id: object) -> str:
        ids = [s.id for s in self.protocol.checklist]
        if step_id not in ids:
            raise UnknownNameError(f"{field} (checklist step of {self.state.protocol})", str(step_id), ids)
        return str(step_id)

    def note(self, text: str, *, operator: str | None = None) -> ev.Event:
        who = self._who(operator)
        self._writable("a note", ev.NOTE)
        return self._append(ev.NOTE, {"text": _text("text", text, "a non-empty note")}, who)

    def deviation(self, reason: str, step_id: str | None = None, *, operator: str | None = None) -> ev.Event:
        """Record a departure from the plan, with its reason (and the step, if one)."""
        who = self._who(operator)
        self._writable("a deviation", ev.DEVIATION)
        reason = _text("reason", reason, "what was done differently and why")
        step = None if step_id is None else self._step_id("step_id", step_id)
        return self._append(ev.DEVIATION, {"reason": reason, "step_id": step}, who)

    def record_lot(self, reagent: str, lot: str, expiry: object = None, *, acknowledge_expired: bool = False,
                   operator: str | None = None) -> ev.Event:
        """Record the lot (and expiry date) of a reagent of the plan's reagent table.

        A lot whose expiry date is before today (UTC, the day the event is dated) is refused
        unless ``acknowledge_expired=True``; the event then says ``expired_acknowledged``."""
        who = self._who(operator)
        self._writable("a reagent lot", ev.LOT)
        names = [str(r).strip() for r in self.protocol.reagents["reagent"]]
        key = reagent.strip() if isinstance(reagent, str) else reagent
        if key not in names:
            raise UnknownNameError(f"reagent (of the {self.state.protocol} reagent table)", str(reagent), names)
        payload = {"reagent": key, "lot": _text("lot", lot, "the lot or batch number on the label"),
                   "expiry": parse_expiry(expiry)}
        today = utc_today()
        if payload["expiry"] is not None and payload["expiry"] < today:
            if acknowledge_expired is not True:
                raise ParameterError("expiry", payload["expiry"], f"a date from today ({today}) on, or "
                                     "acknowledge_expired=True to record an expired lot on purpose",
                                     reason=f"is past: lot {payload['lot']} of {key} has expired")
            payload["expired_acknowledged"] = True
        return self._append(ev.LOT, payload, who)

    def hand_over(self, to: str, *, operator: str | None = None) -> ev.Event:
        """Record that ``to`` does the work from now on (recorded by the one handing over); this
        object then records as ``to``."""
        who = self._who(operator)
        self._writable("a hand-over", ev.HANDOVER)
        to = _text("to", to, "the name of the person taking over, e.g. 'B. Jones'")
        if to == who:
            raise ParameterError("to", to, "someone other than the person handing over", reason="is the same person")

        def not_holding(state: RunState) -> None:
            last = state.handovers[-1] if state.handovers else None
            if last is not None and last.to == to:
                raise ParameterError("to", to, "someone who does not record this run already",
                                     reason=f"already records it (hand-over event {last.seq}, "
                                            f"{last.previous} -> {last.to}, {last.time})")

        event = self._append(ev.HANDOVER, {"from": who, "to": to}, who, once=not_holding)
        self.operator = to
        return event

    def enter_value(self, name: str, value: object, *, operator: str | None = None) -> ev.Event:
        """Record a measured or read value (a number, text or quantity) under a name."""
        who = self._who(operator)
        self._writable("a value", ev.VALUE)
        name = _text("name", name, "a name for the value, e.g. 'protein_mg_per_mL'")
        payload = {"name": name, "value": _json_value("value", value)}

        def not_entered(state: RunState) -> None:
            old = state.values.get(name)
            if old is not None:
                raise ParameterError("name", name, "a name not entered yet",
                                     reason=f"was already entered (event {old.seq}); correct it with "
                                            f"run.amend({old.seq}, reason, value=...)")

        return self._append(ev.VALUE, payload, who, once=not_entered)

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
            data, default_name, source = _file_bytes("path_or_frame", path_or_frame)
        return self._attach(ev.DATA, data, name or default_name, source, who)

    def record_report(self, path: str | os.PathLike, *, operator: str | None = None) -> ev.Event:
        """Store a rendered sheet or report (HTML, PDF) unchanged with its SHA-256."""
        who = self._who(operator)
        self._writable("a report", ev.REPORT)
        data, default_name, source = _file_bytes("path", path, frames=False)
        return self._attach(ev.REPORT, data, default_name, source, who)

    def _attach(self, type: str, data: bytes, name: str, source: str | None, who: str) -> ev.Event:
        """A data file (``type`` DATA) or a report (REPORT), under a name not used by one yet."""
        name = _text("name", name, "a file name")

        def name_free(state: RunState) -> None:
            used = [f.name for f in (state.data if type == ev.DATA else state.reports)]
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
        return self._append(ev.ANALYSIS, {"name": _text("name", name, "a name"), "result": d}, who)

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
            kind, key = "animal", _text("animal", item, "an animal id as written in the data, e.g. 'R03'")
        reason = _text("reason", reason, f"why the {kind} is left out, e.g. 'probe outside the target region'")

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
        reason = _text("reason", reason, "why the file is left out, e.g. 'wrong plate exported'")
        payload = {"name": name, "sha256": files[name].sha256, "reason": reason}
        return self._append(ev.SUPERSEDED, payload, who, once=not_superseded)

    def _apply_exclusions(self, frame: pd.DataFrame, options: dict) -> tuple[pd.DataFrame, dict]:
        """The frame without the excluded wells (joined to the plan first, so the plan's other
        wells are still required) and ``options`` with the excluded animals added to
        ``exclude`` (an animal given in both is refused: one reason per animal)."""
        wells = [x.item for x in self.state.exclusions if x.kind == "well"]
        animals = {x.item: x.reason for x in self.state.exclusions if x.kind == "animal"}
        if wells:
            frame = self.protocol._joined(frame)
            frame = frame[~frame["well"].astype(str).isin(wells)].reset_index(drop=True)
        if animals:
            given = dict(options.get("exclude") or {})
            both = sorted(set(given) & set(animals))
            if both:
                raise ParameterError("exclude", both, "animals not already excluded in the record",
                                     reason="are excluded by a recorded exclusion already (run.exclusions)")
            options = {**options, "exclude": {**animals, **given}}
        return frame, options

    # -- analysis and report -------------------------------------------------------------------
    def analyse(self, data: str | pd.DataFrame | None = None, *, operator: str | None = None, **options: Any):
        """Analyse the run's data with its protocol, record the result and return it.

        ``data``: None for the latest attached data file, the name of an attached file, or a
        DataFrame of readings. A file is read with :meth:`read_data` and joined to the plan
        (an HPLC results table: standards told apart by its type column, see
        :mod:`protocol_kit.io.analysis_input`). ``options`` go to ``protocol.analyse`` (e.g.
        ``weighting=None``, ``bottom=0``, ``exclude={"R03": "probe misplaced"}``, and which
        read: ``read=``, ``wavelength=``, ``kinetic=``), those on how the file is read
        (``format``, ``sheet``, ``decimal``, ``extra_wells``, ``read``, ``wavelength``,
        ``exclude_wells``) to :func:`protocol_kit.io.read_for_analysis`; all are recorded with
        the result, the data file's name and SHA-256, and the summary."""
        from ..io import read_for_analysis
        from ..io.analysis_input import split_options

        who = self._who(operator)
        self._writable("an analysis result", ev.ANALYSIS)
        reading, analysis = split_options(self.protocol, options)
        if data is None:
            if not self.data_files:
                raise ProtocolKitError(f"run {self.id}: no data file attached, nothing to analyse; "
                                       "attach one first (run.attach_data(path))")
            if not self.current_data_files:
                raise ProtocolKitError(f"run {self.id}: every attached data file is superseded "
                                       f"({', '.join(f.name for f in self.data_files)}); attach the right one "
                                       "first (run.attach_data(path))")
            data = self.current_data_files[-1].name
        if isinstance(data, pd.DataFrame):
            unused = [k for k in reading if k not in analysis]
            if unused:
                raise ParameterError(unused[0], reading[unused[0]], "None for a DataFrame",
                                     reason="says how a file is read, and the data is a DataFrame")
            frame = data
            source = {"name": None, "sha256": hashlib.sha256(data.to_csv(index=False).encode()).hexdigest(),
                      "rows": len(data), "note": "a DataFrame given in memory, not attached"}
        elif isinstance(data, str):
            files = {f.name: f for f in self.data_files}
            if data not in files:
                raise UnknownNameError("data file", data, files)
            gone = next((g for g in self.state.superseded if g.name == data), None)
            if gone is not None:
                raise ParameterError("data", data, "a data file not superseded",
                                     reason=f"was superseded (event {gone.seq}: {gone.reason})")
            frame = read_for_analysis(self.protocol, self.data_bytes(data), name=data, **reading)
            file = files[data]
            source = {"name": data, "sha256": file.sha256, "rows": len(frame), "seq": file.seq}
        else:
            raise ParameterError("data", type(data).__name__, "None (the latest attached file), the name of an "
                                 "attached file, or a pandas DataFrame")
        frame, applied = self._apply_exclusions(frame, analysis)
        result = self.protocol.analyse(frame, **applied)
        record = {"kind": ANALYSIS_KIND, "protocol": self.state.protocol, "result_type": type(result).__name__,
                  "summary": result.summary(), "data": source, "options": _json_safe(options),
                  "exclusions": [x.to_dict() for x in self.state.exclusions],
                  "superseded": [g.to_dict() for g in self.state.superseded],
                  "protocol_kit": __version__, "result": _json_safe(result.to_dict())}
        self.record_analysis(record, name="analysis", operator=who)
        return result

    def latest_analysis(self):
        """The last analysis recorded by :meth:`analyse` (an ``AnalysisRecord``), or None."""
        found = [a for a in self.analyses if isinstance(a.result, dict) and a.result.get("kind") == ANALYSIS_KIND]
        return found[-1] if found else None

    def report(self, path: str | os.PathLike, *, paper: str = "A4", pdfa: bool = False,
               operator: str | None = None) -> Path:
        """Render the report of the latest analysis to ``path`` (.html or .pdf) and store it
        in the record (bytes and SHA-256); analyses first when data is attached but not yet
        analysed. ``pdfa``: PDF/A-3b with the run record (JSON) attached. A run signed as
        performed still takes reports (the signatures filled in); once reviewed (or approved,
        verified) its report is written but not stored."""
        from ..reports.render import check_output
        from ..reports.report import write_report

        path = check_output(path, pdfa=pdfa)
        self.refresh()
        if self.latest_analysis() is None:
            if not self.data_files:
                raise ProtocolKitError(f"run {self.id}: no analysis and no data file to analyse; attach the "
                                       "instrument file first (run.attach_data(path), or protocol-kit runs attach)")
            self.analyse(operator=operator)
        who = self._who(operator) if self.state.data_open else None
        write_report(self, path, paper=paper, pdfa=pdfa)
        if who is not None:
            data, _, source = _file_bytes("path", path, frames=False)
            used = {f.name for f in self.reports}
            name, n = path.name, 1
            while name in used:
                n += 1
                name = f"{path.stem}-{n}{path.suffix}"
            self._attach(ev.REPORT, data, name, source, who)
        return path

    def data_bytes(self, name: str) -> bytes:
        """The attached file (or report) called ``name``, byte for byte as it was attached."""
        files = {f.name: f for f in (*self.data_files, *self.reports)}
        if name not in files:
            raise UnknownNameError("data file", name, files)
        return self.store.blob(files[name].sha256)

    def read_data(self, name: str, *, format: str = "auto", join: bool = True,
                  layout: str | os.PathLike | pd.DataFrame | None = None, extra_wells: str = "error",
                  read: object = None, wavelength: object = None, exclude_wells: object = None,
                  warnings: list[str] | None = None, **options: Any) -> pd.DataFrame:
        """Read an attached file with :mod:`protocol_kit.io` (``format``: 'auto' or a reader's
        name; ``options`` such as ``sheet``, ``decimal`` go to the reader) and, with ``join``,
        narrow a plate file to one read (``read`` / ``wavelength``; a file with several is
        refused without a choice, :mod:`protocol_kit.io.reads`) and join it to the plan's
        layout or schedule, or to ``layout`` (a frame, or the path of a wellmap TOML file).
        Errors name the file."""
        from ..io import join_layout, read_for_analysis, read_layout, read_plate
        from ..io.reads import check_markers, one_read

        if join and layout is None and self.protocol.plan_kind == "layout":
            return read_for_analysis(self.protocol, self.data_bytes(name), name=name, format=format,
                                     extra_wells=extra_wells, read=read, wavelength=wavelength,
                                     exclude_wells=exclude_wells, warnings=warnings, **options)
        frame = read_plate(self.data_bytes(name), format=format, name=name, warnings=warnings, **options)
        if not join:
            return frame
        if layout is None:  # a schedule: HPLC samples by fraction, no reads to choose
            for option, value in (("read", read), ("wavelength", wavelength), ("exclude_wells", exclude_wells)):
                if value is not None:
                    raise ParameterError(option, value, "None for a fraction schedule",
                                         reason=f"chooses among plate reads, and {self.state.protocol} has none")
            return join_layout(frame, self.protocol.schedule, extra_wells=extra_wells, warnings=warnings)
        if not isinstance(layout, pd.DataFrame):
            layout = read_layout(layout)
        frame = one_read(frame, read=read, wavelength=wavelength, expect="either")
        joined = join_layout(frame, layout, extra_wells=extra_wells, warnings=warnings)
        return check_markers(joined, list(layout["well"]), exclude_wells) if "well" in layout.columns else joined

    def sign(self, name: str, meaning: str, *, passphrase: str | None = None) -> ev.Event:
        """Sign the record as it stands with ``name``'s key (:mod:`.keys`), unlocked by
        ``passphrase`` (None: ``$PROTOCOL_KIT_PASSPHRASE``); the first signature locks the run.

        The key is registered in the store on its first signature there (refused when the
        store holds another key for ``name``). Inside the append's transaction the record hash,
        covered seq and time are fixed and signed (:func:`.keys.signed_message`); then a receipt
        is written beside the store (:mod:`.receipts`)."""
        from .keys import load_key, register_key, signed_message
        from .receipts import Receipt, write_receipt

        who = _text("name", name, "the signer's name")
        if meaning not in SIGNATURE_MEANINGS:
            raise UnknownNameError("signature meaning", str(meaning), SIGNATURE_MEANINGS)
        key = load_key(who, passphrase)
        signing_rules.check_signing(self, who, meaning)  # who they are first, then whether they may
        self.refresh()
        register_key(self.store, who, key.public_key)

        def seal(payload: dict, time: str) -> dict:
            message = signed_message(self.id, payload["record_hash"], payload["covers_seq"], meaning, time, who)
            return {**payload, "public_key": key.public_key, "signature": key.sign(message)}

        event = self._append(ev.SIGNATURE, {"name": who, "meaning": meaning}, who, covers_head=True, seal=seal)
        write_receipt(self.store.path, Receipt.from_event(event))
        return event

    def amend(self, seq: int, reason: str, *, operator: str | None = None,
              changes: Mapping[str, object] | None = None, **fields: object) -> ev.Event:
        """Correct an earlier event: ``run.amend(7, 'misread label', lot='B123')``. The earlier
        value stays in the record and in the item's ``amendments``.

        ``reason`` says why. The fields to change are keywords (``value=``, ``lot=``,
        ``expiry=``, ``text=``) or the mapping ``changes``, the one way to correct a deviation's
        own ``reason`` (a keyword ``reason=`` would be this method's reason):
        ``run.amend(6, 'wrong duration noted', changes={'reason': 'filters soaked 3 h'})``."""
        who = self._who(operator)
        reason = _text("reason", reason, "why the earlier entry is corrected")
        if changes is not None and not isinstance(changes, Mapping):
            raise ParameterError("changes", changes, "a dict of field -> new value, e.g. {'reason': '...'}",
                                 reason=f"is a {type(changes).__name__}")
        both = sorted(set(changes or {}) & set(fields))
        if both:
            raise ParameterError(both[0], fields[both[0]], "one new value per field",
                                 reason="is given both as a keyword and in changes=")
        changes = {**(changes or {}), **fields}
        self.refresh()
        target = next((e for e in self._events if e.seq == seq), None)
        amendable = [str(e.seq) for e in self._events if e.type in AMENDABLE]
        if target is None or target.type not in AMENDABLE:
            raise UnknownNameError("event to amend (seq of a value, lot, note or deviation)", str(seq), amendable)
        fields = AMENDABLE[target.type]
        if not changes:
            raise ParameterError("changes", {}, f"at least one of {', '.join(fields)}", reason="are missing")
        for key in changes:
            if key not in fields:
                raise UnknownNameError(f"field of a {target.type} event", key, fields)
        clean = {k: (parse_expiry(v) if k == "expiry" else _json_value(k, v) if k == "value"
                     else _text(k, v, f"a non-empty {k}")) for k, v in changes.items()}
        payload = {"target_seq": seq, "target_type": target.type, "reason": reason, "changes": clean}
        return self._append(ev.AMENDMENT, payload, who)


def _json_safe(value: Any) -> Any:
    """``value`` as JSON the record accepts: NaN -> None, infinities -> "inf" / "-inf",
    tuples -> lists, numpy scalars -> Python, anything else unknown -> its text."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, pd.DataFrame):
        return {"frame": f"{len(value)} rows", "columns": [str(c) for c in value.columns]}
    return str(value)


def _file_bytes(field: str, obj: object, *, frames: bool = True) -> tuple[bytes, str, str | None]:
    """(bytes, default name, source path) of a file path or, if allowed, a DataFrame (as CSV)."""
    if frames and isinstance(obj, pd.DataFrame):
        return obj.to_csv(index=False).encode("utf-8"), "data.csv", None
    if isinstance(obj, (str, os.PathLike)):
        path = Path(obj)
        if not path.is_file():
            raise ParameterError(field, str(obj), "an existing file", reason="does not exist or is not a file")
        return path.read_bytes(), path.name, str(path.resolve())
    allowed = "a file path or a pandas DataFrame" if frames else "a file path"
    raise ParameterError(field, type(obj).__name__, allowed)


def start_run(protocol: Protocol, operator: str, store: Store | str | os.PathLike | None = None) -> Run:
    """Create a run of ``protocol`` in ``store`` (None: the default store) and return it."""
    who = _operator(operator)
    st = as_store(store)
    run_id = new_run_id(protocol.id)
    payload = {"protocol": protocol.id, "version": protocol.version, "params": protocol.raw_values(),
               "plan_hash": protocol.plan_hash, "protocol_kit": __version__}
    st.append(run_id, who, ev.STARTED, payload, new_run=True)
    return Run(st, run_id, who)


def open_run(run_id: str, store: Store | str | os.PathLike | None = None, *,
             operator: str | None = None) -> Run:
    """Resume a run: its state is rebuilt from its events. Pass ``operator`` to record."""
    return Run(as_store(store, create=False), run_id, operator)
