"""The report prints the numbers the analysis used, as the result recorded them (issue 16,
part 3): the inputs contract travels in the result's to_dict, and the views read it there."""
from __future__ import annotations

import pytest

import protocol_kit as pk
from protocol_kit.reports.view_binding import saturation
from protocol_kit.reports.view_common import recorded_inputs
from protocol_kit.reports.view_microdialysis import microdialysis


def test_the_views_hand_the_recorded_inputs_to_the_template():
    p = pk.RadioligandBinding(mode="saturation", counting_efficiency=35.0)
    d = p.analyse(p.simulate(seed=1)).to_dict()
    assert d["inputs"]["efficiency"] == pytest.approx(0.35)      # 35% -> 0.35
    d["inputs"] = {**d["inputs"], "efficiency": 0.5}             # what a record says wins over the plan
    assert saturation(d, p)["inputs"]["efficiency"] == 0.5


def test_a_record_from_before_the_contract_falls_back_to_the_plans():
    p = pk.Microdialysis(baseline_fractions=3)
    d = p.analyse(p.simulate(seed=1)).to_dict()
    assert d["inputs"]["baseline_fractions"] == 3
    old = {k: v for k, v in d.items() if k != "inputs"}
    assert recorded_inputs(old, p) == p.analysis_inputs().to_dict()
    assert microdialysis(old, p)["inputs"]["baseline_fractions"] == 3


def test_the_report_method_prints_the_recorded_efficiency(tmp_path):
    from protocol_kit.records import Store
    from protocol_kit.reports.report import render_report

    p = pk.RadioligandBinding(mode="saturation", counting_efficiency=35.0)
    with Store(tmp_path / "runs.db") as store:
        run = p.start_run(operator="A. Smith", store=store)
        run.attach_data(p.simulate(seed=1), name="counts.csv")
        run.analyse("counts.csv")
        html = render_report(run)
    assert "DPM = CPM / efficiency 35%" in html   # 0.35 x 100, from the recorded inputs
