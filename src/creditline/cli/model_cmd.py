"""`creditline model train|evaluate|report|monitor|score`: PD models on a lender's own data.

Heavy libraries (pandas, LightGBM, optbinning, matplotlib) are imported inside the commands so
that `creditline --help` stays fast. Progress goes to stderr; `--json` output alone to stdout.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer

model_app = typer.Typer(help="Train, evaluate, report on, monitor and score PD models.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(model_app, name="model")


def emit(data: dict, as_json: bool, lines: list[str]) -> None:
    if as_json:
        typer.echo(json.dumps(data, indent=1, default=str, allow_nan=False))
    else:
        for line in lines:
            typer.echo(line)


SHEET_HELP = "The workbook's sheet to read, by name (default: the one the model was trained on if the workbook has it, else its fullest visible sheet)."


def read_data(path: Path, field: str = "data", sheet: str | None = None, scorer=None):  # type: ignore[no-untyped-def]
    """The table at `path`; what reading it had to replace (a stray byte) is a warning on stderr. A
    workbook given to a model is read by the sheet the model was trained on when it has one so named."""
    from creditline.risk.models import read_table

    trained_on = None if scorer is None else (scorer.metadata.get("data") or {}).get("sheet")
    table = read_table(path, field=field, sheet=sheet, preferred=trained_on)
    warn(table.warnings)
    return table


def warn(notes: list[str]) -> None:
    for note in notes:
        typer.echo(f"warning: {note}", err=True)


def parse_monotone(values: list[str]) -> dict[str, int]:
    from creditline.risk.models import InvalidData

    parsed = {}
    for item in values:
        column, _, sign = item.rpartition("=")
        if not column or sign.strip() not in ("+1", "1", "-1", "+", "-"):
            raise InvalidData(f"{item!r}: write COLUMN=+1 (risk rises with it) or COLUMN=-1", field="monotone")
        parsed[column] = -1 if sign.strip().startswith("-") else 1
    return parsed


def parse_labels(path: Path | None) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """(column → label, language → column → label) of a `--labels` file: each column's plain words, or
    its words per language (`{"DebtRatio": {"en": "Debt ratio", "zh": "负债比率"}}`; `en` is the label)."""
    from creditline.risk.models import InvalidData
    from creditline.risk.models.labels import split_labels

    if path is None:
        return {}, {}
    try:
        labels = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        raise InvalidData(f"cannot read {path} as JSON ({exc})", field="labels") from exc
    return split_labels(labels)


def parse_codes(values: list[str]) -> tuple[float, ...]:
    from creditline.risk.models import InvalidData

    codes = []
    for item in values:
        for part in item.split(","):
            try:
                codes.append(float(part))
            except ValueError as exc:
                raise InvalidData(f"{part!r} is not a number", field="missing_code") from exc
    return tuple(codes)


@model_app.command("train")
def train_command(
    data: Path = typer.Option(..., "--data", help="CSV/delimited text (plain, gzip, bzip2, xz), an Excel workbook (.xlsx, .xls), Parquet, JSON lines, or a zip of one; header optional (then columns are c1, c2, …)."),
    target: str = typer.Option(..., "--target", help="Target column: name, 1-based position, or 'last'."),
    out: Path = typer.Option(..., "--out", help="Model directory to write (replaced atomically)."),
    sheet: str | None = typer.Option(None, "--sheet", help="The workbook's sheet to read, by name (default: its fullest visible sheet)."),
    positive: list[str] = typer.Option([], "--positive", help="Target value meaning bad (repeatable; default: inferred)."),
    negative: list[str] = typer.Option(
        [], "--negative", help="Target value meaning good (repeatable); rows of any other value are left out as indeterminate."
    ),
    time_column: str | None = typer.Option(None, "--time", help="Date/number column for an out-of-time split."),
    ids: list[str] = typer.Option([], "--id", help="Identifier column to exclude (repeatable); one whose values repeat (a customer id over several loans) also keeps each customer's rows on one side of the split."),
    monotone: list[str] = typer.Option([], "--monotone", help="COLUMN=+1 or COLUMN=-1: risk only rises/falls with it."),
    missing_codes: list[str] = typer.Option([], "--missing-code", help="Extra sentinel value(s) meaning missing."),
    labels: Path | None = typer.Option(None, "--labels", help='JSON object: column → plain words for reason codes, or → {"en": …, "zh": …} per language.'),
    trials: int | None = typer.Option(
        None, "--trials", min=1, max=200, help="Search settings to try (default: as many as the data size's work budget allows)."
    ),
    engineered: str = typer.Option(
        "auto", "--engineered", help="Engineered features: auto (kept if they raise validation AUC), on, off."
    ),
    budget: float = typer.Option(
        600.0, "--budget", min=1.0, help="CPU-seconds cap on the search: a guard only; the search is sized by work, not time."
    ),
    threads: int = typer.Option(2, "--threads", min=1, max=64, help="Threads for LightGBM."),
    seed: int = typer.Option(7, "--seed"),
    as_json: bool = typer.Option(False, "--json", help="Print the training summary as JSON."),
) -> None:
    """Train the champion (LightGBM), the scorecard and the calibration; pick the champion by validation AUC."""
    import gc
    from datetime import UTC, datetime

    from creditline.risk.models import TrainingOptions, save_model
    from creditline.risk.models.registry import check_writable
    from creditline.risk.models.training import STAGES, check_options, fit, prepare

    check_writable(out)  # before minutes of training, not after
    english_labels, label_words = parse_labels(labels)
    started, cpu_started = time.monotonic(), time.process_time()
    options = TrainingOptions(
        target=target, positive=tuple(positive) or None, negative=tuple(negative), time=time_column, ids=tuple(ids), monotone=parse_monotone(monotone),
        missing_codes=parse_codes(missing_codes), budget_s=budget, trials=trials, engineered=engineered, threads=threads, seed=seed,
        labels=english_labels, label_words=label_words,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    check_options(options)
    with stage_bar(("read", *STAGES, "save")) as advance:
        advance("read")
        table = read_data(data, sheet=sheet)
        advance("types")
        prepared = prepare(table, options)
        del table  # its text goes: training holds the features only
        gc.collect()  # pandas' accessors tie the table's columns in cycles: free them now, not some day
        return_freed_memory()
        artifacts = fit(prepared, options, progress=advance)
        advance("save")
        save_model(artifacts, out)
    summary = training_summary(artifacts.metadata, out, time.monotonic() - started)
    summary["cpu_seconds"] = round(time.process_time() - cpu_started, 2)
    emit(summary, as_json, training_lines(summary))


def return_freed_memory() -> None:
    """Hand the freed heap back to the system (glibc's `malloc_trim`): the table's millions of small
    blocks stay mapped otherwise, and training's large arrays are mapped afresh beside them (a 100,000-row,
    122-column export: 0.29 GB resident once prepared instead of 0.40 GB). Elsewhere, nothing."""
    import contextlib
    import ctypes
    import ctypes.util

    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to trim this way
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)


class stage_bar:
    """A rich progress bar on stderr that advances one stage at a time."""

    def __init__(self, stages: tuple[str, ...]) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.stages = stages
        console = Console(stderr=True)
        # Drawn only on a terminal and cleared when done, so an error stays the one line on stderr.
        self.progress = Progress(
            TextColumn("{task.description:<12}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(), console=console, transient=True, disable=not console.is_terminal,
        )
        self.task = None

    def __enter__(self):
        self.progress.start()
        self.task = self.progress.add_task("start", total=len(self.stages))
        seen: list[str] = []

        def advance(stage: str) -> None:
            if seen:
                self.progress.advance(self.task)
            seen.append(stage)
            self.progress.update(self.task, description=stage)

        return advance

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self.progress.update(self.task, completed=len(self.stages), description="done")
        self.progress.stop()


def training_summary(metadata: dict, out: Path, seconds: float) -> dict:
    test = metadata["metrics"]["test"]
    champion = {k: test["champion"][k] for k in ("n", "auc", "gini", "ks", "brier", "log_loss", "auc_ci95")}
    return {
        "model_id": metadata["model_id"],
        "out": str(out),
        "rows": metadata["data"]["rows"],
        "rows_without_target": metadata["data"].get("rows_without_target", 0),
        "rows_indeterminate": metadata["target"].get("rows_indeterminate", 0),
        "bad_value": metadata["target"]["bad_value"],
        "bad_values": metadata["target"].get("bad_values", [metadata["target"]["bad_value"]]),
        "good_values": metadata["target"].get("good_values", []),
        "bad_rate": metadata["target"]["bad_rate"],
        "features": [f["name"] for f in metadata["features"]],
        "dropped": metadata["dropped"],
        "split": metadata["split"]["method"],
        "champion": metadata["champion"]["kind"],
        "blend_weight": metadata["champion"]["blend_weight"],
        "calibration": metadata["champion"]["calibration"],
        "calibration_reason": metadata["champion"].get("calibration_reason", ""),
        "validation_auc": metadata["metrics"]["validation"]["auc"],
        "test": {
            "champion": champion,
            "champion_uncalibrated_brier": test["champion_uncalibrated_brier"],
            "lightgbm": test["lightgbm"],
            "scorecard": test["scorecard"],
        },
        "search_trials": len(metadata["champion"]["search_trials"]),
        "ensemble_members": len(metadata["champion"].get("ensemble", [])) or 1,
        "plans": [
            {k: plan[k] for k in ("kind", "trees", "validation_auc", "chosen", "cpu_s")}
            for plan in metadata["champion"].get("plans", [])
        ],
        "engineered_features": [f["name"] for f in (metadata.get("derived") or {}).get("features", [])],
        "seconds": round(seconds, 2),
    }


def training_lines(s: dict) -> list[str]:
    test = s["test"]
    lines = [
        f"model {s['model_id']} written to {s['out']} in {s['seconds']:.1f}s",
        f"rows {s['rows']}, bad = {' | '.join(map(repr, s['bad_values']))} ({s['bad_rate']:.1%}), {len(s['features'])} features, split: {s['split']}",
        f"champion: {s['champion']} (booster weight {s['blend_weight']}), calibration: {s['calibration']}"
        + (f" — {s['calibration_reason']}" if s.get("calibration_reason") else ""),
        f"search: {s['search_trials']} settings tried, the best {s['ensemble_members']} averaged; engineered features: "
        f"{', '.join(s['engineered_features']) or 'none kept'}; {s.get('cpu_seconds', 0):.1f} CPU-s",
        f"{'test':<10} {'AUC':>7} {'KS':>7} {'Brier':>7}",
    ]
    for name in ("champion", "lightgbm", "scorecard"):
        m = test[name]
        lines.append(f"{name:<10} {m['auc']:7.4f} {m['ks']:7.4f} {m['brier']:7.4f}")
    lines += [f"dropped {d['column']}: {d['reason']}" for d in s["dropped"]]
    if s.get("rows_without_target"):
        lines.append(f"left out {s['rows_without_target']} rows with no target value")
    if s.get("rows_indeterminate"):
        lines.append(f"left out {s['rows_indeterminate']} rows whose target is neither bad nor good (indeterminate)")
    return lines


def load_scorer(model: Path, threads: int = 2):
    from creditline.risk.models import Scorer, load_model

    return Scorer(load_model(model), threads=threads)


def labelled_rows(scorer, data: Path, target: str, positive: list[str], negative: list[str] = (), sheet: str | None = None):
    """Features and 0/1 target of a labelled file, rows with a blank (or indeterminate) target left out,
    and the warnings reading it gave (also printed on stderr). Without --positive the model's own
    definition of bad and good is used when the file holds one of its bad values."""
    import numpy as np

    from creditline.risk.models import InvalidData, resolve_column
    from creditline.risk.models.target import encode_target

    table = read_data(data, sheet=sheet, scorer=scorer)
    column = resolve_column(list(table.frame.columns), target, "target", table.aliases)
    if not positive and not negative:
        present = set(table.frame[column].astype(str).str.strip())
        held = [bad for bad in scorer.bad_values if any(value_matches(v, bad) for v in present)]
        if held:
            positive = held
            negative = [good for good in scorer.good_values if any(value_matches(v, good) for v in present)]
    labels = encode_target(table.frame[column], tuple(positive) or None, negative=tuple(negative)).values
    keep = ~np.isnan(labels)
    frame = table.frame[keep].reset_index(drop=True)
    if frame.empty:
        raise InvalidData("no row has a target value", field="target")
    features, notes = file_features(scorer, frame, table.separator)
    return labels[keep], features, list(table.warnings) + notes


def file_features(scorer, frame, separator: str):
    """Feature matrix of a file's rows, each column read in this file's own forms (decimal mark,
    decoration, date format, letter case of categories; `file_forms`), and the notes that reading
    gave — every form that differs from the training file's, every column with unreadable values —
    printed on stderr. A column the model needs but the file lacks is reported under --data."""
    from creditline.risk.models import InvalidData, InvalidScoringRequest
    from creditline.risk.models.file_forms import unread_notes

    frame, specs, notes = own_forms(scorer, frame, separator)
    try:
        features = scorer.features_batch(frame, strict=False, specs=specs)
    except InvalidScoringRequest as exc:
        raise InvalidData(f"column {exc.field}: {exc.message}", field="data") from exc
    unread = unread_notes(specs, frame, features)
    warn(notes + unread)
    return features, notes + unread


def own_forms(scorer, frame, separator: str):
    """(frame, specs, notes): the file's columns named as the model names them and the specs reading
    them in the file's own forms, with a note per change (`file_forms`)."""
    from creditline.risk.models.file_forms import file_specs, matched_columns

    frame, renamed = matched_columns(scorer.specs, frame)
    specs, notes = file_specs(scorer.specs, frame, separator)
    return frame, specs, renamed + notes


def value_matches(text: str, stored: str) -> bool:
    from creditline.risk.models.target import normalise

    return normalise(text) == stored


def file_to_write(out: Path, field: str = "out") -> Path:
    """Refuse an --out that cannot become a file before any work is done (missing folders are made later)."""
    from creditline.risk.models import InvalidData

    if out.is_dir():
        raise InvalidData(f"{out} is a directory; give the name of a file to write", field=field)
    existing = next(parent for parent in out.absolute().parents if parent.exists())
    if not existing.is_dir():
        raise InvalidData(f"{existing} is a file, not a folder to write {out.name} in", field=field)
    return out


def replace_file(out: Path, write) -> None:
    """`write(path)` into a hidden sibling, renamed over `out`: a failure leaves no partial file."""
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.with_name(f".{out.name}.partial")
    try:
        write(staging)
        staging.replace(out)
    finally:
        staging.unlink(missing_ok=True)


@model_app.command("join")
def join_command(
    data: Path = typer.Option(..., "--data", help="The main table (one row per application)."),
    joins: list[str] = typer.Option(..., "--join", help="FILE:KEY — a table to join on KEY (repeatable)."),
    out: Path = typer.Option(..., "--out", help="CSV file to write the joined table to."),
    sheet: str | None = typer.Option(None, "--sheet", help="The main table's sheet, when it is a workbook (default: its fullest visible sheet)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Join related tables onto the main one (many-per-key tables summarised per key), ready for `model train`."""
    from creditline.risk.models import InvalidData
    from creditline.risk.models.joining import join_tables
    from creditline.risk.models.reading import SEPARATORS

    file_to_write(out)
    main = read_data(data, sheet=sheet)
    others = []
    for item in joins:
        file, _, key = item.rpartition(":")
        if not file or not key:
            raise InvalidData(f"{item!r}: write FILE:KEY", field="join")
        others.append((Path(file).stem, read_data(Path(file), field="join").frame, key))
    joined = join_tables(main.frame, others, main.separator)
    # The main table's separator, so that its decimal commas (`0,270` in a `;` file) read back as such.
    separator = main.separator if main.separator in SEPARATORS else ","
    replace_file(out, lambda path: joined.to_csv(path, index=False, sep=separator))
    emit({"out": str(out), "rows": len(joined), "columns": list(joined.columns)}, as_json,
         [f"{len(joined)} rows, {joined.shape[1]} columns written to {out}"])


@model_app.command("evaluate")
def evaluate_command(
    model: Path = typer.Option(..., "--model", help="Model directory written by `model train`."),
    data: Path = typer.Option(..., "--data", help="Labelled data in the training file's layout."),
    target: str = typer.Option(..., "--target", help="Target column: name, 1-based position, or 'last'."),
    positive: list[str] = typer.Option([], "--positive", help="Target value meaning bad (repeatable; default: the model's)."),
    negative: list[str] = typer.Option([], "--negative", help="Target value meaning good (repeatable; default: the model's)."),
    sheet: str | None = typer.Option(None, "--sheet", help=SHEET_HELP),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """AUC (DeLong 95% interval), Gini, KS, Brier, log loss and decile calibration of the champion PD."""
    from creditline.risk.models import evaluate

    scorer = load_scorer(model)
    labels, features, warnings = labelled_rows(scorer, data, target, positive, negative, sheet)
    result = evaluate(labels, scorer.score_features(features)["pd"].to_numpy())
    result["model_id"] = scorer.model_id
    result["warnings"] = warnings
    lines = [
        f"n {result['n']}  AUC {result['auc']:.4f} [{result['auc_ci95'][0]:.4f}, {result['auc_ci95'][1]:.4f}]"
        f"  Gini {result['gini']:.4f}  KS {result['ks']:.4f}  Brier {result['brier']:.4f}  log loss {result['log_loss']:.4f}",
        *[f"decile {c['decile']:>2}: n {c['n']:>6}  predicted {c['predicted']:.4f}  observed {c['observed']:.4f}"
          for c in result["calibration"]],
    ]
    emit(result, as_json, lines)


@model_app.command("monitor")
def monitor_command(
    model: Path = typer.Option(..., "--model", help="Model directory written by `model train`."),
    data: Path = typer.Option(..., "--data", help="A new batch of applicants (target not needed)."),
    sheet: str | None = typer.Option(None, "--sheet", help=SHEET_HELP),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Population stability of the score (PSI) and of each feature (CSI) against the training data."""
    from creditline.risk.models.monitoring import compare

    scorer = load_scorer(model)
    table = read_data(data, sheet=sheet, scorer=scorer)
    features, notes = file_features(scorer, table.frame, table.separator)
    scores = scorer.score_features(features)["score"].to_numpy(dtype=float)
    result = compare(scorer.monitoring, features, scorer.specs, scores)
    result["model_id"] = scorer.model_id
    result["warnings"] = list(table.warnings) + notes
    lines = [f"score PSI {result['score']['psi']:.4f} ({result['score']['band']}), n {result['n']}"]
    lines += [f"{row['feature']:<40} CSI {row['csi']:.4f} ({row['band']})" for row in result["features"]]
    emit(result, as_json, lines)


@model_app.command("score")
def score_command(
    model: Path = typer.Option(..., "--model", help="Model directory written by `model train`."),
    data: Path | None = typer.Option(None, "--data", help="A file of applicants to score."),
    applicant: str | None = typer.Option(None, "--applicant", help="One applicant as a JSON object, or @file.json."),
    reasons: int = typer.Option(4, "--reasons", min=0, max=20, help="Reason codes per applicant."),
    out: Path | None = typer.Option(None, "--out", help="Write the --data file's scores to this CSV instead of stdout (not with --applicant)."),
    sheet: str | None = typer.Option(None, "--sheet", help=SHEET_HELP),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """PD, score and reason codes for one applicant (--applicant) or a file of them (--data)."""
    from creditline.risk.models import InvalidScoringRequest

    if (data is None) == (applicant is None):
        raise InvalidScoringRequest("give exactly one of --data FILE or --applicant JSON", field="applicant")
    if applicant is not None and out is not None:  # --out holds batch scores as CSV; one decision is printed
        raise InvalidScoringRequest("writes the scores of a --data file; --applicant prints its decision", field="out")
    if out is not None:
        file_to_write(out)
    scorer = load_scorer(model)
    if applicant is not None:
        decision = one_decision(scorer, parse_applicant(applicant), reasons)
        lines = [f"PD {decision['pd']:.4f}  score {decision['score']}  scorecard points {decision['scorecard_points']}"]
        lines += [f"  - {r['text']}" for r in decision["reasons"]]
        emit(decision, as_json, lines)
        return
    table = read_data(data, sheet=sheet, scorer=scorer)
    frame, specs, notes = own_forms(scorer, table.frame, table.separator)
    warn(notes)
    try:
        scored = scorer.score_batch(frame, reasons=reasons, specs=specs)
    except InvalidScoringRequest as exc:
        raise InvalidScoringRequest(f"column {exc.field}: {exc.message}", field="data") from exc
    if reasons:
        scored["reasons"] = scored["reasons"].map(reasons_json if as_json and out is None else reasons_cell)
    write_scores(scored, out, as_json)


def reasons_json(found: tuple) -> list[dict]:
    """A row's reasons in --json: the list --applicant gives (field, value, impact, text)."""
    return [reason.to_json() for reason in found]


def reasons_cell(found: tuple) -> str:
    """A row's reasons in one CSV cell: their plain words, worst first."""
    return "; ".join(reason.text for reason in found)


def one_decision(scorer, applicant: dict, reasons: int) -> dict:
    """Score one applicant; a bad field is reported under --applicant, naming the field."""
    from creditline.risk.models import InvalidScoringRequest

    try:
        return scorer.score_one(applicant, reasons=reasons).to_json()
    except InvalidScoringRequest as exc:
        if exc.field == "applicant":
            raise
        raise InvalidScoringRequest(f"field {exc.field!r}: {exc.message}", field="applicant") from exc


def parse_applicant(text: str) -> dict:
    from creditline.risk.models import InvalidScoringRequest

    if text.startswith("@"):
        path = Path(text[1:])
        if not path.is_file():
            raise InvalidScoringRequest(f"{path} does not exist", field="applicant")
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidScoringRequest(f"cannot read {path} as UTF-8 JSON ({exc})", field="applicant") from exc
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InvalidScoringRequest(f"not valid JSON ({exc})", field="applicant") from exc
    if not isinstance(parsed, dict):
        raise InvalidScoringRequest("must be a JSON object of field: value", field="applicant")
    return parsed


def write_scores(scored, out: Path | None, as_json: bool) -> None:
    if out is None:
        if as_json:
            typer.echo(scored.to_json(orient="records"))
        else:
            typer.echo(scored.to_csv(index=False), nl=False)
        return
    replace_file(out, lambda path: scored.to_csv(path, index=False))
    emit({"out": str(out), "rows": len(scored)}, as_json, [f"{len(scored)} rows scored into {out}"])


@model_app.command("report")
def report_command(
    model: Path = typer.Option(..., "--model", help="Model directory written by `model train`."),
    out: Path = typer.Option(..., "--out", help="HTML file to write; its PNG plots go beside it."),
    data: Path | None = typer.Option(None, "--data", help="Labelled data to report on (default: the training test split)."),
    target: str | None = typer.Option(None, "--target", help="Target column of --data."),
    positive: list[str] = typer.Option([], "--positive", help="Target value meaning bad (repeatable; default: the model's)."),
    negative: list[str] = typer.Option([], "--negative", help="Target value meaning good (repeatable; default: the model's)."),
    sheet: str | None = typer.Option(None, "--sheet", help=SHEET_HELP),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """An HTML model report: data summary, ROC, KS, calibration, score distribution, importance, bins."""
    from creditline.risk.models import InvalidData
    from creditline.risk.models.report import write_report

    file_to_write(out)
    scorer = load_scorer(model)
    labelled = None
    if data is not None:
        if target is None:
            raise InvalidData("--data needs --target", field="target")
        labels, features, _ = labelled_rows(scorer, data, target, positive, negative, sheet)
        labelled = (labels, features)
    written = write_report(scorer, out, labelled)
    emit({"out": str(written), "model_id": scorer.model_id}, as_json, [f"report written to {written}"])
