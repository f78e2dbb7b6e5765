"""Sample applicants a demo borrower can type into the app's application form.

The form wants a valid resident ID number (with its check digit), a phone number and a bank card
number (with its Luhn digit); nobody has those to hand for a simulated bureau. The demo makes a
few and keeps those the platform would approve today: each is decided by the real origination
path, exactly as the borrower app would send it, on a throwaway copy of the demo database — so
the verifiers, the fraud screen and the policy have all seen the simulated book — and the copy
is deleted. Nothing is written to the demo database itself.
"""

from __future__ import annotations

import sqlite3
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

SAMPLES = 3
TRIES_MAX = 40
REGION = "110105"  # a Beijing district code, unused by the simulated population
NAMES = ("王小明", "李晓华", "张伟", "刘洋", "陈静", "杨帆")
INCOMES = ("18000", "12500", "9800", "22000", "15000", "11000")


def candidate(serial: int, business_date: date) -> dict[str, str]:
    """A made-up applicant (not a real person's numbers): the borrower app's form fields."""
    from creditline.identity import make_cn_resident_id
    from creditline.identity.checksums import luhn_check_digit

    born = date(business_date.year - 28 - serial % 9, 1 + serial % 12, 1 + serial % 27)
    card = f"62148301{serial:010d}"
    return {
        "name": NAMES[serial % len(NAMES)],
        "id_number": make_cn_resident_id(REGION, born, f"{800 + serial % 200:03d}"),
        "phone": f"199{serial:08d}",
        "bank_card": card + luhn_check_digit(card),
        "income_monthly": INCOMES[serial % len(INCOMES)],
        "employment": "salaried",
    }


def approved_samples(db: Path, business_date: date, seed: int) -> list[dict[str, str]]:
    """Up to SAMPLES candidates the platform approves, with the limit and price it would offer."""
    with tempfile.TemporaryDirectory(prefix="creditline-demo-") as folder:
        scratch = Path(folder) / "probe.sqlite"
        _copy(db, scratch)
        return _probe(f"sqlite:///{scratch}", business_date, seed)


def _copy(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy that includes what is still in the write-ahead log."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def _probe(url: str, business_date: date, seed: int) -> list[dict[str, str]]:
    from creditline.app.applications import application_time
    from creditline.app.apply import ApplyForCredit, apply
    from creditline.app.apply_setup import forget_screens
    from creditline.store import make_engine
    from creditline.web.application_form import application, consent_screens
    from creditline.web.i18n import LANGUAGES

    english = LANGUAGES["en"]
    ticked = {
        f"consent_{screen['scope']}": "yes" for screen in consent_screens(english) if screen["required"]
    }
    engine = make_engine(url)
    found: list[dict[str, str]] = []
    try:
        for serial in range(seed * 100 + 1, seed * 100 + 1 + TRIES_MAX):
            fields = candidate(serial, business_date)
            form = application(
                fields | ticked, english, f"demo-device-{serial}", "127.0.0.1", application_time(engine, datetime.now(UTC))
            )
            decided: dict[str, Any] = apply(engine, ApplyForCredit(f"demo-probe-{serial}", form))
            if decided["outcome"] == "approve":
                found.append(fields | {"limit": f"{decided['limit']} {decided['currency']}"})
            if len(found) == SAMPLES:
                break
    finally:
        engine.dispose()
        forget_screens()  # the scratch database's fraud indexes must not outlive it
    return found
