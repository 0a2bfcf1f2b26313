"""Repeated-measures statistics against hand-worked sums of squares and statsmodels' AnovaRM."""
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.anova import AnovaRM

from protocol_kit import AnalysisError
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
    rng = np.random.default_rng(0)
    big = pd.DataFrame([{"g": g, "s": f"{g}{i}", "t": t, "y": rng.normal(t * (g == "A"), 1)}
                        for g in "AB" for i in range(6) for t in range(5)])
    big.loc[3, "y"] = np.nan
    r = mixed_model(big, value="y", subject="s", time="t", between="g")
    t = r.to_frame().set_index("effect")
    assert list(t.index) == ["treatment", "time", "treatment x time"]
    assert t.loc["time", "df"] == 4 and t.loc["treatment x time", "p"] < 0.001  # a rise of 1 per step in A only
    assert "1 missing value(s) left out" in r.qc[0]
