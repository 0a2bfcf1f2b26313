"""One shared pint unit registry and the parsing of user-entered quantities.

"10 uM", "10 µM", "1e-5 M" and a plain number (taken in the declared unit) all parse. Text
is a number then a unit: the number is read by :func:`protocol_kit.typed_numbers.parse_number`
(so "1,5 mg/kg" is 1.5 mg/kg and "1,000 nM" is refused as ambiguous), the unit by pint.
Every layer uses :data:`ureg` so quantities from different modules can be combined.
"""
from __future__ import annotations

import math
import numbers
import re
from decimal import ROUND_HALF_UP, Decimal
from collections.abc import Sequence
from functools import lru_cache

import pint

from .errors import DimensionError, ParameterError
from .typed_numbers import NumberTextError, parse_number

ureg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True, on_redefinition="ignore")
ureg.formatter.default_format = "~P"
# The micro prefix prints as the micro sign (U+00B5), as sheets, reports and messages write it:
# pint 0.26 made Greek mu (U+03BC) the printed symbol ("5 μM"). A prefix prints its first
# symbol; every spelling still parses. (on_redefinition: this line redefines the prefix.)
ureg.define("micro- = 1e-6 = \u00b5- = \u03bc- = u- = mu- = mc-")
Q_ = ureg.Quantity
Quantity = pint.Quantity

# Greek mu (U+03BC) and the micro sign (U+00B5) are both typed by users.
_MICRO_SIGNS = {"\u03bc": "u", "\u00b5": "u"}


def _normalise_text(text: str) -> str:
    for sign, ascii_u in _MICRO_SIGNS.items():
        text = text.replace(sign, ascii_u)
    return text.strip()


_DIMENSION_NAMES = {
    "[substance] / [length] ** 3": "concentration", "[length] ** 3": "volume", "[mass]": "mass",
    "[time]": "time", "[length]": "length", "[length] ** 3 / [time]": "flow rate",
    "[temperature]": "temperature", "[length] ** 3 / [mass]": "volume per body weight",
    "[mass] / [length] ** 3": "mass concentration", "[substance]": "amount",
    "dimensionless": "ratio such as mg/kg",
}


def dimension_name(u: pint.Unit | str) -> str:
    """A word for a unit's dimension ("concentration", "volume", ...), else pint's own text."""
    dim = str((unit(u) if isinstance(u, str) else u).dimensionality)
    return _DIMENSION_NAMES.get(dim, f"quantity of dimension {dim}")


# Display families, small to large: a quantity in one of these units is shown in the one that reads best.
CONC_UNITS = ("pM", "nM", "uM", "mM", "M")
VOLUME_UNITS = ("uL", "mL", "L")
MASS_UNITS = ("ug", "mg", "g", "kg")
UNIT_FAMILIES = (CONC_UNITS, VOLUME_UNITS, MASS_UNITS)


@lru_cache(maxsize=None)
def unit(spec: str) -> pint.Unit:
    """The registry's unit for ``spec`` ("uM", "µL", "mg/kg", ...); parsed once per spelling."""
    return ureg.Unit(_normalise_text(spec))


def unit_family(u: pint.Unit) -> tuple[str, ...] | None:
    """The display family (:data:`UNIT_FAMILIES`) that has ``u`` as one of its units, else None."""
    for family in UNIT_FAMILIES:
        if any(unit(spec) == u for spec in family):
            return family
    return None


def parse_quantity(value: object, expected_unit: str, *, field: str = "value") -> pint.Quantity:
    """Parse ``value`` as a quantity with the dimension of ``expected_unit``, expressed in it.

    A plain number is taken in ``expected_unit``. A string is parsed by pint. A quantity of
    the wrong dimension raises :class:`DimensionError`; text that is not a quantity, and NaN or
    infinite numbers, raise :class:`ParameterError`. Both name ``field``.
    """
    target = unit(expected_unit)
    allowed = f"a quantity in {unit_text(target)} or a compatible unit"
    if isinstance(value, bool):
        raise ParameterError(field, value, allowed, reason="is not a quantity")
    if isinstance(value, pint.Quantity):
        q = value
    elif isinstance(value, numbers.Real):
        q = Q_(float(value), target)
    elif isinstance(value, str):
        q = _quantity_text(value, target, field, allowed)
    else:
        raise ParameterError(field, value, allowed, reason="is not a quantity")
    if not q.is_compatible_with(target):
        got = "a plain number" if q.dimensionless else f"a {dimension_name(q.units)} ({unit_text(q.units)})"
        raise DimensionError(field, value, allowed,
                             reason=f"is {got}, not a {dimension_name(target)}")
    q = q.to(target)
    if not math.isfinite(float(q.magnitude)):
        raise ParameterError(field, value, allowed, reason="is not a finite number")
    return Q_(clean_magnitude(float(q.magnitude)), target)  # 12.5 µM is 12500 nM, not 12499.999999999998


# a number as typed (digits with points or commas, an exponent), then the unit, if any
_NUMBER_THEN_UNIT = re.compile(r"^([+-]?[\d.,]*\d[\d.,]*(?:[eE][+-]?\d+)?|[+-]?[\d.,]*[.,])\s*(.*)$")


def _quantity_text(value: str, target: pint.Unit, field: str, allowed: str) -> pint.Quantity:
    """Text as a quantity: a number (typed_numbers' rule), then a unit (pint), else the
    declared unit. No arithmetic: "2*3 nM" and "1 000 nM" are refused, not read as 6 or 0."""
    text = _normalise_text(value)
    if not text:
        raise ParameterError(field, value, allowed, reason="is empty")
    m = _NUMBER_THEN_UNIT.match(text)
    if m is None:
        word = text.lower().lstrip("+-").split()[0]
        why = ("is not a finite number" if word in ("nan", "inf", "infinity")
               else "does not start with a number")
        raise ParameterError(field, value, allowed, reason=why)
    try:
        magnitude = parse_number(m.group(1))
    except NumberTextError as exc:
        raise ParameterError(field, value, allowed, reason=f"is not read as a number: {exc}") from None
    if not m.group(2):  # a plain number in text is taken in the declared unit, like a number
        return Q_(magnitude, target)
    try:
        u = ureg.parse_units(m.group(2))
    except Exception as exc:  # pint raises many kinds (tokenizer, undefined unit, scaling factor)
        raise ParameterError(field, value, allowed,
                             reason=f"cannot be read as a quantity ({m.group(2)!r} is not a unit)") from exc
    return Q_(magnitude, u)


def to_molar(value: object, *, field: str = "concentration") -> float:
    """A concentration as a plain float in mol/L (a float is taken as already molar)."""
    return float(parse_quantity(value, "M", field=field).magnitude)


_LITRE_SYMBOL = re.compile(r"(?<![A-Za-z])([µmnp]?)l(?![A-Za-z])")


def unit_text(u: pint.Unit | str) -> str:
    """A unit as a bench scientist writes it: "µL", "mL/kg", "nM", "°C"."""
    text = f"{unit(u) if isinstance(u, str) else u:~P}"
    return _LITRE_SYMBOL.sub(lambda m: f"{m.group(1)}L", text)


def format_quantity(q: pint.Quantity, digits: int = 4) -> str:
    """A quantity as a person pipettes or weighs it: :func:`fmt_number` of its magnitude, and a
    volume, concentration or mass in the unit of its family (:data:`UNIT_FAMILIES`) that puts it
    in [1, 1000), chosen after rounding: "10.94 mL" (not 10940 µL), "10 µM" (not 10000 nM),
    "999.96 µL" at 4 figures is "1 mL". Other units (min, mg/kg, µL/min) are kept as given."""
    family = unit_family(q.units)
    if family is not None and math.isfinite(float(q.magnitude)) and q.magnitude != 0:
        q = best_unit(Q_(round_sig(float(q.magnitude), digits), q.units), family)
    return f"{fmt_number(float(q.magnitude), digits)} {unit_text(q.units)}"


def round_sig(x: float, digits: int) -> float:
    """``x`` rounded half-up to ``digits`` significant figures, on its shortest decimal form
    (so 2.675 rounds to 2.68 at 3 figures, as by hand, although its binary value is 2.67499...).
    Whole numbers of ``digits`` or more figures are rounded to a whole number only."""
    if x == 0 or not math.isfinite(x):
        return x
    d = Decimal(repr(x))
    exponent = min(d.adjusted() - digits + 1, 0)
    return float(d.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP))


def fmt_number(x: float, digits: int = 4) -> str:
    """The one rule for printing a number on a sheet, a reagent table, a step or a report.

    - ``digits`` significant figures, rounded half-up as by hand (:func:`round_sig`); a number
      of more than ``digits`` whole figures is printed whole: 41347, not 4.135e+04;
    - written out, never in scientific notation: 0.000956, 12500;
    - no float residue: 12499.999999999998 is 12500 (a residue that stands for zero, such as
      a volume of 2.274e-13 µL, is removed where it arises; see :func:`clean_magnitude`);
    - trailing zeros and a trailing point dropped (1.5, not 1.500), and never "-0";
    - NaN and infinities as Python writes them ("nan", "inf"), for the caller to replace.
    """
    if not math.isfinite(x):
        return f"{x:g}"
    r = round_sig(float(x), digits)
    if r == 0:
        return "0"
    text = format(Decimal(repr(r)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def fmt_count(n: int) -> str:
    """A count (cells, wells) as a person reads it: digits grouped in threes with a thin space
    from 10 000 on (ISO 80000-1, 7.3.1: a space, never a comma or point, since either may be the
    decimal sign): 2 880 000, 50 000, 9600."""
    text = str(int(n))
    if abs(int(n)) < 10000:
        return text
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    groups = [digits[max(0, i - 3):i] for i in range(len(digits), 0, -3)][::-1]
    return sign + "\u202f".join(groups)


P_FLOOR = 0.0001


def format_p(p: float) -> str:
    """A p value as printed: 2 significant figures (:func:`fmt_number`), and below 0.0001 as
    "< 0.0001" (a smaller p is worth no more figures, and would need an exponent)."""
    if not math.isfinite(p):
        return f"{p:g}"
    return f"< {fmt_number(P_FLOOR)}" if p < P_FLOOR else fmt_number(p, 2)


def clean_magnitude(x: float) -> float:
    """``x`` rounded to 15 significant figures: a unit conversion's binary residue removed
    (12.5 µM is 12499.999999999998 nM in floating point; cleaned, 12500 nM). 15 figures are
    below a float's 15.95-digit precision and far beyond any measured or typed value."""
    return round_sig(float(x), 15) if math.isfinite(x) else x


def best_unit(q: pint.Quantity, candidates: Sequence[str]) -> pint.Quantity:
    """Express ``q`` in the first of ``candidates`` (ordered small to large, e.g. pM ... M) that
    gives a magnitude below 1000, so it reads in [1, 1000); below 1 of the smallest unit it
    stays in the smallest, at 1000 or more of the largest in the largest."""
    for spec in candidates:
        v = q.to(unit(spec))
        # 1e-6 M is 999.9999999999999 nM in binary floating point: compare at 12 significant digits
        if float(f"{abs(float(v.magnitude)):.12g}") < 1000 or spec == candidates[-1]:
            return v
    return q


MOLAR_UNITS = ("fM", "pM", "nM", "uM", "mM", "M")
MOLAR_WRITTEN_OUT = (1e-18, 1e6)  # M: format_molar writes numbers out inside, with an exponent outside
NBSP = "\u00a0"


def format_molar(molar: float, digits: int = 3) -> str:
    """A molar value as text, the one molar formatter of the package (reports, sheets, plate
    labels, result summaries, fitted IC50 texts): ``digits`` significant figures rounded half-up
    as by hand (:func:`round_sig`) *before* the unit is chosen, then the unit of fM, pM, nM, µM,
    mM, M that puts the number in [1, 1000) (:func:`best_unit`), printed by :func:`fmt_number`
    (never in scientific notation) with a no-break space, so a line never breaks between number
    and unit: "10\u00a0µM", "56.5\u00a0pM", "1\u00a0µM" for 9.9996e-7.

    Edge cases, decided once (issue 16): below 1 pM in fM ("500 fM", not "0.5 pM": a reader
    compares mantissas of one unit); below 1 fM still in fM ("0.003 fM"); 1000 M or more in M
    ("1500 M"); outside 1e-18 to 1e6 M (an IC50 extrapolated far beyond any data) in M with an
    exponent ("7.37e+38 M"), the one place a number is not written out, since written out it
    would run to dozens of digits; a negative value keeps its sign and takes the unit of its size ("-2.5 nM"), since
    hiding it would hide the error that made it; 0 is "0 M"; NaN and infinities are written out,
    "nan M", "inf M", "-inf M", never "" (a missing number must show, not vanish from a sentence;
    a report table prints a dash for one before calling this, :func:`protocol_kit.reports.numbers.molar`).
    """
    x = float(molar)
    if not math.isfinite(x) or x == 0:
        return f"{x + 0.0:g}{NBSP}M"
    if not MOLAR_WRITTEN_OUT[0] <= abs(x) < MOLAR_WRITTEN_OUT[1]:
        return f"{x:.{digits}g}{NBSP}M"
    q = best_unit(Q_(round_sig(x, digits), "M"), MOLAR_UNITS)
    return f"{fmt_number(float(q.magnitude), digits)}{NBSP}{unit_text(q.units)}"
