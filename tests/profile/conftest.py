"""Stores for the profile tests: simulated sertraline runs, and runs with hand-made results."""
from __future__ import annotations

import pytest

from protocol_kit.profile import simulate_profile_runs
from protocol_kit.protocols import RadioligandBinding, ReuptakeInhibition
from protocol_kit.records import Store
from tests.bench import tick_rest


@pytest.fixture(scope="module")
def sim_store(tmp_path_factory):
    """Three signed runs: sertraline at SERT, NET, DAT (seeds 1, 2, 3), truth from the reference
    library (human point values 0.29, 420 and 25 nM)."""
    path = tmp_path_factory.mktemp("profile") / "sim.db"
    with Store(path) as st:
        runs = simulate_profile_runs(st)
    return path, [r.id for r in runs]


def record(store, *, compound="PK-101", target="SERT", ki=None, ci=None, flags=(), sign=True,
           assay="radioligand-binding", ic50_text="", envelope=False):
    """A run whose latest analysis is a hand-made result (Ki and CI in nM); returns its id."""
    p = RadioligandBinding(target=target) if assay == "radioligand-binding" else ReuptakeInhibition()
    run = p.start_run("T. Tester", store)
    key = "target" if assay == "radioligand-binding" else "transporter"
    result = {"compound": compound, key: target, "ki": None if ki is None else ki * 1e-9,
              "ki_ci": None if ci is None else [ci[0] * 1e-9, ci[1] * 1e-9], "flags": list(flags),
              "ic50_text": ic50_text}
    run.record_analysis({"kind": "protocol_kit analysis v1", "result": result} if envelope else result)
    if sign:
        tick_rest(run)
        run.sign("T. Tester", "performed")
    return run.id
