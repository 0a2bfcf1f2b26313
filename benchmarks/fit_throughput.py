"""Throughput of fit_logistic_many against a loop of scipy.optimize.curve_fit, same data, same run.

    .venv/bin/python benchmarks/fit_throughput.py                    # 10,000 curves, 5 repeats
    .venv/bin/python benchmarks/fit_throughput.py --curves 100000 --repeats 1 --memory

Simulated (seeded) inhibition curves: 10 half-log concentrations x 3 replicates plus 3 vehicle
wells (33 points), logIC50 uniform over the tested range, |Hill| 0.6-2.5, noise 8% of the span.
The engine fits every curve (standard errors included). The curve_fit loop (MINPACK LM, the
same model with vehicle wells at X = -inf, pcov = standard errors, starting from min/max
response, the middle concentration and Hill -1) fits the first ``--loop-curves`` curves; its
throughput is curves / time of that loop. Both are timed ``--repeats`` times: medians quoted.
Agreement: |difference in logIC50| on the curves where both reach the same RSS (relative
difference < 1e-6), and how often each one ends at a lower RSS than the other.
Peak memory: tracemalloc peak of one engine call (``--memory``) and the process's max RSS.
"""
from __future__ import annotations

import argparse
import resource
import statistics
import time
import tracemalloc
import warnings

import numpy as np
import pandas as pd
from scipy.optimize import OptimizeWarning, curve_fit

from protocol_kit.analysis import fit_logistic_many

CONC = np.r_[np.zeros(3), np.repeat(10.0 ** np.arange(-10, -5.4, 0.5), 3)]  # 3 vehicle + 10 x 3


def simulate(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    L = rng.uniform(-9.75, -5.75, n)
    h = -rng.uniform(0.6, 2.5, n)
    top, bottom = rng.uniform(80, 120, n), rng.uniform(-5, 15, n)
    with np.errstate(divide="ignore"):
        x = np.log10(CONC)
    f = np.where(CONC > 0, 1 / (1 + 10.0 ** ((L[:, None] - x[None]) * h[:, None])), 1.0)
    y = bottom[:, None] + (top - bottom)[:, None] * f
    y += rng.normal(0, 1, y.shape) * (0.08 * (top - bottom))[:, None]
    return pd.DataFrame({"curve": np.repeat(np.arange(n), CONC.size), "conc": np.tile(CONC, n),
                         "response": y.ravel()})


def model(x, b, t, L, h):
    with np.errstate(over="ignore", invalid="ignore"):
        return b + (t - b) / (1 + 10.0 ** ((L - x) * h))


def curve_fit_loop(frame: pd.DataFrame, n: int):
    with np.errstate(divide="ignore"):
        x = np.log10(CONC)
    ys = frame["response"].to_numpy()[: n * CONC.size].reshape(n, CONC.size)
    out = np.full((n, 3), np.nan)  # log_ic50, its SE, rss
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OptimizeWarning)
        for i in range(n):
            y = ys[i]
            try:
                p, cov = curve_fit(model, x, y, p0=[y.min(), y.max(), -7.75, -1.0], maxfev=2000,
                                 check_finite=False)  # vehicle wells sit at X = -inf
            except RuntimeError:
                continue
            out[i] = p[2], np.sqrt(cov[2, 2]), np.sum((y - model(x, *p)) ** 2)
    return time.perf_counter() - t0, out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--curves", type=int, default=10_000)
    ap.add_argument("--loop-curves", type=int, default=1_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--memory", action="store_true", help="also measure the tracemalloc peak of one engine call")
    a = ap.parse_args(argv)
    frame = simulate(a.curves, a.seed)
    loop_n = min(a.loop_curves, a.curves)

    eng_times, loop_times = [], []
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        res = fit_logistic_many(frame, by="curve")
        eng_times.append(time.perf_counter() - t0)
        t, loop = curve_fit_loop(frame, loop_n)
        loop_times.append(t)
    eng_rate = a.curves / statistics.median(eng_times)
    loop_rate = loop_n / statistics.median(loop_times)

    e = res.iloc[:loop_n]
    rss_e, rss_l = e.rss.to_numpy(), loop[:, 2]
    ok = np.isfinite(rss_l)
    same = ok & (np.abs(rss_e - rss_l) <= 1e-6 * np.maximum(rss_e, rss_l))
    diff = np.abs(e.log_ic50.to_numpy()[same] - loop[same, 0])
    se_ratio = e.log_ic50_se.to_numpy()[same] / loop[same, 1]
    print(f"curves: {a.curves} (engine), {loop_n} (curve_fit loop); {CONC.size} points each; repeats {a.repeats}")
    print(f"fit_logistic_many : {eng_rate:12,.0f} curves/s  (median {statistics.median(eng_times):.3f} s; "
          f"runs {', '.join(f'{t:.3f}' for t in eng_times)})")
    print(f"curve_fit loop    : {loop_rate:12,.0f} curves/s  (median {statistics.median(loop_times):.3f} s "
          f"for {loop_n})")
    print(f"ratio             : {eng_rate / loop_rate:12.1f} x")
    print(f"same RSS (rel 1e-6): {same.sum()} / {loop_n}; |d logIC50| median {np.median(diff):.2e}, "
          f"max {diff.max():.2e}; SE(logIC50) ratio median {np.median(se_ratio):.6f}")
    print(f"engine lower RSS  : {(ok & (rss_e < rss_l * (1 - 1e-6))).sum()}  curve_fit lower RSS: "
          f"{(ok & (rss_l < rss_e * (1 - 1e-6))).sum()}  curve_fit failed: {(~ok).sum()}")
    print(f"engine flags      : incomplete {res['flags'].map(lambda f: 'incomplete' in f).mean():.1%}, "
          f"not_converged {(~res.converged).mean():.1%}")
    if a.memory:
        tracemalloc.start()
        fit_logistic_many(frame, by="curve")
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"peak memory       : {peak / 2**20:,.0f} MiB traced in one fit_logistic_many call "
              f"(input frame {frame.memory_usage(deep=True).sum() / 2**20:,.0f} MiB)")
    print(f"process max RSS   : {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")


if __name__ == "__main__":
    main()
