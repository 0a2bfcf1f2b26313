"""Numbers as people type them and instruments write them, read one way everywhere.

The same rule serves parameters, form fields and data files, so "1,5" cannot be 1.5 in a file
and 15 in a form:

- a point is the decimal point: "0.56", "1e-5", "-3";
- a single comma with digits on both sides is a decimal comma ("1,5", "0,02", "12,50"), unless
  it could as well be a thousands separator: one to three digits, not starting with 0, then
  exactly three digits ("1,000", "12,345" are refused as ambiguous: 1000 or 1.000?);
- anything else with a comma ("1,000,000", "1,000.5", "1.000,5") is refused: thousands
  separators are not read;
- NaN, infinities and numbers too large for a float ("1e999") are refused: no measured or
  typed quantity is infinite.

``decimal="."`` refuses every comma (a file whose cells are split on commas cannot hold a
decimal comma), ``decimal=","`` reads the comma as decimal even where "auto" would call it
ambiguous (the user said so), and still refuses a point next to it.
"""
from __future__ import annotations

import math
import re

_PLAIN = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+([eE][+-]?\d+)?$")
_AMBIGUOUS = re.compile(r"^[+-]?[1-9]\d{0,2},\d{3}$")
DECIMALS = ("auto", ".", ",")


class NumberTextError(ValueError):
    """Text that is not a number by the rule above; ``str()`` says why in a few words."""


def parse_number(text: str, *, decimal: str = "auto") -> float:
    """``text`` as a finite float by the module's rule; raises :class:`NumberTextError`
    (a ValueError) naming the text and the reason. Surrounding spaces are ignored."""
    if decimal not in DECIMALS:
        raise ValueError(f"decimal must be one of {DECIMALS}, not {decimal!r}")
    s = text.strip()
    if not s:
        raise NumberTextError("is empty; expected a number")
    if "," in s:
        s = _comma_to_point(text, s, decimal)
    if not _PLAIN.match(s):
        low = s.lower().lstrip("+-")
        if low in ("nan", "inf", "infinity"):
            raise NumberTextError(f"{text.strip()!r} is not a finite number; expected a measured or typed value")
        raise NumberTextError(f"{text.strip()!r} is not a number; expected a number such as 1234, 0.56 or 1e-5")
    value = float(s)
    if not math.isfinite(value):
        raise NumberTextError(f"{text.strip()!r} is too large for a number (it would be infinite)")
    return value


def _comma_to_point(text: str, s: str, decimal: str) -> str:
    shown = text.strip()
    if decimal == ".":
        raise NumberTextError(f"{shown!r} has a comma; write the decimal point as '.' and no thousands separators")
    if _DECIMAL_COMMA.match(s):
        if decimal == "auto" and _AMBIGUOUS.match(s):
            raise NumberTextError(f"{shown!r} is ambiguous (a thousands separator or a decimal comma?); "
                                  f"write {s.replace(',', '')} or {s.replace(',', '.')}")
        return s.replace(",", ".")
    raise NumberTextError(f"{shown!r} is not a number: thousands separators are not read and a decimal comma "
                          "stands alone; write it as 1234.5")


def is_number_text(text: str, *, decimal: str = "auto") -> bool:
    """Whether :func:`parse_number` reads ``text``."""
    try:
        parse_number(text, decimal=decimal)
    except ValueError:
        return False
    return True


# a number as people write it, grouped or not: "1,5", "1,000,000", "1.000,5", "1e999"
_NUMBER_SHAPE = re.compile(r"^[+-]?(\d[\d,]*(\.\d*)?|\.\d+|\d[\d.]*,\d+)([eE][+-]?\d+)?$")


def looks_like_number(text: str) -> bool:
    """Whether ``text`` has the shape of a number ("1,5", "1,000", "1.000,5", "1e999"), whether or
    not :func:`parse_number` reads it; a date ("2025-01-01") or a version ("1.2.3") has not.
    Callers that also take words use it to refuse such text with parse_number's reason instead
    of keeping it as a word."""
    return bool(_NUMBER_SHAPE.match(text.strip()))
