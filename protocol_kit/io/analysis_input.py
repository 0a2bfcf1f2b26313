"""From an instrument file's tidy frame to what ``protocol.analyse`` reads.

Plate protocols (a layout) take the frame joined to the layout (:func:`protocol_kit.io.join_layout`,
which names every mismatched well). Microdialysis takes the HPLC results table as it is, with
the standards told apart from the samples: chromatography software marks each injection's type
in a column ('Type', 'Sample Type', 'Injection Type') as 'Standard' (or 'Calibration',
'Cal', 'Std') or 'Unknown'/'Sample'; a standard's nominal concentration is in its amount
column (``concentration``), and becomes ``standard_conc``. A 'Group' (or 'Treatment') column
names each animal's group. The samples are then joined to the plan's fraction schedule
(:func:`join_schedule`; the standards, which belong to no fraction, are split off first).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pandas as pd

from ..errors import DataFormatError
from .join import join_layout
from .table import names
from .tidy import norm

if TYPE_CHECKING:
    from ..core.protocol import Protocol

TYPE_HEADERS = names("type", "sample type", "injection type")
STANDARD_TYPES = ("standard", "std", "calibration", "cal", "calibrant")
GROUP_HEADERS = names("group", "treatment")


def _column(frame: pd.DataFrame, match: Callable[[str], bool]) -> str | None:
    """The first column whose header ``match`` accepts (headers compared as :func:`norm` gives them)."""
    return next((c for c in frame.columns if match(norm(str(c)))), None)


def hplc_for_analysis(frame: pd.DataFrame) -> pd.DataFrame:
    """An HPLC results frame (:func:`protocol_kit.io.read_hplc`) with ``standard_conc`` for the
    standards and ``group`` for the samples; a frame that already has ``standard_conc``, or has
    no type column, is returned unchanged."""
    if "standard_conc" in frame.columns:
        return frame
    kind = _column(frame, TYPE_HEADERS)
    out = frame.copy()
    if "concentration" in out.columns:
        out["concentration"] = out["concentration"] * _to_nanomolar(frame)
    group = _column(frame, GROUP_HEADERS)
    if group is not None and group != "group":
        out = out.rename(columns={group: "group"})
    if kind is None:
        return out
    source = frame.attrs.get("source", "data")
    is_std = out[kind].map(lambda t: norm(str(t)) in STANDARD_TYPES)
    out = out.drop(columns=[kind])
    if not is_std.any():
        return out
    if "concentration" not in out.columns:
        raise DataFormatError(f"{source}: {int(is_std.sum())} standard injection(s) but no amount column "
                              "('Amount', 'Conc.') giving their nominal concentration")
    out["standard_conc"] = out["concentration"].where(is_std)
    missing = out[is_std & out["standard_conc"].isna()]
    if len(missing):
        row = missing.iloc[0]
        raise DataFormatError(f"{source} line {row.get('line', '?')}: standard {row['sample']!r} has no "
                              "amount; expected its nominal concentration")
    out = out.drop(columns=["concentration"])  # samples are read against the standard curve
    if "animal" in out.columns:
        out.loc[is_std, "animal"] = ""
    out.attrs = dict(frame.attrs)
    return out


def _to_nanomolar(frame: pd.DataFrame) -> float:
    """The factor from the amount column's unit, as its header names it ('Amount [µM]'), to the
    nM the analysis takes (1 when the header names none, as before); a unit that is not a
    molar concentration (pg/µL needs a molar mass) is refused, naming the file and header."""
    import pint

    from ..units import Q_
    from .reading_units import header_unit

    header = frame.attrs.get("columns", {}).get("concentration")
    named = header_unit(header)
    if named is None:
        return 1.0
    try:
        return float(Q_(1.0, named.replace("·", "*")).to("nM").magnitude)
    except (pint.errors.PintError, ValueError, AttributeError):
        raise DataFormatError(f"{frame.attrs.get('source', 'data')}: the amount column {header!r} is in {named}; "
                              "the analysis reads amounts as molar concentrations (e.g. nM, µM); export them "
                              "in a molar unit") from None


def analysis_frame(protocol: Protocol, frame: pd.DataFrame, *, extra_wells: str = "error", read: object = None,
                   wavelength: object = None, exclude_wells: object = None,
                   warnings: list[str] | None = None) -> pd.DataFrame:
    """``frame`` (as a reader returns it) ready for ``protocol.analyse``: a plate's readings
    narrowed to one read and joined to the layout (kinetic or endpoint, as the file has it:
    the analysis decides what it takes), an HPLC table with its standards told apart."""
    if protocol.plan_kind == "layout":
        return protocol._joined(frame, warnings, read=read, wavelength=wavelength, expect="either",
                                exclude_wells=exclude_wells, extra_wells=extra_wells)
    return join_schedule(hplc_for_analysis(frame), protocol.schedule, extra_wells=extra_wells, warnings=warnings)


def join_schedule(frame: pd.DataFrame, schedule: pd.DataFrame, *, extra_wells: str = "error",
                  warnings: list[str] | None = None) -> pd.DataFrame:
    """An HPLC frame (:func:`hplc_for_analysis`) with its samples joined to the fraction
    ``schedule`` (phase, times, label of each fraction), after its standards (rows with a
    ``standard_conc``, which belong to no fraction), which stay unjoined. A fraction
    without a sample is no error (a lost sample), as in the analysis; a sample of a fraction
    not in the schedule is, unless ``extra_wells='ignore'``."""
    is_std = frame["standard_conc"].notna() if "standard_conc" in frame.columns else None
    if is_std is None or not is_std.any():
        return join_layout(frame, schedule, missing="ignore", extra_wells=extra_wells, warnings=warnings)
    samples = join_layout(frame[~is_std], schedule, missing="ignore", extra_wells=extra_wells, warnings=warnings)
    out = pd.concat([frame[is_std], samples], ignore_index=True)
    out.attrs = dict(frame.attrs)
    return out


def file_options() -> list[str]:
    """Options that say how a file is read (not how it is analysed): ``format`` and every
    reader's own (:func:`protocol_kit.io.reader_options`)."""
    from . import reader_options

    return ["format", *reader_options()]


def analyse_options(protocol: Protocol) -> list[str]:
    """The keyword options ``protocol.analyse`` takes."""
    import inspect

    return [n for n, prm in inspect.signature(protocol.analyse).parameters.items()
            if n != "data" and prm.kind in (prm.KEYWORD_ONLY, prm.POSITIONAL_OR_KEYWORD)]


def split_options(protocol: Protocol, options: dict) -> tuple[dict, dict]:
    """``options`` as (how to read the file, how to analyse it): the file options
    (:func:`file_options`) and those of ``protocol.analyse`` that also choose what is read
    (``extra_wells``, ``read``, ``wavelength``, ``exclude_wells``) go to
    :func:`protocol_kit.io.read_for_analysis`; every option but the file options goes to the
    analysis. An option neither takes is refused, naming those that exist."""
    check_options(protocol, options)
    files = file_options()
    reading = {k: v for k, v in options.items() if k in files or k in READ_CHOICES}
    analysis = {k: v for k, v in options.items() if k not in files}
    return reading, analysis


READ_CHOICES = ("extra_wells", "read", "wavelength", "exclude_wells")


def check_options(protocol: Protocol, options: dict) -> None:
    """Refuse an option neither the reading of a file nor ``protocol.analyse`` takes, naming
    the ones they do."""
    from ..errors import UnknownNameError

    allowed = [*file_options(), *analyse_options(protocol)]
    for name in options:
        if name not in allowed:
            raise UnknownNameError(f"analysis option of {protocol.id}", name, allowed)
