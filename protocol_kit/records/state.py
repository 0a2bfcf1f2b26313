"""A run's state, rebuilt from its events (a pure fold: the same events give the same state).

Nothing here is stored: the events are the record and this is a reading of them. An amendment
changes what an item currently says but keeps every earlier value in ``item.amendments``.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from . import events as ev
from .events import Event


class _Item:
    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Amendment(_Item):
    """A correction of an earlier event: ``before`` and ``after`` hold the changed fields."""

    seq: int
    target_seq: int
    reason: str
    before: dict
    after: dict
    operator: str
    time: str


@dataclass(frozen=True)
class StepCheck(_Item):
    step_id: str
    operator: str
    time: str
    seq: int


@dataclass(frozen=True)
class LotRecord(_Item):
    """A reagent lot; ``expired`` is True when the expiry date is before the day it was recorded;
    ``acknowledged``: whoever recorded it said, in the event, that they knew it had expired."""

    reagent: str
    lot: str
    expiry: str | None
    expired: bool
    operator: str
    time: str
    seq: int
    amendments: tuple[Amendment, ...] = ()
    acknowledged: bool = False


@dataclass(frozen=True)
class HandOver(_Item):
    """The person recording changed from ``previous`` to ``to`` (recorded by ``previous``)."""

    previous: str
    to: str
    time: str
    seq: int


@dataclass(frozen=True)
class Deviation(_Item):
    reason: str
    step_id: str | None
    operator: str
    time: str
    seq: int
    amendments: tuple[Amendment, ...] = ()


@dataclass(frozen=True)
class Note(_Item):
    text: str
    operator: str
    time: str
    seq: int
    amendments: tuple[Amendment, ...] = ()


@dataclass(frozen=True)
class ValueEntry(_Item):
    name: str
    value: Any
    operator: str
    time: str
    seq: int
    amendments: tuple[Amendment, ...] = ()


@dataclass(frozen=True)
class DataFile(_Item):
    """A file attached to the run, stored unchanged; ``source`` is where it was read from."""

    name: str
    sha256: str
    size: int
    source: str | None
    operator: str
    time: str
    seq: int


@dataclass(frozen=True)
class AnalysisRecord(_Item):
    name: str
    result: dict
    operator: str
    time: str
    seq: int


@dataclass(frozen=True)
class Exclusion(_Item):
    """A well (plate protocols) or an animal (microdialysis) left out of the analysis."""
    kind: str
    item: str
    reason: str
    operator: str
    time: str
    seq: int


@dataclass(frozen=True)
class Superseded(_Item):
    """A data file kept in the record but left out of the analysis (``name`` of the file)."""
    name: str
    sha256: str
    reason: str
    operator: str
    time: str
    seq: int


@dataclass(frozen=True)
class Signature(_Item):
    """``record_hash`` is the hash of the last event the signature covers (``covers_seq``)."""

    name: str
    meaning: str
    record_hash: str
    covers_seq: int
    time: str
    seq: int


# Which fields of which events an amendment may change, and the state item each becomes.
AMENDABLE: dict[str, tuple[str, ...]] = {
    ev.VALUE: ("value",),
    ev.LOT: ("lot", "expiry"),
    ev.NOTE: ("text",),
    ev.DEVIATION: ("reason",),
}


def lot_expired(expiry: str | None, time: str) -> bool:
    return expiry is not None and dt.date.fromisoformat(expiry) < dt.date.fromisoformat(time[:10])


@dataclass(frozen=True)
class RunState:
    """Everything a run's events say, current values first (see each item's ``amendments``)."""

    run_id: str
    protocol: str
    version: str
    params: dict
    plan_hash: str
    started: str
    operator: str
    steps: dict[str, StepCheck] = field(default_factory=dict)
    lots: tuple[LotRecord, ...] = ()
    deviations: tuple[Deviation, ...] = ()
    notes: tuple[Note, ...] = ()
    values: dict[str, ValueEntry] = field(default_factory=dict)
    data: tuple[DataFile, ...] = ()
    analyses: tuple[AnalysisRecord, ...] = ()
    reports: tuple[DataFile, ...] = ()
    signatures: tuple[Signature, ...] = ()
    amendments: tuple[Amendment, ...] = ()
    handovers: tuple[HandOver, ...] = ()
    exclusions: tuple[Exclusion, ...] = ()
    superseded: tuple[Superseded, ...] = ()
    n_events: int = 0
    head: str = ev.GENESIS

    @property
    def locked(self) -> bool:
        """Signed: the bench record (steps, lots, values, notes, deviations) is closed."""
        return bool(self.signatures)

    @property
    def data_open(self) -> bool:
        """Data files, analyses and reports may still be added: unsigned, or signed only as
        performed (or witnessed); a review closes them (:func:`~.events.allowed_after_signing`)."""
        return ev.allowed_after_signing(ev.ANALYSIS, [s.meaning for s in self.signatures])

    def to_dict(self) -> dict:
        d = asdict(self)
        d["locked"] = self.locked
        return d


class StateFolder:
    """A run's state kept incrementally: :meth:`add` folds one more event (in seq order) in
    constant time, :meth:`state` makes the :class:`RunState` of the events so far. A Run keeps
    one, so recording an event does not re-read the run.

    ``spill``: a :class:`.spill.Spill` to keep the items in instead of memory (for a run too
    long to hold: the export); read them back through :meth:`view`."""

    def __init__(self, first: Event, spill=None) -> None:
        if first.type != ev.STARTED:
            raise ValueError("a run's events start with a 'started' event")
        new_map, new_list = (spill.map, spill.list) if spill is not None else (dict, list)
        self._new_map = new_map
        p = first.payload
        self.base = dict(run_id=first.run_id, protocol=p["protocol"], version=p["version"], params=p["params"],
                         plan_hash=p["plan_hash"], started=first.time, operator=first.operator)
        # the amendable items by the seq of the event that made them, one map per kind
        self.kinds: dict[str, Any] = {t: new_map() for t in (ev.LOT, ev.DEVIATION, ev.NOTE, ev.VALUE)}
        self.steps = new_map()
        self.data, self.analyses, self.reports = new_list(), new_list(), new_list()
        self.signatures, self.amendments, self.handovers = new_list(), new_list(), new_list()
        self.exclusions, self.superseded = new_list(), new_list()
        self.n_events, self.head = 1, first.hash

    def add(self, e: Event) -> None:
        p, who = e.payload, (e.operator, e.time, e.seq)
        if e.type == ev.STEP_CHECKED:
            self.steps[p["step_id"]] = StepCheck(p["step_id"], *who)
        elif e.type == ev.LOT:
            self.kinds[ev.LOT][e.seq] = LotRecord(p["reagent"], p["lot"], p.get("expiry"),
                                                  lot_expired(p.get("expiry"), e.time), *who,
                                                  acknowledged=bool(p.get("expired_acknowledged")))
        elif e.type == ev.HANDOVER:
            self.handovers.append(HandOver(p["from"], p["to"], e.time, e.seq))
        elif e.type == ev.DEVIATION:
            self.kinds[ev.DEVIATION][e.seq] = Deviation(p["reason"], p.get("step_id"), *who)
        elif e.type == ev.NOTE:
            self.kinds[ev.NOTE][e.seq] = Note(p["text"], *who)
        elif e.type == ev.VALUE:
            self.kinds[ev.VALUE][e.seq] = ValueEntry(p["name"], p["value"], *who)
        elif e.type == ev.DATA:
            self.data.append(DataFile(p["name"], p["sha256"], p["size"], p.get("source"), *who))
        elif e.type == ev.REPORT:
            self.reports.append(DataFile(p["name"], p["sha256"], p["size"], p.get("source"), *who))
        elif e.type == ev.ANALYSIS:
            self.analyses.append(AnalysisRecord(p["name"], p["result"], *who))
        elif e.type == ev.SIGNATURE:
            self.signatures.append(Signature(p["name"], p["meaning"], p["record_hash"], p["covers_seq"],
                                             e.time, e.seq))
        elif e.type == ev.EXCLUSION:
            self.exclusions.append(Exclusion(p["kind"], p["item"], p["reason"], *who))
        elif e.type == ev.SUPERSEDED:
            self.superseded.append(Superseded(p["name"], p["sha256"], p["reason"], *who))
        elif e.type == ev.AMENDMENT:
            self._amend(e, p)
        self.n_events += 1
        self.head = e.hash

    def _amend(self, e: Event, p: dict) -> None:
        seq = p["target_seq"]
        items = next((m for m in self.kinds.values() if seq in m), None)
        if items is None:
            raise KeyError(seq)
        target = items[seq]
        before = {k: getattr(target, k) for k in p["changes"]}
        a = Amendment(e.seq, seq, p["reason"], before, dict(p["changes"]), e.operator, e.time)
        self.amendments.append(a)
        updated = replace(target, **p["changes"], amendments=(*target.amendments, a))
        if isinstance(updated, LotRecord):
            updated = replace(updated, expired=lot_expired(updated.expiry, target.time))
        items[seq] = updated

    def values_by_name(self):
        """The value entries by name, each name where it was first entered, holding its last
        entry (a later entry of a name replaces the earlier in the state)."""
        by_name = self._new_map()
        for seq, item in self.kinds[ev.VALUE].items():
            by_name[item.name] = seq
        return by_name

    def state(self) -> RunState:
        k = self.kinds
        values = k[ev.VALUE]
        return RunState(
            **self.base, steps=dict(self.steps),
            lots=tuple(k[ev.LOT].values()), deviations=tuple(k[ev.DEVIATION].values()),
            notes=tuple(k[ev.NOTE].values()),
            values={name: values[seq] for name, seq in self.values_by_name().items()},
            data=tuple(self.data), analyses=tuple(self.analyses), reports=tuple(self.reports),
            signatures=tuple(self.signatures), amendments=tuple(self.amendments), handovers=tuple(self.handovers),
            exclusions=tuple(self.exclusions), superseded=tuple(self.superseded),
            n_events=self.n_events, head=self.head,
        )

    def view(self):
        """The state of the events so far (:class:`.state_view.StateView`), read from this
        folder's maps and lists as it is used."""
        from .state_view import StateView

        return StateView(self)


def build_state(events: Iterable[Event]) -> RunState:
    """Fold a run's events, in seq order, into its state."""
    events = list(events)
    if not events:
        raise ValueError("a run's events start with a 'started' event")
    folder = StateFolder(events[0])
    for e in events[1:]:
        folder.add(e)
    return folder.state()
