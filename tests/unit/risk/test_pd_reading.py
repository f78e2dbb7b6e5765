"""Reading raw credit files: separators, headers, zips, encodings and what is refused."""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import lzma
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st

from creditline.risk.models import InvalidData, read_table, reading, resolve_column


def write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("text", "separator"),
    [
        ("a,b,c\n1,2,x\n3,4,y\n", ","),
        ("a;b;c\n1,5;2;x\n3;4;y\n", ";"),
        ("a\tb\tc\n1\t2\tx\n3\t4\ty\n", "\t"),
        ("a b c\n1  2 x\n3 4   y\n", "whitespace"),
    ],
)
def test_separator_is_sniffed(tmp_path, text, separator):
    table = read_table(write(tmp_path, "t.csv", text.encode()))
    assert table.separator == separator
    assert list(table.frame.columns) == ["a", "b", "c"]
    assert table.frame["c"].tolist() == ["x", "y"]


def test_headerless_file_names_columns_by_position(tmp_path):
    table = read_table(write(tmp_path, "g.data", b"A11 6 A34 1\nA12 48 A32 2\n"))
    assert not table.has_header
    assert list(table.frame.columns) == ["c1", "c2", "c3", "c4"]
    assert resolve_column(list(table.frame.columns), "last", "target") == "c4"
    assert resolve_column(list(table.frame.columns), "2", "target") == "c2"


def test_blank_header_cell_is_named_by_position(tmp_path):
    table = read_table(write(tmp_path, "g.csv", b",target,x\n1,0,5\n2,1,6\n"))
    assert list(table.frame.columns) == ["c1", "target", "x"]


def test_nested_zip_latin1_tab_file(tmp_path):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("notes.txt", "x")
        archive.writestr("modelling.txt", "1\tS\xe3o Paulo\t0\r\n2\tRecife\t1\r\n".encode("latin-1"))
    outer = io.BytesIO()
    with zipfile.ZipFile(outer, "w") as archive:
        archive.writestr("inner.zip", inner.getvalue())
        archive.writestr("readme.xls", b"\x00\x01")
    table = read_table(write(tmp_path, "data.zip", outer.getvalue()))
    assert table.encoding == "latin-1"
    assert table.frame["c2"].tolist() == ["São Paulo", "Recife"]
    assert table.source.endswith("inner.zip!modelling.txt")


def test_resolve_column_is_case_blind_and_names_the_field(tmp_path):
    assert resolve_column(["BAD", "x"], "bad", "target") == "BAD"
    taiwan = ["ID", "LIMIT_BAL", "default.payment.next.month"]
    assert resolve_column(taiwan, "default payment next month", "target") == "default.payment.next.month"
    assert resolve_column(taiwan, "Default_Payment_Next_Month", "target") == "default.payment.next.month"
    assert resolve_column(taiwan, "limit bal", "target") == "LIMIT_BAL"
    with pytest.raises(InvalidData):  # two columns of the same words: neither is taken
        resolve_column(["loan.status", "loan_status "], "loan status", "target")
    with pytest.raises(InvalidData) as raised:
        resolve_column(["BAD", "x"], "default", "target")
    assert raised.value.field == "target"
    assert "default" in raised.value.message


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("empty.csv", b"", "empty"),
        ("blank.csv", b"\n\n  \n", "empty"),
        ("image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("header.csv", b"a,b,c\n", "no data rows"),
        ("prose.txt", b"Hello\nThis is a letter\nwith lines of prose, not a table\n", "not a delimited table"),
        ("one-long-line.csv", b"[" * 200_000 + b"\n", "not a delimited table"),  # past the csv module's field limit
    ],
)
def test_unusable_files_are_refused_naming_the_data(tmp_path, name, data, words):
    with pytest.raises(InvalidData) as raised:
        read_table(write(tmp_path, name, data))
    assert raised.value.field == "data"
    assert words in raised.value.message


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(InvalidData, match="does not exist"):
        read_table(tmp_path / "nope.csv")


def test_a_quoted_field_running_over_lines_is_one_value(tmp_path):
    # An export whose free-text column holds line breaks (an address, a note) on most rows.
    rows = "".join(f'{i},"12 High St\nFlat {i}",{i % 2}\n' for i in range(40))
    table = read_table(write(tmp_path, "notes.csv", ("id,address,bad\n" + rows).encode()))
    assert table.separator == "," and table.frame.shape == (40, 3)
    assert table.frame["address"].iloc[3] == "12 High St\nFlat 3"


@pytest.mark.parametrize("odd", ["\x85", "\x0c", "\x1c", "\u2028"])
def test_characters_python_counts_as_line_breaks_stay_inside_their_field(tmp_path, odd):
    # Windows-1252's ellipsis is byte 0x85, NEL once read as Latin-1; CSV rows end only at \n or \r.
    rows = "".join(f"Note{odd}{i};{i},5;{i % 2}\n" for i in range(30))
    encoding = "latin-1" if odd != "\u2028" else "utf-8"
    table = read_table(write(tmp_path, "odd.csv", ("note;amount;bad\n" + rows).encode(encoding)))
    assert table.separator == ";" and table.frame.shape == (30, 3)
    assert table.frame["note"].iloc[2] == ("Note\u20262" if odd == "\x85" else f"Note{odd}2")  # 0x85: Windows-1252's …


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_excel_unicode_text_is_read(tmp_path, encoding):
    # Excel's "Unicode Text" export: UTF-16 with its byte-order mark, tab-separated; not a binary file.
    text = "城市\tincome\tbad\n" + "".join(f"北京\t{i},5\t{i % 2}\n" for i in range(20))
    data = text.encode(encoding) if encoding == "utf-16" else b"\xfe\xff" + text.encode(encoding)
    table = read_table(write(tmp_path, "unicode.txt", data))
    assert (table.separator, table.encoding) == ("\t", "utf-16")
    assert list(table.frame.columns) == ["城市", "income", "bad"] and table.frame["城市"].iloc[0] == "北京"


@pytest.mark.parametrize("encoding", ["gbk", "gb18030"])
def test_a_chinese_export_in_gbk_keeps_its_names_and_values(tmp_path, encoding):
    # Excel on a Chinese Windows saves CSV as GBK: read as Latin-1 its header became '³ÇÊÐ', and an
    # applicant sent as {"城市": "北京"} was refused for lacking the field '³ÇÊÐ'.
    text = "城市,月收入,婚姻状况,逾期\n" + "".join(f"{'北京' if i % 3 else '厦门'},{1000 + i},{'已婚' if i % 2 else '未婚'},{i % 2}\n" for i in range(30))
    table = read_table(write(tmp_path, "gbk.csv", text.encode(encoding)))
    assert table.encoding == "gb18030"
    assert list(table.frame.columns) == ["城市", "月收入", "婚姻状况", "逾期"]
    assert set(table.frame["城市"]) == {"北京", "厦门"}


@pytest.mark.parametrize(
    "text",
    ["name;city;bad\n" + "".join(f"Müller;São Paulo;{i % 2}\n" for i in range(30)),
     "name;note;bad\n" + "".join(f"Zoë;café crème;{i % 2}\n" for i in range(30)),
     "name;note;bad\n" + "".join(f"ÅÄÖ;ÉÈ;{i % 2}\n" for i in range(30))],
)
def test_western_latin1_text_stays_latin1(tmp_path, text):
    table = read_table(write(tmp_path, "latin.csv", text.encode("latin-1")))
    assert table.encoding == "latin-1"
    assert table.frame.iloc[0, 0] == text.split("\n")[1].split(";")[0]


@pytest.mark.parametrize("header", [True, False])
@pytest.mark.parametrize("separator", [";", "\t", "|"])
def test_decimal_commas_in_every_row_do_not_make_the_comma_the_separator(tmp_path, separator, header):
    # A European export: `5,73;0,270;0` splits into three by the comma too; the cells it gives
    # ("73;0") are no numbers, so the semicolon is the separator.
    rows = "".join(f"{i % 9},{i % 7}3{separator}0,{i:03d}{separator}{i % 2}\n" for i in range(60))
    text = (separator.join(["income", "ratio", "bad"]) + "\n" if header else "") + rows
    table = read_table(write(tmp_path, "eu.csv", text.encode()))
    assert table.separator == separator
    assert table.frame.shape == (60, 3)
    assert table.frame.iloc[5].tolist() == ["5,53", "0,005", "1"]


@pytest.mark.parametrize("header", [True, False])
def test_one_decimal_comma_column_among_text_columns_keeps_the_semicolon(tmp_path, header):
    # `0,12;x;Y;2019-01-01;0`: the comma gives two fields, "0" and "12;x;Y;2019-01-01;0", on every row.
    rows = "".join(f"0,{i:02d};x{i % 3};{'Y' if i % 2 else 'N'};2019-01-{i % 28 + 1:02d};{i % 2}\n" for i in range(40))
    text = ("ratio;kind;flag;booked;bad\n" if header else "") + rows
    table = read_table(write(tmp_path, "mixed.csv", text.encode()))
    assert table.separator == ";" and table.frame.shape == (40, 5)


def test_a_comma_file_whose_text_holds_semicolons_stays_a_comma_file(tmp_path):
    rows = "".join(f"{i},tag{i};other,{i % 2}\n" for i in range(40))
    table = read_table(write(tmp_path, "tags.csv", ("id,tags,bad\n" + rows).encode()))
    assert table.separator == "," and list(table.frame.columns) == ["id", "tags", "bad"]


CHINESE = "城市,月收入,婚姻状况,逾期\n" + "".join(
    f"{'北京' if i % 3 else '厦门'},{1000 + i},{'已婚' if i % 2 else '未婚'},{i % 2}\n" for i in range(30)
)
WESTERN = "name;city;bad\n" + "".join(f"Müller;São Paulo;{i % 2}\n" for i in range(30))


def with_stray_byte(data: bytes, before: bytes, stray: bytes = b"\xff") -> bytes:
    cut = data.index(before)
    return data[:cut] + stray + data[cut:]


@pytest.mark.parametrize(
    ("text", "before", "stray", "line"),
    [(CHINESE, b"1005", b"\xff", 7), (WESTERN, b"Paulo;1", b"\x96", 3), (CHINESE, b",1005", b"\xe5\x9f", 7)],
)
def test_a_utf8_file_with_a_stray_byte_keeps_its_utf8_text_and_says_where(tmp_path, text, before, stray, line):
    # Read whole as Latin-1, '城市' became 'å\x9f\x8eå¸\x82'; as GB18030, 'Müller' became 'M眉ller'.
    data = with_stray_byte(text.encode(), before, stray)
    table = read_table(write(tmp_path, "stray.csv", data))
    assert table.encoding == "utf-8"
    expected = read_table(write(tmp_path, "clean.csv", text.encode())).frame
    assert list(table.frame.columns) == list(expected.columns)
    damaged = table.frame.ne(expected).to_numpy().nonzero()
    assert len(damaged[0]) == 1 and "\ufffd" in table.frame.iat[damaged[0][0], damaged[1][0]]
    (warning,) = table.warnings
    assert f"line {line}" in warning and f"byte {text.encode().index(before)}" in warning and "U+FFFD" in warning


def test_a_gbk_file_with_a_stray_byte_keeps_its_chinese_text(tmp_path):
    data = with_stray_byte(CHINESE.encode("gbk"), b"1005", b"\x80")
    table = read_table(write(tmp_path, "stray.csv", data))
    assert table.encoding == "gb18030"
    assert list(table.frame.columns) == ["城市", "月收入", "婚姻状况", "逾期"]
    assert set(table.frame["城市"]) == {"北京", "厦门"}
    (warning,) = table.warnings
    stray_at = data.index(b"1005") - 1
    assert "line 7" in warning and f"byte {stray_at}" in warning


def test_a_clean_file_has_no_warnings(tmp_path):
    assert read_table(write(tmp_path, "clean.csv", CHINESE.encode())).warnings == ()
    assert read_table(write(tmp_path, "latin.csv", WESTERN.encode("latin-1"))).warnings == ()


TABLE = b"id,income,bad\n1,100,0\n2,250,1\n3,75,0\n"


@pytest.mark.parametrize("compress", [gzip.compress, bz2.compress, lzma.compress], ids=["gzip", "bzip2", "xz"])
def test_a_compressed_file_is_read_decompressed_whatever_its_name(tmp_path, compress):
    plain = read_table(write(tmp_path, "loans.csv", TABLE))
    table = read_table(write(tmp_path, "export.dat", compress(TABLE)))
    assert table.frame.equals(plain.frame) and table.separator == ","
    assert table.sha256 == hashlib.sha256(TABLE).hexdigest() == plain.sha256  # the table's, not the archive's


def test_a_broken_or_oversized_compressed_file_is_refused(tmp_path, monkeypatch):
    with pytest.raises(InvalidData, match="gzip-compressed but cannot be decompressed") as raised:
        read_table(write(tmp_path, "cut.csv.gz", gzip.compress(TABLE)[:20]))
    assert raised.value.field == "data"
    monkeypatch.setattr(reading, "BYTES_MAX", 1000)
    with pytest.raises(InvalidData, match="decompresses to more than 1000 bytes"):
        read_table(write(tmp_path, "bomb.csv.gz", gzip.compress(b"a,b\n" + b"1,2\n" * 10_000)))


def test_a_table_too_large_for_the_free_memory_is_refused_before_it_is_parsed(tmp_path, monkeypatch):
    data = b"id,income,bad\n" + b"1,100,0\n" * 20_000  # 160,014 bytes: about 1.1 MiB to read
    monkeypatch.setattr(reading, "memory_available", lambda: 1_000_000)
    with pytest.raises(InvalidData) as raised:
        read_table(write(tmp_path, "big.csv", data))
    assert raised.value.field == "data"
    assert raised.value.message.endswith("big.csv holds 0.2 MiB of text: reading it takes about 1.1 MiB of memory and "
                                         "1.0 MiB is free; train on a sample of its rows, or on a larger machine")
    monkeypatch.setattr(reading, "memory_available", lambda: 2_000_000)  # 1.2 MB needed: read
    assert len(read_table(write(tmp_path, "big.csv", data)).frame) == 20_000
    monkeypatch.setattr(reading, "memory_available", lambda: None)  # not Linux: no check
    assert len(read_table(write(tmp_path, "big.csv", data)).frame) == 20_000


def test_memory_available_reads_the_kernels_figure():
    found = reading.memory_available()
    if not Path("/proc/meminfo").exists():
        assert found is None
        return
    listed = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemAvailable:"))
    assert found is not None and abs(found - int(listed.split()[1]) * 1024) < 2**30  # the kernel's figure, moments apart


def test_a_title_before_the_table_is_skipped_with_a_warning(tmp_path):
    text = "Export from LoanSys v2\nGenerated 2026-01-01, 09:00\n\n" + TABLE.decode() + "Total,,\nEnd of report\n"
    table = read_table(write(tmp_path, "export.csv", text.encode()))
    assert table.has_header and list(table.frame.columns) == ["id", "income", "bad"]
    assert table.frame["income"].tolist() == ["100", "250", "75", "", ""]  # the footer: rows with no target
    assert table.frame["id"].tolist()[-2:] == ["Total", "End of report"]
    assert table.warnings == (f"{table.source}: skipped 2 lines before the table, the first 'Export from LoanSys v2'",)


def test_a_headerless_table_after_a_title_is_named_by_position(tmp_path):
    table = read_table(write(tmp_path, "g.data", b"German credit\nA11 6 A34 1\nA12 48 A32 2\nA14 12 A34 1\n"))
    assert not table.has_header and table.separator == "whitespace"
    assert table.frame["c2"].tolist() == ["6", "48", "12"]


def test_an_r_header_one_field_short_stays_the_header(tmp_path):
    # R's write.table: every row starts with its name, the header has no cell for it.
    table = read_table(write(tmp_path, "r.txt", b'"a" "b" "bad"\n"1" 5 2 0\n"2" 7 1 1\n"3" 9 4 0\n'))
    assert list(table.frame.columns) == ["a", "b", "bad"] and table.frame["bad"].tolist() == ["0", "1", "0"]
    assert table.warnings == (
        f"{table.source}: the header names one column fewer than the rows hold: the first ('1', …) is read as "
        "row names and left out",
    )


def test_more_short_lines_than_a_title_has_are_no_title(tmp_path):
    # Past PREAMBLE_MAX short lines at the top the table itself is ragged: refused, not silently cut.
    text = b"note\n" * (reading.PREAMBLE_MAX + 1) + b"a,b,c\n" + b"1,2,3\n" * 300
    with pytest.raises(InvalidData, match="cannot be read as a table") as raised:
        read_table(write(tmp_path, "short.csv", text))
    assert raised.value.field == "data"


@pytest.mark.parametrize("header", ["a,b,bad", "a,b,bad,"])
def test_rows_ending_in_a_separator_keep_their_values_in_their_columns(tmp_path, header):
    # Under a header without the trailing comma pandas alone took the first column for row names and
    # shifted every value one column left: `a` read b's values and the target came out blank.
    table = read_table(write(tmp_path, "t.csv", f"{header}\n1,2,0,\n4,5,1,\n7,8,0,\n".encode()))
    assert table.frame[["a", "b", "bad"]].to_dict("list") == {"a": ["1", "4", "7"], "b": ["2", "5", "8"], "bad": ["0", "1", "0"]}


def test_a_header_repeated_inside_the_file_is_left_out_with_a_warning(tmp_path):
    # Two monthly exports joined with `cat`: the second's header would have been a row, its target a third class.
    table = read_table(write(tmp_path, "joined.csv", TABLE + TABLE + b"id,income,bad\n"))
    assert table.frame["bad"].tolist() == ["0", "1", "0"] * 2
    assert table.warnings == (f"{table.source}: left out 2 repeated header rows (files joined end to end?)",)


def test_a_gzipped_member_of_a_zip_is_read(tmp_path):
    archive_bytes = io.BytesIO()
    with zipfile.ZipFile(archive_bytes, "w") as archive:
        archive.writestr("readme.txt", "a,b\n1,2\n")
        archive.writestr("loans.csv.gz", gzip.compress(TABLE))
    table = read_table(write(tmp_path, "book.zip", archive_bytes.getvalue()))
    assert table.source.endswith("book.zip!loans.csv.gz") and table.frame["income"].tolist() == ["100", "250", "75"]


@pytest.mark.parametrize(("declared", "separator"), [("sep=;", ";"), ("sep=\t", "\t"), ('"sep=|"', "|")])
def test_excels_separator_line_names_the_separator(tmp_path, declared, separator):
    # Kept as the header, `sep=;` gave two names to three fields a row and shifted the columns.
    body = "\n".join(separator.join(row) for row in (["a", "b", "bad"], ["1,5", "2", "0"], ["2,5", "3", "1"]))
    table = read_table(write(tmp_path, "excel.csv", f"{declared}\n{body}\n".encode()))
    assert table.separator == separator and table.warnings == ()
    assert table.frame.to_dict("list") == {"a": ["1,5", "2,5"], "b": ["2", "3"], "bad": ["0", "1"]}


NAME = st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8)
CELL = st.one_of(st.integers(-10**6, 10**6).map(str), st.text("abcdefghijXYZ", min_size=1, max_size=6))
TITLE = st.text("abcdefghij XYZ", min_size=1, max_size=30).filter(str.strip)


@st.composite
def exports(draw):
    """A table as a lender's system might export it, and the frame it holds."""
    names = draw(st.lists(NAME, min_size=2, max_size=6, unique=True))
    rows = draw(st.lists(st.lists(CELL, min_size=len(names), max_size=len(names)), min_size=3, max_size=30))
    rows[0][0] = "1"  # a data row holds a number (a header holds none)
    return {
        "names": names, "rows": rows,
        "separator": draw(st.sampled_from([",", ";", "\t", "|"])),
        "titles": draw(st.lists(TITLE, max_size=3)),
        "excel_separator_line": draw(st.booleans()),
        "trailing": draw(st.booleans()),
        "repeat_header_at": draw(st.one_of(st.none(), st.integers(1, len(rows) - 1))),
        "line_end": draw(st.sampled_from(["\n", "\r\n"])),
        "compress": draw(st.sampled_from([None, gzip.compress, bz2.compress, lzma.compress])),
    }  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(export=exports())
def test_an_export_reads_back_as_the_table_it_holds(tmp_path_factory, export):
    """Titles, Excel's separator line, a separator ending each row, a repeated header, CRLF and
    compression, in any mix: the frame is the table, and each thing skipped is said."""
    sep, end = export["separator"], export["line_end"]
    body = [list(row) for row in export["rows"]]
    if export["repeat_header_at"] is not None:
        body.insert(export["repeat_header_at"], list(export["names"]))
    lines = [sep.join(row) + (sep if export["trailing"] else "") for row in body]
    head = (["sep=" + sep] if export["excel_separator_line"] else []) + export["titles"] + [sep.join(export["names"])]
    data = end.join(head + lines).encode() + end.encode()
    note(repr(data))
    data = export["compress"](data) if export["compress"] else data
    table = read_table(write(tmp_path_factory.mktemp("export"), "export.txt", data))
    assert table.separator == sep and table.has_header
    assert table.frame.to_dict("list") == {n: [row[i] for row in export["rows"]] for i, n in enumerate(export["names"])}
    said = " | ".join(table.warnings)
    assert ("before the table" in said) == bool(export["titles"])
    assert ("repeated header" in said) == (export["repeat_header_at"] is not None)
