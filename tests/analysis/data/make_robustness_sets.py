"""Generate the robustness sets of tests/analysis/test_robustness.py (run once; seeded).

    .venv/bin/python tests/analysis/data/make_robustness_sets.py

Writes ``robustness_points.csv`` (curve, set, conc, response; NaN = missing point) and
``robustness_optima.csv`` (one row per curve: the simulated truth and the best-known
least-squares optimum). Two sets of messy, realistic inhibition curves:

* ``inside``: true IC50 uniformly inside the tested range [lowest, highest concentration];
* ``beyond``: true IC50 0.3 to 2 log units above the highest concentration (only the flag
  is tested on these, so no optimum is computed: their least-squares infimum often lies at
  infinity, with a plateau running away).

Each curve: 8-12 concentrations at half-log or log spacing, 1-3 replicates, 0-3 vehicle
wells (conc 0), noise 5-15% of the span, |Hill| log-uniform in [0.4, 4], 30% of curves with
1-3 missing points and 15% with one gross outlier (4 SD).

The best-known optimum is found independently of protocol_kit (this script imports nothing
from it): an exhaustive grid of 81 logIC50 x 2 x 40 Hill values on which the plateaus are
solved exactly by linear least squares (numpy lstsq), then scipy ``least_squares`` (TRF,
finite-difference Jacobian, tolerances 1e-14) polished from the 8 best grid points and from
12 random starts; the lowest RSS is kept. Vehicle wells are predicted by the X -> -inf limit.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

SEED = 20261121
N_INSIDE, N_BEYOND = 400, 200
HERE = Path(__file__).parent


def model(X, b, t, L, h):
    """Y = b + (t - b) / (1 + 10^((L - X) h)); X = -inf (vehicle) gives the X -> -inf limit."""
    with np.errstate(over="ignore", invalid="ignore"):
        z = np.power(10.0, np.clip((L - X) * h, -300, 300))
    f = 1.0 / (1.0 + z)
    return b + (t - b) * f


def simulate(rng, which):
    n_conc = int(rng.integers(8, 13))
    step = float(rng.choice([0.5, 1.0]))
    x_max = rng.uniform(-6.0, -4.0)
    xs = x_max - step * np.arange(n_conc)[::-1]
    reps = int(rng.integers(1, 4))
    n_veh = int(rng.integers(0, 4))
    top, bottom = rng.uniform(80, 120), rng.uniform(-10, 20)
    hill = -np.exp(rng.uniform(np.log(0.4), np.log(4.0)))
    if which == "inside":
        L = rng.uniform(xs[0], xs[-1])
    else:
        L = x_max + rng.uniform(0.3, 2.0)
    X = np.concatenate([np.full(n_veh, -np.inf), np.repeat(xs, reps)])
    sd = rng.uniform(0.05, 0.15) * (top - bottom)
    y = model(X, bottom, top, L, hill) + rng.normal(0, sd, X.size)
    if rng.random() < 0.15:
        k = rng.integers(X.size)
        y[k] += 4 * sd * rng.choice([-1, 1])
    if rng.random() < 0.3:
        y[rng.choice(X.size, size=int(rng.integers(1, 4)), replace=False)] = np.nan
    conc = np.where(np.isfinite(X), 10.0 ** X, 0.0)
    return conc, y, dict(true_bottom=bottom, true_top=top, true_log_ic50=L, true_hill=hill, noise_sd=sd)


def best_known(conc, y, rng):
    ok = np.isfinite(y)
    X = np.where(conc[ok] > 0, np.log10(np.where(conc[ok] > 0, conc[ok], 1.0)), -np.inf)
    y = y[ok]
    fin = X[np.isfinite(X)]
    lo, hi = fin.min(), fin.max()
    span = hi - lo
    Ls = np.linspace(lo - 1.0, hi + 1.0, 81)
    hs = np.concatenate([-np.geomspace(0.05, 20, 40), np.geomspace(0.05, 20, 40)]) * 4.0 / span
    scored = []
    for L in Ls:
        for h in hs:
            f = model(X, 0.0, 1.0, L, h)
            A = np.column_stack([1 - f, f])
            coef, *_ = np.linalg.lstsq(A, y, rcond=None)
            rss = float(np.sum((y - A @ coef) ** 2))
            scored.append((rss, [coef[0], coef[1], L, h]))
    scored.sort(key=lambda s: s[0])
    starts = [s[1] for s in scored[:8]]
    for _ in range(12):
        starts.append([rng.uniform(y.min(), y.max()), rng.uniform(y.min(), y.max()),
                       rng.uniform(lo - 1, hi + 1), rng.choice([-1, 1]) * rng.uniform(0.2, 5)])
    best = (np.inf, None)
    for p0 in starts:
        try:
            r = least_squares(lambda p: y - model(X, *p), p0, xtol=1e-14, ftol=1e-14, gtol=1e-14, max_nfev=4000)
        except ValueError:
            continue
        rss = float(np.sum(r.fun ** 2))
        if np.isfinite(rss) and rss < best[0]:
            best = (rss, r.x)
    b, t, L, h = best[1]
    if t < b:  # same curve, Prism's convention Top > Bottom
        b, t, h = t, b, -h
    return dict(best_rss=best[0], best_bottom=b, best_top=t, best_log_ic50=L, best_hill=h,
                grid_best_rss=scored[0][0])


def main():
    rng = np.random.default_rng(SEED)
    pts, rows = [], []
    cid = 0
    for which, n in (("inside", N_INSIDE), ("beyond", N_BEYOND)):
        for _ in range(n):
            conc, y, truth = simulate(rng, which)
            opt = best_known(conc, y, rng) if which == "inside" else {}
            pts.append(pd.DataFrame({"curve": cid, "set": which, "conc": conc, "response": y}))
            rows.append({"curve": cid, "set": which, **truth, **opt,
                         "x_low": np.log10(conc[conc > 0].min()), "x_high": np.log10(conc.max())})
            cid += 1
    pd.concat(pts).to_csv(HERE / "robustness_points.csv", index=False, float_format="%.17g")
    pd.DataFrame(rows).to_csv(HERE / "robustness_optima.csv", index=False, float_format="%.17g")


if __name__ == "__main__":
    main()
