"""Grid, long, CSV/TSV/XLSX, counter and HPLC readers on small hand-made files."""
import pandas as pd
import pytest

from protocol_kit import io as pkio
from protocol_kit.errors import DataFormatError, ParameterError

ROWS = "ABCDEFGH"


def grid_text(value, sep=",", title="Plate 1", cols=12, rows=ROWS):
    """A grid whose well <row r, column c> holds value(r, c)."""
    lines = [title, sep.join([""] + [str(c) for c in range(1, cols + 1)])]
    for r, letter in enumerate(rows):
        lines.append(sep.join([letter] + [value(r, c) for c in range(1, cols + 1)]))
    return "\n".join(lines) + "\n"


def test_grid_two_plates_with_bom_header_lines_and_trailing_blanks():
    text = ("Reader: X\nDate: 2025-01-01\n\n" + grid_text(lambda r, c: str(100 * r + c))
            + "\n" + grid_text(lambda r, c: str(1000 + 100 * r + c), title="Plate 2") + "\n\n  \n")
    df = pkio.read_plate(b"\xef\xbb\xbf" + text.encode(), name="two.csv")
    assert df.attrs == {"source": "two.csv", "format": "grid"}
    assert df.groupby("plate").size().to_dict() == {"1": 96, "2": 96}
    # row C (index 2), column 7 of plate 1 holds 100*2 + 7 = 207; H12 of plate 2 = 1000 + 700 + 12
    assert df.query("plate == '1' and well == 'C7'")["value"].item() == 207.0
    assert df.query("plate == '2' and well == 'H12'")["value"].item() == 1712.0
    # the header of plate 1 is line 5 (3 header lines + title), so row C is line 8
    assert df.query("plate == '1' and well == 'C7'")["line"].item() == 8


def test_grid_384_tsv_and_empty_cells_are_absent_wells():
    text = grid_text(lambda r, c: "" if (r, c) == (15, 24) else f"{r}.{c:02d}", sep="\t", cols=24,
                     rows="ABCDEFGHIJKLMNOP")
    df = pkio.read_grid(text.encode("utf-16"), name="p384.tsv")
    assert len(df) == 383 and "P24" not in set(df["well"])
    assert df.query("well == 'P23'")["value"].item() == 15.23


def test_grid_text_in_a_cell_names_line_and_well():
    text = grid_text(lambda r, c: "OVRFLW" if (r, c) == (1, 3) else "1.5")
    with pytest.raises(DataFormatError) as info:
        pkio.read_plate(text.encode(), name="g.csv")
    assert str(info.value) == ("g.csv: line 4: well B3: 'OVRFLW' is not a number; "
                               "expected a number such as 1234, 0.56 or 1e-5")
    warnings = []
    df = pkio.read_plate(text.encode(), name="g.csv", warnings=warnings)
    assert len(df) == 95 and warnings == [str(info.value)]


def test_grid_missing_row():
    text = grid_text(lambda r, c: "1", rows="ABCDEFG")
    with pytest.raises(DataFormatError, match="expected row H of the 96-well grid whose header is line 2, found the end"):
        pkio.read_grid(text.encode(), name="short.csv")


def test_grid_decimal_comma_needs_saying_so():
    text = grid_text(lambda r, c: "1,5", sep=";")
    with pytest.raises(DataFormatError, match="'1,5' is not a number.*pass decimal=','"):
        pkio.read_grid(text.encode(), name="eu.csv")
    assert pkio.read_grid(text.encode(), name="eu.csv", decimal=",")["value"].eq(1.5).all()


def test_long_csv_with_header_lines_plate_and_extra_columns():
    text = ("Exported by someone\n\n"
            "Plate,Well,Sample,Signal\n1,A01,TB,1200\n1,a2,TB,1180.5\n2,B12,NSB,85\n\n\nEnd of report\n")
    df = pkio.read_plate(text.encode("latin-1"), name="long.csv")
    assert df.attrs["format"] == "long"
    assert list(df.columns) == ["plate", "well", "value", "line", "Sample"]
    assert df[["plate", "well", "value", "line"]].values.tolist() == [
        ["1", "A1", 1200.0, 4], ["1", "A2", 1180.5, 5], ["2", "B12", 85.0, 6]]
    assert df["Sample"].tolist() == ["TB", "TB", "NSB"]


def test_long_value_column_must_be_unambiguous():
    text = b"Well,OD,RFU\nA1,0.5,100\n"
    with pytest.raises(DataFormatError, match=r"line 1: several value columns \('OD', 'RFU'\); name one with value='...'"):
        pkio.read_long(text, name="two.csv")
    df = pkio.read_long(text, name="two.csv", value="rfu")
    assert df["value"].tolist() == [100.0]
    with pytest.raises(DataFormatError, match="no value column; the header has 'Well', 'Reading'"):
        pkio.read_long(b"Well,Reading\nA1,3\n", name="x.csv")


@pytest.mark.parametrize("body, message", [
    ("A1,12\n9Z,3\n", "line 3: 'Well' column: '9Z' is not a well; expected a well such as A1 or H12"),
    ("A1,12\nZ9,3\n", "line 3: well 'Z9' is outside a 384-well plate .rows A-P, columns 1-24."),
    ("A1,12\nA30,3\n", "line 3: well 'A30' is outside a 384-well plate"),
    ("A1,12\nA2,twelve\n", "line 3: 'Value' of A2: 'twelve' is not a number"),
    ("A1,12\nEnd of report\n", "line 3: 'Well' column: 'End of report' is not a well"),
])
def test_long_bad_rows(body, message):
    with pytest.raises(DataFormatError, match=message):
        pkio.read_long(("Well,Value\n" + body).encode(), name="bad.csv")


def test_xlsx_long_and_grid(tmp_path):
    path = tmp_path / "plate.xlsx"
    grid = pd.DataFrame([["", *range(1, 13)]] + [[r, *[10 * i + c for c in range(1, 13)]] for i, r in enumerate(ROWS)])
    with pd.ExcelWriter(path) as xw:
        pd.DataFrame({"Well": ["A1", "B2"], "CPM": [1234, 56.5]}).to_excel(xw, sheet_name="counts", index=False)
        grid.to_excel(xw, sheet_name="grid", index=False, header=False, startrow=2)
    df = pkio.read_plate(path)  # first sheet: a Well/CPM table, so the counter reader
    assert df.attrs["format"] == "counter"
    assert df[["well", "value", "line"]].values.tolist() == [["A1", 1234.0, 2], ["B2", 56.5, 3]]
    g = pkio.read_plate(path, sheet="grid")
    # startrow=2 leaves two empty rows; row D (index 3) is then Excel row 3 + 1 + 3 = 7; D5 = 10*3 + 5
    assert g.attrs["format"] == "grid" and len(g) == 96
    assert g.query("well == 'D5'")[["value", "line"]].values.tolist() == [[35.0, 7]]
    assert g.attrs["source"] == f"{path} [sheet grid]"
    with pytest.raises(DataFormatError, match="no sheet 'nope'; the workbook has 'counts', 'grid'"):
        pkio.read_plate(path, sheet="nope")


def test_not_a_workbook():
    with pytest.raises(DataFormatError, match="fake.xlsx: not a readable XLSX workbook"):
        pkio.read_plate(b"PK\x03\x04 not really a zip", name="fake.xlsx")


def test_counter_list_microbeta_like():
    text = ("MicroBeta2 - Counting report\r\nProtocol: 3H normalized\r\nDate: 21.11.2025\r\n\r\n"
            "PLATE\tWELL\tSAMPLE\tCCPM1\tDPM1\tTIME\r\n"
            "1\tA01\tTB\t4521\t11302.5\t60\r\n"
            "1\tA02\tTB\t4488\t\t60\r\n"
            "1\tH12\tBLK\t35\t87.5\t60\r\n\r\n")
    df = pkio.read_counter(text.encode("utf-16"), name="mb.txt")
    assert list(df.columns) == ["plate", "well", "cpm", "dpm", "value", "line", "SAMPLE", "TIME"]
    assert df["well"].tolist() == ["A1", "A2", "H12"]
    assert df["cpm"].tolist() == [4521.0, 4488.0, 35.0] and df["value"].tolist() == df["cpm"].tolist()
    assert df["dpm"].iloc[0] == 11302.5 and pd.isna(df["dpm"].iloc[1])
    assert df["line"].tolist() == [6, 7, 8]


def test_counter_without_dpm_and_with_two_channels():
    df = pkio.read_counter(b"Well CPM\nA1 100\nA2 200\n", name="top.txt")  # whitespace-separated
    assert "dpm" not in df.columns and df["cpm"].tolist() == [100.0, 200.0]
    two = b"Well,CPM1,CPM2\nA1,100,7\n"
    with pytest.raises(DataFormatError, match=r"several cpm columns \('CPM1', 'CPM2'\); name one with cpm='...'"):
        pkio.read_counter(two, name="dual.csv")
    assert pkio.read_counter(two, name="dual.csv", cpm="CPM2")["cpm"].tolist() == [7.0]
    with pytest.raises(DataFormatError, match=r"no cpm column \('CPM', 'CPM1', 'CCPM1'\)"):
        pkio.read_counter(b"Well,Counts\nA1,5\n", name="c.csv")


def test_hplc_results_per_fraction():
    text = ("Sequence: rat microdialysis 5-HT\n\n"
            "Animal;Sample Name;Compound;Area [nA*min];Amount [nM]\n"
            "R1;F01;5-HT;0,512;1,02\nR1;F02;5-HT;0,498;0,99\nR2;3;5-HT;0,530;1,06\n")
    df = pkio.read_hplc(text.encode(), name="hplc.csv", decimal=",")
    assert list(df.columns) == ["sample", "animal", "analyte", "peak_area", "concentration", "line"]
    assert df[["sample", "animal", "peak_area", "concentration", "line"]].values.tolist() == [
        ["F01", "R1", 0.512, 1.02, 4], ["F02", "R1", 0.498, 0.99, 5], ["3", "R2", 0.53, 1.06, 6]]
    assert df.attrs["columns"]["concentration"] == "Amount [nM]"
    with pytest.raises(DataFormatError, match="no peak area .* or concentration"):
        pkio.read_hplc(b"Sample,Height\nF01,3\n", name="h.csv")


def test_file_problems():
    with pytest.raises(DataFormatError, match="/no/such.csv: no such file"):
        pkio.read_plate("/no/such.csv")
    with pytest.raises(DataFormatError, match="bin.dat: contains NUL characters"):
        pkio.read_plate(b"\x00\x01\x02abc", name="bin.dat")
    with pytest.raises(DataFormatError, match=r"u16.csv: contains NUL characters.*\(UTF-16 without a byte-order mark\?"):
        pkio.read_plate("Well,Value\nA1,1\n".encode("utf-16-le"), name="u16.csv")
    with pytest.raises(DataFormatError, match="empty.csv: no header row with a well column"):
        pkio.read_plate(b"", name="empty.csv")
    with pytest.raises(ParameterError, match="format: 'pdf' is not allowed"):
        pkio.read_plate(b"x", name="x", format="pdf")
