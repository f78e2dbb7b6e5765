"""Tables handed over in binary forms: Excel workbooks (.xlsx and the older .xls) and Parquet files.

A workbook is a sheet a person laid out, like a CSV export: a title above the table, a blank row, a
second header row, a header repeated where two reports were pasted together. So its cells go through
the delimited-text reader (`reading.read_table`) as the CSV Excel would have saved, and every rule
that reader keeps holds for them too. What a sheet adds, and what this module decides:

- which sheet: the visible one with the most filled cells (a notes or lookup sheet beside the data,
  or a bigger hidden one, is left out, with a warning naming both), as a zip archive's largest member
  is read; a hidden sheet only when no visible one has a filled cell;
- cells as Excel shows their values: numbers without a trailing `.0`, dates and times as
  `2024-01-31 00:00:00`, booleans `true`/`false`; a formula's last computed value;
- rows with no filled cell are dropped (a CSV would hold `,,,,` there: a row of missing values), as
  are empty columns at either side; rows above the table with fewer filled cells than half its width
  (a title, a "generated on" line) are written as short lines, so the reader skips them as preamble.

A Parquet file names and types its own columns: it is read as a frame directly (polars), each value
written as text the way the inference reads it (dates `2024-01-31`, numbers in full, `true`/`false`);
nulls, NaN and infinities are blanks. Lists, structs and binary columns are refused by name.

Reading both is pure work on the bytes given; the file itself is read by `reading.load_bytes`.
"""

from __future__ import annotations

import csv
import io
import math
from typing import Any

import pandas as pd

from creditline.risk.models.errors import InvalidData

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PARQUET_MAGIC = b"PAR1"
XLSX = "an Excel workbook (.xlsx)"
XLS = "an Excel 97-2003 workbook (.xls) or another OLE2 document"
PARQUET = "a Parquet file"


def sheet_text(data: bytes, kind: str, source: str, field: str, chosen: str | None = None) -> tuple[str, tuple[str, ...]]:
    """The `chosen` sheet of a workbook, else its fullest, as CSV text, and what choosing it left out
    (warnings). The cells stay in Arrow strings (polars) until written: one sheet is held at a time
    besides the fullest so far."""
    import fastexcel

    best: tuple[tuple[bool, int], str, Any] = ((False, 0), "", None)
    filled: list[str] = []
    try:
        reader = fastexcel.read_excel(data)
        if chosen is not None and chosen not in reader.sheet_names:
            shown = ", ".join(repr(name) for name in reader.sheet_names[:10])
            raise InvalidData(f"{source} has no sheet {chosen!r} (its sheets: {shown})", field="sheet")
        for name in reader.sheet_names if chosen is None else [chosen]:
            sheet = reader.load_sheet(name, header_row=None, dtypes="string")
            cells = sheet_cells(sheet.to_polars())
            count = cells.height * cells.width - sum(cells.null_count().row(0))
            filled += [name] if count else []
            rank = (sheet.visible == "visible" and count > 0, count)  # a hidden sheet (lookups) only when none shows
            best = (rank, name, cells) if rank > best[0] else best
    except fastexcel.FastExcelError as exc:
        reason = " ".join(str(exc).split("Context:")[0].split())
        raise InvalidData(f"{source} is {kind} that cannot be read ({reason}; a password-protected workbook must be "
                          "saved without its password)", field=field) from exc  # fmt: skip
    (shown, count), name, cells = best
    if count == 0 and chosen is not None:
        raise InvalidData(f"sheet {chosen!r} of {source} has no filled cell", field="sheet")
    if count == 0:
        raise InvalidData(f"{source} is {kind} with no filled cell", field=field)
    others = [other for other in filled if other != name]
    listed = ", ".join(repr(other) for other in others[:5]) + (", …" if len(others) > 5 else "")
    which = "the fullest visible one" if shown else "the fullest, hidden like every filled one"
    notes = (f"read sheet {name!r}, {which}; left out {listed}",) if others else ()
    return as_csv(trimmed(cells)), notes


def sheet_cells(frame: Any) -> Any:
    """A sheet's cells as text, stripped, None where empty or blank."""
    import polars as pl

    if frame.width == 0:
        return frame
    text = pl.all().cast(pl.String).str.strip_chars()
    return frame.select(pl.when(text.str.len_bytes() > 0).then(text).name.keep())


def trimmed(cells: Any) -> Any:
    """The rows with a filled cell, between the first and last filled column."""
    import polars as pl

    kept = cells.filter(pl.any_horizontal(pl.all().is_not_null()))
    used = [i for i, count in enumerate(kept.null_count().row(0)) if count < kept.height]
    return kept.select(kept.columns[used[0] : used[-1] + 1])


def as_csv(cells: Any) -> str:
    """The cells as CSV. Rows above the table filled under half its width (a title, a "generated on"
    line) end after their last filled cell, so the reader skips them as lines before the table."""
    import polars as pl

    filled = cells.select(pl.sum_horizontal(pl.all().is_not_null())).to_series().to_list()
    start = next((i for i, count in enumerate(filled) if count * 2 >= cells.width), 0)  # the header or first row
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in cells.head(start).iter_rows():
        last = max(i for i, cell in enumerate(row) if cell is not None)
        writer.writerow(["" if cell is None else cell for cell in row[: last + 1]])
    return buffer.getvalue() + cells.slice(start).write_csv(include_header=False, null_value="", line_terminator="\n")


def parquet_frame(data: bytes, source: str, field: str) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """A Parquet file's columns as a frame of text cells ("" for null), named as the file names them."""
    import polars as pl

    try:
        table = pl.read_parquet(io.BytesIO(data))
    except Exception as exc:  # polars raises ComputeError, OSError or its own panics on a damaged file
        raise InvalidData(f"{source} is {PARQUET} that cannot be read ({' '.join(str(exc).split())[:200]})",
                          field=field) from exc  # fmt: skip
    if table.width == 0 or table.height == 0:
        raise InvalidData(f"{source} is {PARQUET} with no {'columns' if table.width == 0 else 'rows'}", field=field)
    nested = [name for name, dtype in table.schema.items() if dtype.is_nested() or dtype == pl.Binary or dtype == pl.Object]
    if nested:
        raise InvalidData(f"{source} has columns of lists, structs or bytes ({', '.join(nested[:5])}): write each as "
                          "plain columns of numbers, text or dates", field=field)  # fmt: skip
    columns = {}
    for position, name in enumerate(table.columns, start=1):
        columns[name.strip() or f"c{position}"] = parquet_text(table.get_column(name), field)
    if len(columns) != table.width:
        raise InvalidData(f"{source} names two columns alike once blanks are stripped", field=field)
    return pd.DataFrame(columns, dtype=object), (f"read as Parquet, {table.width} columns named and typed by the file",)


def parquet_text(column: object, field: str) -> list[str]:
    """One column's values as the text a CSV export would hold."""
    import polars as pl

    series: pl.Series = column  # type: ignore[assignment]
    dtype = series.dtype
    if isinstance(dtype, pl.Datetime):
        whole_days = bool((series.dt.truncate("1d") == series).fill_null(True).all())
        series = series.dt.strftime("%Y-%m-%d" if whole_days else "%Y-%m-%d %H:%M:%S")
    elif dtype == pl.Date:
        series = series.dt.strftime("%Y-%m-%d")
    elif dtype.is_float():
        return ["" if value is None or not math.isfinite(value) else repr(value).removesuffix(".0")
                for value in series.to_list()]  # fmt: skip
    elif dtype == pl.Boolean:
        return ["" if value is None else ("true" if value else "false") for value in series.to_list()]
    elif dtype.is_numeric() or dtype in (pl.String, pl.Categorical, pl.Enum, pl.Null) or dtype.is_decimal():
        series = series.cast(pl.String)
    else:  # a time of day, a duration: no credit feature the inference reads
        raise InvalidData(f"column {series.name!r} is of type {dtype}: write it as a number, text or a date",
                          field=field)
    return ["" if value is None else value.strip() for value in series.to_list()]
