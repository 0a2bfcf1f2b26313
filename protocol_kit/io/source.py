"""Reading an instrument file as numbered lines of cells, and reporting what is wrong with it.

Instruments write UTF-16 with a byte-order mark, UTF-8 with or without one, or a legacy 8-bit
code page (a Latin-1 or Mac degree sign in a header). :func:`decode` takes the BOM when there
is one, UTF-8 when the bytes are valid UTF-8, and Latin-1 otherwise (every byte is a Latin-1
character, and only header text is affected). Line numbers count from 1 as an editor shows them.

Every problem is reported through :class:`Problems`: it raises :class:`DataFormatError` at
once, or, when the caller passed a list, appends the message there and carries on.
"""
from __future__ import annotations

import codecs
import csv
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataFormatError
from ..typed_numbers import NumberTextError, is_number_text, parse_number

NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class Problems:
    """Raise each problem as a DataFormatError, or collect it in ``sink`` when one is given."""

    def __init__(self, name: str, sink: list[str] | None = None) -> None:
        self.name, self.sink = name, sink

    def __call__(self, message: str, line: int | None = None) -> None:
        text = f"{self.name}: line {line}: {message}" if line else f"{self.name}: {message}"
        if self.sink is None:
            raise DataFormatError(text)
        self.sink.append(text)


@dataclass(frozen=True)
class Line:
    """One line of a file: its number (from 1) and its cells, stripped."""

    no: int
    cells: tuple[str, ...]

    @property
    def blank(self) -> bool:
        return not any(self.cells)

    def cell(self, i: int) -> str:
        return self.cells[i] if 0 <= i < len(self.cells) else ""


def paragraphs(lines: list[Line], blank: Callable[[Line], bool] = lambda line: line.blank) -> list[list[Line]]:
    """``lines`` cut at the lines ``blank`` says are blank (those are dropped; runs of them cut once)."""
    out: list[list[Line]] = []
    current: list[Line] = []
    for line in lines:
        if blank(line):
            if current:
                out.append(current)
            current = []
        else:
            current.append(line)
    if current:
        out.append(current)
    return out


def load(source: str | os.PathLike | bytes, name: str | None = None) -> tuple[bytes, str]:
    """The bytes of ``source`` (a path, or bytes already read) and a name for messages."""
    if isinstance(source, (bytes, bytearray)):
        return bytes(source), name or "<data>"
    path = Path(source)
    try:
        return path.read_bytes(), name or str(source)
    except FileNotFoundError:
        raise DataFormatError(f"{source}: no such file") from None
    except IsADirectoryError:
        raise DataFormatError(f"{source}: is a folder, not a data file") from None


def decode(data: bytes, name: str) -> str:
    """Text from bytes: by BOM (UTF-8, UTF-16), else UTF-8, else Latin-1. Binary data is refused."""
    for bom, codec in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                       (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(codec)
            except UnicodeDecodeError as exc:
                raise DataFormatError(f"{name}: starts with a {codec} byte-order mark but is not "
                                      f"valid {codec} (byte {exc.start + len(bom)})") from None
            break
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    if "\x00" in text:
        utf16 = len(data) > 3 and (data[1::2].count(0) > len(data) // 4 or data[0::2].count(0) > len(data) // 4)
        hint = " (UTF-16 without a byte-order mark? save it as UTF-8 or UTF-16 with a BOM)" if utf16 else ""
        raise DataFormatError(f"{name}: contains NUL characters; expected a text export "
                              f"(CSV, TSV or an instrument's text file){hint}")
    return text


def text_lines(text: str) -> list[str]:
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def sniff_delimiter(lines: list[str]) -> str | None:
    """Tab if any line has one; else ';' if at least as common as ',' (decimal-comma files);
    else ','; None when no line has any (whitespace-separated columns)."""
    sample = lines[:500]
    count = {d: sum(d in line for line in sample) for d in ("\t", ";", ",")}
    if count["\t"]:
        return "\t"
    if count[";"] and count[";"] >= count[","]:
        return ";"
    return "," if count[","] else None


def split_lines(lines: list[str], delimiter: str | None, problems: Problems) -> list[Line]:
    """Numbered lines of stripped cells (quotes handled as CSV does)."""
    out = []
    for no, raw in enumerate(lines, 1):
        if delimiter is None:
            cells = raw.split()
        else:
            try:
                cells = next(csv.reader([raw], delimiter=delimiter), [])
            except csv.Error as exc:
                problems(f"cannot split into cells ({exc})", no)
                cells = []
        out.append(Line(no, tuple(c.strip() for c in cells)))
    return out


def read_lines(source: str | os.PathLike | bytes, *, name: str | None = None,
               delimiter: str | None = "auto", warnings: list[str] | None = None
               ) -> tuple[list[Line], Problems]:
    """A file as numbered lines of cells, with the Problems reporter for its name."""
    data, name = load(source, name)
    problems = Problems(name, warnings)
    lines = text_lines(decode(data, name))
    if delimiter == "auto":
        delimiter = sniff_delimiter(lines)
    return split_lines(lines, delimiter, problems), problems


def number(cell: str, decimal: str = ".") -> float | None:
    """A cell as a float by the one rule of :func:`protocol_kit.typed_numbers.parse_number`;
    None for an empty cell; raises ValueError (a ``NumberTextError`` saying why) for anything
    else. ``decimal``: "." (a comma is refused), "," (the comma is the decimal mark) or "auto"
    (a decimal comma is read, "1,000" refused as ambiguous). Thousands separators, 'nan', 'inf',
    '1_000' and numbers too large for a float ('1e999') are refused."""
    if not cell.strip():
        return None
    return parse_number(cell, decimal=decimal)


def expect_number(cell: str, problems: Problems, line: int, what: str, decimal: str = ".") -> float | None:
    """:func:`number`, reporting text where a number belongs, with the line and ``what`` names
    the cell (None then, in warning mode)."""
    try:
        return number(cell, decimal)
    except NumberTextError as exc:
        if decimal == "." and "," in cell and is_number_text(cell, decimal=","):
            problems(f"{what}: {cell.strip()!r} is not a number with a decimal point; "
                     "pass decimal=',' for decimal commas", line)
        else:
            problems(f"{what}: {exc}", line)
        return None
