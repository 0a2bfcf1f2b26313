"""Tables with a header row (long plate lists, counter lists, HPLC results), after any
number of free-text header lines and before an optional footer.

The header row is the first line with a cell naming the key column (e.g. 'Well'). Each wanted
column is found by its header name, or named by the caller when the file's name is unusual or
when several columns would match; nothing is picked by position or by guess.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .source import Line, Problems, expect_number
from .tidy import norm
from .wells import fits, parse_well, plate_text


@dataclass(frozen=True)
class Want:
    """A column to find: its output ``role``, which normalised header names match, whether it
    must be present, and whether its cells are numbers."""

    role: str
    match: Callable[[str], bool]
    required: bool = True
    number: bool = True
    hint: str = ""


def names(*options: str) -> Callable[[str], bool]:
    allowed = {norm(o) for o in options}
    return lambda h: h in allowed


def pattern(regex: str) -> Callable[[str], bool]:
    compiled = re.compile(regex)
    return lambda h: bool(compiled.fullmatch(h))


def find_header(lines: list[Line], key: Want) -> int | None:
    """Index (into ``lines``) of the first line with a cell that names the key column."""
    for i, line in enumerate(lines):
        if any(key.match(norm(c)) for c in line.cells if c):
            return i
    return None


def pick_columns(header: Line, wants: list[Want], chosen: dict[str, str | None],
                 problems: Problems) -> dict[str, int]:
    """Column index per role. ``chosen`` maps a role to the header text the caller named."""
    cells = list(header.cells)
    shown = ", ".join(repr(c) for c in cells if c)
    found: dict[str, int] = {}
    for want in wants:
        explicit = chosen.get(want.role)
        if explicit is not None:
            hits = [i for i, c in enumerate(cells) if norm(c) == norm(explicit)]
            if not hits:
                problems(f"no column {explicit!r} (given as {want.role}=); the header has {shown}", header.no)
                continue
        else:
            hits = [i for i, c in enumerate(cells) if c and want.match(norm(c))]
            if len(hits) > 1:
                several = ", ".join(repr(cells[i]) for i in hits)
                problems(f"several {want.role} columns ({several}); name one with {want.role}='...'", header.no)
                continue
            if not hits:
                if want.required:
                    problems(f"no {want.role} column{want.hint}; the header has {shown}; "
                             f"name it with {want.role}='...'", header.no)
                continue
        found[want.role] = hits[0]
    return found


def read_rows(lines: list[Line], start: int, columns: dict[str, int], wants: list[Want],
              problems: Problems, *, extras: dict[str, int] | None = None, decimal: str = ".",
              wells: bool = True) -> list[dict]:
    """Records from the lines after the header. The key column (the first want) holds wells
    (validated) or, with ``wells=False``, sample names. Blank lines are skipped; after a blank
    line, a line whose key cell is not a well ends the table (a footer). A row with an empty
    number cell gives no value for that row (it is left out); text in a number column is an
    error. ``extras`` are further columns copied as text."""
    key = wants[0].role
    header = lines[start - 1]
    number_roles = [w.role for w in wants[1:] if w.number and w.role in columns]
    text_roles = [w.role for w in wants[1:] if not w.number and w.role in columns]
    out = []
    after_blank = False
    for line in lines[start:]:
        if line.blank:
            after_blank = True
            continue
        raw_key = line.cell(columns[key])
        if wells:
            parsed = parse_well(raw_key)
            if parsed is None:
                if after_blank:
                    break
                problems(f"{header.cell(columns[key])!r} column: {raw_key!r} is not a well; "
                         f"expected a well such as A1 or H12", line.no)
                continue
            if not fits(*parsed, None):
                problems(f"well {raw_key!r} is outside {plate_text(None)}", line.no)
                continue
            key_value = f"{parsed[0]}{parsed[1]}"
        else:
            if not raw_key:
                if after_blank:
                    break
                problems(f"{header.cell(columns[key])!r} column is empty; expected a {key} name", line.no)
                continue
            key_value = raw_key
        after_blank = False
        rec = {key: key_value, "line": line.no}
        for role in text_roles:
            rec[role] = line.cell(columns[role])
        for name, i in (extras or {}).items():
            rec[name] = line.cell(i)
        complete = True
        for role in number_roles:
            v = expect_number(line.cell(columns[role]), problems, line.no,
                              f"{header.cell(columns[role])!r} of {key_value}", decimal)
            if v is None and (role == number_roles[0] or line.cell(columns[role])):
                complete = False
            rec[role] = v
        if complete:
            out.append(rec)
    return out


def extra_columns(header: Line, used: dict[str, int], taken: set[str]) -> dict[str, int]:
    """The header's other named columns (kept as text), except names the frame already uses."""
    return {c: i for i, c in enumerate(header.cells)
            if c and i not in used.values() and c not in taken}
