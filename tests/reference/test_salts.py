"""The salt-form data file, checked against the molecular formulas it gives.

Each molar mass is recomputed here from the row's formula with the IUPAC 2021 abridged
standard atomic weights (H 1.008, C 12.011, N 14.007, O 15.999, F 18.998, Cl 35.45, Br 79.904),
independently of the masses the file states; they must agree to the 0.01 g/mol written.
"""
import re

import pytest

from protocol_kit.errors import DataFormatError
from protocol_kit.reference.salts import read_salt_file, salt_form, shipped

ATOMIC_WEIGHT = {"H": 1.008, "C": 12.011, "N": 14.007, "O": 15.999, "F": 18.998, "Cl": 35.45, "Br": 79.904}


def formula_mass(formula: str) -> float:
    """'C17H17Cl2N·HCl' -> 342.688; a part may carry a multiplier, as '1/2H2O'."""
    total = 0.0
    for part in formula.split("·"):
        m = re.match(r"^(\d+)?(?:/(\d+))?([A-Z].*)$", part)
        mult = (int(m.group(1) or 1)) / int(m.group(2) or 1)
        total += mult * sum(ATOMIC_WEIGHT[el] * int(n or 1) for el, n in re.findall(r"([A-Z][a-z]?)(\d*)", m.group(3)))
    return total


def test_formula_mass_by_hand():
    # sertraline C17H17Cl2N: 204.187 + 17.136 + 70.90 + 14.007 = 306.230; + HCl 36.458 = 342.688
    assert formula_mass("C17H17Cl2N") == pytest.approx(306.230, abs=1e-9)
    assert formula_mass("C17H17Cl2N·HCl") == pytest.approx(342.688, abs=1e-9)


@pytest.mark.parametrize("row", shipped(), ids=lambda r: f"{r.drug} {r.salt_form}")
def test_every_molar_mass_is_its_formula_weight(row):
    base = row.formula.split("·")[0]
    assert row.salt_molar_mass == pytest.approx(formula_mass(row.formula), abs=0.006)
    assert row.base_molar_mass == pytest.approx(formula_mass(base), abs=0.006)
    assert row.source


def test_sertraline_hcl_factor():
    # 342.69 / 306.23 = 1.119063; 21.6 mg base -> 24.17 mg salt
    s = salt_form("Sertraline", "hydrochloride")
    assert (s.salt_molar_mass, s.base_molar_mass) == (342.69, 306.23)
    assert 21.6 * s.factor == pytest.approx(24.1718, abs=1e-4)


def test_a_bad_file_names_the_line_column_and_value(tmp_path):
    f = tmp_path / "salts.csv"
    f.write_text("# mine\ndrug,salt_form,formula,salt_molar_mass,base_molar_mass,source,note\n"
                 "PK-101,mesylate,,400,304,CoA lot 7,\nPK-102,HCl,,1,5,CoA,\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"salts.csv line 4: salt_molar_mass 1 is below base_molar_mass 5"):
        read_salt_file(f)
    f.write_text("drug,salt_form,formula,salt_molar_mass,base_molar_mass,source,note\nPK-101,HCl,,3,5;1,2,CoA,\n",
                 encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"line 2: .*columns"):
        read_salt_file(f)
    f.write_text("drug,salt_form,formula,salt_molar_mass,base_molar_mass,source,note\nPK-101,HCl,,40O,304,CoA,\n",
                 encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"line 2: salt_molar_mass '40O' is not a number"):
        read_salt_file(f)
    f.write_text("drug,salt_form,formula,salt_molar_mass,base_molar_mass,source,note\nPK-101,mesylate,,400,304,CoA,\n",
                 encoding="utf-8")
    assert salt_form("pk-101", "Mesylate", table=read_salt_file(f)).factor == pytest.approx(400 / 304)
