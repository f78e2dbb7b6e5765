"""A new file read by a model that learnt from another: its own ways of writing the same values.

The column specs a model keeps say how its *training* file wrote each column. A batch scored,
evaluated or monitored later may come from another export of the same system: a European one with
decimal commas, a report with `$1,234.50`, dates as `31/12/2024` where training saw `2024-12-31`,
`rent` where training saw `RENT`. Read by the training file's forms, such values were silently
missing (or, worse, a point file's `1.250` read as 1,250 by a decimal-comma spec) and the metrics
computed on them wrong. `file_specs` gives each column the forms of the file at hand, keeping everything the model
learnt (kind, categories, missing codes, median):

- a number column takes the decimal mark and decoration this file's own values show, inferred by
  the rule training used (`columns.infer_kind`), both ways;
- a date column keeps its format while that reads the file's values (so a day/month order the
  training file settled stays settled), else takes the format the file's values read in;
- a column the model needs, absent by its own name, is the file's one column of that name but for
  letter case and blanks (`INCOME` for `income`: Oracle's exports write names in capitals);
- a category value the model does not know, equal to one it knows but for letter case or inner
  blanks, is read as that one (only when exactly one matches).

Each adaptation is a note, and `unread_notes` names every column some of whose values still could not
be read (read as missing), so no file's misreading goes unsaid.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from creditline.risk.models.columns import (
    CATEGORY,
    DATE,
    DOT_GROUPED,
    NUMBER,
    PARSED_SHARE_MIN,
    ColumnSpec,
    as_text,
    column_values,
    describe_kind,
    infer_date_format,
    infer_kind,
    is_missing_text,
    parse_dates,
)

EXAMPLES_MAX = 3


def matched_columns(specs: list[ColumnSpec], frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """`frame` with each needed column it lacks by name taken from its one column of that name but for
    letter case and blanks (several such columns, or none: left for the caller to refuse)."""
    columns = [str(c) for c in frame.columns]
    by_fold: dict[str, list[str]] = {}
    for column in columns:
        by_fold.setdefault(fold(column), []).append(column)
    needed = {spec.name for spec in specs}
    absent = [spec.name for spec in specs if spec.name not in columns]
    renames = {}
    for name in absent:
        found = [c for c in by_fold.get(fold(name), []) if c not in needed]
        if len(found) == 1 and sum(fold(other) == fold(name) for other in absent) == 1:
            renames[found[0]] = name
    if not renames:
        return frame, []
    pairs = [f"{new} from {old!r}" for old, new in renames.items()]
    note = f"columns named but for letter case or blanks as the model names them, read so: {listed(pairs)}"
    return frame.rename(columns=renames), [note]


def file_specs(specs: list[ColumnSpec], frame: pd.DataFrame, separator: str) -> tuple[list[ColumnSpec], list[str]]:
    """The specs that read `frame`'s columns as this file writes them, and a note per change."""
    adapted, notes = [], []
    for spec in specs:
        raw = frame[spec.name] if spec.name in frame.columns else None
        if raw is None or not (pd.api.types.is_string_dtype(raw) or pd.api.types.is_object_dtype(raw)):
            adapted.append(spec)
            continue
        text = as_text(raw)
        present = text[~is_missing_text(text)]
        found = file_form(spec, present, separator) if not present.empty else spec
        if reads_differently(spec, found):
            notes.append(f"column {spec.name}: {change_note(spec, found, present)}")
        adapted.append(found)
    return adapted, notes


def file_form(spec: ColumnSpec, present: pd.Series, separator: str) -> ColumnSpec:
    if spec.kind == NUMBER:
        kind, options = infer_kind(present, separator)
        if kind != NUMBER:
            return spec  # too few values read as numbers in any form: the spec's own, the rest reported
        comma = options.get("decimal_comma", False)
        if spec.decimal_comma and not comma and not shows_decimal_points(present):
            comma = True  # no value tells (`45.000` groups thousands or has three decimals): training's mark stands
        unit = spec.unit or options.get("unit", "")  # a unit learnt stays: values in another are unread
        bands = spec.bands or options.get("bands", False)  # so do bands: a file of single numbers reads alike
        return replace(spec, decimal_comma=comma, decorated=options.get("decorated", False), unit=unit, bands=bands, index={})
    if spec.kind == DATE:
        if parse_dates(present, spec.date_format).notna().mean() >= PARSED_SHARE_MIN:
            return spec
        date_format = infer_date_format(present)
        return replace(spec, date_format=date_format, index={}) if date_format else spec
    if spec.kind == CATEGORY:
        aliases = category_aliases(spec, present)
        return replace(spec, index=aliases) if aliases else spec
    return spec


def shows_decimal_points(present: pd.Series) -> bool:
    """Whether some value has a point no thousands grouping writes (`0.5`, `1234.567`): a point file."""
    dotted = present[present.str.contains(".", regex=False)]
    return bool((~dotted.str.match(DOT_GROUPED)).any())


def category_aliases(spec: ColumnSpec, present: pd.Series) -> dict[str, int]:
    """Unknown values that equal exactly one known category but for letter case and blanks."""
    unknown = pd.Series(present.unique())
    unknown = unknown[~unknown.isin(spec.index.keys())]
    if unknown.empty:
        return {}
    folded: dict[str, list[int]] = {}
    for value, code in spec.index.items():
        folded.setdefault(fold(value), []).append(code)
    aliases = {}
    for value in unknown:
        codes = folded.get(fold(value), [])
        if len(codes) == 1:
            aliases[value] = codes[0]
    return aliases


def fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def reads_differently(old: ColumnSpec, new: ColumnSpec) -> bool:
    """Whether the file's form changes what a value reads as (a decorated spec reads plain numbers alike)."""
    return (
        old.decimal_comma != new.decimal_comma
        or (new.decorated and not old.decorated)
        or old.unit != new.unit
        or old.bands != new.bands
        or old.date_format != new.date_format
        or old.index != new.index
    )


def change_note(old: ColumnSpec, new: ColumnSpec, present: pd.Series) -> str:
    if old.kind == CATEGORY:
        added = sorted((code, value) for value, code in new.index.items() if value not in old.index)
        pairs = [f"{value!r} as {old.categories[code]!r}" for code, value in added]
        return f"read {listed(pairs)} (the model's categories but for letter case or blanks)"
    head = present.head(1000)
    odd = head[pd.to_numeric(head, errors="coerce").isna()] if old.kind == NUMBER else head
    example = (odd if not odd.empty else head).iloc[0]
    return f"read as {form_words(new)} as this file writes them (e.g. {example!r}); the training file had {form_words(old)}"


def listed(items: list[str]) -> str:
    more = len(items) - EXAMPLES_MAX
    return ", ".join(items[:EXAMPLES_MAX]) + (f" and {more} more" if more > 0 else "")


def form_words(spec: ColumnSpec) -> str:
    if spec.kind == DATE:
        return f"dates in {spec.date_format}"
    mark = "decimal commas" if spec.decimal_comma else "decimal points"
    unit = f" in {spec.unit!r}" if spec.unit else ""
    what = "numbers or ranges" if spec.bands else "numbers"
    return f"{what}{unit} with {mark}" + (" and currency, percent or grouping marks" if spec.decorated else "")


def unread_notes(specs: list[ColumnSpec], frame: pd.DataFrame, features: np.ndarray) -> list[str]:
    """A note per column whose present values the spec could not read: they were read as missing.

    Only columns with more missing features than missing raw values are looked at value by value
    (a number's sentinel codes are missing by design and are not counted)."""
    notes = []
    for position, spec in enumerate(specs):
        if spec.kind == CATEGORY or spec.name not in frame.columns:
            continue
        missing = np.isnan(features[:, position])
        if not missing.any():
            continue
        text = as_text(frame[spec.name])
        blank = is_missing_text(text).to_numpy()
        unread = missing & ~blank
        if not unread.any():
            continue
        if spec.missing_codes:  # a sentinel code reads, as a code: read again without the codes
            unread &= np.isnan(column_values(replace(spec, missing_codes=(), index={}), frame[spec.name]))
        count = int(unread.sum())
        if count:
            examples = ", ".join(repr(v) for v in pd.unique(text[unread])[:EXAMPLES_MAX])
            notes.append(
                f"column {spec.name}: {count} of {int((~blank).sum())} values are not {describe_kind(spec)} "
                f"and were read as missing (e.g. {examples})"
            )
    return notes
