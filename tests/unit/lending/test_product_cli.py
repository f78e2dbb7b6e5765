"""`creditline product`: listing, showing and checking product files; bad files exit 2 with one line."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

from creditline.cli.main import run


def shipped_text() -> str:
    return (
        resources.files("creditline.lending")
        .joinpath("products", "revolving-consumer.toml")
        .read_text("utf-8")
    )


def test_list_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    run(["product", "list", "--json"])
    listed = json.loads(capsys.readouterr().out)
    assert [p["product_id"] for p in listed] == ["revolving-consumer"]
    run(["product", "show", "revolving-consumer", "--json"])
    shown = json.loads(capsys.readouterr().out)
    assert shown["terms_months"] == [3, 6, 12] and shown["rate_daily_max"] == "0.0006"
    assert shown["content_hash"] == listed[0]["content_hash"]


def test_check_prints_the_hash_of_a_good_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.toml"
    path.write_text(shipped_text().replace("version = 1", "version = 2"), encoding="utf-8")
    run(["product", "check", str(path), "--json"])
    checked = json.loads(capsys.readouterr().out)
    assert checked["version"] == 2 and len(checked["content_hash"]) == 64


def test_a_bad_file_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        shipped_text().replace('rate_daily_max = "0.0006"', "rate_daily_max = 0.0006"), encoding="utf-8"
    )
    with pytest.raises(SystemExit) as caught:
        run(["product", "check", str(path)])
    assert caught.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: rate_daily_max: write decimals as text")
    with pytest.raises(SystemExit) as caught:
        run(["product", "show", "no-such-product"])
    assert caught.value.code == 2
    assert capsys.readouterr().err.startswith("error: --product: no product 'no-such-product'")
