"""In vivo microdialysis with HPLC-ECD of the dialysate fractions.

Fraction times are relative to the dose (t = 0): baseline fractions end at 0, post-dose
fractions start at 0. Expected volume = flow x interval. aCSF = flow x total perfusion time x
animals x (1 + overage). Dose solution (mg/mL) = dose (mg/kg) / injection volume (mL/kg), as
``dose_basis`` (base or salt); the mass weighed is of the ``salt_form``, so a dose meant as base is
weighed as salt x M(salt) / M(base) (:mod:`protocol_kit.reference.salts`; sertraline HCl 342.69 /
306.23 = 1.119: 21.6 mg base is 24.17 mg of the salt).
"""
from __future__ import annotations

import math

import pandas as pd

from ..core.params import Parameter
from ..core.protocol import Protocol, register
from ..core.reagents import BufferRecipe, Component, reagent_row
from ..core.steps import ANIMAL, CHEMICAL, ICE_COLD, SHARPS, TIMING_CRITICAL, Step
from ..errors import ParameterError
from ..reference.salts import BASES, SaltForm, salt_form
from ..units import Q_, fmt_number, format_quantity
from .common import scaled

# aCSF as in DOMAIN.md: 147 mM NaCl, 2.7 mM KCl, 1.2 mM CaCl2, 0.85 mM MgCl2 (hydrates weighed).
ACSF = BufferRecipe(
    "Artificial CSF (aCSF)",
    (
        Component("NaCl", Q_(147, "mM"), Q_(58.44, "g/mol")),
        Component("KCl", Q_(2.7, "mM"), Q_(74.55, "g/mol")),
        Component("CaCl2·2H2O", Q_(1.2, "mM"), Q_(147.01, "g/mol")),
        Component("MgCl2·6H2O", Q_(0.85, "mM"), Q_(203.30, "g/mol")),
    ),
)

G_ANIMAL, G_PROBE, G_PERF, G_DOSE, G_HPLC = ("Animals", "Probe and placement", "Perfusion and fractions",
                                             "Dosing", "Analysis")


@register
class Microdialysis(Protocol):
    """In vivo microdialysis in freely moving rodents, fractions analysed by HPLC-ECD."""

    id = "microdialysis"
    title = "In vivo microdialysis"
    version = "1.1"  # 1.1: salt form and dose basis; the drug mass weighed is of the salt
    summary = "Extracellular neurotransmitter before and after a dose, as % of baseline."
    plan_kind = "schedule"
    parameters = (
        Parameter("species", "Species", "rat", "Species.", G_ANIMAL, choices=("rat", "mouse")),
        Parameter("strain", "Strain", "Sprague-Dawley", "Strain or line.", G_ANIMAL),
        Parameter("n_animals", "Animals", 12, "Animals in the experiment (drug and vehicle groups).", G_ANIMAL,
                  low=1, high=200),
        Parameter("vehicle_animals", "Vehicle-treated animals", 6,
                  "How many of the animals receive vehicle only (the control group).", G_ANIMAL, low=0, high=200),
        Parameter("body_weight", "Body weight (planning)", "300 g",
                  "Typical body weight, for planning the dose solution; each animal is weighed on the day.",
                  G_ANIMAL, unit="g", low=5, high=2000),
        Parameter("region", "Brain region", "ventral hippocampus", "Region of the probe.", G_PROBE,
                  choices=("ventral hippocampus", "dorsal hippocampus", "prefrontal cortex", "striatum",
                           "nucleus accumbens"), free_text=True),
        Parameter("ap", "AP from bregma", None, "Anterior-posterior coordinate from bregma (your atlas).",
                  G_PROBE, unit="mm", low=-15, high=15, optional=True),
        Parameter("ml", "ML from midline", None, "Medial-lateral coordinate.", G_PROBE, unit="mm",
                  low=-10, high=10, optional=True),
        Parameter("dv", "DV from dura", None, "Dorsal-ventral coordinate of the probe tip.", G_PROBE,
                  unit="mm", low=-15, high=15, optional=True),
        Parameter("probe_membrane", "Probe membrane length", "2 mm", "Active membrane length.", G_PROBE,
                  unit="mm", low=0.5, high=10),
        Parameter("probe_cutoff", "Membrane cut-off", "20 kDa", "Molecular weight cut-off.", G_PROBE,
                  unit="kDa", low=1, high=3000),
        Parameter("recovery_time", "Recovery after surgery", "24 h", "Time from implantation to the experiment.",
                  G_PROBE, unit="h", low=0, high=336),
        Parameter("flow_rate", "Flow rate", "1 uL/min", "Perfusion flow rate of aCSF.", G_PERF,
                  unit="uL/min", low=0.1, high=10),
        Parameter("equilibration_time", "Equilibration", "120 min",
                  "Perfusion before the first baseline fraction.", G_PERF, unit="min", low=0, high=600),
        Parameter("fraction_interval", "Fraction interval", "20 min", "Collection time of each fraction.",
                  G_PERF, unit="min", low=1, high=120),
        Parameter("baseline_fractions", "Baseline fractions", 4,
                  "Fractions before the dose; their mean is 100%.", G_PERF, low=1, high=12),
        Parameter("post_dose_duration", "Collection after the dose", "3 h",
                  "Collection time after the dose (a whole number of fractions).", G_PERF, unit="h",
                  low=0, high=48, low_exclusive=True),
        Parameter("drug", "Drug", "sertraline", "Drug given.", G_DOSE),
        Parameter("salt_form", "Salt form weighed", "HCl",
                  "Form of the drug as supplied and weighed (see its certificate of analysis): a salt on file in "
                  "protocol_kit/reference/data/salts.csv, or 'free base'; for another salt give both molar masses.",
                  G_DOSE, choices=("HCl", "free base", "HBr", "oxalate", "HCl hemihydrate"), free_text=True),
        Parameter("dose", "Dose", "10 mg/kg", "Dose per body weight, as the dose basis (base or salt).", G_DOSE,
                  unit="mg/kg", low=0, high=2000),
        Parameter("dose_basis", "Dose expressed as", "base",
                  "base: the dose is mg of free base per kg, and the salt weighed is corrected by M(salt) / M(base); "
                  "salt: the dose is mg of the salt form per kg, weighed as it is.", G_DOSE, choices=BASES),
        Parameter("salt_molar_mass", "Molar mass of the salt form", None,
                  "Only for a drug or salt form not on file (with the base's): from the supplier's CoA or PubChem.",
                  G_DOSE, unit="g/mol", low=1, high=5000, optional=True),
        Parameter("base_molar_mass", "Molar mass of the free base", None,
                  "Only for a drug or salt form not on file (with the salt's).", G_DOSE, unit="g/mol", low=1,
                  high=5000, optional=True),
        Parameter("route", "Route", "i.p.", "Route of administration.", G_DOSE,
                  choices=("i.p.", "s.c.", "p.o.", "i.v.")),
        Parameter("vehicle", "Vehicle", "0.9% saline", "Vehicle of the dose solution.", G_DOSE),
        Parameter("injection_volume", "Injection volume", "5 mL/kg", "Volume given per body weight.", G_DOSE,
                  unit="mL/kg", low=0.1, high=50),
        Parameter("analyte", "Analyte", "5-HT", "Neurotransmitter measured.", G_HPLC,
                  choices=("5-HT", "NE", "DA", "5-HIAA", "DOPAC", "HVA"), free_text=True),
        Parameter("overage", "Overage (%)", 20.0, "Extra volume made of every solution, in percent.",
                  G_PERF, low=0.0, high=200.0),
    )

    # -- derived --------------------------------------------------------------------------------
    @property
    def post_dose_fractions(self) -> int:
        return round((self.params.post_dose_duration / self.params.fraction_interval).to("").magnitude)

    @property
    def fraction_volume(self):
        """Expected volume per fraction: flow x interval."""
        return (self.params.flow_rate * self.params.fraction_interval).to("uL")

    @property
    def perfusion_time(self):
        """Equilibration + baseline fractions + post-dose collection."""
        v = self.params
        return (v.equilibration_time + v.baseline_fractions * v.fraction_interval + v.post_dose_duration).to("min")

    @property
    def dose_concentration(self):
        """Dose solution (mg/mL) = dose (mg/kg) / injection volume (mL/kg)."""
        return (self.params.dose / self.params.injection_volume).to("mg/mL")

    @property
    def dose_volume(self):
        """Dose solution for the drug group: injection volume x body weight x drug animals x (1 + overage)."""
        v = self.params
        return scaled((v.injection_volume * v.body_weight).to("mL"), v.n_animals - v.vehicle_animals, v.overage).to("mL")

    @property
    def drug_mass(self):
        """Drug in the dose solution, as the dose basis: dose solution volume x dose concentration."""
        return (self.dose_volume * self.dose_concentration).to("mg")

    @property
    def salt(self) -> SaltForm:
        """The drug's form as weighed, with both molar masses (from the data file or as given)."""
        v = self.params
        given = [None if q is None else float(q.to("g/mol").magnitude) for q in (v.salt_molar_mass, v.base_molar_mass)]
        return salt_form(v.drug, v.salt_form, salt_molar_mass=given[0], base_molar_mass=given[1])

    def filled_values(self) -> dict[str, str]:
        """Empty molar masses as the plan uses them: '342.69 g/mol (on file)', for the sheet."""
        s = self.salt
        if s.where == "given":
            return {}
        if s.is_free_base:
            return dict.fromkeys(("salt_molar_mass", "base_molar_mass"), "not needed (free base)")
        return {"salt_molar_mass": f"{fmt_number(s.salt_molar_mass, 5)} g/mol (on file: salts.csv)",
                "base_molar_mass": f"{fmt_number(s.base_molar_mass, 5)} g/mol (on file: salts.csv)"}

    @property
    def weighing_factor(self) -> float:
        """Mass of the form weighed per mass of the dose basis: M(salt) / M(base) for a dose meant
        as base, 1 for a dose meant as the salt (or for the free base)."""
        return self.salt.factor if self.params.dose_basis == "base" else 1.0

    def weighing_text(self, basis_mass) -> str:
        """'24.17 mg sertraline HCl (= 21.6 mg base; factor 1.119)' for ``basis_mass`` of the dose basis."""
        v, s = self.params, self.salt
        weighed = basis_mass * self.weighing_factor
        name = f"{v.drug} {s.salt_form}"
        if s.is_free_base or v.dose_basis == "salt":
            return f"{format_quantity(weighed)} {name} (dose as {'base' if s.is_free_base else 'salt'}; factor 1)"
        return (f"{format_quantity(weighed)} {name} (= {format_quantity(basis_mass)} base; "
                f"factor {fmt_number(self.weighing_factor)})")

    def _check(self) -> None:
        v = self.params
        s = self.salt  # an unknown drug or salt form is refused here, with the near miss
        if s.is_free_base and v.dose_basis == "salt":
            raise ParameterError("dose_basis", v.dose_basis, "base, for a drug weighed as the free base "
                                 "(or give the salt_form the dose refers to)", reason="names no salt")
        if v.vehicle_animals > v.n_animals:
            raise ParameterError("vehicle_animals", v.vehicle_animals, f"at most n_animals ({v.n_animals})",
                                 reason="is more than the animals planned")
        n = (v.post_dose_duration / v.fraction_interval).to("").magnitude
        if not math.isclose(n, round(n), rel_tol=0, abs_tol=1e-9):
            lower = math.floor(n) * v.fraction_interval
            upper = math.ceil(n) * v.fraction_interval
            raise ParameterError(
                "post_dose_duration", format_quantity(v.post_dose_duration),
                f"a whole number of {format_quantity(v.fraction_interval)} fractions, e.g. "
                f"{format_quantity(lower.to('min'))} or {format_quantity(upper.to('min'))}",
                reason="is not a whole number of fractions")

    # -- simulation and analysis ------------------------------------------------------------------
    @property
    def drug_group(self) -> str:
        """The drug group's label in simulated data and results, e.g. 'sertraline 10 mg/kg'."""
        return f"{self.params.drug} {format_quantity(self.params.dose)}"

    def analysis_inputs(self):
        """The contract this plan hands its analysis and report: a
        :class:`~protocol_kit.analysis.inputs.MicrodialysisInputs` (analyte, standards in nM,
        the vehicle group listed first, and this plan's fraction schedule)."""
        from ..analysis.inputs import MicrodialysisInputs

        return MicrodialysisInputs.from_frame(self.params.analyte, self.schedule, unit="nM", control_group="vehicle")

    def simulate(self, seed: int | None = 0, **truth) -> pd.DataFrame:
        """HPLC-ECD results for this schedule: duplicate standards (0.05-5 nM) and one peak
        area per animal and fraction; the first n_animals - vehicle_animals animals get the
        drug, the rest vehicle.

        ``truth`` (defaults in brackets, illustrative, see
        :mod:`protocol_kit.simulate.microdialysis`): ``basal`` [0.5 nM], ``emax`` [300, peak %
        baseline], ``tmax`` [60 min], ``animal_cv`` [0.3], ``response_cv`` [0.2],
        ``fraction_cv`` [0.1], ``slope`` [1000 area/nM], ``intercept`` [5], ``area_cv``
        [0.02], ``area_sd`` [5]. The fractions are the plan's contract's (:meth:`analysis_inputs`)."""
        from ..simulate.microdialysis import simulate_hplc
        from ..simulate.truth import resolve_truth

        v = self.params
        t = resolve_truth(truth, {
            "basal": (0.5, "nM", "basal concentration"), "emax": (300.0, None, "peak % baseline"),
            "tmax": (60.0, "min", "time of the peak"), "animal_cv": (0.3, None, "between-animal CV"),
            "response_cv": (0.2, None, "response CV"), "fraction_cv": (0.1, None, "fraction CV"),
            "slope": (1000.0, None, "peak area per nM"), "intercept": (5.0, None, "peak area at 0"),
            "area_cv": (0.02, None, "peak area CV"), "area_sd": (5.0, None, "peak area noise SD")})
        return simulate_hplc(self.analysis_inputs().frame(), n_animals=v.n_animals, vehicle_animals=v.vehicle_animals,
                             drug_label=self.drug_group, seed=seed, **t)

    def analyse(self, data: pd.DataFrame, *, standards: pd.DataFrame | None = None, groups=None, exclude=None,
                recovery: float | None = None, weighting=None, auc_window=None, extra_wells: str = "error",
                ss_type: str = "III"):
        """HPLC results to a :class:`~protocol_kit.analysis.microdialysis.MicrodialysisResult`.

        ``data``: one row per animal and fraction (``animal``, ``fraction`` number or label,
        ``peak_area`` or ``concentration``, and ``group`` unless ``groups`` maps animal ->
        group); rows with a ``standard_conc`` (nM) are the standards, or pass ``standards=``.
        ``exclude``: animal -> reason (e.g. {"R03": "probe outside the ventral hippocampus"}).
        ``recovery``: in vitro probe recovery, a fraction. ``weighting``: None, "1/x" or
        "1/x2" for the standard curve. ``auc_window``: (start, end) min from the dose.
        ``extra_wells='ignore'`` leaves out samples of fractions not in the schedule.
        ``ss_type``: the treatment x time ANOVA's sums of squares, 'III' (default, as Prism) or
        'I' (sequential, as R's aov); they differ only with unequal groups. The baseline
        fractions and fraction times are this plan's schedule."""
        from ..analysis.microdialysis import analyse_microdialysis

        if not isinstance(data, pd.DataFrame):
            return self._joined(data)  # raises the one-line error
        if standards is None and "standard_conc" in data.columns:
            is_std = data["standard_conc"].notna()
            standards, data = data[is_std], data[~is_std].drop(columns=["standard_conc"])
        if "phase" not in data.columns:  # not yet joined to the schedule; a lost sample is no error
            from ..io import join_layout

            data = join_layout(data, self._plan_frame, missing="ignore", extra_wells=extra_wells)
        return analyse_microdialysis(data, standards, self.analysis_inputs(), weighting=weighting, recovery=recovery,
                                     groups=groups, exclude=exclude, auc_window=auc_window, ss_type=ss_type)

    # -- the plan -------------------------------------------------------------------------------
    def _schedule(self) -> pd.DataFrame:
        from ..analysis.inputs import fraction_schedule

        v = self.params
        return fraction_schedule(v.baseline_fractions, self.post_dose_fractions,
                                 float(v.fraction_interval.to("min").magnitude), float(self.fraction_volume.magnitude))

    def _reagents(self) -> list[dict]:
        v = self.params
        per_animal = (v.flow_rate * self.perfusion_time).to("uL")
        acsf = scaled(per_animal, v.n_animals, v.overage).to("mL")
        rows = ACSF.rows(acsf, purpose=f"{format_quantity(per_animal)} per animal "
                                       f"({format_quantity(v.flow_rate)} x {format_quantity(self.perfusion_time)}); "
                                       "filter 0.22 um")
        per_dose = (v.injection_volume * v.body_weight).to("mL")
        dose_volume = self.dose_volume
        vehicle_volume = scaled(per_dose, v.vehicle_animals, v.overage).to("mL")
        basis_mass = self.drug_mass
        s = self.salt
        rows.append(reagent_row(
            f"{v.drug} dose solution in {v.vehicle}", dose_volume, section="Dosing",
            per=per_dose, per_what=f"{format_quantity(v.body_weight)} animal",
            notes=f"{format_quantity(self.dose_concentration)} as {v.dose_basis} = {format_quantity(v.dose)} / "
                  f"{format_quantity(v.injection_volume)}; {v.n_animals - v.vehicle_animals} animals"))
        how = "" if self.weighing_factor == 1 else (
            f"factor = M(salt) / M(base) = {fmt_number(s.salt_molar_mass, 5)} / {fmt_number(s.base_molar_mass, 5)} "
            f"g/mol ({s.source}); ")
        rows.append(reagent_row(f"  {v.drug} {s.salt_form}", basis_mass * self.weighing_factor, section="Dosing",
                                notes=f"weigh {self.weighing_text(basis_mass)}; {how}dissolve to "
                                      f"{format_quantity(dose_volume)}"))
        if v.vehicle_animals:
            rows.append(reagent_row(
                f"{v.vehicle} (vehicle group)", vehicle_volume, section="Dosing", per=per_dose,
                per_what=f"{format_quantity(v.body_weight)} animal",
                notes=f"{v.vehicle_animals} animals; same volume per kg as the drug"))
        return rows

    def _checklist(self) -> list[Step]:
        v = self.params
        coords = ", ".join(f"{k.upper()} {format_quantity(getattr(v, k)) if getattr(v, k) is not None else '____ mm'}"
                           for k in ("ap", "ml", "dv"))
        animal = (ANIMAL,)
        steps = [
            Step("md-licence", "Check the project licence and the animals' health records; weigh each animal.",
                 "Surgery", hazards=animal),
            Step("md-implant", f"Anaesthetise, fix in the stereotaxic frame and implant the guide/probe into the "
                 f"{v.region} ({coords}, from bregma).", "Surgery", hazards=animal + (SHARPS, CHEMICAL),
                 note="Record the anaesthetic, analgesia and coordinates used."),
            Step("md-recovery", f"Recover for {format_quantity(v.recovery_time)} with post-operative care.",
                 "Surgery", duration=v.recovery_time, hazards=animal),
            Step("md-acsf", "Prepare aCSF (reagent table), filter (0.22 um) and degas.", "Experiment day"),
            Step("md-perfuse", f"Connect the probe and perfuse aCSF at {format_quantity(v.flow_rate)}.",
                 "Experiment day", hazards=animal, note="Check for leaks and for the expected fraction volume."),
            Step("md-equilibrate", f"Equilibrate for {format_quantity(v.equilibration_time)}.", "Experiment day",
                 duration=v.equilibration_time, timer=True),
            Step("md-baseline", f"Collect {v.baseline_fractions} baseline fractions of "
                 f"{format_quantity(v.fraction_interval)} ({format_quantity(self.fraction_volume)} each) "
                 "into labelled tubes on ice.", "Experiment day", duration=v.baseline_fractions * v.fraction_interval,
                 timer=True, temperature="on ice", hazards=(ICE_COLD,)),
            Step("md-dose-solution", f"Prepare the {v.drug} dose solution: weigh {self.weighing_text(self.drug_mass)}, "
                 f"dissolve in {v.vehicle} to {format_quantity(self.dose_volume)} "
                 f"({format_quantity(self.dose_concentration)} as {v.dose_basis}); prepare the vehicle.",
                 "Experiment day", note="Check the salt form on the certificate of analysis of the lot weighed."),
            Step("md-dose", f"Dose at t = 0: {format_quantity(v.dose)} {v.drug} (as {v.dose_basis}) {v.route}, "
                 f"{format_quantity(v.injection_volume)} x body weight; note the time.", "Experiment day",
                 hazards=animal + (SHARPS, TIMING_CRITICAL), note="t = 0 for every fraction time."),
            Step("md-collect", f"Collect {self.post_dose_fractions} post-dose fractions of "
                 f"{format_quantity(v.fraction_interval)} for {format_quantity(v.post_dose_duration)}.",
                 "Experiment day", duration=v.post_dose_duration, timer=True, temperature="on ice",
                 hazards=(ICE_COLD, TIMING_CRITICAL)),
            Step("md-store", "Analyse fractions at once or freeze at -80 °C.", "Samples", temperature="-80 °C"),
            Step("md-hplc", f"Run {v.analyte} standards and the fractions by HPLC-ECD; export peak areas.",
                 "Samples"),
            Step("md-histology", "At the end: euthanise, remove the brain and verify probe placement "
                 "histologically; exclude misplaced probes with the reason.", "Verification", hazards=animal),
        ]
        return steps
