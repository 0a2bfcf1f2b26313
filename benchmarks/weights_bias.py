"""Plateau bias of relative weighting by the fitted curve ("1/y2") and by the observed Y
("1/y2 observed"), on seeded one-site curves with proportional Gaussian noise.

Curves: Bottom 10, Top 100, logIC50 -7.5, Hill fixed at -1 (as in binding), 11 concentrations
from 0.1 nM to 10 µM in half-log steps, in duplicate; noise SD = CV x true Y. Printed: the mean
relative error of Top and Bottom +- its standard error (SD / sqrt(n)) for each weighting.
Theory for the observed-Y weights: each plateau is pulled low by about 2 CV^2
(tests/analysis/test_weights.py works it out and checks it on 80 curves per CV).

    PYTHONPATH=. .venv/bin/python benchmarks/weights_bias.py [--curves 200] [--seed 2026]
"""
from __future__ import annotations

import argparse

import numpy as np

from protocol_kit.analysis import fit_logistic

CONC = np.repeat(np.geomspace(1e-10, 1e-5, 11), 2)
BOTTOM, TOP, LOG_IC50 = 10.0, 100.0, -7.5


def truth(conc):
    return BOTTOM + (TOP - BOTTOM) / (1 + 10 ** (np.log10(conc) - LOG_IC50))  # Hill -1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--curves", type=int, default=200)
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args()
    mu = truth(CONC)
    for cv in (0.10, 0.20):
        rng = np.random.default_rng(args.seed)
        errors = {"1/y2": [], "1/y2 observed": []}
        for _ in range(args.curves):
            y = mu * (1 + cv * rng.standard_normal(CONC.size))
            for kind, found in errors.items():
                r = fit_logistic(CONC, y, fixed={"hill": -1}, weights=kind)
                found.append((r.top / TOP - 1, r.bottom / BOTTOM - 1))
        for kind, found in errors.items():
            e = 100 * np.array(found)
            m, se = e.mean(axis=0), e.std(axis=0, ddof=1) / np.sqrt(len(e))
            print(f"CV {cv:.0%}  {kind:14s}  Top {m[0]:+.2f} +- {se[0]:.2f}%   Bottom {m[1]:+.2f} +- {se[1]:.2f}%"
                  f"   ({len(e)} curves, seed {args.seed})")


if __name__ == "__main__":
    main()
