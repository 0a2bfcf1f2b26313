"""Contract tests generated from every registered protocol's parameter declarations."""
import pint
import pytest

import protocol_kit as pk
from protocol_kit import ParameterError, UnknownNameError
from protocol_kit.core.params import Parameter


def _cases(kind):
    for pid in pk.protocol_ids():
        for param in pk.protocol_class(pid).parameters:
            examples = param.valid_examples() if kind == "valid" else param.invalid_examples()
            for i, value in enumerate(examples):
                yield pytest.param(pid, param.name, value, id=f"{pid}-{param.name}-{i}")


@pytest.mark.parametrize("pid, name, value", list(_cases("valid")))
def test_declared_valid_values_are_accepted(pid, name, value):
    param = pk.protocol_class(pid).parameter(name)
    out = param.validate(value)
    if param.kind == "quantity" and out is not None:
        assert isinstance(out, pint.Quantity)
        assert out.units == pk.ureg.Unit(param.unit.replace("µ", "u"))


@pytest.mark.parametrize("pid, name, value", list(_cases("invalid")))
def test_declared_invalid_values_are_refused_naming_the_parameter(pid, name, value):
    param = pk.protocol_class(pid).parameter(name)
    with pytest.raises(ParameterError) as exc:
        param.validate(value)
    assert str(exc.value).startswith(f"{name}: ")
    assert "allowed:" in str(exc.value)


def test_every_protocol_builds_with_its_defaults(protocol_id):
    p = pk.get_protocol(protocol_id)
    assert set(p.values) == {q.name for q in p.parameters}


def test_every_parameter_has_label_help_group_and_a_valid_default(protocol_id):
    for param in pk.protocol_class(protocol_id).parameters:
        assert param.label and param.help and param.group
        param.validate(param.default)


def test_unknown_parameter_suggests_the_near_miss():
    with pytest.raises(UnknownNameError, match="did you mean 'top_conc'"):
        pk.RadioligandBinding(topconc="1 uM")


def test_a_bad_value_through_the_protocol_names_the_parameter():
    with pytest.raises(ParameterError, match=r"^radioligand_conc: '5 uL' is a volume"):
        pk.RadioligandBinding(radioligand_conc="5 uL")


def test_choice_is_case_insensitive_and_suggests():
    assert pk.RadioligandBinding(mode="Saturation").params.mode == "saturation"
    with pytest.raises(ParameterError, match="did you mean 'competition'"):
        pk.RadioligandBinding(mode="competiton")


def test_integer_parameter_refuses_fractions_and_keeps_the_given_value_in_the_message():
    with pytest.raises(ParameterError, match=r"^replicates: '40' is out of range; allowed: a whole number from 1 to 12"):
        pk.RadioligandBinding(replicates="40")
    with pytest.raises(ParameterError, match="is not a whole number"):
        pk.RadioligandBinding(replicates=2.5)


def test_a_default_outside_its_range_is_a_declaration_error():
    with pytest.raises(ParameterError):
        Parameter("n", "N", 0, "help", "group", low=1, high=3)


def test_all_problems_are_collected_for_forms():
    with pytest.raises(ParameterError) as exc:
        pk.RadioligandBinding(replicates=0, n_conc=1)
    assert {e.field for e in exc.value.problems} == {"replicates", "n_conc"}


def test_protocol_values_are_immutable():
    p = pk.RadioligandBinding()
    with pytest.raises(Exception):
        p.params.replicates = 5
    assert p.with_values(replicates=2).params.replicates == 2
    assert p.params.replicates == 3


PUBLIC_NAMES = {
    # the parameter names the foundation issue makes part of the public interface
    "radioligand-binding": ["target", "radioligand", "radioligand_conc", "radioligand_kd", "compound", "top_conc",
                            "dilution_factor", "n_conc", "replicates", "well_volume", "plate_format", "nsb_drug",
                            "nsb_conc"],
    "reuptake-inhibition": ["substrate", "substrate_conc", "substrate_km", "compound", "top_conc", "dilution_factor",
                            "n_conc", "replicates", "plate_format", "reference_inhibitor"],
    "microdialysis": ["flow_rate", "fraction_interval", "baseline_fractions", "post_dose_duration", "dose",
                      "injection_volume", "n_animals", "body_weight", "region"],
}


@pytest.mark.parametrize("pid", sorted(PUBLIC_NAMES))
def test_public_parameter_names_exist(pid):
    names = {p.name for p in pk.protocol_class(pid).parameters}
    assert set(PUBLIC_NAMES[pid]) <= names


def test_notebook_repr_is_a_table(protocol_id):
    html = pk.get_protocol(protocol_id)._repr_html_()
    assert "<table>" in html and pk.get_protocol(protocol_id).title in html


def test_from_toml_reads_a_params_table_and_takes_overrides(tmp_path):
    f = tmp_path / "net.toml"
    f.write_text('[params]\ntarget = "NET"\nradioligand = "[3H]nisoxetine"\nnsb_drug = "desipramine"\n'
                 'replicates = 2\n', encoding="utf-8")
    p = pk.RadioligandBinding.from_toml(f, n_conc=8)
    assert (p.params.target, p.params.nsb_drug, p.params.replicates, p.params.n_conc) == ("NET", "desipramine", 2, 8)
    # (8 concentrations + total + NSB) x 2 replicates = 20 wells
    assert len(p.layout) == 20


def test_numbers_typed_with_a_decimal_comma_are_read_by_the_one_rule():
    # issue 13, item 4: "1,5" is 1.5 or an error, never 15
    assert pk.Microdialysis(dose="1,5").params.dose == pk.Q_(1.5, "mg/kg")
    assert pk.Microdialysis(dose="1,5 mg/kg").params.dose == pk.Q_(1.5, "mg/kg")
    assert pk.RadioligandBinding(dilution_factor="2,5").params.dilution_factor == 2.5
    with pytest.raises(ParameterError, match="^n_conc: '1,5' is not a whole number"):
        pk.RadioligandBinding(n_conc="1,5")


@pytest.mark.parametrize("name, value, why", [
    ("dose", "1,000", "ambiguous"), ("dilution_factor", "1,000", "ambiguous"), ("n_conc", "1,000", "ambiguous"),
    ("dilution_factor", "1e999", "infinite"), ("n_conc", "inf", "finite"), ("dilution_factor", "nan", "finite"),
    ("dose", float("inf"), "finite"), ("dilution_factor", float("nan"), "finite"),
])
def test_ambiguous_and_non_finite_numbers_are_refused_naming_the_parameter(name, value, why):
    cls = pk.Microdialysis if name == "dose" else pk.RadioligandBinding
    with pytest.raises(ParameterError, match=f"^{name}: .*{why}"):
        cls(**{name: value})


def test_toml_infinity_and_text_numbers_follow_the_rule(tmp_path):
    f = tmp_path / "p.toml"
    f.write_text('dose = inf\n', encoding="utf-8")   # TOML has inf as a float literal
    with pytest.raises(ParameterError, match="^dose: .*finite"):
        pk.Microdialysis.from_toml(f)
    f.write_text('dose = "1,5 mg/kg"\n', encoding="utf-8")
    assert pk.Microdialysis.from_toml(f).params.dose == pk.Q_(1.5, "mg/kg")
