"""False-positive rates of the treatment x time tests under the null, in the demo's shape.

Datasets: protocol_kit.simulate.null_timecourses (12 animals, 6 drug / 6 vehicle, 9 post-dose
fractions, the drug does nothing). For each dataset:
- complete: every sample present, two-way repeated-measures ANOVA (Greenhouse-Geisser p, and
  the uncorrected p);
- missing: 1-3 post-dose samples lost, the mixed model (REML, F tests, Satterthwaite df);
- with --wald N: on the first N missing-sample datasets also the former method, statsmodels
  MixedLM with Wald chi-square tests, for comparison.
Prints each rejection rate at alpha 0.05 with its exact (Clopper-Pearson) 95% interval.

    PYTHONPATH=. .venv/bin/python benchmarks/rm_null_rates.py --datasets 4000 --wald 1000
"""
from __future__ import annotations

import argparse
import time
import warnings

from scipy import stats

from protocol_kit.analysis.stats import mixed_model, rm_anova
from protocol_kit.simulate.null_timecourses import null_timecourses

EFFECTS = ("treatment", "time", "treatment x time")
ARGS = dict(value="pct_baseline", subject="animal", time="fraction", between="group")


def wald_p(d) -> dict:
    import statsmodels.formula.api as smf

    d = d.dropna().astype({"fraction": str})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = smf.mixedlm("pct_baseline ~ C(group, Sum) * C(fraction, Sum)", d, groups=d["animal"]).fit(reml=True)
        terms = fit.wald_test_terms(scalar=True).summary_frame()["P>chi2"]
    return dict(zip(EFFECTS, terms.iloc[1:4]))


def line(name: str, hits: dict, n: int) -> str:
    parts = []
    for e in EFFECTS:
        k = hits[e]
        lo = stats.beta.ppf(0.025, k, n - k + 1) if k else 0.0
        hi = stats.beta.ppf(0.975, k + 1, n - k) if k < n else 1.0
        parts.append(f"{e} {100 * k / n:.2f}% ({100 * lo:.1f}-{100 * hi:.1f})")
    return f"{name:<46} n={n:<5} " + "; ".join(parts)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", type=int, default=4000)
    ap.add_argument("--wald", type=int, default=0, help="also the Wald chi-square tests on the first N")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    t0 = time.perf_counter()
    counts = {k: dict.fromkeys(EFFECTS, 0) for k in ("gg", "unc", "mixed", "wald")}
    for d in null_timecourses(a.datasets, seed=a.seed, missing=(0, 0)):
        r = rm_anova(d, **ARGS)
        for e in EFFECTS:
            counts["gg"][e] += r.p(e) < 0.05
            counts["unc"][e] += r.p(e, corrected=False) < 0.05
    for i, d in enumerate(null_timecourses(a.datasets, seed=a.seed + 1)):
        r = mixed_model(d, **ARGS)
        for e in EFFECTS:
            counts["mixed"][e] += r.p(e) < 0.05
        if i < a.wald:
            for e, p in wald_p(d).items():
                counts["wald"][e] += p < 0.05
    print(f"alpha 0.05, seed {a.seed}; rejection rate (exact 95% CI)")
    print(line("complete data, ANOVA, Greenhouse-Geisser p", counts["gg"], a.datasets))
    print(line("complete data, ANOVA, uncorrected p", counts["unc"], a.datasets))
    print(line("1-3 missing, mixed model F (Satterthwaite)", counts["mixed"], a.datasets))
    if a.wald:
        print(line("1-3 missing, MixedLM Wald chi-square (former)", counts["wald"], a.wald))
    print(f"{time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
