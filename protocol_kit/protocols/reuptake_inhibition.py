"""Neurotransmitter reuptake inhibition in cells or synaptosomes.

Vehicle wells give 0% inhibition, wells with a saturating reference inhibitor 100%
(nonspecific uptake). The compound is pre-incubated, then the labelled (or fluorescent)
substrate starts a short uptake that is stopped ice-cold.
"""
from __future__ import annotations

import dataclasses

import pandas as pd

from ..core.params import Parameter
from ..core.plates import WellGroup, build_layout, plate_format
from ..core.protocol import Protocol, register
from ..core.reagents import BufferRecipe, Component
from ..core.steps import CHEMICAL, ICE_COLD, RADIOACTIVE, TIMING_CRITICAL, Step
from ..errors import ParameterError
from ..units import Q_, format_quantity
from .common import (
    activity_row, compound_groups, compound_parameters, compound_series, compound_series_step, dilution_rows,
    isotope_of, plate_parameters, scaled, working_solution_row, working_solution_step,
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
        Component("pargyline HCl", Q_(0.01, "mM"), Q_(195.69, "g/mol")),
    ),
    ph=7.4, ph_with="NaOH",
)

SUBSTRATES = ("[3H]5-HT", "[3H]NE", "[3H]DA", "fluorescent substrate")
READOUTS = ("scintillation", "fluorescence endpoint", "fluorescence kinetic")
TERMINATIONS = ("aspirate and wash", "rapid filtration")
G_SYS, G_SUB, G_CTRL, G_INC = "System", "Substrate", "Controls", "Uptake and readout"


@register
class ReuptakeInhibition(Protocol):
    """Inhibition of transporter-mediated uptake of a labelled or fluorescent substrate."""

    id = "reuptake-inhibition"
    title = "Neurotransmitter reuptake inhibition"
    version = "1.0"
    summary = "Uptake of [3H]5-HT, [3H]NE, [3H]DA or a fluorescent substrate; IC50 and Ki with [S]/Km."
    parameters = (
        Parameter("transporter", "Transporter", "SERT", "Transporter studied.", G_SYS,
                  choices=("SERT", "NET", "DAT"), free_text=True),
        Parameter("system", "System", "hSERT-HEK293 cells",
                  "Cells expressing the transporter, or synaptosomes from a brain region "
                  "(striatum for DAT; hippocampus or cortex for SERT and NET).", G_SYS,
                  choices=("hSERT-HEK293 cells", "hNET-HEK293 cells", "hDAT-HEK293 cells",
                           "rat hippocampal synaptosomes", "rat cortical synaptosomes",
                           "rat striatal synaptosomes"), free_text=True),
        Parameter("cells_per_well", "Cells per well", 50_000,
                  "Cells seeded per well the day before (leave empty for synaptosomes).", G_SYS,
                  low=1, high=10_000_000, optional=True),
        Parameter("substrate", "Substrate", "[3H]5-HT", "Labelled or fluorescent substrate.", G_SUB,
                  choices=SUBSTRATES, free_text=True),
        Parameter("substrate_stock", "Substrate stock", "35 uM",
                  "Substrate concentration as supplied (1 mCi/mL at 28 Ci/mmol = 35.7 uM).", G_SUB,
                  unit="uM", low=0, high=1e6, low_exclusive=True),
        Parameter("specific_activity", "Specific activity", "28 Ci/mmol",
                  "Specific activity of a labelled substrate (from its certificate).", G_SUB,
                  unit="Ci/mmol", low=0, high=10_000, low_exclusive=True),
        Parameter("substrate_conc", "Substrate final [S]", "20 nM", "Final substrate concentration.",
                  G_SUB, unit="nM", low=0, high=1e7, low_exclusive=True),
        Parameter("substrate_km", "Substrate Km", "500 nM",
                  "Km of the substrate at this transporter, your own measured value (for Cheng-Prusoff).",
                  G_SUB, unit="nM", low=0, high=1e7, low_exclusive=True),
        *compound_parameters(compound="sertraline", top="1 uM", stock="1 mM"),
        Parameter("reference_inhibitor", "Reference inhibitor (100% inhibition)", "fluoxetine",
                  "Inhibitor at a saturating concentration that defines nonspecific uptake.", G_CTRL,
                  choices=("fluoxetine", "paroxetine", "desipramine", "nisoxetine", "GBR 12909", "mazindol"),
                  free_text=True),
        Parameter("reference_conc", "Reference inhibitor final concentration", "10 uM",
                  "Final concentration of the reference inhibitor.", G_CTRL, unit="uM", low=0,
                  high=10_000, low_exclusive=True),
        Parameter("reference_stock", "Reference inhibitor stock", "10 mM", "Stock of the reference inhibitor.",
                  G_CTRL, unit="mM", low=0, high=1000, low_exclusive=True),
        Parameter("control_replicates", "Control wells", 6,
                  "Wells of vehicle (0%) and of reference inhibitor (100%) each, for Z'.", G_CTRL,
                  low=2, high=24),
        *plate_parameters(well_volume="200 uL"),
        Parameter("preincubation_time", "Pre-incubation with compound", "15 min",
                  "Time cells and compound are together before the substrate.", G_INC,
                  unit="min", low=0, high=240),
        Parameter("uptake_time", "Uptake time", "10 min", "Time from substrate addition to stop.", G_INC,
                  unit="min", low=0.5, high=120),
        Parameter("uptake_temp", "Uptake temperature", "37 degC", "Temperature of uptake.", G_INC,
                  unit="degC", low=0, high=40),
        Parameter("termination", "Termination", "aspirate and wash",
                  "aspirate and wash (adherent cells) or rapid filtration (synaptosomes).", G_INC,
                  choices=TERMINATIONS),
        Parameter("wash_count", "Washes", 3, "Ice-cold washes at termination.", G_INC, low=1, high=10),
        Parameter("wash_volume", "Wash volume", "200 uL", "Volume of each ice-cold wash per well.", G_INC,
                  unit="uL", low=10, high=5000),
        Parameter("readout", "Readout", "scintillation", "How uptake is measured.", G_INC, choices=READOUTS),
    )

    @property
    def isotope(self) -> str | None:
        return isotope_of(self.params.substrate)

    @property
    def labelled(self) -> bool:
        return self.isotope is not None

    @property
    def fluorescent(self) -> bool:
        return self.params.readout.startswith("fluorescence")

    @property
    def addition_volume(self):
        return (self.params.well_volume / self.params.working_fold).to("uL")

    @property
    def buffer_fill(self):
        """Buffer per well: well volume - compound slot - substrate slot."""
        return (self.params.well_volume - 2 * self.addition_volume).to("uL")

    @property
    def n_blanks(self) -> int:
        return self.params.replicates if self.fluorescent else 0

    @property
    def n_wells(self) -> int:
        v = self.params
        return 2 * v.control_replicates + v.n_conc * v.replicates + self.n_blanks

    def _check(self) -> None:
        v = self.params
        if self.fluorescent and self.labelled:
            raise ParameterError("readout", v.readout, "scintillation for a radiolabelled substrate",
                                 reason=f"does not measure {v.substrate}")
        if not self.fluorescent and not self.labelled:
            raise ParameterError("readout", v.readout,
                                 "fluorescence endpoint or fluorescence kinetic for an unlabelled substrate",
                                 reason=f"cannot count {v.substrate!r}: no isotope in its name")

    # -- simulation and analysis ------------------------------------------------------------------
    SIMULATED_SIGNAL = {"scintillation": (5000.0, 0.0, 0.0), "fluorescence endpoint": (20000.0, 1000.0, 150.0),
                        "fluorescence kinetic": (400.0, 1000.0, 10.0)}

    def simulate(self, seed: int | None = 0, **truth) -> pd.DataFrame:
        """Readings per well of this layout in the readout's shape: CPM (scintillation), RFU
        (fluorescence endpoint) or RFU every minute for the uptake time (kinetic).

        ``truth`` (defaults in brackets): ``ki`` [the compound's reference Ki at the
        transporter, DOMAIN.md], ``km`` [substrate_km], ``specific`` [vehicle specific uptake:
        5000 CPM, 20000 RFU, or 400 RFU/min kinetic], ``nonspecific`` [8% of specific],
        ``blank`` [0 CPM, 1000 RFU], ``well_cv`` [0.06], ``read_sd`` [0 CPM, 150 RFU endpoint,
        10 RFU kinetic], ``tau_min`` [20, kinetic saturation]. See
        :mod:`protocol_kit.simulate.uptake`."""
        from ..simulate.reference import reference_ki
        from ..simulate.truth import resolve_truth
        from ..simulate.uptake import simulate_uptake

        v = self.params
        specific, blank, read_sd = self.SIMULATED_SIGNAL[v.readout]
        ki_default = "1 M" if "ki" in truth else f"{reference_ki(v.compound, v.transporter)!r} M"
        given_specific = float(truth.get("specific", specific))
        t = resolve_truth(truth, {
            "ki": (ki_default, "M", "the compound's Ki"), "km": (v.substrate_km, "M", "the substrate's Km"),
            "specific": (specific, None, "specific uptake"), "nonspecific": (0.08 * given_specific, None, "nonspecific uptake"),
            "blank": (blank, None, "blank signal"), "well_cv": (0.06, None, "well CV"),
            "read_sd": (read_sd, None, "read noise SD"), "tau_min": (20.0, None, "saturation time (min)")})
        return simulate_uptake(self.layout, readout=v.readout, ki=t["ki"],
                               substrate_conc=float(v.substrate_conc.to("M").magnitude), km=t["km"],
                               specific=t["specific"], nonspecific=t["nonspecific"], blank=t["blank"],
                               well_cv=t["well_cv"], read_sd=t["read_sd"], tau_min=t["tau_min"],
                               uptake_min=float(v.uptake_time.to("min").magnitude), seed=seed)

    def analyse(self, data: pd.DataFrame, *, read=None, wavelength=None, kinetic=None, rate_window=None,
                weighting: str | None = "relative", bottom: float | None = None, exclude_wells=None,
                extra_wells: str = "error"):
        """Readings per well (raw with ``well`` + ``value``/``cpm``, kinetic with ``time_s``,
        or already joined to this layout) to an
        :class:`~protocol_kit.analysis.uptake.UptakeResult`: % inhibition from the vehicle and
        reference-inhibitor wells, IC50, Hill, Ki with this plan's [S] and Km, Z' and S/B per
        plate. ``read`` / ``wavelength``: which read of a file with several (see
        :mod:`protocol_kit.io.reads`; without a choice such a file is refused). ``kinetic``:
        how a kinetic read becomes one value per well: None (the readout decides: a kinetic
        readout takes initial rates, an endpoint readout refuses kinetic data), 'rate' (the
        initial rate), 'last' (each well's last time point) or a time in seconds; a conversion
        is stated in the result. ``rate_window`` (initial rates): (start, end) seconds,
        default the early linear part; ``weighting`` "relative" (1/reading^2) or None;
        ``bottom`` None (fitted) or a fixed % of control (0); ``exclude_wells``: wells left
        out (a marker such as OVRFLW in a planned well is otherwise refused);
        ``extra_wells='ignore'`` leaves out wells the plan does not use."""
        from ..analysis.uptake import analyse_uptake, kinetic_choice, kinetic_endpoint
        from ..errors import Hint

        v = self.params
        choice = kinetic_choice(kinetic)
        kinetic_readout = v.readout == "fluorescence kinetic"
        if choice is None:
            expect = "kinetic" if kinetic_readout else "endpoint"
        else:
            expect = "kinetic"
        df = self._joined(data, read=read, wavelength=wavelength, expect=expect, exclude_wells=exclude_wells,
                          extra_wells=extra_wells, kinetic_hints=[Hint("kinetic", "rate"), Hint("kinetic", "last")])
        conversion = ""
        if choice not in (None, "rate"):
            df, conversion = kinetic_endpoint(df, choice)
        rates = choice == "rate" or (choice is None and kinetic_readout)
        result = analyse_uptake(df, substrate_conc=float(v.substrate_conc.to("M").magnitude),
                                km=float(v.substrate_km.to("M").magnitude), kinetic=rates,
                                rate_window=rate_window, compound=v.compound, transporter=v.transporter,
                                readout=v.readout, weighting=weighting, bottom=bottom, conversion=conversion)
        if choice == "rate" and not kinetic_readout:
            start, end = result.rate_window_s
            result = dataclasses.replace(result, conversion=(
                f"kinetic read converted to one initial rate per well over {start:g}-{end:g} s, as asked "
                f"(kinetic='rate'; the plan's readout is {v.readout})"))
        return result

    def _layout(self) -> pd.DataFrame:
        v = self.params
        plate = plate_format(v.plate_format)
        S = float(v.substrate_conc.to("M").magnitude)
        extra = (("substrate_conc", S),)
        groups = [WellGroup("vehicle", 0.0, "V vehicle", v.control_replicates, extra),
                  WellGroup("positive", float("nan"), f"P {v.reference_inhibitor}", v.control_replicates, extra)]
        groups += compound_groups(v, extra)
        if self.n_blanks:
            groups.append(WellGroup("blank", float("nan"), "B blank (no cells)", self.n_blanks, extra))
        what = (f"2 x {v.control_replicates} control wells + {v.n_conc} concentrations x {v.replicates} "
                f"replicates" + (f" + {self.n_blanks} blanks" if self.n_blanks else ""))
        return build_layout(groups, plate, what=what)

    def _reagents(self) -> list[dict]:
        v = self.params
        ov = v.overage
        add = self.addition_volume
        wells = self.n_wells
        series = compound_series(v, add)
        rows = dilution_rows(series, name=v.compound, fold=v.working_fold, diluent="KRH")
        diluent = series.diluent_total()
        row, v_dil, substrate_amount = working_solution_row(
            v.substrate, final=v.substrate_conc, stock=v.substrate_stock, fold=v.working_fold,
            wells=wells - self.n_blanks, addition=add, overage=ov, diluent="KRH", field="substrate_stock")
        rows.append(row)
        diluent += v_dil
        if self.labelled:
            rows.append(activity_row(v.substrate, substrate_amount, v.specific_activity, self.isotope))
        row, v_dil, _ = working_solution_row(
            f"{v.reference_inhibitor} (100% inhibition)", final=v.reference_conc, stock=v.reference_stock,
            fold=v.working_fold, wells=v.control_replicates, addition=add, overage=ov, diluent="KRH",
            field="reference_stock", per_what="control well")
        rows.append(row)
        diluent += v_dil
        # buffer in the wells: the fill, the vehicle wells' compound slot, the blanks' substrate slot,
        # and one wash before the pre-incubation
        fill = scaled(self.buffer_fill * wells + add * (v.control_replicates + self.n_blanks)
                      + v.wash_volume * wells, 1, ov)
        warm = (fill + diluent).to("mL")
        if v.readout == "fluorescence kinetic":  # read live, no stop washes
            return KRH_BUFFER.rows(warm, purpose=f"warm {format_quantity(warm)}") + rows
        cold = scaled(v.wash_volume * v.wash_count, wells, ov).to("mL")
        return KRH_BUFFER.rows(warm + cold, purpose=f"warm {format_quantity(warm)} + ice-cold "
                                                    f"{format_quantity(cold)} for the stop washes") + rows

    def _checklist(self) -> list[Step]:
        v = self.params
        add = format_quantity(self.addition_volume)
        hot = (RADIOACTIVE,) if self.labelled else ()
        seeded = (f"Seed {v.cells_per_well:,} cells per well the day before (poly-D-lysine plate)."
                  if v.cells_per_well else "Prepare synaptosomes fresh and keep them on ice until use.")
        steps = [
            Step("ru-cells", f"{seeded} System: {v.system}.", "Preparation"),
            Step("ru-buffer", "Prepare KRH buffer with ascorbic acid and pargyline (reagent table); warm one "
                 f"portion to {format_quantity(v.uptake_temp)} and chill the wash portion on ice.",
                 "Preparation", hazards=(ICE_COLD,)),
            compound_series_step("ru-dilutions", v),
            working_solution_step("ru-reference", v.reference_inhibitor, v.reference_conc, v.working_fold),
            working_solution_step("ru-substrate", v.substrate, v.substrate_conc, v.working_fold, hazards=hot,
                                  note="Count two aliquots to measure the [S] actually added." if self.labelled else ""),
            Step("ru-wash-cells", f"Wash the cells once with {format_quantity(v.wash_volume)} warm KRH, then add "
                 f"{format_quantity(self.buffer_fill)} KRH to every well.", "Plate"),
            Step("ru-add-compound", f"Add {add} of each compound dilution, {add} {v.reference_inhibitor} to the "
                 f"100% wells and {add} KRH to the vehicle wells.", "Plate"),
            Step("ru-preincubate", f"Pre-incubate {format_quantity(v.preincubation_time)} at "
                 f"{format_quantity(v.uptake_temp)}.", "Uptake", duration=v.preincubation_time,
                 temperature=format_quantity(v.uptake_temp), timer=True),
            Step("ru-start", f"Start uptake: add {add} {v.substrate} to every well with cells; note the time.",
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
        how = "rapid filtration and wash" if v.termination == "rapid filtration" else "aspirate and wash"
        steps.append(Step("ru-stop", f"Stop: {how} {v.wash_count} x {format_quantity(v.wash_volume)} ice-cold KRH.",
                          "Stop", temperature="ice-cold", hazards=hot + (ICE_COLD, TIMING_CRITICAL)))
        if self.fluorescent:
            steps.append(Step("ru-read", "Read fluorescence (endpoint) and export the plate.", "Readout"))
        else:
            steps += [
                Step("ru-lyse", "Lyse the cells (e.g. 1% SDS) and add scintillant.", "Readout",
                     hazards=hot + (CHEMICAL,)),
                Step("ru-count", "Count each well (CPM) and export the per-well list, with the [S] aliquots.",
                     "Readout", hazards=hot),
                Step("ru-waste", f"Dispose of {self.isotope} waste by the local rules and log the "
                     "activity used.", "Clean-up", hazards=hot),
            ]
        return steps
