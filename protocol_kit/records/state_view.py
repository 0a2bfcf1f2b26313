"""A run's state read from its :class:`~.state.StateFolder` as it is used, so a run whose folder
keeps its items on disk (:mod:`.spill`) is never held whole in memory (the export of a long run)."""
from __future__ import annotations

from dataclasses import fields as dataclass_fields
from typing import Any

from . import events as ev
from .state import RunState, StateFolder


class _Items:
    """A kind of item of a :class:`StateView`: iterated in order, counted."""

    def __init__(self, values, count) -> None:
        self._values, self._count = values, count

    def __iter__(self):
        return iter(self._values())

    def __len__(self) -> int:
        return self._count()

    def __bool__(self) -> bool:
        return len(self) > 0


class _ByName:
    """The value entries by name (see :meth:`StateFolder.values_by_name`), read as a mapping."""

    def __init__(self, folder: StateFolder) -> None:
        self._folder, self._names = folder, None

    def _by_name(self):
        if self._names is None:
            self._names = self._folder.values_by_name()
        return self._names

    def items(self):
        values = self._folder.kinds[ev.VALUE]
        return ((name, values[seq]) for name, seq in self._by_name().items())

    def __iter__(self):
        return iter(self._by_name())

    def __len__(self) -> int:
        return len(self._by_name())

    def __contains__(self, name: object) -> bool:
        return name in self._by_name()

    def __getitem__(self, name: str):
        return self._folder.kinds[ev.VALUE][self._by_name()[name]]


class StateView:
    """The fields of a :class:`RunState` (same names, same order), read from a
    :class:`StateFolder` as they are used, so a run whose folder spilled its items to disk is
    never held whole: ``steps`` and ``values`` read as mappings, the other items as sequences
    that can be iterated and counted. :meth:`fields` gives them as :meth:`RunState.to_dict`
    orders its keys."""

    def __init__(self, folder: StateFolder) -> None:
        for name, value in folder.base.items():
            setattr(self, name, value)
        k = folder.kinds
        self.steps = folder.steps
        for name, items in (("lots", k[ev.LOT]), ("deviations", k[ev.DEVIATION]), ("notes", k[ev.NOTE])):
            setattr(self, name, _Items(items.values, items.__len__))
        self.values = _ByName(folder)
        for name in ("data", "analyses", "reports", "signatures", "amendments", "handovers", "exclusions",
                     "superseded"):
            items = getattr(folder, name)
            setattr(self, name, _Items(items.__iter__, items.__len__))
        self.n_events, self.head = folder.n_events, folder.head

    @property
    def locked(self) -> bool:
        return bool(self.signatures)

    def fields(self) -> dict[str, Any]:
        """Each field of :class:`RunState` with its value here, then ``locked``."""
        return {**{f.name: getattr(self, f.name) for f in dataclass_fields(RunState)}, "locked": self.locked}
