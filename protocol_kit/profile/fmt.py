"""Numbers as the profile shows them."""
from __future__ import annotations

import math


def num(x: float | None) -> str:
    """Three significant digits, without an exponent between 1e-4 and 1e6 ('' for None/NaN)."""
    if x is None or not math.isfinite(x):
        return ""
    return f"{float(f'{x:.3g}'):g}"


def ci_text(ci: tuple[float, float] | None) -> str:
    """'lo-hi' with :func:`num`, 'n/a' without an interval."""
    return f"{num(ci[0])}-{num(ci[1])}" if ci else "n/a"


ASSAY_LABELS = {"radioligand-binding": "binding", "reuptake-inhibition": "uptake"}


def assay_label(assay: str) -> str:
    """'binding' / 'uptake' for the two inhibition assays, else the protocol id."""
    return ASSAY_LABELS.get(assay, assay)
