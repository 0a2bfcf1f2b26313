"""The reference data files share one reader: a file that is missing or not UTF-8 is refused
with a DataFormatError naming it (the assay-system and salt readers raised a raw
UnicodeDecodeError before), and '#' comment lines are skipped."""
import pytest

from protocol_kit.errors import DataFormatError
from protocol_kit.reference.data_file import csv_lines
from protocol_kit.reference.salts import read_salt_file
from protocol_kit.reference.systems import read_systems_file


@pytest.mark.parametrize("read", [read_salt_file, read_systems_file])
def test_a_file_that_is_not_utf8_is_refused_naming_it(read, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("drug\n# comment\nsertraline,\xb5M\n".encode("latin-1"))  # µ as one Latin-1 byte, 0xB5
    # the bad byte's offset from 0: "drug\n" 5 + "# comment\n" 10 + "sertraline," 11 = 26
    with pytest.raises(DataFormatError, match=r"latin1.csv: not UTF-8 text \(byte 26\)"):
        read(path)


def test_comment_and_blank_lines_are_skipped_and_numbered_as_in_the_file(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("# source: hand\n\na, b\n# note\n1 ,2\n", encoding="utf-8")
    assert list(csv_lines(path, "f.csv", "test file")) == [(3, ["a", "b"]), (5, ["1", "2"])]
