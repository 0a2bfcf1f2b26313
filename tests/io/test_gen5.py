"""Gen5 text exports beyond the corpus: a 384-well results grid, kinetic tables of two reads,
several plates, instrument markers, and labels that must be refused. Every expected value is
read off the text built here (the arithmetic is in the comments)."""
from pathlib import Path

import numpy as np
import pytest

from protocol_kit import io as pkio
from protocol_kit.errors import DataFormatError

CORPUS = Path(__file__).parent / "data" / "allotropy"

HEADER = ["Software Version\t3.16.10", "", "Plate Number\tPlate {plate}", "Date\t1/2/2026", "Time\t9:00:00 AM",
          "Reading Type\tReader", "", "Procedure Details", "", "Plate Type\tGreiner 384 F bottom"]
FLUOR_STEP = ["Read\tTR", "\tFluorescence Endpoint", "\tFull Plate", "\tFilter Set 1",
              "\t    Excitation: 485/20,  Emission: 528/20", "\tFilter Set 2",
              "\t    Excitation: 530/25,  Emission: 590/35", "\tRead Height: 7 mm"]


def results_384(value=None):
    """Header, a 384-well layout grid, then a 'Results' grid: per row two measured lines
    (TR:485/20,528/20 and TR:530/25,590/35) and one calculated (Ratio). Measured values:
    filter set 1: 1000 * row + column, filter set 2: 2000 * row + column (row A = 0)."""
    lines = [h.format(plate=1) for h in HEADER] + FLUOR_STEP + ["", "Layout", "\t" + "\t".join(map(str, range(1, 25)))]
    for r in range(16):
        lines.append("\t".join([chr(65 + r)] + [f"SPL{24 * r + c}" for c in range(1, 25)] + ["Well ID"]))
    lines += ["", "Results", "\t" + "\t".join(map(str, range(1, 25)))]
    for r in range(16):
        one = [str(1000 * r + c) for c in range(1, 25)]
        two = [str(2000 * r + c) for c in range(1, 25)]
        if value is not None and r == 2:
            one[4] = value
        lines.append("\t".join([chr(65 + r)] + one + ["TR:485/20,528/20"]))
        lines.append("\t".join([""] + two + ["TR:530/25,590/35"]))
        lines.append("\t".join([""] + ["0.5"] * 24 + ["Ratio"]))
    return "\r\n".join(lines + [""])


def test_384_well_results_grid():
    text = results_384()
    assert pkio.detect_format(text.encode(), name="g.txt") == "gen5"
    df = pkio.read_plate(text.encode(), name="g.txt")
    assert len(df) == 2 * 384                       # the Ratio lines and the layout are not read
    # row P (r = 15), column 24: 1000 * 15 + 24 = 15024 (set 1), 2000 * 15 + 24 = 30024 (set 2)
    p24 = df[df.well == "P24"].sort_values("read")
    assert p24["value"].tolist() == [15024.0, 30024.0]
    assert p24["excitation_nm"].tolist() == [485.0, 530.0] and p24["wavelength_nm"].tolist() == [528.0, 590.0]
    assert p24["read_label"].tolist() == ["TR:485/20,528/20", "TR:530/25,590/35"]
    assert set(df["mode"]) == {"fluorescence"} and set(df["plate"]) == {"Plate 1"} and df["time_s"].isna().all()
    # HEADER 10 lines + 8 step lines, blank (19), Layout (20), header (21), 16 rows (22-37), blank (38),
    # Results (39), header (40); row A: lines 41-43, so row P's first line is 41 + 3 * 15 = 86
    assert p24["line"].tolist() == [86, 87]


def test_overflow_marker_and_text():
    df = pkio.read_plate(results_384(value="OVRFLW").encode(), name="g.txt")
    c5 = df[(df.well == "C5") & (df.read == 1)].iloc[0]     # row C (r = 2), 5th value of its first line
    assert np.isnan(c5.value) and c5.text == "OVRFLW"
    assert (df["text"] != "").sum() == 1 and len(df) == 2 * 384
    with pytest.raises(DataFormatError, match=r"g.txt: line 47: plate 'Plate 1', 'TR:485/20,528/20', well C5: "
                                              r"'high' is not a number"):
        pkio.read_plate(results_384(value="high").encode(), name="g.txt")   # row C's first line: 41 + 6


def test_label_of_a_read_that_is_not_understood_is_refused():
    text = results_384().replace("TR:530/25,590/35", "TR:Top 590")
    with pytest.raises(DataFormatError, match=r"data set 'TR:Top 590' of read 'TR': 'Top 590' is not a wavelength"):
        pkio.read_plate(text.encode(), name="g.txt")
    text = results_384().replace("TR:530/25,590/35", "TR:530/25,620/35")
    with pytest.raises(DataFormatError, match=r"'TR:530/25,620/35': the wavelengths do not match those of read 'TR'"):
        pkio.read_plate(text.encode(), name="g.txt")


def kinetic(plates=1):
    """Two named absorbance reads inside a kinetic loop, each with its own time table.
    Value in a table: read number (1 or 2) + time in minutes / 100 + column / 1000, wells A1-A3."""
    lines = []
    for p in range(1, plates + 1):
        lines += [h.format(plate=p) for h in HEADER]
        lines += ["Start Kinetic\tRuntime 0:10:00 (HH:MM:SS), Interval 0:05:00, 3 Reads", "    Read\tA",
                  "\tAbsorbance Endpoint", "\tWavelengths:  340", "    Read\tB", "\tAbsorbance Endpoint",
                  "\tWavelengths:  405", "End Kinetic", ""]
        for n, label in ((1, "A:340"), (2, "B:405")):
            lines += [label, "", "Time\tT° " + label.split(":")[1] + "\tA1\tA2\tA3"]
            for minute in (0, 5, 10):
                vals = [f"{n + minute / 100 + c / 1000:.3f}" for c in (1, 2, 3)]
                lines.append("\t".join([f"0:{minute:02d}:00", "37.0"] + vals))
            lines.append("")
    return "\n".join(lines)


def test_kinetic_tables_of_two_reads():
    df = pkio.read_plate(kinetic().encode(), name="k.txt")
    assert len(df) == 2 * 3 * 3
    # read B (2) at 0:10:00 = 600 s, well A3: 2 + 10 / 100 + 3 / 1000 = 2.103
    b = df[(df.read == 2) & (df.time_s == 600.0) & (df.well == "A3")].iloc[0]
    assert (b.value, b.wavelength_nm, b.read_label, b.temperature) == (2.103, 405.0, "B:405", 37.0)
    assert df.groupby("read")["wavelength_nm"].first().to_dict() == {1: 340.0, 2: 405.0}
    assert sorted(df["time_s"].unique()) == [0.0, 300.0, 600.0]


def test_several_plates():
    df = pkio.read_plate(kinetic(plates=2).encode(), name="k.txt")
    assert list(df["plate"].unique()) == ["Plate 1", "Plate 2"]
    assert df.groupby("plate").size().to_dict() == {"Plate 1": 18, "Plate 2": 18}
    assert set(df[df.plate == "Plate 2"]["read"]) == {1, 2}


def test_unsupported_read_type_is_refused():
    text = kinetic().replace("\tAbsorbance Endpoint\n\tWavelengths:  340", "\tAbsorbance Area Scan\n\tWavelengths:  340")
    with pytest.raises(DataFormatError, match="data set 'A:340': a Area Scan read is not supported"):
        pkio.read_plate(text.encode(), name="k.txt")


def test_real_kinetic_and_pathlength_files_by_hand():
    kin = pkio.read_plate(CORPUS / "gen5_absorbance_Kinetic_Analysis_Mean_Slope_and_Standard_Curve_tab.txt")
    # line 50: "0:02:30\t\t0.140\t0.146 ..." under the '420' table: A2 at 150 s is 0.146
    a2 = kin[(kin.well == "A2") & (kin.time_s == 150.0)].iloc[0]
    assert (a2.value, a2.line, a2.wavelength_nm) == (0.146, 50, 420.0)
    path = pkio.read_plate(CORPUS / "gen5_absorbance_endpoint_pathlength_correct_singleplate.txt")
    # row A of 'Results': 260:977 [Test] 0.056 ..., 260:900 [Ref] 0.035 ...; '260:Pathlength' (0.114)
    # and the blank-corrected lines are calculated and not read
    a1 = path[path.well == "A1"].sort_values("read")
    assert a1["value"].tolist() == [0.056, 0.035, 0.626, 0.345, 0.331]
    assert a1["wavelength_nm"].tolist() == [977.0, 900.0, 260.0, 280.0, 230.0]
    assert 0.114 not in set(path["value"])


def test_data_set_grid_under_its_label():
    # a data set's own grid: its label above, no label at the line ends; 'OD:600' names read 'OD'
    lines = [h.format(plate=1) for h in HEADER[:-1]] + ["Plate Type\t96 WELL PLATE", "Read\tOD",
                                                        "\tAbsorbance Endpoint", "\tWavelengths:  600", "",
                                                        "OD:600", "", "\t" + "\t".join(map(str, range(1, 13)))]
    lines += ["\t".join([chr(65 + r)] + [f"{r}.{c:02d}" for c in range(1, 13)]) for r in range(8)]
    df = pkio.read_plate("\n".join(lines).encode(), name="d.txt")
    # row H (r = 7), column 12: '7.12'
    assert len(df) == 96 and df[df.well == "H12"].value.item() == 7.12
    assert set(df["read_label"]) == {"OD:600"} and set(df["wavelength_nm"]) == {600.0}


def test_spectrum_table_is_refused():
    text = kinetic().replace("Time\tT° 340\tA1\tA2\tA3", "Wavelength\tA1\tA2\tA3")
    with pytest.raises(DataFormatError, match=r"data set 'A:340': spectrum tables \(one line per wavelength\) are not "
                                              r"supported"):
        pkio.read_plate(text.encode(), name="k.txt")
