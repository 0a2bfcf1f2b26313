"""Repeated-measures statistics against hand-worked sums of squares and statsmodels' AnovaRM."""
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.anova import AnovaRM

from protocol_kit import AnalysisError, ParameterError
from protocol_kit.analysis.stats import gg_epsilon, mixed_model, rm_anova


def long(data):
    return pd.DataFrame([{"g": g, "s": s, "t": t, "y": y} for g, subs in data.items() for s, ys in subs.items()
                         for t, y in enumerate(ys, start=1)])


# group A: s1 (1, 3), s2 (3, 7); group B: s3 (1, 7), s4 (3, 7); grand mean 32 / 8 = 4
HAND = long({"A": {"s1": (1, 3), "s2": (3, 7)}, "B": {"s3": (1, 7), "s4": (3, 7)}})


def test_split_plot_anova_by_hand():
    r = rm_anova(HAND, value="y", subject="s", time="t", between="g")
    t = r.to_frame().set_index("effect")
    # group means 3.5, 4.5: SS = 4 (0.25 + 0.25) = 2
    # subject means 2, 5, 4, 5: SS = 2 (4 + 1 + 0 + 1) = 12, within groups 12 - 2 = 10 on 2 df (MS 5)
    # time means 2, 6: SS = 4 (4 + 4) = 32; cell means 2, 5, 2, 7: SS = 2 (4 + 1 + 4 + 9) = 36 -> GxT = 36 - 2 - 32 = 2
    # total 9+1+1+9+9+9+1+9 = 48 -> residual 48 - 2 - 10 - 32 - 2 = 2 on (2 - 1)(4 - 2) = 2 df (MS 1)
    assert t.loc["treatment", "ss"] == pytest.approx(2) and t.loc["error (subjects)", "ss"] == pytest.approx(10)
    assert t.loc["time", "ss"] == pytest.approx(32) and t.loc["treatment x time", "ss"] == pytest.approx(2)
    assert t.loc["error (within)", "ss"] == pytest.approx(2)
    # F = 2/5 = 0.4 (1, 2); 32/1 = 32 (1, 2); 2/1 = 2 (1, 2); two times: epsilon 1
    assert t.loc["treatment", "F"] == pytest.approx(0.4) and t.loc["time", "F"] == pytest.approx(32)
    assert t.loc["treatment x time", "F"] == pytest.approx(2) and r.epsilon == 1.0
    assert r.p("time") == pytest.approx(stats.f.sf(32, 1, 2))
    assert (t.loc["treatment", "df1"], t.loc["treatment", "df2"]) == (1, 2)


def test_greenhouse_geisser_epsilon_by_hand():
    # y = 10 + x (1, -1, 0) + z (1, 1, -2) with x = -1, 0, 1 and z = 1, -2, 1 (uncorrelated):
    # on orthonormal contrasts (1,-1,0)/sqrt2 and (1,1,-2)/sqrt6 the scores are sqrt2 x and sqrt6 z,
    # variances 2 var(x) = 2 and 6 var(z) = 18, covariance 0 ->
    # eps = (2 + 18)^2 / (2 (2^2 + 18^2)) = 400 / 656 = 0.609756
    wide = np.array([[10, 12, 8], [8, 8, 14], [12, 10, 8]], float)
    assert gg_epsilon(wide, np.zeros(3)) == pytest.approx(400 / 656)
    frame = pd.DataFrame([{"s": i, "t": t, "y": y} for i, row in enumerate(wide) for t, y in enumerate(row)])
    r = rm_anova(frame, value="y", subject="s", time="t")
    t = r.to_frame().set_index("effect")
    assert t.loc["time", "df1_gg"] == pytest.approx(2 * 400 / 656)
    assert t.loc["time", "df2_gg"] == pytest.approx(4 * 400 / 656)


def test_one_group_matches_statsmodels_anovarm():
    rng = np.random.default_rng(5)
    frame = pd.DataFrame([{"s": s, "t": t, "y": rng.normal(t * 0.5, 1)} for s in range(7) for t in range(4)])
    ours = rm_anova(frame, value="y", subject="s", time="t").to_frame().set_index("effect")
    ref = AnovaRM(frame, "y", "s", within=["t"]).fit().anova_table
    assert ours.loc["time", "F"] == pytest.approx(ref.loc["t", "F Value"])
    assert ours.loc["time", "p"] == pytest.approx(ref.loc["t", "Pr > F"])


def test_between_subject_test_is_the_one_way_anova_of_subject_means():
    # treatment is tested on the subjects' means: the same F as a one-way ANOVA of those means
    rng = np.random.default_rng(2)
    frame = pd.DataFrame([{"g": g, "s": f"{g}{i}", "t": t, "y": rng.normal(g == "B", 1)}
                          for g in "AB" for i in range(5) for t in range(3)])
    ours = rm_anova(frame, value="y", subject="s", time="t", between="g").to_frame().set_index("effect")
    means = frame.groupby(["g", "s"])["y"].mean()
    assert ours.loc["treatment", "F"] == pytest.approx(stats.f_oneway(means["A"], means["B"]).statistic)


def test_missing_values_need_the_mixed_model():
    frame = HAND.copy()
    frame.loc[0, "y"] = np.nan
    with pytest.raises(AnalysisError, match="use the mixed model"):
        rm_anova(frame, value="y", subject="s", time="t", between="g")


# group A: s1 (1, 3), s2 (3, 7); group B: s3 (2, 2): subject means 2, 5, 2; rows centred
# D = s1 (-1, 1), s2 (-2, 2), s3 (0, 0); group means of D: A (-1.5, 1.5), B (0, 0); over all (-1, 1)
UNEQUAL = long({"A": {"s1": (1, 3), "s2": (3, 7)}, "B": {"s3": (2, 2)}})


def test_unequal_groups_type_iii_by_default_and_type_i_on_request():
    # type I time: N sum Dbar^2 = 3 (1 + 1) = 6; type III: u = mean of the groups = (-0.75, 0.75),
    # c = (1/2 + 1/1) / 2^2 = 0.375, SS = (0.5625 + 0.5625) / 0.375 = 3
    # interaction: 2 ((-0.5)^2 + 0.5^2) + 1 (1 + 1) = 3; within error: 0.5 + 0.5 + 0 = 1 on 1 df
    # (type I check: 6 + 3 + 1 = 10 = sum D^2 = 2 + 8 + 0)
    t3 = rm_anova(UNEQUAL, value="y", subject="s", time="t", between="g").to_frame().set_index("effect")
    t1 = rm_anova(UNEQUAL, value="y", subject="s", time="t", between="g", ss_type="I").to_frame().set_index("effect")
    assert t3.loc["time", "ss"] == pytest.approx(3) and t1.loc["time", "ss"] == pytest.approx(6)
    assert t3.loc["time", "F"] == pytest.approx(3) and t1.loc["time", "F"] == pytest.approx(6)
    for t in (t1, t3):
        assert t.loc["treatment x time", "ss"] == pytest.approx(3) and t.loc["error (within)", "ss"] == pytest.approx(1)
    r = rm_anova(UNEQUAL, value="y", subject="s", time="t", between="g")
    assert r.ss_type == "III" and "type III sums of squares" in r.summary()
    with pytest.raises(ParameterError, match="ss_type"):
        rm_anova(UNEQUAL, value="y", subject="s", time="t", between="g", ss_type="II")


def unbalanced(seed, sizes=(4, 7), k=5, missing=()):
    rng = np.random.default_rng(seed)
    rows = [{"g": g, "s": f"{g}{i}", "t": t, "y": 10 + u + 0.3 * t * (g == "A") + rng.normal(0, 1)}
            for g, n in zip("AB", sizes) for i in range(n) for u in [rng.normal(0, 2)] for t in range(k)]
    frame = pd.DataFrame(rows)
    frame.loc[list(missing), "y"] = np.nan
    return frame


def sum_coded(levels):
    labels = sorted(set(levels))
    X = np.zeros((len(levels), len(labels) - 1))
    for j, lab in enumerate(labels[:-1]):
        X[np.asarray(levels) == lab, j] = 1.0
        X[np.asarray(levels) == labels[-1], j] = -1.0
    return X


def test_type_iii_time_equals_the_marginal_least_squares_drop():
    # independent route: full-rank OLS with a dummy per subject, time and group x time sum-coded;
    # the type III time SS is the rise in RSS when the time columns are dropped (numpy lstsq)
    frame = unbalanced(1)
    y = frame["y"].to_numpy()
    S = pd.get_dummies(frame["s"]).to_numpy(float)
    T, Gc = sum_coded(list(frame["t"])), sum_coded(list(frame["g"]))
    inter = Gc[:, [0]] * T

    def rss(X):
        r = y - X @ np.linalg.lstsq(X, y, rcond=None)[0]
        return r @ r

    full = rss(np.hstack([S, T, inter]))
    t = rm_anova(frame, value="y", subject="s", time="t", between="g").to_frame().set_index("effect")
    assert t.loc["time", "ss"] == pytest.approx(rss(np.hstack([S, inter])) - full, rel=1e-9)
    assert t.loc["treatment x time", "ss"] == pytest.approx(rss(np.hstack([S, T])) - full, rel=1e-9)
    assert t.loc["error (within)", "ss"] == pytest.approx(full, rel=1e-9)


def test_mixed_model_on_complete_data_gives_the_anova_f_and_df():
    # with every subject at every time the REML random-intercept model's type III F tests and
    # Satterthwaite df are the split-plot ANOVA's (uncorrected): N - G = 9 and (N - G)(k - 1) = 36
    frame = unbalanced(1)
    a = rm_anova(frame, value="y", subject="s", time="t", between="g").to_frame().set_index("effect")
    m = mixed_model(frame, value="y", subject="s", time="t", between="g").to_frame().set_index("effect")
    for effect in ("treatment", "time", "treatment x time"):
        assert m.loc[effect, "F"] == pytest.approx(a.loc[effect, "F"], rel=1e-9)
        assert m.loc[effect, "df1"] == a.loc[effect, "df1"]
        assert m.loc[effect, "df2"] == pytest.approx(a.loc[effect, "df2"], rel=1e-9)
    assert (a.loc["treatment", "df2"], a.loc["time", "df2"]) == (9, 36)


def test_mixed_model_estimates_match_statsmodels_reml():
    # an independent REML optimiser (statsmodels MixedLM) on data with 3 values missing
    import statsmodels.formula.api as smf

    frame = unbalanced(3, missing=(2, 11, 40))
    r = mixed_model(frame, value="y", subject="s", time="t", between="g")
    ok = frame.dropna()
    ref = smf.mixedlm("y ~ C(g, Sum) * C(t, Sum)", ok, groups=ok["s"]).fit(reml=True, method="bfgs", gtol=1e-12)
    var = r.table("variance").set_index("component")["variance"]
    assert var["residual"] == pytest.approx(ref.scale, rel=1e-5)
    assert var["subject (intercept)"] == pytest.approx(float(ref.cov_re.iloc[0, 0]), rel=1e-4)
    assert "3 missing value(s) left out" in r.qc[0]
    # the treatment test has 1 df: F = z^2 of statsmodels' Wald z for the sum-coded group coefficient
    z = ref.tvalues["C(g, Sum)[S.A]"]
    assert r.to_frame().set_index("effect").loc["treatment", "F"] == pytest.approx(z ** 2, rel=1e-4)


def test_mixed_model_needs_every_group_at_every_time():
    frame = unbalanced(0, sizes=(2, 2), k=3)
    frame.loc[(frame["g"] == "B") & (frame["t"] == 2), "y"] = np.nan
    with pytest.raises(AnalysisError, match="no value for group 'B' at time '2'"):
        mixed_model(frame, value="y", subject="s", time="t", between="g")


def test_exact_data_is_flagged_not_given_an_infinite_f():
    # y = subject level + time step exactly: the within residuals are zero
    frame = pd.DataFrame([{"g": g, "s": f"{g}{i}", "t": t, "y": 3.0 * i + 2.0 * t}
                          for g in "AB" for i in range(3) for t in range(4)])
    for fn in (rm_anova, mixed_model):
        r = fn(frame, value="y", subject="s", time="t", between="g")
        assert "exact_fit" in r.flags and any("exactly" in m for m in r.qc)
        assert not np.isfinite(r.to_frame().set_index("effect").loc["time", "F"])


def test_null_error_rates_with_missing_samples():
    # 400 null datasets in the demo's shape (12 animals, 9 post-dose fractions, no drug effect),
    # 1-3 samples lost each: the mixed model's F tests keep alpha = 0.05 within 3.5-6.5% for every
    # effect (binomial SE at 400 datasets: sqrt(0.05 0.95 / 400) = 1.1%); the full 4000-dataset
    # run is benchmarks/rm_null_rates.py
    from protocol_kit.simulate.null_timecourses import null_timecourses

    hits = {"treatment": 0, "time": 0, "treatment x time": 0}
    for d in null_timecourses(400, seed=0):
        r = mixed_model(d, value="pct_baseline", subject="animal", time="fraction", between="group")
        for effect in hits:
            hits[effect] += r.p(effect) < 0.05
    rates = {e: h / 400 for e, h in hits.items()}
    assert all(0.035 <= v <= 0.065 for v in rates.values()), rates


def test_mixed_model_refuses_one_value_per_subject():
    # 12 subjects, each seen once (2 groups x 3 times x 2): enough values for the 6 effects, none
    # to separate the subjects' variance from the residual
    frame = pd.DataFrame({"s": list("abcdefghijkl"), "t": [0, 1, 2] * 4, "g": list("AAAAAABBBBBB"),
                          "y": [1.0, 2, 3, 2, 3, 5, 1, 1, 2, 3, 2, 4]})
    with pytest.raises(AnalysisError, match="single value"):
        mixed_model(frame, value="y", subject="s", time="t", between="g")


def test_missing_group_subject_or_time_is_refused_by_column():
    frame = unbalanced(0)
    frame.loc[frame["s"] == "A0", "g"] = np.nan
    for fn in (rm_anova, mixed_model):
        with pytest.raises(AnalysisError, match="column 'g' has no value in 5 row"):
            fn(frame, value="y", subject="s", time="t", between="g")


def test_exact_fits_flag_only_what_cannot_be_tested():
    # y = subject level + 2 t exactly: the within residuals are zero, the subjects' means differ
    # within each group (0, 3, 6), so treatment is still tested: group means 3 and 3 -> F = 0
    frame = pd.DataFrame([{"g": g, "s": f"{g}{i}", "t": t, "y": 3.0 * i + 2.0 * t}
                          for g in "AB" for i in range(3) for t in range(4)])
    t = rm_anova(frame, value="y", subject="s", time="t", between="g").to_frame().set_index("effect")
    assert t.loc["treatment", "F"] == pytest.approx(0.0, abs=1e-12) and np.isnan(t.loc["time", "F"])
    m = mixed_model(frame, value="y", subject="s", time="t", between="g")
    assert "exact_fit" in m.flags
    constant = frame.assign(y=5.0)
    for fn in (rm_anova, mixed_model):
        r = fn(constant, value="y", subject="s", time="t", between="g")
        assert "exact_fit" in r.flags and r.to_frame()["F"].isna().all()


@pytest.mark.parametrize("scale", [1e-150, 1e150])
def test_statistics_do_not_depend_on_the_scale_of_the_values(scale):
    for fn, data in ((rm_anova, unbalanced(3)), (mixed_model, unbalanced(3, missing=(2, 11, 40)))):
        big = data.assign(y=data["y"] * scale)
        a = fn(data, value="y", subject="s", time="t", between="g").to_frame().set_index("effect")
        b = fn(big, value="y", subject="s", time="t", between="g").to_frame().set_index("effect")
        for col in [c for c in ("F", "df2", "p", "p_gg", "epsilon") if c in a.columns]:
            assert a[col].notna().sum() == b[col].notna().sum(), (fn.__name__, col)
            assert np.allclose(a[col].dropna(), b[col].dropna(), rtol=1e-9), (fn.__name__, col)


def test_the_mixed_model_summary_names_its_hypotheses_and_df():
    r = mixed_model(unbalanced(3, missing=(2, 11, 40)), value="y", subject="s", time="t", between="g")
    assert r.summary().startswith("linear mixed model (REML, random intercept per subject; F tests, Satterthwaite "
                                  "df), type III hypotheses: treatment F(1, ")
