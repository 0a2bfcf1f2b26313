"""Ordered maps and lists kept in a temporary SQLite file instead of memory, for folding a run
of any length into its state in bounded memory (the export of a long run, :mod:`.export_out`).

A :class:`SpillMap` behaves as a ``dict`` for what :class:`.state.StateFolder` does with one:
setting an existing key replaces its value and keeps its place, iteration is in the order keys
were first set. A :class:`SpillList` is a list that is appended to and read in order. Values are
pickled (they are the state's own frozen dataclasses); writes wait in a buffer of
:data:`BUFFER` entries and are then written with one ``executemany``.

The file is SQLite's private temporary database (``sqlite3.connect("")``): it lives in the
page cache (:data:`CACHE_KIB`) until that is full, then in a file under the temporary folder
(``SQLITE_TMPDIR`` or ``TMPDIR``), deleted when the connection closes.
"""
from __future__ import annotations

import itertools
import pickle
import sqlite3
from collections.abc import Hashable, Iterator
from typing import Any

BUFFER = 4096
PAGE = 2048
CACHE_KIB = 8192


class Spill:
    """One temporary database holding any number of maps and lists; close it when done."""

    def __init__(self) -> None:
        self._con = sqlite3.connect("")
        self._con.executescript(f"""
            PRAGMA cache_size=-{CACHE_KIB}; PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;
            CREATE TABLE kv(m INTEGER, k, ord INTEGER, v BLOB, PRIMARY KEY(m, k));
            CREATE INDEX kv_order ON kv(m, ord);""")
        self._maps = itertools.count()
        self._order = itertools.count()
        self._pending: dict[tuple[int, Hashable], tuple[int, Any]] = {}

    def map(self) -> SpillMap:
        return SpillMap(self, next(self._maps))

    def list(self) -> SpillList:
        return SpillList(self.map())

    def close(self) -> None:
        self._pending.clear()
        self._con.close()

    def __enter__(self) -> Spill:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _set(self, m: int, key: Hashable, value: Any) -> None:
        held = self._pending.get((m, key))
        self._pending[(m, key)] = (held[0] if held else next(self._order), value)
        if len(self._pending) >= BUFFER:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            # an existing row keeps its place (ord): dict semantics for a key set again
            self._con.executemany(
                "INSERT INTO kv VALUES (?, ?, ?, ?) ON CONFLICT(m, k) DO UPDATE SET v=excluded.v",
                ((m, k, o, pickle.dumps(v, pickle.HIGHEST_PROTOCOL)) for (m, k), (o, v) in self._pending.items()))
            self._pending.clear()

    def _get(self, m: int, key: Hashable) -> tuple[bool, Any]:
        held = self._pending.get((m, key))
        if held is not None:
            return True, held[1]
        row = self._con.execute("SELECT v FROM kv WHERE m=? AND k=?", (m, key)).fetchone()
        return (True, pickle.loads(row[0])) if row else (False, None)

    def _items(self, m: int) -> Iterator[tuple[Any, Any]]:
        """A page of rows at a time, so no read stays open while another map is written."""
        after = -1
        while True:
            self.flush()
            page = self._con.execute("SELECT k, v, ord FROM kv WHERE m=? AND ord>? ORDER BY ord LIMIT ?",
                                     (m, after, PAGE)).fetchall()
            for k, v, _ in page:
                yield k, pickle.loads(v)
            if len(page) < PAGE:
                return
            after = page[-1][2]

    def _len(self, m: int) -> int:
        self.flush()
        return self._con.execute("SELECT count(*) FROM kv WHERE m=?", (m,)).fetchone()[0]


def _storable(key: object) -> bool:
    """A key SQLite keeps as it is: a text, or an integer of 64 bits (not a bool)."""
    if isinstance(key, bool):
        return False
    return isinstance(key, str) or isinstance(key, int) and -2**63 <= key < 2**63


class SpillMap:
    """A dict in a :class:`Spill`: keys are texts or integers (what SQLite stores as they are)."""

    def __init__(self, spill: Spill, m: int) -> None:
        self._spill, self._m = spill, m

    def __setitem__(self, key: str | int, value: Any) -> None:
        if not _storable(key):
            raise TypeError(f"a spilled map's key is a text or a 64-bit integer, not {key!r}")
        self._spill._set(self._m, key, value)

    def __getitem__(self, key: Hashable) -> Any:
        found, value = self._spill._get(self._m, key) if _storable(key) else (False, None)
        if not found:
            raise KeyError(key)
        return value

    def get(self, key: Hashable, default: Any = None) -> Any:
        found, value = self._spill._get(self._m, key) if _storable(key) else (False, None)
        return value if found else default

    def __contains__(self, key: object) -> bool:
        return _storable(key) and self._spill._get(self._m, key)[0]

    def __len__(self) -> int:
        return self._spill._len(self._m)

    def __iter__(self) -> Iterator:
        return (k for k, _ in self._spill._items(self._m))

    def keys(self) -> Iterator:
        return iter(self)

    def values(self) -> Iterator:
        return (v for _, v in self._spill._items(self._m))

    def items(self) -> Iterator[tuple[Any, Any]]:
        return self._spill._items(self._m)


class SpillList:
    """A list in a :class:`Spill` that is appended to and read in order."""

    def __init__(self, store: SpillMap) -> None:
        self._map, self._n = store, 0

    def append(self, value: Any) -> None:
        self._map[self._n] = value
        self._n += 1

    def __len__(self) -> int:
        return self._n

    def __bool__(self) -> bool:
        return self._n > 0

    def __iter__(self) -> Iterator:
        return self._map.values()
