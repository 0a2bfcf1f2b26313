"""Which read of a plate-reader file an analysis uses: never several merged, never guessed.

A plate reader may measure each well several times in one file: at several wavelengths or
filter sets, in several modes, or as a kinetic time course. The tidy frame (see
:mod:`protocol_kit.io.tidy`) tells these apart by ``read`` (1, 2, ... within a plate),
``wavelength_nm`` (the older SoftMax column ``wavelength`` is read the same), ``excitation_nm``,
``mode`` and ``read_label``, and kinetic points by ``time_s``.

Rule: a *read* is one distinct combination of those columns. Kinetic time points are points
of one read, not reads: when every ``read`` number of a (plate, wavelength, ...) holds a
single time (readers that number the time points as reads), the time points are joined into
one kinetic read. An analysis takes exactly one read: :func:`one_read` picks it by ``read=``
(the number, or the file's label) and ``wavelength=`` (nm), and without a choice that leaves
one read it raises :class:`DataFormatError` listing what the file holds, with the options
that would choose. Kinetic data where the analysis takes one endpoint value per well (and
the reverse) is refused the same way.

A marker cell (``value`` NaN with ``text``, e.g. OVRFLW) in a planned well is refused by
:func:`check_markers`, naming the well and the marker, unless the well is excluded
(``exclude_wells=``): then it is kept as a well without a value, which the analysis lists.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataFormatError, Hint, ParameterError
from ..typed_numbers import NumberTextError, parse_number

DESCRIPTORS = ("wavelength_nm", "excitation_nm", "mode", "read_label")
WAVELENGTH_TOLERANCE_NM = 0.5  # files write 535 or 535.0; no two filters lie within 1 nm


def _esc(text: str) -> str:
    """``text`` as a literal part of an error template (see ProtocolKitError.hinted)."""
    return text.replace("{", "{{").replace("}", "}}")


def normalised(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the older column ``wavelength`` named ``wavelength_nm`` (as the shared
    schema names it), and wavelengths given as text (a long table's column) as numbers when
    every one is a number."""
    out = frame
    if "wavelength" in frame.columns and "wavelength_nm" not in frame.columns:
        out = frame.rename(columns={"wavelength": "wavelength_nm"})
    for col in ("wavelength_nm", "excitation_nm"):  # a long table's column may arrive as text
        if col in out.columns and not pd.api.types.is_numeric_dtype(out[col]):
            numbers = pd.to_numeric(out[col].replace("", np.nan), errors="coerce")
            if numbers.notna().sum() == out[col].replace("", np.nan).notna().sum():
                out = out.assign(**{col: numbers.astype("float64")})
    if out is not frame:
        out.attrs = dict(frame.attrs)
    return out


def _timed(frame: pd.DataFrame) -> bool:
    return "time_s" in frame.columns and bool(frame["time_s"].notna().any())


def read_key(frame: pd.DataFrame) -> list[str]:
    """The columns whose values tell one read from another (see the module docstring)."""
    desc = [c for c in DESCRIPTORS if c in frame.columns]
    if "read" not in frame.columns:
        return desc
    if _timed(frame):
        keys = ["plate", *desc] if "plate" in frame.columns else desc
        parts = frame.groupby(keys, dropna=False, sort=False) if keys else [((), frame)]
        # readers that number kinetic points as reads: every read number holds one time
        if all(part.groupby("read")["time_s"].nunique(dropna=False).max() <= 1 and part["read"].nunique() > 1
               for _, part in parts):
            return desc
    return ["read", *desc]


@dataclass(frozen=True)
class ReadInfo:
    """One read of a file: its number(s), wavelengths, mode, label, plates and time points."""

    key: tuple
    reads: tuple[int, ...]
    wavelength_nm: float
    excitation_nm: float
    mode: str
    label: str
    plates: tuple[str, ...]
    times: tuple[float, ...]

    @property
    def kinetic(self) -> bool:
        return len(self.times) > 1

    def describe(self) -> str:
        parts = [f"read {self.reads[0]}" if len(self.reads) == 1 else "one read"]
        if self.label:
            parts.append(repr(self.label))
        if np.isfinite(self.wavelength_nm):
            ex = f"ex {self.excitation_nm:g} / " if np.isfinite(self.excitation_nm) else ""
            parts.append(f"{ex}{self.wavelength_nm:g} nm")
        if self.mode:
            parts.append(self.mode)
        if self.kinetic:
            parts.append(f"kinetic, {len(self.times)} time points {self.times[0]:g}-{self.times[-1]:g} s")
        else:
            parts.append("endpoint")
        if len(self.plates) > 1:
            parts.append(f"{len(self.plates)} plates")
        elif self.plates:
            parts.append(f"plate {self.plates[0]}")
        return " ".join(parts[:1]) + (" (" + ", ".join(parts[1:]) + ")" if len(parts) > 1 else "")


def _first(part: pd.DataFrame, col: str, default):
    if col not in part.columns:
        return default
    values = part[col].dropna()
    return values.iloc[0] if len(values) else default


def describe_reads(frame: pd.DataFrame) -> list[ReadInfo]:
    """Every read of ``frame`` in file order (see :func:`read_key`)."""
    frame = normalised(frame)
    key = read_key(frame)
    parts = frame.groupby(key, dropna=False, sort=False) if key else [((), frame)]
    out = []
    for k, part in parts:
        times = sorted(set(part["time_s"].dropna())) if "time_s" in part.columns else []
        reads = tuple(sorted(int(r) for r in part["read"].unique())) if "read" in part.columns else ()
        plates = tuple(dict.fromkeys(map(str, part["plate"]))) if "plate" in part.columns else ()
        out.append(ReadInfo(key=k if isinstance(k, tuple) else (k,), reads=reads,
                            wavelength_nm=float(_first(part, "wavelength_nm", np.nan)),
                            excitation_nm=float(_first(part, "excitation_nm", np.nan)),
                            mode=str(_first(part, "mode", "")), label=str(_first(part, "read_label", "")),
                            plates=plates, times=tuple(float(t) for t in times)))
    return out


def holds(frame: pd.DataFrame) -> str:
    """What ``frame`` holds, in words: its reads (see :meth:`ReadInfo.describe`)."""
    reads = describe_reads(frame)
    return f"{len(reads)} read{'s' if len(reads) != 1 else ''}: " + "; ".join(r.describe() for r in reads)


def _wanted_read(read: object) -> int | str:
    if isinstance(read, (bool, np.bool_)):
        raise ParameterError("read", read, "a read number (1, 2, ...) or the read's label in the file")
    if isinstance(read, (int, np.integer)):
        return int(read)
    if isinstance(read, float) and read.is_integer():
        return int(read)
    if isinstance(read, str) and read.strip():
        return int(read.strip()) if read.strip().isdigit() else read.strip()
    raise ParameterError("read", read, "a read number (1, 2, ...) or the read's label in the file")


def _wanted_wavelength(wavelength: object) -> float:
    text = str(wavelength).strip()
    if text.lower().endswith("nm"):
        text = text[:-2].strip()
    try:
        value = float(wavelength) if isinstance(wavelength, (int, float, np.number)) else parse_number(text)
    except (NumberTextError, ValueError):
        raise ParameterError("wavelength", wavelength, "a wavelength in nm, e.g. 535") from None
    if not (np.isfinite(value) and value > 0) or isinstance(wavelength, bool):
        raise ParameterError("wavelength", wavelength, "a wavelength in nm > 0, e.g. 535")
    return value


def _matches_read(info: ReadInfo, want: int | str) -> bool:
    if isinstance(want, int):
        return want in info.reads
    return info.label.strip().lower() == want.lower()


def _choice_hints(reads: list[ReadInfo]) -> list[Hint]:
    """One option per read that picks it alone: its wavelength when that is unique, else its
    number, else its label."""
    hints = []
    for r in reads:
        same_wl = [o for o in reads if np.isfinite(r.wavelength_nm)
                   and abs(o.wavelength_nm - r.wavelength_nm) <= WAVELENGTH_TOLERANCE_NM]
        if len(same_wl) == 1:
            hints.append(Hint("wavelength", int(r.wavelength_nm) if r.wavelength_nm.is_integer() else r.wavelength_nm))
        elif len(r.reads) == 1 and sum(r.reads[0] in o.reads for o in reads) == 1:
            hints.append(Hint("read", r.reads[0]))
        elif r.label and sum(o.label == r.label for o in reads) == 1:
            hints.append(Hint("read", r.label))
    return hints


MAX_LISTED = 8  # reads listed by name in a message (a spectrum can hold hundreds)


def _listing(reads: list[ReadInfo]) -> str:
    shown = "; ".join(r.describe() for r in reads[:MAX_LISTED])
    return shown + (f"; and {len(reads) - MAX_LISTED} more" if len(reads) > MAX_LISTED else "")


def _choose(n_reads: int) -> str:
    return "choose one: " if n_reads <= MAX_LISTED else "choose one, for example: "


def _or(n: int) -> str:
    """'{0}', '{0} or {1}', '{0}, {1} or {2}', ... for ``n`` hints."""
    slots = [f"{{{i}}}" for i in range(n)]
    return slots[0] if n == 1 else ", ".join(slots[:-1]) + " or " + slots[-1]


def one_read(frame: pd.DataFrame, *, read: object = None, wavelength: object = None,
             expect: str = "endpoint", kinetic_hints: Sequence[Hint] = ()) -> pd.DataFrame:
    """The rows of the one read chosen by ``read`` / ``wavelength`` (either may be None), with
    the column ``wavelength`` named ``wavelength_nm``. ``expect``: 'endpoint' (one value per
    well), 'kinetic' (a time course per well) or 'either'. Raises :class:`DataFormatError`
    (with :class:`~protocol_kit.errors.Hint`s: the options that choose) when the choice
    leaves no read or several, or the read is not of the kind expected; ``kinetic_hints``
    are the options that convert a kinetic read for an endpoint analysis."""
    if expect not in ("endpoint", "kinetic", "either"):
        raise ParameterError("expect", expect, "'endpoint', 'kinetic' or 'either'")
    data = normalised(frame)
    name = _esc(str(frame.attrs.get("source", "data")))
    reads = describe_reads(data)
    chosen = reads
    asked = []
    if read is not None:
        want = _wanted_read(read)
        chosen = [r for r in chosen if _matches_read(r, want)]
        asked.append(f"read={want!r}")
    if wavelength is not None:
        nm = _wanted_wavelength(wavelength)
        chosen = [r for r in chosen if np.isfinite(r.wavelength_nm)
                  and abs(r.wavelength_nm - nm) <= WAVELENGTH_TOLERANCE_NM]
        asked.append(f"wavelength={nm:g}")
    listing = _esc(_listing(reads))
    if not chosen:
        hints = _choice_hints(reads)[:MAX_LISTED]
        raise DataFormatError.hinted(
            f"{name}: no read matches {_esc(', '.join(asked))}; the file holds {len(reads)} read(s): {listing}"
            + (f"; {_choose(len(reads))}{_or(len(hints))}" if hints else ""), hints)
    if len(chosen) > 1:
        hints = _choice_hints(chosen)[:MAX_LISTED]
        what = _esc(_listing(chosen))
        raise DataFormatError.hinted(
            f"{name}: holds {len(chosen)} reads{' matching ' + _esc(', '.join(asked)) if asked else ''}, and an "
            f"analysis uses one, never several merged: {what}; {_choose(len(chosen))}{_or(len(hints))}"
            if hints else
            f"{name}: holds {len(chosen)} reads that no option tells apart: {what}; export them to separate files",
            hints)
    info = chosen[0]
    if not info.kinetic:
        _untimed_repeats(data, info, str(frame.attrs.get("source", "data")))
    if info.kinetic and expect == "endpoint":
        hints = list(kinetic_hints)
        tail = (f"; to convert it, pass {_or(len(hints))}" if hints else
                "; this analysis has no conversion for kinetic data: export an endpoint read")
        raise DataFormatError.hinted(
            f"{name}: {_esc(info.describe())}: a kinetic read, but this analysis takes one endpoint value "
            f"per well, and the {len(info.times)} time points are never averaged"
            + tail, hints)
    if not info.kinetic and expect == "kinetic":
        raise DataFormatError(f"{frame.attrs.get('source', 'data')}: {info.describe()} is an endpoint read (one "
                              "value per well), but this analysis fits a kinetic time course per well; use "
                              "the endpoint readout for endpoint data")
    out = data[_rows_of(data, info)]
    out.attrs = dict(frame.attrs)
    return out


def _rows_of(data: pd.DataFrame, info: ReadInfo) -> pd.Series:
    """Which rows of ``data`` belong to the read ``info``."""
    keep = pd.Series(True, index=data.index)
    for col, value in zip(read_key(data), info.key):
        keep &= data[col].isna() if (isinstance(value, float) and np.isnan(value)) else data[col] == value
    return keep


def _untimed_repeats(data: pd.DataFrame, info: ReadInfo, name: str) -> None:
    """Refuse an untimed read holding several values of one well: nothing says which is which."""
    rows = data[_rows_of(data, info)]
    at = [c for c in ("plate", "well") if c in rows.columns]
    if "well" not in at:
        return
    counts = rows.groupby(at, sort=False).size()
    if counts.max() > 1:
        where = counts[counts > 1].index[0]
        well = where if isinstance(where, str) else " of plate ".join(map(str, reversed(where)))
        raise DataFormatError(f"{name}: well {well} has {counts.max()} values in {info.describe()} and no time "
                              "or read number to tell them apart; export each read with its time (a kinetic "
                              "read) or as separate reads, as they are never merged")


def exclusion(exclude_wells: object) -> dict[str, str]:
    """``exclude_wells`` as {well: reason}: a list of wells, a text 'C4, D5', or a dict of
    well -> reason (None: nothing excluded). A well is excluded on every plate."""
    if exclude_wells is None:
        return {}
    if isinstance(exclude_wells, dict):
        items = {str(k).strip().upper(): str(v) for k, v in exclude_wells.items()}
    elif isinstance(exclude_wells, str):
        items = {w.strip().upper(): "" for w in exclude_wells.replace(";", ",").split(",") if w.strip()}
    elif isinstance(exclude_wells, (list, tuple, set)):
        items = {str(w).strip().upper(): "" for w in exclude_wells}
    else:
        raise ParameterError("exclude_wells", exclude_wells, "a list of wells, e.g. ['C4', 'D5'], or a text 'C4, D5'")
    return items


def check_markers(joined: pd.DataFrame, planned: Sequence[str], exclude_wells: object = None) -> pd.DataFrame:
    """``joined`` (readings joined to the plan) with the excluded wells' values set to NaN
    (so the analysis lists them as wells without a value); a planned well whose cell holds an
    instrument marker instead of a number (``value`` NaN, ``text`` set) and is not excluded
    raises :class:`DataFormatError` naming the well and the marker."""
    excluded = exclusion(exclude_wells)
    planned = [str(w) for w in planned]
    unknown = [w for w in excluded if w not in planned]
    if unknown:
        raise ParameterError("exclude_wells", unknown[0] if len(unknown) == 1 else unknown,
                             f"wells of the plan ({planned[0]}-{planned[-1]})" if planned else "wells of the plan",
                             reason="is not a well of the plan" if len(unknown) == 1 else "are not wells of the plan")
    out = joined
    if excluded and "value" in out.columns:
        out = out.copy()
        out.loc[out["well"].astype(str).str.upper().isin(excluded), "value"] = np.nan
        out.attrs = dict(joined.attrs)
    if "text" not in out.columns or "value" not in out.columns:
        return out
    marked = out[out["value"].isna() & out["text"].fillna("").astype(str).str.strip().ne("")
                 & ~out["well"].astype(str).str.upper().isin(excluded)]
    if len(marked):
        name = _esc(str(joined.attrs.get("source", "data")))
        wells = list(dict.fromkeys(marked["well"].astype(str)))
        first = marked.iloc[0]
        line = f" line {int(first['line'])}:" if "line" in marked.columns and pd.notna(first["line"]) else ""
        others = f" ({len(wells)} wells hold markers: {', '.join(wells)})" if len(wells) > 1 else ""
        hint = Hint("exclude_wells", ",".join(wells))
        raise DataFormatError.hinted(
            f"{name}:{line} well {_esc(str(first['well']))} holds {_esc(repr(str(first['text'])))}, an instrument "
            f"marker, not a reading{_esc(others)}; a planned well is never left out silently: re-read the plate, "
            "or pass {0} to analyse without it", [hint])
    return out
