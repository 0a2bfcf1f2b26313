"""Reuptake inhibition: % inhibition, IC50, Ki with [S]/Km, and the plate's Z' and S/B.

Per plate, vehicle wells (0% inhibition) and wells with a saturating reference inhibitor
(100%, nonspecific uptake) normalise every well: % inhibition = 100 (1 - (signal - full) /
(vehicle - full)) (:mod:`.controls`). The curve is fitted on % of control (100 - % inhibition,
vehicle wells at concentration 0) as in :mod:`.assay_curves`, Ki = IC50 / (1 + [S]/Km)
(Cheng & Prusoff 1973, for a substrate competing with the inhibitor).

Kinetic fluorescence reads are first reduced to one initial rate per well (:func:`initial_rate`:
the least-squares slope, scipy.stats.linregress, over the early linear part). The window is
the same for every well: from the first read to the last read at which the slope of the
mean vehicle trace from the start is still within 10% of its slope over the first three
reads (uptake slows as the substrate is used and the signal saturates), or ``rate_window``
(seconds) when given.

Plate quality per plate: Z' = 1 - 3 (SD_vehicle + SD_full) / |mean_vehicle - mean_full| and
S/B = mean vehicle / mean full-inhibition signal (total over nonspecific uptake); with blank
(no-cell) wells, also vehicle / blank. QC flags: ``low_z_prime`` (Z' < 0.5), ``constant_controls``
(a plate's vehicle or full-inhibition wells all read one value, :mod:`.controls`), ``small_window``
(S/B < 2), ``replicate_cv`` (> 20%), ``missing_wells``, and the curve's flags.
Weighting: relative by default, as for binding counts (:mod:`.assay_binding`): 1/reading^2 of
the reading the fitted curve predicts for each well, iterated (:class:`.wells.FittedReadingWeights`).
Over 40 simulated plates per readout (scintillation, fluorescence endpoint and kinetic) the
Cheng-Prusoff Ki CI missed the truth 2, 0 and 0 times with it (0, 0, 0 weighting by the
observed readings; 3, 1, 0 unweighted), the direct Ki fit's 0, 1 and 1 times (the same by the
observed readings).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import linregress

from ..errors import AnalysisError, ParameterError
from ..units import format_molar
from .assay_curves import InhibitionResult, curve_fields, inhibition_curve
from .assay_results import flag_replicates, molar_ci_text, replicate_stats
from .controls import CONSTANT, constant_wells, percent_inhibition, signal_to_background, z_prime
from .inputs import UptakeInputs
from .wells import check_window, normalise, plate_controls, prepare_wells, reading_column, relative_weights

Z_MIN, SB_MIN, CV_MAX_PCT, LINEAR_TOLERANCE = 0.5, 2.0, 20.0, 0.10


def initial_rate(time, signal, *, window=None) -> float:
    """Least-squares slope of signal against time over ``window`` = (start, end) in the
    time's unit (default: all points); at least 3 points, no NaN."""
    t, y = np.asarray(time, float), np.asarray(signal, float)
    keep = np.ones(t.size, bool) if window is None else (t >= window[0]) & (t <= window[1])
    if np.isnan(y[keep]).any() or np.isnan(t[keep]).any():
        raise ParameterError("signal", "NaN", "a reading at every time of the rate window")
    if keep.sum() < 3:
        raise AnalysisError(f"initial rate: {int(keep.sum())} read(s) in the window {window}; at least 3 needed")
    return float(linregress(t[keep], y[keep]).slope)


def linear_window(time, mean_signal) -> tuple[float, float]:
    """The early linear part (see the module docstring): (first time, last time)."""
    t, y = np.asarray(time, float), np.asarray(mean_signal, float)
    if t.size < 3:
        raise AnalysisError(f"kinetic read: {t.size} time point(s); at least 3 are needed for a rate")
    first = linregress(t[:3], y[:3]).slope
    if not first > 0:
        raise AnalysisError(f"kinetic read: the vehicle wells' signal does not rise over the first three reads "
                            f"(slope {first:g}); no uptake to measure")
    k = 3
    while k < t.size and linregress(t[:k + 1], y[:k + 1]).slope >= (1 - LINEAR_TOLERANCE) * first:
        k += 1
    return float(t[0]), float(t[k - 1])


def window_choice(rate_window) -> tuple[float, float] | None:
    """``rate_window`` as (start, end) seconds: a pair of numbers, or a text 'START-END' as
    the command line and the form give it; None stays None."""
    if rate_window is None:
        return None
    allowed = "(start, end) in seconds with start < end, e.g. (0, 300) or '0-300'"
    try:
        if isinstance(rate_window, str):
            from ..typed_numbers import parse_number

            start, sep, end = rate_window.strip().partition("-")
            if not sep:
                raise ValueError
            pair = (parse_number(start), parse_number(end))
        else:
            pair = tuple(float(x) for x in rate_window)
    except (TypeError, ValueError):
        raise ParameterError("rate_window", rate_window, allowed) from None
    if len(pair) != 2 or not (np.isfinite(pair).all() and 0 <= pair[0] < pair[1]):
        raise ParameterError("rate_window", rate_window, allowed)
    return pair


def kinetic_rates(df: pd.DataFrame, rate_window=None) -> tuple[pd.DataFrame, tuple[float, float]]:
    """One row per (plate, well) with ``reading`` = initial rate (signal per minute)."""
    if "time_s" not in df.columns:
        raise AnalysisError("data: a kinetic read needs a time_s column (seconds from the substrate addition)")
    veh = df[df["role"] == "vehicle"].groupby("time_s")["reading"].mean().sort_index()
    window = window_choice(rate_window) or linear_window(veh.index, veh.to_numpy())
    rows = []
    for (plate, well), part in df.groupby(["plate", "well"], sort=False):
        part = part.sort_values("time_s")
        rate = initial_rate(part["time_s"] / 60.0, part["reading"], window=(window[0] / 60, window[1] / 60))
        first = part.iloc[0].drop(labels=[c for c in ("reading", "time_s", "read", "line", "value", "cpm", "temperature")
                                          if c in part])
        rows.append({**first.to_dict(), "reading": rate, "n_reads": len(part)})
    return pd.DataFrame(rows), window


KINETIC_CHOICES = "'rate' (initial rate per well), 'last' (each well's last time point) or a time in seconds"


def kinetic_endpoint(df: pd.DataFrame, when) -> tuple[pd.DataFrame, str]:
    """One row per (plate, well) from a kinetic read: the value at time ``when`` (seconds, a
    time of the read) or at each well's last time ('last'); and a sentence saying so."""
    if "time_s" not in df.columns or not df["time_s"].notna().any():
        raise AnalysisError("data: kinetic= takes a time point of a kinetic read, but the data has no time_s")
    times = sorted(set(df["time_s"].dropna()))
    if isinstance(when, str) and when == "last":
        idx = df.sort_values("time_s").groupby(["plate", "well"], sort=False).tail(1).index
        out = df.loc[idx].sort_index()
        at = sorted(set(out["time_s"]))
        said = f"{at[0]:g} s" if len(at) == 1 else f"{at[0]:g}-{at[-1]:g} s"
        return out, (f"kinetic read ({len(times)} time points, {times[0]:g}-{times[-1]:g} s): each well's last "
                     f"time point ({said}) used as its endpoint value, as asked (kinetic='last')")
    t = float(when)
    match = [x for x in times if abs(x - t) <= 0.5]
    if not match:
        raise ParameterError("kinetic", when, f"{KINETIC_CHOICES}; the read's times are "
                             f"{', '.join(f'{x:g}' for x in times)} s", reason="is not a time of the kinetic read")
    out = df[np.isclose(df["time_s"], match[0])]
    return out, (f"kinetic read ({len(times)} time points, {times[0]:g}-{times[-1]:g} s): the value at "
                 f"{match[0]:g} s used as each well's endpoint value, as asked (kinetic={when!r})")


def kinetic_choice(kinetic) -> object:
    """``kinetic`` checked: None, 'rate', 'last' or a time in seconds (a number, or a text
    that is one, as a form or the command line gives it)."""
    if kinetic is None or (isinstance(kinetic, str) and kinetic.strip().lower() in ("rate", "last")):
        return kinetic.strip().lower() if isinstance(kinetic, str) else None
    from ..typed_numbers import NumberTextError, parse_number

    try:
        t = parse_number(kinetic) if isinstance(kinetic, str) else float(kinetic)
    except (NumberTextError, TypeError, ValueError):
        raise ParameterError("kinetic", kinetic, KINETIC_CHOICES) from None
    if isinstance(kinetic, bool) or not (np.isfinite(t) and t >= 0):
        raise ParameterError("kinetic", kinetic, KINETIC_CHOICES)
    return t


@dataclass(frozen=True)
class UptakeResult(InhibitionResult):
    """Reuptake inhibition (immutable). Concentrations molar, 95% CIs. ``z_prime`` and
    ``signal_to_background`` are the worst plate's. Tables: ``concentrations`` (main),
    ``wells`` (kinetic: one rate per well), ``plates``."""

    compound: str
    transporter: str
    readout: str
    substrate_conc: float
    km: float
    z_prime: float
    signal_to_background: float
    rate_window_s: tuple[float, float] | None
    n_wells: int
    n_missing: int
    inputs: UptakeInputs
    conversion: str = ""  # how a kinetic read was made one value per well when the user asked

    main_table = "concentrations"
    headline = ("compound", "transporter", "readout", "ic50_text", "ic50_ci", "hill", "ki", "ki_ci", "ki_direct",
                "ki_direct_ci", "z_prime", "signal_to_background", "rate_window_s", "flags")

    def summary(self) -> str:
        ki = format_molar(self.ki) if np.isfinite(self.ki) else self.ki_fit.ki_text
        return (f"{self.compound} on {self.transporter} uptake ({self.readout}): IC50 {self.ic50_text}"
                f"{molar_ci_text(self.ic50_ci)}, Hill {self.hill:.2f}, Ki {ki}{molar_ci_text(self.ki_ci)}"
                f" ([S] {format_molar(self.substrate_conc)}, Km {format_molar(self.km)}); Z' {self.z_prime:.2f}, "
                f"S/B {self.signal_to_background:.1f}; flags: {', '.join(self.flags) or 'none'}"
                + (f"; {self.conversion}" if self.conversion else ""))


def plate_quality(df: pd.DataFrame) -> pd.DataFrame:
    """Per plate: control means and SDs, Z' and S/B (and vehicle / blank with blanks), and
    ``constant_controls``: the controls whose wells all read one value ('' for none)."""
    table = plate_controls(df, "vehicle", "positive")
    zs, sbs, blanks, constant = [], [], [], []
    for plate, part in df.groupby("plate", sort=False):
        veh = part.loc[part["role"] == "vehicle", "reading"]
        pos = part.loc[part["role"] == "positive", "reading"]
        zs.append(z_prime(veh, pos).value if min(len(veh), len(pos)) >= 2 else np.nan)
        constant.append(", ".join(f"{name} wells all {arr.iloc[0]:g}" for name, arr in
                                  (("vehicle", veh), ("full-inhibition", pos)) if constant_wells(arr)))
        sbs.append(signal_to_background(veh, pos) if pos.mean() > 0 else np.nan)
        blank = part.loc[part["role"] == "blank", "reading"]
        blanks.append(signal_to_background(veh, blank) if len(blank) and blank.mean() > 0 else np.nan)
    table["z_prime"], table["signal_to_background"], table["signal_to_blank"] = zs, sbs, blanks
    table[CONSTANT] = constant
    return table


def analyse_uptake(frame: pd.DataFrame, setup: UptakeInputs, *, kinetic: bool = False,
                   rate_window=None, compound: str = "", transporter: str = "",
                   weighting: str | None = "relative", bottom: float | None = None,
                   conversion: str = "") -> UptakeResult:
    """Uptake inhibition from a frame joined to the layout (roles vehicle, positive, compound,
    blank; ``conc`` molar; readings in ``cpm``, else ``value``; kinetic: one row per read with
    ``time_s``). ``setup``: the plan's [S], Km (molar) and readout. ``conversion``: a sentence,
    shown in the result, saying how a kinetic read was made one value per well at the user's request."""
    if not isinstance(setup, UptakeInputs):
        raise ParameterError("setup", type(setup).__name__, "an UptakeInputs (protocol.analysis_inputs())")
    substrate_conc, km, readout = setup.substrate_conc, setup.km, setup.readout
    if rate_window is not None and not kinetic:
        raise ParameterError("rate_window", rate_window, "None for endpoint data",
                             reason="applies to the initial rate of a kinetic read, and this analysis has none")
    col = reading_column(frame, ("cpm", "value"))
    counts = col == "cpm" or readout == "scintillation"
    df, qc = prepare_wells(frame, value=col, roles=("vehicle", "positive"), counts=counts, what="scintillation")
    n_missing = len(frame) - len(df)
    window = None
    if kinetic:
        df, window = kinetic_rates(df, rate_window)
    plates = plate_quality(df)
    check_window(plates, "vehicle", "positive")
    df = normalise(df, plates, "vehicle", "positive", "pct_inhibition", percent_inhibition)
    keys = ["role", "conc", "label"]
    stats = replicate_stats(df, keys, "reading")
    pct = df.groupby(keys, sort=False, dropna=False)["pct_inhibition"].agg(["mean", "std"])
    stats["mean_pct_inhibition"], stats["sd_pct_inhibition"] = pct["mean"].to_numpy(), pct["std"].to_numpy()
    curve_wells = df[df["role"].isin(["vehicle", "compound"])]
    conc = np.where(curve_wells["role"] == "vehicle", 0.0, curve_wells["conc"].astype(float))
    curve = inhibition_curve(conc, 100.0 - curve_wells["pct_inhibition"], ligand_conc=substrate_conc, k=km,
                             weights=relative_weights(curve_wells, plates, "vehicle", "positive", weighting),
                             bottom=bottom,
                             ligand="[S]", k_name="Km")
    flags, qcs = list(curve.flags), list(curve.qc)
    zp, sb = float(plates["z_prime"].min()), float(plates["signal_to_background"].min())
    if zp < Z_MIN:
        flags.append("low_z_prime")
        qcs.append(f"low_z_prime: Z' {zp:.2f} (< {Z_MIN:g}); the controls overlap too much for a reliable curve")
    same = plates[plates[CONSTANT] != ""]
    if len(same):
        flags.append(CONSTANT)
        where = "; ".join(f"plate {r['plate']}: {r[CONSTANT]} (Z' {r['z_prime']:.2f})" for _, r in same.iterrows())
        qcs.append(f"{CONSTANT}: {where}: identical readings are a saturated or clipped detector, a placeholder "
                   "or copied values, so Z' and the % inhibition scale from these wells are not measurements")
    if sb < SB_MIN:
        flags.append("small_window")
        qcs.append(f"small_window: signal/background {sb:.2f} (< {SB_MIN:g}); specific uptake is small")
    flag_replicates(stats[stats["role"] != "blank"], flags, qcs, limit=CV_MAX_PCT)  # blanks read ~0
    if n_missing:
        flags.append("missing_wells")
    return UptakeResult(
        flags=tuple(flags), qc=tuple(qcs + qc), tables={"concentrations": stats, "wells": df, "plates": plates},
        compound=compound, transporter=transporter, readout=readout, substrate_conc=substrate_conc, km=km,
        inputs=setup, z_prime=zp,
        signal_to_background=sb, rate_window_s=window, n_wells=len(df), n_missing=n_missing,
        conversion=conversion, **curve_fields(curve))
