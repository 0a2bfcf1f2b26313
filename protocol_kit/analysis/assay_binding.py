"""Competition binding from counts: % specific binding, IC50, Hill slope and Ki, with QC.

Per plate, total binding TB and nonspecific binding NSB are the means of their wells; each
well's % specific binding is 100 (B - NSB) / (TB - NSB), and its specific binding in
fmol/mg protein is counts_to_fmol(B - NSB) / mg protein per well (see :mod:`.counts`). The
total-binding wells enter the fit at concentration 0 (no competitor); the curve is fitted as
in :mod:`.assay_curves` (Cheng-Prusoff with [L] and Kd, and the direct Ki fit). [L], Kd and the
counting constants are the plan's, handed over as a :class:`.inputs.BindingInputs`; a layout
whose ``radioligand_conc`` column is not that [L] in every well is refused.

QC flags, each with a sentence in ``qc``:
``small_window`` (TB / NSB < 2, i.e. specific binding under half of total binding);
``ligand_depletion`` (total bound > 10% of the radioligand added; added CPM =
[L] V 1e15 x 2.22 SA x efficiency, so Cheng-Prusoff with the added [L] is biased);
``replicate_cv`` (a concentration's replicate CV of counts above 20%); ``missing_wells``;
the curve flags of :mod:`.assay_curves` (``incomplete``, ``hill_not_1``, ...); and
``implausible_units`` when [L] and Kd are both plain numbers of 1 mM or more (a [L] or Kd of
1 mM or more beside one plausible in M is refused, see :func:`.plausible.check_pair`).

Weighting: the SD of a count grows with the count (pipetting error is proportional to it,
Poisson error to its square root), so by default each well is weighted by 1/CPM^2 (relative
weighting, as Prism's 1/Y^2 but on counts, since % specific binding is near 0 where counts are
not; ``weighting="relative"``). The CPM is the one the fitted curve predicts for the well,
NSB + (TB - NSB) f / 100 with its plate's means, not the observed one, and the fit is iterated
to convergence (as Prism 5 and later weight by the curve, :mod:`.reweight`;
:class:`.wells.FittedReadingWeights`): the SD belongs to the count a well should give, and
weighting by the observed count gives low wells more weight, pulling the plateaus low by
about 2 CV^2. Over 80 simulated plates (seeds 0-79; 4% pipetting CV, Poisson counts) the 95%
CI of Ki covered the truth in 80 (Cheng-Prusoff) and 79 (direct fit) with this weighting, 79
and 79 weighting by the observed counts, and 62 and 66 unweighted (``weighting=None``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..units import format_molar
from .assay_curves import InhibitionResult, curve_fields, inhibition_curve
from .assay_results import flag_replicates, molar_ci_text, replicate_stats
from .controls import percent_of_control
from .inputs import BindingInputs, CountingInputs
from .plausible import FLAG as IMPLAUSIBLE
from .wells import check_window, normalise, plate_controls, prepare_wells, reading_column, relative_weights

WINDOW_MIN, DEPLETION_MAX_PCT, CV_MAX_PCT = 2.0, 10.0, 20.0


def count_wells(frame: pd.DataFrame, roles: tuple[str, ...]) -> tuple[pd.DataFrame, list[str]]:
    """Wells with counts (``cpm``, else ``value``); see :func:`.wells.prepare_wells`."""
    col = reading_column(frame, ("cpm", "value"))
    return prepare_wells(frame, value=col, roles=roles, counts=True, what="scintillation")


def binding_qc(df: pd.DataFrame, controls: pd.DataFrame, setup: CountingInputs, ligand: float,
               stats: pd.DataFrame) -> tuple[list[str], list[str], float, float]:
    """Window, depletion and replicate CV checks: (flags, qc, TB/NSB, depletion %)."""
    flags, qc = [], []
    window = float((controls["total_mean"] / controls["nsb_mean"]).min()) if (controls["nsb_mean"] > 0).all() \
        else float("inf")
    if window < WINDOW_MIN:
        flags.append("small_window")
        qc.append(f"small_window: total / nonspecific binding {window:.2f} (< {WINDOW_MIN:g}); specific binding "
                  "is under half of total binding")
    depletion = 100.0 * float(controls["total_mean"].max()) / setup.added_cpm(ligand)
    if depletion > DEPLETION_MAX_PCT:
        flags.append("ligand_depletion")
        qc.append(f"ligand_depletion: {depletion:.1f}% of the radioligand added is bound (> {DEPLETION_MAX_PCT:g}%); "
                  "free [L] is below the added [L]: use less protein or a larger volume")
    flag_replicates(stats, flags, qc, limit=CV_MAX_PCT)
    return flags, qc, window, depletion


@dataclass(frozen=True)
class CompetitionResult(InhibitionResult):
    """Competition binding (immutable). Concentrations molar; ``*_ci`` 95% intervals.
    ``ki``: Cheng-Prusoff from the variable-slope IC50; ``ki_direct``: the Hill = -1 Ki fit.
    Tables: ``concentrations`` (main), ``wells``, ``controls`` (per plate)."""

    compound: str
    target: str
    radioligand_conc: float
    kd: float
    total_cpm: float
    nsb_cpm: float
    window: float
    specific_pct_of_total: float
    specific_fmol_per_mg: float
    depletion_pct: float
    n_wells: int
    n_missing: int
    inputs: BindingInputs

    main_table = "concentrations"
    headline = ("compound", "target", "ic50_text", "ic50_ci", "hill", "hill_ci", "ki", "ki_ci", "ki_direct",
                "ki_direct_ci", "window", "specific_pct_of_total", "specific_fmol_per_mg", "depletion_pct",
                "flags")

    def summary(self) -> str:
        ki = format_molar(self.ki) if np.isfinite(self.ki) else self.ki_fit.ki_text
        return (f"{self.compound} at {self.target}: IC50 {self.ic50_text}{molar_ci_text(self.ic50_ci)}, "
                f"Hill {self.hill:.2f}, Ki {ki}{molar_ci_text(self.ki_ci)} (Cheng-Prusoff, "
                f"[L] {format_molar(self.radioligand_conc)}, Kd {format_molar(self.kd)}); direct Ki fit "
                f"{self.ki_fit.ki_text}{molar_ci_text(self.ki_direct_ci)}; TB/NSB {self.window:.1f}, "
                f"depletion {self.depletion_pct:.1f}%; flags: {', '.join(self.flags) or 'none'}")


def analyse_competition(frame: pd.DataFrame, setup: BindingInputs, *, compound: str = "", target: str = "",
                        weighting: str | None = "relative", bottom: float | None = None) -> CompetitionResult:
    """Competition binding from a well frame joined to the layout (roles total, nsb, compound;
    ``conc`` molar; counts in ``cpm`` or ``value``) with the plan's ``setup`` ([L], Kd, counting
    constants). A ``radioligand_conc`` column (molar) must hold the plan's [L] in every well."""
    if not isinstance(setup, BindingInputs):
        raise ParameterError("setup", type(setup).__name__, "a BindingInputs (protocol.analysis_inputs())")
    if "radioligand_conc" in frame.columns:
        setup.check_layout(frame["radioligand_conc"])
    df, qc = count_wells(frame, ("total", "nsb"))
    n_missing = len(frame) - len(df)
    ligand = setup.radioligand_conc
    controls = plate_controls(df, "total", "nsb")
    check_window(controls, "total", "nsb")
    df = normalise(df, controls, "total", "nsb", "pct_specific", percent_of_control)
    nsb_mean = df["plate"].map(controls.set_index("plate")["nsb_mean"])
    df["specific_fmol_per_mg"] = (df["reading"] - nsb_mean) * setup.fmol_per_mg_per_cpm
    df["fit_conc"] = np.where(df["role"] == "total", 0.0, df["conc"].astype(float))
    curve_wells = df[df["role"].isin(["total", "compound"])]
    stats = replicate_stats(df, ["role", "conc", "label"], "reading").rename(
        columns={"mean": "mean_cpm", "sd": "sd_cpm"})
    more = df.groupby(["role", "conc", "label"], sort=False, dropna=False).agg(
        mean_pct_specific=("pct_specific", "mean"), sd_pct_specific=("pct_specific", "std"),
        specific_fmol_per_mg=("specific_fmol_per_mg", "mean"))
    for col in more.columns:
        stats[col] = more[col].to_numpy()
    flags, more_qc, window, depletion = binding_qc(df, controls, setup, ligand, stats)
    units_said = list(setup.units_said)  # [L] and Kd both 1 mM or more (checked once, by the inputs)
    curve = inhibition_curve(curve_wells["fit_conc"], curve_wells["pct_specific"], ligand_conc=ligand, k=setup.kd,
                             weights=relative_weights(curve_wells, controls, "total", "nsb", weighting),
                             bottom=bottom)
    tb, nsb = float(controls["total_mean"].mean()), float(controls["nsb_mean"].mean())
    flags = [*curve.flags, *flags] + (["missing_wells"] if n_missing else [])
    qc = [*curve.qc, *more_qc, *qc]
    if units_said:
        flags += [] if IMPLAUSIBLE in flags else [IMPLAUSIBLE]
        qc += units_said
    return CompetitionResult(
        flags=tuple(flags), qc=tuple(qc),
        tables={"concentrations": stats, "wells": df.drop(columns=["fit_conc"]), "controls": controls},
        compound=compound, target=target, radioligand_conc=ligand, kd=setup.kd, inputs=setup,
        total_cpm=tb, nsb_cpm=nsb, window=window, specific_pct_of_total=100 * (tb - nsb) / tb,
        specific_fmol_per_mg=(tb - nsb) * setup.fmol_per_mg_per_cpm,
        depletion_pct=depletion, n_wells=len(df), n_missing=n_missing, **curve_fields(curve))
