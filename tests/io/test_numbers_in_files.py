"""Numbers written in data files follow the one rule of protocol_kit.typed_numbers (issue 13,
item 4): a value too large for a float is refused naming file, line and cell (it became
infinity), 'nan'/'inf' are refused, and a decimal comma is read only when the file says so."""
import pytest

from protocol_kit import io as pkio
from protocol_kit.errors import DataFormatError
from protocol_kit.io.source import Problems, expect_number, number


def _grid(value, sep=","):
    lines = ["Plate 1", sep.join([""] + [str(c) for c in range(1, 13)])]
    for r, letter in enumerate("ABCDEFGH"):
        lines.append(sep.join([letter] + [value(r, c) for c in range(1, 13)]))
    return ("\n".join(lines) + "\n").encode()


def test_a_value_too_large_for_a_float_is_refused_with_file_line_and_cell():
    data = _grid(lambda r, c: "1e999" if (r, c) == (2, 5) else "100")
    with pytest.raises(DataFormatError) as info:
        pkio.read_plate(data, name="big.csv")
    # title line 1, header line 2, row A line 3, so row C is line 5
    assert str(info.value).startswith("big.csv: line 5: well C5: '1e999' is too large")


def test_long_and_counter_lists_refuse_infinity_too():
    long = b"Well,Signal\nA1,10\nA2,1E999\n"
    with pytest.raises(DataFormatError, match=r"^long.csv: line 3: 'Signal' of A2: '1E999' is too large"):
        pkio.read_plate(long, name="long.csv")
    counts = b"Well,CPM\nA1,1200\nA2,-inf\n"
    with pytest.raises(DataFormatError, match=r"^c.csv: line 3: .*'-inf' is not a finite number"):
        pkio.read_counter(counts, name="c.csv")


@pytest.mark.parametrize("cell, decimal, value", [
    ("1.5", ".", 1.5), ("1,5", ",", 1.5), ("1,000", ",", 1.0), ("1,5", "auto", 1.5), ("  ", ".", None),
    ("-2.5e-3", "auto", -0.0025),
])
def test_number_reads_cells_by_the_declared_decimal_mark(cell, decimal, value):
    assert number(cell, decimal) == value


@pytest.mark.parametrize("cell, decimal, why", [
    ("1,000", "auto", "ambiguous"), ("1,5", ".", "decimal=','"), ("1,000,000", ".", "thousands"),
    ("1.000,5", ",", "thousands"), ("nan", ".", "finite"), ("1_000", ".", "not a number"),
])
def test_expect_number_reports_why_with_line_and_cell(cell, decimal, why):
    sink = []
    assert expect_number(cell, Problems("f.csv", sink), 7, "well A1", decimal) is None
    assert sink[0].startswith(f"f.csv: line 7: well A1: '{cell}'") and why in sink[0]


def test_a_frame_given_in_memory_follows_the_same_rule():
    import pandas as pd

    import protocol_kit as pk
    layout = pk.RadioligandBinding().layout
    wells = list(layout["well"])
    frame = pd.DataFrame({"well": wells, "value": ["1,5"] * (len(wells) - 1) + ["inf"]})
    with pytest.raises(DataFormatError, match=rf"^data: value of well {wells[-1]}: 'inf' is not a finite number"):
        pkio.join_layout(frame, layout)
    frame = pd.DataFrame({"well": wells, "value": [1.5] * (len(wells) - 1) + [float("inf")]})
    with pytest.raises(DataFormatError, match=rf"^data: value of well {wells[-1]}: inf is not a finite number"):
        pkio.join_layout(frame, layout)
    frame["value"] = ["1,5"] * len(wells)          # a decimal comma in text is 1.5, never 15
    assert pkio.join_layout(frame, layout)["value"].eq(1.5).all()
