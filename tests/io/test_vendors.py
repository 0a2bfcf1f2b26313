"""EnVision, BMG MARS, Kaleido and Tecan Magellan readers on small files written here, in each
format's structure, for what the corpus files do not show (several labels or headings, 384- and
1536-well grids, repeats, markers, refusals). Every expected value is read off the text below."""
import io
import math

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protocol_kit import io as pkio
from protocol_kit.errors import DataFormatError

from .test_instruments import at



def text(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode()


# ----------------------------------------------------------------------------------------- EnVision
INFO = "Plate,Repeat,Barcode,Measured height,Group,Label,ScanX,ScanY,Measinfo,Kinetics,Measurement date,"
CALC = "Plate,Repeat,Barcode,Measured height,Formula,Measurement date,"
HEAD12 = "," + ",".join(f"{c:02d}" for c in range(1, 13)) + ","
TRAILER = ("", "Basic assay information ", "Assay ID: ,,,,1", "", "Plate type:", "Number of rows,,,,8",
           "Number of columns,,,,12", "", "Labels:", "FITC FI,,,,4000013", "Exc. filter,,,,FITC 485",
           "Ems. filter,,,,FITC 535", "2nd ems. filter,,,,N/A", "", "A450,,,,2000014", "Exc. filter,,,,BFP 450", "",
           "Filters:", "FITC 485,,,,102", "Filter type,,,,Excitation", "Description,,,,X485 CWL=485nm BW=14nm", "",
           "FITC 535,,,,206", "Filter type,,,,Emission", "Description,,,,M535 CWL=535nm BW=25nm", "",
           "BFP 450,,,,216", "Filter type,,,,Emission", "Description,,,,M450 CWL=450nm BW=10nm", "",
           "Instrument:", "Serial number,,,,1", "", "Exported with EnVision Workstation version 1.14")


def envision_two_labels() -> bytes:
    return text(
        "Plate information ", CALC, '1,1,"=""P1""",N/A,Calc 1: ratio = X / Y,1/1/2024 1:00:00 PM,', "",
        "Calculated results: Calc 1", HEAD12, "A,9.5,9.6,,,,,,,,,,,", "",                       # line 6-7
        "Plate information ", INFO, '1,1,"=""P1""",14,1,FITC FI(1),0,0,De=1st Ex=Top Em=Top,0,1/1/2024 1:00:00 PM,',
        "", "Results for FITC FI(1) - channel 1", HEAD12,
        "A,100,200,,,,,,,,,,,",                                                                      # line 15
        "H,,,,,,,,,,,,1200,", "",                                                                    # line 16
        "Plate information ", INFO, '1,1,"=""P1""",14,1,A450(1),0,0,De=1st Ex=Btm Em=N/A,0,1/1/2024 1:01:00 PM,',
        "", "0.105,0.210,,,,,,,,,,,", ",,,,,,,,,,,,", ",,,,,,,,,,,,", ",,,,,,,,,,,,", ",,,,,,,,,,,,", ",,,,,,,,,,,,",
        ",,,,,,,,,,,,", ",,,,,,,,,,,OVRFLW,",                                                        # lines 22-29
        *TRAILER)


def test_envision_two_labels_on_one_plate_are_two_reads_and_the_calculated_plate_is_skipped():
    df = pkio.read_plate(envision_two_labels(), name="two_labels.csv")
    assert df.attrs["format"] == "envision"
    # the 'Calc 1' values 9.5 and 9.6 (line 7) are not measurements: the old reader returned them
    assert not df["value"].isin([9.5, 9.6]).any()
    assert sorted(df["read"].unique()) == [1, 2] and set(df["plate"]) == {"1"}
    fl = df[df["read"] == 1]
    assert list(fl["well"]) == ["A1", "A2", "H12"] and list(fl["value"]) == [100.0, 200.0, 1200.0]
    # FITC FI: Ems. filter FITC 535 (CWL=535nm), Exc. filter FITC 485 (CWL=485nm)
    assert (fl["wavelength_nm"] == 535.0).all() and (fl["excitation_nm"] == 485.0).all()
    assert (fl["mode"] == "fluorescence").all() and at(fl, well="H12").line == 16
    ab = df[df["read"] == 2]
    # a bare grid: line 22 is row A ("0.105,0.210"), line 29 row H with OVRFLW in column 12
    assert at(ab, well="A1").value == 0.105 and at(ab, well="A2").value == 0.210 and at(ab, well="A2").line == 22
    over = at(ab, well="H12")
    assert math.isnan(over.value) and over.text == "OVRFLW" and over.line == 29
    # A450: absorbance at the excitation filter's CWL=450nm; no excitation wavelength
    assert (ab["wavelength_nm"] == 450.0).all() and ab["excitation_nm"].isna().all()
    assert (ab["mode"] == "absorbance").all() and len(ab) == 3
    assert set(df["barcode"]) == {"P1"}


def test_envision_plate_repeats_are_separate_reads():
    section = ["Plate information ", INFO, '1,{r},,14,1,FITC FI(1),0,0,De=1st Ex=Top Em=Top,0,1/1/2024,', "",
               HEAD12, "B,{v},,,,,,,,,,,,", ""]
    lines = [c.format(r=r, v=v) for r, v in ((1, 11), (2, 22)) for c in section]
    df = pkio.read_plate(text(*lines, *TRAILER))
    assert list(df["read"]) == [1, 2] and list(df["value"]) == [11.0, 22.0] and list(df["repeat"]) == ["1", "2"]
    assert list(df["well"]) == ["B1", "B1"]


def test_envision_1536_grid_with_rows_after_z():
    head48 = "," + ",".join(str(c) for c in range(1, 49))
    df = pkio.read_plate(text("Plate information ", INFO, "1,1,,14,1,LUM 1536(1),0,0,De=USLum Ex=N/A Em=N/A,0,x,", "",
                              head48, "A,5" + "," * 47, "AF," + "," * 47 + "7"))
    assert list(df["well"]) == ["A1", "AF48"] and list(df["value"]) == [5.0, 7.0]
    assert (df["mode"] == "luminescence").all() and df["wavelength_nm"].isna().all()


def test_envision_refusals():
    bare = ["Plate information ", INFO, "1,1,,14,1,X(1),0,0,De=1st,0,x,", ""]
    # five bare lines on no stated plate: which rows they are cannot be told
    with pytest.raises(DataFormatError, match=r"line 5: plate 1: a grid without row letters of 5 lines"):
        pkio.read_plate(text(*bare, *["1,2,3"] * 5))
    with pytest.raises(DataFormatError, match=r"plate 1: a kinetic measurement \(Kinetics 3\)"):
        pkio.read_plate(text(*bare[:2], "1,1,,14,1,X(1),0,0,De=1st,3,x,", "", HEAD12, "A,1,2"))
    with pytest.raises(DataFormatError, match=r"line 6: plate 1, well A2: 'n/d' is not a number"):
        pkio.read_plate(text(*bare, HEAD12, "A,1,n/d"))


# ------------------------------------------------------------------------------------------ BMG MARS
MARS_HEAD = ("User: USER,Path: C:\\Data,Test run no.: 7", "Test name: ELISA,Date: 5/14/2021,Time: 3:29:50 PM", "",
             "ID1: PL-7,ID2: Plate 1,ID3: x,", "Absorbance", "")
HEAD_MARS12 = "," + ",".join(str(c) for c in range(1, 13)) + ","


def test_mars_two_raw_data_headings_are_two_reads_and_calculated_grids_are_skipped():
    df = pkio.read_plate(text(*MARS_HEAD,
                              "Raw Data (450 1)", "", HEAD_MARS12, "A,0.073,0.082", "H,,,,,,,,,,,,0.5", "",   # 7-11
                              "Raw Data (600 2)", "", HEAD_MARS12, "A,0.041", "B,overflow", "",               # 13-17
                              "Blank corrected based on Raw Data (450 1)", "", HEAD_MARS12, "A,0.5,0.6"),
                         name="two_reads.csv")
    assert df.attrs["format"] == "mars" and set(df["plate"]) == {"PL-7"}
    assert list(zip(df["read"], df["well"], df["value"].fillna(-1))) == [
        (1, "A1", 0.073), (1, "A2", 0.082), (1, "H12", 0.5), (2, "A1", 0.041), (2, "B1", -1)]
    assert list(df["wavelength_nm"].unique()) == [450.0, 600.0] and (df["mode"] == "absorbance").all()
    assert at(df, read=2, well="B1").text == "overflow" and at(df, read=2, well="B1").line == 17
    assert df["excitation_nm"].isna().all()


def test_mars_fluorescence_1536_rows_after_z_and_decimal_commas():
    head48 = ";" + ";".join(str(c) for c in range(1, 49))
    df = pkio.read_plate(text("User: U;Test name: FI", "ID1: P", "Fluorescence (FI)", "", "Raw Data (485/520)", "",
                              head48, "Z;1,5", "a;2,25", "f;" + ";" * 47 + "3"))
    # rows a-f after Z are AA-AF; cells split on ';' may write decimal commas
    assert list(zip(df["well"], df["value"])) == [("Z1", 1.5), ("AA1", 2.25), ("AF48", 3.0)]
    assert (df["wavelength_nm"] == 520.0).all() and (df["excitation_nm"] == 485.0).all()
    with pytest.raises(DataFormatError, match=r"line 5: 'g' is not a plate row; expected A-Z, then AA-AF or a-f"):
        pkio.read_plate(text("ID1: P", "Luminescence", "Raw Data (No filter)", head48.replace(";", ","), "g,1"))
    with pytest.raises(DataFormatError, match=r"line 5: row 'I' is past the last row of a 12-column plate \(H\)"):
        pkio.read_plate(text("ID1: P", "Luminescence", "Raw Data (No filter)", HEAD_MARS12, "I,1"))


def test_mars_refuses_a_table_layout():
    with pytest.raises(DataFormatError, match=r"line 4: 'Well' is not part of a MARS plate export"):
        pkio.read_mars(text("ID1: P", "Fluorescence (FI)", "Raw Data (485/520)", "Well,Content,Time [s]"))


# ------------------------------------------------------------------------------------------- Kaleido
def kaleido_384() -> bytes:
    head = "," + ",".join(str(c) for c in range(1, 25)) + ","
    return text("EnSight Results from", "Protocol Name,foo", "", "Platemap", head, "A," + ",".join("-" * 24), "",
                "Result for Fluorescence intensity 1",
                "Barcode,Repeat,Loop no,Well scan x,Well scan y,Exc wl / filter,Ems wl,TRF Window,",
                "BC-9,1,,,,,,,", "", head,
                "A,10,20" + "," * 22,                                                    # line 13
                "P," + "," * 23 + "384", "",                                             # line 14
                "Results for Ratio 1", "Barcode,Repeat,", "BC-9,1,", "", head, "A,0.5", "",
                "Details of Measurement Sequence", "", "Operation,,,Fluorescence intensity 1",
                "Excitation Wavelength [nm],,,485", "Emission Wavelength [nm],,,535", "",
                "Exported with Kaleido 3.0")


def test_kaleido_384_results_grid_after_a_plate_map():
    df = pkio.read_plate(kaleido_384(), name="k384.csv")
    assert df.attrs["format"] == "kaleido" and set(df["plate"]) == {"BC-9"}
    # the plate map ('-') and the 'Results for' (calculated) grid are not values
    assert list(zip(df["well"], df["value"], df["line"])) == [("A1", 10.0, 13), ("A2", 20.0, 13), ("P24", 384.0, 14)]
    assert (df["wavelength_nm"] == 535.0).all() and (df["excitation_nm"] == 485.0).all()
    assert (df["mode"] == "fluorescence").all() and (df["read"] == 1).all()


def test_kaleido_version2_absorbance_and_imaging_refused():
    head = ",1,2,3,4,5,6,7,8,9,10,11,12"
    v2 = text("", "Results for ABS 1", "", "Barcode: B2, PlateRepeat: 1, WellRepeat: 1", head, "C,0.25", "",
              "Analysis Result", "", "Measurements:", "", "Meas,,,,", "Tech,,,,ABS 1", "Exc. filter [nm],,,,",
              "Excitation wavelength [nm],,,,405", "", "Exported with Kaleido 2.0")
    df = pkio.read_plate(v2)
    assert list(zip(df["well"], df["value"])) == [("C1", 0.25)] and df["plate"].iloc[0] == "B2"
    assert df["wavelength_nm"].iloc[0] == 405.0 and df["mode"].iloc[0] == "absorbance"
    img = text("Results for IMG 1", "Barcode: B3, PlateRepeat: 1, WellRepeat: 1", head, "A,x-0101.tiff",
               "Exported with Kaleido 2.0")
    with pytest.raises(DataFormatError, match="image file names .* not supported"):
        pkio.read_plate(img)


# -------------------------------------------------------------------------------------- Tecan Magellan
def magellan(rows: list[list], trailer: list[str]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows + [[t] for t in trailer]:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


SETTINGS = ["Date of measurement: 2024-01-01/Time of measurement: 10:00:00", "Measurement 1:",
            "Measurement mode: Fluorescence Top", "Excitation wavelength: 485 nm", "Emission wavelength: 535 nm",
            "Measurement 2:", "Measurement mode: Luminescence", "Meas. temperature: Label1: 25.5 °C",
            "Meas. temperature: Label2: 26 °C"]


def test_magellan_two_labels_with_their_wavelengths():
    data = magellan([["Well positions", "Label1", "Label2"], [None, "0s", "0s"], [None, "25.5 °C", "26 °C"],
                     ["A1", 1200, 33], ["B1", "OVER", 41]], SETTINGS)
    df = pkio.read_plate(data, name="magellan.xlsx")
    assert df.attrs["format"] == "tecan"
    assert list(zip(df["well"], df["read"], df["value"].fillna(-1))) == [("A1", 1, 1200.0), ("A1", 2, 33.0),
                                                                          ("B1", 1, -1), ("B1", 2, 41.0)]
    assert at(df, well="B1", read=1).text == "OVER" and at(df, well="B1", read=1).line == 5
    one, two = df[df["read"] == 1], df[df["read"] == 2]
    assert (one["wavelength_nm"] == 535.0).all() and (one["excitation_nm"] == 485.0).all()
    assert (one["mode"] == "fluorescence").all() and (two["mode"] == "luminescence").all()
    assert two["wavelength_nm"].isna().all() and df["time_s"].isna().all()  # one read per label: endpoint
    assert list(df["temperature"]) == [25.5, 26.0, 25.5, 26.0]


def test_magellan_refuses_settings_it_cannot_pair_with_labels():
    data = magellan([["Well positions", "Label1", "Label2"], ["A1", 1, 2]], SETTINGS[:5])
    with pytest.raises(DataFormatError, match=r"1 'Measurement n:' settings blocks for 2 labels"):
        pkio.read_plate(data)


# ------------------------------------------------------------------------------------------ fuzzing
PIECES = st.sampled_from(["Plate information", "Raw Data (485/520)", "ID1: x", "Result for Luminescence 1",
                          "EnSight Results from", "Barcode", "Repeat", "Well positions", "Label1", "A", "B", "a",
                          "AF", "1", "2", "12", "0.5", "OVRFLW", "", "x", "Formula", "Label", "Measinfo", "0s"])
LINES = st.lists(st.lists(PIECES, max_size=10).map(",".join), max_size=25)


@pytest.mark.parametrize("fmt", ["envision", "mars", "kaleido", "tecan", "auto"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=LINES)
def test_random_structured_text_parses_or_is_refused(fmt, lines):
    data = "\n".join(lines).encode()
    try:
        frame = pkio.read_plate(data, name="fuzz", format=fmt)
    except DataFormatError:
        return
    assert frame["value"].notna().sum() + (frame["text"] != "").sum() == len(frame)
