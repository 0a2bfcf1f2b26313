"""The one rule for numbers as typed or written in files (protocol_kit.typed_numbers)."""
import pytest

from protocol_kit.typed_numbers import NumberTextError, parse_number


@pytest.mark.parametrize("text, value", [
    ("1.5", 1.5), ("1,5", 1.5), ("0,02", 0.02), ("0,020", 0.02), ("12,50", 12.5), ("1,0001", 1.0001),
    ("-2,5e-3", -0.0025), (" 3 ", 3.0), ("1e-5", 1e-5), (".5", 0.5),
])
def test_reads(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text, why", [
    ("1,000", "ambiguous"), ("12,345", "ambiguous"), ("999,999", "ambiguous"),
    ("1,000,000", "thousands"), ("1,000.5", "thousands"), ("1.000,5", "thousands"),
    ("nan", "finite"), ("-inf", "finite"), ("1e999", "infinite"), ("", "empty"), ("12 mg", "not a number"),
])
def test_refuses(text, why):
    with pytest.raises(NumberTextError, match=why):
        parse_number(text)


def test_declared_decimal():
    assert parse_number("1,000", decimal=",") == 1.0   # the user said the comma is decimal
    with pytest.raises(NumberTextError, match="comma"):
        parse_number("1,5", decimal=".")


@pytest.mark.parametrize("text, meant", [
    ("1,5", True), ("1,000", True), ("1.000,5", True), ("1e999", True), ("-3", True), (".5", True),
    ("2025-01-01", False), ("1.2.3", False), ("1 000", False), ("inf", False), ("12 mg", False), (",", False),
])
def test_looks_like_number_tells_numbers_from_words_dates_and_versions(text, meant):
    from protocol_kit.typed_numbers import looks_like_number
    assert looks_like_number(text) is meant
