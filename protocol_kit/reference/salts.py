"""Salt forms of drugs as weighed, and the factor that turns a dose of base into a mass of salt.

A drug is usually supplied as a salt (sertraline as its hydrochloride), while a dose may be
meant as the free base or as the salt. The mass to weigh is

    mass of salt = mass of base x M(salt) / M(base)        (dose meant as base)
    mass of salt = mass of salt                             (dose meant as salt)

with the molar masses from ``protocol_kit/reference/data/salts.csv`` (columns drug, salt_form,
formula, salt_molar_mass, base_molar_mass, source, note; g/mol; lines starting with ``#`` are
comments), or given by the user. For sertraline HCl: 342.69 / 306.23 = 1.119, so 21.6 mg of
base is 24.17 mg of the salt.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..errors import DataFormatError, ParameterError, near_miss
from ..typed_numbers import NumberTextError, parse_number
from .data_file import csv_lines, read_shipped
from .names import name_key

SHIPPED_FILE = "salts.csv"
WHERE = f"protocol_kit/reference/data/{SHIPPED_FILE}"
COLUMNS = ("drug", "salt_form", "formula", "salt_molar_mass", "base_molar_mass", "source", "note")
FREE_BASE = "free base"
BASES = ("base", "salt")
# other spellings of a salt form -> the form as the data file writes it
SALT_ALIASES = {"hydrochloride": "HCl", "hydrobromide": "HBr", "base": FREE_BASE, "freebase": FREE_BASE}


@dataclass(frozen=True)
class SaltForm:
    """A drug in one form, with the molar masses of that form and of its free base (g/mol)."""

    drug: str
    salt_form: str
    salt_molar_mass: float
    base_molar_mass: float
    source: str
    formula: str = ""
    where: str = ""  # file and line, or "given"

    @property
    def factor(self) -> float:
        """Mass of salt per mass of base: M(salt) / M(base)."""
        return self.salt_molar_mass / self.base_molar_mass

    @property
    def is_free_base(self) -> bool:
        return self.salt_form == FREE_BASE


def read_salt_file(path: str | Path, *, label: str | None = None) -> tuple[SaltForm, ...]:
    """Every row of a salt file; a mistake names the file, the line, the column and the value."""
    name = label or str(path)
    lines = list(csv_lines(path, name, "salt file"))
    if not lines or tuple(lines[0][1]) != COLUMNS:
        raise DataFormatError(f"{name}: the header must be {','.join(COLUMNS)}")
    out = []
    for line, cells in lines[1:]:
        if len(cells) != len(COLUMNS):
            raise DataFormatError(f"{name} line {line}: {len(cells)} columns; allowed: {len(COLUMNS)} ({','.join(COLUMNS)})")
        row = dict(zip(COLUMNS, cells))
        masses = {}
        for col in ("salt_molar_mass", "base_molar_mass"):
            try:
                masses[col] = parse_number(row[col], decimal=".")
            except NumberTextError as exc:
                raise DataFormatError(f"{name} line {line}: {col} {row[col]!r} is not a number ({exc}); "
                                      "allowed: a molar mass in g/mol") from None
            if masses[col] <= 0:
                raise DataFormatError(f"{name} line {line}: {col} {row[col]!r}; allowed: a molar mass > 0 g/mol")
        if masses["salt_molar_mass"] < masses["base_molar_mass"]:
            raise DataFormatError(f"{name} line {line}: salt_molar_mass {row['salt_molar_mass']} is below "
                                  f"base_molar_mass {row['base_molar_mass']}; allowed: a salt at least as heavy as its base")
        for col in ("drug", "salt_form", "source"):
            if not row[col]:
                raise DataFormatError(f"{name} line {line}: {col} is empty; allowed: non-empty text")
        out.append(SaltForm(row["drug"], row["salt_form"], masses["salt_molar_mass"], masses["base_molar_mass"],
                            row["source"], row["formula"], f"{name} line {line}"))
    return tuple(out)


@lru_cache(maxsize=1)
def shipped() -> tuple[SaltForm, ...]:
    """The salt forms shipped with protocol_kit (read once)."""
    return read_shipped(SHIPPED_FILE, read_salt_file)


def _salt_key(salt_form: str) -> str:
    key = name_key(salt_form)
    return name_key(SALT_ALIASES.get(key, salt_form))


def salt_form(drug: str, form: str, *, salt_molar_mass: float | None = None,
              base_molar_mass: float | None = None, table: tuple[SaltForm, ...] | None = None) -> SaltForm:
    """``drug`` in the form ``form`` ("HCl", "hydrochloride", "free base", ...).

    The free base needs no molar masses (factor 1). Molar masses given here (both, in g/mol)
    are used as given; otherwise the drug and form must be in the data file, and a name that
    is not is refused with the nearest one (field ``drug`` or ``salt_form``)."""
    given = (salt_molar_mass, base_molar_mass)
    if any(m is not None for m in given):
        if any(m is None for m in given):
            missing = "base_molar_mass" if base_molar_mass is None else "salt_molar_mass"
            raise ParameterError(missing, None, "both salt_molar_mass and base_molar_mass, or neither",
                                 reason="is missing while the other molar mass is given")
        if salt_molar_mass < base_molar_mass:
            raise ParameterError("salt_molar_mass", salt_molar_mass,
                                 f"at least base_molar_mass ({base_molar_mass:g} g/mol): a salt weighs more than its base",
                                 reason="is below the base's molar mass")
        name = FREE_BASE if _salt_key(form) == name_key(FREE_BASE) else form.strip()
        return SaltForm(drug, name, float(salt_molar_mass), float(base_molar_mass), "given by the user", "", "given")
    if _salt_key(form) == name_key(FREE_BASE):
        return SaltForm(drug, FREE_BASE, 1.0, 1.0, "free base: no conversion", "", "")
    rows = shipped() if table is None else table
    of_drug = [r for r in rows if name_key(r.drug) == name_key(drug)]
    options = "; or salt_form 'free base'; or salt_molar_mass and base_molar_mass given (g/mol)"
    if not of_drug:
        drugs = sorted({r.drug for r in rows})
        raise ParameterError("drug", drug, f"a drug in {WHERE} ({', '.join(drugs)}){options}",
                             reason=f"has no salt forms on file{near_miss(drug, drugs)}")
    for r in of_drug:
        if _salt_key(r.salt_form) == _salt_key(form):
            return r
    forms = [r.salt_form for r in of_drug]
    spellings = forms + [alias for alias, to in SALT_ALIASES.items() if to in forms]
    raise ParameterError("salt_form", form, f"a form of {of_drug[0].drug} in {WHERE} ({', '.join(forms)}){options}",
                         reason=f"is not on file for {of_drug[0].drug}{near_miss(form, spellings)}")
