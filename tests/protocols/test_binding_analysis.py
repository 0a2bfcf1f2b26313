"""RadioligandBinding.simulate and .analyse: hand-worked plates, recovery of the simulated
truth, QC flags and bad data.

Plan defaults: [L] = Kd = 1.5 nM, 80 Ci/mmol, counting efficiency 40%, 10 ug protein per well,
250 uL per well, 3 replicates, sertraline 10 uM / 3^k (12 concentrations).
Counts to fmol: 1 fmol at 80 Ci/mmol = 2.22 x 80 = 177.6 DPM = 71.04 CPM at 40%.
Added: 1.5 nM x 250 uL = 375 fmol = 375 x 71.04 = 26640 CPM.
"""
import json
import math

import numpy as np
import pandas as pd
import pytest

import protocol_kit as pk
from protocol_kit import AnalysisError, DataFormatError, ParameterError, UnknownNameError
from protocol_kit.io import join_layout
from protocol_kit.simulate import reference_ki


def hand_plate(p, *, tb=1048.0, nsb=160.0, ic50=3e-9):
    """Noise-free counts: NSB + (TB - NSB) / (1 + [I]/IC50) (one site, Hill 1)."""
    lay = p.layout
    cpm = np.where(lay["role"] == "total", tb, np.where(lay["role"] == "nsb", nsb,
                   nsb + (tb - nsb) / (1 + lay["conc"].to_numpy() / ic50)))
    return pd.DataFrame({"well": lay["well"], "cpm": cpm})


def test_competition_from_hand_worked_counts():
    p = pk.RadioligandBinding()
    r = p.analyse(hand_plate(p))
    # exact one-site data: IC50 3 nM, Hill -1; Ki = 3 / (1 + 1.5/1.5) = 1.5 nM both ways
    assert r.ic50 == pytest.approx(3e-9, rel=1e-4)
    assert r.hill == pytest.approx(-1, abs=1e-3)
    assert r.ki == pytest.approx(1.5e-9, rel=1e-4) and r.ki_direct == pytest.approx(1.5e-9, rel=1e-4)
    # specific = 1048 - 160 = 888 CPM = 888 / 71.04 = 12.5 fmol in 0.01 mg = 1250 fmol/mg
    assert r.specific_fmol_per_mg == pytest.approx(1250)
    # TB / NSB = 1048 / 160 = 6.55; specific = 888 / 1048 = 84.7% of total
    assert r.window == pytest.approx(6.55) and r.specific_pct_of_total == pytest.approx(100 * 888 / 1048)
    # depletion = 1048 / 26640 = 3.93%
    assert r.depletion_pct == pytest.approx(100 * 1048 / 26640)
    assert r.flags == ()
    conc = r.to_frame().set_index("label")
    # at 3.33 nM (C9... the 10 uM / 3^8 = 1.524 nM well): % specific = 100 / (1 + 1.524/3) = 66.3%
    c = conc.loc["C9 1.52\u00a0nM"]
    assert c["mean_pct_specific"] == pytest.approx(100 / (1 + 1e-5 / 3**8 / 3e-9))
    assert c["n"] == 3 and c["cv_pct"] == pytest.approx(0)


def test_qc_flags_depletion_window_and_cv():
    p = pk.RadioligandBinding()
    # TB 3000 CPM: 3000 / 26640 = 11.3% bound > 10%
    assert "ligand_depletion" in p.analyse(hand_plate(p, tb=3000.0)).flags
    # TB / NSB = 1048 / 600 = 1.75 < 2
    assert "small_window" in p.analyse(hand_plate(p, nsb=600.0)).flags
    data = hand_plate(p)
    # TB replicates 1600, 1048, 1048: mean 1232, deviations 368, -184, -184,
    # SD = sqrt((135424 + 2 x 33856) / 2) = 318.7, CV = 318.7 / 1232 = 25.9% > 20%
    data.loc[data["well"] == "A1", "cpm"] = 1600.0
    r = p.analyse(data)
    assert "replicate_cv" in r.flags and any("TB total binding 26%" in m for m in r.qc)


def test_incomplete_curve_is_flagged_and_reported_as_a_bound():
    p = pk.RadioligandBinding(top_conc="10 nM")
    r = p.analyse(hand_plate(p, ic50=1e-6), bottom=0)  # IC50 1 uM, 100x above the top
    assert "incomplete" in r.flags and math.isnan(r.ki)
    assert r.ic50_text.startswith(">") and r.ki_fit.ki_text.startswith(">")
    free = p.analyse(p.simulate(seed=0, ki="10 uM"))  # fitted freely, the bottom is extrapolated
    assert "bottom_not_0" in free.flags


@pytest.mark.parametrize("target, ki", [("SERT", 0.29e-9), ("NET", 420e-9), ("DAT", 25e-9)])
def test_reference_ki_from_domain_md(target, ki):
    # DOMAIN.md (seed 000): sertraline, human values SERT 0.29, NET 420, DAT 25 nM
    assert reference_ki("sertraline", target) == pytest.approx(ki)


def test_reference_ki_unknown_or_open():
    with pytest.raises(UnknownNameError, match="'sertralin'; did you mean 'sertraline'"):
        reference_ki("sertralin", "SERT")
    # fluoxetine at NET: 140-420 nM, no point value -> geometric mean sqrt(140 x 420) = 242.5 nM
    assert reference_ki("fluoxetine", "NET") == pytest.approx(242.487e-9, rel=1e-4)
    with pytest.raises(ParameterError, match="ki: None has no reference value: escitalopram at DAT: Ki > 10000 nM"):
        pk.RadioligandBinding(compound="escitalopram", target="DAT").simulate()


def test_simulated_counts_shape_seed_and_nsb_by_hand():
    p = pk.RadioligandBinding()
    a, b = p.simulate(seed=3), p.simulate(seed=3)
    assert list(a.columns) == ["plate", "well", "cpm", "value"] and list(a["well"]) == list(p.layout["well"])
    assert a.equals(b) and not a.equals(p.simulate(seed=4))
    exact = p.simulate(seed=0, well_cv=0, count_min=1e9)
    nsb = exact[p.layout["role"] == "nsb"]["cpm"]
    # NSB = ns/(1 + ns) x added + background = 0.005/1.005 x 26640 + 30 = 162.54 CPM
    assert nsb.to_numpy() == pytest.approx(0.005 / 1.005 * 26640 + 30, rel=2e-5)  # Poisson SD ~ 3e-6
    with pytest.raises(UnknownNameError, match="simulation truth value 'kii'"):
        p.simulate(kii=1e-9)


def test_recovers_simulated_ki_within_its_interval():
    """Truth: sertraline at SERT, Ki 0.29 nM. Over 80 seeds the 95% CIs missed 0 times
    (Cheng-Prusoff) and once (direct fit) (benchmarks/simulated_recovery.py): here at least 9
    of 10 seeds must cover the truth."""
    p = pk.RadioligandBinding()
    cover_cp = cover_direct = 0
    for seed in range(10):
        r = p.analyse(p.simulate(seed=seed))
        cover_cp += r.ki_ci[0] <= 0.29e-9 <= r.ki_ci[1]
        cover_direct += r.ki_direct_ci[0] <= 0.29e-9 <= r.ki_direct_ci[1]
        assert r.ki == pytest.approx(0.29e-9, rel=0.35)
    assert cover_cp >= 9 and cover_direct >= 9
    exact = p.analyse(p.simulate(seed=0, well_cv=0, count_min=1e9))
    # noise-free: only ligand depletion (~3% bound) separates free from added [L]
    assert exact.ki == pytest.approx(0.29e-9, rel=0.02) and exact.hill == pytest.approx(-1, abs=0.02)


def test_saturation_recovers_kd_and_bmax():
    p = pk.RadioligandBinding(mode="saturation")
    exact = p.analyse(p.simulate(seed=0, well_cv=0, count_min=1e9))
    # truth: Kd = the plan's 1.5 nM, Bmax 2000 fmol/mg
    assert exact.kd == pytest.approx(1.5e-9, rel=0.01) and exact.bmax == pytest.approx(2000, rel=0.01)
    cover = 0
    for seed in range(10):
        r = p.analyse(p.simulate(seed=seed))
        cover += (r.kd_ci[0] <= 1.5e-9 <= r.kd_ci[1]) + (r.bmax_ci[0] <= 2000 <= r.bmax_ci[1])
    assert cover >= 18
    t = exact.to_frame()
    assert (t["L_free"] < t["L_added"]).all() and len(t) == 8


def test_raw_and_joined_data_give_the_same_result():
    p = pk.RadioligandBinding()
    raw = p.simulate(seed=2)
    a, b = p.analyse(raw), p.analyse(join_layout(raw, p.layout))
    assert a.ic50 == b.ic50 and a.ki_ci == b.ki_ci
    d = a.to_dict()
    json.dumps(d)
    assert d["ki"] == a.ki and len(d["tables"]["wells"]) == 42
    assert "Ki" in a.summary() and "<table>" in a._repr_html_()


def test_bad_data_gives_clear_errors():
    p = pk.RadioligandBinding()
    raw = p.simulate(seed=0)
    joined = join_layout(raw, p.layout)
    with pytest.raises(AnalysisError, match=r"no nonspecific-binding \(NSB\) wells \(role 'nsb'\)"):
        p.analyse(joined[joined["role"] != "nsb"])
    nan_nsb = joined.copy()
    nan_nsb.loc[nan_nsb["role"] == "nsb", "cpm"] = np.nan
    with pytest.raises(AnalysisError, match="no nonspecific-binding"):
        p.analyse(nan_nsb)
    with pytest.raises(DataFormatError, match="plan well A4 .*has no data"):
        p.analyse(raw[raw["well"] != "A4"])
    with pytest.raises(AnalysisError, match="every cpm value is missing"):
        p.analyse(raw.assign(cpm=np.nan))
    neg = raw.copy()
    neg.loc[5, "cpm"] = -12.0
    with pytest.raises(AnalysisError, match="cpm of well A6: -12 is negative"):
        p.analyse(neg)
    swapped = raw.copy()
    swapped.loc[joined["role"] == "nsb", "cpm"] = 5000.0
    with pytest.raises(AnalysisError, match="mean total .* is not above mean nsb 5000"):
        p.analyse(swapped)


def test_missing_wells_are_counted_and_listed():
    p = pk.RadioligandBinding()
    raw = p.simulate(seed=0)
    raw.loc[raw["well"].isin(["B1", "B2"]), "cpm"] = np.nan
    r = p.analyse(raw)
    assert r.n_missing == 2 and "missing_wells" in r.flags
    assert any(m.startswith("missing_wells: 2 well(s)") and "B1, B2" in m for m in r.qc)
