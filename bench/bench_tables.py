"""Reading one lender export in the three forms `creditline model` reads: delimited text, an Excel
workbook and a Parquet file (docs/risk-models.md §1).

The table is `bench_model_memory.lender_export` (122 columns: amounts, counts, text categories, Y/N
flags, dates, blanks). It is written once as CSV, then as an `.xlsx` (openpyxl, numbers as numbers,
blanks as empty cells) and as Parquet (polars, its own types), and each file is read by
`risk.models.read_table` and prepared for training (`training.prepare`, default options). Per form:
the file's size, the wall time of reading, the CPU of this process and of the child reader
(workbooks and Parquet are read in one: `risk.binary_tables`), and whether the prepared features
equal the CSV's, array for array.

`python -m bench.bench_tables --rows 20000` measures one size; smoke size is 500 rows.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bench.bench_model_memory import lender_export


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def write_forms(rows: int, folder: Path) -> dict[str, Path]:
    import openpyxl
    import polars as pl

    text = lender_export(rows, folder / "export.csv")
    frame = pd.read_csv(text, keep_default_na=True)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("export")
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        sheet.append([None if isinstance(v, float) and np.isnan(v) else v.item() if hasattr(v, "item") else v for v in row])
    book.save(folder / "export.xlsx")
    pl.read_csv(text, infer_schema_length=None).write_parquet(folder / "export.parquet")
    return {"delimited text": text, "Excel workbook (.xlsx)": folder / "export.xlsx", "Parquet": folder / "export.parquet"}


def measure(rows: int) -> list[dict]:
    from creditline.risk.models import TrainingOptions, read_table
    from creditline.risk.models.training import prepare

    results, reference = [], None
    options = TrainingOptions(target="TARGET", ids=("SK_ID",), time="APPLIED")
    with tempfile.TemporaryDirectory() as folder:
        for form, path in write_forms(rows, Path(folder)).items():
            started, cpu, children = time.perf_counter(), time.process_time(), child_cpu()
            table = read_table(path)
            seconds, own, child = time.perf_counter() - started, time.process_time() - cpu, child_cpu() - children
            prepared = prepare(table, options)
            if reference is None:
                reference = prepared
            same = bool(np.array_equal(prepared.features, reference.features, equal_nan=True)) and [
                s.to_json() for s in prepared.specs] == [s.to_json() for s in reference.specs]  # fmt: skip
            results.append({"name": f"read a lender export: {form}", "rows": rows, "columns": table.frame.shape[1],
                            "file_mb": round(path.stat().st_size / 1e6, 2), "seconds": round(seconds, 2),
                            "cpu_seconds": round(own, 2), "child_cpu_seconds": round(child, 2),
                            "same_features_as_csv": same})  # fmt: skip
    return results


def main(smoke: bool) -> list[dict]:
    return measure(500 if smoke else 20_000)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=20_000)
    for row in measure(parser.parse_args().rows):
        print(json.dumps(row))
