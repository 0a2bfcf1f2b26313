"""Degenerate results in the rendered report: an open (unbounded) CI and constant control wells."""
import numpy as np
import pandas as pd
import tinyhtml5

import protocol_kit as pk
from protocol_kit.reports.numbers import ci, molar

NS = "{http://www.w3.org/1999/xhtml}"


def _rows(html):
    """Every table row of the report as the text of its cells, whitespace (no-break spaces too)
    collapsed to one space."""
    root = tinyhtml5.parse(html)
    return [" ".join(" ".join(" ".join("".join(cell.itertext()).split()) for cell in tr).split())
            for tr in root.iter(f"{NS}tr")]


def _m(x):
    return molar(x).replace("\u00a0", " ")


def test_numbers_print_an_open_bound_as_unbounded():
    # a record keeps an infinite bound as the text 'inf'; 10^-inf = 0 is the open lower bound of an IC50
    assert ci((3.5e-7, float("inf")), molar, log_scale=True) == "95% CI 350\u00a0nM to unbounded"
    assert ci((3.5e-7, "inf"), molar, log_scale=True) == "95% CI 350\u00a0nM to unbounded"
    assert ci((0.0, 2e-9), molar, log_scale=True) == "95% CI unbounded to 2\u00a0nM"
    assert ci(("-inf", 1.5)) == "95% CI unbounded to 1.5"
    assert ci((0.0, 1.5)) == "95% CI 0 to 1.5"  # 0 is a bound unless the scale is logarithmic


def test_report_headline_shows_the_open_profile_interval(store, tmp_path):
    # IC50 near the top of the series (Ki 300 nM, [L] = Kd: IC50 600 nM, top 10 uM) with noisy wells:
    # the bottom plateau is not reached and the profile interval of logIC50 is open above
    p = pk.RadioligandBinding()
    run = p.start_run(operator="A. Smith", store=store)
    # (seed 3: with wells weighted by the counts the fitted curve predicts, seed 1's interval closes)
    run.attach_data(p.simulate(seed=3, ki="300 nM", well_cv=0.2), name="counts.csv")
    r = run.analyse()
    lo, hi = r.fit.log_ic50_ci_profile
    assert hi == float("inf") and "ci_unbounded" in r.flags
    assert r.ic50_ci == (10 ** lo, float("inf"))
    rows = _rows(run.report(tmp_path / "r.html").read_text(encoding="utf-8"))
    ic50 = [t for t in rows if t.startswith("IC50 ")]
    assert ic50 == [f"IC50 {_m(r.ic50)} 95% CI {_m(10 ** lo)} to unbounded"]
    # Ki by Cheng-Prusoff: the IC50 interval / (1 + [L]/Kd) = / 2, open above as well
    ki = [t for t in rows if t.startswith("Ki (Cheng-Prusoff)")]
    assert len(ki) == 1 and f"95% CI {_m(10 ** lo / 2)} to unbounded" in ki[0]
    flag = [t for t in rows if t.startswith("ci_unbounded")]
    assert len(flag) == 1 and "profile-likelihood CI of logIC50 is" in flag[0] and "unbounded)" in flag[0]


def test_report_flags_constant_control_wells(store, tmp_path):
    p = pk.ReuptakeInhibition(top_conc="1 uM")
    lay = p.layout
    role = lay["role"].to_numpy()
    conc = np.nan_to_num(lay["conc"].to_numpy())
    value = np.where(role == "vehicle", 1000.0, np.where(role == "positive", 100.0,
                     100 + 900 / (1 + conc / 3e-9) * (1 + 0.05 * np.where(lay["replicate"] % 2 == 1, -1, 1))))
    run = p.start_run(operator="A. Smith", store=store)
    run.analyse(pd.DataFrame({"well": lay["well"], "value": np.where(role == "blank", 0.0, value)}))
    rows = _rows(run.report(tmp_path / "r.html").read_text(encoding="utf-8"))
    # Z' = 1 - 3 (0 + 0) / 900 = 1.00 from identical wells: shown with the flag, never alone
    z = [t for t in rows if t.startswith("Z' (worst plate)")]
    assert len(z) == 1 and z[0].startswith("Z' (worst plate) 1.00") and "constant" in z[0]
    plate = [t for t in rows if "1.00 (constant controls)" in t]
    assert len(plate) == 1
    flag = [t for t in rows if t.startswith("constant_controls")]
    assert len(flag) == 1 and "vehicle wells all 1000" in flag[0] and "full-inhibition wells all 100" in flag[0]
