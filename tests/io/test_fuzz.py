"""Fuzzing the readers: any input either parses or raises DataFormatError, nothing else."""
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protocol_kit import io as pkio
from protocol_kit.errors import DataFormatError

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
READERS = ["auto", "grid", "long", "softmax", "envision", "counter", "hplc", "gen5", "mars", "kaleido"]


def parse_or_data_error(data: bytes, fmt: str):
    """The frame a reader makes of ``data`` (checked against the readers' contract), or None
    for a DataFormatError; any other exception fails the test."""
    try:
        frame = pkio.read_plate(data, name="fuzz") if fmt == "auto" else pkio.READERS[fmt](data, name="fuzz")
    except DataFormatError:
        return None
    assert isinstance(frame, pd.DataFrame) and len(frame) > 0, "a reader returned nothing instead of an error"
    numbers = frame.select_dtypes("number")
    assert not np.isinf(numbers.to_numpy(float)).any(), "an infinite value got through"
    if "well" in frame.columns:
        assert frame["well"].astype(str).str.fullmatch(r"[A-Z]{1,2}\d{1,2}").all(), "a well name outside A1-AF48"
    if "value" in frame.columns:
        assert frame["value"].dtype.kind == "f", "values are not numbers"
    return frame


@pytest.mark.parametrize("fmt", READERS)
@FUZZ
@given(data=st.binary(max_size=600))
def test_random_bytes(fmt, data):
    parse_or_data_error(data, fmt)


# Text built from the pieces instrument files are made of, so the parsers get past their first line.
PIECES = st.sampled_from(["##BLOCKS= 1", "Plate:", "~End", "Plate information", "Well", "CPM", "DPM",
                          "Sample", "Area", "Value", "A1", "H12", "P24", "1", "12", "24", "0:30", "1.5",
                          "-2e3", "", " ", "x", "Temperature(°C)", "TimeFormat", "PlateFormat", "Kinetic",
                          "96", "384", "A", "B", "nan", "1,5", '"', "Software Version", "Plate Number",
                          "Procedure Details", "Read", "Results", "Layout", "Time", "OVRFLW", "Luminescence",
                          "Absorbance Endpoint", "x:600", "Read 1:485,528"])
LINES = st.lists(st.lists(PIECES, max_size=14).map(lambda cells: st.sampled_from(["\t", ",", ";"]).map(
    lambda sep: sep.join(cells))).flatmap(lambda s: s), max_size=30)


@pytest.mark.parametrize("fmt", READERS)
@FUZZ
@given(lines=LINES, encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"]))
def test_random_structured_text(fmt, lines, encoding):
    parse_or_data_error("\n".join(lines).encode(encoding, errors="replace"), fmt)


CELL = st.one_of(st.floats(allow_nan=False, allow_infinity=False).map(repr), st.integers().map(str),
                 st.just(""), st.text(max_size=5))


@FUZZ
@given(rows=st.integers(0, 18), cols=st.sampled_from([11, 12, 13, 24]), cells=st.lists(CELL, min_size=1, max_size=40),
       sep=st.sampled_from(["\t", ",", ";"]))
def test_random_grids(rows, cols, cells, sep):
    """A grid header with rows of random cells: either a clean frame or a DataFormatError."""
    letters = "ABCDEFGHIJKLMNOPQR"
    lines = [sep.join([""] + [str(c) for c in range(1, cols + 1)])]
    for r in range(rows):
        row = [cells[(r * cols + c) % len(cells)].replace(sep, "").replace('"', "") for c in range(cols)]
        lines.append(sep.join([letters[r], *row]))
    frame = parse_or_data_error("\n".join(lines).encode(), "grid")
    if frame is not None:
        assert frame["value"].notna().all()
        assert frame["well"].str.fullmatch(r"[A-P]\d{1,2}").all()


def test_a_grid_with_every_cell_empty_is_refused_not_read_as_empty():
    # found by the fuzzer: a 96-well grid whose cells are all empty came back as an empty frame
    lines = ["\t".join([""] + [str(c) for c in range(1, 13)])] + ["\t".join([r] + [""] * 12) for r in "ABCDEFGH"]
    with pytest.raises(DataFormatError, match="fuzz.csv: no values found when read as grid"):
        pkio.READERS["grid"]("\n".join(lines).encode(), name="fuzz.csv")
