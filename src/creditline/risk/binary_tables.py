"""Tables handed over in forms that are no delimited text: Excel workbooks (.xlsx and the older .xls),
Parquet files and JSON (an object per line, or an array of objects), turned into CSV text in a child
process.

Their readers are native code: calamine (Rust, through `fastexcel`) and DuckDB (C++). In a fuzz of
flipped bytes, calamine aborted the whole process on a damaged `.xls` ("memory allocation of
514129920720 bytes failed") and polars panicked on a damaged Parquet file — no exception a caller
can catch, a Rust backtrace on stderr. So `to_csv` runs them in a child Python process (`python -m
creditline.risk.binary_tables`), the file's bytes on its stdin, and reads back one JSON line (what
reading left out, or why the file is refused) and the table as CSV text; a child that dies says only
that the file cannot be read. This module imports nothing of `creditline.risk.models`, whose package
loads LightGBM and scikit-learn: the child starts in about half a second.

A workbook is a sheet a person laid out, like a CSV export: a title above the table, a blank row, a
second header row, a header repeated where two reports were pasted together. So its cells go through
the delimited-text reader (`risk.models.reading.read_table`) as the CSV Excel would have saved, and
every rule that reader keeps holds for them too. What a sheet adds, and what this module decides:

- which sheet: the named one, else the visible one with the most filled cells (a notes or lookup
  sheet beside the data, or a bigger hidden one, is left out, with a warning naming both), as a zip
  archive's largest member is read; a hidden sheet only when no visible one has a filled cell;
- cells as their values: numbers in full without a trailing `.0` (read a second time as floats:
  calamine's own text stops at nine decimals), dates and times as `2024-01-31 00:00:00`, booleans
  `true`/`false`; a formula's last computed value;
- rows with no filled cell are dropped (a CSV would hold `,,,,` there: a row of missing values), as
  are empty columns at either side; rows above the table with fewer filled cells than half its width
  (a title, a "generated on" line) are written as short lines, so the reader skips them as preamble.

A Parquet or JSON file names and types its own columns (JSON by DuckDB from its values): its CSV's header is their names (the reader takes
it as the header whatever it holds), each value written as text the way the inference reads it
(dates `2024-01-31`, numbers in full, `true`/`false`); nulls, NaN and infinities are blanks. Lists,
structs, bytes and times of day are refused by name.
"""

from __future__ import annotations

import csv
import io
import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PARQUET_MAGIC = b"PAR1"
XLSX = "an Excel workbook (.xlsx)"
XLS = "an Excel 97-2003 workbook (.xls) or another OLE2 document"
PARQUET = "a Parquet file"
JSON_LINES = "a JSON-lines file"  # an object per line, as API and data-lake dumps are written
JSON_ARRAY = "a JSON file"  # an array of objects
TYPED = (PARQUET, JSON_LINES, JSON_ARRAY)  # forms that name and type their own columns
CHILD_TIMEOUT_S = 1800


class Refused(Exception):
    """The file cannot be a table: `message` says why, `field` names the option it came from."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message, self.field = message, field


def to_csv(
    data: bytes, form: str, source: str, field: str, sheet: str | None = None, preferred: str | None = None
) -> tuple[str, tuple[str, ...], str | None]:
    """A workbook's sheet (`sheet`, else `preferred` when the workbook has it, else the fullest) or a
    Parquet file as CSV text, what reading it left out (warnings) and the sheet read (None for
    Parquet), read in a child process; `Refused` when the file cannot be a table or its reader dies."""
    command = [sys.executable, "-m", "creditline.risk.binary_tables", form, source, field, sheet or "", preferred or ""]
    try:
        done = subprocess.run(command, input=data, capture_output=True, timeout=CHILD_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as exc:
        raise Refused(f"{source} is {form} that took over {CHILD_TIMEOUT_S} s to read", field=field) from exc
    header, _, text = done.stdout.partition(b"\n")
    try:
        answer = json.loads(header) if done.returncode == 0 else None
    except ValueError:
        answer = None
    if not isinstance(answer, dict):  # the reader died: an abort, a panic, a signal
        said = [line.strip() for line in done.stderr.decode("utf-8", "replace").splitlines() if line.strip()]
        killed = done.returncode < 0
        how = f"killed by signal {signal.Signals(-done.returncode).name}" if killed else "stopped"
        # a native abort says why first (a backtrace follows); a Python error says it last
        reason = f"; it said {(said[0] if killed else said[-1])[:160]!r}" if said else ""
        raise Refused(f"{source} is {form} that cannot be read (its reader {how}{reason})", field=field)
    if "refused" in answer:
        raise Refused(answer["refused"], field=answer["field"])
    return text.decode("utf-8"), tuple(answer["notes"]), answer.get("sheet")


def child(argv: list[str]) -> int:
    """The child's side of `to_csv`: the bytes on stdin, one JSON line and the CSV text on stdout."""
    form, source, field, sheet, preferred = argv
    data = sys.stdin.buffer.read()
    try:
        if form in TYPED:
            (text, notes), read = typed_csv(data, source, field, form), None
        else:
            text, notes, read = sheet_text(data, form, source, field, sheet or None, preferred or None)
        answer: dict[str, Any] = {"notes": list(notes), "sheet": read}
    except Refused as exc:
        text, answer = "", {"refused": exc.message, "field": exc.field}
    sys.stdout.buffer.write(json.dumps(answer).encode() + b"\n" + text.encode("utf-8"))
    return 0


def sheet_text(
    data: bytes, kind: str, source: str, field: str, chosen: str | None = None, preferred: str | None = None
) -> tuple[str, tuple[str, ...], str]:
    """The `chosen` sheet of a workbook, else the `preferred` one if the workbook has it (the sheet a
    model was trained on), else its fullest, as CSV text, what choosing it left out (warnings) and its
    name. The cells stay in Arrow strings (polars) until written: one sheet is held at a time
    besides the fullest so far."""
    import fastexcel

    best: tuple[tuple[bool, int], str, Any] = ((False, 0), "", None)
    filled: list[str] = []
    try:
        reader = fastexcel.read_excel(data)
        if chosen is not None and chosen not in reader.sheet_names:
            shown = ", ".join(repr(name) for name in reader.sheet_names[:10])
            raise Refused(f"{source} has no sheet {chosen!r} (its sheets: {shown})", field="sheet")
        taken = chosen if chosen is not None else preferred if preferred in reader.sheet_names else None
        for name in reader.sheet_names if taken is None else [taken]:
            sheet = reader.load_sheet(name, header_row=None, dtypes="string")
            cells = sheet_cells(sheet.to_polars())
            count = cells.height * cells.width - sum(cells.null_count().row(0))
            filled += [name] if count else []
            rank = (sheet.visible == "visible" and count > 0, count)  # a hidden sheet (lookups) only when none shows
            best = (rank, name, cells) if rank > best[0] else best
    except fastexcel.FastExcelError as exc:
        reason = " ".join(str(exc).split("Context:")[0].split())
        raise Refused(f"{source} is {kind} that cannot be read ({reason}; a password-protected workbook must be "
                          "saved without its password)", field=field) from exc  # fmt: skip
    (visible, count), name, cells = best
    if count == 0 and taken is not None:
        raise Refused(f"sheet {taken!r} of {source} has no filled cell", field="sheet" if chosen else field)
    if count == 0:
        raise Refused(f"{source} is {kind} with no filled cell", field=field)
    others = [other for other in filled if other != name]
    listed = ", ".join(repr(other) for other in others[:5]) + (", …" if len(others) > 5 else "")
    try:  # the numbers again, in full: calamine writes a float as text to nine decimals (0.235593202057 → 0.235593202)
        numbers = reader.load_sheet(name, header_row=None, dtypes="float").to_polars()
    except fastexcel.FastExcelError as exc:
        raise Refused(f"{source} is {kind} that cannot be read ({exc})", field=field) from exc
    cells = with_full_numbers(cells, numbers)
    if chosen is None and taken is not None:
        notes: tuple[str, ...] = (f"read sheet {name!r}, the sheet the model was trained on (--sheet reads another)",)
    else:
        which = "the fullest visible one" if visible else "the fullest, hidden like every filled one"
        notes = (f"read sheet {name!r}, {which}; left out {listed}",) if others else ()
    return as_csv(trimmed(cells)), notes, name


def sheet_cells(frame: Any) -> Any:
    """A sheet's cells as text, stripped, None where empty or blank."""
    import polars as pl

    if frame.width == 0:
        return frame
    text = pl.all().cast(pl.String).str.strip_chars()
    return frame.select(pl.when(text.str.len_bytes() > 0).then(text).name.keep())


# How calamine writes a number cell as text: no sign but minus, no leading or trailing zeros. A text
# cell written otherwise (`007`, `12.50`, `+3`) keeps its text, as a CSV would.
NUMBER_AS_WRITTEN = r"^-?(0|[1-9]\d*)(\.\d*[1-9])?$"


def with_full_numbers(cells: Any, numbers: Any) -> Any:
    """`cells` (text) with each cell written as calamine writes a number replaced by the full float of
    the same cell in `numbers` (the sheet read as floats), written back shortest (`0.235593202057`,
    `5`, `1e-7`). Text (`007` stays `007`), dates and booleans keep their text; so does a sheet whose
    two readings differ in shape."""
    import polars as pl

    if numbers.shape != cells.shape:
        return cells
    columns = []
    for text, number in zip(cells.iter_columns(), numbers.iter_columns(), strict=True):
        full = number.cast(pl.String).str.replace(r"\.0$", "")
        wanted = (text.str.contains(NUMBER_AS_WRITTEN) & number.is_not_null() & number.is_finite()).fill_null(False)
        columns.append(full.zip_with(wanted, text).alias(text.name))
    return pl.DataFrame(columns)


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


def typed_csv(data: bytes, source: str, field: str, form: str) -> tuple[str, tuple[str, ...]]:
    """A file that names and types its own columns (Parquet; JSON lines or an array of objects, typed
    by DuckDB from their values) as CSV text under a header of its names. Read by DuckDB from a
    private temporary file: a damaged file is one `duckdb.Error` (polars panicked on some damaged
    Parquet — a Rust backtrace on stderr and a BaseException — in a fuzz of flipped bytes)."""
    import tempfile

    import duckdb

    with tempfile.TemporaryDirectory(prefix="creditline-table-") as folder:
        path = Path(folder) / "table"
        path.write_bytes(data)
        connection = duckdb.connect()
        try:
            if form == PARQUET:
                relation = connection.read_parquet(str(path))
            else:
                relation = connection.read_json(str(path), format="newline_delimited" if form == JSON_LINES else "auto")
            names, types = list(relation.columns), [str(kind) for kind in relation.types]
            refused = [name for name, kind in zip(names, types, strict=True) if unreadable(kind)]
            if refused:
                raise Refused(f"{source} has columns of lists, structs, bytes or times of day ({', '.join(refused[:5])}): "
                              "write each as plain columns of numbers, text or dates", field=field)  # fmt: skip
            quoted = [column_sql(name, kind) for name, kind in zip(names, types, strict=True)]
            whole = [whole_days(connection, relation, q) if kind.startswith("TIMESTAMP") else False
                     for q, kind in zip(quoted, types, strict=True)]  # fmt: skip
            texts = [as_text(q, kind, days) for q, kind, days in zip(quoted, types, whole, strict=True)]
            rows = relation.select(", ".join(texts)).fetchall() if names else []
        except duckdb.Error as exc:
            raise Refused(f"{source} is {form} that cannot be read ({' '.join(str(exc).split())[:200]})",
                          field=field) from exc  # fmt: skip
        finally:
            connection.close()
    if not names or not rows:
        raise Refused(f"{source} is {form} with no {'columns' if not names else 'rows'}", field=field)
    header = [name.strip() or f"c{position}" for position, name in enumerate(names, start=1)]
    if len(set(header)) != len(header):
        raise Refused(f"{source} names two columns alike once blanks are stripped", field=field)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(["" if value is None else value for value in row] for row in rows)
    kind = "Parquet" if form == PARQUET else "JSON lines" if form == JSON_LINES else "JSON"
    return buffer.getvalue(), (f"read as {kind}, {len(names)} columns named and typed by the file",)


def column_sql(name: str, kind: str) -> str:
    """A column by name; a timestamp with a time zone as its UTC time (no time zone data is loaded)."""
    quoted = '"' + name.replace('"', '""') + '"'
    return f"CAST({quoted} AS TIMESTAMP)" if kind == "TIMESTAMP WITH TIME ZONE" else quoted


def unreadable(kind: str) -> bool:
    """Whether a DuckDB column type holds no value the inference reads: lists, structs, maps, bytes, times."""
    return "[" in kind or kind.startswith(("STRUCT", "MAP", "UNION", "BLOB", "BIT", "TIME ", "TIME_", "INTERVAL")) or kind == "TIME"


def whole_days(connection: object, relation: object, quoted: str) -> bool:
    """Whether every timestamp of a column falls at midnight (then it is written as a date)."""
    found = relation.aggregate(f"bool_and({quoted} = date_trunc('day', {quoted}))").fetchall()  # type: ignore[attr-defined]
    return found[0][0] is not False


def as_text(quoted: str, kind: str, days: bool) -> str:
    """The SQL that writes one column as the text a CSV export would hold: dates `2024-01-31`, floats
    in full (NaN and infinities null), booleans `true`/`false`."""
    if kind == "DATE":
        return f"strftime({quoted}, '%Y-%m-%d')"
    if kind.startswith("TIMESTAMP"):
        return f"strftime({quoted}, '{'%Y-%m-%d' if days else '%Y-%m-%d %H:%M:%S'}')"
    if kind in ("DOUBLE", "FLOAT"):
        return f"CASE WHEN isfinite({quoted}) THEN CAST({quoted} AS VARCHAR) END"
    if kind == "BOOLEAN":
        return f"CASE WHEN {quoted} THEN 'true' WHEN NOT {quoted} THEN 'false' END"
    return f"CAST({quoted} AS VARCHAR)"


if __name__ == "__main__":
    raise SystemExit(child(sys.argv[1:]))
