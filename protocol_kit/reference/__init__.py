"""Reference pharmacology: published Ki values of antidepressants, each with its source.

The shipped library is a data file, ``protocol_kit/reference/data/antidepressants.csv``: six
antidepressants at SERT, NET and DAT and at muscarinic, H1 and alpha-1 receptors (seed 004,
Tables 1 and 2), and sertraline's human point values and rat sigma-1 range (seed 000). The assay systems
(radioligand or substrate, Kd or Km, membranes, cells or synaptosomes, control drug per target)
are a second file, read by :mod:`protocol_kit.reference.systems`. Users add
their own files of the same format (:mod:`protocol_kit.reference.reading`) with :func:`add_file`.

>>> import protocol_kit.reference as ref
>>> r = ref.ki("sertraline", "SERT")
>>> r.low, r.high, r.value          # 0.2 nM, 2.1 nM, 0.29 nM
>>> ref.table()                      # every entry, one row each
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .data_file import read_shipped
from .library import KiRecord, Library
from .names import TARGET_ALIASES, canonical_target
from .reading import COLUMNS, KiEntry, read_reference_file

__all__ = ["KiEntry", "KiRecord", "Library", "TARGET_ALIASES", "COLUMNS", "add_file", "canonical_target",
           "drugs", "entries", "find", "ki", "library", "load", "read_reference_file", "reset", "shipped", "table",
           "targets"]

SHIPPED_FILE = "antidepressants.csv"
_shipped: Library | None = None
_current: Library | None = None


def shipped() -> Library:
    """The library shipped with protocol_kit (read once)."""
    global _shipped
    if _shipped is None:
        _shipped = read_shipped(SHIPPED_FILE, Library().with_file)
    return _shipped


def library() -> Library:
    """The library in use: the shipped one plus the files added with :func:`add_file`."""
    return _current if _current is not None else shipped()


def load(path: str | Path, *, with_shipped: bool = True) -> Library:
    """A library from the file at ``path`` (on top of the shipped one unless ``with_shipped``
    is false); the library in use is unchanged."""
    return (shipped() if with_shipped else Library()).with_file(path)


def add_file(path: str | Path) -> Library:
    """Add the reference file at ``path`` to the library in use (its entries take precedence
    over earlier ones for the same drug and target); returns the library now in use."""
    global _current
    _current = library().with_file(path)
    return _current


def reset() -> Library:
    """Drop the added files: the library in use is the shipped one again."""
    global _current
    _current = None
    return library()


def ki(drug: str, target: str, *, species: str | None = None) -> KiRecord:
    """The reference Ki of ``drug`` at ``target`` (see :meth:`Library.ki`)."""
    return library().ki(drug, target, species=species)


def find(drug: str, target: str, *, species: str | None = None) -> KiRecord | None:
    """The reference Ki of ``drug`` at ``target``, or None when the library has none (see :meth:`Library.find`)."""
    return library().find(drug, target, species=species)


def entries(drug: str | None = None, target: str | None = None) -> list[KiEntry]:
    """The entries of the library in use, optionally of one drug and/or target."""
    return library().entries(drug, target)


def table() -> pd.DataFrame:
    """Every entry of the library in use, one row each (see :meth:`Library.table`)."""
    return library().table()


def drugs() -> list[str]:
    return library().drugs()


def targets(drug: str | None = None) -> list[str]:
    return library().targets(drug)
