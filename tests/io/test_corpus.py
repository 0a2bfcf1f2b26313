"""Every real export of the corpus (tests/io/corpus.py) reads to allotropy's values, through the
auto-detecting reader a user calls, or is refused with a DataFormatError saying what is not
supported. REFUSED lists the files refused, with the reason; it should stay empty."""
from __future__ import annotations

import re
import warnings

import pytest

from protocol_kit import io as pkio
from protocol_kit.errors import DataFormatError

from .corpus import CORPUS, FILES, compare

REFUSED: dict[str, str] = {}
# Files read with a warning, and what it says; every other file must read without one.
# example07's header declares 3 blocks and 12 follow; allotropy (like SoftMax Pro) reads the 3.
WARNS: dict[str, str] = {
    "softmaxpro_MD_SMP_fluorescence_endpoint_example07.txt": "declares 3 blocks .* holds 12",
}


@pytest.mark.parametrize("file", FILES)
def test_reads_to_reference_values(file):
    if file in REFUSED:
        with pytest.raises(DataFormatError, match=REFUSED[file]):
            pkio.read_plate(CORPUS / file)
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame = pkio.read_plate(CORPUS / file)
    messages = [str(w.message) for w in caught]
    if file in WARNS:
        assert len(messages) == 1 and re.search(WARNS[file], messages[0]), messages
    else:
        assert messages == []
    assert compare(file, frame) == []
