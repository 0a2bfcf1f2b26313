"""The report figures: the same bytes every time (also in a fresh process), no colour needed to
read them, the plate's values written in its wells."""
import hashlib
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import protocol_kit as pk
from protocol_kit.reports import plots


def figures() -> dict[str, str]:
    """One of every kind of figure, from seeded simulated data."""
    p = pk.RadioligandBinding()
    r = p.analyse(p.simulate(seed=1))
    w = r.table("wells")
    part = w[w["role"].isin(["total", "compound"])]
    conc = np.where(part["role"] == "total", 0.0, part["conc"].astype(float))
    fit = r.fit.to_dict()
    s = pk.RadioligandBinding(mode="saturation")
    sr = s.analyse(s.simulate(seed=1))
    t = sr.table("concentrations")
    return {
        "curve": plots.inhibition_curve(conc, part["pct_specific"], fit=fit, ic50=r.ic50, ic50_text=r.ic50_text,
                                        y_label="specific binding (%)", control_label="TB", key="curve", title="c"),
        "uptake": plots.inhibition_curve(conc, part["pct_specific"], fit=fit, ic50=r.ic50, ic50_text=r.ic50_text,
                                         y_label="inhibition (%)", control_label="vehicle", key="u", title="u",
                                         transform=lambda v: 100 - np.asarray(v)),
        "saturation": plots.saturation_curve(
            (t["L_free"] * 1e9, t["specific_fmol_per_mg"] + 100), (t["L_free"] * 1e9, t["specific_fmol_per_mg"] * 0.1),
            (t["L_free"] * 1e9, t["specific_fmol_per_mg"]), bmax=sr.bmax, kd_nM=sr.kd * 1e9,
            ns_per_nM=sr.ns * 1e-9, background=sr.fit.background, key="sat", title="s"),
        "plate": plots.plate_heatmap(list("ABCD"), list(range(1, 13)),
                                     {wl: (v, g) for wl, v, g in zip(w["well"], w["reading"], w["group"])},
                                     unit="CPM", key="plate", title="Plate 1"),
        "timecourse": plots.timecourse([("vehicle", [-30, 10, 30], [100, 104, 98], [3, 4, 5]),
                                        ("drug", [-30, 10, 30], [99, 250, 310], [4, 20, 25])],
                                       dose_label="sertraline 10 mg/kg i.p.", y_label="5-HT (%)", key="tc",
                                       title="t"),
        "stdcurve": plots.standard_curve([0.1, 1, 5], [105, 1005, 5005], slope=1000, intercept=5, lod=0.02,
                                         loq=0.06, unit="nM", key="std", title="std"),
    }


@pytest.fixture(scope="module")
def figs():
    return figures()


def test_figures_are_byte_stable_in_this_and_a_fresh_process(figs):
    first = figs
    assert figures() == first
    code = ("import hashlib, json; from tests.reports.test_plots import figures; "
            "print(json.dumps({k: hashlib.sha256(v.encode()).hexdigest() for k, v in figures().items()}))")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    assert json.loads(out.stdout) == {k: hashlib.sha256(v.encode()).hexdigest() for k, v in first.items()}


@pytest.mark.parametrize("name", ["curve", "saturation", "plate", "timecourse", "stdcurve"])
def test_figures_are_inline_svg_in_grey_with_their_own_ids(name, figs):
    svg = figs[name]
    assert svg.startswith('<svg role="img" aria-label=') and "<?xml" not in svg and "<dc:date>" not in svg
    ids = re.findall(r'\bid="([^"]+)"', svg)
    key = re.search(r'\bid="([^"-]+)-', svg).group(1)
    assert ids and all(i.startswith(f"{key}-") for i in ids)
    for ref in re.findall(r'(?:href="#|url\(#)([^")]+)', svg):
        assert ref in ids
    # black and white: every colour drawn is a grey (r = g = b)
    colours = set(re.findall(r"#([0-9a-fA-F]{6})\b", svg))
    assert colours and all(c[0:2] == c[2:4] == c[4:6] for c in colours), colours


def test_plate_wells_carry_their_values_as_text(figs):
    p = pk.RadioligandBinding()
    w = p.analyse(p.simulate(seed=1)).table("wells")
    svg = figs["plate"]
    texts = [t.strip() for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]
    # each well shows its group code and its CPM (4 significant figures: counts are integers here)
    for well, cpm, group in zip(w["well"], w["reading"], w["group"]):
        assert f"{cpm:.4g}" in texts and group in texts, well
    assert texts.count("·") == 48 - len(w)  # the unplanned wells of rows A-D


def test_decade_labels():
    assert [plots.decade_label(e) for e in (-12, -10, -9, -7, -6, -4)] == \
        ["1 pM", "100 pM", "1 nM", "100 nM", "1 µM", "100 µM"]
