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
from ..core.steps import Addition, Step
from ..errors import ParameterError
from ..reference.systems import systems
from ..units import Q_, fmt_number, format_quantity
from .common import ReagentMeasures, compound_groups, compound_parameters, isotope_of, plate_parameters, solvent_diluent_name
from .defaults import SystemChoice, TargetDefaults, quantity_text
from .reuptake_sheet import KRH_BUFFER, uptake_checklist, uptake_reagents

SUBSTRATES = ("[3H]5-HT", "[3H]NE", "[3H]DA", "fluorescent substrate")
READOUTS = ("scintillation", "fluorescence endpoint", "fluorescence kinetic")
TERMINATIONS = ("aspirate and wash", "rapid filtration")
G_SYS, G_SUB, G_CTRL, G_INC = "System", "Substrate", "Controls", "Uptake and readout"
CELLS_PER_WELL = 50_000


def system_kind(system: str) -> str | None:
    """cells or synaptosomes: from the assay-system file, else from the words of the name."""
    kind = systems().kind_of(system)
    if kind is not None:
        return kind
    text = system.lower()
    if "synaptosom" in text:
        return "synaptosomes"
    if "cell" in text:
        return "cells"
    return None


@register
class ReuptakeInhibition(TargetDefaults, ReagentMeasures, Protocol):
    """Inhibition of transporter-mediated uptake of a labelled or fluorescent substrate.

    The system, substrate, its Km, [S], the reference inhibitor, the termination and the cells
    per well follow ``transporter`` (and a chosen ``system``) from the assay-system file
    (:mod:`protocol_kit.protocols.defaults`) unless given."""

    id = "reuptake-inhibition"
    title = "Neurotransmitter reuptake inhibition"
    version = "1.0"
    summary = "Uptake of [3H]5-HT, [3H]NE, [3H]DA or a fluorescent substrate; IC50 and Ki with [S]/Km."
    parameters = (
        Parameter("transporter", "Transporter", "SERT",
                  "Transporter studied; sets the defaults of the system, substrate, Km and reference inhibitor "
                  "(assay-system file).", G_SYS, choices=("SERT", "NET", "DAT"), free_text=True),
        Parameter("system", "System", "hSERT-HEK293 cells",
                  "Cells expressing the transporter, or synaptosomes from a brain region "
                  "(striatum for DAT; hippocampus or cortex for SERT and NET); default: the transporter's "
                  "cell line. A name of your own must say 'cells' or 'synaptosomes'.", G_SYS,
                  choices=("hSERT-HEK293 cells", "hNET-HEK293 cells", "hDAT-HEK293 cells",
                           "rat hippocampal synaptosomes", "rat cortical synaptosomes",
                           "rat striatal synaptosomes"), free_text=True),
        Parameter("cells_per_well", "Cells per well", CELLS_PER_WELL,
                  "Cells seeded per well the day before (empty for synaptosomes, the default there).", G_SYS,
                  low=1, high=10_000_000, optional=True),
        Parameter("synaptosome_volume", "Synaptosome suspension per well", "50 uL",
                  "Synaptosome suspension added to each well before the pre-incubation (synaptosomes only).",
                  G_SYS, unit="uL", low=1, high=1000),
        Parameter("substrate", "Substrate", "[3H]5-HT",
                  "Labelled or fluorescent substrate (default: the transporter's).", G_SUB,
                  choices=SUBSTRATES, free_text=True),
        Parameter("substrate_stock", "Substrate stock", "35.7 uM",
                  "Substrate concentration as supplied (1 mCi/mL at 28 Ci/mmol = 35.7 uM).", G_SUB,
                  unit="uM", low=0, high=1e6, low_exclusive=True),
        Parameter("specific_activity", "Specific activity", "28 Ci/mmol",
                  "Specific activity of a labelled substrate (from its certificate).", G_SUB,
                  unit="Ci/mmol", low=0, high=10_000, low_exclusive=True),
        Parameter("substrate_conc", "Substrate final [S]", "20 nM",
                  "Final substrate concentration (default 20 nM, a tracer well below Km).",
                  G_SUB, unit="nM", low=0, high=1e7, low_exclusive=True),
        Parameter("substrate_km", "Substrate Km", "463 nM",
                  "Km of the substrate at this transporter in this system, your own measured value (for "
                  "Cheng-Prusoff); default the assay-system file's published value, with its source.",
                  G_SUB, unit="nM", low=0, high=1e7, low_exclusive=True),
        *compound_parameters(compound="sertraline", top="1 uM", stock="1 mM"),
        Parameter("reference_inhibitor", "Reference inhibitor (100% inhibition)", "fluoxetine",
                  "Inhibitor at a saturating concentration that defines nonspecific uptake (default: the "
                  "transporter's).", G_CTRL,
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
                  "aspirate and wash (adherent cells) or rapid filtration (synaptosomes); default: the system's.",
                  G_INC,
                  choices=TERMINATIONS),
        Parameter("wash_count", "Washes", 3, "Ice-cold washes at termination.", G_INC, low=1, high=10),
        Parameter("wash_volume", "Wash volume", "200 uL", "Volume of each ice-cold wash per well.", G_INC,
                  unit="uL", low=10, high=5000),
        Parameter("readout", "Readout", "scintillation", "How uptake is measured.", G_INC, choices=READOUTS),
    )

    system_fields = ("system", "substrate", "substrate_km", "reference_inhibitor")

    @classmethod
    def _system_defaults(cls, values: dict) -> SystemChoice:
        """The transporter's rows of the assay-system file: its first system unless one is chosen;
        the substrate, reference inhibitor and [S] of the chosen system's row; the Km only from
        the row of that system and substrate; termination and cells per well from the system kind."""
        transporter = values.get("transporter", cls.parameter("transporter").default)
        system = values.get("system")
        if not isinstance(transporter, str) or not isinstance(system, (str, type(None))):
            return SystemChoice(None, {}, {})
        table = systems()
        rows = table.of("uptake", transporter)
        out: dict = {}
        reasons: dict = {}
        if not rows:
            why = (f"a value of your own: the assay-system file has no uptake system for transporter "
                   f"{transporter.strip()!r} (it has {', '.join(table.targets('uptake'))})")
            reasons = {f: why for f in cls.system_fields}
            row = None
        else:
            out["system"] = rows[0].system
            system = system if system is not None else rows[0].system
            row = table.match("uptake", transporter, system=system) or rows[0]
            out.update(substrate=row.labelled, reference_inhibitor=row.control, substrate_conc=quantity_text(row.conc))
            substrate = values.get("substrate", row.labelled)
            match = table.match("uptake", transporter, system=system, labelled=substrate) \
                if isinstance(substrate, str) else None
            if match is not None and match.k is not None:
                out["substrate_km"] = quantity_text(match.k)
                row = match
            else:
                reasons["substrate_km"] = (
                    f"your own measured Km of {substrate} in {system}: the assay-system file "
                    + (f"has no published Km for it ({match.where}: {match.note})" if match is not None
                       else f"lists no Km of {substrate} in {system} at {rows[0].target}"))
        kind = system_kind(system) if isinstance(system, str) else None
        if kind == "synaptosomes":
            out.update(termination="rapid filtration", cells_per_well=None)
        elif kind == "cells":
            out.update(termination="aspirate and wash", cells_per_well=CELLS_PER_WELL)
        return SystemChoice(row, out, reasons)

    @property
    def system_kind(self) -> str:
        """cells or synaptosomes (checked when the plan is made)."""
        return system_kind(self.params.system)

    @property
    def synaptosomes(self) -> bool:
        return self.system_kind == "synaptosomes"

    @property
    def material(self) -> str:
        """What is in the wells, in the plan's words: "cells" or "synaptosomes"."""
        return self.system_kind

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
    def reading_unit(self) -> str:
        """The unit of a well's reading as the readout gives it: CPM (scintillation counts per
        minute) or RFU (relative fluorescence units; a kinetic read is RFU at each time point)."""
        return "RFU" if self.fluorescent else "CPM"

    @property
    def addition_volume(self):
        return (self.params.well_volume / self.params.working_fold).to("uL")

    @property
    def system_volume(self):
        """Volume of the system added per well: the synaptosome suspension, or 0 for adherent cells."""
        return self.params.synaptosome_volume.to("uL") if self.synaptosomes else Q_(0, "uL")

    @property
    def buffer_fill(self):
        """Buffer per well: well volume - compound slot - substrate slot - synaptosome suspension."""
        return (self.params.well_volume - 2 * self.addition_volume - self.system_volume).to("uL")

    @property
    def n_blanks(self) -> int:
        return self.params.replicates if self.fluorescent else 0

    @property
    def n_wells(self) -> int:
        v = self.params
        return 2 * v.control_replicates + v.n_conc * v.replicates + self.n_blanks

    def _check(self) -> None:
        v = self.params
        kind = system_kind(v.system)
        if kind is None:
            raise ParameterError("system", v.system, "a name that says 'cells' or 'synaptosomes' (e.g. 'hSERT-JAR "
                                 "cells'), or one of " + ", ".join(self.parameter("system").choices),
                                 reason="does not say whether the wells hold cells or synaptosomes")
        if kind == "synaptosomes":
            if v.termination == "aspirate and wash":
                raise ParameterError("termination", v.termination, "rapid filtration for synaptosomes",
                                     reason="cannot stop uptake in a synaptosome suspension")
            if v.cells_per_well is not None:
                raise ParameterError("cells_per_well", v.cells_per_well, f"empty for {v.system} (synaptosomes are "
                                     "added as a suspension, synaptosome_volume)", reason="is for seeded cells")
            if v.readout == "fluorescence endpoint":
                raise ParameterError("readout", v.readout, "scintillation or fluorescence kinetic for synaptosomes",
                                     reason="needs washed cells left in their wells; synaptosomes are filtered")
        if self.buffer_fill.magnitude < 0:
            raise ParameterError(
                "synaptosome_volume", format_quantity(v.synaptosome_volume),
                f"at most {format_quantity(v.well_volume - 2 * self.addition_volume)} (well volume minus two "
                f"{format_quantity(self.addition_volume)} additions)", reason="does not fit in the well")
        if self.fluorescent and self.labelled:
            raise ParameterError("readout", v.readout, "scintillation for a radiolabelled substrate",
                                 reason=f"does not measure {v.substrate}")
        if not self.fluorescent and not self.labelled:
            raise ParameterError("readout", v.readout,
                                 "fluorescence endpoint or fluorescence kinetic for an unlabelled substrate",
                                 reason=f"cannot count {v.substrate!r}: no isotope in its name")

    # -- simulation and analysis ------------------------------------------------------------------
    def analysis_inputs(self):
        """The contract this plan hands its analysis, simulation and report: an
        :class:`~protocol_kit.analysis.inputs.UptakeInputs` ([S] and Km in molar, the readout,
        the uptake time in min), converted once from the validated parameters."""
        from ..analysis.inputs import UptakeInputs

        v = self.params
        return UptakeInputs(substrate_conc=float(v.substrate_conc.to("M").magnitude),
                            km=float(v.substrate_km.to("M").magnitude), readout=v.readout,
                            uptake_min=float(v.uptake_time.to("min").magnitude))

    def simulate(self, seed: int | None = 0, **truth) -> pd.DataFrame:
        """Readings per well of this layout in the readout's shape: CPM (scintillation), RFU
        (fluorescence endpoint) or RFU every minute for the uptake time (kinetic).

        ``truth`` (defaults in brackets): ``ki`` [the compound's reference Ki at the
        transporter, DOMAIN.md], ``km`` [substrate_km], ``specific`` [vehicle specific uptake:
        5000 CPM, 20000 RFU, or 400 RFU/min kinetic], ``nonspecific`` [8% of specific],
        ``blank`` [0 CPM, 1000 RFU], ``well_cv`` [0.06], ``read_sd`` [0 CPM, 150 RFU endpoint,
        10 RFU kinetic], ``tau_min`` [20, kinetic saturation]. See
        :mod:`protocol_kit.simulate.uptake`."""
        from ..simulate.uptake import simulate_uptake_plan

        v = self.params
        return simulate_uptake_plan(self.layout, self.analysis_inputs(), seed=seed, compound=v.compound,
                                    transporter=v.transporter, truth=truth)

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
        default the early linear part; ``weighting`` "relative" (1/reading^2 of the fitted
        curve's readings, iterated) or None;
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
        result = analyse_uptake(df, self.analysis_inputs(), kinetic=rates, rate_window=rate_window,
                                compound=v.compound, transporter=v.transporter, weighting=weighting, bottom=bottom,
                                conversion=conversion)
        if choice == "rate" and not kinetic_readout:
            start, end = result.rate_window_s
            result = dataclasses.replace(result, conversion=(
                f"kinetic read converted to one initial rate per well over {fmt_number(start)}-{fmt_number(end)} s, as asked "
                f"(kinetic='rate'; the plan's readout is {v.readout})"))
        return result

    def _layout(self) -> pd.DataFrame:
        v = self.params
        plate = plate_format(v.plate_format)
        extra = (("substrate_conc", self.analysis_inputs().substrate_conc),)
        groups = [WellGroup("vehicle", 0.0, "V vehicle", v.control_replicates, extra),
                  WellGroup("positive", float("nan"), f"P {v.reference_inhibitor}", v.control_replicates, extra)]
        groups += compound_groups(v, extra)
        if self.n_blanks:
            groups.append(WellGroup("blank", float("nan"), f"B blank (no {self.material})", self.n_blanks, extra))
        what = (f"2 x {v.control_replicates} control wells + {v.n_conc} concentrations x {v.replicates} "
                f"replicates" + (f" + {self.n_blanks} blanks" if self.n_blanks else ""))
        return build_layout(groups, plate, what=what)

    @property
    def additions(self) -> list[Addition]:
        """What goes into the wells, per role (see :class:`~protocol_kit.core.steps.Addition`).
        Blank wells get KRH in place of the system and of the substrate, so every well holds the
        well volume."""
        v = self.params
        add, krh = self.addition_volume, KRH_BUFFER.name
        with_system = ("vehicle", "positive", "compound")
        every = with_system + (("blank",) if self.n_blanks else ())
        diluent = solvent_diluent_name(v, "KRH")
        out = [Addition("ru-wash-cells", "KRH", krh, self.buffer_fill, every)]
        if not self.synaptosomes:
            out.append(Addition("ru-cells", v.system, self._system_row_name, None, with_system))
        out += [Addition("ru-add-compound", f"each {v.compound} dilution", f"{v.compound} stock", add, ("compound",)),
                Addition("ru-add-compound", diluent, diluent if diluent != "KRH" else krh, add,
                         ("vehicle",) + (("blank",) if self.n_blanks else ())),
                Addition("ru-add-compound", f"{v.reference_inhibitor} working solution",
                         f"{v.reference_inhibitor} (100% inhibition) working solution", add, ("positive",))]
        if self.synaptosomes:
            out.append(Addition("ru-add-system", v.system, self._system_row_name, self.system_volume, with_system))
            if self.n_blanks:
                out.append(Addition("ru-add-system", "KRH in place of synaptosomes", krh, self.system_volume,
                                    ("blank",)))
        out.append(Addition("ru-start", f"{v.substrate} working solution", f"{v.substrate} working solution", add,
                            with_system))
        if self.n_blanks:
            out.append(Addition("ru-start", "KRH in place of the substrate", krh, add, ("blank",)))
        return out

    @property
    def _system_row_name(self) -> str:
        v = self.params
        return f"Synaptosome suspension ({v.system})" if self.synaptosomes else f"Cells: {v.system}"

    def _reagents(self) -> list[dict]:
        return uptake_reagents(self)

    def _checklist(self) -> list[Step]:
        return uptake_checklist(self)
