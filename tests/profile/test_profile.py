"""Gathering, combining and excluding, on runs with hand-made results (Ki in nM)."""
from __future__ import annotations

import json
import math

import pytest

import protocol_kit as pk
import protocol_kit.profile as pp
from protocol_kit.profile.compare import range_status, reference_ratio
from protocol_kit.records import Store
from protocol_kit.reference import ki as ref_ki

from .conftest import record


def test_geometric_mean_of_two_runs_by_hand(store):
    record(store, ki=1.0, ci=(0.5, 2.0))
    record(store, ki=4.0, ci=(2.0, 8.0))
    t = pp.profile("PK-101", store=store).target("SERT")
    # 10^((log10 1 + log10 4) / 2) = 10^0.30103 = 2 nM
    assert t.ki_nM == pytest.approx(2.0, rel=1e-12)
    # SD of (0, 0.60206) = 0.60206 / sqrt 2 = 0.425721; t(0.975, 1 df) = 12.706205
    # half-width 12.706205 x 0.425721 / sqrt 2 = 3.824949 -> 2 / 10^3.824949 = 2.99282e-4, 2 x 10^3.824949 = 13365.3
    assert t.ci_nM == pytest.approx((2.99282e-4, 13365.30), rel=1e-5)
    assert [m.ki_nM for m in t.measurements] == pytest.approx([1.0, 4.0])   # both listed
    assert "geometric mean of 2 runs" in t.method


def test_flagged_and_undetermined_runs_listed_but_excluded_with_reason(store):
    record(store, ki=1.0, ci=(0.5, 2.0))
    record(store, ki=4.0, ci=(2.0, 8.0))
    bad = record(store, ki=100.0, ci=(50, 200), flags=("hill_not_1",))
    none = record(store, ki=None, flags=("incomplete",), ic50_text="> 10 µM")
    noisy = record(store, ki=16.0, ci=(8, 32), flags=("replicate_cv",))   # shown, but used
    prof = pp.profile("PK-101", store=store)
    t = prof.target("SERT")
    assert len(t.measurements) == 5 and len(t.used) == 3
    # (1 x 4 x 16)^(1/3) = 64^(1/3) = 4 nM: the flagged 100 nM and the undetermined run left out
    assert t.ki_nM == pytest.approx(4.0, rel=1e-12)
    why = {m.run_id: m.reason for m in t.excluded}
    assert why[bad] == ("flag hill_not_1: the Hill slope is far from 1, so Cheng-Prusoff (one competitive "
                        "site) is doubtful")
    assert why[none] == "Ki not determined (IC50 > 10 µM; flags incomplete)"
    runs = prof.runs_frame().set_index("run_id")
    assert runs.loc[noisy, "used"] and runs.loc[noisy, "flags"] == "replicate_cv"
    assert bad in prof.to_frame().loc[0, "excluded"] and none in prof.to_frame().loc[0, "excluded"]


def test_unsigned_runs_and_runs_without_analysis(store):
    record(store, ki=2.0, ci=(1, 4))
    unsigned = record(store, ki=50.0, ci=(25, 100), sign=False)
    empty = pk.RadioligandBinding(compound="PK-101").start_run("T. Tester", store).id   # no analysis yet
    t = pp.profile("PK-101", store=store, include_unsigned=False).target("SERT")
    assert t.ki_nM == pytest.approx(2.0)
    why = {m.run_id: m.reason for m in t.excluded}
    assert why == {unsigned: "run not signed (include_unsigned=False)", empty: "no analysis recorded"}
    # with unsigned runs: sqrt(2 x 50) = 10 nM
    assert pp.profile("PK-101", store=store).target("SERT").ki_nM == pytest.approx(10.0)


def test_saturation_runs_are_noted_not_read(store):
    record(store, ki=2.0, ci=(1, 4))
    sat = pk.RadioligandBinding(mode="saturation", compound="PK-101").start_run("T. Tester", store).id
    prof = pp.profile("PK-101", store=store)
    assert sat not in {m.run_id for m in prof.measurements} and len(prof.measurements) == 1
    assert prof.notes == (f"run {sat} is a saturation experiment (the radioligand's Kd and Bmax, no Ki of "
                          f"'PK-101'): not read",)


def test_names_salts_aliases_and_both_record_shapes(store):
    record(store, compound="pk-101 HCl", target="5-HTT", ki=2.0, ci=(1, 4))
    record(store, compound="PK-101", target="hNET", ki=200.0, ci=(100, 400), envelope=True,
           assay="reuptake-inhibition")
    record(store, compound="PK-102", ki=3.0)
    prof = pp.profile("PK-101", store=store)
    assert [t.target for t in prof.targets] == ["SERT", "NET"]
    sert, net = prof.target("SERT").measurements[0], prof.target("norepinephrine transporter").measurements[0]
    assert "matched to 'PK-101' by its base name (salt or hydrate form 'HCl' ignored)" in sert.note
    assert "target recorded as '5-HTT'" in sert.note
    assert net.assay == "reuptake-inhibition" and net.ki_nM == pytest.approx(200.0)
    assert "PK-102" not in prof.runs_frame()["compound"].tolist()
    assert prof.notes[0] == "runs recorded the compound as 'PK-101', 'pk-101 HCl'"
    # only the binding assay asked for: the uptake run is not read
    assert [t.target for t in pp.profile("pk-101", store=store, assays=("radioligand-binding",)).targets] == ["SERT"]


def test_binding_and_uptake_are_never_averaged_together(store):
    record(store, ki=2.0, ci=(1, 4))
    record(store, target="NET", ki=200.0, ci=(100, 400))
    record(store, assay="reuptake-inhibition", ki=8.0, ci=(4, 16))
    record(store, assay="reuptake-inhibition", target="NET", ki=400.0, ci=(200, 800))
    prof = pp.profile("PK-101", store=store)
    assert [(t.target, t.assay) for t in prof.targets] == [
        ("SERT", "radioligand-binding"), ("NET", "radioligand-binding"),
        ("SERT", "reuptake-inhibition"), ("NET", "reuptake-inhibition")]
    assert [t.ki_nM for t in prof.targets] == pytest.approx([2.0, 200.0, 8.0, 400.0])
    assert prof.ratio("NET/SERT", "radioligand-binding").ratio == pytest.approx(100.0)    # 200 / 2
    assert prof.ratio("NET/SERT", "reuptake-inhibition").ratio == pytest.approx(50.0)     # 400 / 8
    with pytest.raises(pk.ParameterError, match="assay: None must be given: SERT was measured in several assays"):
        prof.target("SERT")
    wide = prof.comparison(wide=True).set_index("kind")
    assert wide.loc["measured (uptake)", "NET/SERT"] == "50"


def test_ratio_ci_by_hand_and_when_unavailable(store):
    record(store, ki=2.0, ci=(1, 4))
    record(store, target="NET", ki=200.0, ci=(100, 400))
    record(store, target="DAT", ki=50.0)                          # no CI recorded
    prof = pp.profile("PK-101", store=store)
    net = prof.ratio("NET/SERT")
    # 200 / 2 = 100; half-widths log10 2 = 0.30103 each: h = 0.30103 x sqrt 2 = 0.425721, 10^h = 2.665144
    # CI 100 / 2.665144 = 37.5214 to 100 x 2.665144 = 266.514
    assert net.ratio == pytest.approx(100.0)
    assert net.ci == pytest.approx((37.5214, 266.5144), rel=1e-5)
    dat = prof.ratio("DAT/SERT")
    assert dat.ratio == pytest.approx(25.0) and dat.ci is None      # 50 / 2
    assert dat.note == "CI not available: no CI of Ki at DAT"


def test_no_primary_no_ratio(store):
    record(store, target="NET", ki=200.0, ci=(100, 400))
    r = pp.profile("PK-101", store=store).ratio("NET/SERT")
    assert r.ratio is None and r.note == "not available: no usable Ki at SERT"


def test_unknown_compound_lists_those_with_results(store, tmp_path):
    record(store, compound="sertraline", ki=0.3, ci=(0.2, 0.45))
    record(store, compound="fluoxetine", ki=1.5, ci=(1, 2.25))
    with pytest.raises(pp.UnknownCompoundError) as err:
        pp.profile("Sertralin", store=store)
    assert str(err.value) == (f"compound 'Sertralin': no radioligand-binding or reuptake-inhibition run of it in "
                              f"{store.path}; did you mean 'sertraline'? (compounds with results: fluoxetine, "
                              f"sertraline)")
    with Store(tmp_path / "empty.db") as empty:
        with pytest.raises(pk.UnknownNameError, match=r"\(no compound has an analysed Ki there\)$"):
            pp.profile("x", store=empty)
    with pytest.raises(pk.UnknownNameError, match="unknown assay 'binding'"):
        pp.profile("sertraline", store=store, assays=("binding",))
    with pytest.raises(pk.ParameterError, match="compound: ' ' is empty; allowed: the name of a compound"):
        pp.profile(" ", store=store)


def test_reference_drug_comparison_by_hand(store):
    record(store, compound="sertraline", ki=3.0, ci=(2, 4.5))                 # above 0.2-2.1
    record(store, compound="sertraline", target="DAT", ki=30.0, ci=(20, 45))
    prof = pp.profile("sertraline", store=store)
    assert prof.reference_drug == "sertraline"
    assert prof.to_frame().set_index("target")["in_reference_range"].to_dict() == {"SERT": "above", "DAT": "yes"}
    long = prof.comparison().set_index(["drug", "target"])
    # imipramine SERT 0.8-4.6: sqrt(0.8 x 4.6) = 1.91833; DAT 8500 single value: ratio 8500 / 1.91833 = 4430.9
    assert long.loc[("imipramine", "SERT"), "ki_nM"] == pytest.approx(1.91833, rel=1e-5)
    assert long.loc[("imipramine", "DAT"), "range"] == "single value"
    assert long.loc[("imipramine", "DAT"), "ratio"] == pytest.approx(4430.93, rel=1e-5)
    # citalopram DAT > 10000, SERT sqrt(1.1 x 5.4) = 2.43721: ratio > 10000 / 2.43721 = 4103.0
    assert long.loc[("citalopram", "DAT"), "ratio_text"] == "> 4100"
    wide = prof.comparison(wide=True).set_index("drug")
    assert wide.loc["sertraline", "DAT/SERT"].tolist() == ["10", "86.2"]   # measured 30/3; reference 25/0.29
    assert wide.loc["escitalopram", "SERT Ki (nM)"] == "1.1 (single value)"


def test_range_status_rules():
    sert, dat = ref_ki("sertraline", "SERT"), ref_ki("citalopram", "DAT")    # 0.2-2.1; > 10000
    assert [range_status(x, sert) for x in (0.2, 2.1, 0.19, 2.2)] == ["yes", "yes", "below", "above"]
    assert [range_status(x, dat) for x in (10001, 9000)] == ["yes", "below"]
    assert range_status(1.0, ref_ki("escitalopram", "SERT")) == "no range published (single value 1.1 nM)"
    assert range_status(None, sert) == "no measured Ki" and range_status(1.0, None) == "no reference value"
    assert reference_ratio(ref_ki("sertraline", "NET"), sert)[0] == pytest.approx(420 / 0.29)


def test_immutable_plain_data_and_html(store):
    record(store, ki=2.0, ci=(1, 4))
    record(store, target="NET", ki=None, flags=("incomplete",), ic50_text="> 10 µM")
    prof = pp.profile("PK-101", store=store)
    with pytest.raises(AttributeError):
        prof.compound = "other"
    d = json.loads(json.dumps(prof.to_dict(), allow_nan=False))
    assert d["targets"][1]["ki_nM"] is None and d["targets"][1]["runs"][0]["reason"].startswith("Ki not determined")
    assert d["ratios"][0]["note"] == "not available: no usable Ki at NET"
    html = prof._repr_html_()
    assert html.count("<table") == 4 and "Ki not determined (IC50 &gt; 10 µM; flags incomplete)" in html
    assert math.isnan(prof.to_frame().set_index("target").loc["NET", "ki_nM"])


def test_pk_profile_is_callable_before_and_after_the_import(store):
    record(store, ki=2.0, ci=(1, 4))
    assert pk.profile("PK-101", store=store).target("SERT").ki_nM == pytest.approx(2.0)
    import protocol_kit.profile  # noqa: F401, sets pk.profile to the package, which is callable

    assert pk.profile("PK-101", store=store).target("SERT").ki_nM == pytest.approx(2.0)
