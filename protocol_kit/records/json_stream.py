"""JSON written a piece at a time: the text ``json.dumps(value, indent=2, ensure_ascii=False)``
gives, for a value whose collections are read as they are written (a run's state kept on
disk, :mod:`.state_view`), so the whole text, and the whole value, are never in memory.

Mappings (anything with ``items()``) and sequences (lists, tuples, other iterables that are
not text) are opened and written entry by entry; a dataclass (one item of a run's state) and
every value below it are written by :func:`json.dumps` in one call, its lines indented to where
it stands (``json.dumps`` indents a nested line by its depth, so prefixing each line with the
enclosing depth gives the text of the whole)."""
from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable
from typing import Any

INDENT = "  "


def _fields(value: Any) -> dict:
    """A dataclass as the dict ``dataclasses.asdict`` makes of it (without copying the values)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_ENCODER = json.JSONEncoder(indent=len(INDENT), ensure_ascii=False, default=_fields)


def _key(key: Any) -> str:
    """A mapping's key as json.dumps writes it (a number or None as its JSON text, quoted)."""
    if isinstance(key, str):
        return _ENCODER.encode(key)
    return json.dumps({key: 0}, ensure_ascii=False)[1:-len(": 0}")]


def write_json(write: Callable[[str], Any], value: Any, level: int = 0) -> None:
    """Write ``value`` as ``json.dumps(value, indent=2, ensure_ascii=False)`` would, through
    ``write``, starting at depth ``level``."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        write(_ENCODER.encode(value).replace("\n", "\n" + INDENT * level))
    elif hasattr(value, "items"):
        _write_entries(write, ((_key(k) + ": ", v) for k, v in value.items()), "{", "}", level)
    elif isinstance(value, Iterable) and not isinstance(value, (str, bytes, bytearray)):
        _write_entries(write, (("", v) for v in value), "[", "]", level)
    else:
        write(_ENCODER.encode(value))


def _write_entries(write, entries: Iterable[tuple[str, Any]], opening: str, closing: str, level: int) -> None:
    inner = "\n" + INDENT * (level + 1)
    empty = True
    for label, v in entries:
        write((opening if empty else ",") + inner + label)
        empty = False
        write_json(write, v, level + 1)
    write(opening + closing if empty else "\n" + INDENT * level + closing)
