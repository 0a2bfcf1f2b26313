"""SoftMax Pro exports the reference files do not cover: TimeFormat kinetic with two
wavelengths, PlateFormat endpoint with wavelengths side by side, and broken files."""
import pytest

from protocol_kit import io as pkio
from protocol_kit.errors import DataFormatError

KINETIC = "\r\n".join([
    "##BLOCKS= 1",
    "Plate:\tP1\t1.3\tTimeFormat\tKinetic\tAbsorbance\tRaw\tFALSE\t2\t60\t30\t\t\t\t2\t340 405\t1\t12\t96\t1\t8\tNone",
    "\tTemperature(\u00a1C)\tA1\tA2\t",
    "0:00\t25.0\t0.10\t0.20\t",
    "0:30\t25.1\t0.11\t0.22\t",
    "\t",
    "0:00\t25.0\t1.10\t1.20\t",
    "0:30\t25.1\t1.11\t1.22\t",
    "",
    "~End",
    "Original Filename: k; Date Last Saved: 1/1/2025",
    "",
])


def plate_format_text(value_line=None):
    header = "\t".join(["", "Temperature(°C)", *map(str, range(1, 13)), "", *map(str, range(1, 13))])
    rows = []
    for r in range(8):
        first = ["", "25.0"] if r == 0 else ["", ""]
        rows.append("\t".join(first + [str(100 * r + c) for c in range(1, 13)] + [""]
                              + [str(-(100 * r + c)) for c in range(1, 13)]))
    if value_line:
        rows[2] = value_line
    return "\r\n".join(["##BLOCKS= 1",
                        "Plate:\tP2\t1.3\tPlateFormat\tEndpoint\tAbsorbance\tRaw\tFALSE\t1\t\t\t\t\t\t2\t450 620\t1\t12\t96\t1\t8",
                        header, *rows, "", "~End", ""])


def test_time_format_kinetic_two_wavelengths():
    df = pkio.read_softmax(KINETIC.encode("utf-16"), name="kin.txt")
    # wavelength 340: lines 4-5; a blank line (6); wavelength 405: lines 7-8
    assert len(df) == 8
    a2 = df[(df.well == "A2") & (df.wavelength == 405.0) & (df.read == 2)].iloc[0]
    assert (a2.value, a2.time_s, a2.temperature, a2.line) == (1.22, 30.0, 25.1, 8)
    assert df[(df.well == "A1") & (df.wavelength == 340.0)]["value"].tolist() == [0.10, 0.11]


def test_plate_format_wavelengths_side_by_side():
    df = pkio.read_softmax(plate_format_text().encode("latin-1"), name="pf.txt")
    assert len(df) == 2 * 96
    # row H (r = 7), column 12: 100 * 7 + 12 = 712 at 450 nm, -712 at 620 nm; row H is line 11
    h12 = df[df.well == "H12"].sort_values("wavelength")
    assert h12["value"].tolist() == [712.0, -712.0] and h12["wavelength"].tolist() == [450.0, 620.0]
    assert h12["line"].tolist() == [11, 11]


def test_text_in_a_softmax_value():
    bad = "\t".join(["", ""] + ["1"] * 4 + ["Range?"] + ["1"] * 7)
    with pytest.raises(DataFormatError, match=r"^pf.txt: line 6: row C, column 5: 'Range\?' is not a number"):
        pkio.read_softmax(plate_format_text(bad).encode(), name="pf.txt")


def test_block_without_end():
    text = KINETIC.replace("~End", "")
    with pytest.raises(DataFormatError, match=r"kin.txt: line 2: the block starting at line 2 \(Plate:\) has no '~End'"):
        pkio.read_softmax(text.encode(), name="kin.txt")


def test_wavelength_count_must_match_the_read_groups():
    text = KINETIC.replace("\t2\t340 405\t", "\t3\t340 405 600\t")
    with pytest.raises(DataFormatError, match="plate 'P1': 2 groups of reads but 3 wavelengths in the header"):
        pkio.read_softmax(text.encode(), name="kin.txt")
