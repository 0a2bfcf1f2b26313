"""How often the assays' 95% intervals cover the simulated truth, and how a single simulated
DAT binding run of sertraline scatters (the figures of docs/analysis.md and docs/profile.md).

Truth (the reference library's human point values): sertraline Ki 0.29 nM at SERT, 25 nM at
DAT; saturation Kd = the plan's 1.5 nM, Bmax 2000 fmol/mg (the simulation's defaults).

- binding, competition: seeds 0..N-1 (default 80), the Cheng-Prusoff Ki CI and the direct-fit
  Ki CI; saturation: the Kd and Bmax CIs;
- uptake, per readout (scintillation, fluorescence endpoint, fluorescence kinetic), seeds
  0..M-1 (default 40), the same two Ki CIs (the plans of tests/protocols/test_uptake_analysis.py);
- DAT: the plan simulate_profile_runs makes for sertraline at DAT, seeds 0..M-1: the SD of
  log10 Ki, the geometric mean, and how many runs fall below 22 nM (the low end of the
  published range across studies).

    PYTHONPATH=. .venv/bin/python benchmarks/simulated_recovery.py [--binding 80] [--uptake 40]
"""
from __future__ import annotations

import argparse
import math

import numpy as np

import protocol_kit as pk
from protocol_kit.profile.simulate import binding_plan

KI = 0.29e-9
UPTAKE = {
    "scintillation": {},
    "fluorescence endpoint": {"readout": "fluorescence endpoint", "substrate": "fluorescent substrate",
                              "top_conc": "10 uM", "compound_stock": "10 mM", "substrate_km": "500 nM"},
    "fluorescence kinetic": {"readout": "fluorescence kinetic", "substrate": "fluorescent substrate",
                             "substrate_km": "500 nM"},
}


def covers(ci, truth) -> bool:
    return ci[0] <= truth <= ci[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binding", type=int, default=80)
    ap.add_argument("--uptake", type=int, default=40)
    args = ap.parse_args()

    p = pk.RadioligandBinding()
    cp = direct = 0
    for seed in range(args.binding):
        r = p.analyse(p.simulate(seed=seed))
        cp += covers(r.ki_ci, KI)
        direct += covers(r.ki_direct_ci, KI)
    print(f"binding, {args.binding} seeds: Ki CI covers 0.29 nM in {cp} (Cheng-Prusoff), {direct} (direct fit)")

    s = pk.RadioligandBinding(mode="saturation")
    kd = bmax = 0
    for seed in range(args.binding):
        r = s.analyse(s.simulate(seed=seed))
        kd += covers(r.kd_ci, 1.5e-9)
        bmax += covers(r.bmax_ci, 2000.0)
    print(f"saturation, {args.binding} seeds: CI covers Kd in {kd}, Bmax in {bmax}")

    for name, kw in UPTAKE.items():
        u = pk.ReuptakeInhibition(**kw)
        miss_cp = miss_direct = 0
        for seed in range(args.uptake):
            r = u.analyse(u.simulate(seed=seed))
            miss_cp += not covers(r.ki_ci, KI)
            miss_direct += not covers(r.ki_direct_ci, KI)
        print(f"uptake {name}, {args.uptake} seeds: Ki CI missed {miss_cp} (Cheng-Prusoff), {miss_direct} (direct fit)")

    truth = 25e-9
    d = binding_plan("sertraline", "DAT", truth)
    logs = np.array([math.log10(d.analyse(d.simulate(seed=seed, ki=f"{truth!r} M")).ki) for seed in range(args.uptake)])
    print(f"DAT binding, {args.uptake} seeds: SD of log10 Ki {logs.std(ddof=1):.3f}, geometric mean "
          f"{10 ** logs.mean() * 1e9:.1f} nM, below 22 nM: {int((logs < math.log10(22e-9)).sum())}")


if __name__ == "__main__":
    main()
