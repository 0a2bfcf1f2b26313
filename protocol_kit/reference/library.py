"""The reference library: Ki entries from the shipped file and the user's own files.

:meth:`Library.ki` combines the entries of one drug at one target into a :class:`KiRecord`:
its range (or bound) from the entry that gives one, its point value from the entry that gives
one; the two may come from different sources and species (sertraline at SERT: 0.2-2.1 nM across
studies, seed 004, and 0.29 nM in human, seed 000), and the record says so.

When several entries give the same part, the choice is made by a stated rule, never by guessing:
1. a file added later wins (a user's file overrides the shipped library);
2. within that file, the entry without a species (a summary across studies) wins over
   species-specific ones;
3. if that still leaves more than one, the call asks for ``species=``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pint

from ..errors import ParameterError, UnknownNameError
from ..units import Q_
from .names import canonical_target, name_key
from .reading import KiEntry, read_reference_file


@dataclass(frozen=True)
class KiRecord:
    """The reference Ki of one drug at one target (concentrations in nM, None when absent).

    ``low``/``high`` are a range across studies, or with ``qualifier`` ``>``/``<`` a bound;
    ``value`` a single reported Ki. ``species`` and ``source`` name where each part comes from;
    ``entries`` are the file rows used.
    """

    drug: str
    target: str
    low: pint.Quantity | None
    high: pint.Quantity | None
    value: pint.Quantity | None
    qualifier: str
    species: str
    source: str
    entries: tuple[KiEntry, ...]

    @property
    def estimate(self) -> pint.Quantity | None:
        """One Ki for planning: the point value if given, else the geometric mean of the range
        (sqrt(low x high), the middle of the range on the log scale); None for a bound."""
        if self.value is not None:
            return self.value
        if self.low is not None and self.high is not None:
            return Q_(math.sqrt(self.low.to("nM").magnitude * self.high.to("nM").magnitude), "nM")
        return None

    @property
    def estimate_molar(self) -> float | None:
        """:attr:`estimate` as a plain float in mol/L (None for a bound)."""
        return None if self.estimate is None else float(self.estimate.to("M").magnitude)

    @property
    def estimate_text(self) -> str:
        """How :attr:`estimate` was obtained, e.g. "point value 0.29 nM (human; seed 000 ...)"."""
        if self.value is not None:
            e = next(x for x in self.entries if x.value is not None)
            return f"point value {self.value.magnitude:g} nM ({e.species_text}; {e.source})"
        e = next(x for x in self.entries if x.has_range)
        if self.estimate is not None:
            return (f"geometric mean {self.estimate.magnitude:.3g} nM of the range {e.range_text} "
                    f"({e.species_text}; {e.source})")
        return f"{e.range_text} ({e.species_text}; {e.source})"

    def __str__(self) -> str:
        parts = [f"{e.range_text} ({e.species_text}; {e.source})" for e in self.entries if e.has_range]
        parts += [f"{e.value.magnitude:g} nM ({e.species_text}; {e.source})" for e in self.entries
                  if e.value is not None and e.value == self.value]
        return f"{self.drug} at {self.target}: Ki {'; '.join(parts)}"


class Library:
    """Reference Ki entries from one or more files (see :mod:`protocol_kit.reference.reading`)."""

    def __init__(self, entries: tuple[KiEntry, ...] = (), files: tuple[str, ...] = ()):
        self._entries = tuple(entries)
        self.files = tuple(files)

    def with_file(self, path: str | Path, *, label: str | None = None) -> Library:
        """A new library with the entries of ``path`` added (this one is unchanged); the new
        file's entries take precedence over earlier files' for the same drug and target."""
        added = read_reference_file(path, rank=len(self.files), label=label)
        return Library(self._entries + added, self.files + (label or str(path),))

    # -- names ------------------------------------------------------------------------------
    def drugs(self) -> list[str]:
        """Drug names as first written in the files, in file order."""
        names: dict[str, str] = {}
        for e in self._entries:
            names.setdefault(name_key(e.drug), e.drug)
        return list(names.values())

    def targets(self, drug: str | None = None) -> list[str]:
        """Canonical target names (of ``drug`` only, if given), in file order."""
        rows = self.entries(drug) if drug is not None else self._entries
        return list(dict.fromkeys(e.target for e in rows))

    def _drug_key(self, drug: str) -> str:
        key = name_key(drug)
        if not any(name_key(e.drug) == key for e in self._entries):
            raise UnknownNameError("drug", drug, self.drugs())
        return key

    def _target_key(self, target: str) -> str:
        key = name_key(canonical_target(target))
        if not any(name_key(e.target) == key for e in self._entries):
            raise UnknownNameError("target", target, self.targets())
        return key

    # -- look-ups -----------------------------------------------------------------------------
    def entries(self, drug: str | None = None, target: str | None = None) -> list[KiEntry]:
        """The file rows, optionally of one drug and/or target (unknown names raise)."""
        rows = list(self._entries)
        if drug is not None:
            dk = self._drug_key(drug)
            rows = [e for e in rows if name_key(e.drug) == dk]
        if target is not None:
            tk = self._target_key(target)
            rows = [e for e in rows if name_key(e.target) == tk]
        return rows

    def ki(self, drug: str, target: str, *, species: str | None = None) -> KiRecord:
        """The Ki of ``drug`` at ``target`` (names case-insensitive; target aliases such as
        "5-HTT" for SERT). ``species`` keeps only entries of that species."""
        rows = self.entries(drug, target)
        if not rows:
            raise UnknownNameError(f"target for {self.entries(drug)[0].drug}", target, self.targets(drug))
        if species is not None:
            known = sorted({e.species for e in rows if e.species})
            rows = [e for e in rows if (e.species or "").lower() == species.strip().lower()]
            if not rows:
                raise UnknownNameError(f"species for {drug} at {target}", species, known)
        ranged = _choose([e for e in rows if e.has_range], drug, target, "range")
        valued = _choose([e for e in rows if e.value is not None], drug, target, "value")
        used = tuple(dict.fromkeys(e for e in (ranged, valued) if e is not None))
        if len(used) == 1:
            species_text, source = used[0].species_text, used[0].source
        else:
            species_text = f"{valued.species_text} (value); {ranged.species_text} (range)"
            source = f"{valued.source} (value); {ranged.source} (range)"
        return KiRecord(drug=used[0].drug, target=used[0].target,
                        low=ranged.low if ranged else None, high=ranged.high if ranged else None,
                        value=valued.value if valued else None, qualifier=ranged.qualifier if ranged else "",
                        species=species_text, source=source, entries=used)

    def find(self, drug: str, target: str, *, species: str | None = None) -> KiRecord | None:
        """:meth:`ki`, or None when the library has no such drug, target or species (an
        ambiguous species still raises)."""
        try:
            return self.ki(drug, target, species=species)
        except UnknownNameError:
            return None

    def table(self) -> pd.DataFrame:
        """Every entry: drug, target, low_nM, high_nM, value_nM, qualifier, species, source, note,
        file, line (NaN where a row has no such number)."""
        def nm(q):
            return float(q.to("nM").magnitude) if q is not None else math.nan

        return pd.DataFrame(
            [{"drug": e.drug, "target": e.target, "low_nM": nm(e.low), "high_nM": nm(e.high),
              "value_nM": nm(e.value), "qualifier": e.qualifier, "species": e.species or "",
              "source": e.source, "note": e.note, "file": e.file, "line": e.line} for e in self._entries],
            columns=["drug", "target", "low_nM", "high_nM", "value_nM", "qualifier", "species", "source",
                     "note", "file", "line"])

    def __repr__(self) -> str:
        return f"Library({len(self._entries)} entries from {', '.join(self.files) or 'no files'})"


def _choose(rows: list[KiEntry], drug: str, target: str, part: str) -> KiEntry | None:
    """The entry giving ``part`` by the rule in the module docstring."""
    if len(rows) <= 1:
        return rows[0] if rows else None
    latest = max(e.rank for e in rows)
    rows = [e for e in rows if e.rank == latest]
    if len(rows) > 1:
        rows = [e for e in rows if e.species is None] or rows
    if len(rows) > 1:
        species = ", ".join(sorted(e.species_text for e in rows))
        raise ParameterError("species", None, f"one of {species}",
                             reason=f"must be given: {drug} at {target} has a {part} for several species")
    return rows[0]
