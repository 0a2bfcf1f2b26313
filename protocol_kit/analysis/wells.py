"""Checks and groupings of per-well data joined to a plate layout (binding and uptake).

A well frame has one row per well (and read), the layout's ``role``, ``conc``, ``group``,
``label`` columns and a reading column. Wells without a reading (NaN) are dropped and
listed; negative counts, a missing role, or no reading at all raise :class:`AnalysisError`
naming what is missing.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import AnalysisError, ParameterError

ROLE_NAMES = {"total": "total-binding", "nsb": "nonspecific-binding (NSB)", "compound": "compound",
              "vehicle": "vehicle (0% inhibition)", "positive": "full-inhibition (reference inhibitor)",
              "blank": "blank"}


def reading_column(frame: pd.DataFrame, preferred: tuple[str, ...]) -> str:
    """The first of ``preferred`` the frame has."""
    for col in preferred:
        if col in frame.columns:
            return col
    raise AnalysisError(f"data: no reading column ({' or '.join(preferred)}); the data has "
                        f"{', '.join(map(str, frame.columns))}")


def prepare_wells(frame: pd.DataFrame, *, value: str, roles: tuple[str, ...], counts: bool,
                  what: str) -> tuple[pd.DataFrame, list[str]]:
    """The wells with a reading, as a copy with a float ``reading`` column and a text
    ``plate`` column, and the QC sentences about dropped wells. ``roles`` must each have at
    least one well with a reading (per plate); ``counts`` forbids negative readings."""
    need = {"well", "role", value}
    if not need <= set(frame.columns):
        missing = sorted(need - set(frame.columns))
        raise AnalysisError(f"data: no {', '.join(missing)} column; join the readings to the layout "
                            "(protocol_kit.io.join_layout) or pass a frame with well and a reading")
    df = frame.copy()
    df["reading"] = pd.to_numeric(df[value], errors="raise").astype(float)
    df["plate"] = df["plate"].astype(str) if "plate" in df.columns else "1"
    if counts:
        neg = df[df["reading"] < 0]
        if len(neg):
            r = neg.iloc[0]
            raise AnalysisError(f"{value} of well {r['well']}: {r['reading']:g} is negative ({len(neg)} such "
                                f"well(s)); {what} counts are >= 0")
    qc = []
    missing = df[df["reading"].isna()]
    if len(missing):
        names = ", ".join(missing["well"].astype(str).tolist()[:12]) + (" ..." if len(missing) > 12 else "")
        qc.append(f"missing_wells: {len(missing)} well(s) without a {value} value left out: {names}")
    df = df[df["reading"].notna()]
    if df.empty:
        raise AnalysisError(f"data: every {value} value is missing (NaN); nothing to analyse")
    for plate, part in df.groupby("plate", sort=False):
        for role in roles:
            if not (part["role"] == role).any():
                where = f" on plate {plate}" if df["plate"].nunique() > 1 else ""
                raise AnalysisError(f"data: no {ROLE_NAMES.get(role, role)} wells (role {role!r}) with a "
                                    f"{value} value{where}; they are needed to normalise the plate")
    return df, qc


def plate_controls(df: pd.DataFrame, high: str, low: str) -> pd.DataFrame:
    """Per plate: mean and SD of the ``high`` and ``low`` control wells, with their counts."""
    rows = []
    for plate, part in df.groupby("plate", sort=False):
        hi = part.loc[part["role"] == high, "reading"].to_numpy()
        lo = part.loc[part["role"] == low, "reading"].to_numpy()
        rows.append({"plate": plate, f"{high}_n": hi.size, f"{high}_mean": hi.mean(),
                     f"{high}_sd": hi.std(ddof=1) if hi.size > 1 else np.nan,
                     f"{low}_n": lo.size, f"{low}_mean": lo.mean(),
                     f"{low}_sd": lo.std(ddof=1) if lo.size > 1 else np.nan})
    return pd.DataFrame(rows)


def check_window(controls: pd.DataFrame, high: str, low: str) -> None:
    """Raise when a plate's high controls are not above its low controls (nothing to normalise to)."""
    bad = controls[controls[f"{high}_mean"] <= controls[f"{low}_mean"]]
    if len(bad):
        r = bad.iloc[0]
        raise AnalysisError(f"plate {r['plate']}: mean {high} {r[f'{high}_mean']:g} is not above mean {low} "
                            f"{r[f'{low}_mean']:g}; there is no specific signal to normalise to")


def relative_weights(readings, weighting: str | None):
    """Per-well weights for a fit on readings: 1/reading^2 for "relative" (the SD of a reading
    grows in proportion to it: pipetting, cell number), None for None (unweighted)."""
    if weighting is None:
        return None
    if weighting != "relative":
        raise ParameterError("weighting", weighting, '"relative" (1/reading^2) or None (unweighted)')
    r = np.asarray(readings, float)
    if np.any(r <= 0):
        raise AnalysisError(f"weighting 'relative': a well reads {r[r <= 0][0]:g}, so 1/reading^2 is undefined; "
                            "use weighting=None")
    return 1.0 / r**2


def normalise(df: pd.DataFrame, controls: pd.DataFrame, high: str, low: str, name: str, func) -> pd.DataFrame:
    """A copy of ``df`` with ``name`` = func(reading, vehicle=high mean, full=low mean), each
    plate normalised to its own controls (``controls`` from :func:`plate_controls`)."""
    by_plate = controls.set_index("plate")
    parts = [part.assign(**{name: func(part["reading"], vehicle=by_plate.loc[plate, f"{high}_mean"],
                                       full=by_plate.loc[plate, f"{low}_mean"])})
             for plate, part in df.groupby("plate", sort=False)]
    return pd.concat(parts)
