"""join_layout: data joined to the plan, every mismatch named."""
import pandas as pd
import pytest

import protocol_kit as pk
from protocol_kit import io as pkio
from protocol_kit.errors import DataFormatError


@pytest.fixture(scope="module")
def layout():
    # default binding plan: 12 concentrations x 3 + TB x 3 + NSB x 3 = 42 wells, A1..D6
    return pk.RadioligandBinding().layout


def counts(wells, values=None, extra_lines=""):
    rows = "".join(f"{w},{v}\n" for w, v in zip(wells, values or range(100, 100 + len(wells))))
    return pkio.read_counter(("Counter export\n" + extra_lines + "Well,CPM\n" + rows).encode(), name="counts.csv")


def test_join_on_well(layout):
    df = counts(list(layout["well"]))
    joined = pkio.join_layout(df, layout)
    assert len(joined) == 42
    a4 = joined[joined["well"] == "A4"].iloc[0]
    # A4 is the first NSB well; its count is 100 + 3 (fourth well of the list)
    assert (a4["role"], a4["label"], a4["cpm"], a4["line"]) == ("nsb", "NSB fluoxetine", 103.0, 6)
    assert joined.attrs["source"] == "counts.csv"


def test_well_not_in_layout(layout):
    df = counts(list(layout["well"]) + ["H12"])
    with pytest.raises(DataFormatError) as info:
        pkio.join_layout(df, layout)
    assert str(info.value) == ("counts.csv: line 45: well H12 (plate 1) is not in the plan (it uses 42 wells, "
                               "A1-D6); pass extra_wells='ignore' to leave such wells out")
    warnings = []
    joined = pkio.join_layout(df, layout, extra_wells="ignore", warnings=warnings)
    assert len(joined) == 42
    assert warnings == ["counts.csv: left out 1 value(s) of wells not in the plan: H12"]


def test_layout_well_without_data(layout):
    # row-major: A1-3 TB, A4-6 NSB, A7-9 C1, A10-12 C2, B1-3 C3, B4-6 C4, B7-9 C5 (10 µM / 3**4 = 123 nM)
    wells = [w for w in layout["well"] if w != "B7"]
    with pytest.raises(DataFormatError, match=r"counts.csv: plan well B7 \(C5 123.nM\) has no data \(plate 1\)"):
        pkio.join_layout(counts(wells), layout)


def test_duplicated_well(layout):
    wells = list(layout["well"]) + ["A2"]
    with pytest.raises(DataFormatError, match=r"well A2 \(plate 1\) appears 2 times \(lines 4, 45\); expected one value per well"):
        pkio.join_layout(counts(wells), layout)


def test_text_in_a_number_column_of_a_frame(layout):
    frame = pd.DataFrame({"well": list(layout["well"]), "value": ["1.5"] * 41 + ["high"]})
    with pytest.raises(DataFormatError, match=r"^data: value of well D6: 'high' is not a number"):
        pkio.join_layout(frame, layout)


def test_warnings_collect_every_problem(layout):
    wells = [w for w in layout["well"] if w not in ("A1", "A2")] + ["H1", "C3"]
    # data lines start at 3; C3 is the 27th planned well, the 25th once A1 and A2 are gone: line 27;
    # the appended H1 and C3 are the 41st and 42nd wells: lines 43 and 44
    warnings = []
    joined = pkio.join_layout(counts(wells), layout, warnings=warnings)
    assert [w.split(": ", 1)[1] for w in warnings] == [
        "well C3 (plate 1) appears 2 times (lines 27, 44); expected one value per well",
        "line 43: well H1 (plate 1) is not in the plan (it uses 42 wells, A1-D6); pass extra_wells='ignore' to leave such wells out",
        "plan well A1 (TB total binding) has no data (plate 1); expected a value for every planned well",
        "plan well A2 (TB total binding) has no data (plate 1); expected a value for every planned well",
    ]
    assert len(joined) == 41  # 40 planned wells with data, C3 twice


def test_every_plate_must_cover_the_layout(layout):
    text = "Plate,Well,CPM\n" + "".join(f"{p},{w},1\n" for p in (1, 2) for w in layout["well"] if (p, w) != (2, "D6"))
    df = pkio.read_counter(text.encode(), name="two.csv")
    with pytest.raises(DataFormatError, match=r"plan well D6 .* has no data \(plate 2\)"):
        pkio.join_layout(df, layout)


def test_join_schedule_on_fraction():
    schedule = pk.Microdialysis().schedule   # 13 fractions, labels F01..F13
    rows = "".join(f"R1,F{f:02d},{f / 10}\n" for f in range(1, 13)) + "R1,13,1.3\n"
    df = pkio.read_hplc(("Animal,Sample,Amount\n" + rows).encode(), name="hplc.csv")
    joined = pkio.join_layout(df, schedule)
    assert joined["fraction"].tolist() == list(range(1, 14))
    assert joined.loc[joined["fraction"] == 5, "phase"].item() == "post-dose"
    assert joined.loc[joined["fraction"] == 13, "concentration"].item() == 1.3
    bad = pkio.read_hplc(b"Sample,Amount\nrat1-F01,1\n", name="h.csv")
    with pytest.raises(DataFormatError, match=r"h.csv: line 2: sample 'rat1-F01' matches no fraction of the schedule; "
                                              r"expected a label \(F01-F13\) or a fraction number \(1-13\)"):
        pkio.join_layout(bad, schedule)


def test_join_schedule_on_whole_number_floats_and_missing_fractions():
    schedule = pk.Microdialysis().schedule   # 13 fractions
    df = pd.DataFrame({"animal": "R1", "fraction": [float(f) for f in range(1, 13)], "concentration": 1.0})
    with pytest.raises(DataFormatError, match=r"plan fraction 13 \(F13\) has no data \(animal R1\)"):
        pkio.join_layout(df, schedule)
    joined = pkio.join_layout(df, schedule, missing="ignore")  # 3.0 is fraction 3; F13 lost
    assert joined["fraction"].tolist() == list(range(1, 13)) and str(joined["fraction"].dtype) == "Int64"
    with pytest.raises(DataFormatError, match=r"sample 0 matches no fraction of the schedule"):
        pkio.join_layout(df.assign(fraction=[0.0, *df["fraction"][1:]]), schedule, missing="ignore")
    with pytest.raises(DataFormatError, match=r"sample 2.5 matches no fraction"):
        pkio.join_layout(df.assign(fraction=[2.5, *df["fraction"][1:]]), schedule)
    with pytest.raises(pk.ParameterError, match="missing"):
        pkio.join_layout(df, schedule, missing="warn")
