"""What the checks of one run (:mod:`.verify`) carry from one chunk of its rows to the next, so a
run of any length is checked as it streams from the store in bounded memory."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import events as ev
from .events import GENESIS


class SeqTypes:
    """The first event type seen at each seq (what an amendment's target was): one byte per
    seq for a run's seqs 1, 2, 3 ... (a 1,000,000-event run: 1 MB), a dict for any other."""

    def __init__(self) -> None:
        self._codes, self._other = bytearray(), {}

    def get(self, seq: object, default: str | None = None) -> str | None:
        if isinstance(seq, int) and not isinstance(seq, bool) and 1 <= seq <= len(self._codes):
            code = self._codes[seq - 1]
            return ev.EVENT_TYPES[code - 1] if code else self._other.get(seq, default)
        return self._other.get(seq, default)

    def __getitem__(self, seq: object) -> str:
        found = self.get(seq)
        if found is None:
            raise KeyError(seq)
        return found

    def setdefault(self, seq: int, type: str) -> None:
        if self.get(seq) is not None:
            return
        code = ev.EVENT_TYPES.index(type) + 1 if type in ev.EVENT_TYPES else 0
        if code and seq == len(self._codes) + 1:
            self._codes.append(code)
        elif code and 1 <= seq <= len(self._codes):
            self._codes[seq - 1] = code
        else:
            self._other[seq] = type


@dataclass
class Carry:
    """What the checks of one run carry from one chunk of its rows to the next, so a run can be
    checked as it streams (:meth:`.store.Store.verify`): the row index, the chain's expected seq
    and head, the event types by seq, the signatures' meanings so far, and the last row's seq
    and hash. A check given no Carry starts one (its rows are the whole run)."""

    index: int = 0
    expected_seq: int = 1
    prev: str = GENESIS
    types: SeqTypes = field(default_factory=SeqTypes)
    meanings: list = field(default_factory=list)
    last_signature: Any = None
    last_row: tuple | None = None

    def advance(self, rows: list) -> None:
        """After every check has seen ``rows``: the next chunk's rows follow them."""
        self.index += len(rows)
        if rows and isinstance(rows[-1].seq, int):
            self.last_row = (rows[-1].seq, rows[-1].hash)
