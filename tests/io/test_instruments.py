"""Readers against real instrument exports (tests/io/data/allotropy, from the allotropy project's
test data, MIT: LICENSE-allotropy.txt there). Expected values were read off the files by eye; the
line is cited."""
from pathlib import Path

import numpy as np
import pytest

from protocol_kit import io as pkio
from protocol_kit.errors import DataFormatError

REF = Path(__file__).parent / "data" / "allotropy"
LUMI = REF / "softmaxpro_MD_SMP_luminescence_endpoint_example03.txt"
FLUO = REF / "softmaxpro_MD_SMP_fluorescence_endpoint_example07.txt"
KIN = REF / "softmaxpro_spectramax340_kinetic_partial_plate.txt"
ENV = REF / "envision_absorbance_example01.csv"


def at(frame, **where):
    """The one row matching ``where`` (fails if there is not exactly one)."""
    mask = np.ones(len(frame), dtype=bool)
    for k, v in where.items():
        mask &= (frame[k] == v).to_numpy()
    (i,) = np.flatnonzero(mask)
    return frame.iloc[i]


def test_detect_formats():
    assert [pkio.detect_format(f) for f in (LUMI, FLUO, KIN, ENV)] == ["softmax", "softmax", "softmax", "envision"]


def test_softmax_luminescence_utf16_two_plates():
    df = pkio.read_plate(LUMI)
    # two Plate: blocks (lines 2 and 9), each with values for A1..D12 only (48 wells; E1..H12 empty)
    assert df.groupby("plate").size().to_dict() == {"c12345_2": 48, "c123455_3": 48}
    # line 4: "\t25\t1011329\t929426\t..." ; the 48th value (D12) is 3633
    a1 = at(df, plate="c12345_2", well="A1")
    assert (a1.value, a1.temperature, a1.line) == (1011329.0, 25.0, 4)
    assert at(df, plate="c12345_2", well="D12").value == 3633.0
    # line 11: "\t24\t1497823\t1528932\t..." ending "...\t213\t98"
    assert at(df, plate="c123455_3", well="A1").value == 1497823.0
    assert at(df, plate="c123455_3", well="D12").value == 98.0
    assert at(df, plate="c123455_3", well="D11").value == 213.0
    # luminescence without a filter has no wavelength (the header's wavelength field is "0 ")
    assert df["wavelength_nm"].isna().all() and df["time_s"].isna().all()
    assert set(df["read"]) == {1} and set(df["read_label"]) == {"Lum"}
    assert df.attrs["source"] == str(LUMI)


def test_softmax_fluorescence_three_wavelengths_and_reduced():
    notes: list[str] = []
    df = pkio.read_plate(FLUO, warnings=notes)
    assert len(notes) == 1 and "'BNCH_49917577_96w', 'BNCH_94389207_96w'" in notes[0]
    # plate BNCH_28465721_96w: header lists wavelengths "445 535 780"; three raw rows (lines 4, 6, 8)
    assert sorted(df["wavelength_nm"].unique()) == [445.0, 535.0, 780.0]
    # excitation "404 485 569" (the field after the well count), one per emission wavelength
    assert df.groupby("read")[["excitation_nm", "wavelength_nm"]].first().values.tolist() == [
        [404.0, 445.0], [485.0, 535.0], [569.0, 780.0]]
    assert len(df) == 3 * 96
    assert at(df, well="A1", wavelength_nm=445.0).value == 2138332.25   # line 4, first value
    assert at(df, well="A1", wavelength_nm=535.0).value == -961071.375  # line 6
    assert at(df, well="A2", wavelength_nm=780.0).value == 613510.0      # line 8, second value
    red = pkio.read_softmax(FLUO, section="reduced", warnings=[])
    # the file declares 3 blocks ('##BLOCKS= 3') and holds 12 (three plates): the declared three
    # (one plate, two groups) are read, as allotropy reads them; its reduced row is line 12
    assert red.groupby("plate").size().to_dict() == {"BNCH_28465721_96w": 96}
    assert at(red, plate="BNCH_28465721_96w", well="A1").value == pytest.approx(-2.8075305332873679, rel=1e-15)
    assert at(red, plate="BNCH_28465721_96w", well="A2").value == pytest.approx(-0.99667287856133147, rel=1e-15)


def test_softmax_kinetic_partial_plate_latin1():
    df = pkio.read_plate(KIN)
    # PlateFormat, Kinetic, 405 nm; reads at 0:00 (line 33), 0:30 (line 42), 1:00 (line 51);
    # columns 2-10 of rows A-H hold values, columns 1, 11, 12 are empty: 3 x 8 x 9 values
    assert len(df) == 216 and sorted(df["time_s"].unique()) == [0.0, 30.0, 60.0] and set(df["read"]) == {1}
    assert set(df["well"].str[1:].astype(int)) == set(range(2, 11))
    assert not (df["well"] == "A1").any()
    r2 = at(df, well="A2", time_s=30.0)   # line 42: "0:30\t37.00\t\t0.0565\t0.0543..."
    assert (r2.value, r2.time_s, r2.temperature, r2.wavelength_nm, r2.line) == (0.0565, 30.0, 37.0, 405.0, 42)
    assert at(df, well="A10", time_s=30.0).value == 0.0552            # line 42, ninth value
    assert at(df, well="H10", time_s=60.0).value == 0.1090            # line 58, last row of the 1:00 read
    assert at(df, well="B2", time_s=0.0).value == 0.1012              # line 34


def test_envision_384_well_sections():
    df = pkio.read_plate(ENV)
    # three 'Plate information' sections (lines 1, 26, 51), each a 16 x 24 grid; the one at line
    # 26 is calculated (a Formula, no Label): not a measurement, so 2 x 384 values
    assert len(df) == 2 * 384
    first = df[df["plate"] == "1"]
    assert at(first, well="A1").value == 2.63 and at(first, well="A1").line == 9     # line 9 starts "2.6300,"
    assert at(first, well="A24").value == 2.727                                     # line 9 ends "2.7270,"
    assert at(first, well="P24").value == 2.639 and at(first, well="P24").line == 24  # line 24 ends "2.6390,"
    assert at(first, well="A1").read_label == "BCA Absorbance @ 562(1)"
    # the label block states 'Excitation wavelength,,,,562 nm' (the absorbance wavelength)
    assert at(first, well="A1").wavelength_nm == 562.0 and at(first, well="A1")["mode"] == "absorbance"
    # plate 2 appears twice: the calculated (Formula, line 28) section is skipped, the measured one read
    second = df[df["plate"] == "2"]
    assert second["read_label"].unique().tolist() == ["Screen 384 OptiPlate(1)"]
    assert at(second, well="A15").value == 0.0 and at(second, well="A15").line == 59  # line 59: 15th value "0"


def test_softmax_reader_refuses_another_format():
    with pytest.raises(DataFormatError, match=r"envision_absorbance_example01.csv: line 1: not a SoftMax Pro export"):
        pkio.read_softmax(ENV)
    with pytest.raises(DataFormatError, match="not an EnVision export"):
        pkio.read_envision(LUMI)


def test_reference_file_joined_to_a_layout():
    import pandas as pd
    df = pkio.read_plate(LUMI)
    layout = pd.DataFrame({"well": [f"{r}{c}" for r in "ABCD" for c in range(1, 13)], "label": "x"})
    joined = pkio.join_layout(df, layout)
    assert len(joined) == 96 and joined["label"].eq("x").all()
