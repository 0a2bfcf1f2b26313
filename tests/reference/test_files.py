"""Users' own reference files: added on top of the shipped library, validated line by line."""
import pytest

import protocol_kit.reference as ref
from protocol_kit import DataFormatError

HEADER = "drug,target,low,high,value,qualifier,unit,species,source,note\n"


@pytest.fixture
def restore_library():
    yield
    ref.reset()


def write(tmp_path, text, name="mine.csv"):
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    return f


def test_a_users_file_adds_compounds_and_targets(tmp_path):
    f = write(tmp_path, "# my lab's values\n" + HEADER +
              "PK-101,SERT,,,3,,nM,human,ELN run 12,\n"
              "PK-101,5-HT2A,1.2,4.8,,,uM,rat,ELN run 14,own target\n")
    lib = ref.load(f)
    assert lib.ki("pk-101", "5-HTT").value.to("nM").magnitude == pytest.approx(3)
    r = lib.ki("PK-101", "5-ht2a")  # a new target, matched case-insensitively
    assert (r.low.to("nM").magnitude, r.high.to("nM").magnitude) == (pytest.approx(1200), pytest.approx(4800))
    assert r.source == "ELN run 14" and r.species == "rat"
    assert lib.ki("sertraline", "SERT").value.to("nM").magnitude == pytest.approx(0.29)  # shipped still there
    assert len(lib.table()) == 43 + 2
    assert len(ref.load(f, with_shipped=False).table()) == 2


def test_a_later_file_takes_precedence_for_the_same_part(tmp_path):
    f = write(tmp_path, HEADER + "sertraline,SERT,0.5,1.5,,,nM,,my review,\n")
    r = ref.shipped().with_file(f).ki("sertraline", "SERT")
    # the range comes from the user's file; the point value still from seed 000
    assert (r.low.to("nM").magnitude, r.high.to("nM").magnitude) == (0.5, 1.5)
    assert r.value.to("nM").magnitude == pytest.approx(0.29)
    assert r.source == "seed 000 binding-profile table (value); my review (range)"


def test_add_file_changes_the_library_in_use_until_reset(tmp_path, restore_library):
    f = write(tmp_path, HEADER + "PK-101,NET,,,40,,nM,,my lab,\n")
    ref.add_file(f)
    assert ref.ki("PK-101", "NET").value.to("nM").magnitude == 40
    assert ref.library().files == ("protocol_kit:antidepressants.csv", str(f))
    ref.reset()
    with pytest.raises(KeyError, match="unknown drug 'PK-101'"):
        ref.ki("PK-101", "NET")


@pytest.mark.parametrize("row, message", [
    ("PK-1,SERT,x,2,,,nM,,lab,", r"line 2: low 'x' is not a number; allowed: a positive number"),
    ("PK-1,SERT,-1,2,,,nM,,lab,", r"line 2: low '-1' is not allowed; allowed: a positive finite number"),
    ("PK-1,SERT,3,2,,,nM,,lab,", r"line 2: low '3' is not allowed; allowed: below high \(2\)"),
    ("PK-1,SERT,2,2,,,nM,,lab,", r"line 2: low '2' is not allowed; allowed: below high \(2\); for a single"),
    ("PK-1,SERT,2,,,,nM,,lab,", r"line 2: low '2' is given without its other end"),
    ("PK-1,SERT,,5,,,nM,,lab,", r"line 2: high '5' is given without its other end"),
    ("PK-1,SERT,,100,,>,nM,,lab,", r"line 2: qualifier '>' needs low and no high"),
    ("PK-1,SERT,100,,,<,nM,,lab,", r"line 2: qualifier '<' needs high and no low"),
    ("PK-1,SERT,100,,,>=,nM,,lab,", r"line 2: qualifier '>=' is not allowed; allowed: empty, '>'"),
    ("PK-1,SERT,100,,5,>,nM,,lab,", r"line 2: value '5' is given with a bound"),
    ("PK-1,SERT,,,5,,mg,,lab,", r"line 2: unit 'mg' is not allowed; allowed: a concentration unit"),
    ("PK-1,SERT,,,5,,,,lab,", r"line 2: unit '' is not allowed"),
    ("PK-1,SERT,,,5,,nM,,,", r"line 2: source '' is empty; allowed: a non-empty text naming where"),
    ("PK-1,,,,5,,nM,,lab,", r"line 2: target '' is empty"),
    ("PK-1,SERT,,,,,nM,,lab,", r"line 2: no Ki; allowed: low and high, value, or a bound"),
    ("PK-1,SERT,,,5,,nM,,lab", r"line 2: 9 fields; allowed: 10"),
    ('PK-1,SERT,,,"10,000",,nM,,lab,', r"line 2: value '10,000' is not a number; allowed: a positive number "
                                       r"\(no thousands separators\)"),
])
def test_bad_rows_are_reported_with_file_line_column_and_value(tmp_path, row, message):
    f = write(tmp_path, HEADER + row + "\n")
    with pytest.raises(DataFormatError, match=rf"^{tmp_path}/mine\.csv {message}"):
        ref.load(f)


def test_the_line_number_counts_comments_and_blank_lines(tmp_path):
    f = write(tmp_path, "# values\n\n" + HEADER + "PK-1,SERT,,,5,,nM,,lab,\n# next\nPK-1,NET,,,x,,nM,,lab,\n")
    with pytest.raises(DataFormatError, match=r"mine\.csv line 6: value 'x' is not a number"):
        ref.load(f)


def test_a_second_value_for_the_same_drug_target_and_species_is_refused(tmp_path):
    f = write(tmp_path, HEADER + "PK-1,SERT,,,5,,nM,human,lab A,\nPK-1,5-HTT,,,7,,nM,Human,lab B,\n")
    with pytest.raises(DataFormatError, match=r"line 3: a second value for PK-1 at SERT \(Human\).*first on line 2"):
        ref.load(f)


@pytest.mark.parametrize("header, message", [
    ("drug,target,low,high,value,qualifier,unit,species,source,note,extra", r"unknown column 'extra'"),
    ("drug,target,low,high,value,qualifier,unit,species,note", r"missing column 'source'"),
    ("drug,drug,target,low,high,value,qualifier,unit,species,source", r"a repeated column"),
])
def test_bad_headers(tmp_path, header, message):
    f = write(tmp_path, header + "\n")
    with pytest.raises(DataFormatError, match=rf"mine\.csv line 1: {message} in the header; allowed: drug,target"):
        ref.load(f)


def test_the_note_column_is_optional_and_a_bom_is_accepted(tmp_path):
    f = tmp_path / "excel.csv"
    f.write_bytes("\ufeffdrug,target,low,high,value,qualifier,unit,species,source\nPK-1,DAT,,,2,,µM,,lab\n"
                  .encode("utf-8"))
    assert ref.load(f).ki("PK-1", "DAT").value.to("nM").magnitude == pytest.approx(2000)  # 2 µM


def test_missing_empty_and_non_utf8_files(tmp_path):
    with pytest.raises(DataFormatError, match=r"nothere\.csv: no such reference file"):
        ref.load(tmp_path / "nothere.csv")
    with pytest.raises(DataFormatError, match=r"empty\.csv: no header line"):
        ref.load(write(tmp_path, "# nothing yet\n", "empty.csv"))
    latin = tmp_path / "latin.csv"
    latin.write_bytes((HEADER + "PK-1,DAT,,,2,,\xb5M,,lab,\n").encode("latin-1"))
    with pytest.raises(DataFormatError, match=r"latin\.csv: not UTF-8 text"):
        ref.load(latin)


@pytest.mark.parametrize("value", ["1_000", "1e999"])
def test_numbers_python_would_read_are_refused_by_the_one_rule(tmp_path, value):
    # float("1_000") is 1000 and float("1e999") is inf: typed_numbers refuses both
    f = tmp_path / "mine.csv"
    f.write_text("drug,target,low,high,value,qualifier,unit,species,source,note\n"
                 f"PK-1,SERT,,,{value},,nM,,lab,\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=rf"mine\.csv line 2: value '{value}' is not a number"):
        ref.load(f)
