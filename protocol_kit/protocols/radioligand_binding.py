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
from ..core.reagents import SerialDilution
from ..core.steps import Addition, Step
from ..errors import ParameterError
from ..reference.systems import systems
from ..units import format_quantity
from .common import (
    ReagentMeasures, compound_groups, compound_parameters, dilution_series, fmt_conc, isotope_of, plate_parameters,
    solvent_diluent_name,
)
from .defaults import SystemChoice, TargetDefaults, quantity_text
from .radioligand_sheet import BINDING_BUFFER, binding_checklist, binding_reagents

TARGETS = ("SERT", "NET", "DAT", "sigma-1", "H1", "muscarinic", "alpha-1")
RADIOLIGANDS = ("[3H]citalopram", "[3H]nisoxetine", "[3H]WIN 35,428", "[3H]pyrilamine", "[3H]QNB",
                "[3H]NMS", "[3H]prazosin", "[3H](+)-pentazocine")
NSB_DRUGS = ("fluoxetine", "paroxetine", "desipramine", "GBR 12909", "mianserin", "atropine",
             "phentolamine", "haloperidol")

G_TARGET, G_LIGAND, G_NSB, G_INC, G_SAT = ("Target and membranes", "Radioligand", "Nonspecific binding",
                                           "Incubation, harvest and counting", "Saturation mode")


@register
class RadioligandBinding(TargetDefaults, ReagentMeasures, Protocol):
    """Radioligand binding to membranes, counted by liquid scintillation.

    The radioligand, its Kd, [L], the membrane source and the NSB drug follow ``target`` from
    the assay-system file (:mod:`protocol_kit.protocols.defaults`) unless given."""

    id = "radioligand-binding"
    title = "Radioligand binding"
    version = "1.0"
    summary = "Competition (IC50, Ki by Cheng-Prusoff) or saturation (Kd, Bmax) binding on membranes."
    parameters = (
        Parameter("mode", "Experiment", "competition",
                  "competition: one radioligand concentration, a compound series (IC50, Ki); "
                  "saturation: a radioligand series with and without the NSB drug (Kd, Bmax).",
                  "Experiment", choices=("competition", "saturation")),
        Parameter("target", "Target", "SERT",
                  "Transporter or receptor studied; sets the defaults of the radioligand, its Kd, [L], the "
                  "membrane source and the NSB drug (assay-system file).", G_TARGET,
                  choices=TARGETS, free_text=True),
        Parameter("membrane_source", "Membrane source", "HEK293 cells expressing human SERT",
                  "Cells or tissue the membranes were prepared from (default: the target's).", G_TARGET),
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
        Parameter("radioligand", "Radioligand", "[3H]citalopram",
                  "Labelled ligand (default: the target's, e.g. [3H]citalopram at SERT).",
                  G_LIGAND, choices=RADIOLIGANDS, free_text=True),
        Parameter("radioligand_stock", "Radioligand stock", "12.5 uM",
                  "Concentration of the radioligand as supplied (e.g. 1 mCi/mL at 80 Ci/mmol = 12.5 uM).",
                  G_LIGAND, unit="nM", low=0, high=1e7, low_exclusive=True),
        Parameter("specific_activity", "Specific activity", "80 Ci/mmol",
                  "Specific activity of the radioligand batch (from its certificate).",
                  G_LIGAND, unit="Ci/mmol", low=0, high=10_000, low_exclusive=True),
        Parameter("radioligand_kd", "Radioligand Kd", "1.5 nM",
                  "Kd of the radioligand at this target: your own measured value (saturation mode); default the "
                  "assay-system file's, with its source.",
                  G_LIGAND, unit="nM", low=0, high=1e6, low_exclusive=True),
        Parameter("radioligand_conc", "Radioligand final [L]", "1.5 nM",
                  "Final radioligand concentration in competition mode, usually near Kd (default: = Kd).",
                  G_LIGAND, unit="nM", low=0, high=1e6, low_exclusive=True),
        *compound_parameters(compound="sertraline"),
        Parameter("nsb_drug", "NSB drug", "fluoxetine",
                  "Unlabelled drug that defines nonspecific binding (default: the target's).",
                  G_NSB, choices=NSB_DRUGS, free_text=True),
        Parameter("nsb_conc", "NSB drug final concentration", "10 uM",
                  "Final concentration of the NSB drug (saturating: >= 100 x its Ki).",
                  G_NSB, unit="uM", low=0, high=10_000, low_exclusive=True),
        Parameter("nsb_stock", "NSB drug stock", "1 mM",
                  "Concentration of the NSB drug stock (1 mM keeps the draw into its working solution >= 1 uL).",
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

    system_fields = ("radioligand", "radioligand_kd", "radioligand_conc", "membrane_source", "nsb_drug")

    @classmethod
    def _system_defaults(cls, values: dict) -> SystemChoice:
        """The target's row of the assay-system file: radioligand, membranes, NSB drug; the Kd (and
        [L] = Kd) only from the row of the radioligand used; [L] = the user's Kd when one is given."""
        target = values.get("target", cls.parameter("target").default)
        if not isinstance(target, str):
            return SystemChoice(None, {}, {})
        table = systems()
        row = table.default("binding", target)
        if row is None:
            why = (f"a value of your own: the assay-system file has no binding system for target {target.strip()!r} "
                   f"(it has {', '.join(table.targets('binding'))})")
            return SystemChoice(None, {}, {f: why for f in cls.system_fields})
        out = {"radioligand": row.labelled, "membrane_source": row.system, "nsb_drug": row.control}
        reasons = {}
        ligand = values.get("radioligand", row.labelled)
        match = table.match("binding", target, labelled=ligand) if isinstance(ligand, str) else None
        if match is not None and match.k is not None:
            out["radioligand_kd"] = quantity_text(match.k)
        else:
            listed = ", ".join(r.labelled for r in table.of("binding", target))
            reasons["radioligand_kd"] = (
                f"your own measured Kd of {ligand} at {row.target}: the assay-system file "
                + (f"has no published Kd for it ({match.where}: {match.note})" if match is not None
                   else f"lists no Kd of {ligand} at {row.target} (it has {listed})"))
        if "radioligand_kd" in values:
            out["radioligand_conc"] = values["radioligand_kd"]
        elif "radioligand_kd" in out:
            out["radioligand_conc"] = out["radioligand_kd"]
        reasons["radioligand_conc"] = "a final [L] near your Kd"
        return SystemChoice(match or row, out, reasons)

    # -- derived quantities -------------------------------------------------------------------
    @property
    def reading_unit(self) -> str:
        """The unit of a well's reading: CPM, counts per minute of the filter in the scintillation
        counter (the checklist's counting step)."""
        return "CPM"

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
    def analysis_inputs(self):
        """The contract this plan hands its analysis, simulation and report: a
        :class:`~protocol_kit.analysis.inputs.BindingInputs` ([L], Kd) or, in saturation mode, a
        :class:`~protocol_kit.analysis.inputs.SaturationInputs` (the [L] series, the expected Kd),
        with the specific activity, counting efficiency, protein and well volume, all as floats
        (molar, Ci/mmol, fraction, mg, L) converted once from the validated parameters."""
        from ..analysis.inputs import BindingInputs, SaturationInputs

        v = self.params
        counting = dict(specific_activity=float(v.specific_activity.to("Ci/mmol").magnitude),
                        efficiency=v.counting_efficiency / 100, protein_mg=float(v.protein_per_well.to("mg").magnitude),
                        well_volume_l=float(v.well_volume.to("L").magnitude), kd=float(v.radioligand_kd.to("M").magnitude))
        if self.saturation:
            return SaturationInputs(**counting, ligand_concs=tuple(self.ligand_concentrations()))
        return BindingInputs(**counting, radioligand_conc=float(v.radioligand_conc.to("M").magnitude))

    def simulate(self, seed: int | None = 0, **truth) -> pd.DataFrame:
        """Counts per well of this layout, as a counter's list (plate, well, cpm, value).

        ``truth`` (defaults in brackets): ``ki`` [the compound's reference Ki at the target,
        DOMAIN.md, e.g. sertraline at SERT 0.29 nM], ``kd`` [radioligand_kd], ``bmax``
        [2000 fmol/mg], ``ns`` [0.005, nonspecifically bound per free ligand], ``background_cpm``
        [30], ``well_cv`` [0.04, pipetting], ``count_min`` [1]. Specific activity, counting
        efficiency, protein and volume are the plan's (:meth:`analysis_inputs`). See
        :mod:`protocol_kit.simulate.binding`.
        """
        from ..simulate.binding import simulate_binding

        v = self.params
        return simulate_binding(self.layout, self.analysis_inputs(), seed=seed, compound=v.compound,
                                target=v.target, truth=truth)

    def analyse(self, data: pd.DataFrame, *, read=None, wavelength=None, weighting: str | None = "relative",
                bottom: float | None = None, exclude_wells=None, extra_wells: str = "error"):
        """Counts per well (a counter list, raw with ``well`` + ``cpm``/``value`` or already
        joined to this layout) to a :class:`~protocol_kit.analysis.assay_binding.CompetitionResult`
        (IC50, Hill, Ki by Cheng-Prusoff with this plan's [L] and Kd, direct Ki fit) or, in
        saturation mode, a :class:`~protocol_kit.analysis.assay_saturation.SaturationResult`
        (Kd, Bmax in fmol/mg protein). [L], Kd, specific activity, efficiency, protein per well
        and well volume are this plan's (:meth:`analysis_inputs`). ``weighting``: "relative" (1/CPM^2 of the fitted
        curve's counts, iterated; the default) or None (unweighted); see :mod:`protocol_kit.analysis.assay_binding`.
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
            return analyse_saturation(df, self.analysis_inputs(), radioligand=v.radioligand, target=v.target,
                                      weighting=weighting)
        return analyse_competition(df, self.analysis_inputs(), compound=v.compound, target=v.target,
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
            extra = (("radioligand_conc", self.analysis_inputs().radioligand_conc),)
            groups = [WellGroup("total", math.nan, "TB total binding", v.replicates, extra),
                      WellGroup("nsb", math.nan, f"NSB {v.nsb_drug}", v.replicates, extra)]
            groups += compound_groups(v, extra)
            what = f"({v.n_conc} concentrations + total + NSB) x {v.replicates} replicates"
        return build_layout(groups, plate, what=what)

    @property
    def additions(self) -> list[Addition]:
        """What goes into the wells, per role (see :class:`~protocol_kit.core.steps.Addition`)."""
        v = self.params
        add, buffer = self.addition_volume, BINDING_BUFFER.name
        every = ("total", "nsb") if self.saturation else ("total", "nsb", "compound")
        out = [Addition("rb-add-buffer", "assay buffer", buffer, self.buffer_fill, every)]
        if self.saturation:
            out += [Addition("rb-add-buffer", "assay buffer in the NSB-drug slot", buffer, add, ("total",)),
                    Addition("rb-add-compound", f"{v.nsb_drug} working solution", f"{v.nsb_drug} (NSB) working solution",
                             add, ("nsb",)),
                    Addition("rb-add-radioligand", f"the {v.radioligand} tube of the well's [L]", f"{v.radioligand} stock",
                             add, ("total", "nsb"))]
        else:
            diluent = solvent_diluent_name(v, "assay buffer")
            out += [Addition("rb-add-compound", f"each {v.compound} dilution", f"{v.compound} stock", add, ("compound",)),
                    Addition("rb-add-compound", diluent, diluent if diluent != "assay buffer" else buffer, add,
                             ("total",)),
                    Addition("rb-add-compound", f"{v.nsb_drug} working solution", f"{v.nsb_drug} (NSB) working solution",
                             add, ("nsb",)),
                    Addition("rb-add-radioligand", f"{v.radioligand} working solution",
                             f"{v.radioligand} working solution", add, every)]
        out.append(Addition("rb-add-membranes", "membranes", "Membrane suspension", v.membrane_volume, every))
        return out

    def _reagents(self) -> list[dict]:
        return binding_reagents(self)

    def _checklist(self) -> list[Step]:
        return binding_checklist(self)
