"""The bench sheet of a radioligand binding plan: its reagent table (with the measures the design
checks read) and its checklist, built from the plan's validated values (:class:`.RadioligandBinding`).

Reagents: compound (or radioligand, saturation) series, radioligand working solution and the
activity handled, NSB drug, membrane suspension (protein per well / membrane volume, from the
stock) and assay buffer for the wells, the dilutions and the ice-cold washes, each with overage.
"""
from __future__ import annotations

from ..core.reagents import BufferRecipe, Component, Measure, intermediate_dilution_fix, reagent_row
from ..core.steps import CHEMICAL, ICE_COLD, RADIOACTIVE, TIMING_CRITICAL, Step
from ..errors import ParameterError
from ..units import Q_, fmt_number, format_quantity
from .common import (
    activity_row, compound_series, compound_series_step, dilution_rows, scaled, solvent_diluent_name,
    solvent_diluent_row, working_solution_row, working_solution_step,
)

# Molar masses (g/mol) from standard atomic weights, as in DOMAIN.md.
BINDING_BUFFER = BufferRecipe(
    "Assay buffer (Tris-NaCl-KCl)",
    (
        Component("Tris base", Q_(50, "mM"), Q_(121.14, "g/mol")),
        Component("NaCl", Q_(120, "mM"), Q_(58.44, "g/mol")),
        Component("KCl", Q_(5, "mM"), Q_(74.55, "g/mol")),
    ),
    ph=7.4, ph_with="HCl",
)


def binding_reagents(p) -> list[dict]:
    """The reagent table rows of plan ``p``; sets ``p._measures`` (volumes and masses drawn)."""
    v = p.params
    ov = v.overage
    add = p.addition_volume
    rows: list[dict] = []
    measures: list[Measure] = []
    diluent = Q_(0, "uL")
    wells = p.n_wells
    # compound or ligand series
    if p.saturation:
        series = p._ligand_series()
        rows += dilution_rows(series, name=v.radioligand, fold=v.working_fold, diluent="assay buffer")
        diluent += series.diluent_total()
        nsb_wells = v.replicates * v.sat_n_conc
        buffer_slots = nsb_wells  # total-binding wells take buffer in the NSB-drug slot
        ligand_amount = series.first_total * series.top_working  # drawn from the stock
    else:
        series = compound_series(v, add)
        matched = solvent_diluent_name(v, "assay buffer")
        rows += dilution_rows(series, name=v.compound, fold=v.working_fold, diluent=matched,
                              first_diluent="assay buffer")
        diluent += series.first_total - series.stock_volume  # tube 1: stock + plain buffer
        extra, plain, m = solvent_diluent_row(v, series, scaled(add, v.replicates, ov), "assay buffer",
                                              "the total-binding wells' compound slot")
        rows += extra
        measures += m
        diluent += plain
        nsb_wells = v.replicates
        buffer_slots = 0  # the total-binding wells' compound slot takes the solvent-matched diluent
        row, v_dil, ligand_amount, m = working_solution_row(
            v.radioligand, final=v.radioligand_conc, stock=v.radioligand_stock, fold=v.working_fold,
            wells=wells, addition=add, overage=ov, diluent="assay buffer", field="radioligand_stock")
        rows.append(row)
        measures.append(m)
        diluent += v_dil
    # radioactivity handled
    rows.append(activity_row(v.radioligand, ligand_amount, v.specific_activity, p.isotope))
    # NSB drug
    row, v_dil, _, m = working_solution_row(
        f"{v.nsb_drug} (NSB)", final=v.nsb_conc, stock=v.nsb_stock, fold=v.working_fold, wells=nsb_wells,
        addition=add, overage=ov, diluent="assay buffer", field="nsb_stock", per_what="NSB well")
    rows.append(row)
    measures.append(m)
    diluent += v_dil
    # membranes
    mem_conc = (v.protein_per_well / v.membrane_volume).to("mg/mL")
    if mem_conc > v.membrane_stock:
        raise ParameterError("membrane_stock", format_quantity(v.membrane_stock),
                             f"at least {format_quantity(mem_conc)} (protein per well / membrane volume)",
                             reason="is too dilute")
    mem_volume = scaled(v.membrane_volume, wells, ov).to("uL")
    mem_stock = (mem_volume * mem_conc / v.membrane_stock).to("uL")
    rows.append(reagent_row(
        "Membrane suspension", mem_volume, section="Working solutions", stock=None,
        per=v.membrane_volume, per_what="well",
        notes=f"{format_quantity(mem_stock)} membrane stock ({format_quantity(v.membrane_stock)}) + "
              f"{format_quantity(mem_volume - mem_stock)} assay buffer = {format_quantity(mem_conc)} "
              f"({format_quantity(v.protein_per_well)} per well); keep on ice"))
    measures.append(Measure("membrane stock into the membrane suspension", mem_stock, "Membrane suspension",
                            intermediate_dilution_fix(mem_stock, v.membrane_stock, "membrane", "membrane_stock"),
                            ("membrane_stock",)))
    diluent += mem_volume - mem_stock
    # buffer
    fill = scaled(p.buffer_fill * wells + add * buffer_slots, 1, ov).to("uL")
    assay_buffer = (fill + diluent).to("mL")
    wash = scaled(v.wash_volume * v.wash_count, wells, ov).to("mL")
    buffer_rows = BINDING_BUFFER.rows(
        assay_buffer + wash,
        purpose=f"assay {format_quantity(assay_buffer)} + ice-cold wash {format_quantity(wash)}")
    p._measures = tuple(BINDING_BUFFER.measures(assay_buffer + wash) + measures)
    return buffer_rows + rows


def binding_checklist(p) -> list[Step]:
    """The checklist of plan ``p``, preparation to waste."""
    v = p.params
    add = format_quantity(p.addition_volume)
    iso = p.isotope or "the isotope"
    hot = (RADIOACTIVE,)
    steps = [
        Step("rb-buffer", "Prepare assay buffer (50 mM Tris, 120 mM NaCl, 5 mM KCl, pH 7.4) as in the "
             "reagent table; put the wash portion on ice.", "Preparation", temperature="room temperature"),
        Step("rb-filters", f"Pre-soak the glass-fibre filter mat in {v.filter_presoak}.", "Preparation",
             duration=Q_(60, "min"), timer=True, note="At least 1 h; reduces radioligand binding to the filter."),
    ]
    if p.saturation:
        steps.append(Step("rb-ligand-series",
                          f"Make the {v.radioligand} series: {v.sat_n_conc} tubes, 1:{fmt_number(v.sat_dilution_factor)}, "
                          f"at {fmt_number(v.working_fold)}x final (top {format_quantity(v.sat_top_conc)} final).",
                          "Preparation", hazards=hot, temperature="on ice",
                          note="Count an aliquot of each tube to measure the [L] actually added."))
    else:
        steps.append(compound_series_step("rb-dilutions", v, "assay buffer"))
        steps.append(working_solution_step("rb-radioligand", v.radioligand, v.radioligand_conc, v.working_fold,
                                           hazards=hot, temperature="on ice",
                                           note="Count two aliquots to measure the [L] actually added."))
    steps += [
        working_solution_step("rb-nsb", f"{v.nsb_drug} (NSB)", v.nsb_conc, v.working_fold),
        Step("rb-membranes", f"Thaw the membranes ({v.membrane_source}) on ice, homogenise and dilute to "
             f"{format_quantity((v.protein_per_well / v.membrane_volume).to('mg/mL'))}.", "Preparation",
             temperature="on ice", hazards=(ICE_COLD,)),
        Step("rb-plate", f"Label a {v.plate_format}-well plate as in the plate map ({p.n_wells} wells).",
             "Plate"),
        Step("rb-add-buffer",
             (f"Add {format_quantity(p.buffer_fill)} assay buffer to every well, and {add} more to the "
              "total-binding wells." if p.saturation else
              f"Add {format_quantity(p.buffer_fill)} assay buffer to every well."), "Plate"),
        Step("rb-add-compound",
             (f"Add {add} of the {v.nsb_drug} working solution to the NSB wells."
              if p.saturation else
              f"Add {add} of each compound dilution to its wells, {add} {solvent_diluent_name(v, 'assay buffer')} "
              f"to the total-binding wells and {add} {v.nsb_drug} working solution to the NSB wells."),
             "Plate"),
        Step("rb-add-radioligand",
             (f"Add {add} of the {v.radioligand} tube of each well's [L] to its total and NSB wells."
              if p.saturation else f"Add {add} of the {v.radioligand} working solution to every well."),
             "Plate", hazards=hot),
        Step("rb-add-membranes", f"Start the reaction: add {format_quantity(v.membrane_volume)} membranes "
             "to every well, last; note the time.", "Plate", hazards=(TIMING_CRITICAL,),
             note="Membranes last: the incubation time starts here."),
        Step("rb-incubate", f"Incubate {format_quantity(v.incubation_time)} at "
             f"{format_quantity(v.incubation_temp)} to reach equilibrium.", "Incubation",
             duration=v.incubation_time, temperature=format_quantity(v.incubation_temp), timer=True,
             hazards=(TIMING_CRITICAL,)),
        Step("rb-harvest", "Harvest by rapid vacuum filtration onto the pre-soaked filters.", "Harvest",
             hazards=(RADIOACTIVE, TIMING_CRITICAL), note="Work quickly: bound ligand dissociates."),
        Step("rb-wash", f"Wash each filter {v.wash_count} x {format_quantity(v.wash_volume)} with ice-cold "
             "buffer.", "Harvest", temperature="ice-cold", hazards=(RADIOACTIVE, ICE_COLD)),
        Step("rb-dry", "Dry the filters.", "Counting", duration=Q_(30, "min"), temperature="50 °C",
             timer=True),
        Step("rb-scintillant", "Add scintillant and seal.", "Counting", hazards=(RADIOACTIVE, CHEMICAL)),
        Step("rb-count", "Count each filter (CPM) in the scintillation counter and export the per-well list, "
             "with the counts of the [L] aliquots.", "Counting", hazards=hot),
        Step("rb-waste", f"Dispose of {iso} waste (liquid, filters, tips) by the local rules and log the "
             "activity used (reagent table).", "Clean-up", hazards=hot),
    ]
    return steps
