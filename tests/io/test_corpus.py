"""Every real export of the corpus (tests/io/corpus.py) reads to allotropy's values, through the
auto-detecting reader a user calls, or is refused with a DataFormatError saying what is not
supported. REFUSED lists the files refused, with the reason; it should stay empty."""
from __future__ import annotations

import pytest

from protocol_kit import io as pkio
from protocol_kit.errors import DataFormatError

from .corpus import CORPUS, FILES, compare

REFUSED: dict[str, str] = {}
# Not read yet (work in progress on the readers): each must leave this list as its reader lands.
NOT_YET: set[str] = {
    "envision_absorbance_example01.csv", "envision_fluorescence_example01.csv", "envision_fluorescence_example02.csv",
    "envision_fluorescence_example03.csv", "envision_luminescence_example01.csv",
    "bmgmars_16-02-29_14-34-46_Transcreener_ADP2_FI.csv",
    "bmgmars_16-03-03_13-25-45_472_QC_384_FI.csv", "bmgmars_24-10-16_15-09-52_Luminescence_1536.csv",
    "bmgmars_BMG_Labtech_format.CSV", "kaleido_absorbance_endpoint_single_plate_example_01.csv",
    "kaleido_fluorescence_endpoint_single_plate_example_01.csv",
    "kaleido_luminescence_v3.5_pure_csv_format_example.csv", "tecan_SLA01P01_ELISA.xlsx",
}


@pytest.mark.parametrize("file", [pytest.param(f, marks=pytest.mark.xfail(strict=True, reason="reader not done"))
                                  if f in NOT_YET else f for f in FILES])
def test_reads_to_reference_values(file):
    if file in REFUSED:
        with pytest.raises(DataFormatError, match=REFUSED[file]):
            pkio.read_plate(CORPUS / file)
        return
    frame = pkio.read_plate(CORPUS / file)
    assert compare(file, frame) == []
