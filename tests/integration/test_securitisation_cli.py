"""`creditline abs tape --from-db | sell | deals | deal | run --deal | reconcile` and `creditline partner remit`
in process on one SQLite book: files and JSON out, one-line errors with exit 2 and nothing changed."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from securitisation_fixtures import START, book, counts, days

from creditline.cli.main import run

DEAL = """name: CLI ABS
currency: CNY
cut_off_date: {cut_off}
closing_date: {closing}
first_payment_date: {first_payment}
servicing_fee_rate: 1%
tranches:
  - {{name: A, share: 85%, coupon_rate: 3%}}
  - {{name: Sub, share: {sub}}}
eligibility:
  statuses: [current]
"""


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = 0
    try:
        run(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def books(tmp_path: Path):  # type: ignore[no-untyped-def]
    from creditline.store import make_engine, upgrade

    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    book(engine)
    today = days(engine, START, 2)
    yield engine, url, today
    engine.dispose()


def deal_file(tmp_path: Path, today, sub: str = "15%") -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path / "deal.yaml"
    path.write_text(DEAL.format(cut_off=today, closing=today + timedelta(days=1),
                                first_payment=today + timedelta(days=10), sub=sub))  # fmt: skip
    return path


def test_tape_sell_run_and_reconcile_from_the_books(capsys, books, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    engine, url, today = books
    tape = tmp_path / "tape.csv"
    code, out, _ = cli(capsys, "abs", "tape", "--from-db", "--out", str(tape), "--db", url, "--salt", "s")
    assert code == 0 and out.startswith("wrote 4 loans of the books as of")
    assert tape.read_text().splitlines()[0].startswith("loan_id,borrower_id,currency,outstanding_principal_minor")
    code, out, _ = cli(capsys, "abs", "sell", "--deal", str(deal_file(tmp_path, today)), "--key", "k1",
                       "--tape", str(tape), "--db", url, "--json")  # fmt: skip
    sold = json.loads(out)
    assert code == 0 and sold["loans"] == 4 and sold["retained_tranches"] == ["Sub"]
    code, out, _ = cli(capsys, "abs", "deals", "--db", url, "--json")
    assert [d["deal_id"] for d in json.loads(out)["deals"]] == [sold["deal_id"]]
    code, out, _ = cli(capsys, "abs", "deal", sold["deal_id"], "--db", url)
    assert code == 0 and "trust_funding" in out
    days(engine, today, 11)
    code, out, _ = cli(capsys, "abs", "run", "--deal", sold["deal_id"], "--db", url, "--json")
    run = json.loads(out)
    assert code == 0 and run["conserved"] and len(run["periods"]) == 1
    code, out, _ = cli(capsys, "abs", "reconcile", "--db", url)
    assert code == 0 and out.strip().endswith("clean")
    code, _, err = cli(capsys, "abs", "run", "--deal", sold["deal_id"], "--db", url, "--cdr", "5%")
    assert code == 2 and err.startswith("error: --tape: a recorded deal runs on its collections")


def test_mistakes_are_one_line_and_change_nothing(capsys, books, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    engine, url, today = books
    before = counts(engine)
    code, _, err = cli(capsys, "abs", "sell", "--deal", str(deal_file(tmp_path, today, sub="10%")), "--key", "k",
                       "--db", url)  # fmt: skip
    assert code == 2 and err.startswith("error: --deal: tranches: tranche shares add up to 0.95")
    assert len(err.splitlines()) == 1
    code, _, err = cli(capsys, "abs", "sell", "--deal", str(deal_file(tmp_path, today - timedelta(days=1))),
                       "--key", "k", "--db", url)  # fmt: skip
    assert code == 2 and err.startswith("error: --deal: cut_off_date: a pool is cut off from the books")
    code, _, err = cli(capsys, "abs", "sell", "--deal", str(deal_file(tmp_path, today)), "--key", "k",
                       "--retain", "A", "--db", url)  # fmt: skip
    assert code == 2 and err.startswith("error: --retain: the platform keeps the subordinated tranche")
    code, _, err = cli(capsys, "partner", "remit", "--partner", "bank", "--date", today.isoformat(), "--db", url)
    assert code == 2 and err.startswith("error: --date: a remittance pays collections of closed days")
    assert counts(engine) == before
    code, out, _ = cli(capsys, "partner", "remit", "--partner", "bank", "--date", str(today - timedelta(days=1)),
                       "--db", url, "--json")  # fmt: skip
    assert code == 0 and json.loads(out)["amount"] == "0.00"
