"""Excel workbooks (.xlsx, .xls) and Parquet files read as tables (risk.binary_tables, docs/risk-models.md §1):
a sheet reads as the CSV Excel would have saved, a Parquet file by its own names and types."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime

import numpy as np
import openpyxl
import polars as pl
import pytest
import xlwt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from creditline.risk.models import InvalidData, TrainingOptions, read_table, resolve_column
from creditline.risk.models.training import prepare


def xlsx(path, sheets: dict[str, list[list[object]]]):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def xls(path, rows: list[list[object]]):
    book = xlwt.Workbook()
    sheet = book.add_sheet("Data")
    day = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value, day) if isinstance(value, date) else sheet.write(r, c, value)
    book.save(str(path))
    return path


def applicants(n: int = 60) -> list[list[object]]:
    """Rows a lender's sheet holds: amounts, a rate, a date, a category, a Y/N flag, the outcome."""
    rows: list[list[object]] = []
    for i in range(n):
        rows.append([f"A{i:04d}", 1000 + 37 * i, round(0.05 + (i % 7) / 100, 2), date(2024, 1 + i % 12, 1 + i % 28),
                     ("RENT", "OWN", "MORTGAGE")[i % 3], "Y" if i % 4 else "N", int(i % 5 == 0 or i % 7 == 0)])  # fmt: skip
    return rows


HEADER = ["id", "amount", "rate", "opened", "home", "salaried", "bad"]


def test_an_xlsx_sheet_reads_as_its_csv_would_title_blank_rows_and_notes_sheet_aside(tmp_path):
    rows = applicants(8)
    book = xlsx(tmp_path / "loans.xlsx", {
        "Notes": [["prepared by risk"]],
        "Loans": [["Applicants, January to December 2024"], [], HEADER, *rows, [None] * 7, [None, None]],
    })  # fmt: skip
    table = read_table(book)
    assert list(table.frame.columns) == HEADER and table.encoding == "xlsx" and len(table.frame) == 8
    first = table.frame.iloc[0].to_dict()
    assert first == {"id": "A0000", "amount": "1000", "rate": "0.05", "opened": "2024-01-01 00:00:00", "home": "RENT",
                     "salaried": "N", "bad": "1"}  # fmt: skip
    assert any("read sheet 'Loans', the fullest visible one; left out 'Notes'" in w for w in table.warnings)
    assert any("skipped 1 line before the table, the first" in w and "Applicants, January" in w for w in table.warnings)


def test_an_xls_workbook_in_ucis_layout_reads_its_second_header_and_keeps_the_codes_as_names(tmp_path):
    """UCI hands the Taiwan set out as `default of credit card clients.xls`: `X1 … Y` over `LIMIT_BAL …`."""
    rows = [["", "X1", "X2", "Y"], ["ID", "LIMIT_BAL", "PAY_0", "default payment next month"]]
    rows += [[i + 1, 10000 * (1 + i % 9), (i % 4) - 1, int(i % 4 == 3)] for i in range(40)]
    table = read_table(xls(tmp_path / "default of credit card clients.xls", rows))
    assert list(table.frame.columns) == ["ID", "LIMIT_BAL", "PAY_0", "default payment next month"]
    assert table.encoding == "xls" and table.frame["LIMIT_BAL"].tolist()[:3] == ["10000", "20000", "30000"]
    columns = list(table.frame.columns)
    assert resolve_column(columns, "Y", "target", table.aliases) == "default payment next month"
    assert resolve_column(columns, "default.payment.next.month", "target", table.aliases) == "default payment next month"


def test_an_xls_date_cell_reads_as_a_date(tmp_path):
    rows = [["opened", "amount", "bad"], *[[date(2023, 1 + i % 12, 5), 100 + i, i % 2] for i in range(30)]]
    table = read_table(xls(tmp_path / "dates.xls", rows))
    assert table.frame["opened"].tolist()[:2] == ["2023-01-05 00:00:00", "2023-02-05 00:00:00"]
    spec = {s.name: s for s in prepare(table, TrainingOptions(target="bad")).specs}
    assert spec["opened"].kind == "date"


def test_a_workbook_and_its_csv_train_on_the_same_features(tmp_path):
    rows = applicants(120)
    book = xlsx(tmp_path / "loans.xlsx", {"Sheet1": [HEADER, *rows]})
    text = io.StringIO()
    csv.writer(text).writerows([HEADER, *[[*r[:3], r[3].isoformat() + " 00:00:00", *r[4:]] for r in rows]])
    (tmp_path / "loans.csv").write_text(text.getvalue())
    from_book = prepare(read_table(book), TrainingOptions(target="bad"))
    from_csv = prepare(read_table(tmp_path / "loans.csv"), TrainingOptions(target="bad"))
    assert [s.to_json() for s in from_book.specs] == [s.to_json() for s in from_csv.specs]
    assert np.array_equal(from_book.features, from_csv.features, equal_nan=True)
    assert np.array_equal(from_book.target, from_csv.target)
    assert {s.name: s.kind for s in from_book.specs}.items() >= {
        "amount": "number", "rate": "number", "opened": "date", "home": "category", "salaried": "flag"}.items()  # fmt: skip


cells = st.one_of(
    st.none(),
    st.integers(-10**9, 10**9),
    st.floats(allow_nan=False, allow_infinity=False),  # any double: read back to the last bit
    # text, but not `=…`: openpyxl writes that as a formula, which has no value until Excel computes it
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12).filter(
        lambda text: not text.startswith("=")
    ),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(cells, min_size=3, max_size=3), min_size=2, max_size=12))
def test_cells_read_from_a_sheet_are_the_values_written(tmp_path, body):
    # a first row with a number: one of text alone under the header is read as a second header row
    body = [[1, 2.5, "x"], *(row for row in body if any(c is not None and str(c).strip() for c in row))]
    path = xlsx(tmp_path / "cells.xlsx", {"S": [["alpha", "beta", "gamma"], *body]})
    frame = read_table(path).frame
    assert len(frame) == len(body)
    for row, read in zip(body, frame.itertuples(index=False), strict=True):
        for written, got in zip(row, read, strict=True):
            if written is None or (isinstance(written, str) and not written.strip()):
                assert got == ""
            elif isinstance(written, str):
                assert got == written.strip()
            else:  # openpyxl writes a double to 16 significant digits: what the file holds, read to the last bit
                assert float(got) == float(f"{written:.16g}"), (written, got)


def test_an_xlsx_inside_a_zip_is_read(tmp_path):
    book = xlsx(tmp_path / "loans.xlsx", {"Loans": [HEADER, *applicants(5)]})
    packed = tmp_path / "export.zip"
    with zipfile.ZipFile(packed, "w") as archive:
        archive.write(book, "2024/loans.xlsx")
        archive.writestr("readme.txt", "x")
    table = read_table(packed)
    assert table.source.endswith("export.zip!2024/loans.xlsx") and len(table.frame) == 5


def test_broken_and_empty_workbooks_are_refused_naming_why(tmp_path):
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    (tmp_path / "broken.xlsx").write_bytes(packed.getvalue())
    with pytest.raises(InvalidData, match=r"an Excel workbook \(\.xlsx\) that cannot be read") as raised:
        read_table(tmp_path / "broken.xlsx")
    assert raised.value.field == "data"
    with pytest.raises(InvalidData, match=r"\(\.xlsx\) with no filled cell"):
        read_table(xlsx(tmp_path / "empty.xlsx", {"Sheet1": [], "Sheet2": [[None]]}))
    (tmp_path / "word.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    with pytest.raises(InvalidData, match=r"\(\.xls\) or another OLE2 document that cannot be read"):
        read_table(tmp_path / "word.doc")


def test_a_parquet_file_reads_by_its_own_names_and_types(tmp_path):
    frame = pl.DataFrame({
        "2019": [1, None, 3],  # a name a CSV header test would take for data
        "amount": [1200.5, float("nan"), float("inf")],
        "ratio": [1e-7, 5.0, -0.25],
        "home": ["RENT", None, " OWN "],
        "opened": [date(2024, 1, 31), None, date(2023, 2, 1)],
        "stamped": [datetime(2024, 1, 1, 12, 30), None, datetime(2024, 1, 2)],
        "day_only": [datetime(2024, 1, 1), datetime(2024, 3, 1), None],
        "salaried": [True, False, None],
        "bad": [0, 1, 0],
    })  # fmt: skip
    frame.write_parquet(tmp_path / "loans.parquet")
    table = read_table(tmp_path / "loans.parquet")
    assert table.encoding == "parquet" and table.has_header and list(table.frame.columns) == frame.columns
    assert table.sheet is None
    assert table.frame.to_dict("list") == {
        "2019": ["1", "", "3"],
        "amount": ["1200.5", "", ""],  # NaN and infinity are blanks
        "ratio": ["1e-07", "5.0", "-0.25"],
        "home": ["RENT", "", "OWN"],
        "opened": ["2024-01-31", "", "2023-02-01"],
        "stamped": ["2024-01-01 12:30:00", "", "2024-01-02 00:00:00"],
        "day_only": ["2024-01-01", "2024-03-01", ""],
        "salaried": ["true", "false", ""],
        "bad": ["0", "1", "0"],
    }


def test_parquet_that_cannot_be_a_table_is_refused_naming_why(tmp_path):
    pl.DataFrame({"scores": [[1, 2], [3]], "bad": [0, 1]}).write_parquet(tmp_path / "nested.parquet")
    with pytest.raises(InvalidData, match=r"lists, structs, bytes or times of day \(scores\)"):
        read_table(tmp_path / "nested.parquet")
    pl.DataFrame({"a": [1]}).clear().write_parquet(tmp_path / "empty.parquet")
    with pytest.raises(InvalidData, match="a Parquet file with no rows"):
        read_table(tmp_path / "empty.parquet")
    from datetime import time

    pl.DataFrame({"at": [time(9, 30)], "bad": [1]}).write_parquet(tmp_path / "time.parquet")
    with pytest.raises(InvalidData, match=r"times of day \(at\)"):
        read_table(tmp_path / "time.parquet")
    (tmp_path / "cut.parquet").write_bytes(b"PAR1" + bytes(100) + b"PAR1")
    with pytest.raises(InvalidData, match="a Parquet file that cannot be read"):
        read_table(tmp_path / "cut.parquet")


@pytest.mark.data
def test_the_taiwan_set_as_ucis_xls_trains_on_the_features_of_its_kaggle_csv(tmp_path):
    """UCI's original is `default of credit card clients.xls` (`X1 … Y` over `LIMIT_BAL …`); Kaggle's copy
    is the CSV in ../shared/data. Rebuilt in UCI's layout, the workbook gives the CSV's features exactly."""
    from shared_files import shared_data_file

    rows = list(csv.reader(shared_data_file("UCI_Credit_Card.csv").open()))
    names = [*rows[0][:-1], "default payment next month"]
    codes = ["", *(f"X{i}" for i in range(1, len(names) - 1)), "Y"]
    book = xls(tmp_path / "default of credit card clients.xls", [codes, names, *[[float(v) for v in r] for r in rows[1:]]])
    from_book = prepare(read_table(book), TrainingOptions(target="Y"))
    from_csv = prepare(read_table(shared_data_file("UCI_Credit_Card.csv")), TrainingOptions(target="default.payment.next.month"))
    assert from_book.features.shape == (30_000, 24)  # every column but the target (ID goes at the leakage guard)
    assert [s.to_json() for s in from_book.specs] == [s.to_json() for s in from_csv.specs]
    assert np.array_equal(from_book.features, from_csv.features, equal_nan=True)
    assert np.array_equal(from_book.target, from_csv.target) and from_book.target.sum() == 6_636


def test_a_sheet_where_no_row_fills_half_its_width_is_read_whole(tmp_path):
    table = read_table(xlsx(tmp_path / "sparse.xlsx", {"S": [["a", None, None, None], [None, 2, None, None],
                                                             [None, None, None, 3]]}))  # fmt: skip
    assert table.frame.to_dict("list") == {"a": ["", ""], "c2": ["2", ""], "c3": ["", ""], "c4": ["", "3"]}


def test_a_bigger_hidden_sheet_is_passed_over_for_the_visible_one(tmp_path):
    book = openpyxl.Workbook()
    shown = book.active
    shown.title = "Loans"
    for row in [HEADER, *applicants(5)]:
        shown.append(row)
    hidden = book.create_sheet("Lookup")
    for i in range(200):
        hidden.append([i, i * 2, i * 3, i * 4])
    hidden.sheet_state = "hidden"
    book.save(tmp_path / "book.xlsx")
    table = read_table(tmp_path / "book.xlsx")
    assert list(table.frame.columns) == HEADER and len(table.frame) == 5
    assert any("read sheet 'Loans', the fullest visible one; left out 'Lookup'" in w for w in table.warnings)


def test_a_sheet_named_is_read_even_hidden_and_an_empty_one_is_refused(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Loans"
    for row in [HEADER, *applicants(5)]:
        book.active.append(row)
    hidden = book.create_sheet("Old")
    for row in [HEADER, *applicants(3)]:
        hidden.append(row)
    hidden.sheet_state = "hidden"
    book.create_sheet("Blank")
    book.save(tmp_path / "book.xlsx")
    table = read_table(tmp_path / "book.xlsx", sheet="Old")
    assert len(table.frame) == 3 and table.warnings == () and table.sheet == "Old"
    assert read_table(tmp_path / "book.xlsx").sheet == "Loans"
    with pytest.raises(InvalidData, match=r"sheet 'Blank' of .* has no filled cell") as raised:
        read_table(tmp_path / "book.xlsx", sheet="Blank")
    assert raised.value.field == "sheet"


@pytest.mark.parametrize(
    ("members", "words"),
    [
        ({"[Content_Types].xml": "<Types/>", "xl/workbook.bin": "\x00"}, "an Excel binary workbook (.xlsb)"),
        ({"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"},
         "an OpenDocument spreadsheet (.od*)"),
        ({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w/>"}, "a Word document (.docx)"),
    ],
)
def test_office_files_of_other_forms_are_refused_by_name(tmp_path, members, words):
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    (tmp_path / "file").write_bytes(packed.getvalue())
    with pytest.raises(InvalidData) as raised:
        read_table(tmp_path / "file")
    assert raised.value.message.endswith(f"file is {words}, which is not read: save it as .xlsx or CSV")


def test_parquet_types_beyond_the_plain_ones_read_as_their_values(tmp_path):
    from datetime import UTC
    from decimal import Decimal

    pl.DataFrame({
        "utc": pl.Series([datetime(2024, 1, 1, 5, tzinfo=UTC), None]),
        "price": pl.Series([Decimal("1.25"), Decimal("-3.10")], dtype=pl.Decimal(10, 2)),
        "small": pl.Series([1, 255], dtype=pl.UInt8),
        "rate": pl.Series([0.1, None], dtype=pl.Float32),
        "grade": pl.Series(["A", "B"], dtype=pl.Categorical),
    }).write_parquet(tmp_path / "types.parquet")  # fmt: skip
    assert read_table(tmp_path / "types.parquet").frame.to_dict("list") == {
        "utc": ["2024-01-01 05:00:00", ""], "price": ["1.25", "-3.10"], "small": ["1", "255"], "rate": ["0.1", ""],
        "grade": ["A", "B"],
    }  # fmt: skip


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(4, 10_000), st.integers(0, 255)), min_size=1, max_size=8))
def test_a_damaged_parquet_file_is_read_or_refused_never_a_crash(tmp_path, flips):
    """Flipped bytes: polars panicked on some (a Rust backtrace and a BaseException); DuckDB refuses them."""
    whole = tmp_path / "whole.parquet"
    if not whole.exists():
        pl.DataFrame({"a": list(range(500)), "b": [f"v{i % 7}" for i in range(500)], "bad": [i % 2 for i in range(500)]}
                     ).write_parquet(whole)  # fmt: skip
    data = bytearray(whole.read_bytes())
    for at, value in flips:
        data[at % (len(data) - 8) + 4] = value
    (tmp_path / "damaged.parquet").write_bytes(bytes(data))
    try:
        table = read_table(tmp_path / "damaged.parquet")
    except InvalidData as exc:
        assert exc.field == "data" and "damaged.parquet" in exc.message
    else:
        assert list(table.frame.columns) and len(table.frame) > 0


def test_a_workbook_whose_reader_aborts_is_refused_and_this_process_lives(tmp_path):
    """Five bytes changed in an .xls made calamine (fastexcel 0.21) abort its process: "memory allocation of
    515380350600 bytes failed". Read in a child process, the file is refused; whatever a later calamine does
    with it, it is read or refused, never the end of the caller."""
    rows = [["opened", "amount", "bad"], *[[date(2023, 1 + i % 12, 5), 100 + i, i % 2] for i in range(30)]]
    data = bytearray(xls(tmp_path / "whole.xls", rows).read_bytes())
    for at, value in [(3281, 15), (1216, 186), (1637, 2), (2136, 68), (1005, 105)]:
        data[at] = value
    (tmp_path / "damaged.xls").write_bytes(bytes(data))
    try:
        table = read_table(tmp_path / "damaged.xls")
    except InvalidData as exc:
        assert exc.field == "data" and "damaged.xls is an Excel 97-2003 workbook" in exc.message
        assert "cannot be read" in exc.message
    else:
        assert len(table.frame) > 0


def test_a_workbooks_table_too_large_for_the_free_memory_is_refused(tmp_path, monkeypatch):
    from creditline.risk.models import reading

    book = xlsx(tmp_path / "loans.xlsx", {"Loans": [HEADER, *applicants(400)]})
    monkeypatch.setattr(reading, "memory_available", lambda: 50_000)
    with pytest.raises(InvalidData, match=r"loans.xlsx holds 0.0 MiB of text: reading it takes about 0.1 MiB of memory"):
        read_table(book)


def test_numbers_read_in_full_and_text_that_looks_like_numbers_kept_as_written(tmp_path):
    """calamine writes a float as text to nine decimals; the reader takes the cell's float instead. A
    text cell keeps its text: an account code `007` or an amount typed as `12.50` stays as written."""
    rows = [["ratio", "code", "typed", "big", "tiny"], [0.235593202057, "007", "12.50", 123456789012345.0, 1e-7],
            [-0.30000000000000004, "0042", "+3", 2.0**60, -2.5e-300]]  # fmt: skip
    frame = read_table(xlsx(tmp_path / "numbers.xlsx", {"S": rows})).frame
    assert frame["code"].tolist() == ["007", "0042"] and frame["typed"].tolist() == ["12.50", "+3"]
    assert frame["big"].tolist()[0] == "123456789012345"
    for column, position in (("ratio", 0), ("big", 3), ("tiny", 4)):
        assert [float(v) for v in frame[column]] == [float(f"{r[position]:.16g}") for r in rows[1:]]
