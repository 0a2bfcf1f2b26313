"""The reference data files (CSV text, lines starting with '#' are comments): read line by line
with errors that name the file, and the copies shipped with protocol_kit read from the package."""
from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import TypeVar

from ..errors import DataFormatError

T = TypeVar("T")


def csv_lines(path: str | Path, name: str, what: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, stripped fields) of every line of the CSV file at ``path`` that is not
    blank or a '#' comment. A missing file, or one that is not UTF-8 text (a byte-order mark is
    read), is a :class:`DataFormatError` naming ``name``; ``what`` says what file was expected."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataFormatError(f"{name}: no such {what}") from None
    except UnicodeDecodeError as exc:
        raise DataFormatError(f"{name}: not UTF-8 text (byte {exc.start}); save the file as UTF-8 CSV") from None
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw.strip() and not raw.lstrip().startswith("#"):
            yield number, [f.strip() for f in next(csv.reader([raw]))]


def read_shipped(file: str, read: Callable[..., T]) -> T:
    """``read(path, label=...)`` of the data file ``file`` shipped in protocol_kit/reference/data,
    labelled ``protocol_kit:<file>`` in errors."""
    data = resources.files(__package__).joinpath("data", file)
    with resources.as_file(data) as path:
        return read(path, label=f"protocol_kit:{file}")
