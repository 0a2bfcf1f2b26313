"""The bench sheet of a reuptake inhibition plan: its reagent table (with the measures the design
checks read) and its checklist, built from the plan's validated values (:class:`.ReuptakeInhibition`).

Reagents: the compound series and its solvent-matched diluent, substrate and reference-inhibitor
working solutions (and the activity handled, for a labelled substrate), the system (cells seeded
or synaptosome suspension) and KRH buffer for the wells, the dilutions and the washes, each with
overage.
"""
from __future__ import annotations

from ..core.reagents import BufferRecipe, Component, Measure, reagent_row
from ..core.steps import CHEMICAL, ICE_COLD, RADIOACTIVE, TIMING_CRITICAL, Step
from ..units import Q_, fmt_count, fmt_number, format_quantity
from .common import (
    activity_row, compound_series, compound_series_step, dilution_rows, scaled, solvent_diluent_name,
    solvent_diluent_row, working_solution_row, working_solution_step,
)

# Krebs-Ringer-HEPES with ascorbic acid (antioxidant) and pargyline (MAO inhibitor).
# Molar masses (g/mol) of the forms usually weighed, from standard atomic weights.
KRH_BUFFER = BufferRecipe(
    "Krebs-Ringer-HEPES (KRH) uptake buffer",
    (
        Component("NaCl", Q_(120, "mM"), Q_(58.44, "g/mol")),
        Component("KCl", Q_(4.7, "mM"), Q_(74.55, "g/mol")),
        Component("CaCl2·2H2O", Q_(2.2, "mM"), Q_(147.01, "g/mol")),
        Component("MgSO4·7H2O", Q_(1.2, "mM"), Q_(246.47, "g/mol")),
        Component("KH2PO4", Q_(1.2, "mM"), Q_(136.09, "g/mol")),
        Component("HEPES", Q_(10, "mM"), Q_(238.30, "g/mol")),
        Component("D-glucose", Q_(5, "mM"), Q_(180.16, "g/mol")),
        Component("L-ascorbic acid", Q_(0.1, "mM"), Q_(176.12, "g/mol")),
        # 10 uM pargyline is 0.11 mg in 57 mL: added from a 1 mM stock (1.957 mg in 10 mL), not weighed
        Component("pargyline HCl", Q_(0.01, "mM"), Q_(195.69, "g/mol"), stock=Q_(1, "mM")),
    ),
    ph=7.4, ph_with="NaOH",
)


def system_row(p, wells: int) -> dict:
    """The reagent row of what is in the wells: synaptosome suspension, or the cells seeded."""
    v = p.params
    if p.synaptosomes:
        volume = scaled(p.system_volume, wells, v.overage)
        return reagent_row(p._system_row_name, volume, section="System", per=p.system_volume,
                           per_what="well",
                           notes="prepared fresh in ice-cold KRH (counted in the KRH above) and kept on ice; "
                                 "measure and record its protein concentration")
    seeded = "not given: write the number seeded" if v.cells_per_well is None else f"{fmt_count(v.cells_per_well)} per well"
    count = 0 if v.cells_per_well is None else round(v.cells_per_well * wells * (1 + v.overage / 100))
    return {"section": "System", "reagent": p._system_row_name, "stock": "", "final": "",
            "per": seeded, "total": float(count), "unit": "cells", "amount": f"{fmt_count(count)} cells" if count else "",
            "notes": f"seeded the day before in {wells} wells (+{fmt_number(v.overage)}%), poly-D-lysine plate"
                     + ("; leave the blank wells without cells" if p.n_blanks else "")}


def uptake_reagents(p) -> list[dict]:
    """The reagent table rows of plan ``p``; sets ``p._measures`` (volumes and masses drawn)."""
    v = p.params
    ov = v.overage
    add = p.addition_volume
    wells = p.n_wells
    system_wells = wells - p.n_blanks
    measures: list[Measure] = []
    series = compound_series(v, add)
    rows = dilution_rows(series, name=v.compound, fold=v.working_fold, diluent=solvent_diluent_name(v, "KRH"),
                         first_diluent="KRH")
    diluent = series.first_total - series.stock_volume  # tube 1: stock + plain KRH
    extra, plain, m = solvent_diluent_row(
        v, series, scaled(add, v.control_replicates + p.n_blanks, ov), "KRH",
        "the vehicle" + (" and blank" if p.n_blanks else "") + " wells' compound slot")
    rows += extra
    measures += m
    diluent += plain
    row, v_dil, substrate_amount, m = working_solution_row(
        v.substrate, final=v.substrate_conc, stock=v.substrate_stock, fold=v.working_fold,
        wells=system_wells, addition=add, overage=ov, diluent="KRH", field="substrate_stock")
    rows.append(row)
    measures.append(m)
    diluent += v_dil
    if p.labelled:
        rows.append(activity_row(v.substrate, substrate_amount, v.specific_activity, p.isotope))
    row, v_dil, _, m = working_solution_row(
        f"{v.reference_inhibitor} (100% inhibition)", final=v.reference_conc, stock=v.reference_stock,
        fold=v.working_fold, wells=v.control_replicates, addition=add, overage=ov, diluent="KRH",
        field="reference_stock", per_what="control well")
    rows.append(row)
    measures.append(m)
    diluent += v_dil
    rows.append(system_row(p, system_wells))
    # buffer in the wells: the fill; in the blanks, KRH for the system and the substrate slots;
    # the synaptosome suspension itself; cells: one wash before the pre-incubation
    in_wells = p.buffer_fill * wells + (p.system_volume + add) * p.n_blanks
    in_wells += p.system_volume * system_wells if p.synaptosomes else v.wash_volume * wells
    warm = (scaled(in_wells, 1, ov) + diluent).to("mL")
    if v.readout == "fluorescence kinetic":  # read live, no stop washes
        total, purpose = warm, f"warm {format_quantity(warm)}"
    else:
        cold = scaled(v.wash_volume * v.wash_count, wells, ov).to("mL")
        total = warm + cold
        purpose = f"warm {format_quantity(warm)} + ice-cold {format_quantity(cold)} for the stop washes"
    p._measures = tuple(KRH_BUFFER.measures(total) + measures)
    return KRH_BUFFER.rows(total, purpose=purpose) + rows


def uptake_checklist(p) -> list[Step]:
    """The checklist of plan ``p``, preparation to waste."""
    v = p.params
    add = format_quantity(p.addition_volume)
    hot = (RADIOACTIVE,) if p.labelled else ()
    what = p.material
    blanks = p.n_blanks > 0
    diluent = solvent_diluent_name(v, "KRH")
    if p.synaptosomes:
        prepare = Step("ru-cells", f"Prepare {v.system} fresh, resuspend in ice-cold KRH "
                       f"({format_quantity(scaled(p.system_volume, p.n_wells - p.n_blanks, v.overage))}, "
                       "reagent table) and keep on ice; record the protein concentration.", "Preparation",
                       temperature="on ice", hazards=(ICE_COLD,))
    else:
        seeded = (f"{fmt_count(v.cells_per_well)} {v.system}" if v.cells_per_well else f"{v.system} (write the number)")
        prepare = Step("ru-cells", f"Seed {seeded} per well the day before (poly-D-lysine plate)"
                       + (", leaving the blank wells empty." if blanks else "."), "Preparation")
    steps = [
        prepare,
        Step("ru-buffer", "Prepare KRH buffer with ascorbic acid and pargyline (reagent table); warm one "
             f"portion to {format_quantity(v.uptake_temp)} and chill the wash portion on ice.",
             "Preparation", hazards=(ICE_COLD,)),
        compound_series_step("ru-dilutions", v, "KRH"),
        working_solution_step("ru-reference", v.reference_inhibitor, v.reference_conc, v.working_fold),
        working_solution_step("ru-substrate", v.substrate, v.substrate_conc, v.working_fold, hazards=hot,
                              note="Count two aliquots to measure the [S] actually added." if p.labelled else ""),
    ]
    if p.synaptosomes:
        steps.append(Step("ru-wash-cells", f"Add {format_quantity(p.buffer_fill)} warm KRH to every well.",
                          "Plate"))
    else:
        steps.append(Step("ru-wash-cells", f"Wash the cells once with {format_quantity(v.wash_volume)} warm KRH, "
                          f"then add {format_quantity(p.buffer_fill)} KRH to every well.", "Plate"))
    steps.append(Step("ru-add-compound", f"Add {add} of each compound dilution, {add} {v.reference_inhibitor} "
                      f"working solution to the 100% wells and {add} {diluent} to the vehicle"
                      + (" and blank" if blanks else "") + " wells.", "Plate"))
    if p.synaptosomes:
        steps.append(Step("ru-add-system", f"Add {format_quantity(p.system_volume)} synaptosome suspension to "
                          "every well" + (f" except the blanks ({format_quantity(p.system_volume)} KRH there)"
                                         if blanks else "") + "; mix gently.", "Plate", temperature="on ice"))
    steps += [
        Step("ru-preincubate", f"Pre-incubate {format_quantity(v.preincubation_time)} at "
             f"{format_quantity(v.uptake_temp)}.", "Uptake", duration=v.preincubation_time,
             temperature=format_quantity(v.uptake_temp), timer=True),
        Step("ru-start", f"Start uptake: add {add} {v.substrate} working solution to every well with {what}"
             + (f" ({add} KRH to the blanks)" if blanks else "") + "; note the time.",
             "Uptake", hazards=hot + (TIMING_CRITICAL,)),
    ]
    kinetic = v.readout == "fluorescence kinetic"
    if kinetic:
        steps.append(Step("ru-read", f"Read fluorescence every minute for {format_quantity(v.uptake_time)} from the "
                          "substrate addition (kinetic; no wash) and export the plate.", "Readout",
                          duration=v.uptake_time, temperature=format_quantity(v.uptake_temp), timer=True,
                          hazards=(TIMING_CRITICAL,), note="The initial rate per well is the uptake."))
        return steps
    steps.append(Step("ru-uptake", f"Uptake for {format_quantity(v.uptake_time)} at "
                      f"{format_quantity(v.uptake_temp)}.", "Uptake", duration=v.uptake_time,
                      temperature=format_quantity(v.uptake_temp), timer=True, hazards=(TIMING_CRITICAL,),
                      note="Short and exact: uptake must stay in its linear phase."))
    if v.termination == "rapid filtration":
        stop = (f"Stop: filter the {what} rapidly onto glass-fibre filters and wash {v.wash_count} x "
                f"{format_quantity(v.wash_volume)} ice-cold KRH.")
    else:
        stop = (f"Stop: aspirate and wash the {what} {v.wash_count} x {format_quantity(v.wash_volume)} "
                "ice-cold KRH.")
    steps.append(Step("ru-stop", stop, "Stop", temperature="ice-cold", hazards=hot + (ICE_COLD, TIMING_CRITICAL)))
    if p.fluorescent:
        steps.append(Step("ru-read", f"Read the {what}' fluorescence (endpoint) and export the plate.", "Readout"))
    else:
        if v.termination == "rapid filtration":
            count = Step("ru-lyse", f"Dry the filters with the {what} and add scintillant.", "Readout",
                         hazards=hot + (CHEMICAL,))
        else:
            count = Step("ru-lyse", f"Lyse the {what} (e.g. 1% SDS) and add scintillant.", "Readout",
                         hazards=hot + (CHEMICAL,))
        steps += [
            count,
            Step("ru-count", "Count each well (CPM) and export the per-well list, with the [S] aliquots.",
                 "Readout", hazards=hot),
            Step("ru-waste", f"Dispose of {p.isotope} waste by the local rules and log the "
                 "activity used.", "Clean-up", hazards=hot),
        ]
    return steps
