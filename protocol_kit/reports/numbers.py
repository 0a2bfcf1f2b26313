"""Numbers as the reports print them: significant figures, fixed decimals, molar values in a
readable unit, p values, 95% intervals, all by the one rule of :func:`protocol_kit.units.fmt_number`
(no scientific notation, no float residue). A recorded number may be None (NaN when analysed)
or text ('inf'); both print as a dash or as they are."""
from __future__ import annotations

import math

from ..units import fmt_number, format_molar, format_p

DASH = "—"


def num(x, digits: int = 3) -> str:
    """A number to ``digits`` significant figures, written out (:func:`fmt_number`: 41347 and
    0.000956, never 4.13e+04 or 9.56e-05); '—' for a missing one."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)) or isinstance(x, str):
        return DASH if x is None or not isinstance(x, str) else x
    return fmt_number(float(x), digits)


def pvalue(p) -> str:
    """A p value by :func:`protocol_kit.units.format_p` ('0.031', '< 0.0001'); '—' for a missing one."""
    if p is None or isinstance(p, str) or not math.isfinite(p):
        return DASH
    return format_p(p)


def fixed(x, decimals: int = 2) -> str:
    """``x`` with ``decimals`` decimals ('—' for a missing one; never '-0.0')."""
    if x is None or isinstance(x, str) or (isinstance(x, float) and not math.isfinite(x)):
        return DASH
    text = f"{x:.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def molar(x) -> str:
    """A molar value to 3 significant figures in the unit that puts it in [1, 1000): '303 pM',
    '1 µM' (see :func:`protocol_kit.units.format_molar`); '—' for none or 0."""
    if x is None or isinstance(x, str) or not math.isfinite(x) or x == 0:
        return DASH
    return format_molar(x)


UNBOUNDED = "unbounded"
_INFINITE = ("inf", "-inf")  # how a record keeps an infinite bound


def ci(pair, fmt=num, *, log_scale: bool = False) -> str:
    """'95% CI lo to hi', or '' when the interval is missing. An infinite bound (an open
    profile-likelihood interval, flag ``ci_unbounded``; recorded as 'inf' / '-inf') reads
    'unbounded', and so does a lower bound of 0 with ``log_scale`` (an IC50 or Ki, 10^ of an
    interval of its log, whose log bound is -inf)."""
    if not pair or any(v is None or (isinstance(v, str) and v not in _INFINITE) for v in pair):
        return ""

    def bound(v, lower):
        if v in _INFINITE or (isinstance(v, float) and math.isinf(v)) or (lower and log_scale and v == 0):
            return UNBOUNDED
        return fmt(v)
    return f"95% CI {bound(pair[0], True)} to {bound(pair[1], False)}"
