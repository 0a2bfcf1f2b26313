"""A run: one performance of a protocol, recorded as events in a store.

``p.start_run(operator=...)`` (or :func:`start_run`) writes the first event: the protocol id and
version, the validated parameters and the plan's hash. :func:`open_run` resumes a run and
rebuilds its state from its events. Every method that records something validates its input
against the run's plan first (step ids, reagent names), then appends one event.
"""
from __future__ import annotations

import datetime as dt
import os
import secrets
import threading
from collections.abc import Callable, Iterable, Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._version import __version__
from ..errors import ParameterError, ProtocolKitError, RecordLockedError, UnknownNameError
from . import events as ev
from . import signing_rules
from .entries import json_value, nonempty_text, operator_name, parse_expiry, utc_today
from .run_data import ANALYSIS_KIND, RunData  # noqa: F401 (ANALYSIS_KIND: imported from here too)
from .state import AMENDABLE, RunState, StateFolder, build_state
from .store import Store, as_store
from .verify import VerifyReport

if TYPE_CHECKING:
    from ..core.protocol import Protocol

SIGNATURE_MEANINGS = ("performed", "reviewed", "approved", "witnessed", "verified")


def new_run_id(protocol_id: str) -> str:
    """``YYYYMMDD-<protocol id>-<6 hex>``: sortable by day, readable, unique in practice."""
    return f"{dt.datetime.now(dt.timezone.utc):%Y%m%d}-{protocol_id}-{secrets.token_hex(3)}"


def protocol_of(state, run_id: str) -> Protocol:
    """The protocol of a run's state (its ``protocol``, ``params``, ``plan_hash``), rebuilt from
    the recorded id and parameters; refused if this protocol_kit builds another plan."""
    from ..core.protocol import protocol_class

    p = protocol_class(state.protocol)(**state.params)
    if p.plan_hash != state.plan_hash:
        raise ProtocolKitError(
            f"run {run_id}: recorded with {state.protocol} v{state.version}, but this protocol_kit "
            f"builds a different plan (v{p.version}); steps and reagents cannot be checked")
    return p


class Run(RunData):
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
        self.operator = operator_name(operator) if operator is not None else None
        self._lock = threading.RLock()  # taken before the store's lock, never after it
        self._events: list[ev.Event] = store.events(run_id)
        self._state: RunState | None = None
        self._fold: StateFolder | None = None  # the state of the events so far, kept incrementally

    # -- state -------------------------------------------------------------------------------
    def refresh(self) -> Run:
        """Read events appended since (by this or another process)."""
        with self._lock:
            new = self.store.events(self.id, after=self._events[-1].seq)
            if new:
                self._events += new
                self._state = None
        return self

    def _folded(self) -> StateFolder:
        """The incremental state, with every event read so far folded in (each event once)."""
        with self._lock:
            try:
                if self._fold is None:
                    self._fold = StateFolder(self._events[0])
                for e in self._events[self._fold.n_events:]:
                    self._fold.add(e)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:  # a damaged record
                self._fold = None
                raise ProtocolKitError(f"run {self.id}: the record cannot be read ({type(exc).__name__}: {exc}); "
                                       f"run 'protocol-kit runs verify {self.id}' to see where it is damaged") from None
            return self._fold

    @property
    def state(self) -> RunState:
        with self._lock:
            if self._state is None:
                self._state = self._folded().state()
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
        return protocol_of(self.state, self.id)

    def export(self, path: str | os.PathLike) -> Path:
        """Write the run as a .zip bundle or an .eln RO-Crate, streamed from the store as it
        stands (see :mod:`.export` and :mod:`.export_out`)."""
        from .export_out import export_stored

        return export_stored(self.store, self.id, path)

    def verify(self, receipts: Iterable = ()) -> VerifyReport:
        """Check this run's hash chain, attached files, signatures and keys, against every
        receipt given (Receipt objects, their JSON objects, or receipt file paths) or found
        beside the store (see :meth:`Store.verify`)."""
        return self.store.verify(self.id, receipts=receipts)

    # -- recording ---------------------------------------------------------------------------
    def _who(self, operator: str | None) -> str:
        if operator is not None:
            return operator_name(operator)
        if self.operator is None:
            raise ParameterError("operator", None, "the name of the person doing the work",
                                 reason="is required to record; pass operator= to open_run or to this call")
        return self.operator

    def _writable(self, what: str, type: str) -> None:
        """Refuse early, before validating input, what the run's signatures close (the rule:
        :func:`~.events.allowed_after_signing`), saying what can still be done."""
        self.refresh()
        sigs = tuple(self._folded().signatures)  # not the whole state: an append stays O(1)
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

    def may_record(self, what: str, type: str, operator: str | None = None) -> str:
        """Who records ``what`` (an event of ``type``) now: ``operator``, else this object's;
        refused before any work when no one is named or the run's signatures close it."""
        who = self._who(operator)
        self._writable(what, type)
        return who

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
        return self._append(ev.NOTE, {"text": nonempty_text("text", text, "a non-empty note")}, who)

    def deviation(self, reason: str, step_id: str | None = None, *, operator: str | None = None) -> ev.Event:
        """Record a departure from the plan, with its reason (and the step, if one)."""
        who = self._who(operator)
        self._writable("a deviation", ev.DEVIATION)
        reason = nonempty_text("reason", reason, "what was done differently and why")
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
        payload = {"reagent": key, "lot": nonempty_text("lot", lot, "the lot or batch number on the label"),
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
        to = nonempty_text("to", to, "the name of the person taking over, e.g. 'B. Jones'")
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
        name = nonempty_text("name", name, "a name for the value, e.g. 'protein_mg_per_mL'")
        payload = {"name": name, "value": json_value("value", value)}

        def not_entered(state: RunState) -> None:
            old = state.values.get(name)
            if old is not None:
                raise ParameterError("name", name, "a name not entered yet",
                                     reason=f"was already entered (event {old.seq}); correct it with "
                                            f"run.amend({old.seq}, reason, value=...)")

        return self._append(ev.VALUE, payload, who, once=not_entered)

    def sign(self, name: str, meaning: str, *, passphrase: str | None = None) -> ev.Event:
        """Sign the record as it stands with ``name``'s key (:mod:`.keys`), unlocked by
        ``passphrase`` (None: ``$PROTOCOL_KIT_PASSPHRASE``); the first signature locks the run.

        The key is registered in the store on its first signature there (refused when the
        store holds another key for ``name``). Inside the append's transaction the record hash,
        covered seq and time are fixed and signed (:func:`.keys.signed_message`); then a receipt
        is written beside the store (:mod:`.receipts`)."""
        from .keys import load_key, register_key, signed_message
        from .receipts import Receipt, write_receipt

        who = nonempty_text("name", name, "the signer's name")
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
        reason = nonempty_text("reason", reason, "why the earlier entry is corrected")
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
        clean = {k: (parse_expiry(v) if k == "expiry" else json_value(k, v) if k == "value"
                     else nonempty_text(k, v, f"a non-empty {k}")) for k, v in changes.items()}
        payload = {"target_seq": seq, "target_type": target.type, "reason": reason, "changes": clean}
        return self._append(ev.AMENDMENT, payload, who)


def start_run(protocol: Protocol, operator: str, store: Store | str | os.PathLike | None = None, *,
              project: str | None = None) -> Run:
    """Create a run of ``protocol`` in ``store`` (None: the default store) and return it.
    ``project``: the run's project in a PostgreSQL store (None: the member's only one)."""
    who = operator_name(operator)
    st = as_store(store)
    run_id = new_run_id(protocol.id)
    payload = {"protocol": protocol.id, "version": protocol.version, "params": protocol.raw_values(),
               "plan_hash": protocol.plan_hash, "protocol_kit": __version__}
    st.append(run_id, who, ev.STARTED, payload, new_run=True, project=project)
    return Run(st, run_id, who)


def open_run(run_id: str, store: Store | str | os.PathLike | None = None, *,
             operator: str | None = None) -> Run:
    """Resume a run: its state is rebuilt from its events. Pass ``operator`` to record."""
    return Run(as_store(store, create=False), run_id, operator)
