"""Forms a lender's table arrives in besides plain CSV: Weka's ARFF, a two-row header, and the binary
formats that are refused by name (docs/risk-models.md §2; workbooks and Parquet: test_pd_reading_sheets.py)."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from creditline.risk.models import InvalidData, TrainingOptions, read_table, resolve_column
from creditline.risk.models.reading import second_header
from creditline.risk.models.training import prepare

CREDIT_G = """% 1. Title: German Credit data
% (OpenML's credit-g, as Weka writes it)
@RELATION german_credit

@attribute 'checking_status' { '<0', '0<=X<200', 'no checking', '>=200'}
@attribute 'duration' real
@attribute 'credit history' {'all paid','existing paid',"critical/other"}
@attribute credit_amount REAL
@attribute purpose string
@attribute class{good,bad}

@data
'<0',6,'critical/other',1169,radio/tv,good
'0<=X<200', 48, 'existing paid', 5951, 'it\\'s new', bad
% a comment among the rows
'no checking',?,'all paid',2096,?,good
"""


def write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_an_arff_file_is_named_by_its_attributes_and_unquoted(tmp_path):
    table = read_table(write(tmp_path, "credit-g.arff", CREDIT_G.encode()))
    assert list(table.frame.columns) == ["checking_status", "duration", "credit history", "credit_amount", "purpose", "class"]
    assert table.frame.to_dict("list") == {
        "checking_status": ["<0", "0<=X<200", "no checking"],
        "duration": ["6", "48", "?"],
        "credit history": ["critical/other", "existing paid", "all paid"],
        "credit_amount": ["1169", "5951", "2096"],
        "purpose": ["radio/tv", "it's new", "?"],  # OpenML writes `radio/tv` unquoted
        "class": ["good", "bad", "good"],
    }
    assert table.has_header and "read as Weka ARFF (relation 'german_credit'), 6 columns" in table.warnings[0]


def test_an_arff_file_quoted_with_double_quotes_and_crlf_inside_a_zip(tmp_path):
    text = '@relation r\r\n@attribute "home ownership" {"RENT","OWN"}\r\n@attribute income numeric\r\n@attribute bad {0,1}\r\n@data\r\n"RENT",1200.5,0\r\n"OWN",?,1\r\n'
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("loans.arff", text)
    table = read_table(write(tmp_path, "loans.zip", packed.getvalue()))
    assert table.frame.to_dict("list") == {"home ownership": ["RENT", "OWN"], "income": ["1200.5", "?"], "bad": ["0", "1"]}


def test_an_arff_file_trains_with_its_target_named_by_its_header(tmp_path):
    rows = "\n".join(f"'{'<0' if i % 3 else 'no checking'}',{6 + i % 40},{1000 + 37 * i},{'bad' if i % 3 and i % 2 else 'good'}" for i in range(300))
    path = write(tmp_path, "g.arff", f"@relation g\n@attribute checking {{'<0','no checking'}}\n@attribute duration numeric\n@attribute amount numeric\n@attribute class {{good,bad}}\n@data\n{rows}\n".encode())
    prepared = prepare(read_table(path), TrainingOptions(target="class", positive=("bad",)))
    assert [spec.name for spec in prepared.specs] == ["checking", "duration", "amount"]
    assert prepared.target.sum() == sum(1 for i in range(300) if i % 3 and i % 2)
    assert prepared.specs[0].categories and set(prepared.specs[0].categories) == {"<0", "no checking"}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("@relation r\n@attribute a numeric\n@attribute b numeric\n@data\n{0 1, 1 2}\n{1 5}\n", "sparse ARFF rows"),
        ("@relation r\n@attribute a numeric\n@attribute b numeric\n@data\n1,2,3\n4,5,6\n", "hold 3 values where its header declares 2"),
        ("@relation r\n@attribute a numeric\n@attribute bag relational\n@end bag\n@data\n", "relational ARFF attributes ('bag')"),
        ("@relation r\n@attribute a numeric\n1,2\n", "line 3: not an ARFF header line"),
        ("@relation r\n@attribute a numeric\n@attribute b numeric\n", "without an @data line"),
        ("@relation r\n@data\n1,2\n", "no @attribute before @data"),
        ("@relation r\n@attribute a complex\n@data\n1\n", "unknown ARFF attribute type 'complex'"),
        ("@relation r\n@attribute a numeric\n@attribute b numeric\n@data\n", "no data rows"),
    ],
)
def test_a_broken_arff_file_is_refused_naming_what(tmp_path, text, words):
    with pytest.raises(InvalidData) as raised:
        read_table(write(tmp_path, "r.arff", text.encode()))
    assert raised.value.field == "data" and words in raised.value.message


TAIWAN = ",X1,X2,X3,Y\nID,LIMIT_BAL,SEX,EDUCATION,default payment next month\n1,20000,2,2,1\n2,120000,2,2,1\n3,90000,2,2,0\n"


def test_a_second_header_row_names_the_columns_and_the_first_rows_names_still_resolve(tmp_path):
    table = read_table(write(tmp_path, "taiwan.csv", TAIWAN.encode()))
    columns = list(table.frame.columns)
    assert columns == ["ID", "LIMIT_BAL", "SEX", "EDUCATION", "default payment next month"]
    assert table.frame["LIMIT_BAL"].tolist() == ["20000", "120000", "90000"]
    assert table.aliases == {"X1": "LIMIT_BAL", "X2": "SEX", "X3": "EDUCATION", "Y": "default payment next month"}
    assert resolve_column(columns, "Y", "target", table.aliases) == "default payment next month"
    assert resolve_column(columns, "default payment next month", "target", table.aliases) == "default payment next month"
    assert "a second header row" in table.warnings[0] and "X1 = LIMIT_BAL" in table.warnings[0]


def test_a_grouped_heading_row_keeps_its_name_where_the_second_row_is_blank(tmp_path):
    text = "Applicant,Payments,,Outcome\n,amount,count,bad\n1,20,3,0\n2,30,4,1\n3,40,5,0\n"
    table = read_table(write(tmp_path, "grouped.csv", text.encode()))
    assert list(table.frame.columns) == ["Applicant", "amount", "count", "bad"]
    assert table.aliases == {"Payments": "amount", "Outcome": "bad"}


@pytest.mark.parametrize(
    "text",
    [
        "name,city,income,age\nann,paris,100,30\nbob,rome,200,40\ncy,oslo,300,50\n",  # a first row holding numbers
        "income,age,city\nNA,NA,paris\n100,30,rome\n200,40,oslo\n",  # missing codes where numbers go
        "income,age,city\n,,paris\n100,30,rome\n200,40,oslo\n",  # blanks where numbers go
        "city,grade,income\nparis,A,x\nrome,B,100\noslo,C,200\n",  # one numeric column only
        "a,b,c\nx,x,y\n1,2,3\n4,5,6\n",  # the same name twice
    ],
)
def test_a_first_data_row_of_text_is_no_second_header(tmp_path, text):
    table = read_table(write(tmp_path, "t.csv", text.encode()))
    assert table.aliases == {} and not any("second header" in w for w in table.warnings)
    assert len(table.frame) == text.count("\n") - 1


@settings(max_examples=80, deadline=None)
@given(
    width=st.integers(2, 6),
    rows=st.lists(st.lists(st.one_of(st.integers(-999, 999).map(str), st.sampled_from(["", "NA", "?", "n/a", "null"])), min_size=6, max_size=6), min_size=3, max_size=12),
)
def test_rows_of_numbers_and_missing_codes_never_make_a_second_header(width, rows):
    table = [[f"h{i}" for i in range(width)]] + [row[:width] for row in rows]
    assert not second_header(table)


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("db.sqlite", b"SQLite format 3\x00" + bytes(100), "an SQLite database"),
        ("report.pdf", b"%PDF-1.7\n" + bytes(100), "a PDF document"),
    ],
)
def test_binary_formats_are_refused_by_name(tmp_path, name, data, words):
    with pytest.raises(InvalidData) as raised:
        read_table(write(tmp_path, name, data))
    assert words in raised.value.message and "export the table as CSV" in raised.value.message


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("rows.jsonl", '{"income": 84, "age": 18, "bad": 1}\n{"income": 12.5, "bad": 0, "home": "OWN"}\n'),
        ("rows.json", '[\n  {\n    "income": 84,\n    "age": 18,\n    "bad": 1\n  },\n  {"income": 12.5, "bad": 0, "home": "OWN"}\n]\n'),
        ("one-line.json", '[{"income": 84, "age": 18, "bad": 1}, {"income": 12.5, "bad": 0, "home": "OWN"}]'),
    ],
)
def test_json_objects_read_as_rows_by_their_own_names(tmp_path, name, text):
    """An object per line (API and data-lake dumps) or an array of objects: each key a column, a key an
    object lacks a blank. Split by commas as CSV, the first object was the header and `--target last`
    trained on `"key": value` cells; stop 32 refused them by name, now they are read (DuckDB)."""
    table = read_table(write(tmp_path, name, text.encode()))
    assert table.encoding == "json" and table.frame.to_dict("list") == {
        "income": ["84.0", "12.5"], "age": ["18", ""], "bad": ["1", "0"], "home": ["", "OWN"]}  # fmt: skip


MARKUP = "an HTML or XML document, not a delimited text (CSV) file: save or export the table as CSV"


def test_json_lines_inside_a_zip_are_read(tmp_path):
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("dump/loans.jsonl", '{"income": 84, "bad": 1}\n{"income": 12.5, "bad": 0}\n')
    table = read_table(write(tmp_path, "dump.zip", packed.getvalue()))
    assert table.source.endswith("dump.zip!dump/loans.jsonl") and table.encoding == "json"
    assert table.frame.to_dict("list") == {"income": ["84.0", "12.5"], "bad": ["1", "0"]}


@pytest.mark.parametrize(
    ("name", "text", "words"),
    [
        ("page.html", "<!DOCTYPE html>\n<html><body><table><tr><td>1</td></tr></table></body></html>\n", MARKUP),
        ("export.xml", '<?xml version="1.0"?>\n<rows><row a="1"/></rows>\n', MARKUP),
        ("object.json", '{\n "rows": [1, 2]\n}\n', "columns of lists, structs, bytes or times of day (rows)"),
        ("nested.jsonl", '{"id": 1, "address": {"city": "X"}}\n', "columns of lists, structs, bytes or times of day (address)"),
        ("cut.jsonl", '{"income": 84, "bad": 1}\n{"income": \n', "a JSON-lines file that cannot be read"),
    ],
)
def test_markup_and_json_that_is_no_table_are_refused_naming_why(tmp_path, name, text, words):
    with pytest.raises(InvalidData) as raised:
        read_table(write(tmp_path, name, text.encode()))
    assert words in raised.value.message and raised.value.field == "data"


@pytest.mark.parametrize(
    "text",
    ["[id],[income],[bad]\n1,20,0\n2,30,1\n", "{a},{b},{c}\n1,2,3\n4,5,6\n", "<25,25-34,bad\n1,2,0\n3,4,1\n"],
    ids=["sql-server-names", "braced-names", "a-band-name"],
)
def test_tables_whose_header_starts_like_json_or_markup_are_tables(tmp_path, text):
    table = read_table(write(tmp_path, "t.csv", text.encode()))
    assert len(table.frame) == 2 and len(table.frame.columns) == 3


def test_a_windows_1252_export_keeps_its_euro_signs_and_smart_quotes(tmp_path):
    """Excel's CSV on a German Windows: `€` is byte 0x80, which Latin-1 reads as an invisible control."""
    text = "Betrag;Notiz;Status\n" + "".join(f"{i}.234,56 €;„gut“ – {i}…;{i % 2}\n" for i in range(1, 30))
    table = read_table(write(tmp_path, "de.csv", text.encode("cp1252")))
    assert table.encoding == "cp1252"
    assert table.frame["Betrag"].iloc[0] == "1.234,56 €" and table.frame["Notiz"].iloc[0] == "„gut“ – 1…"


def test_bytes_windows_1252_leaves_unassigned_read_as_latin_1(tmp_path):
    text = b"a;b\n" + b"".join(b"x\x81y;%d\n" % i for i in range(20))
    table = read_table(write(tmp_path, "odd.csv", text))
    assert table.encoding == "latin-1" and table.frame["a"].iloc[0] == "x\x81y"
