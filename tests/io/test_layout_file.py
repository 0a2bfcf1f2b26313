"""A user's own plate layout in wellmap's TOML format."""
import pytest

from protocol_kit import io as pkio
from protocol_kit.errors import DataFormatError

LAYOUT = """
[block.3x1.A1]
role = "total"
[block.3x1.A4]
role = "nsb"
conc = "10 uM"
[block.3x1.B1]
role = "compound"
conc = "100 nM"
[block.3x1.B4]
role = "compound"
conc = "1 uM"
"""


def write(tmp_path, text, name="layout.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_wellmap_layout_as_a_protocol_layout(tmp_path):
    layout = pkio.read_layout(write(tmp_path, LAYOUT))
    # 4 blocks of 3 wells; row-major order A1..A6, B1..B6
    assert layout["well"].tolist() == ["A1", "A2", "A3", "A4", "A5", "A6", "B1", "B2", "B3", "B4", "B5", "B6"]
    b5 = layout[layout["well"] == "B5"].iloc[0]
    assert (b5["row"], b5["column"], b5["role"]) == ("B", 5, "compound")
    assert b5["conc"] == pytest.approx(1e-6)              # 1 uM in mol/L
    assert layout.loc[layout["well"] == "B1", "conc"].item() == pytest.approx(1e-7)
    assert layout.loc[layout["well"] == "A1", "conc"].isna().item()


def test_join_data_to_a_user_layout(tmp_path):
    layout = pkio.read_layout(write(tmp_path, LAYOUT))
    rows = "".join(f"{w},{100 + i}\n" for i, w in enumerate(layout["well"]))
    joined = pkio.join_layout(pkio.read_long(("Well,CPM\n" + rows).encode(), name="c.csv"), layout)
    assert joined.loc[joined["well"] == "A4", ["role", "value"]].values.tolist() == [["nsb", 103.0]]


@pytest.mark.parametrize("text, message", [
    ('[block.3x1.A1]\nrole = "totl"\n', "well A1: role 'totl' is not a layout role; did you mean 'total'?"),
    ('[block.3x1.A1]\nrole = "total"\nconc = 10\n', "well A1: conc 10 has no unit; write it with one"),
    ('[block.3x1.A1]\nrole = "total"\nconc = "10 uL"\n', "well A1: conc: '10 uL' is a volume"),
    ('[well.Q1]\nrole = "total"\n', "well Q1 is outside a 96-well plate"),
    ('[row.A\nrole=', "not valid TOML"),
    ('[row.A]\nrole = "total"\n', "not a usable wellmap layout"),
])
def test_bad_layout_files(tmp_path, text, message):
    with pytest.raises(DataFormatError) as info:
        pkio.read_layout(write(tmp_path, text, "bad.toml"))
    assert message in str(info.value) and str(info.value).startswith(str(tmp_path / "bad.toml"))
    assert "\n" not in str(info.value)
