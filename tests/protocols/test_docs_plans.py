"""The documentation's claims about plans, read from docs/*.md and checked against the code.

Before issue 13 the README said the uptake defaults warn `ic50-not-bracketed` (they did not) and
its NET parameters file printed "HEK293 cells expressing human SERT" on the sheet. Since issue 16
the claims live in docs/: the design checks in design-checks.md, the assay-system defaults in
protocols.md, the parameters-file example in cli.md.
"""
import math
import re
import tomllib
from pathlib import Path

import pytest

import protocol_kit as pk
from protocol_kit.design import design_warnings
from protocol_kit.reference.systems import systems

DOCS = Path(__file__).resolve().parents[2] / "docs"
DESIGN_CHECKS = (DOCS / "design-checks.md").read_text(encoding="utf-8")
PROTOCOLS = (DOCS / "protocols.md").read_text(encoding="utf-8")
CLI = (DOCS / "cli.md").read_text(encoding="utf-8")
CLAIM = re.compile(r"`((?:RadioligandBinding|ReuptakeInhibition)\([^`]*\))`\s+(warns\s+`([\w-]+)`|gives\s+no\s+warning)",
                   re.S)


def claims():
    found = [(m.group(1).replace("\n", " "), m.group(3)) for m in CLAIM.finditer(DESIGN_CHECKS)]
    assert len(found) >= 5, found
    return found


@pytest.mark.parametrize("expr, code", claims())
def test_each_claimed_warning_is_what_the_code_gives(expr, code):
    p = eval(expr, {"RadioligandBinding": pk.RadioligandBinding, "ReuptakeInhibition": pk.ReuptakeInhibition})
    codes = [w.code for w in design_warnings(p)]
    if code is None:
        assert codes == []
    else:
        assert code in codes


def test_the_uptake_numbers_in_the_docs():
    # 0.29 nM x (1 + 20/463) = 0.302527 nM; lowest 1 uM / 3^11 = 5.645 pM: log10(0.302527 / 0.005645) = 1.729;
    # log10(1000 / 0.302527) = 3.519
    text = " ".join(DESIGN_CHECKS.split())  # the prose is wrapped: compare with single spaces
    assert "0.29 nM x (1 + 20 nM / 463 nM) = 0.303 nM" in text
    assert "1.73 log units" in text and "3.52 above" in text and "lowest 5.6 pM" in text
    p = pk.ReuptakeInhibition()
    ic50 = 0.29e-9 * (1 + p.params.substrate_conc.to("nM").magnitude / p.params.substrate_km.to("nM").magnitude)
    lowest = p.layout.loc[p.layout.role == "compound", "conc"].min()
    assert f"{ic50 * 1e9:.3g}" == "0.303" and f"{math.log10(ic50 / lowest):.2f}" == "1.73"
    assert f"{math.log10(1e-6 / ic50):.2f}" == "3.52" and f"{lowest * 1e12:.2g}" == "5.6"


def table(header, text=PROTOCOLS):
    """Rows of the markdown table whose header line starts with ``header``."""
    lines = text[text.index(header):].splitlines()
    return [[c.strip() for c in line.strip("|").split("|")] for line in lines[2:] if line.startswith("|")][:3] \
        if lines[1].startswith("|---") else []


def test_the_binding_defaults_table():
    rows = table("| target | radioligand | Kd |")
    assert [r[0] for r in rows] == ["SERT", "NET", "DAT"]
    for target, ligand, kd, membranes, nsb in rows:
        v = pk.RadioligandBinding(target=target).params
        assert (v.radioligand, v.membrane_source, v.nsb_drug) == (ligand, membranes, nsb)
        assert f"{v.radioligand_kd.to('nM').magnitude:g} nM" == kd
        assert systems().default("binding", target).labelled == ligand


def test_the_uptake_defaults_table():
    rows = table("| transporter | system | substrate |")
    assert [r[0] for r in rows] == ["SERT", "NET", "DAT"]
    for transporter, system, substrate, km, inhibitor in rows:
        v = pk.ReuptakeInhibition(transporter=transporter).params
        assert (v.system, v.substrate, v.reference_inhibitor) == (system, substrate, inhibitor)
        assert f"{v.substrate_km.to('nM').magnitude:g} nM" == km


def test_the_parameters_file_example_plans_net_throughout():
    block = re.search(r"A parameters file is TOML.*?```toml\n(.*?)```", CLI, re.S).group(1)
    values = tomllib.loads(block)
    assert values["target"] == "NET"
    p = pk.RadioligandBinding(**values)
    assert p.params.membrane_source == "HEK293 cells expressing human NET"
    assert "human SERT" not in p.sheet()
    assert p.warnings == []


def test_the_help_texts_state_the_defaults():
    # help texts that quote a number agree with the default: 1 mCi/mL at 28 Ci/mmol = 35.7 uM, 80 Ci/mmol = 12.5 uM
    for cls, name, ci_per_mmol in ((pk.ReuptakeInhibition, "substrate_stock", 28),
                                   (pk.RadioligandBinding, "radioligand_stock", 80)):
        par = cls.parameter(name)
        stated = float(re.search(r"= ([\d.]+) uM", par.help).group(1))
        assert par.default_value.to("uM").magnitude == pytest.approx(stated)
        assert 1e-3 / ci_per_mmol * 1e6 == pytest.approx(stated, rel=5e-3)
