"""Radioligand binding on membranes: competition (IC50 -> Ki) and saturation (Kd, Bmax).

Buffer from the seeds: 50 mM Tris, 120 mM NaCl, 5 mM KCl, pH 7.4. Each well receives, at
``working_fold`` x final strength, compound (or buffer / NSB drug) and radioligand, then
membranes last to start the reaction; assay buffer makes up the volume.
"""
from __future__ import annotations

import math

import pandas as pd

from ..core.params import Parameter
from ..core.plates import WellGroup, build_layout, plate_format
from ..core.protocol import Protocol, register
from ..core.reagents import BufferRecipe, Component, SerialDilution, reagent_row
from ..core.steps import CHEMICAL, ICE_COLD, RADIOACTIVE, TIMING_CRITICAL, Step
from ..errors import ParameterError
from ..units import Q_, format_quantity
from .common import (
    activity_row, compound_groups, compound_parameters, compound_series, compound_series_step, dilution_rows,
    dilution_series, fmt_conc, isotope_of, plate_parameters, scaled, working_solution_row, working_solution_step,
)

TARGETS = ("SERT", "NET", "DAT", "sigma-1", "H1", "muscarinic", "alpha-1")
RADIOLIGANDS = ("[3H]citalopram", "[3H]nisoxetine", "[3H]WIN 35,428", "[3H]pyrilamine", "[3H]QNB",
                "[3H]NMS", "[3H]prazosin", "[3H](+)-pentazocine")
NSB_DRUGS = ("fluoxetine", "paroxetine", "desipramine", "GBR 12909", "mianserin", "atropine",
             "phentolamine", "haloperidol")

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

G_TARGET, G_LIGAND, G_NSB, G_INC, G_SAT = ("Target and membranes", "Radioligand", "Nonspecific binding",
                                           "Incubation, harvest and counting", "Saturation mode")


@register
class RadioligandBinding(Protocol):
    """Radioligand binding to membranes, counted by liquid scintillation."""

    id = "radioligand-binding"
    title = "Radioligand binding"
    version = "1.0"
    summary = "Competition (IC50, Ki by Cheng-Prusoff) or saturation (Kd, Bmax) binding on membranes."
    parameters = (
        Parameter("mode", "Experiment", "competition",
                  "competition: one radioligand concentration, a compound series (IC50, Ki); "
                  "saturation: a radioligand series with and without the NSB drug (Kd, Bmax).",
                  "Experiment", choices=("competition", "saturation")),
        Parameter("target", "Target", "SERT", "Transporter or receptor studied.", G_TARGET,
                  choices=TARGETS, free_text=True),
        Parameter("membrane_source", "Membrane source", "HEK293 cells expressing human SERT",
                  "Cells or tissue the membranes were prepared from.", G_TARGET),
        Parameter("protein_per_well", "Protein per well", "10 ug", "Membrane protein in each well.",
                  G_TARGET, unit="ug", low=0, high=1000, low_exclusive=True),
        Parameter("membrane_stock", "Membrane stock (protein)", "2 mg/mL",
                  "Protein concentration of the membrane stock, from its protein assay.",
                  G_TARGET, unit="mg/mL", low=0, high=100, low_exclusive=True),
        Parameter("expected_bmax", "Expected Bmax", None,
                  "Planned receptor density of the membranes, for the ligand-depletion check.", G_TARGET,
                  unit="fmol/mg", low=0, high=1e6, low_exclusive=True, optional=True),
        Parameter("membrane_volume", "Membrane volume per well", "100 uL",
                  "Volume of diluted membranes added last to start the reaction.",
                  G_TARGET, unit="uL", low=1, high=1000),
        Parameter("radioligand", "Radioligand", "[3H]citalopram", "Labelled ligand, e.g. [3H]citalopram.",
                  G_LIGAND, choices=RADIOLIGANDS, free_text=True),
        Parameter("radioligand_stock", "Radioligand stock", "12.5 uM",
                  "Concentration of the radioligand as supplied (e.g. 1 mCi/mL at 80 Ci/mmol = 12.5 uM).",
                  G_LIGAND, unit="nM", low=0, high=1e7, low_exclusive=True),
        Parameter("specific_activity", "Specific activity", "80 Ci/mmol",
                  "Specific activity of the radioligand batch (from its certificate).",
                  G_LIGAND, unit="Ci/mmol", low=0, high=10_000, low_exclusive=True),
        Parameter("radioligand_kd", "Radioligand Kd", "1.5 nM",
                  "Kd of the radioligand at this target, your own measured value (saturation mode).",
                  G_LIGAND, unit="nM", low=0, high=1e6, low_exclusive=True),
        Parameter("radioligand_conc", "Radioligand final [L]", "1.5 nM",
                  "Final radioligand concentration in competition mode, usually near Kd.",
                  G_LIGAND, unit="nM", low=0, high=1e6, low_exclusive=True),
        *compound_parameters(compound="sertraline"),
        Parameter("nsb_drug", "NSB drug", "fluoxetine", "Unlabelled drug that defines nonspecific binding.",
                  G_NSB, choices=NSB_DRUGS, free_text=True),
        Parameter("nsb_conc", "NSB drug final concentration", "10 uM",
                  "Final concentration of the NSB drug (saturating: >= 100 x its Ki).",
                  G_NSB, unit="uM", low=0, high=10_000, low_exclusive=True),
        Parameter("nsb_stock", "NSB drug stock", "10 mM", "Concentration of the NSB drug stock.",
                  G_NSB, unit="mM", low=0, high=1000, low_exclusive=True),
        *plate_parameters(well_volume="250 uL"),
        Parameter("incubation_time", "Incubation time", "60 min", "Time to equilibrium.", G_INC,
                  unit="min", low=1, high=1440),
        Parameter("incubation_temp", "Incubation temperature", "25 degC", "Incubation temperature.",
                  G_INC, unit="degC", low=0, high=40),
        Parameter("filter_presoak", "Filter pre-soak", "0.3% polyethylenimine",
                  "Pre-soak of the glass-fibre filters, to reduce radioligand binding to the filter.", G_INC),
        Parameter("wash_count", "Washes", 3, "Washes of each filter with ice-cold buffer.", G_INC,
                  low=1, high=10),
        Parameter("wash_volume", "Wash volume", "0.5 mL", "Volume of each wash per well.", G_INC,
                  unit="mL", low=0.05, high=10),
        Parameter("counting_efficiency", "Counting efficiency (%)", 40.0,
                  "Counter efficiency for the isotope on filters (DPM = CPM / efficiency).",
                  G_INC, low=0.0, high=100.0, low_exclusive=True),
        Parameter("sat_top_conc", "Saturation: top [L]", "20 nM", "Highest final radioligand concentration.",
                  G_SAT, unit="nM", low=0, high=1e6, low_exclusive=True),
        Parameter("sat_dilution_factor", "Saturation: dilution factor", 2.0,
                  "Fold between radioligand concentrations.", G_SAT, low=1.1, high=10.0),
        Parameter("sat_n_conc", "Saturation: concentrations", 8, "Radioligand concentrations.", G_SAT,
                  low=3, high=16),
    )

    # -- derived quantities -------------------------------------------------------------------
    @property
    def saturation(self) -> bool:
        return self.params.mode == "saturation"

    @property
    def addition_volume(self):
        """Volume of each working-strength addition: well volume / working fold."""
        return (self.params.well_volume / self.params.working_fold).to("uL")

    @property
    def buffer_fill(self):
        """Buffer per well: well volume - compound slot - radioligand - membranes."""
        return (self.params.well_volume - 2 * self.addition_volume - self.params.membrane_volume).to("uL")

    @property
    def n_wells(self) -> int:
        v = self.params
        return 2 * v.replicates * v.sat_n_conc if self.saturation else v.replicates * (v.n_conc + 2)

    @property
    def isotope(self) -> str | None:
        return isotope_of(self.params.radioligand)

    def _check(self) -> None:
        if self.buffer_fill.magnitude < 0:
            raise ParameterError(
                "membrane_volume", format_quantity(self.params.membrane_volume),
                f"at most {format_quantity(self.params.well_volume - 2 * self.addition_volume)} "
                f"(well volume minus two {format_quantity(self.addition_volume)} additions)",
                reason="does not fit in the well")

    def _ligand_series(self) -> SerialDilution:
        v = self.params  # each tube serves the total and the NSB wells of one [L]
        return dilution_series(v, self.addition_volume, top=v.sat_top_conc, factor=v.sat_dilution_factor, n=v.sat_n_conc,
                      stock=v.radioligand_stock, wells=2 * v.replicates, field="radioligand_stock", unit="nM")

    def ligand_concentrations(self) -> list[float]:
        """Final radioligand concentrations (molar) of the saturation series, highest first."""
        v = self.params
        top = float(v.sat_top_conc.to("M").magnitude)
        return [top / v.sat_dilution_factor ** i for i in range(v.sat_n_conc)]

    # -- simulation and analysis ------------------------------------------------------------------
    def _binding_setup(self):
        from ..analysis.assay_binding import BindingSetup

        v = self.params
        return BindingSetup(specific_activity=float(v.specific_activity.to("Ci/mmol").magnitude),
                            efficiency=v.counting_efficiency / 100, protein_mg=float(v.protein_per_well.to("mg").magnitude),
                            well_volume_l=float(v.well_volume.to("L").magnitude),
                            kd=float(v.radioligand_kd.to("M").magnitude))

    def simulate(self, seed: int | None = 0, **truth) -> pd.DataFrame:
        """Counts per well of this layout, as a counter's list (plate, well, cpm, value).

        ``truth`` (defaults in brackets): ``ki`` [the compound's reference Ki at the target,
        DOMAIN.md, e.g. sertraline at SERT 0.29 nM], ``kd`` [radioligand_kd], ``bmax``
        [2000 fmol/mg], ``ns`` [0.005, nonspecifically bound per free ligand], ``background_cpm``
        [30], ``well_cv`` [0.04, pipetting], ``count_min`` [1]. Specific activity, counting
        efficiency, protein and volume are the plan's. See :mod:`protocol_kit.simulate.binding`.
        """
        from ..simulate.binding import simulate_counts
        from ..simulate.reference import reference_ki
        from ..simulate.truth import resolve_truth

        v = self.params
        ki_default = "1 M" if self.saturation or "ki" in truth else f"{reference_ki(v.compound, v.target)!r} M"
        t = resolve_truth(truth, {
            "ki": (ki_default, "M", "the compound's Ki"), "kd": (v.radioligand_kd, "M", "the radioligand's Kd"),
            "bmax": (2000.0, "fmol/mg", "receptor density"), "ns": (0.005, None, "nonspecific fraction"),
            "background_cpm": (30.0, None, "counter background"), "well_cv": (0.04, None, "pipetting CV"),
            "count_min": (1.0, None, "counting time (min)")})
        s = self._binding_setup()
        return simulate_counts(self.layout, ki=t["ki"], kd=t["kd"], bmax_fmol_per_mg=t["bmax"],
                               protein_mg=s.protein_mg, volume_l=s.well_volume_l,
                               specific_activity=s.specific_activity, efficiency=s.efficiency, ns=t["ns"],
                               background_cpm=t["background_cpm"], well_cv=t["well_cv"],
                               count_min=t["count_min"], seed=seed)

    def analyse(self, data: pd.DataFrame, *, read=None, wavelength=None, weighting: str | None = "relative",
                bottom: float | None = None, exclude_wells=None, extra_wells: str = "error"):
        """Counts per well (a counter list, raw with ``well`` + ``cpm``/``value`` or already
        joined to this layout) to a :class:`~protocol_kit.analysis.assay_binding.CompetitionResult`
        (IC50, Hill, Ki by Cheng-Prusoff with this plan's [L] and Kd, direct Ki fit) or, in
        saturation mode, a :class:`~protocol_kit.analysis.assay_saturation.SaturationResult`
        (Kd, Bmax in fmol/mg protein). Specific activity, efficiency, protein per well and
        well volume are this plan's values. ``weighting``: "relative" (1/CPM^2, the
        default) or None (unweighted); see :mod:`protocol_kit.analysis.assay_binding`.
        ``bottom`` (competition): None fits the bottom plateau, 0 fixes it at the NSB level.
        ``read`` / ``wavelength``: which read of a file with several (such a file is refused
        without a choice; :mod:`protocol_kit.io.reads`); ``exclude_wells``: wells left out (a
        marker such as OVRFLW in a planned well is otherwise refused); ``extra_wells='ignore'``
        leaves out wells the plan does not use (a whole plate read for a partial layout)."""
        from ..analysis.assay_binding import analyse_competition
        from ..analysis.assay_saturation import analyse_saturation

        v = self.params
        df = self._joined(data, read=read, wavelength=wavelength, exclude_wells=exclude_wells,
                          extra_wells=extra_wells)
        if self.saturation:
            return analyse_saturation(df, self._binding_setup(), radioligand=v.radioligand, target=v.target,
                                      weighting=weighting)
        return analyse_competition(df, self._binding_setup(), compound=v.compound, target=v.target,
                                   weighting=weighting, bottom=bottom)

    # -- the plan -------------------------------------------------------------------------------
    def _layout(self) -> pd.DataFrame:
        v = self.params
        plate = plate_format(v.plate_format)
        if self.saturation:
            groups = []
            for i, L in enumerate(self.ligand_concentrations(), start=1):
                extra = (("radioligand_conc", L),)
                groups.append(WellGroup("total", L, f"T{i} {fmt_conc(L)}", v.replicates, extra))
                groups.append(WellGroup("nsb", L, f"N{i} {fmt_conc(L)}", v.replicates, extra))
            what = f"{v.sat_n_conc} radioligand concentrations x (total + NSB) x {v.replicates} replicates"
        else:
            L = float(v.radioligand_conc.to("M").magnitude)
            extra = (("radioligand_conc", L),)
            groups = [WellGroup("total", math.nan, "TB total binding", v.replicates, extra),
                      WellGroup("nsb", math.nan, f"NSB {v.nsb_drug}", v.replicates, extra)]
            groups += compound_groups(v, extra)
            what = f"({v.n_conc} concentrations + total + NSB) x {v.replicates} replicates"
        return build_layout(groups, plate, what=what)

    def _reagents(self) -> list[dict]:
        v = self.params
        ov = v.overage
        add = self.addition_volume
        rows: list[dict] = []
        diluent = Q_(0, "uL")
        wells = self.n_wells
        # compound or ligand series
        if self.saturation:
            series = self._ligand_series()
            rows += dilution_rows(series, name=v.radioligand, fold=v.working_fold, diluent="assay buffer")
            diluent += series.diluent_total()
            nsb_wells = v.replicates * v.sat_n_conc
            vehicle_wells = nsb_wells  # total-binding wells take buffer in the compound slot
            ligand_amount = series.first_total * series.top_working  # drawn from the stock
        else:
            series = compound_series(v, add)
            rows += dilution_rows(series, name=v.compound, fold=v.working_fold, diluent="assay buffer")
            diluent += series.diluent_total()
            nsb_wells = v.replicates
            vehicle_wells = v.replicates
            row, v_dil, ligand_amount = working_solution_row(
                v.radioligand, final=v.radioligand_conc, stock=v.radioligand_stock, fold=v.working_fold,
                wells=wells, addition=add, overage=ov, diluent="assay buffer", field="radioligand_stock")
            rows.append(row)
            diluent += v_dil
        # radioactivity handled
        rows.append(activity_row(v.radioligand, ligand_amount, v.specific_activity, self.isotope))
        # NSB drug
        row, v_dil, _ = working_solution_row(
            f"{v.nsb_drug} (NSB)", final=v.nsb_conc, stock=v.nsb_stock, fold=v.working_fold, wells=nsb_wells,
            addition=add, overage=ov, diluent="assay buffer", field="nsb_stock", per_what="NSB well")
        rows.append(row)
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
        diluent += mem_volume - mem_stock
        # buffer
        fill = scaled(self.buffer_fill * wells + add * vehicle_wells, 1, ov).to("uL")
        assay_buffer = (fill + diluent).to("mL")
        wash = scaled(v.wash_volume * v.wash_count, wells, ov).to("mL")
        buffer_rows = BINDING_BUFFER.rows(
            assay_buffer + wash,
            purpose=f"assay {format_quantity(assay_buffer)} + ice-cold wash {format_quantity(wash)}")
        return buffer_rows + rows

    def _checklist(self) -> list[Step]:
        v = self.params
        add = format_quantity(self.addition_volume)
        iso = self.isotope or "the isotope"
        hot = (RADIOACTIVE,)
        steps = [
            Step("rb-buffer", "Prepare assay buffer (50 mM Tris, 120 mM NaCl, 5 mM KCl, pH 7.4) as in the "
                 "reagent table; put the wash portion on ice.", "Preparation", temperature="room temperature"),
            Step("rb-filters", f"Pre-soak the glass-fibre filter mat in {v.filter_presoak}.", "Preparation",
                 duration=Q_(60, "min"), timer=True, note="At least 1 h; reduces radioligand binding to the filter."),
        ]
        if self.saturation:
            steps.append(Step("rb-ligand-series",
                              f"Make the {v.radioligand} series: {v.sat_n_conc} tubes, 1:{v.sat_dilution_factor:g}, "
                              f"at {v.working_fold:g}x final (top {format_quantity(v.sat_top_conc)} final).",
                              "Preparation", hazards=hot, temperature="on ice",
                              note="Count an aliquot of each tube to measure the [L] actually added."))
        else:
            steps.append(compound_series_step("rb-dilutions", v))
            steps.append(working_solution_step("rb-radioligand", v.radioligand, v.radioligand_conc, v.working_fold,
                                               hazards=hot, temperature="on ice",
                                               note="Count two aliquots to measure the [L] actually added."))
        steps += [
            working_solution_step("rb-nsb", f"{v.nsb_drug} (NSB)", v.nsb_conc, v.working_fold),
            Step("rb-membranes", f"Thaw the membranes ({v.membrane_source}) on ice, homogenise and dilute to "
                 f"{format_quantity((v.protein_per_well / v.membrane_volume).to('mg/mL'))}.", "Preparation",
                 temperature="on ice", hazards=(ICE_COLD,)),
            Step("rb-plate", f"Label a {v.plate_format}-well plate as in the plate map ({self.n_wells} wells).",
                 "Plate"),
            Step("rb-add-buffer", f"Add {format_quantity(self.buffer_fill)} assay buffer to every well, and "
                 f"{add} more to the total-binding wells.", "Plate"),
            Step("rb-add-compound",
                 (f"Add {add} of the {v.nsb_drug} working solution to the NSB wells."
                  if self.saturation else
                  f"Add {add} of each compound dilution to its wells and {add} {v.nsb_drug} to the NSB wells."),
                 "Plate"),
            Step("rb-add-radioligand", f"Add {add} of {v.radioligand} to every well.", "Plate", hazards=hot),
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
