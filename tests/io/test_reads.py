"""Several reads, wavelengths or time points of one plate are never merged (issue 13, item 2).

Each silent case of the issue is here as a test that failed on the code before: kinetic data
given to an endpoint uptake protocol (IC50 692 pM instead of 304 pM, the 11 time points of each
well taken as replicates) and a three-wavelength SoftMax Pro file pooled across 445, 535 and
780 nm; and a marker cell (OVRFLW) in a planned well, which was left out with only a flag.
"""
import numpy as np
import pandas as pd
import pytest

import protocol_kit as pk
from protocol_kit import DataFormatError, ParameterError
from protocol_kit.errors import Hint
from protocol_kit.io import join_layout, read_for_analysis, read_plate
from protocol_kit.io.reads import describe_reads, one_read

from .corpus import CORPUS

THREE_WL = CORPUS / "softmaxpro_MD_SMP_fluorescence_endpoint_example07.txt"
FLUOR = {"substrate": "fluorescent substrate", "substrate_km": "500 nM"}  # no listed Km: the plan asks for one
# Truth of the simulation (DOMAIN.md): sertraline Ki 0.29 nM at SERT; [S] 20 nM, Km 500 nM, so
# IC50 = Ki (1 + [S]/Km) = 0.29 x 1.04 = 0.3016 nM.
TRUE_IC50 = 0.29e-9 * (1 + 20 / 500)


@pytest.fixture(scope="module")
def kinetic_data():
    return pk.ReuptakeInhibition(readout="fluorescence kinetic", **FLUOR).simulate(seed=1)


@pytest.fixture(scope="module")
def endpoint():
    return pk.ReuptakeInhibition(readout="fluorescence endpoint", **FLUOR)


def test_kinetic_data_for_an_endpoint_protocol_is_refused_with_the_conversions(kinetic_data, endpoint):
    # before: IC50 692 pM, every time point of a well taken as a replicate, no word said
    with pytest.raises(DataFormatError) as info:
        endpoint.analyse(kinetic_data)
    text = str(info.value)
    assert "kinetic read" in text and "11 time points" in text and "0-600 s" in text
    assert "kinetic='rate' or kinetic='last'" in text
    assert info.value.hints == (Hint("kinetic", "rate"), Hint("kinetic", "last"))


def test_an_explicit_initial_rate_is_the_kinetic_protocols_result_and_says_so(kinetic_data, endpoint):
    kinetic = pk.ReuptakeInhibition(readout="fluorescence kinetic", **FLUOR).analyse(kinetic_data)
    converted = endpoint.analyse(kinetic_data, kinetic="rate")
    assert converted.ic50 == kinetic.ic50                       # the same rates, the same fit
    assert converted.ic50_ci[0] < TRUE_IC50 < converted.ic50_ci[1]
    assert "initial rate" in converted.conversion and "kinetic='rate'" in converted.conversion
    assert converted.conversion in converted.summary()
    assert converted.to_dict()["conversion"] == converted.conversion
    assert kinetic.conversion == ""                             # its own readout: nothing converted


def test_a_named_time_point_is_that_time_points_values(kinetic_data, endpoint):
    last = endpoint.analyse(kinetic_data, kinetic="last")
    # the same wells at 600 s taken out by hand: an endpoint frame
    at_600 = kinetic_data[kinetic_data["time_s"] == 600.0].drop(columns=["read", "time_s"])
    assert len(at_600) == len(endpoint.layout)
    by_hand = endpoint.analyse(at_600)
    assert last.ic50 == by_hand.ic50
    assert "600 s" in last.conversion and "kinetic='last'" in last.conversion
    at_300 = endpoint.analyse(kinetic_data, kinetic=300)
    assert at_300.ic50 == endpoint.analyse(kinetic_data[kinetic_data["time_s"] == 300.0].drop(
        columns=["read", "time_s"])).ic50
    with pytest.raises(ParameterError, match=r"299.*not a time of the kinetic read.*0, 60, 120"):
        endpoint.analyse(kinetic_data, kinetic=299)
    with pytest.raises(ParameterError, match="rate_window.*applies to the initial rate"):
        endpoint.analyse(at_600, rate_window=(0, 300))


def test_endpoint_data_for_a_kinetic_protocol_is_refused(endpoint):
    data = endpoint.simulate(seed=1)
    with pytest.raises(DataFormatError, match="endpoint read .*fits a kinetic time course"):
        pk.ReuptakeInhibition(readout="fluorescence kinetic", **FLUOR).analyse(data)


def test_the_three_wavelength_softmax_file_is_three_reads():
    frame = read_plate(THREE_WL)
    reads = describe_reads(frame)
    assert [r.wavelength_nm for r in reads] == [445.0, 535.0, 780.0]
    assert all(not r.kinetic and len(r.plates) == 1 for r in reads)
    # allotropy's reference values (tests/io/data/allotropy/reference): channel 2 is 535 nm
    ref = pd.read_csv(CORPUS / "reference" / f"{THREE_WL.name}.csv")
    for nm in (445, 535, 780):
        got = one_read(frame, wavelength=nm).set_index("well")["value"]
        want = ref[ref["wavelength_nm"] == nm].set_index("well")["value"]
        assert len(got) == 96 and got.sort_index().equals(want.sort_index())


def test_the_three_wavelength_file_is_not_analysed_without_a_choice(endpoint):
    # before: the 445, 535 and 780 nm readings of each planned well were pooled into one curve
    with pytest.raises(DataFormatError) as info:
        read_for_analysis(endpoint, THREE_WL, extra_wells="ignore")
    text = str(info.value)
    assert "holds 3 reads" in text and "never several merged" in text
    for nm in ("445 nm", "535 nm", "780 nm"):
        assert nm in text
    assert "wavelength=445, wavelength=535 or wavelength=780" in text
    assert info.value.say(Hint.cli).endswith("--option wavelength=445, --option wavelength=535 or "
                                             "--option wavelength=780")
    joined = read_for_analysis(endpoint, THREE_WL, extra_wells="ignore", wavelength="535 nm")
    ref = pd.read_csv(CORPUS / "reference" / f"{THREE_WL.name}.csv")
    want = ref[ref["wavelength_nm"] == 535].set_index("well")["value"]
    assert len(joined) == len(endpoint.layout) == 51
    assert (joined.set_index("well")["value"] == want.loc[joined["well"]]).all()


def _two_wavelengths(p, seed=1):
    """An endpoint plate read at 485 nm (the uptake signal) and at 600 nm (a second filter
    whose readings hold no inhibition: every well at the vehicle level)."""
    data = p.simulate(seed=seed)
    flat = data.assign(value=float(data["value"].max()))
    return pd.concat([data.assign(read=1, wavelength_nm=485.0), flat.assign(read=2, wavelength_nm=600.0)],
                     ignore_index=True)


def test_a_plate_read_at_two_wavelengths_is_never_pooled(endpoint):
    data = _two_wavelengths(endpoint)
    with pytest.raises(DataFormatError, match="holds 2 reads"):
        endpoint.analyse(data)
    with pytest.raises(DataFormatError, match="holds 2 reads"):     # also after a join done by hand
        endpoint.analyse(join_layout(data, endpoint.layout))
    alone = endpoint.analyse(endpoint.simulate(seed=1))
    assert endpoint.analyse(data, wavelength=485).ic50 == alone.ic50
    assert endpoint.analyse(data, read=1).ic50 == alone.ic50
    assert alone.ic50_ci[0] < TRUE_IC50 < alone.ic50_ci[1]
    with pytest.raises(DataFormatError, match=r"no read matches wavelength=535; the file holds 2 read\(s\)"):
        endpoint.analyse(data, wavelength=535)
    with pytest.raises(ParameterError, match="wavelength: 'blue'"):
        endpoint.analyse(data, wavelength="blue")


def test_binding_counts_with_two_reads_are_refused():
    p = pk.RadioligandBinding()
    counts = p.simulate(seed=1)
    two = pd.concat([counts.assign(read=1), counts.assign(read=2, cpm=counts["cpm"] * 2)], ignore_index=True)
    with pytest.raises(DataFormatError, match="read=1 or read=2"):
        p.analyse(two)
    assert p.analyse(two, read=1).ic50 == p.analyse(counts).ic50


def test_reads_by_label_and_kinetic_reads_as_the_shared_schema_writes_them():
    # the shared schema: a kinetic read keeps its number, its points differ by time_s
    rows = [{"plate": "1", "well": w, "read": r, "time_s": t, "wavelength_nm": nm, "read_label": label,
             "value": 1.0 + t}
            for r, nm, label in ((1, 485.0, "485/528"), (2, 485.0, "485/590"))
            for w in ("A1", "A2") for t in (0.0, 60.0, 120.0)]
    frame = pd.DataFrame(rows)
    reads = describe_reads(frame)
    assert [(r.reads, r.label, len(r.times)) for r in reads] == [((1,), "485/528", 3), ((2,), "485/590", 3)]
    # both at 485 nm, so the wavelength cannot choose: the hints are the read numbers
    with pytest.raises(DataFormatError, match="read=1 or read=2"):
        one_read(frame, wavelength=485, expect="either")
    assert set(one_read(frame, read="485/590", expect="kinetic")["read"]) == {2}
    assert len(one_read(frame, read="2", expect="kinetic")) == 6


def _with_marker(p, well="C4", marker="OVRFLW"):
    data = p.simulate(seed=1).assign(text="")
    data.loc[data["well"] == well, ["value", "text"]] = [np.nan, marker]
    return data


def test_a_marker_in_a_planned_well_is_an_error_unless_the_well_is_excluded(endpoint):
    data = _with_marker(endpoint)
    assert endpoint.layout.set_index("well").loc["C4", "role"] == "compound"
    # before: C4 was left out with only a missing_wells flag
    with pytest.raises(DataFormatError) as info:
        endpoint.analyse(data)
    assert "well C4 holds 'OVRFLW'" in str(info.value) and "exclude_wells='C4'" in str(info.value)
    r = endpoint.analyse(data, exclude_wells=["C4"])
    assert "missing_wells" in r.flags and any("C4" in q for q in r.qc)
    assert r.n_missing == 1 and r.n_wells == len(endpoint.layout) - 1
    assert endpoint.analyse(data, exclude_wells="c4").ic50 == r.ic50
    with pytest.raises(ParameterError, match="exclude_wells: 'Z99' is not a well of the plan"):
        endpoint.analyse(data, exclude_wells="Z99")


def test_a_spectrum_is_listed_in_short_and_a_wavelength_chooses_from_it():
    # 20 wavelengths of one read (a spectrum, 400-590 nm in 10 nm steps) of two wells
    frame = pd.DataFrame([{"plate": "1", "well": w, "read": 1, "wavelength_nm": 400.0 + 10 * k, "value": k + 0.5}
                          for w in ("A1", "A2") for k in range(20)])
    with pytest.raises(DataFormatError) as info:
        one_read(frame)
    text = str(info.value)
    assert "holds 20 reads" in text and "; and 12 more" in text and "choose one, for example: " in text
    assert len(info.value.hints) == 8
    picked = one_read(frame, wavelength=450)
    assert list(picked["value"]) == [5.5, 5.5]       # k = (450 - 400) / 10 = 5


def test_a_run_records_the_exclusion_and_says_it_in_the_result(endpoint, tmp_path):
    data = _with_marker(endpoint, well="D2", marker="Range?")
    run = endpoint.start_run("A. Smith", tmp_path / "runs.db")
    with pytest.raises(DataFormatError, match="well D2 holds 'Range\\?'"):
        run.analyse(data)
    assert run.latest_analysis() is None                 # nothing recorded
    r = run.analyse(data, exclude_wells="D2")
    record = pk.open_run(run.id, tmp_path / "runs.db").latest_analysis().result
    assert record["options"] == {"exclude_wells": "D2"}
    assert "missing_wells" in record["result"]["flags"] and r.n_missing == 1


def test_kinetic_counts_for_binding_are_refused_without_a_conversion():
    p = pk.RadioligandBinding()
    counts = p.simulate(seed=1)
    kinetic = pd.concat([counts.assign(time_s=0.0), counts.assign(time_s=60.0)], ignore_index=True)
    with pytest.raises(DataFormatError, match="kinetic read.*no conversion for kinetic data"):
        p.analyse(kinetic)
