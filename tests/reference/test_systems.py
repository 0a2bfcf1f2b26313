"""The assay-system file: read, validated, sourced, and the protocols' declared defaults agree with it."""
import pytest

import protocol_kit as pk
from protocol_kit import DataFormatError
from protocol_kit.reference.systems import COLUMNS, read_systems_file, systems


def test_every_row_has_a_source_and_k_is_either_published_or_declared_missing():
    rows = systems().rows
    assert len(rows) == 16
    for r in rows:
        assert r.source
        if r.k is None:  # no published value found: the note says so
            assert "give your own" in r.note, r.where


def test_published_values_as_cited():
    t = systems()
    assert t.default("binding", "NET").k.magnitude == pytest.approx(13.8)      # Jayanthi 1993
    assert t.default("binding", "DAT").k.magnitude == pytest.approx(10)        # Pristupa 1994
    assert t.default("uptake", "SERT").k.magnitude == pytest.approx(463)       # Ramamoorthy 1993
    assert t.default("uptake", "DAT").k.to("uM").magnitude == pytest.approx(2)  # Pristupa 1994
    assert t.default("uptake", "NET").k.magnitude == pytest.approx(280)        # J Nucl Med 2004 abstract
    # SERT's 1.5 nM is a planning value inside citalopram's Ki range 1.1-5.4 nM (seed 004), said so
    sert = t.default("binding", "SERT")
    assert "planning value" in sert.source and "1.1-5.4 nM" in sert.source
    assert sert.controls == ("fluoxetine", "paroxetine")


@pytest.mark.parametrize("cls, assay, fields", [
    (pk.RadioligandBinding, "binding", {"radioligand": "labelled", "membrane_source": "system", "nsb_drug": "control",
                                        "radioligand_kd": "k", "radioligand_conc": "conc"}),
    (pk.ReuptakeInhibition, "uptake", {"substrate": "labelled", "system": "system", "reference_inhibitor": "control",
                                       "substrate_km": "k", "substrate_conc": "conc"}),
])
def test_declared_defaults_are_the_files_sert_row(cls, assay, fields):
    # `protocol-kit params` and the sheet print the declared defaults: they must be what SERT fills
    row = systems().default(assay, "SERT")
    for name, attr in fields.items():
        declared = cls.parameter(name).default_value
        value = getattr(row, attr)
        if hasattr(declared, "to"):
            assert declared.to("nM").magnitude == pytest.approx(value.to("nM").magnitude), name
        else:
            assert declared == value, name


def test_bad_files_name_the_line_and_column(tmp_path):
    head = ",".join(COLUMNS)
    f = tmp_path / "s.csv"
    f.write_text(head + "\nbinding,NET,cells,membranes,[3H]x,1,1,nM,y,,src,,extra\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"line 2: 13 fields; allowed: 12"):
        read_systems_file(f)
    f.write_text(head + "\nbinding,NET,cells,membranes,[3H]x,\"1,000\",1,nM,y,,src,\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"line 2: k '1,000' is not a number"):
        read_systems_file(f)
    f.write_text(head + "\nbinding,NET,cells,tissue,[3H]x,1,1,nM,y,,src,\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"line 2: system_kind 'tissue' is not allowed; allowed: membranes"):
        read_systems_file(f)
    f.write_text(head + "\nbinding,NET,cells,membranes,[3H]x,1,1,nM,y,,,\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"line 2: source '' is empty"):
        read_systems_file(f)
    f.write_text("# comment\n" + head + "\nuptake,NET,my cells,cells,[3H]NE,0.3,20,uM,desipramine,a; b,src,\n",
                 encoding="utf-8")
    r = read_systems_file(f).default("uptake", "norepinephrine transporter")
    assert r.k.to("nM").magnitude == pytest.approx(300) and r.alternatives == ("a", "b") and r.line == 3
