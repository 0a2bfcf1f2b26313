"""Sertraline's profile from simulated runs: recovery of the reference Ki, ratios by hand.

The simulation's truth is the human point value of the reference library (SERT 0.29 nM, NET
420 nM, DAT 25 nM); each run's Ki comes from fitting its simulated counts, so lying inside
the published ranges across studies (seed 004: 0.2-2.1, 25-420, 22-440 nM) is not given.
Note DAT's truth, 25 nM, is 0.056 log units above the range's low end, and a single run's
Ki scatters with an SD of 0.063 log units (14 of 40 seeds give a DAT Ki below 22 nM,
benchmarks/simulated_recovery.py), so that
check holds for this seed, not for every seed; the CI check beside it holds at any seed 95% of
the time.
"""
from __future__ import annotations

import math

import pytest

import protocol_kit.profile as pp
from protocol_kit.profile.simulate import SETUPS, binding_plan
from protocol_kit.records import Store, open_run


@pytest.fixture(scope="module")
def prof(sim_store):
    return pp.profile("sertraline", store=sim_store[0])


@pytest.mark.parametrize("target, low, high, truth", [
    ("SERT", 0.2, 2.1, 0.29), ("NET", 25, 420, 420), ("DAT", 22, 440, 25)])
def test_recovered_ki_in_reference_range(prof, target, low, high, truth):
    t = prof.target(target)
    assert low <= t.ki_nM <= high
    assert t.ci_nM[0] <= truth <= t.ci_nM[1]          # the run's 95% CI covers the simulated truth
    row = prof.to_frame().set_index("target").loc[target]
    assert row["in_reference_range"] == "yes"
    assert row["reference_range_nM"] == f"{low:g}-{high:g}"


def test_values_are_the_recorded_ones(prof, sim_store):
    """Each target's Ki is the Ki (molar) of the run's analysis event, in nM."""
    path, ids = sim_store
    with Store(path) as st:
        recorded = {}
        for rid in ids:
            res = open_run(rid, st).analyses[-1].result
            res = res.get("result", res) if "ki" not in res else res
            recorded[res["target"]] = res["ki"] * 1e9
    for target, ki in recorded.items():
        assert prof.target(target).ki_nM == pytest.approx(ki, rel=1e-12)
        assert len(prof.target(target).measurements) == 1


def test_ratios_by_hand(prof):
    # Recorded (seed 1, 2, 3; relative weights by the fitted curve): Ki SERT 0.25099677 nM
    # (CI 0.20035714-0.31443539), NET 404.12927 nM (CI 332.73766-490.83853), DAT 27.162628 nM
    # (CI 20.321406-36.306954).
    # NET/SERT = 404.12927 / 0.25099677 = 1610.097;  DAT/SERT = 27.162628 / 0.25099677 = 108.2190
    # log10 half-widths: SERT (log10 0.314435 - log10 0.200357)/2 = 0.097863, NET 0.084418, DAT 0.126018
    # NET/SERT: h = sqrt(0.084418^2 + 0.097863^2) = 0.129243, 10^h = 1.346613
    #           CI 1610.097 / 1.346613 = 1195.665 to 1610.097 x 1.346613 = 2168.178
    # DAT/SERT: h = sqrt(0.126018^2 + 0.097863^2) = 0.159555, 10^h = 1.443959 -> 74.9460 to 156.2639
    net, dat = prof.ratio("NET/SERT"), prof.ratio("DAT")
    assert net.ratio == pytest.approx(1610.097, rel=1e-6)
    assert net.ci == pytest.approx((1195.665, 2168.178), rel=1e-5)
    assert dat.ratio == pytest.approx(108.2190, rel=1e-6)
    assert dat.ci == pytest.approx((74.9460, 156.2639), rel=1e-5)
    # reference sertraline: 420 / 0.29 = 1448.28 and 25 / 0.29 = 86.21 (point values, seed 000)
    refs = prof.ratios_frame().set_index("name")["reference_ratio"]
    assert refs["NET/SERT"] == "1450" and refs["DAT/SERT"] == "86.2"


def test_simulated_runs_are_signed_and_say_they_are_simulated(sim_store):
    path, ids = sim_store
    with Store(path) as st:
        for rid, target, seed in zip(ids, ("SERT", "NET", "DAT"), (1, 2, 3)):
            run = open_run(rid, st)
            assert run.locked and run.signatures[0].meaning == "performed"
            assert run.notes[0].text.startswith(f"simulated data (protocol_kit), seed {seed}: true Ki")
            assert run.state.params["radioligand"] == SETUPS[target].radioligand
            assert run.state.params["nsb_drug"] == SETUPS[target].nsb_drug
            assert [f.name for f in run.data_files] == [f"{target}-counts.csv"]


@pytest.mark.parametrize("target, ki_nM, pair, top_M", [
    # expected IC50 = Ki (1 + [L]/Kd); top = 10^ceil(log10 IC50 + 2) M
    ("SERT", 0.29, ("[3H]citalopram", "fluoxetine"), 1e-7),      # 0.29 x 2 = 0.58 nM: -9.24 + 2 -> -7
    ("NET", 420, ("[3H]nisoxetine", "desipramine"), 1e-4),       # 420 x 2 = 840 nM: -6.08 + 2 -> -4
    ("DAT", 25, ("[3H]WIN 35,428", "GBR 12909"), 1e-5),          # 25 x 1.4 = 35 nM: -7.46 + 2 -> -5
])
def test_plans_bracket_the_ic50_without_warnings(target, ki_nM, pair, top_M):
    p = binding_plan("sertraline", target, ki_nM * 1e-9)
    assert p.warnings == []
    assert (p.params.radioligand, p.params.nsb_drug) == pair
    assert float(p.params.top_conc.to("M").magnitude) == pytest.approx(top_M)


def test_unknown_target_and_bound_only_reference_are_refused(tmp_path):
    with pytest.raises(pp.core.ParameterError, match="targets: '5-HT2A'.*one of SERT, NET, DAT"):
        binding_plan("sertraline", "5-HT2A", 1e-9)
    with Store(tmp_path / "s.db") as st:
        with pytest.raises(pp.core.ParameterError, match="ki: .*has no reference value"):
            pp.simulate_profile_runs(st, targets=("H1",))   # sertraline at H1: > 10000 nM only
        runs = pp.simulate_profile_runs(st, targets=("H1",), ki={"H1": "2 uM"})
        assert math.isclose(pp.profile("sertraline", store=st).target("H1").ki_nM, 2000, rel_tol=0.5)
        assert runs[0].notes[0].text.endswith("true Ki 2000 nM (given)")
        assert runs[0].protocol.params.top_conc.to("uM").magnitude == pytest.approx(100)  # 4 uM IC50: capped
