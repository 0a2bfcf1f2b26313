"""One contract per assay (issue 16, part 3): the protocol's inputs object, the one Cheng-Prusoff
factor and the one molar formatter, read by the analysis, the design checks, the simulation and
the report. Values worked out by hand in the comments."""
from __future__ import annotations

import ast
import dataclasses
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import protocol_kit as pk
from protocol_kit import io as pkio
from protocol_kit.analysis.inputs import (
    BindingInputs, MicrodialysisInputs, SaturationInputs, UptakeInputs, cheng_prusoff_factor, fraction_schedule)
from protocol_kit.errors import ParameterError
from protocol_kit.units import format_molar

NB = "\u00a0"
PACKAGE = Path(pk.__file__).parent


# -- the one molar formatter -------------------------------------------------------------------
@pytest.mark.parametrize("molar, text", [
    (1.5e-9, "1.5 nM"),
    (5e-13, "500 fM"),         # below 1 pM: 5e-13 / 1e-15 = 500 fM
    (9.99e-13, "999 fM"),      # 9.99e-13 / 1e-15 = 999
    (9.996e-13, "1 pM"),       # rounds to 1.00e-12 first, then the unit: 1 pM
    (3e-16, "0.3 fM"),         # below 1 fM it stays in fM: 3e-16 / 1e-15 = 0.3
    (1e-18, "0.001 fM"),       # 1e-18 / 1e-15 = 0.001, written out, no exponent
    (2.675e-9, "2.68 nM"),     # half-up on the decimal 2.675, as by hand
    (0.0, "0 M"), (-0.0, "0 M"),
    (-2.5e-9, "-2.5 nM"), (-5e-13, "-500 fM"),  # the sign kept, the unit of |x|
    (1500.0, "1500 M"),        # nothing above M, and no "1.5e+03"
    (7.368821074029592e38, "7.37e+38 M"),  # an absurd extrapolation: 39 digits written out would be worse
    (1e-21, "1e-21 M"),        # below 1e-18 M likewise (0.000001 fM)
    (9.99e-19, "9.99e-19 M"), (1e-18, "0.001 fM"), (1e6, "1e+06 M"),  # the two edges: 1e-18 in, 1e6 out
    (999999.0, "999999 M"),    # whole numbers are kept whole (fmt_number), not rounded to 1e+06
    (math.nan, "nan M"), (math.inf, "inf M"), (-math.inf, "-inf M"),  # shown, never ""
])
def test_the_one_molar_formatter(molar, text):
    from protocol_kit.analysis.flags import format_molar as flags_format_molar
    from protocol_kit.analysis.flags import format_molar_many
    want = text.replace(" ", NB)
    assert format_molar(molar) == want
    assert flags_format_molar is format_molar  # an import of it, not a second function
    assert format_molar_many([molar])[0] == want


def test_no_second_molar_formatter_is_defined():
    defined = [p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")
               if any(isinstance(n, ast.FunctionDef) and n.name == "format_molar"
                      for n in ast.walk(ast.parse(p.read_text(encoding="utf-8"))))]
    assert defined == ["units.py"]


# -- the one Cheng-Prusoff factor -------------------------------------------------------------
def test_cheng_prusoff_factor():
    assert cheng_prusoff_factor(1.5e-9, 1.5e-9) == 2.0          # [L] = Kd: 1 + 1 = 2
    assert cheng_prusoff_factor(0.0, 1e-9) == 1.0               # no radioligand: IC50 = Ki
    assert cheng_prusoff_factor(20e-9, 463e-9) == pytest.approx(1 + 20 / 463)  # 1.0432 ([S] 20 nM, Km 463 nM)
    arr = cheng_prusoff_factor(np.array([0.0, 1e-9, 3e-9]), 1e-9)  # 1, 2, 4
    assert arr.tolist() == [1.0, 2.0, 4.0]


def test_the_formula_is_written_once():
    """1 + [L]/Kd, 1 + [S]/Km, 1 + [I]/Ki in code (not in docstrings or messages): one site, in
    cheng_prusoff_factor (there were 8: binding.py 3, assay_curves, design/expected, design/checks,
    simulate/binding, simulate/uptake)."""
    words = ("conc", "kd", "km", "ki", "lig", "inhibitor", "substrate", "ratio", "k)")
    sites = []
    for p in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and isinstance(node.left, ast.Constant)
                    and node.left.value == 1 and isinstance(node.right, ast.BinOp) and isinstance(node.right.op, ast.Div)
                    and any(w in ast.unparse(node.right).lower() for w in words)
                    and "ic50" not in ast.unparse(node.right.right).lower()):  # 1/(1 + [I]/IC50): Hill 1, no CP
                sites.append(f"{p.relative_to(PACKAGE).as_posix()}: {ast.unparse(node)}")
    assert sites == ["analysis/inputs.py: 1.0 + np.asarray(conc, float) / np.asarray(k, float)"]


# -- the contract objects ------------------------------------------------------------------------
def test_a_binding_plan_hands_over_its_values_once():
    p = pk.RadioligandBinding()
    i = p.analysis_inputs()
    # 1.5 nM, 80 Ci/mmol, 40% -> 0.4, 10 ug -> 0.01 mg, 250 uL -> 2.5e-4 L
    assert isinstance(i, BindingInputs)
    assert i.radioligand_conc == pytest.approx(1.5e-9, rel=1e-12) and i.kd == pytest.approx(1.5e-9, rel=1e-12)
    assert (i.specific_activity, i.efficiency) == (80.0, 0.4)
    assert i.protein_mg == pytest.approx(0.01) and i.well_volume_l == pytest.approx(2.5e-4)
    assert i.factor == 2.0  # 1 + 1.5/1.5
    with pytest.raises(dataclasses.FrozenInstanceError):
        i.kd = 1e-9
    # 1 CPM = 1 / (0.4 x 2.22 x 80) fmol = 1/71.04 fmol, per 0.01 mg protein: 1.40766 fmol/mg
    assert i.fmol_per_mg_per_cpm == pytest.approx(1 / 71.04 / 0.01)
    # [L] 1.5 nM x 2.5e-4 L = 3.75e-13 mol = 375 fmol x 2.22 x 80 x 0.4 = 26640 CPM added
    assert i.added_cpm(1.5e-9) == pytest.approx(26640.0)


def test_saturation_and_uptake_and_microdialysis_plans_hand_over_theirs():
    s = pk.RadioligandBinding(mode="saturation").analysis_inputs()
    assert isinstance(s, SaturationInputs)
    # 20 nM top, 1:2, 8 concentrations: 20, 10, 5, ... 20/2^7 = 0.15625 nM
    assert s.ligand_concs[0] == pytest.approx(2e-8) and s.ligand_concs[-1] == pytest.approx(1.5625e-10)
    u = pk.ReuptakeInhibition().analysis_inputs()
    assert isinstance(u, UptakeInputs)
    assert (u.substrate_conc, u.km) == (pytest.approx(20e-9), pytest.approx(463e-9))
    assert u.factor == pytest.approx(1 + 20 / 463)
    m = pk.Microdialysis().analysis_inputs()
    assert isinstance(m, MicrodialysisInputs) and m.baseline_fractions == 4 and len(m.schedule) == 13
    # fraction 5 is the first after the dose: (5 - 1 - 4) x 20 = 0 to 20 min
    assert (m.schedule[4].phase, m.schedule[4].start_min, m.schedule[4].end_min) == ("post-dose", 0.0, 20.0)


@pytest.mark.parametrize("field, value, allowed", [
    ("efficiency", 40.0, r"\(0, 1\]"),      # a percentage given where a fraction is wanted
    ("kd", 0.0, "> 0 M"), ("radioligand_conc", math.nan, "> 0 M"), ("protein_mg", -1.0, "> 0 mg"),
    ("specific_activity", "eighty", "Ci/mmol"),
])
def test_a_bad_binding_input_is_refused_naming_field_value_and_allowed(field, value, allowed):
    good = dict(specific_activity=80.0, efficiency=0.4, protein_mg=0.01, well_volume_l=2.5e-4,
                radioligand_conc=1.5e-9, kd=1.5e-9)
    with pytest.raises(ParameterError, match=rf"^{field}: .*allowed: .*{allowed}") as err:
        BindingInputs(**{**good, field: value})
    assert err.value.field == field


def test_a_bad_uptake_or_schedule_input_is_refused():
    with pytest.raises(ParameterError, match="^readout: 'fluorescence' is not allowed; allowed: scintillation, "):
        UptakeInputs(20e-9, 463e-9, readout="fluorescence")
    with pytest.raises(ParameterError, match="^km: "):
        UptakeInputs(20e-9, -1.0)
    with pytest.raises(ParameterError, match="^ligand_concs: 2 are too few; allowed: at least 3"):
        SaturationInputs(80.0, 0.4, 0.01, 2.5e-4, ligand_concs=(2e-9, 1e-9), kd=1.5e-9)


def test_the_default_demo_schedule_is_the_plans():
    from protocol_kit.simulate.null_timecourses import demo_schedule
    plan = pk.Microdialysis().schedule
    assert demo_schedule().equals(plan.drop(columns=["volume_uL"]))
    assert fraction_schedule(4, 9, 20.0, float(pk.Microdialysis().fraction_volume.magnitude)).equals(plan)


# -- [L] comes from the plan; a layout that disagrees is refused ---------------------------------
def _joined(p):
    return pkio.join_layout(p.simulate(seed=1), p.layout)


def test_competition_ki_is_the_fitted_ic50_over_the_plans_factor():
    p = pk.RadioligandBinding()
    r = p.analyse(p.simulate(seed=1))
    # [L] = Kd = 1.5 nM: Ki = IC50 / 2
    assert r.ki == pytest.approx(r.ic50 / 2, rel=1e-14)
    assert r.to_dict()["inputs"] == p.analysis_inputs().to_dict()   # recorded with the result
    assert r.radioligand_conc == p.analysis_inputs().radioligand_conc


def test_a_layout_radioligand_that_is_not_the_plans_is_refused_not_minimised():
    p = pk.RadioligandBinding()
    frame = _joined(p)
    frame.loc[frame.index[0], "radioligand_conc"] = 1e-9  # one well at 1 nM, the rest at the plan's 1.5 nM
    with pytest.raises(ParameterError, match=r"^radioligand_conc: \(1e-09, 1.5\d*e-09\) of the layout \(molar\) "
                                             r"differs from the plan; allowed: the plan's \[L\], 1.5\d*e-09 M, in every"):
        pk.analysis.analyse_competition(frame, p.analysis_inputs())
    frame["radioligand_conc"] = 3e-9  # one [L], but not the plan's
    with pytest.raises(ParameterError, match=r"^radioligand_conc: 3e-09 of the layout"):
        pk.analysis.analyse_competition(frame, p.analysis_inputs())


def test_a_saturation_layout_varies_its_radioligand_as_planned():
    p = pk.RadioligandBinding(mode="saturation")
    r = p.analyse(p.simulate(seed=1))
    assert sorted(r.to_frame()["L_added"]) == pytest.approx(sorted(p.analysis_inputs().ligand_concs))


def test_the_design_checks_read_the_contract():
    p = pk.RadioligandBinding(radioligand_conc="30 nM")  # [L] = 20 Kd: factor 1 + 20 = 21
    from protocol_kit.design import read_design
    d = read_design(p)
    assert d.inputs == p.analysis_inputs() and d.factor == pytest.approx(21.0)
    far = [w for w in p.warnings if w.code == "ligand-far-from-kd"]
    assert far and "the IC50 rises 21-fold over Ki" in far[0].message
    assert far[0].numbers["occupancy"] == pytest.approx(20 / 21)   # [L]/(Kd + [L]) = 30/31.5


def test_the_simulation_reads_the_contract():
    from protocol_kit.simulate.binding import simulate_binding
    p = pk.RadioligandBinding()
    i = p.analysis_inputs()
    same = simulate_binding(p.layout, i, seed=3, compound="sertraline", target="SERT", truth={"ki": "1 nM"})
    assert same.equals(p.simulate(seed=3, ki="1 nM"))
    # twice the specific activity: twice the counts of the bound ligand (background 0, no pipetting
    # noise; counted 1e9 min, the Poisson CV of ~1e3 CPM is 1/sqrt(1e12) = 1e-6)
    flat = dict(ki="1 nM", background_cpm=0, well_cv=0, count_min=1e9)
    hot = simulate_binding(p.layout, dataclasses.replace(i, specific_activity=160.0), seed=3, truth=flat,
                           compound="sertraline", target="SERT")
    base = simulate_binding(p.layout, i, seed=3, truth=flat, compound="sertraline", target="SERT")
    assert (hot["cpm"] / base["cpm"]).to_numpy() == pytest.approx(2.0, rel=2e-5)


def test_the_simulation_does_not_import_the_protocols():
    """The layers: simulate reads the contract (analysis layer), never the protocols above it."""
    for p in (PACKAGE / "simulate").glob("*.py"):
        tree = ast.parse(p.read_text(encoding="utf-8"))
        names = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        assert not [m for m in names if m.split(".")[-1] in ("protocols", "records", "reports") or
                    m.startswith(("protocols", "records", "reports"))], p.name
    code = ("import sys, protocol_kit.simulate.null_timecourses, protocol_kit.simulate.binding, "
            "protocol_kit.simulate.uptake; print(sorted(m for m in sys.modules if m.startswith('protocol_kit.protocols')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_one_class_per_name():
    from protocol_kit.profile import simulate as profile_simulate
    assert profile_simulate.SETUPS["DAT"] == profile_simulate.ProfileTarget("[3H]WIN 35,428", "5 nM", "2 nM",
                                                                              "GBR 12909")
    assert not hasattr(profile_simulate, "BindingSetup") and not hasattr(pk.analysis, "BindingSetup")
