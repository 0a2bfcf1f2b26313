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
    "softmaxpro_MD_SMP_absorbance_endpoint_example01.txt", "softmaxpro_MD_SMP_absorbance_endpoint_example04.txt",
    "softmaxpro_MD_SMP_absorbance_endpoint_partial_plate_example01.txt",
    "softmaxpro_MD_SMP_absorbance_endpoint_partial_plate_example04.txt", "softmaxpro_abs_endpoint_plates.txt",
    "softmaxpro_example_group_with_missing_calc_column.txt", "softmaxpro_group_with_partial_rows.txt",
    "softmaxpro_MD_SMP_fluorescence_endpoint_example07.txt",
    "softmaxpro_MD_SMP_fluorescence_endpoint_partial_plate_example01.txt",
    "softmaxpro_MD_SMP_luminescence_endpoint_example03.txt", "softmaxpro_MD_SMP_luminescence_endpoint_example08.txt",
    "softmaxpro_MD_SMP_luminescence_endpoint_partial_plate_example01.txt", "softmaxpro_no_calc_docs.txt",
    "softmaxpro_spectramax340_kinetic_partial_plate.txt", "softmaxpro_spectrum_data.txt",
    "gen5_absorbance_endpoint_stdcurve_singleplate.txt",
    "gen5_absorbance_Kinetic_Analysis_Mean_Slope_and_Standard_Curve_tab.txt",
    "gen5_absorbance_endpoint_pathlength_correct_singleplate.txt", "gen5_fluorescence_endpoint_singleplate.txt",
    "gen5_fluorescence_endpoint_fluorescence_polarization.txt", "gen5_luminescence_endpoint_singleplate.txt",
    "gen5_multi_read_modes_multiple_read_modes.txt",
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
