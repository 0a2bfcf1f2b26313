"""SoftMax Pro exports the reference files do not cover: TimeFormat kinetic with two
wavelengths, PlateFormat endpoint with wavelengths side by side, and broken files."""
import numpy as np
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
    a2 = df[(df.well == "A2") & (df.wavelength_nm == 405.0) & (df.time_s == 30.0)].iloc[0]
    assert (a2.value, a2.read, a2.temperature, a2.line, a2.read_label) == (1.22, 2, 25.1, 8, "405 nm")
    assert df[(df.well == "A1") & (df.wavelength_nm == 340.0)]["value"].tolist() == [0.10, 0.11]
    # each wavelength is its own read; the time points are told apart by time_s (0:00, 0:30)
    assert df.groupby("read")["wavelength_nm"].unique().map(list).to_dict() == {1: [340.0], 2: [405.0]}
    assert sorted(df["time_s"].unique()) == [0.0, 30.0]


def test_plate_format_wavelengths_side_by_side():
    df = pkio.read_softmax(plate_format_text().encode("latin-1"), name="pf.txt")
    assert len(df) == 2 * 96
    # row H (r = 7), column 12: 100 * 7 + 12 = 712 at 450 nm, -712 at 620 nm; row H is line 11
    h12 = df[df.well == "H12"].sort_values("wavelength_nm")
    assert h12["value"].tolist() == [712.0, -712.0] and h12["wavelength_nm"].tolist() == [450.0, 620.0]
    assert h12["read"].tolist() == [1, 2]
    assert h12["line"].tolist() == [11, 11]


def test_text_in_a_softmax_value():
    bad = "\t".join(["", ""] + ["1"] * 4 + ["high"] + ["1"] * 7)
    with pytest.raises(DataFormatError, match=r"^pf.txt: line 6: plate 'P2', well C5: 'high' is not a number"):
        pkio.read_softmax(plate_format_text(bad).encode(), name="pf.txt")


def test_instrument_marker_is_nan_with_its_text():
    # row C (line 6), columns 1-4 '1', column 5 'Range?', column 6 '0,5' (decimal comma), 7-12 '1'
    marked = "\t".join(["", ""] + ["1"] * 4 + ["Range?", "0,5"] + ["1"] * 6)
    df = pkio.read_softmax(plate_format_text(marked).encode(), name="pf.txt")
    c5 = df[(df.well == "C5") & (df.read == 1)].iloc[0]
    assert np.isnan(c5.value) and c5.text == "Range?" and c5.line == 6
    assert df[(df.well == "C6") & (df.read == 1)].value.item() == 0.5
    assert (df["text"] != "").sum() == 1
    # the replaced row C has no second block of columns, so 620 nm lacks its 12 wells: 96 + 84 rows
    assert len(df) == 96 + 84


def test_block_without_end():
    text = KINETIC.replace("~End", "")
    with pytest.raises(DataFormatError, match=r"kin.txt: line 2: the block starting at line 2 \(Plate:\) has no '~End'"):
        pkio.read_softmax(text.encode(), name="kin.txt")


def test_wavelength_count_must_match_the_read_groups():
    text = KINETIC.replace("\t2\t340 405\t", "\t3\t340 405 600\t")
    with pytest.raises(DataFormatError, match=r"plate 'P1': no data for read 3 \(600 nm\); the header announces 3"):
        pkio.read_softmax(text.encode(), name="kin.txt")


def kinetic_plate_format(points=2):
    """A PlateFormat kinetic block, 96 wells, 340 and 405 nm side by side, ``points`` reads
    30 s apart. Value at 340 nm: 1000 * point + 100 * row + column; at 405 nm the negative."""
    header = "\t".join(["", "Temperature(°C)", *map(str, range(1, 13)), "", *map(str, range(1, 13))])
    lines = ["##BLOCKS= 1",
             "Plate:\tK\t1.3\tPlateFormat\tKinetic\tAbsorbance\tRaw\tFALSE\t2\t60\t30\t\t\t\t2\t340 405\t1\t12\t96\t1\t8",
             header]
    for p in range(points):
        for r in range(8):
            first = [f"0:{30 * p:02d}", "NaN"] if r == 0 else ["", ""]
            a = [str(1000 * p + 100 * r + c) for c in range(1, 13)]
            lines.append("\t".join(first + a + [""] + ["-" + x for x in a]))
        lines.append("")
    return "\n".join(lines + ["~End", ""])


def test_plate_format_kinetic_two_wavelengths():
    df = pkio.read_softmax(kinetic_plate_format().encode(), name="k.txt")
    assert len(df) == 2 * 2 * 96
    # second read (0:30 = 30 s, p = 1), row H (r = 7), column 12, 405 nm: -(1000 + 700 + 12) = -1712
    h12 = df[(df.well == "H12") & (df.read == 2) & (df.time_s == 30.0)].iloc[0]
    assert (h12.value, h12.wavelength_nm, h12.read_label) == (-1712.0, 405.0, "405 nm")
    # the first grid's H row is line 3 + 8 = 11; the second grid starts after a blank line (12): H at 20
    assert h12.line == 20
    # 'NaN' in the temperature cell is no temperature, not an error
    assert df["temperature"].isna().all()
    assert df.groupby("read")["time_s"].unique().map(sorted).to_dict() == {1: [0.0, 30.0], 2: [0.0, 30.0]}


def test_more_grids_than_announced_is_an_error():
    text = kinetic_plate_format(points=3)   # the header announces 2 kinetic points
    # grids at lines 4-11 and 13-20, blank lines 12 and 21: the third grid starts at line 22
    with pytest.raises(DataFormatError, match=r"k.txt: line 22: plate 'K': unexpected line after the 2 reads"):
        pkio.read_softmax(text.encode(), name="k.txt")


LUMINESCENCE = "\r\n".join([
    "##BLOCKS= 2",
    "Plate:\tL0\t1.3\tTimeFormat\tEndpoint\tLuminescence\tRaw\tFALSE\t1\t\t\t\t\t\t1\t0 \t1\t12\t96\t\t\t\t\t\t6\t\t\t\t1\t8",
    "\tTemperature(°C)\tA1\tA2",
    "\t25\t11\t12",
    "",
    "~End",
    "Plate:\tL3\t1.3\tTimeFormat\tEndpoint\tLuminescence\tRaw\tFALSE\t1\t\t\t\t\t\t3\t480 515 578 \t1\t12\t96\t\t\t\t\t\t6\t\t\t\t1\t8",
    "\tTemperature(°C)\tA1\tA2",
    "\t25\t21\t22",
    "",
    "\t25\t31\t32",
    "",
    "\t25\tOVRFLW\t42",
    "",
    "~End",
    "",
])


def test_luminescence_filters_are_separate_reads():
    df = pkio.read_softmax(LUMINESCENCE.encode("utf-16"), name="lum.txt")
    # plate L0: wavelength '0' = no filter: one read, no wavelength
    l0 = df[df.plate == "L0"]
    assert l0["value"].tolist() == [11.0, 12.0] and l0["wavelength_nm"].isna().all()
    assert set(l0["read_label"]) == {"Lum"} and set(l0["mode"]) == {"luminescence"}
    # plate L3: three filter reads (lines 9, 11, 13), never merged into one set of wells
    l3 = df[df.plate == "L3"]
    assert l3.groupby("read")["wavelength_nm"].first().to_dict() == {1: 480.0, 2: 515.0, 3: 578.0}
    assert l3[l3.well == "A2"]["value"].tolist() == [22.0, 32.0, 42.0]
    a1 = l3[(l3.well == "A1") & (l3.read == 3)].iloc[0]
    assert np.isnan(a1.value) and a1.text == "OVRFLW" and a1.line == 13 and a1.read_label == "Lum 578 nm"


def test_fluorescence_excitation_and_emission():
    # fluorescence has one more field after the read mode; excitation follows the well count
    text = "\n".join([
        "##BLOCKS= 1",
        "Plate:\tF\t1.3\tPlateFormat\tEndpoint\tFluorescence\tFALSE\tRaw\tFALSE\t1\t\t\t\t\t\t1\t528 \t1\t24\t384\t485 "
        "\tAutomatic\t515 \t\t\t6\t\t\t\t1\t16",
        "\t".join(["", "Temperature(°C)", *map(str, range(1, 25))]),
        *["\t".join(["", "22" if r == 0 else ""] + [str(24 * r + c) for c in range(1, 25)]) for r in range(16)],
        "~End"])
    df = pkio.read_softmax(text.encode(), name="f.txt")
    # 384 wells (16 rows x 24 columns); P24 (r = 15, c = 24): 24 * 15 + 24 = 384, on line 3 + 16 = 19
    assert len(df) == 384
    p24 = df[df.well == "P24"].iloc[0]
    assert (p24.value, p24.line, p24.wavelength_nm, p24.excitation_nm, p24.read_label) == (384.0, 19, 528.0, 485.0,
                                                                                        "485/528")


def test_declared_block_count():
    short = KINETIC.replace("##BLOCKS= 1", "##BLOCKS= 2")
    with pytest.raises(DataFormatError, match=r"declares 2 blocks \('##BLOCKS= 2'\) but holds 1"):
        pkio.read_softmax(short.encode(), name="kin.txt")
    extra = KINETIC.replace("~End", "~End\r\nPlate:\tP9\t1.3\tTimeFormat\r\n~End")
    notes: list[str] = []
    df = pkio.read_softmax(extra.encode(), name="kin.txt", warnings=notes)
    assert len(df) == 8 and set(df.plate) == {"P1"}
    assert len(notes) == 1 and "declares 1 blocks" in notes[0] and "plates 'P9'" in notes[0]
    with pytest.warns(UserWarning, match="only the declared 1 are read"):
        pkio.read_softmax(extra.encode(), name="kin.txt")


def test_unsupported_read_mode_is_refused():
    text = KINETIC.replace("\tAbsorbance\t", "\tTime Resolved\t")
    with pytest.raises(DataFormatError, match="read mode 'Time Resolved' is not supported"):
        pkio.read_softmax(text.encode(), name="kin.txt")


def test_reduced_only_export_is_refused():
    # field 7 (data type) 'Reduced': the rows would be reduced values, not measurements
    text = KINETIC.replace("\tAbsorbance\tRaw\t", "\tAbsorbance\tReduced\t")
    with pytest.raises(DataFormatError, match=r"data type 'Reduced' \(field 7\); only 'Raw' exports"):
        pkio.read_softmax(text.encode(), name="kin.txt")


def test_1536_well_time_format_rows_after_z():
    text = "\n".join([
        "##BLOCKS= 1",
        "Plate:\tB\t1.3\tTimeFormat\tEndpoint\tAbsorbance\tRaw\tFALSE\t1\t\t\t\t\t\t1\t600 \t1\t48\t1536\t1\t32",
        "\tTemperature(°C)\tA1\tZ48\tAA1\tAF48",
        "\t30\t0.1\t0.2\t0.3\t0.4",
        "",
        "~End"])
    df = pkio.read_softmax(text.encode(), name="b.txt")
    assert df.set_index("well")["value"].to_dict() == {"A1": 0.1, "Z48": 0.2, "AA1": 0.3, "AF48": 0.4}
    with pytest.raises(DataFormatError, match=r"column header 'AG1' is not a well of a 1536-well plate"):
        pkio.read_softmax(text.replace("AF48", "AG1").encode(), name="b.txt")
