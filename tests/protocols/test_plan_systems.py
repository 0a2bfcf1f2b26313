"""Plans follow their target, and every well holds what the steps and the reagent table say.

Each test below failed on the code before issue 13: RadioligandBinding(target="NET") kept
[3H]citalopram, SERT membranes and fluoxetine; an uptake plan of rat striatal synaptosomes never
added the synaptosomes (160 uL KRH + 20 + 20 = 200 uL, steps "wash the cells", "lyse the cells");
blank wells held 180 uL of 200 uL. Kd, Km and sources: protocol_kit/reference/data/assay_systems.csv.
"""
import pytest

import protocol_kit as pk
from protocol_kit import ParameterError
from protocol_kit.units import format_quantity


def test_net_binding_fills_the_net_system():
    p = pk.RadioligandBinding(target="NET")
    v = p.params
    assert v.radioligand == "[3H]nisoxetine" and v.nsb_drug == "desipramine"
    assert v.membrane_source == "HEK293 cells expressing human NET"
    # Kd 13.8 nM (Jayanthi 1993) and [L] = Kd
    assert v.radioligand_kd.to("nM").magnitude == pytest.approx(13.8)
    assert v.radioligand_conc.to("nM").magnitude == pytest.approx(13.8)
    text = " ".join(s.text for s in p.checklist) + " ".join(p.reagents["reagent"])
    assert "SERT" not in text and "citalopram" not in text and "fluoxetine" not in text
    sheet = p.sheet()  # the bench sheet speaks of SERT only as the target parameter's default
    assert "human SERT" not in sheet and "citalopram" not in sheet and "fluoxetine" not in sheet
    assert p.warnings == []  # sertraline at NET: IC50 420 x (1 + 1) = 840 nM, 1.08 log units under 10 uM


def test_dat_binding_and_aliases():
    p = pk.RadioligandBinding(target="dopamine transporter")
    assert p.params.radioligand == "[3H]WIN 35,428" and p.params.nsb_drug == "GBR 12909"
    assert p.params.radioligand_kd.to("nM").magnitude == pytest.approx(10)  # Pristupa 1994


def test_a_given_kd_sets_the_ligand_concentration():
    # [L] defaults to Kd: the user's Kd when given, not the file's
    p = pk.RadioligandBinding(target="NET", radioligand_kd="0.8 nM")
    assert p.params.radioligand_conc.to("nM").magnitude == pytest.approx(0.8)


def test_no_kd_is_borrowed_or_guessed():
    # citalopram at NET: the file has no Kd of citalopram at NET, so none is taken from SERT or nisoxetine
    with pytest.raises(ParameterError, match=r"^radioligand_kd: None has no default here; allowed: your own "
                                              r"measured Kd of \[3H\]citalopram at NET"):
        pk.RadioligandBinding(target="NET", radioligand="[3H]citalopram")
    # H1: a pair from DOMAIN.md, no published Kd found
    with pytest.raises(ParameterError, match=r"^radioligand_kd: .*no published Kd"):
        pk.RadioligandBinding(target="H1")
    assert pk.RadioligandBinding(target="H1", radioligand_kd="1 nM").params.nsb_drug == "mianserin"
    # a target the file does not know: every part of the system must be given
    with pytest.raises(ParameterError, match=r"^radioligand: None has no default here; .*no binding system for "
                                              r"target '5-HT2A'"):
        pk.RadioligandBinding(target="5-HT2A")


def test_with_values_follows_the_new_target_and_keeps_what_was_given():
    p = pk.RadioligandBinding(replicates=2)
    q = p.with_values(target="DAT")
    assert q.params.radioligand == "[3H]WIN 35,428" and q.params.replicates == 2
    given = pk.RadioligandBinding(nsb_drug="paroxetine").with_values(target="NET")
    assert given.params.nsb_drug == "paroxetine"  # kept as given (and warned about: tests/design)
    assert given.default_of("nsb_drug") == "desipramine"  # the sheet's "default" column


def test_uptake_fills_the_transporter_system():
    p = pk.ReuptakeInhibition(transporter="NET")
    v = p.params
    assert (v.system, v.substrate, v.reference_inhibitor) == ("hNET-HEK293 cells", "[3H]NE", "desipramine")
    assert v.substrate_km.to("nM").magnitude == pytest.approx(280)  # J Nucl Med 2004 abstract
    d = pk.ReuptakeInhibition(transporter="DAT")
    assert d.params.substrate_km.to("uM").magnitude == pytest.approx(2)  # Pristupa 1994
    # synaptosomes: no published Km in the file, so the plan asks for the user's own
    with pytest.raises(ParameterError, match=r"^substrate_km: .*\[3H\]DA in rat striatal synaptosomes"):
        pk.ReuptakeInhibition(transporter="DAT", system="rat striatal synaptosomes")


def test_uptake_substrate_default_agrees_with_its_help():
    # 1 mCi/mL at 28 Ci/mmol: 1e-3 Ci/mL / 28 Ci/mmol = 3.5714e-5 mmol/mL = 35.714 uM; help and default 35.7 uM
    par = pk.ReuptakeInhibition.parameter("substrate_stock")
    assert "= 35.7 uM" in par.help
    assert par.default_value.to("uM").magnitude == pytest.approx(35.7)
    assert 1e-3 / 28 * 1e6 == pytest.approx(35.7, rel=5e-4)


def roles_volume(p):
    """Volume per well of each role from the plan's additions."""
    out = {}
    for a in p.additions:
        for r in a.roles:
            out[r] = out.get(r, 0.0) + (0.0 if a.volume is None else a.volume.to("uL").magnitude)
    return out


@pytest.mark.parametrize("cls, values", [
    (pk.RadioligandBinding, {}),
    (pk.RadioligandBinding, {"mode": "saturation"}),
    (pk.ReuptakeInhibition, {}),
    (pk.ReuptakeInhibition, {"readout": "fluorescence kinetic", "substrate": "fluorescent substrate",
                             "substrate_km": "500 nM"}),
    (pk.ReuptakeInhibition, {"transporter": "DAT", "system": "rat striatal synaptosomes", "substrate_km": "1 uM"}),
    (pk.ReuptakeInhibition, {"transporter": "DAT", "system": "rat striatal synaptosomes", "substrate_km": "1 uM",
                             "readout": "fluorescence kinetic", "substrate": "fluorescent substrate"}),
])
def test_every_well_holds_the_well_volume_and_every_material_has_a_row_and_a_step(cls, values):
    p = cls(**values)
    well = p.params.well_volume.to("uL").magnitude
    roles = set(p.layout["role"])
    assert set(roles_volume(p)) == roles
    for role, total in roles_volume(p).items():
        assert total == pytest.approx(well), role
    reagents = set(p.reagents["reagent"].str.strip())
    steps = {s.id: s.text for s in p.checklist}
    for a in p.additions:
        assert a.reagent.strip() in reagents, a
        assert a.step_id in steps, a
        if a.volume is not None:
            assert format_quantity(a.volume) in steps[a.step_id], (a, steps[a.step_id])


def test_striatal_synaptosomes_are_added_and_spoken_of_as_synaptosomes():
    p = pk.ReuptakeInhibition(transporter="DAT", system="rat striatal synaptosomes", substrate_km="1 uM")
    # 200 uL = 110 KRH + 20 compound + 50 synaptosomes + 20 substrate
    assert p.buffer_fill.to("uL").magnitude == pytest.approx(110)
    steps = {s.id: s.text for s in p.checklist}
    assert "Add 50 µL synaptosome suspension to every well" in steps["ru-add-system"]
    assert "Add 110 µL warm KRH to every well" in steps["ru-wash-cells"]
    text = " ".join(steps.values())
    assert "cells" not in text
    assert p.params.termination == "rapid filtration" and p.params.cells_per_well is None
    assert "filter the synaptosomes" in steps["ru-stop"]
    # 48 wells x 50 uL x 1.2 = 2880 uL of suspension
    rows = p.reagents.set_index("reagent")
    assert rows.loc["Synaptosome suspension (rat striatal synaptosomes)", "total"] == pytest.approx(2.88)
    with pytest.raises(ParameterError, match="^termination: 'aspirate and wash' cannot stop uptake"):
        p.with_values(termination="aspirate and wash")
    with pytest.raises(ParameterError, match="^system: 'JAR' does not say whether"):
        pk.ReuptakeInhibition(system="JAR", substrate_km="500 nM")


def test_blank_wells_hold_the_well_volume():
    # fluorescence: 3 blanks, 160 KRH + 20 KRH + 1% DMSO (compound slot) + 20 KRH (substrate slot) = 200 uL
    p = pk.ReuptakeInhibition(readout="fluorescence kinetic", substrate="fluorescent substrate",
                              substrate_km="500 nM")
    assert roles_volume(p)["blank"] == pytest.approx(200)
    steps = {s.id: s.text for s in p.checklist}
    assert "to the vehicle and blank wells" in steps["ru-add-compound"]
    assert "(20 µL KRH to the blanks)" in steps["ru-start"]
