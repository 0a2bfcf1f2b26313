import pytest

from protocol_kit import DimensionError, ParameterError
from protocol_kit.protocols.defaults import quantity_text
from protocol_kit.units import Q_, format_molar, format_quantity, parse_quantity, to_molar, unit_text


@pytest.mark.parametrize("text", ["10 uM", "10 µM", "10 μM", "1e-5 M", "10", 10, 10.0, "0.01 mM", "10000 nM"])
def test_every_spelling_of_ten_micromolar_parses(text):
    # 1e-5 M = 10 uM; 0.01 mM = 10 uM; 10000 nM = 10 uM (SI prefixes)
    assert parse_quantity(text, "uM", field="top_conc").magnitude == pytest.approx(10.0)


def test_plain_number_is_taken_in_the_declared_unit():
    assert parse_quantity("2", "uL/min", field="flow_rate").magnitude == 2.0


def test_conversion_between_units_of_a_ratio():
    # 0.5 g/kg x 1000 mg/g = 500 mg/kg
    assert parse_quantity("0.5 g/kg", "mg/kg", field="dose").magnitude == pytest.approx(500.0)


@pytest.mark.parametrize("value, word", [("5 uL", "volume"), ("3 mg", "mass"), ("1 h", "time")])
def test_wrong_dimension_names_field_value_and_dimension(value, word):
    with pytest.raises(DimensionError) as exc:
        parse_quantity(value, "uM", field="top_conc")
    msg = str(exc.value)
    assert msg.startswith("top_conc: ")
    assert repr(value) in msg and word in msg and "concentration" in msg


@pytest.mark.parametrize("value", ["", "abc", "3 +", "nan", "inf", True, None, [1]])
def test_unreadable_values_raise_parameter_error(value):
    with pytest.raises(ParameterError, match="^x: "):
        parse_quantity(value, "uM", field="x")


def test_to_molar_and_formatting():
    assert to_molar("1.5 nM") == pytest.approx(1.5e-9)
    assert format_molar(5.6452e-11) == "56.5\u00a0pM"
    assert format_quantity(parse_quantity("250 µL", "uL")) == "250 µL"
    assert format_molar(float("nan")) == "nan\u00a0M"  # a missing value shows, never vanishes


@pytest.mark.parametrize("molar, text", [
    # powers of ten land exactly on a unit boundary; floating point gives 999.9999999999999 nM for 1e-6 M
    (1e-6, "1\u00a0µM"), (1e-9, "1\u00a0nM"), (1e-12, "1\u00a0pM"), (1e-3, "1\u00a0mM"),
    (3e-7, "300\u00a0nM"), (1e-5 / 3 ** 11, "56.5\u00a0pM"),
    (9.9999e-7, "1\u00a0µM"),  # 999.99 nM rounds to 1000 nM at 3 digits: 1 µM
    (5e-13, "500\u00a0fM"),  # below 1 pM in fM
    (-2.5e-9, "-2.5\u00a0nM"),
])
def test_format_molar_picks_the_unit_that_reads_naturally(molar, text):
    # 1e-5 / 3^11 = 1e-5 / 177147 = 5.64503e-11 M = 56.4503 pM -> 3 significant digits "56.5"
    assert format_molar(molar) == text


# Numbers in quantities are read by the one rule of protocol_kit.typed_numbers (issue 13, item 4):
# pint alone reads "1,5" as 15 and "1 000 nM" as 1 x 000 nM = 0.
@pytest.mark.parametrize("text, unit, value", [
    ("1,5 mg/kg", "mg/kg", 1.5), ("1,5", "mg/kg", 1.5), ("0,25 uM", "nM", 250.0),  # 0.25 µM = 250 nM
    ("1,5mg/kg", "mg/kg", 1.5), ("-2,5 nM", "nM", -2.5), ("1,0e-3 M", "mM", 1.0),  # 1e-3 M = 1 mM
])
def test_a_decimal_comma_is_read_as_a_decimal(text, unit, value):
    assert parse_quantity(text, unit, field="dose").magnitude == pytest.approx(value)


@pytest.mark.parametrize("text, why", [
    ("1,000 nM", "ambiguous"), ("12,345", "ambiguous"), ("1,000.5 nM", "thousands"),
    ("1 000 nM", "not a unit"), ("1_000 nM", "not a unit"), ("1e999 nM", "infinite"),
    ("inf nM", "finite"), ("2*3 nM", "not a unit"), ("nM", "does not start with a number"),
])
def test_ambiguous_grouped_or_non_finite_numbers_are_refused(text, why):
    with pytest.raises(ParameterError, match=f"^top_conc: .*{why}"):
        parse_quantity(text, "nM", field="top_conc")


def test_the_micro_prefix_prints_as_the_micro_sign_whatever_pint_prints():
    # pint 0.26 prints Greek mu (U+03BC); every sheet and message writes the micro sign (U+00B5)
    assert f"{Q_(5, 'uM'):~P}" == "5 \u00b5M" and unit_text("uL") == "\u00b5L"
    assert Q_("1 \u03bcL") == Q_("1 \u00b5L") == Q_(1e-3, "mL")   # both spellings still parse: 1 µL = 0.001 mL


MICRO_UNITS = ["uM", "uL", "ug", "umol", "uL/min", "ug/kg", "uCi", "us"]


@pytest.mark.parametrize("spec", MICRO_UNITS)
def test_every_way_a_micro_unit_is_printed_writes_the_micro_sign(spec):
    # Every abbreviated form that reaches a user or a record: pint's default str (the registry's
    # "~P"), its "~", "~P", "~D", "~C" and "~H" format specs (records and parameter text use "~"),
    # and the package's own unit_text, format_quantity and quantity_text. Pint 0.26 prints
    # U+03BC where 0.24 printed U+00B5; the registry's own definition decides, not pint's.
    q = Q_(5, spec)
    texts = [str(q), str(q.units), f"{q}", unit_text(spec), format_quantity(q), quantity_text(q)]
    texts += [format(q, f) for f in ("~", "~P", "~D", "~C", "~H")] + [format_molar(5e-6)]
    for text in texts:
        assert "\u00b5" in text and "\u03bc" not in text, (spec, text)
