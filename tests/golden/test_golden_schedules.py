"""Apache Fineract's expected schedules, reproduced through `creditline schedule --json`.

The cases (tests/golden/data/schedules.json) are copied from ../shared/golden so the repository is
self-contained; each names the Fineract test it comes from.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from creditline.cli.main import run

CASES = json.loads((Path(__file__).parent / "data" / "schedules.json").read_text())["cases"]


def _major(value: float) -> str:
    return f"{value:.2f}"


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_fineract_schedule_reproduced_to_the_cent(case, capsys) -> None:
    run([*["schedule"], *case["args"], "--json"])
    document = json.loads(capsys.readouterr().out)
    got = [
        (row["n"], row["due_date"], row["principal"], row["interest"], row["balance"]) for row in document["rows"]
    ]
    expected = [
        (
            row["n"],
            row["due_date"],
            _major(row["principal"]),
            _major(row["interest"]),
            _major(row["balance_after"]),
        )
        for row in case["rows"]
    ]
    assert got == expected
    principal_arg = case["args"][case["args"].index("--principal") + 1]
    assert document["totals"]["principal"] == _major(float(principal_arg))
