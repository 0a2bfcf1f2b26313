"""Parameter declarations and plan pieces shared by the plate-based protocols."""
from __future__ import annotations

import re

import pint

from ..core.params import Parameter
from ..core.plates import WellGroup
from ..core.steps import Step
from ..core.reagents import Measure, SerialDilution, intermediate_dilution_fix, reagent_row, working_solution
from ..units import CONC_UNITS, Q_, best_unit, format_quantity, fmt_number
from ..units import format_molar as fmt_conc

SOLVENTS = ("DMSO", "water", "ethanol")


def compound_parameters(*, compound: str, top: str = "10 uM", stock: str = "10 mM",
                        group: str = "Test compound") -> tuple[Parameter, ...]:
    """The test compound, its dilution series and an optional expected Ki (for the design checks)."""
    return (
        Parameter("compound", "Test compound", compound, "Name of the unlabelled test compound.", group),
        Parameter("expected_ki", "Expected Ki", None,
                  "Your expected Ki at this target, for the design checks; empty: the reference library's.",
                  group, unit="nM", low=0, high=1e7, low_exclusive=True, optional=True),
        Parameter("compound_stock", "Compound stock", stock, "Concentration of the compound stock solution.",
                  group, unit="mM", low=0, high=1000, low_exclusive=True),
        Parameter("compound_solvent", "Stock solvent", "DMSO", "Solvent of the compound stock.", group,
                  choices=SOLVENTS),
        Parameter("top_conc", "Top final concentration", top,
                  "Highest final concentration of the compound in the well.", group,
                  unit="uM", low=0, high=10_000, low_exclusive=True),
        Parameter("dilution_factor", "Dilution factor", 3.0,
                  "Fold between successive concentrations (3 = 1:3 series, 3.162 = half-log).", group,
                  low=1.1, high=100.0),
        Parameter("n_conc", "Number of concentrations", 12, "Concentrations in the series.", group,
                  low=2, high=24),
    )


def plate_parameters(*, well_volume: str, group: str = "Plate") -> tuple[Parameter, ...]:
    return (
        Parameter("replicates", "Replicates", 3, "Wells per concentration (and per control).", group,
                  low=1, high=12),
        Parameter("plate_format", "Plate", "96", "Microplate format.", group, choices=("96", "384")),
        Parameter("well_volume", "Final well volume", well_volume, "Final assay volume in each well.",
                  group, unit="uL", low=10, high=2000),
        Parameter("working_fold", "Working-solution strength (x final)", 10.0,
                  "Compound, controls and labelled ligand are each added at this many times their "
                  "final concentration, in well volume / this factor.", group, low=2.0, high=100.0),
        Parameter("overage", "Overage (%)", 20.0, "Extra volume made of every solution, in percent.",
                  group, low=0.0, high=200.0),
    )


def isotope_of(name: str) -> str | None:
    """The isotope in a labelled ligand's name: "[3H]citalopram" -> "3H", "[125I]RTI-55" -> "125I"."""
    m = re.search(r"\[(\d+)\s*([A-Z][a-z]?)\]", name)
    return f"{m.group(1)}{m.group(2)}" if m else None


def compound_groups(v, extra: tuple = ()) -> list[WellGroup]:
    """C1..Cn of the compound series in ``v`` (the params), highest concentration first."""
    top, factor = float(v.top_conc.to("M").magnitude), v.dilution_factor
    return [WellGroup("compound", top / factor ** i, f"C{i + 1} {fmt_conc(top / factor ** i)}", v.replicates, extra)
            for i in range(v.n_conc)]


def compound_series_step(step_id: str, v, diluent: str) -> Step:
    """The checklist step that makes the compound series in ``v`` (the params) in ``diluent``."""
    f = solvent_fraction(v)
    if f is None:
        how = f"Dilute the stock in {diluent} (tube 1) and each next tube in {diluent}."
        note = f"Stock in {v.compound_solvent}: no organic solvent to match."
    else:
        how = (f"Tube 1: stock + {diluent}; tubes 2-{v.n_conc}: {solvent_diluent_name(v, diluent)} "
               f"(reagent table), so every tube holds {pct(f)} {v.compound_solvent}.")
        note = (f"Same {pct(f)} {v.compound_solvent} in every tube and in the vehicle wells' diluent "
                f"({pct(f / v.working_fold)} final in the well).")
    return Step(step_id, f"Make the {v.compound} series: {v.n_conc} tubes, 1:{fmt_number(v.dilution_factor)}, at "
                f"{fmt_number(v.working_fold)}x final (top {format_quantity(v.top_conc)} final). {how}", "Preparation",
                note=note)


def pct(fraction: float) -> str:
    return f"{100 * fraction:.3g}%"


def solvent_fraction(v) -> float | None:
    """Volume fraction of stock solvent in every tube of the compound series: tube 1 holds the
    stock diluted top working / stock (C1 V1 = C2 V2); None for a stock in water."""
    if v.compound_solvent == "water":
        return None
    return float((v.top_conc * v.working_fold / v.compound_stock).to("").magnitude)


def solvent_diluent_name(v, diluent: str) -> str:
    """The solvent-matched diluent's name as the reagent table and steps write it."""
    f = solvent_fraction(v)
    return diluent if f is None else f"{diluent} + {pct(f)} {v.compound_solvent}"


def solvent_diluent_row(v, series: SerialDilution, vehicle_volume: pint.Quantity, diluent: str,
                        used_for: str) -> tuple[list[dict], pint.Quantity, list[Measure]]:
    """The solvent-matched diluent for tubes 2..n of the series and the vehicle wells' compound
    slot: (n - 1) x D + ``vehicle_volume``, made of solvent (fraction f) and ``diluent``.

    Returns the rows (none for a stock in water), the plain diluent it uses and its measures."""
    f = solvent_fraction(v)
    volume = (series.keep * (series.n - 1) + vehicle_volume).to("uL")
    if f is None:
        return [], volume, []
    solvent = volume * f
    name = solvent_diluent_name(v, diluent)
    row = reagent_row(name, volume, section="Serial dilution",
                      notes=f"{format_quantity(solvent.to('uL'))} {v.compound_solvent} + "
                            f"{format_quantity((volume - solvent).to('uL'))} {diluent}: dilutes tubes 2-{series.n} "
                            f"and fills {used_for}, so the solvent is {pct(f)} in every tube")
    fix = (f"a larger batch of the diluent, or a more dilute compound stock (compound_stock) so that "
           f"tube 1 holds more {v.compound_solvent}")
    return [row], volume - solvent, [Measure(f"{v.compound_solvent} into the solvent-matched diluent", solvent.to("uL"),
                                              name, fix, ("compound_stock",))]
def working_solution_step(step_id: str, name: str, final: pint.Quantity, fold: float, **kw) -> Step:
    """The checklist step that makes ``name``'s working solution at ``fold`` x ``final``."""
    return Step(step_id, f"Make the {name} working solution at {fmt_number(fold)}x ({format_quantity(final * fold)}).",
                "Preparation", **kw)


def activity_row(name: str, amount: pint.Quantity, specific_activity: pint.Quantity, isotope: str | None) -> dict:
    """The radioactivity drawn from the stock: amount of ligand x specific activity, in µCi."""
    return reagent_row(f"{name} activity used", (amount * specific_activity).to("uCi"), section="Working solutions",
                       notes=f"isotope {isotope or 'not stated'}; log in the radioactivity register")


def dilution_rows(series: SerialDilution, *, name: str, fold: float, diluent: str,
                  first_diluent: str | None = None) -> list[dict]:
    """Reagent rows for a serial dilution: the stock used and each tube's transfer."""
    table = series.table(fold=fold, diluent=diluent, first_diluent=first_diluent)
    stock_used = Q_(table.loc[0, "transfer_uL"], "uL")
    rows = [reagent_row(f"{name} stock", stock_used, section="Serial dilution", stock=series.stock,
                        notes=f"{series.n} tubes, 1:{fmt_number(series.factor)} at {fmt_number(fold)}x final")]
    for _, t in table.iterrows():
        rows.append(reagent_row(
            f"  tube {t['tube']}: {t['working_conc']} ({t['final_conc']} final)",
            Q_(t["transfer_uL"] + t["diluent_uL"], "uL"), section="Serial dilution",
            notes=f"{t['transfer']} from {t['from']} + {t['diluent']}",
        ))
    return rows


def scaled(q: pint.Quantity, wells: int, overage_pct: float) -> pint.Quantity:
    """Per-well amount x wells x (1 + overage)."""
    return q * wells * (1 + overage_pct / 100)


def working_solution_row(label: str, *, final: pint.Quantity, stock: pint.Quantity, fold: float, wells: int,
                         addition: pint.Quantity, overage: float, diluent: str, field: str,
                         per_what: str = "well") -> tuple[dict, pint.Quantity, pint.Quantity, Measure]:
    """A working solution at ``fold`` x ``final`` for ``wells`` additions of ``addition``.

    Returns the reagent row, the diluent it uses, the amount of solute drawn from the stock
    (C1 V1 = C2 V2, see :func:`working_solution`) and the stock draw as a :class:`Measure`.
    """
    volume = scaled(addition, wells, overage)
    working, v_stock, v_dil = working_solution(final, fold, volume, stock, field=field)
    reagent = f"{label} working solution"
    row = reagent_row(
        reagent, volume, section="Working solutions", stock=stock, final=final,
        per=addition, per_what=per_what,
        notes=f"{format_quantity(v_stock.to('uL'))} stock + {format_quantity(v_dil.to('uL'))} {diluent} = "
              f"{format_quantity(best_unit(working, CONC_UNITS))} ({fmt_number(fold)}x)")
    measure = Measure(f"{label} stock into its working solution", v_stock.to("uL"), reagent,
                      intermediate_dilution_fix(v_stock.to("uL"), stock, label, field), (field,))
    return row, v_dil, working * volume, measure


def dilution_series(v, addition: pint.Quantity, *, top: pint.Quantity, factor: float, n: int, stock: pint.Quantity,
           wells: int, field: str, unit: str) -> SerialDilution:
    """A serial dilution at ``working_fold`` x final from ``top`` final; each tube keeps
    wells x addition x (1 + overage). A stock too dilute for the first tube names ``field``."""
    keep = scaled(addition, wells, v.overage)
    working_solution(top, v.working_fold, keep, stock, field=field)
    return SerialDilution((top * v.working_fold).to(unit), factor, n, keep.to("uL"), stock.to(unit))


def compound_series(v, addition: pint.Quantity) -> SerialDilution:
    """The test compound's series: each tube serves the replicates of one concentration."""
    return dilution_series(v, addition, top=v.top_conc, factor=v.dilution_factor, n=v.n_conc, stock=v.compound_stock,
                  wells=v.replicates, field="compound_stock", unit="uM")


class ReagentMeasures:
    """For a protocol whose reagent table records its measures (``_measures``, set while the
    table ``_reagent_frame`` is built): the volumes and masses the design checks look at."""

    @property
    def measures(self) -> list[Measure]:
        """Every volume drawn from a stock and every mass weighed to make this plan's reagents
        (the dilution series' own pipettings are :func:`protocol_kit.design.series_volumes`)."""
        self._reagent_frame
        return list(self._measures)
