"""What a run's events take from the user, checked before anything is recorded: texts, names,
expiry dates, entered values and files (each refusal names the field, the value and what is
allowed)."""
from __future__ import annotations

import datetime as dt
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pint

from ..errors import ParameterError


def nonempty_text(field: str, value: object, allowed: str) -> str:
    """A non-empty, stripped text, or a ParameterError naming ``field``."""
    if not isinstance(value, str) or not value.strip():
        raise ParameterError(field, value, allowed, reason="is empty" if isinstance(value, str) else "is not text")
    return value.strip()


def operator_name(value: object) -> str:
    return nonempty_text("operator", value, "the name of the person doing the work, e.g. operator='A. Smith'")


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


def json_value(field: str, value: object) -> Any:
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
        return nonempty_text(field, value, "a number, a non-empty text or a quantity")
    raise ParameterError(field, value, "a number, a text or a quantity such as '1.5 nM'",
                         reason=f"is a {type(value).__name__}")


def file_bytes(field: str, obj: object, *, frames: bool = True) -> tuple[bytes, str, str | None]:
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
