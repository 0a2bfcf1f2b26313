"""Microdialysis.simulate and .analyse: a hand-worked two-animal experiment, recovery of the
simulated time course, exclusions, missing fractions and bad data."""
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import protocol_kit as pk
from protocol_kit import AnalysisError, DataFormatError, UnknownNameError
from protocol_kit.analysis import auc
from protocol_kit.simulate.microdialysis import true_pct_baseline

# 2 baseline + 2 post-dose fractions of 20 min: midpoints -30, -10, 10, 30 min
SMALL = dict(n_animals=2, vehicle_animals=1, baseline_fractions=2, post_dose_duration="40 min")


def small_data(a=(1, 1, 2, 3), b=(2, 2, 2, 2)):
    """Standards 0, 1, 2 nM at areas 5, 105, 205 (slope 100, intercept 5); animal A (drug) and
    B (vehicle) at the given concentrations."""
    std = pd.DataFrame({"standard_conc": [0.0, 1.0, 2.0], "peak_area": [5.0, 105.0, 205.0]})
    rows = [{"animal": name, "group": grp, "fraction": f, "peak_area": 5 + 100 * c}
            for name, grp, cs in (("A", "drug", a), ("B", "vehicle", b)) for f, c in enumerate(cs, start=1)]
    return pd.concat([std, pd.DataFrame(rows)], ignore_index=True)


def test_small_experiment_by_hand():
    p = pk.Microdialysis(**SMALL)
    r = p.analyse(small_data())
    animals = r.table("animals").set_index("animal")
    # A: baseline (1 + 1) / 2 = 1 nM -> 100, 100, 200, 300 %
    a = r.table("samples").query("animal == 'A'")
    assert a["pct_baseline"].tolist() == pytest.approx([100, 100, 200, 300])
    # AUC 0-30 min: value at 0 interpolated (100 + 200) / 2 = 150; 10 (150 + 200) / 2 + 20 (200 + 300) / 2
    # = 1750 + 5000 = 6750; above baseline 6750 - 100 x 30 = 3750; Emax 300 % at 30 min
    assert animals.loc["A", "auc"] == pytest.approx(6750) and animals.loc["A", "auc_above_baseline"] == pytest.approx(3750)
    assert (animals.loc["A", "emax"], animals.loc["A", "tmax"]) == (pytest.approx(300), 30.0)
    # B: flat 2 nM -> 100 % -> AUC 100 x 30 = 3000
    assert animals.loc["B", "auc"] == pytest.approx(3000) and animals.loc["B", "basal"] == pytest.approx(2)
    assert r.auc_window == (0.0, 30.0)
    assert r.curve.slope == pytest.approx(100) and r.curve.intercept == pytest.approx(5)
    # one animal per group: no treatment x time test, said so
    assert r.anova is None and any("too few animals" in m for m in r.qc)
    tc = r.to_frame()
    assert list(tc["group"].unique()) == ["vehicle", "drug"]  # the control group first


def test_recovery_correction_and_window():
    p = pk.Microdialysis(**SMALL)
    r = p.analyse(small_data(), recovery=0.2, auc_window=(10, 30))
    animals = r.table("animals").set_index("animal")
    # dialysate 1 nM / 0.2 recovery = 5 nM extracellular; % baseline unchanged
    assert animals.loc["A", "basal"] == pytest.approx(5)
    # AUC 10-30: 20 (200 + 300) / 2 = 5000
    assert animals.loc["A", "auc"] == pytest.approx(5000)
    with pytest.raises(pk.ParameterError, match="recovery: 15"):
        p.analyse(small_data(), recovery=15)


def test_exclusions_are_listed_with_the_reason():
    p = pk.Microdialysis(**SMALL)
    r = p.analyse(small_data(), exclude={"B": "probe outside the ventral hippocampus"})
    assert r.excluded == (("B", "probe outside the ventral hippocampus"),) and r.n_included == 1
    assert "excluded_animals" in r.flags
    row = r.table("animals").set_index("animal").loc["B"]
    assert row["status"] == "excluded" and row["reason"] == "probe outside the ventral hippocampus"
    no_base = p.analyse(small_data(b=(math.nan, math.nan, 2, 2)))
    assert no_base.excluded == (("B", "no baseline value"),)
    with pytest.raises(UnknownNameError, match="animal to exclude 'C'"):
        p.analyse(small_data(), exclude={"C": "died"})


def test_bad_data():
    p = pk.Microdialysis(**SMALL)
    data = small_data()
    early = data.copy()
    early.loc[3, "fraction"] = 0  # a fraction before the first baseline fraction
    with pytest.raises(DataFormatError, match="sample 0 matches no fraction of the schedule"):
        p.analyse(early)
    one_level = data[data["standard_conc"].isna() | (data["standard_conc"] == 1.0)]
    with pytest.raises(AnalysisError, match="1 usable standard"):
        p.analyse(one_level)
    with pytest.raises(AnalysisError, match="no 'group' column"):
        p.analyse(data.drop(columns=["group"]))
    assert p.analyse(data.drop(columns=["group"]), groups={"A": "drug", "B": "vehicle"}).n_included == 2
    with pytest.raises(AnalysisError, match="every animal is excluded"):
        p.analyse(small_data(a=(math.nan,) * 4, b=(math.nan,) * 4))


def test_simulated_results_shape_and_seed():
    p = pk.Microdialysis()
    d = p.simulate(seed=1)
    # 7 levels x 2 standards + 12 animals x 13 fractions
    assert len(d) == 14 + 12 * 13
    assert list(d.columns) == ["sample", "animal", "group", "fraction", "standard_conc", "peak_area"]
    assert d.equals(p.simulate(seed=1)) and not d.equals(p.simulate(seed=2))
    assert (d["group"] == "vehicle").sum() == 6 * 13 and (d["group"] == "sertraline 10 mg/kg").sum() == 6 * 13


def test_recovers_the_simulated_time_course():
    """Truth: basal 0.5 nM, drug group peak 300% at 60 min (gamma-variate), vehicle flat.
    Over 20 seeds the group AUC interval (mean +- t(0.975, 5) SEM) covered the truth 20/20
    times (drug) and 18/20 (vehicle); here 5 seeds, all must cover for the drug group."""
    p = pk.Microdialysis()
    sch = p.schedule
    mid = ((sch["start_min"] + sch["end_min"]) / 2).to_numpy()
    true_auc = auc(mid, true_pct_baseline(mid, emax=300, tmax=60), start=0, end=170)
    tq = stats.t.ppf(0.975, 5)
    for seed in range(5):
        r = p.analyse(p.simulate(seed=seed), weighting="1/x")
        g = r.table("groups").set_index("group")
        drug = g.loc["sertraline 10 mg/kg"]
        assert abs(drug["auc_mean"] - true_auc) <= tq * drug["auc_sem"]
        assert r.anova.p("treatment x time") < 0.01
        assert r.curve.n_failed == 0 and r.flags == ()
    basal = r.table("animals")["basal"]
    assert basal.mean() == pytest.approx(0.5, abs=stats.t.ppf(0.975, 11) * basal.std() / math.sqrt(12))


def test_missing_fractions_switch_to_the_mixed_model():
    p = pk.Microdialysis()
    d = p.simulate(seed=0)
    gone = d[~((d["animal"] == "R03") & (d["fraction"] == 7))]  # sample lost
    r = p.analyse(gone, weighting="1/x")
    assert r.anova.method.startswith("linear mixed model") and "missing_samples" in r.flags
    assert any("R03 F07" in m for m in r.qc)
    assert r.table("animals").set_index("animal").loc["R03", "n_missing"] == 1
    full = p.analyse(d, weighting="1/x")
    assert full.anova.method.startswith("two-way repeated-measures ANOVA") and 0 < full.anova.epsilon <= 1
    text = full.summary()
    assert "Greenhouse-Geisser" in text and "AUC" in text
    assert "<table>" in full._repr_html_()


def test_result_is_plain_data():
    import json

    r = pk.Microdialysis().analyse(pk.Microdialysis().simulate(seed=0), weighting="1/x")
    d = json.loads(json.dumps(r.to_dict()))
    assert d["curve"]["weighting"] == "1/x" and d["anova"]["method"].startswith("two-way")
    assert len(d["tables"]["animals"]) == 12 and d["n_included"] == 12
    with pytest.raises(UnknownNameError, match="result table 'animal'"):
        r.table("animal")


def test_type_i_sums_of_squares_on_request_and_refused_with_a_missing_sample():
    p = pk.Microdialysis()
    d = p.simulate(seed=0)
    kept = d[d["animal"] != "R02"]  # 5 drug and 6 vehicle animals: unequal groups
    r3, r1 = p.analyse(kept, weighting="1/x"), p.analyse(kept, weighting="1/x", ss_type="I")
    assert (r3.anova.ss_type, r1.anova.ss_type) == ("III", "I")
    t3, t1 = r3.anova.to_frame().set_index("effect"), r1.anova.to_frame().set_index("effect")
    assert t3.loc["time", "F"] != pytest.approx(t1.loc["time", "F"], rel=1e-3)  # unequal groups: they differ
    assert t3.loc["treatment x time", "F"] == pytest.approx(t1.loc["treatment x time", "F"], rel=1e-12)
    gone = kept[~((kept["animal"] == "R04") & (kept["fraction"] == 8))]
    with pytest.raises(pk.ParameterError, match="ss_type.*'III' when a sample is missing"):
        p.analyse(gone, weighting="1/x", ss_type="I")
