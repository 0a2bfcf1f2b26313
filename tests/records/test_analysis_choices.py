"""Analysis choices recorded as events: wells or animals excluded with a reason, data files
superseded with a reason (kept in the record, left out of the analysis)."""
import pytest

import protocol_kit as pk
from protocol_kit.errors import ParameterError, ProtocolKitError, UnknownNameError


def test_an_excluded_well_is_left_out_and_its_outlier_no_longer_moves_the_ic50(binding, store):
    clean = binding.simulate(seed=1)
    bad = clean.copy()
    a10 = bad["well"] == "A10"                   # a C2 well of the competition curve
    bad.loc[a10, "cpm"] = bad.loc[a10, "cpm"] * 20
    run = binding.start_run(operator="A. Smith", store=store)
    run.attach_data(bad, name="counts.csv")
    with_outlier = run.analyse()
    event = run.exclude("A10", "pipetting error: tip touched the filter")
    assert (event.type, event.payload) == ("excluded", {"kind": "well", "item": "A10",
                                                        "reason": "pipetting error: tip touched the filter"})
    result = run.analyse()
    # independently: the clean plate without A10, analysed directly (41 of the 42 planned wells)
    joined = binding._joined(clean)
    expected = binding.analyse(joined[joined["well"] != "A10"])
    assert result.ic50 == pytest.approx(expected.ic50, rel=1e-9)
    # the outlier did move it: weighted by the fitted curve, the 20x well keeps a full weight and
    # spoils the curve (here an IC50 no longer determined, flagged) until it is excluded
    assert not abs(with_outlier.ic50 / expected.ic50 - 1) <= 1e-3 and with_outlier.flags
    record = run.latest_analysis().result
    assert [(x["item"], x["reason"]) for x in record["exclusions"]] == [("A10", "pipetting error: tip touched the filter")]


def test_exclusions_are_refused_for_unknown_wells_twice_or_without_reason(run):
    with pytest.raises(UnknownNameError, match="A1O"):
        run.exclude("A1O", "typo")
    with pytest.raises(ParameterError, match="reason"):
        run.exclude("A10", "  ")
    run.exclude("A10", "bubble")
    with pytest.raises(ParameterError, match="already excluded.*bubble"):
        run.exclude("A10", "again")


def test_an_excluded_animal_is_listed_with_its_reason(store):
    p = pk.Microdialysis()
    run = p.start_run(operator="C. Lee", store=store)
    data = p.simulate(seed=1)         # standards and samples in one frame, analysed as given
    run.exclude("R03", "probe outside the ventral hippocampus (histology)")
    result = run.analyse(data)
    assert result.excluded == (("R03", "probe outside the ventral hippocampus (histology)"),)
    with pytest.raises(ParameterError, match="already excluded in the record"):
        run.analyse(data, exclude={"R03": "twice"})
    run.exclude("R99", "no such animal")
    with pytest.raises(UnknownNameError, match="R99"):      # an animal not in the data is refused
        run.analyse(data)


def test_a_superseded_file_stays_in_the_record_but_is_not_analysed(binding, store):
    right = binding.simulate(seed=1)
    wrong = right.assign(cpm=right["cpm"] * 0.5)
    run = binding.start_run(operator="A. Smith", store=store)
    run.attach_data(right, name="right.csv")
    run.attach_data(wrong, name="wrong.csv")
    run.supersede_data("wrong.csv", "exported the wrong plate")
    assert [f.name for f in run.data_files] == ["right.csv", "wrong.csv"]      # kept
    assert [f.name for f in run.current_data_files] == ["right.csv"]
    assert run.data_bytes("wrong.csv") == wrong.to_csv(index=False).encode()
    result = run.analyse()                        # the latest file not superseded: right.csv
    assert run.latest_analysis().result["data"]["name"] == "right.csv"
    assert result.ic50 == pytest.approx(binding.analyse(right).ic50, rel=1e-9)
    with pytest.raises(ParameterError, match="superseded.*wrong plate"):
        run.analyse("wrong.csv")
    with pytest.raises(ParameterError, match="already superseded"):
        run.supersede_data("wrong.csv", "twice")
    with pytest.raises(UnknownNameError, match="wrong.cvs"):
        run.supersede_data("wrong.cvs", "typo")
    run.supersede_data("right.csv", "both wrong")
    with pytest.raises(ProtocolKitError, match="every attached data file is superseded"):
        run.analyse()
    assert [(s.name, s.reason) for s in run.superseded] == [("wrong.csv", "exported the wrong plate"),
                                                           ("right.csv", "both wrong")]


def test_the_report_lists_exclusions_superseded_files_and_choices_made_after_the_analysis(binding, store, tmp_path):
    data = binding.simulate(seed=1)
    run = binding.start_run(operator="A. Smith", store=store)
    run.attach_data(data.assign(cpm=data["cpm"] * 0.5), name="wrong.csv")
    run.attach_data(data, name="right.csv")
    run.supersede_data("wrong.csv", "exported the wrong plate")
    run.exclude("A10", "bubble in the well")
    run.analyse()
    html = run.report(tmp_path / "r.html").read_text()
    assert "superseded</strong>, not analysed: exported the wrong plate (A. Smith" in html
    assert "Excluded from the analysis:</strong> well A10: bubble in the well (A. Smith" in html
    assert "not applied" not in html
    run.exclude("B1", "late choice")
    html = run.report(tmp_path / "r2.html").read_text()
    assert "Recorded after this analysis and not applied to it" in html and "well B1 excluded (late choice" in html
    assert "well A10: bubble in the well" in html and "B1: late choice (" not in html
