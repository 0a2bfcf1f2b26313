"""Saturation binding from counts: Kd and Bmax (fmol/mg protein), with QC.

Each well's counts become fmol/mg protein (:mod:`.counts`). Total and NSB wells of the same
radioligand concentration and replicate are paired and fitted globally with shared NS and
background (:func:`~protocol_kit.analysis.fit_saturation`, Prism's "One site - Total and
nonspecific binding"). X is the free radioligand: the added [L] minus the specifically
bound ligand at that [L] (mean total - mean NSB counts, as a fraction of the counts added),
since a few percent bound already shifts Kd. NSB is left out of the correction because
much of it is filter binding at harvest and counter background, which deplete nothing
during the incubation. Both concentrations are in the ``concentrations`` table; the
``depletion_pct`` QC uses all bound counts (total / added).

QC: ``ligand_depletion`` (total bound > 10% of added at any [L]), ``small_window``
(TB / NSB < 2 at the [L] nearest Kd), ``replicate_cv`` (counts CV > 20%), ``missing_wells``,
and the fit's ``incomplete`` (Kd above the highest [L]), ``few_points``, ``not_converged``,
``implausible_units`` ([L] or Kd of 1 mM or more read as molar).

Weighting: relative by default (``weighting="relative"``), for the reason given in
:mod:`.assay_binding` (the SD of a count grows in proportion to it), as Prism 5+ does it: by
1/Y^2 of the fitted total and NSB curves, iterated to convergence (``fit_saturation`` with
``weights="1/y2"``, :mod:`.reweight`), since the count a well should have, not the count it
happened to give, sets its SD; weighting by the observed counts pulls Bmax low (by about
2 CV^2 of the counts). Over 60 simulated plates (seeds 0-59) the 95% CIs of Kd and Bmax
covered the truth in 60 and 60 of them with it (59 and 60 weighting by the observed counts,
54 and 43 unweighted, ``weighting=None``). A fitted NSB that reaches 0 (a negative fitted
background) makes that weighting undefined and is refused, naming ``weighting=None``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import AnalysisError, ParameterError
from ..units import format_molar
from .assay_binding import CV_MAX_PCT, DEPLETION_MAX_PCT, WINDOW_MIN, count_wells
from .assay_results import AssayResult, ci_text, flag_replicates, replicate_stats
from .binding import SaturationFit, fit_saturation
from ._inputs import require_columns
from .inputs import SaturationInputs
from .wells import check_weighting


@dataclass(frozen=True)
class SaturationResult(AssayResult):
    """Saturation binding (immutable): ``kd`` molar, ``bmax`` fmol/mg protein, 95% CIs.
    Tables: ``concentrations`` (main, one row per [L]) and ``wells``."""

    radioligand: str
    target: str
    kd: float
    kd_ci: tuple[float, float]
    bmax: float
    bmax_ci: tuple[float, float]
    ns: float
    depletion_pct: float
    window: float
    n_wells: int
    n_missing: int
    fit: SaturationFit
    inputs: SaturationInputs

    main_table = "concentrations"
    headline = ("radioligand", "target", "kd", "kd_ci", "bmax", "bmax_ci", "depletion_pct", "window", "flags")

    def summary(self) -> str:
        fmt = lambda b: f"{b:.0f}"  # noqa: E731
        return (f"{self.radioligand} at {self.target}: Kd {format_molar(self.kd)}{ci_text(self.kd_ci, format_molar)}, "
                f"Bmax {self.bmax:.0f} fmol/mg protein{ci_text(self.bmax_ci, fmt)}; max depletion "
                f"{self.depletion_pct:.1f}%; flags: {', '.join(self.flags) or 'none'}")


def analyse_saturation(frame: pd.DataFrame, setup: SaturationInputs, *, radioligand: str = "", target: str = "",
                       weighting: str | None = "relative") -> SaturationResult:
    """Saturation binding from a well frame joined to the layout (roles total and nsb, each
    with ``radioligand_conc`` molar, one of the plan's series in ``setup``; counts in ``cpm`` or
    ``value``). ``setup``: the plan's counting constants and [L] series."""
    if not isinstance(setup, SaturationInputs):
        raise ParameterError("setup", type(setup).__name__, "a SaturationInputs (protocol.analysis_inputs())")
    require_columns(frame, ["radioligand_conc"], "data (join the counts to the plate layout)")
    setup.check_layout(frame["radioligand_conc"])
    df, qc = count_wells(frame, ("total", "nsb"))
    n_missing = len(frame) - len(df)
    df["L"] = df["radioligand_conc"].astype(float)
    df["fmol_per_mg"] = df["reading"] * setup.fmol_per_mg_per_cpm
    stats = replicate_stats(df, ["role", "L", "label"], "reading")
    by = df.pivot_table(index="L", columns="role", values="reading", aggfunc="mean")
    missing = [r for r in ("total", "nsb") if r not in by.columns or by[r].isna().any()]
    if missing:
        raise AnalysisError(f"data: a radioligand concentration has no {missing[0]} wells with counts; "
                            "each [L] needs total and NSB wells")
    table = pd.DataFrame({"L_added": by.index.to_numpy(float)})
    table["total_cpm"], table["nsb_cpm"] = by["total"].to_numpy(), by["nsb"].to_numpy()
    table["added_cpm"] = [setup.added_cpm(L) for L in table["L_added"]]
    table["depletion_pct"] = 100 * table["total_cpm"] / table["added_cpm"]
    table["L_free"] = table["L_added"] * (1 - (table["total_cpm"] - table["nsb_cpm"]) / table["added_cpm"])
    table["specific_fmol_per_mg"] = (table["total_cpm"] - table["nsb_cpm"]) * setup.fmol_per_mg_per_cpm
    table = table.sort_values("L_added", ascending=False, ignore_index=True)
    free = dict(zip(table["L_added"], table["L_free"]))
    pairs = df.pivot_table(index=["plate", "L", "replicate"], columns="role", values="fmol_per_mg")
    x = np.array([free[L] for L in pairs.index.get_level_values("L")])
    check_weighting(weighting)
    try:
        fit = fit_saturation(x, pairs["total"].to_numpy(), pairs["nsb"].to_numpy(),
                             weights="1/y2" if weighting else None)
    except AnalysisError as exc:  # the fitted curve reached 0: name the assay's option
        raise AnalysisError(f"weighting='relative' (1/Y^2 of the fitted curves) is undefined here: {exc}; "
                            "use weighting=None") from exc

    flags = list(fit.flags)
    qc = [f"{f}: Kd {format_molar(fit.kd)} above the highest free [L] {format_molar(x.max())}"
          if f == "incomplete" else f"{f}: flagged by the saturation fit" for f in fit.flags
          if f != "implausible_units"] + list(fit.messages) + qc
    depletion = float(table["depletion_pct"].max())
    if depletion > DEPLETION_MAX_PCT:
        flags.append("ligand_depletion")
        worst = table.loc[table["depletion_pct"].idxmax(), "L_added"]
        qc.append(f"ligand_depletion: {depletion:.1f}% of the radioligand added is bound at {format_molar(worst)} "
                  f"(> {DEPLETION_MAX_PCT:g}%)")
    near = table.iloc[int(np.argmin(np.abs(np.log(table["L_free"] / fit.kd))))] if fit.kd > 0 else table.iloc[0]
    window = float(near["total_cpm"] / near["nsb_cpm"]) if near["nsb_cpm"] > 0 else float("inf")
    if window < WINDOW_MIN:
        flags.append("small_window")
        qc.append(f"small_window: total / nonspecific binding {window:.2f} at {format_molar(near['L_added'])} "
                  f"(< {WINDOW_MIN:g})")
    flag_replicates(stats, flags, qc, limit=CV_MAX_PCT)
    if n_missing:
        flags.append("missing_wells")
    return SaturationResult(
        flags=tuple(flags), qc=tuple(qc), tables={"concentrations": table, "wells": df, "replicates": stats},
        radioligand=radioligand, target=target, kd=fit.kd, kd_ci=fit.kd_ci, bmax=fit.bmax, bmax_ci=fit.bmax_ci,
        ns=fit.ns, depletion_pct=depletion, window=window, n_wells=len(df), n_missing=n_missing, fit=fit,
        inputs=setup)
