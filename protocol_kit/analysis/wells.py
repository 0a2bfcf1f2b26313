"""Checks and groupings of per-well data joined to a plate layout (binding and uptake).

A well frame has one row per well (and read), the layout's ``role``, ``conc``, ``group``,
``label`` columns and a reading column. Wells without a reading (NaN) are dropped and
listed; negative counts, a missing role, or no reading at all raise :class:`AnalysisError`
naming what is missing.
"""
from __future__ import annotations

from dataclasses import dataclass

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


def check_weighting(weighting) -> None:
    """``weighting`` must be "relative" or None."""
    if weighting not in (None, "relative"):
        raise ParameterError("weighting", weighting,
                             '"relative" (1/reading^2 of the reading the fitted curve predicts) or None (unweighted)')


@dataclass(frozen=True)
class FittedReadingWeights:
    """Relative weights by the fitted curve for a fit on % of control: well i's expected
    reading is low_i + span_i f_i / 100 (its plate's control means, low and high - low; f_i the
    fitted % of control) and its weight 1 / expected^2, since the SD of a reading grows in
    proportion to the reading it should give (pipetting, cell number, and counts). Called by
    the fit with the fitted values and the wells' rows (see :func:`.reweight.weigher`); an
    expected reading <= 0 gives NaN, which the fit refuses."""

    low: np.ndarray
    span: np.ndarray
    description = "relative: 1/reading^2 of the reading the fitted curve predicts for each well (plate controls)"

    def __call__(self, fitted, rows):
        expected = self.low[rows] + self.span[rows] * np.asarray(fitted, float) / 100.0
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(expected > 0, 1.0 / expected**2, np.nan)


def relative_weights(wells: pd.DataFrame, controls: pd.DataFrame, high: str, low: str, weighting: str | None):
    """The weights of a curve fitted to % of control = 100 (reading - low) / (high - low) of
    ``wells``: :class:`FittedReadingWeights` from each plate's control means for "relative",
    None for None (unweighted)."""
    check_weighting(weighting)
    if weighting is None:
        return None
    by_plate = controls.set_index("plate")
    lo = wells["plate"].map(by_plate[f"{low}_mean"]).to_numpy(float)
    hi = wells["plate"].map(by_plate[f"{high}_mean"]).to_numpy(float)
    return FittedReadingWeights(lo, hi - lo)


def normalise(df: pd.DataFrame, controls: pd.DataFrame, high: str, low: str, name: str, func) -> pd.DataFrame:
    """A copy of ``df`` with ``name`` = func(reading, vehicle=high mean, full=low mean), each
    plate normalised to its own controls (``controls`` from :func:`plate_controls`)."""
    by_plate = controls.set_index("plate")
    parts = [part.assign(**{name: func(part["reading"], vehicle=by_plate.loc[plate, f"{high}_mean"],
                                       full=by_plate.loc[plate, f"{low}_mean"])})
             for plate, part in df.groupby("plate", sort=False)]
    return pd.concat(parts)
