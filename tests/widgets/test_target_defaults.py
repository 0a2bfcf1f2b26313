"""The form refills the assay system's defaults when the target (binding) or the transporter
(uptake) changes, as ``p.with_values(target=...)`` does in Python: fields the user did not
type follow the new target; fields the user typed are kept (issue 14)."""
import protocol_kit as pk
from protocol_kit.widgets.fields import split_value


def shown(app, name):
    f = app.plan_view.fields[name]
    return f.control.value, (f.unit.value if f.unit is not None else None)


def expected(app, protocol, name):
    return split_value(app.plan_view.plan.specs[name], getattr(protocol.params, name))


def test_a_new_target_brings_its_own_system(app, binding):
    pv = app.plan_view
    pv.fields["target"].control.value = "NET"
    # the assay-system file's NET row: [3H]nisoxetine on hNET membranes, desipramine for NSB,
    # Kd 13.8 nM and [L] = Kd (protocol_kit/reference, DOMAIN.md)
    assert shown(app, "radioligand")[0] == "[3H]nisoxetine"
    assert shown(app, "nsb_drug")[0] == "desipramine"
    assert shown(app, "membrane_source")[0] == "HEK293 cells expressing human NET"
    assert shown(app, "radioligand_kd") == ("13.8", "nM") and shown(app, "radioligand_conc") == ("13.8", "nM")
    python = binding.with_values(target="NET")   # what Python plans for the same change
    for name in binding.system_fields:
        assert shown(app, name) == expected(app, python, name), name
    assert app.session.plan.protocol.params.radioligand == "[3H]nisoxetine"
    assert app.session.plan.protocol.warnings == python.warnings
    assert "[3H]nisoxetine" in pv.reagents.value
    # the refilled fields are not counted as typed: back to SERT, they follow again
    pv.fields["target"].control.value = "SERT"
    assert shown(app, "radioligand")[0] == "[3H]citalopram" and shown(app, "radioligand_kd") == ("1.5", "nM")


def test_a_typed_value_is_kept_when_the_target_changes(app, binding):
    pv = app.plan_view
    pv.fields["nsb_drug"].control.value = "paroxetine"
    pv.fields["radioligand_kd"].control.value = "2"         # nM, the unit beside it
    pv.fields["target"].control.value = "NET"
    assert shown(app, "nsb_drug")[0] == "paroxetine"         # typed: kept
    assert shown(app, "radioligand_kd") == ("2", "nM")        # typed: kept
    assert shown(app, "radioligand_conc") == ("2", "nM")      # not typed: [L] = the Kd given
    assert shown(app, "radioligand")[0] == "[3H]nisoxetine"   # not typed: NET's
    python = binding.with_values(nsb_drug="paroxetine", radioligand_kd="2 nM").with_values(target="NET")
    for name in binding.system_fields:
        assert shown(app, name) == expected(app, python, name), name


def test_a_new_transporter_brings_its_own_uptake_system(store_path, tmp_path):
    u = pk.ReuptakeInhibition()
    app = u.form(store=store_path, out_dir=tmp_path / "out")
    app.plan_view.fields["transporter"].control.value = "DAT"
    # the DAT row: hDAT-HEK293 cells, [3H]DA with Km 2 µM, GBR 12909 as the reference inhibitor
    assert shown(app, "system")[0] == "hDAT-HEK293 cells"
    assert shown(app, "substrate")[0] == "[3H]DA"
    assert shown(app, "reference_inhibitor")[0] == "GBR 12909"
    assert shown(app, "substrate_km") == ("2", "uM")          # 2000 nM, shown in the unit that reads best
    python = u.with_values(transporter="DAT")
    for name in u.system_fields:
        assert shown(app, name) == expected(app, python, name), name
    assert app.session.plan.protocol.params.substrate == "[3H]DA"


def test_a_protocol_built_with_values_keeps_them_as_typed(store_path, tmp_path):
    p = pk.RadioligandBinding(nsb_drug="paroxetine")
    app = p.form(store=store_path, out_dir=tmp_path / "out")
    app.plan_view.fields["target"].control.value = "NET"
    assert shown(app, "nsb_drug")[0] == "paroxetine" and shown(app, "radioligand")[0] == "[3H]nisoxetine"
