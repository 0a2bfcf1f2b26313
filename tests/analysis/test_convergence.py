"""``converged`` / ``not_converged``: at a stationary point of the RSS, decided by one test
(protocol_kit.analysis.stationary) for single and batched logistic fits.

Before, fit_logistic_many flagged every fit it placed at a step or runaway limit
not_converged while fit_logistic's MINPACK polish of the same point said converged: 213 of
the 600 robustness curves had the same RSS and different flags.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from protocol_kit.analysis import fit_logistic, fit_logistic_many
from protocol_kit.analysis.stationary import GAIN_TOL, rss_gain, stationary
from protocol_kit.io.gen5 import read_gen5

from analysis_ref import read_drc

DATA = Path(__file__).parent / "data"
GEN5 = Path(__file__).parents[1] / "io" / "data" / "allotropy" / "gen5_absorbance_endpoint_stdcurve_singleplate.txt"
SAME_RSS = 1e-6  # relative: batch and single fit at the same optimum


def _robustness():
    pts = pd.read_csv(DATA / "robustness_points.csv")
    return pts[pts.curve % 6 == 0]  # 100 curves of both sets (single fits take ~0.1 s each)


def _drc():
    d = read_drc("ryegrass")
    out = [pd.DataFrame({"curve": "ryegrass", "conc": d.conc, "response": d.rootl})]
    d = read_drc("S.alba")
    out.append(pd.DataFrame({"curve": "S.alba " + d.Herbicide, "conc": d.Dose, "response": d.DryMatter}))
    d = read_drc("spinach")
    out.append(pd.DataFrame({"curve": "spinach " + d.CURVE.astype(str), "conc": d.DOSE, "response": d.SLOPE}))
    return pd.concat(out, ignore_index=True)


def _gen5():
    """A BCA standard curve and six 4-step dilution series in triplicate from a Gen5 export
    (absorbance nearly linear in concentration: no upper plateau, fits at a runaway limit).
    The layout block of the file: standards in A-H 1-3 at 2000, 666.67, ..., 2.7435 and a blank
    (taken as ng/mL -> "M" x 1e-9 so that the units stay plausible), samples SPL1-3 in
    A-D 4-12 and SPL4-6 in E-H 4-12 at dilutions 1, 0.5, 0.25, 0.125 (x 1e-6)."""
    reads = read_gen5(GEN5)
    value = dict(zip(reads.well, reads.value))
    rows = []
    for i, c in enumerate((2000, 666.67, 222.22, 74.074, 24.691, 8.2305, 2.7435, 0.0)):
        rows += [("STD", c * 1e-9, value[f"{'ABCDEFGH'[i]}{col}"]) for col in (1, 2, 3)]
    for s, (r0, c0) in enumerate(((0, 4), (0, 7), (0, 10), (4, 4), (4, 7), (4, 10))):
        for k, dil in enumerate((1, 0.5, 0.25, 0.125)):
            rows += [(f"SPL{s + 1}", dil * 1e-6, value[f"{'ABCDEFGH'[r0 + k]}{col}"]) for col in range(c0, c0 + 3)]
    return pd.DataFrame(rows, columns=["curve", "conc", "response"])


@pytest.mark.parametrize("source", [_robustness, _drc, _gen5], ids=["robustness", "drc", "gen5"])
def test_batch_and_single_fits_give_the_same_flags_at_the_same_optimum(source):
    pts = source()
    many = fit_logistic_many(pts, by="curve").set_index("curve")
    same, differ = 0, []
    for cid, g in pts.groupby("curve", sort=False):
        one = fit_logistic(g.conc.to_numpy(), g.response.to_numpy())
        rss = many.at[cid, "rss"]
        if abs(one.rss - rss) <= SAME_RSS * max(one.rss, rss):
            same += 1
            if sorted(one.flags) != sorted(many.at[cid, "flags"]):
                differ.append((cid, one.flags, many.at[cid, "flags"]))
            elif "ci_unbounded" in one.flags:  # the same open interval: 0 / inf on the same side
                ci = (many.at[cid, "ic50_ci_low"], many.at[cid, "ic50_ci_high"])
                for a, b in zip(one.ic50_ci, ci):
                    # a closed bound within 0.01 decade: the single fit's warm-started profile
                    # can stop at a local minimum the batch's Hill scan passes (curve 246: 0.0015)
                    if not (a == b or (0 < a < np.inf and 0 < b < np.inf and abs(np.log10(a / b)) < 0.01)):
                        differ.append((cid, one.ic50_ci, ci))
    assert same >= 0.95 * len(many)  # the comparison is not vacuous
    assert not differ, differ


def _curves(pts):
    """Curve-major (X, Y, W) arrays of the robustness points (X = log10 conc, -inf for 0)."""
    pts = pts[pts.response.notna()]
    groups = [g for _, g in pts.groupby("curve")]
    n = max(len(g) for g in groups)
    X, Y, W = (np.zeros((len(groups), n)) for _ in range(3))
    for i, g in enumerate(groups):
        with np.errstate(divide="ignore"):
            X[i, :len(g)] = np.log10(g.conc.to_numpy())
        Y[i, :len(g)], W[i, :len(g)] = g.response, 1.0
    return X, Y, W


def test_best_known_optima_are_stationary_and_nearby_points_are_not():
    """The independent optima of make_robustness_sets.py (scipy from 20 starts, tolerances
    1e-14) pass; moved by 1% of the tested range in logIC50 they fail (curves that are no step,
    |Hill| < 2, where logIC50 is determined)."""
    optima = pd.read_csv(DATA / "robustness_optima.csv").set_index("curve")
    inside = optima[optima.set == "inside"]
    X, Y, W = _curves(pd.read_csv(DATA / "robustness_points.csv").query("set == 'inside'"))
    p = inside[["best_bottom", "best_top", "best_log_ic50", "best_hill"]].to_numpy()
    free = np.ones(4, bool)
    ok = stationary(X, Y, W, p, free)
    # one miss allowed: curve 2, whose best-known point is on its way to a step and which
    # both fits beat by 1e-5 of the RSS (4266.3095 against 4266.3530)
    assert ok.mean() >= 0.995, list(inside.index[~ok])
    moved = p.copy()
    moved[:, 2] += 0.01 * (inside.x_high - inside.x_low).to_numpy()
    determined = (inside.best_hill.abs() < 2).to_numpy()
    assert determined.sum() >= 250
    assert not stationary(X, Y, W, moved, free)[determined].any()


def _linear_case():
    """Robustness curve 0 with logIC50 and Hill held: the model is linear in the plateaus."""
    pts = pd.read_csv(DATA / "robustness_points.csv")
    X, Y, W = _curves(pts[pts.curve == 0])
    L, h = -7.8, -0.45
    with np.errstate(over="ignore"):
        f = np.where(np.isneginf(X), 1.0, 1.0 / (1.0 + 10.0 ** ((L - X) * h)))
    return X, Y, W, L, h, f


def _rss(Y, W, f, b, t):
    return float(np.sum(W * (Y - b - (t - b) * f) ** 2))


def test_gain_inside_the_trust_region_is_the_exact_rss_decrease_of_a_linear_model():
    X, Y, W, L, h, f = _linear_case()
    A = np.stack([1 - f[0], f[0]], axis=1)
    best, *_ = np.linalg.lstsq(A, Y[0], rcond=None)  # independent: plain linear least squares
    p = np.array([[best[0] + 1.0, best[1] - 2.0, L, h]])  # within one response SD of the optimum
    gain, rss, _ = rss_gain(X, Y, W, p, np.array([True, True, False, False]))
    expected = _rss(Y, W, f, *p[0, :2]) - _rss(Y, W, f, *best)
    assert rss[0] == pytest.approx(_rss(Y, W, f, *p[0, :2]), rel=1e-12)
    assert gain[0] == pytest.approx(expected, rel=1e-9)


def test_gain_beyond_the_trust_region_is_the_best_move_within_it():
    """Plateaus 5 response SDs off: the best move of length <= 1 SD (the region's radius),
    found by brute force over the circle on the exact RSS, gives the gain."""
    X, Y, W, L, h, f = _linear_case()
    sd = np.sqrt(np.sum((Y - Y[W > 0].mean()) ** 2 * W) / W.sum())
    A = np.stack([1 - f[0], f[0]], axis=1)
    best, *_ = np.linalg.lstsq(A, Y[0], rcond=None)
    b0, t0 = best[0] - 5 * sd, best[1] + 3 * sd
    gain, rss, _ = rss_gain(X, Y, W, np.array([[b0, t0, L, h]]), np.array([True, True, False, False]))
    theta = np.linspace(0.0, 2 * np.pi, 200_001)
    moves = [_rss(Y, W, f, b0 + sd * np.cos(a), t0 + sd * np.sin(a)) for a in theta[::1000]]
    a0 = theta[::1000][int(np.argmin(moves))]
    fine = np.linspace(a0 - 0.04, a0 + 0.04, 4001)
    lowest = min(_rss(Y, W, f, b0 + sd * np.cos(a), t0 + sd * np.sin(a)) for a in fine)
    assert gain[0] == pytest.approx(rss[0] - lowest, rel=1e-6)
    assert gain[0] > GAIN_TOL * rss[0]  # far from the optimum: not stationary


def test_the_test_is_blind_to_replicate_aggregation():
    """Replicates as their means with counts as weights (as fit_logistic_many packs them) and
    the replicate scatter as ``extra``: the same gain, RSS and TSS as on the points."""
    pts = pd.read_csv(DATA / "robustness_points.csv")
    g = pts[(pts.curve == 7) & pts.response.notna()]
    X, Y, W = _curves(g)
    agg = g.groupby("conc").response.agg(["mean", "count", lambda v: float(((v - v.mean()) ** 2).sum())])
    with np.errstate(divide="ignore"):
        Xa = np.log10(agg.index.to_numpy())[None]
    Ya, Wa, extra = agg["mean"].to_numpy()[None], agg["count"].to_numpy(float)[None], agg.iloc[:, 2].sum()
    p = np.array([[5.0, 110.0, -7.0, -0.8]])
    free = np.ones(4, bool)
    for a, b in zip(rss_gain(X, Y, W, p, free), rss_gain(Xa, Ya, Wa, p, free, extra=np.array([extra]))):
        assert a[0] == pytest.approx(b[0], rel=1e-9)
