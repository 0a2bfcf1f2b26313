"""Numbers as the reports print them (values worked out by hand)."""
import math

from protocol_kit.reports.numbers import ci, fixed, molar, num


def test_molar_rounds_before_choosing_the_unit():
    # 1e-6 M is 999.999... nM in floating point: rounded first, it is 1 µM, not '1e+03 nM'
    assert molar(1e-6) == "1\u00a0µM" and molar(9.999999999999999e-07) == "1\u00a0µM"
    assert molar(1e-9) == "1\u00a0nM" and molar(3.0333e-10) == "303\u00a0pM" and molar(5.6449e-11) == "56.4\u00a0pM"
    assert molar(9.996e-7) == "1\u00a0µM"  # 999.6 nM rounds to 3 figures as 1000 nM = 1 µM
    assert molar(1.2345e-5) == "12.3\u00a0µM" and molar(0.0012) == "1.2\u00a0mM"
    assert molar(0.0) == molar(None) == molar(math.nan) == "—"


def test_fixed_num_and_intervals():
    assert fixed(-0.04, 1) == "0.0" and fixed(-0.06, 1) == "-0.1" and fixed(None) == "—"
    assert num(875.666, 4) == "875.7" and num(41347.2, 4) == "41347" and num("inf") == "inf"
    assert ci((4.5675e-10, 8.0576e-10), molar) == "95% CI 457\u00a0pM to 806\u00a0pM"
    assert ci((None, 1.0)) == "" and ci(None) == ""


def test_flags_in_words_carry_their_sentences():
    from protocol_kit.reports.flag_words import flag_rows

    rows = flag_rows(("low_z_prime", "excluded_animals", "new_flag"),
                     ("low_z_prime: Z' 0.31 (< 0.5); the controls overlap", "excluded: R03 (probe misplaced)",
                      "statistics: too few animals"))
    assert [r["code"] for r in rows] == ["low_z_prime", "excluded_animals", "new_flag", ""]
    assert rows[0]["details"] == ["Z' 0.31 (< 0.5); the controls overlap"] and "overlap" in rows[0]["meaning"]
    assert rows[1]["details"] == ["R03 (probe misplaced)"]
    assert rows[2]["meaning"] == "see the analysis notes" and rows[2]["details"] == []
    assert rows[3]["details"] == ["statistics: too few animals"]
