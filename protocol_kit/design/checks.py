"""Design checks of a planned binding or uptake assay, run before the experiment.

:func:`design_warnings` returns a :class:`DesignWarning` for each problem found, in this order:

1. ``ic50-not-bracketed``: the expected IC50 (inverse Cheng-Prusoff, :mod:`.expected`) does not
   have ``margin_decades`` (1) log units of tested concentrations below and above it, so a
   plateau is not measured and the IC50 rests on extrapolation. With a bound (">10000 nM") the
   check fires only when the series certainly cannot bracket the IC50.
2. ``ligand-far-from-kd`` (competition): [L]/Kd outside ``ligand_band`` (0.1-10). [L] = 0.1 Kd
   occupies 9% of the sites (small window over nonspecific binding); [L] = 10 Kd occupies 91%
   and raises the IC50 11-fold over Ki (1 + [L]/Kd), so potency is read off a shifted curve and
   radioligand is wasted. [L] <= Kd is the usual choice for competition.
   ``saturation-range`` (saturation): the radioligand series must reach from at most 20%
   occupancy to at least 80% (``saturation_occupancy``; [L]/Kd = 0.25 and 4, occupancy being
   [L]/(Kd + [L])): the rising part defines Kd, the top Bmax.
3. ``few-points-near-ic50``: fewer than ``min_points`` (3) tested concentrations between the
   expected IC10 and IC90. For a Hill slope of 1 the fraction inhibited is x/(x + IC50), so
   10% and 90% fall at IC50/9 and 9 x IC50 (+/- 0.95 log units); with fewer than three points on
   that slope the midpoint and slope are not both determined. Any factor <= 3.16 (half-log) puts
   at least three there when the IC50 lies inside the series.
4. ``ligand-depletion`` (binding, when Bmax is given): predicted specific binding over
   radioligand added, B/A = Bmax x protein x [L]/(Kd + [L]) / ([L] x V), above ``max_depletion``
   (10%), at the planned [L] (competition) or the lowest [L] of the series (saturation, where
   the fraction is largest). Free [L] then falls below the planned [L] and Kd, IC50 and Ki are
   biased. Nonspecific and filter binding deplete further and are not counted here.
5. ``volume-below-pipettable``: a pipetting of the series (stock into the first tube,
   tube-to-tube transfer, addition per well; :mod:`.volumes`) below ``min_volume`` (1 uL):
   under 1 uL even a 2 uL pipette's error reaches 5-10%, more with DMSO. The same code for any
   other volume drawn to make a reagent of the table (a stock into its working solution, the
   membrane stock, the solvent of the solvent-matched diluent: ``protocol.measures``), each with
   its fix (an intermediate dilution, a larger batch); ``mass-below-weighable`` for a buffer
   component weighed under ``min_mass`` (1 mg), which an analytical balance (readability 0.1 mg)
   weighs only to +/- 10% or worse; the fix is a larger batch or a stock solution.
6. ``inconsistent-system``: a radioligand, membrane source, NSB drug, substrate, system or
   reference inhibitor that the assay-system file lists for another target
   (:mod:`.consistency`).
"""
from __future__ import annotations

import math

from ..errors import ParameterError
from ..reference import Library
from ..units import CONC_UNITS, Q_, best_unit, format_molar, format_quantity, parse_quantity
from .consistency import check_consistency
from .expected import ExpectedIC50, expected_ic50
from .plan import Design, read_design
from .volumes import series_volumes
from .warning import DesignWarning

_TOL = 1e-9  # in log units and ratios: a design exactly on a threshold passes


def design_warnings(protocol, *, ki=None, bmax=None, library: Library | None = None,
                    margin_decades: float = 1.0, ligand_band: tuple[float, float] = (0.1, 10.0),
                    saturation_occupancy: tuple[float, float] = (0.2, 0.8), min_points: int = 3,
                    max_depletion: float = 0.10, min_volume="1 uL", min_mass="1 mg") -> list[DesignWarning]:
    """Warnings for a planned protocol (binding or uptake; any other gives []).

    ``ki``: the compound's expected Ki at the target ("5 nM", a number in nM, a quantity or a
    KiRecord); default the protocol's ``expected_ki`` if it has one, else the reference library's
    (``library`` or the one in use). ``bmax``: the planned receptor density ("2000 fmol/mg");
    default the protocol's ``expected_bmax``; without it the depletion check is skipped. The other
    arguments are the thresholds of the checks (module docstring).
    """
    design = read_design(protocol)
    if design is None:
        return []
    v = design.params
    ki = ki if ki is not None else getattr(v, "expected_ki", None)
    bmax = bmax if bmax is not None else getattr(v, "expected_bmax", None)
    out: list[DesignWarning] = []
    expected = None
    if design.kind != "saturation":
        if ki is not None:
            expected = expected_ic50(design, ki, library=library)
        else:
            try:
                expected = expected_ic50(design, library=library)
            except ParameterError as exc:  # several species in the reference, none chosen
                out.append(DesignWarning("reference-ambiguous", f"IC50 checks not run: {exc}", {}, ("expected_ki",)))
    if expected is not None:
        out += check_bracketing(design, expected, margin_decades)
    if design.kind == "competition":
        out += check_ligand_vs_kd(design, ligand_band)
    if design.kind == "saturation":
        out += check_saturation_range(design, saturation_occupancy)
    if expected is not None:
        out += check_points_near_ic50(design, expected, min_points)
    if bmax is not None and design.kind != "uptake":
        out += check_depletion(design, parse_quantity(bmax, "fmol/mg", field="bmax"), max_depletion)
    out += check_pipetting(design, parse_quantity(min_volume, "uL", field="min_volume"))
    out += check_measures(getattr(protocol, "measures", ()), parse_quantity(min_volume, "uL", field="min_volume"),
                          parse_quantity(min_mass, "mg", field="min_mass"))
    out += check_consistency(design)
    return out


def _c(molar: float) -> str:
    return format_molar(molar).replace("\u00a0", " ")


def _dec(x: float) -> str:
    return f"{round(x, 2) + 0.0:.2f}"


def _nm(molar: float) -> float:
    return molar * 1e9


def _what(design: Design) -> str:
    return f"{design.compound} at {design.target}"


def _cp(design: Design, ki_text: str) -> str:
    """The inverse Cheng-Prusoff arithmetic in words: "Ki x (1 + [L]/Kd) = 0.29 nM x (1 + 1.5 nM / 1.5 nM)"."""
    return (f"Ki x (1 + {design.conc_name}/{design.k_name}) = {ki_text} x (1 + {format_quantity(design.conc)} / "
            f"{format_quantity(design.k)})")


# -- 1 -------------------------------------------------------------------------------------------
def check_bracketing(design: Design, e: ExpectedIC50, margin: float) -> list[DesignWarning]:
    """Check 1: at least ``margin`` log units of tested concentrations below and above the IC50."""
    lowest, top = design.tested[0], design.tested[-1]
    fields = ("top_conc", "dilution_factor", "n_conc")
    nums = {"factor": e.factor, "lowest_nM": _nm(lowest), "top_nM": _nm(top), "margin_decades": margin}
    if e.ic50 is not None:
        below, above = math.log10(e.ic50 / lowest), math.log10(top / e.ic50)
        if below >= margin - _TOL and above >= margin - _TOL:
            return []
        fix = []
        if below < margin - _TOL:
            fix.append(f"a lowest concentration <= {_c(e.ic50 / 10 ** margin)}")
        if above < margin - _TOL:
            fix.append(f"a top concentration >= {_c(e.ic50 * 10 ** margin)}")
        msg = (f"{_what(design)}: the expected IC50, {_cp(design, _c(e.ki))} = {_c(e.ic50)} ({e.basis}), is not "
               f"bracketed by {margin:g} log unit of tested concentrations on each side: log10(IC50 / lowest "
               f"{_c(lowest)}) = {_dec(below)} and log10(top {_c(top)} / IC50) = {_dec(above)}. A plateau would not "
               f"be measured and the IC50 would rest on extrapolation; plan {' and '.join(fix)} "
               "(top_conc, dilution_factor, n_conc).")
        return [DesignWarning("ic50-not-bracketed", msg, {**nums, "ki_nM": _nm(e.ki), "ic50_nM": _nm(e.ic50),
                                                          "decades_below": below, "decades_above": above}, fields)]
    if math.isinf(e.ki_high):  # lower bound: IC50 > ic50_low
        if top >= e.ic50_low * 10 ** margin * (1 - _TOL):
            return []
        msg = (f"{_what(design)}: the expected IC50, {_cp(design, '(> ' + _c(e.ki_low) + ')')}, is above "
               f"{_c(e.ic50_low)} ({e.basis}); "
               f"the top tested concentration {_c(top)} is below {_c(e.ic50_low * 10 ** margin)}, {margin:g} log "
               "unit above that, so the inhibition curve cannot be completed. Raise top_conc if the compound's "
               "Ki here is wanted, or expect little inhibition (a selectivity counter-screen).")
        return [DesignWarning("ic50-not-bracketed", msg, {**nums, "ic50_min_nM": _nm(e.ic50_low)}, fields)]
    if lowest <= e.ic50_high / 10 ** margin * (1 + _TOL):  # upper bound: IC50 < ic50_high
        return []
    msg = (f"{_what(design)}: the expected IC50, {_cp(design, '(< ' + _c(e.ki_high) + ')')}, is below "
           f"{_c(e.ic50_high)} ({e.basis}); "
           f"the lowest tested concentration {_c(lowest)} is above {_c(e.ic50_high / 10 ** margin)}, {margin:g} "
           "log unit below that, so the bottom of the curve cannot be measured: extend the series downwards.")
    return [DesignWarning("ic50-not-bracketed", msg, {**nums, "ic50_max_nM": _nm(e.ic50_high)}, fields)]


# -- 2 -------------------------------------------------------------------------------------------
def check_ligand_vs_kd(design: Design, band: tuple[float, float]) -> list[DesignWarning]:
    """Check 2 (competition): [L]/Kd inside ``band``."""
    factor = design.factor  # 1 + [L]/Kd
    ratio = design.inputs.radioligand_conc / design.inputs.kd
    low, high = band
    if low * (1 - _TOL) <= ratio <= high * (1 + _TOL):
        return []
    occupancy = ratio / factor
    if ratio < low:
        why = (f"only {occupancy:.0%} of the sites bind radioligand, a small specific window over "
               "nonspecific binding; use [L] near Kd")
    else:
        why = (f"{occupancy:.0%} of the sites are occupied and the IC50 rises {factor:.3g}-fold over Ki "
               "(1 + [L]/Kd), wasting radioligand and compressing the curve; use [L] <= Kd")
    msg = (f"Radioligand [L] {format_quantity(design.conc)} is {ratio:.3g} x its Kd ({format_quantity(design.k)}), "
           f"outside {low:g}-{high:g} x Kd: {why} (radioligand_conc).")
    return [DesignWarning("ligand-far-from-kd", msg,
                          {"ligand_nM": float(design.conc.to("nM").magnitude),
                           "kd_nM": float(design.k.to("nM").magnitude), "ratio": ratio, "occupancy": occupancy},
                          ("radioligand_conc", "radioligand_kd"))]


def check_saturation_range(design: Design, occupancy: tuple[float, float]) -> list[DesignWarning]:
    """Check 2 (saturation): the series spans occupancy[0] to occupancy[1] of the sites."""
    series = design.tested
    kd = float(design.k.to("M").magnitude)
    low_ratio, high_ratio = (o / (1 - o) for o in occupancy)  # occupancy f at [L]/Kd = f / (1 - f)
    lowest, top = series[0] / kd, series[-1] / kd
    problems = []
    if lowest > low_ratio * (1 + _TOL):
        problems.append(f"its lowest [L], {_c(series[0])} = {lowest:.3g} x Kd, occupies {lowest / (1 + lowest):.0%} "
                        f"of the sites (needs <= {occupancy[0]:.0%}, i.e. <= {_c(low_ratio * kd)}), so the rise that "
                        "defines Kd is missed")
    if top < high_ratio * (1 - _TOL):
        problems.append(f"its top [L], {_c(series[-1])} = {top:.3g} x Kd, occupies {top / (1 + top):.0%} "
                        f"(needs >= {occupancy[1]:.0%}, i.e. >= {_c(high_ratio * kd)}), so Bmax is extrapolated")
    if not problems:
        return []
    msg = (f"Saturation series against the expected Kd {format_quantity(design.k)}: " + "; ".join(problems)
           + " (sat_top_conc, sat_dilution_factor, sat_n_conc).")
    return [DesignWarning("saturation-range", msg,
                          {"lowest_nM": _nm(series[0]), "top_nM": _nm(series[-1]), "kd_nM": _nm(kd),
                           "lowest_ratio": lowest, "top_ratio": top},
                          ("sat_top_conc", "sat_dilution_factor", "sat_n_conc"))]


# -- 3 -------------------------------------------------------------------------------------------
def check_points_near_ic50(design: Design, e: ExpectedIC50, min_points: int) -> list[DesignWarning]:
    """Check 3: at least ``min_points`` tested concentrations within IC50/9 .. 9 x IC50."""
    if e.ic50 is None:
        return []
    lo, hi = e.ic50 / 9, e.ic50 * 9
    n = sum(lo * (1 - _TOL) <= c <= hi * (1 + _TOL) for c in design.tested)
    if n >= min_points:
        return []
    factor = design.params.dilution_factor
    msg = (f"{_what(design)}: {n} tested concentration{'s' if n != 1 else ''} between the expected IC10 and IC90, "
           f"{_c(lo)}-{_c(hi)} (IC50 {_c(e.ic50)} / 9 and x 9, Hill slope 1); at least {min_points} are needed to "
           f"define the slope and the midpoint. The series steps {factor:g}-fold ({math.log10(factor):.2f} log "
           "units); use a dilution factor <= 3.16 (half-log) or centre the series on the IC50 "
           "(dilution_factor, top_conc).")
    return [DesignWarning("few-points-near-ic50", msg,
                          {"ic50_nM": _nm(e.ic50), "ic10_nM": _nm(lo), "ic90_nM": _nm(hi), "points": n,
                           "min_points": min_points, "dilution_factor": factor},
                          ("dilution_factor", "top_conc", "n_conc"))]


# -- 4 -------------------------------------------------------------------------------------------
def check_depletion(design: Design, bmax, max_fraction: float) -> list[DesignWarning]:
    """Check 4 (binding): predicted specific binding / radioligand added <= ``max_fraction``."""
    v = design.params
    kd = design.k
    L = design.conc if design.kind == "competition" else Q_(design.tested[0], "M").to("nM")
    sites = (bmax * v.protein_per_well).to("fmol")  # receptors in the well
    bound = (sites * (L / (kd + L))).to("fmol")
    added = (L * v.well_volume).to("fmol")
    fraction = float((bound / added).to("").magnitude)
    if fraction <= max_fraction * (1 + _TOL):
        return []
    # protein at which B/A = max_fraction: B/A = Bmax x P / ((Kd + [L]) x V)
    protein_max = (max_fraction * (kd + L) * v.well_volume / bmax).to("ug")
    where = "the planned [L]" if design.kind == "competition" else "the lowest [L] of the series"
    msg = (f"Ligand depletion: at {where}, {format_quantity(L.to('nM'))}, the predicted specific binding is "
           f"{format_quantity(bound, 3)} of {format_quantity(added, 3)} radioligand added ({fraction:.0%}, above "
           f"{max_fraction:.0%}): Bmax {format_quantity(bmax)} x {format_quantity(v.protein_per_well)} protein "
           f"x [L]/(Kd + [L]) with Kd {format_quantity(kd)} in {format_quantity(v.well_volume)}. Free [L] would fall "
           f"below the planned [L]; use <= {format_quantity(protein_max, 3)} protein per well or a larger well "
           "volume (protein_per_well, well_volume).")
    return [DesignWarning("ligand-depletion", msg,
                          {"bound_fmol": float(bound.magnitude), "added_fmol": float(added.magnitude),
                           "fraction": fraction, "max_fraction": max_fraction,
                           "protein_max_ug": float(protein_max.magnitude)},
                          ("protein_per_well", "well_volume", "radioligand_conc"))]


# -- 5 -------------------------------------------------------------------------------------------
def check_pipetting(design: Design, min_volume) -> list[DesignWarning]:
    """Check 5: every pipetting of the series >= ``min_volume``."""
    vols = series_volumes(design)
    floor = float(min_volume.to("uL").magnitude)
    small = [(what, ul, f) for what, ul, f in vols.items() if ul < floor * (1 - _TOL)]
    if not small:
        return []
    listed = "; ".join(f"{what} {ul:.3g} µL" for what, ul, _ in small)
    fixes = {
        vols.stock_field: f"a more dilute intermediate stock than {format_quantity(best_unit(vols.stock, CONC_UNITS))} "
                           f"({vols.stock_field})",
        vols.factor_field: f"a smaller dilution factor or more wells per tube ({vols.factor_field}, replicates, "
                           "overage)",
        "working_fold": "a lower working-solution strength (working_fold)",
    }
    msg = (f"Dilution series of {vols.name}: {listed}, below the {floor:g} µL that can be pipetted accurately. "
           f"Use {'; '.join(fixes[f] for _, _, f in small)}.")
    numbers = {"min_volume_uL": floor, "stock_draw_uL": vols.stock_draw, "transfer_uL": vols.transfer,
               "addition_uL": vols.addition}
    return [DesignWarning("volume-below-pipettable", msg, numbers, tuple(dict.fromkeys(f for _, _, f in small)))]


def check_measures(measures, min_volume, min_mass) -> list[DesignWarning]:
    """Check 5, the rest of the reagent table: every volume drawn >= ``min_volume`` and every mass
    weighed >= ``min_mass``, one warning per measure with its fix."""
    out = []
    for m in measures:
        if m.amount.check("[volume]"):
            floor, code, what, unit = min_volume, "volume-below-pipettable", "pipetted", "uL"
        else:
            floor, code, what, unit = min_mass, "mass-below-weighable", "weighed", "mg"
        amount = m.amount.to(unit)
        if amount.magnitude >= floor.to(unit).magnitude * (1 - _TOL):
            continue
        shown = amount.to("ug") if unit == "mg" else amount
        msg = (f"{m.reagent.strip()}: {m.what} is {format_quantity(shown, 3)}, below the {format_quantity(floor)} "
               f"that can be {what} accurately. Fix: {m.fix}.")
        key = "volume_uL" if unit == "uL" else "mass_mg"
        out.append(DesignWarning(code, msg, {key: float(amount.magnitude), f"min_{key}": float(floor.to(unit).magnitude)},
                                 m.fields))
    return out
