"""Reading a lender's raw table: CSV or any delimited text, an Excel workbook, a Parquet or a JSON file,
plain, compressed or inside (nested) zip archives.

This is the one module of `risk.models` that reads files: the rest takes the frame it returns.
Every cell comes back as a stripped string ("" for blank) so that type inference sees what the
lender wrote, not what a parser guessed.

Conventions a user relies on (documented in docs/risk-models.md):
- the separator is sniffed among `,` `;` tab `|`, else runs of whitespace — unless the first line is
  Excel's `sep=X`, which names it;
- a first line with no number in it is a header; otherwise columns are named by 1-based
  position, `c1`, `c2`, …, and so are blank header cells; a second header row under it (no number,
  a name over every column of numbers) names the columns, the first row's names kept as aliases;
- Weka's ARFF (`@relation`, `@attribute`, `@data`) is read by its header (`risk.models.arff`);
- an Excel workbook (.xlsx, .xls) is read by its fullest sheet, its cells as the CSV Excel would
  save, through every rule here; a Parquet file, and JSON (an object per line or an array of
  objects), by their own column names (`risk.binary_tables`);
- a gzip, bzip2 or xz file (known by its first bytes, whatever its name) is read decompressed;
- a zip archive is searched, nested archives included, for its largest delimited-text, JSON,
  workbook or Parquet member (a member like `loans.csv.gz` counts, decompressed);
- rows that repeat the header cell for cell (exports joined end to end) are left out, with a warning;
- rows ending in a separator the header does not end in (`1,2,3,` under `a,b,c`) lose that empty
  last field, where pandas alone would shift every value one column left;
- lines before the table that have fewer fields than its rows (an export's title, a "generated on"
  line) are skipped, at most PREAMBLE_MAX of them, with a warning quoting the first;
- text is UTF-16 when it starts with its byte-order mark, UTF-8 when it decodes as such, GB18030
  (GBK) when it decodes as such and reads as Chinese, else Windows-1252 when it holds bytes
  0x80-0x9f that decode so (`€`, smart quotes), else Latin-1 — where "decodes" allows a few
  stray bytes (at most 1 in 10 of the non-ASCII characters), read as U+FFFD with a warning saying
  how many and where the first is, so one bad byte does not garble the file's Chinese or accents.
"""

from __future__ import annotations

import bz2
import codecs
import csv
import dataclasses
import gzip
import hashlib
import io
import json
import lzma
import re
import warnings
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from creditline.risk import binary_tables
from creditline.risk.models import arff
from creditline.risk.models.columns import MISSING_TOKENS
from creditline.risk.models.errors import InvalidData

BYTES_MAX = 2**30
READ_PEAK_PER_BYTE = 7.5  # resident bytes per byte of a table's text while it is read (2.08 GB for 303 MB)
ZIP_DEPTH_MAX = 3
SNIFF_LINES = 200
PREAMBLE_MAX = 20
EXCEL_SEPARATOR = re.compile(r'^\s*"?sep=([^\s"]|\t)"?\s*$', re.IGNORECASE)  # Excel's first line `sep=;`
COMPRESSED = ((b"\x1f\x8b", "gzip", gzip.open), (b"BZh", "bzip2", bz2.open), (b"\xfd7zXZ\x00", "xz", lzma.open))
SEPARATORS = (",", ";", "\t", "|")
WHITESPACE = "whitespace"
TEXT_SUFFIXES = (".csv", ".txt", ".dat", ".data", ".tsv", ".asc", ".tab", ".arff", ".json", ".jsonl", ".ndjson")
TABLE_SUFFIXES = (".xlsx", ".xls", ".parquet")  # binary forms read too (`risk.binary_tables`)
COMPRESSED_SUFFIXES = (".gz", ".bz2", ".xz")
# A CSV row ends at \n, \r or \r\n only (as for pandas' parser); str.splitlines also breaks at
# NEL (0x85: Windows-1252's ellipsis read as Latin-1), form feeds, \x1c-\x1e and U+2028.
LINE_BREAK = re.compile(r"\r\n|\r|\n")
NON_ASCII = re.compile(r"[^\x00-\x7f]")
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")  # ideographs, punctuation, full width
SAMPLE_CHARS = 65536
HIGH_BYTES = re.compile(rb"[\x80-\xff]+")
# Bytes Latin-1 reads as invisible C1 controls and Windows-1252 as `€ ‚ „ … ‘ ’ “ ” – —` and the like: a
# German export's `1.234,56 €` read as Latin-1 ended in U+0080, no number, and the column was a category.
WINDOWS_BYTES = re.compile(rb"[\x80-\x9f]")
BYTE_LINE_BREAK = re.compile(rb"\r\n|\r|\n")
REPLACEMENT = "\ufffd"
# A file is read in an encoding with its stray bytes replaced when at least this share of its
# non-ASCII characters decode: a Latin-1 or GBK file read as UTF-8 decodes 0–20% of them.
VALID_SHARE_MIN = 0.9
CHINESE_SHARE_MIN = 0.95
NOT_DECIMAL_COMMA = re.compile(r"(?<!\d),|,(?!\d)")  # a comma not between two digits
BINARY_KINDS = (
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"%PDF", "a PDF document"),
)
NAME_JOINTS = re.compile(r"[\s._\-]+")
MARKUP = re.compile(r"<(?:\?xml|!doctype|html|table|head|body|\w+(?:\s[^>]*)?>)", re.IGNORECASE)
JSON_KEY = re.compile(r'\s*"[^"]*"\s*:')
EXPORT_HINT = ": save or export the table as CSV"
NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


@dataclass(frozen=True)
class RawTable:
    """A table as the lender wrote it, and how it was read."""

    frame: pd.DataFrame
    source: str
    separator: str
    has_header: bool
    encoding: str
    sha256: str
    warnings: tuple[str, ...] = ()  # what reading it had to replace, and where
    aliases: dict[str, str] = dataclasses.field(default_factory=dict)  # other names of columns (a second header row's)
    sheet: str | None = None  # the workbook's sheet read (a workbook's hash alone does not say which)


def read_table(path: str | Path, *, field: str = "data", sheet: str | None = None, preferred: str | None = None) -> RawTable:
    """Read `path` (delimited text, a workbook — its `sheet`, else the `preferred` one when it has it,
    else the fullest visible one — or Parquet; compressed or not, or a zip holding one) into a frame
    of stripped strings.

    Memory: the file's bytes are let go once decoded, and the text once re-encoded as the parser's
    UTF-8 — never handed to it as text, which it would hold as four bytes a character."""
    data, source = load_bytes(Path(path), field)
    digest = hashlib.sha256(data).hexdigest()
    form = binary_form(data)
    if sheet is not None and form not in (binary_tables.XLSX, binary_tables.XLS):
        raise InvalidData(f"a sheet is chosen in a workbook, and {source} is {form or 'a text file'}", field="sheet")
    if form:
        text, notes, sheet = child_csv(data, form, source, field, sheet, preferred)
    if form == binary_tables.PARQUET:  # names and types of its own: its header is no guess
        return typed_table(text, notes, source, digest, "parquet", field)
    if form:  # a workbook: its fullest sheet, as the CSV Excel would save, through the rules below
        encoding = "xlsx" if form == binary_tables.XLSX else "xls"
    else:
        room_to_read(len(data), source, field)
        text, encoding, notes = decode(data, field)
    del data
    lines = [line for line in first_lines(text, SNIFF_LINES + 1) if line.strip()]
    if not lines:
        raise InvalidData(f"{source} is empty", field=field)
    markup = "" if form else document_kind(lines[0])
    if markup in (binary_tables.JSON_LINES, binary_tables.JSON_ARRAY):  # objects name their own fields
        text, more, _ = child_csv(text.encode("utf-8"), markup, source, field)
        return typed_table(text, notes + more, source, digest, "json", field)
    if markup:
        raise InvalidData(f"{source} is {markup}, not a delimited text (CSV) file{EXPORT_HINT}", field=field)
    if not form and arff.is_arff(lines):
        return read_arff(text, source, encoding, digest, notes, field)
    start = 0
    declared = EXCEL_SEPARATOR.match(lines[0])
    if declared:  # Excel's `sep=;` line names the separator; the table starts after it
        start, lines = line_offset(text, 1), lines[1:]
        if not lines:
            raise InvalidData(f"{source} has a separator line but no table", field=field)
    separator = declared.group(1) if declared else sniff_separator(lines, source, field)
    skipped = preamble_lines(lines, separator)
    if skipped:
        start = line_offset(text, skipped, start)
        what = "line" if skipped == 1 else "lines"
        notes += (f"skipped {skipped} {what} before the table, the first {lines[0].strip()[:60]!r}",)
    rows = split_lines(lines[skipped:], separator)
    has_header = looks_like_header(rows)
    upper = rows[0] if has_header and second_header(rows) else None
    if upper:  # the first header row is read as a preamble line; its names become other names
        start = line_offset(text, 1, start)
        rows = rows[1:]
    trailing = has_header and ends_with_separator(rows)
    if has_header and not trailing and row_names(rows):
        first = rows[1][0].strip('"')
        notes += (f"the header names one column fewer than the rows hold: the first ({first!r}, …) is read as "
                  "row names and left out",)
    payload = (text[start:] if start else text).encode("utf-8", errors="replace")
    del text
    frame = parse(payload, separator, has_header, source, field, trailing)
    del payload
    if has_header:
        frame, repeated = without_repeated_header(frame, rows[0])
        if repeated:
            notes += (f"left out {repeated} repeated header row{'s' if repeated > 1 else ''} (files joined end to end?)",)
    aliases: dict[str, str] = {}
    if upper:
        aliases = upper_names(frame, upper)
        shown = ", ".join(f"{old} = {new}" for old, new in list(aliases.items())[:4]) + (", …" if len(aliases) > 4 else "")
        notes += (f"a second header row under the first: columns named by it, the first row's names kept as other "
                  f"names ({shown})",)
    if frame.empty:
        raise InvalidData(f"{source} has a header but no data rows", field=field)
    return RawTable(frame, source, separator, has_header, encoding, digest, tuple(f"{source}: {w}" for w in notes), aliases,
                    sheet if form else None)  # fmt: skip


def child_csv(
    data: bytes, form: str, source: str, field: str, sheet: str | None = None, preferred: str | None = None
) -> tuple[str, tuple[str, ...], str | None]:
    """A workbook, Parquet or JSON file as CSV text, by a child process (`risk.binary_tables.to_csv`: a
    reader that dies, even of memory, is a refusal there); the text is checked against the free memory
    before it is parsed here."""
    try:
        text, notes, read = binary_tables.to_csv(data, form, source, field, sheet, preferred)
    except binary_tables.Refused as exc:
        raise InvalidData(exc.message, field=exc.field) from None
    room_to_read(len(text), source, field)
    return text, notes, read


def typed_table(text: str, notes: tuple[str, ...], source: str, digest: str, form: str, field: str) -> RawTable:
    """The CSV text a file that names and types its columns was written as (Parquet, JSON: by
    `risk.binary_tables`), read under its own header: no header or separator is guessed."""
    frame = parse(text.encode("utf-8"), ",", True, source, field)
    return RawTable(frame, source, ",", True, form, digest, tuple(f"{source}: {w}" for w in notes))


def read_arff(text: str, source: str, encoding: str, digest: str, notes: tuple[str, ...], field: str) -> RawTable:
    """An ARFF file's rows, its columns named by its `@attribute` lines (`risk.models.arff`)."""
    header = arff.read_header(text, source, field)
    payload = arff.data_rows(text, header, source, field).encode("utf-8", errors="replace")
    frame = parse(payload, ",", False, source, field, names=header.names, quote=header.quote)
    if frame.empty:
        raise InvalidData(f"{source} is an ARFF file with no data rows", field=field)
    relation = f" {header.relation!r}" if header.relation else ""
    note = f"read as Weka ARFF (relation{relation}), {len(header.names)} columns named by its @attribute lines"
    return RawTable(frame, source, ",", True, encoding, digest, tuple(f"{source}: {w}" for w in (*notes, note)))


def second_header(rows: list[list[str]]) -> bool:
    """Whether the row under the header names the columns too: a two-row header, as a sheet with
    grouped headings or coded names over plain ones (UCI's Taiwan file: `X1` over `LIMIT_BAL`) is
    saved as CSV. Its cells hold no number, are distinct, and every column of numbers below it
    has a name there — at least two, and a blank only under a name in the first row (a grouped
    heading over its own column) — never a missing-value code as a data row would."""
    if len(rows) < 4 or len(rows[1]) != len(rows[0]):
        return False
    cells = [cell.strip() for cell in rows[1]]
    named = [cell for cell in cells if cell]
    if any(NUMBER.match(cell) for cell in named) or len(set(named)) != len(named):
        return False
    numeric = 0
    for position, cell in enumerate(cells):
        below = [row[position].strip() for row in rows[2:] if position < len(row) and row[position].strip()]
        if len(below) < 2 or sum(1 for value in below if NUMBER.match(value)) < 0.9 * len(below):
            continue
        if cell.lower() in MISSING_TOKENS and (cell or not rows[0][position].strip()):
            return False
        numeric += bool(cell)
    return numeric >= 2


def upper_names(frame: pd.DataFrame, upper: list[str]) -> dict[str, str]:
    """Name the frame's unnamed columns by the first header row (`upper`) and return the first row's
    names that now name another column (`X1` → `LIMIT_BAL`), which `resolve_column` also accepts."""
    names = list(frame.columns)
    written = [cell.strip() for cell in upper]
    for position, old in enumerate(written):
        if old and names[position] == f"c{position + 1}" and old not in names:
            names[position] = old
    frame.columns = names
    unique = {cell for cell in written if cell and written.count(cell) == 1}
    return {old: names[p] for p, old in enumerate(written) if old in unique and old != names[p] and old not in names}


def first_lines(text: str, count: int) -> list[str]:
    """The text's first `count` lines (blank ones included), without copying the rest of it."""
    lines, start = [], 0
    for match in LINE_BREAK.finditer(text):
        lines.append(text[start : match.start()])
        start = match.end()
        if len(lines) == count:
            return lines
    return [*lines, text[start:]]


def load_bytes(path: Path, field: str) -> tuple[bytes, str]:
    """The table's bytes and where they came from: the file's, decompressed, or its zip's largest text member."""
    if not path.exists() or not path.is_file():
        raise InvalidData(f"{path} does not exist or is not a file", field=field)
    if path.stat().st_size > BYTES_MAX:
        raise InvalidData(f"{path} is larger than {BYTES_MAX} bytes", field=field)
    data = decompressed(path.read_bytes(), str(path), field)
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return data, str(path)
    office = office_form(data)
    if office == binary_tables.XLSX:
        return data, str(path)
    if office:
        raise InvalidData(f"{path} is {office}, which is not read: save it as .xlsx or CSV", field=field)
    found = largest_member(data, str(path), 0, field)
    if found is None:
        raise InvalidData(f"{path} is a zip archive with no delimited text file inside", field=field)
    return found[1], found[0]


def room_to_read(size: int, source: str, field: str) -> None:
    """Refuse, before parsing, a table whose text needs more memory to read than the machine has free:
    pandas' frame of text peaks near READ_PEAK_PER_BYTE times the text (measured: 2.08 GB for a 303 MB
    export), and a process that runs out is killed with no message at all."""
    available = memory_available()
    needed = size * READ_PEAK_PER_BYTE
    if available is not None and needed > available:
        raise InvalidData(
            f"{source} holds {bytes_text(size)} of text: reading it takes about {bytes_text(needed)} of memory and "
            f"{bytes_text(available)} is free; train on a sample of its rows, or on a larger machine",
            field=field,
        )


def bytes_text(count: float) -> str:
    return f"{count / 2**30:.1f} GiB" if count >= 2**30 else f"{count / 2**20:.1f} MiB"


def memory_available() -> int | None:
    """Bytes of memory the kernel can give without swapping (Linux's MemAvailable); None elsewhere."""
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def office_form(data: bytes) -> str:
    """What a zip archive is when it is an office file, in words ("" if none): an Excel workbook
    (`binary_tables.XLSX`, read), or Excel's binary workbook (.xlsb), OpenDocument (.ods, .odt), Word
    (.docx), PowerPoint (.pptx), which are not."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        mimetype = archive.read("mimetype").decode("ascii", "replace").strip() if "mimetype" in names else ""
    if "xl/workbook.xml" in names:
        return binary_tables.XLSX
    if "xl/workbook.bin" in names:
        return "an Excel binary workbook (.xlsb)"
    if mimetype.startswith("application/vnd.oasis.opendocument"):
        return f"an OpenDocument {mimetype.rsplit('.', 1)[-1]} (.od*)"
    if "word/document.xml" in names:
        return "a Word document (.docx)"
    if "ppt/presentation.xml" in names:
        return "a PowerPoint presentation (.pptx)"
    return ""


def decompressed(data: bytes, source: str, field: str) -> bytes:
    """`data` itself, or, when it starts as a gzip, bzip2 or xz stream does, what it decompresses to
    (at most BYTES_MAX bytes: a small file may expand to far more)."""
    for magic, name, opener in COMPRESSED:
        if not data.startswith(magic):
            continue
        try:
            with opener(io.BytesIO(data)) as stream:
                plain = stream.read(BYTES_MAX + 1)
        except (OSError, EOFError, lzma.LZMAError) as exc:
            raise InvalidData(f"{source} is {name}-compressed but cannot be decompressed ({exc})", field=field) from exc
        if len(plain) > BYTES_MAX:
            raise InvalidData(f"{source} decompresses to more than {BYTES_MAX} bytes", field=field)
        return plain
    return data


def largest_member(data: bytes, name: str, depth: int, field: str = "data") -> tuple[str, bytes] | None:
    """The largest table member (text, workbook, Parquet) of a zip archive, looking inside nested archives too."""
    if depth > ZIP_DEPTH_MAX:
        return None
    best: tuple[str, bytes] | None = None
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            lowered = info.filename.lower()
            if info.is_dir() or info.file_size > BYTES_MAX or "__macosx" in lowered:
                continue
            if lowered.endswith(".zip"):
                candidate = largest_member(archive.read(info), f"{name}!{info.filename}", depth + 1, field)
            elif lowered.endswith(TEXT_SUFFIXES + TABLE_SUFFIXES):
                candidate = (f"{name}!{info.filename}", archive.read(info))
            elif lowered.endswith(COMPRESSED_SUFFIXES) and lowered.rsplit(".", 1)[0].endswith(TEXT_SUFFIXES):
                candidate = (f"{name}!{info.filename}", decompressed(archive.read(info), f"{name}!{info.filename}", field))
            else:
                continue
            if candidate is not None and (best is None or len(candidate[1]) > len(best[1])):
                best = candidate
    return best


def document_kind(first: str) -> str:
    """What a text file that is no table is, by its first line, in words ("" when it may be a table):
    JSON (an array, or an object per line) and HTML or XML. Split by commas, a JSON line is a row of
    `"key": value` cells: read as CSV, the first object became the header and the rest its rows."""
    head = first.lstrip("\ufeff \t")
    if head.startswith("<") and MARKUP.match(head):
        return "an HTML or XML document"
    if not head.startswith(("[", "{")):
        return ""
    try:
        whole = json.loads(head)
    except RecursionError:  # `[[[[…` nested past the decoder's depth: no JSON a table was ever exported as
        return ""
    except ValueError:  # an object or array running over lines, or no JSON (`[id],[amount]`: SQL Server's names)
        opened = head.rstrip() in ("[", "{") or head.startswith(("[{", "[[")) or bool(JSON_KEY.match(head[1:]))
        return "a JSON file" if opened else ""
    return "a JSON-lines file" if isinstance(whole, dict) else "a JSON file"


def binary_form(data: bytes) -> str:
    """The binary table form `data` is in (`risk.binary_tables`: an Excel workbook or a Parquet
    file, in words), or "" for text."""
    if data.startswith(binary_tables.PARQUET_MAGIC) and data.endswith(binary_tables.PARQUET_MAGIC):
        return binary_tables.PARQUET
    if data.startswith(binary_tables.OLE2_MAGIC):
        return binary_tables.XLS
    if data.startswith(b"PK") and zipfile.is_zipfile(io.BytesIO(data)) and office_form(data) == binary_tables.XLSX:
        return binary_tables.XLSX
    return ""


def binary_kind(data: bytes) -> str:
    """What a binary file is, by its first bytes, in words: the formats a table is most often handed over in."""
    for magic, kind in BINARY_KINDS:
        if data.startswith(magic):
            return kind
    return "binary"


def decode(data: bytes, field: str) -> tuple[str, str, tuple[str, ...]]:
    """The text, its encoding and what was replaced to read it (the warnings)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Excel's "Unicode Text" export
        try:
            return data.decode("utf-16"), "utf-16", ()
        except UnicodeDecodeError as exc:
            raise InvalidData(f"the file starts as UTF-16 text but is not ({exc.reason})", field=field) from exc
    head = data[:65536]
    if b"\x00" in head:
        raise InvalidData(f"the file is {binary_kind(data)}, not a delimited text (CSV) file{EXPORT_HINT}", field=field)
    try:
        return data.decode("utf-8-sig"), "utf-8", ()
    except UnicodeDecodeError as exc:
        first_bad = exc.start + (3 if data.startswith(codecs.BOM_UTF8) else 0)
    text, replaced, decoded = lenient(data, "utf-8-sig")
    if decoded >= VALID_SHARE_MIN * (decoded + replaced):  # UTF-8 with a stray byte or two
        return text, "utf-8", (replacement_warning(data, "UTF-8", replaced, first_bad),)
    chinese = gb18030_text(data)
    if chinese is not None:
        return chinese
    # `€` and smart quotes: Excel's CSV on a Western Windows is Windows-1252
    encoding = "cp1252" if WINDOWS_BYTES.search(data) else "latin-1"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:  # one of Windows-1252's five unassigned bytes: Latin-1 after all
        text, encoding = data.decode("latin-1"), "latin-1"
    controls = sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\t\r\n")
    if controls > len(text[:65536]) * 0.01:
        raise InvalidData(f"the file is {binary_kind(data)}, not a delimited text (CSV) file{EXPORT_HINT}", field=field)
    return text, encoding, ()


def lenient(data: bytes, encoding: str) -> tuple[str, int, int]:
    """`data` decoded with each invalid byte sequence replaced by U+FFFD, the number replaced and
    the number of non-ASCII characters decoded (those a U+FFFD the file itself holds included)."""
    text = data.decode(encoding, errors="replace")
    replaced = text.count(REPLACEMENT) - data.count(REPLACEMENT.encode(encoding.removesuffix("-sig")))
    non_ascii = len(text) - len(text.encode("ascii", errors="ignore"))
    return text, replaced, non_ascii - replaced


def replacement_warning(data: bytes, encoding: str, replaced: int, first_bad: int) -> str:
    line = len(BYTE_LINE_BREAK.findall(data, 0, first_bad)) + 1
    what = "byte sequence that is" if replaced == 1 else "byte sequences that are"
    return (
        f"{replaced} {what} not {encoding} read as U+FFFD; the first at line {line}, "
        f"byte {first_bad} (0x{data[first_bad]:02x}); the rest of the text is {encoding}"
    )


def gb18030_text(data: bytes) -> tuple[str, str, tuple[str, ...]] | None:
    """The text of a Chinese export in GBK/GB18030 (what Excel saves on a Chinese Windows), else None.

    Latin-1 bytes often decode as GB18030 too, so the decoding must look Chinese: its non-ASCII
    characters CJK (ideographs, punctuation, full-width forms), and its non-ASCII bytes in runs (a
    Chinese character is two bytes, a Western accented letter one byte between ASCII letters).
    A stray byte that is no GB18030 is read as U+FFFD (and counts against looking Chinese)."""
    try:
        text, notes = data.decode("gb18030"), ()
    except UnicodeDecodeError as exc:
        text, replaced, decoded = lenient(data, "gb18030")
        if decoded < VALID_SHARE_MIN * (decoded + replaced):
            return None
        notes = (replacement_warning(data, "GB18030", replaced, exc.start),)
    sample = text[:SAMPLE_CHARS]
    foreign, cjk = len(NON_ASCII.findall(sample)), len(CJK.findall(sample))
    runs = [len(run) for run in HIGH_BYTES.findall(data[: 4 * SAMPLE_CHARS])]
    in_pairs = sum(n for n in runs if n >= 2)
    if foreign and cjk >= CHINESE_SHARE_MIN * foreign and in_pairs >= CHINESE_SHARE_MIN * sum(runs):
        return text, "gb18030", notes
    return None


def misread_as(name: str, present: object) -> tuple[str, str] | None:
    """(column, encoding): the column among `present` whose UTF-8 or GB18030 bytes `name` is, read as
    Latin-1 ('³ÇÊÐ' is '城市' in GB18030) — how a model trained on a file misread as Latin-1 names it."""
    try:
        data = name.encode("latin-1")
    except UnicodeEncodeError:
        return None
    for encoding in ("UTF-8", "GB18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if text != name and text in present:
            return text, encoding
    return None


def sniff_separator(lines: list[str], source: str, field: str) -> str:
    """The separator that splits the sampled lines into the same number (≥ 2) of fields (a title
    and a footer with fewer aside), the most fields if several do (the first listed on a tie) — but
    never the comma when another does and every comma sits between two digits: `5,73;0,270;0`
    splits into three by the comma too, and those commas are decimal commas."""
    found: list[tuple[int, int, str]] = []
    for position, separator in enumerate(SEPARATORS):
        try:
            counts = [len(row) for row in csv.reader(lines, delimiter=separator)]
        except csv.Error:  # a field past the csv module's limit (131,072 characters): not this separator
            continue
        # rows, not lines: a quoted field may run over several lines (an address, a note)
        fields, agreeing = agreement(counts)
        if fields >= 2 and agreeing:
            found.append((fields, -position, separator))
    if len(found) > 1 and not any(NOT_DECIMAL_COMMA.search(line) for line in lines):
        found = [candidate for candidate in found if candidate[2] != ","]
    if found:
        return max(found)[2]
    fields, agreeing = agreement([len(line.split()) for line in lines])
    if fields >= 2 and agreeing:
        return WHITESPACE
    raise InvalidData(
        f"{source} is not a delimited table: no ',', ';', tab, '|' or whitespace separator "
        "splits its lines into the same number of columns",
        field=field,
    )


def agreement(counts: list[int]) -> tuple[int, bool]:
    """The table's width (`table_width`), and whether nine in ten rows have it, not counting the
    rows with fewer at the top (a title) or at the bottom (a footer), at most PREAMBLE_MAX of each."""
    fields = table_width(counts)
    lead = short_run(counts, fields)
    tail = len(counts) - short_run(counts[lead:][::-1], fields)
    table = counts[lead:tail]  # two rows at least when it sets lines aside: one line of prose is no table
    agreeing = len(table) >= (2 if len(table) < len(counts) else 1) and table.count(fields) >= 0.9 * len(table)
    return fields, agreeing


def table_width(counts: list[int]) -> int:
    """The fields most rows of the lower half have (the wider on a tie): titles sit at the top, and in
    a small export they can be as many as its rows."""
    found = Counter(counts[len(counts) // 2 :])
    return max(found, key=lambda width: (found[width], width))


def short_run(counts: list[int], fields: int) -> int:
    """How many of the first counts are under `fields` in a row (at most PREAMBLE_MAX; never all)."""
    run = 0
    while run < min(PREAMBLE_MAX, len(counts) - 1) and counts[run] < fields:
        run += 1
    return run


def split_lines(lines: list[str], separator: str) -> list[list[str]]:
    if separator == WHITESPACE:
        return [line.split() for line in lines]
    return list(csv.reader(lines, delimiter=separator))


def preamble_lines(lines: list[str], separator: str) -> int:
    """How many of the first (non-blank) lines come before the table: those with fewer fields than
    most rows have, at most PREAMBLE_MAX — but not a header one field short of its rows (no number
    in it), which R's `write.table` writes (its rows start with a name the header has no cell for)
    and so do exports that end every row with a separator."""
    fields = table_width([len(row) for row in split_lines(lines, separator)])
    counts = [len(split_lines([line], separator)[0]) for line in lines[: PREAMBLE_MAX + 1]]  # line by line
    lead = short_run(counts, fields)
    if lead == PREAMBLE_MAX and counts[lead] < fields:
        return 0  # not a preamble: the table's own rows are ragged, and parsing says where
    if not lead or counts[lead - 1] != fields - 1:
        return lead
    header_and_rows = split_lines(lines[lead - 1 :], separator)
    if not looks_like_header(header_and_rows):
        return lead
    # One name short of its rows, the last short line is the table's header when the rows end in an
    # empty field (a separator after each row), or when it is the first line (R writes no title).
    trailing = ends_with_separator(header_and_rows)
    return lead - 1 if trailing or (lead == 1 and fields >= 3) else lead


def line_offset(text: str, skipped: int, begin: int = 0) -> int:
    """Where the text's line after its first `skipped` non-blank lines from `begin` starts."""
    seen, start = 0, begin
    for match in LINE_BREAK.finditer(text, begin):
        if text[start : match.start()].strip():
            seen += 1
        start = match.end()
        if seen == skipped:
            return start
    return len(text)


def looks_like_header(rows: list[list[str]]) -> bool:
    """A first row is a header when none of its cells is a number (data rows of credit files hold some)."""
    return not any(NUMBER.match(cell.strip()) for cell in rows[0] if cell.strip())


def without_repeated_header(frame: pd.DataFrame, header: list[str]) -> tuple[pd.DataFrame, int]:
    """The frame without rows that repeat the header cell for cell (exports concatenated with `cat`)."""
    names = [cell.strip() for cell in header]
    if len(names) != frame.shape[1]:
        return frame, 0
    suspects = frame.index[frame.iloc[:, 0].to_numpy() == names[0]]  # one column first: most files have none
    if suspects.empty:
        return frame, 0
    repeated = suspects[(frame.loc[suspects] == names).all(axis=1).to_numpy()]
    return (frame.drop(index=repeated).reset_index(drop=True), len(repeated)) if len(repeated) else (frame, 0)


def row_names(rows: list[list[str]]) -> bool:
    """Whether most rows hold one field more than the header (R's `write.table`: a name starts each row)."""
    return len(rows) > 1 and Counter(len(row) for row in rows[1:]).most_common(1)[0][0] == len(rows[0]) + 1


def ends_with_separator(rows: list[list[str]]) -> bool:
    """Whether the rows carry one field more than the header only because each ends with a separator
    (`1,2,3,` under `a,b,c`). pandas takes a header one field short for R's row names and makes the
    first column the index, which here would shift every value one column to the left."""
    width = len(rows[0]) + 1
    data = [row for row in rows[1:] if len(row) == width]
    return bool(data) and all(not row[-1].strip() for row in data)


def parse(
    payload: bytes, separator: str, has_header: bool, source: str, field: str, trailing: bool = False,
    names: list[str] | None = None, quote: str = '"',
) -> pd.DataFrame:
    """The table in `payload` (UTF-8) as a frame of stripped strings; `names` and `quote` read an ARFF
    file's rows (names from its header, values quoted with `quote` and escaped with a backslash)."""
    options: dict[str, object] = {"sep": r"\s+"} if separator == WHITESPACE else {"sep": separator}
    if trailing:
        options["index_col"] = False  # the rows' last, empty field is dropped; no column becomes the index
    if names is not None:
        options.update(names=names, quotechar=quote, escapechar="\\", skipinitialspace=True, index_col=False)
    try:
        with warnings.catch_warnings():  # pandas warns that index_col=False drops the empty last fields
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            frame = pd.read_csv(
                io.BytesIO(payload),
                encoding="utf-8",
                header=0 if has_header else None,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                skip_blank_lines=True,
                **options,
            )
    except (pd.errors.ParserError, ValueError) as exc:
        raise InvalidData(f"{source} cannot be read as a table: {' '.join(str(exc).split())}", field=field) from exc
    frame.columns = column_names(list(frame.columns), has_header or names is not None)
    # One column at a time (a whole second frame would double the peak), through `map`: the `.str`
    # accessor ties itself and the column in a cycle, which only the cyclic collector frees.
    for position in range(frame.shape[1]):
        frame.isetitem(position, frame.iloc[:, position].map(str.strip, na_action="ignore"))
    return frame


def column_names(raw: list[object], has_header: bool) -> list[str]:
    """Header names as written; blank, unnamed or absent ones become `c<position>` (1-based)."""
    names: list[str] = []
    for position, name in enumerate(raw, start=1):
        text = str(name).strip() if has_header else ""
        if not text or text.startswith("Unnamed:"):
            text = f"c{position}"
        names.append(text)
    return names


def name_words(name: str) -> str:
    """A column name's words, lower case, whatever joins them (blanks, `.`, `_`, `-`)."""
    return " ".join(NAME_JOINTS.split(name.casefold())).strip()


def resolve_column(columns: list[str], wanted: str, field: str, aliases: dict[str, str] | None = None) -> str:
    """The column that `wanted` names: an exact or case-insensitive name, another name the file gives
    it (`aliases`: a second header row's), the one name of the same words joined otherwise
    (`default.payment.next.month` for `default payment next month`), a 1-based position, or `last`."""
    text = wanted.strip()
    if text in columns:
        return text
    if aliases and text in aliases:
        return aliases[text]
    folded = [c for c in columns if c.lower() == text.lower()]
    if len(folded) == 1:
        return folded[0]
    # `default payment next month` (UCI's Taiwan sheet) names `default.payment.next.month` (its Kaggle
    # copy, as R writes names) and `default_payment_next_month`: the same words, other joints
    spelled = [c for c in columns if name_words(c) == name_words(text)]
    if len(spelled) == 1 and name_words(text):
        return spelled[0]
    if text.lower() == "last":
        return columns[-1]
    if text.isdigit() and 1 <= int(text) <= len(columns):
        return columns[int(text) - 1]
    shown = ", ".join(columns[:12]) + (", …" if len(columns) > 12 else "")
    raise InvalidData(f"no column {wanted!r} in the data (columns: {shown})", field=field)
