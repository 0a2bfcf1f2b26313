"""numba-compiled against numpy Levenberg-Marquardt, end to end through fit_logistic_many.

    PYTHONPATH=. .venv/bin/python benchmarks/kernel_compare.py --sizes 10000 100000 --repeats 3

Same simulated curves as fit_throughput.py; in each repeat the two kernels run back to back
(numba first, then numpy) on the same frame, after one untimed warm-up call of each (numba's
compilation and cache load are left out). Medians of ``--repeats``; the curve_fit loop
(fit_throughput.curve_fit_loop) on ``--loop-curves`` curves is timed once per repeat too.
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from fit_throughput import curve_fit_loop, simulate
from protocol_kit.analysis import engine, fit_logistic_many


def timed(frame, compiled):
    with engine.lm_kernels(compiled=compiled):
        t0 = time.perf_counter()
        res = fit_logistic_many(frame, by="curve")
        return time.perf_counter() - t0, res


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--loop-curves", type=int, default=1_000)
    ap.add_argument("--seed", type=int, default=2026)
    a = ap.parse_args(argv)
    for n in a.sizes:
        frame = simulate(n, a.seed)
        timed(frame.iloc[: 33 * 200], True)
        timed(frame.iloc[: 33 * 200], False)
        tn, tp, tl = [], [], []
        for _ in range(a.repeats):
            t, rn = timed(frame, True)
            tn.append(t)
            t, rp = timed(frame, False)
            tp.append(t)
            tl.append(curve_fit_loop(frame, min(a.loop_curves, n))[0])
        loop_rate = min(a.loop_curves, n) / statistics.median(tl)
        same = all(np.allclose(rn[c].to_numpy(float), rp[c].to_numpy(float), rtol=1e-6, equal_nan=True)
                   for c in ("log_ic50", "rss", "hill", "ic50_ci_low", "ic50_ci_high"))
        flags_same = (rn["flags"] == rp["flags"]).mean()
        mn, mp = statistics.median(tn), statistics.median(tp)
        print(f"{n:>7} curves: numba {n / mn:10,.0f}/s (median {mn:.3f} s; {', '.join(f'{t:.3f}' for t in tn)}) | "
              f"numpy {n / mp:10,.0f}/s (median {mp:.3f} s; {', '.join(f'{t:.3f}' for t in tp)}) | "
              f"numba/numpy {mp / mn:.2f}x | curve_fit loop {loop_rate:,.0f}/s -> numba {n / mn / loop_rate:.1f}x, "
              f"numpy {n / mp / loop_rate:.1f}x | results within 1e-6: {same}, same flags {flags_same:.4f}",
              flush=True)


if __name__ == "__main__":
    main()
