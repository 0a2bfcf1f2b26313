"""Property tests (hypothesis): recovery, invariance to row order, scaling of the response."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from protocol_kit.analysis import fit_logistic

CONC = np.repeat(np.r_[0.0, 10.0 ** np.arange(-10, -4.9, 0.5)], 2)
SETTINGS = settings(max_examples=30, deadline=None)

curves = st.fixed_dictionaries({
    "bottom": st.floats(-10, 20), "top": st.floats(60, 150), "log_ic50": st.floats(-9.0, -6.0),
    "hill": st.floats(0.5, 2.0).map(lambda h: -h), "seed": st.integers(0, 2**32 - 1)})


def simulate(p, noise):
    with np.errstate(divide="ignore"):
        x = np.log10(CONC)
    y = np.where(CONC > 0, p["bottom"] + (p["top"] - p["bottom"]) / (1 + 10.0 ** ((p["log_ic50"] - x) * p["hill"])),
                 p["top"])
    return y + np.random.default_rng(p["seed"]).normal(0, noise * (p["top"] - p["bottom"]), y.size)


# Recovery is a statistical property: hypothesis, free to search noise seeds, finds the rare draw
# (seed 7680 puts the Hill 5.1 SE off although the fit is optimal: RSS 1.18 < 2.89 at the truth).
# Over 2000 seeds the Hill's z = (fit - truth) / SE had SD 1.07 and max |z| 4.06, so a fixed set of
# examples (derandomized, no example database) keeps the 5-SE bound meaningful and CI deterministic.
RECOVERY_SETTINGS = settings(max_examples=30, deadline=None, derandomize=True, database=None)


@RECOVERY_SETTINGS
@given(curves)
def test_simulated_curves_are_recovered(p):
    r = fit_logistic(CONC, simulate(p, 0.005))
    # with 0.5% noise every estimate lies within 5 SE of the truth (for a normal z, P(|z| > 5) ~ 6e-7)
    for name in ("bottom", "top", "log_ic50", "hill"):
        assert abs(getattr(r, name) - p[name]) <= 5 * getattr(r, name + "_se")
    assert r.log_ic50_ci[0] - 4 * r.log_ic50_se < p["log_ic50"] < r.log_ic50_ci[1] + 4 * r.log_ic50_se


@SETTINGS
@given(curves, st.randoms(use_true_random=False))
def test_shuffling_rows_changes_nothing(p, rnd):
    y = simulate(p, 0.05)
    order = list(range(y.size))
    rnd.shuffle(order)
    a = fit_logistic(CONC, y)
    assume(a.converged and "steep" not in a.flags)  # a runaway Hill has no unique optimum to compare
    b = fit_logistic(CONC[order], y[order])
    # the points are fitted in a canonical order, so the order of the rows changes nothing at all
    assert (b.rss, b.log_ic50, b.hill, b.top, b.bottom) == (a.rss, a.log_ic50, a.hill, a.top, a.bottom)
    assert b.flags == a.flags


@SETTINGS
@given(curves, st.floats(0.01, 1000.0))
@example({"bottom": 7.0, "top": 132.0, "log_ic50": -6.5, "hill": -0.5, "seed": 179}, 3.0)
def test_scaling_response_scales_plateaus_only(p, k):
    y = simulate(p, 0.05)
    a = fit_logistic(CONC, y)
    assume(a.converged and "steep" not in a.flags)  # a runaway Hill has no unique optimum to compare
    b = fit_logistic(CONC, k * y)
    # Y' = k Y is fitted exactly by Bottom' = k Bottom, Top' = k Top, same logIC50 and Hill; RSS' = k^2 RSS.
    # The RSS is matched to 1e-8; each fit stops within its convergence tolerance of the optimum, so a
    # parameter is matched to a thousandth of its standard error (or 1e-6 relative): on the shallow
    # example above (Hill -0.5, bottom extrapolated: -1.52, SE 15) the bottoms differ by 5e-6 at k = 3.
    for name, scale in (("top", k), ("bottom", k), ("log_ic50", 1.0), ("hill", 1.0)):
        se = getattr(a, name + "_se")
        assert getattr(b, name) == pytest.approx(scale * getattr(a, name), rel=1e-6, abs=1e-3 * scale * se), name
    assert b.rss == pytest.approx(k * k * a.rss, rel=1e-8)


def test_results_cannot_be_changed_in_place():
    import pickle

    import protocol_kit as pk
    from protocol_kit.analysis import fit_logistic

    x = np.logspace(-10, -5, 8)
    r = fit_logistic(x, 100 / (1 + x / 1e-7), fixed={"hill": -1})
    with pytest.raises(TypeError, match="read-only"):
        r.fixed["hill"] = 2.0
    assert pickle.loads(pickle.dumps(r)).fixed == {"hill": -1.0}
    p = pk.RadioligandBinding()
    res = p.analyse(p.simulate(seed=0))
    name = res.table_names[0]
    before = res.table(name)
    handed_out = res.tables[name]
    handed_out.iloc[0, 0] = None  # changes the copy handed out only
    pd.testing.assert_frame_equal(res.table(name), before)
    with pytest.raises(TypeError):
        res.tables["new"] = before


def test_a_global_fit_hands_out_copies_of_its_curves():
    import pickle

    from protocol_kit.analysis import fit_logistic_global

    x = np.logspace(-10, -5, 8)
    frame = pd.DataFrame({"drug": np.repeat(["a", "b"], 8), "conc": np.tile(x, 2),
                          "response": np.concatenate([100 / (1 + x / 1e-7), 100 / (1 + x / 1e-8)])})
    g = fit_logistic_global(frame, by="drug", shared=("hill",))
    before = g.curves
    handed_out = g.curves
    handed_out.loc[0, "ic50"] = -1.0  # changes the copy handed out only
    pd.testing.assert_frame_equal(g.curves, before)
    assert g.curves["ic50"].tolist() == pytest.approx([1e-7, 1e-8], rel=1e-6)  # the two IC50s simulated above
    pd.testing.assert_frame_equal(pickle.loads(pickle.dumps(g)).curves, before)
