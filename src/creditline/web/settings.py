"""What the web pages read from the environment beyond the API's settings.

- `CREDITLINE_SNAPSHOTS`: a loan-snapshot file (CSV or Parquet, the schema of
  `portfolio.snapshot`) whose history feeds the dashboard's default-rate, vintage, roll-rate, ECL
  and provision figures. It is the file `creditline report portfolio --snapshots` reads; when EOD
  stores snapshots in the database (issue 6) that becomes the source instead.
- `CREDITLINE_BALANCE_SHEET`: capital, HQLA and cash flows as JSON (`portfolio.balance_sheet`), for
  the LCR and the capital and leverage ratios.
- `CREDITLINE_REPORT_LGD`: the pool LGD for loans without one while the history has no defaults old
  enough for a workout LGD (the report's `--lgd`).
- `CREDITLINE_WARM`: `1` to prepare the console at start-up (figures, charts, routes, templates)
  even when its history is the database's own snapshots; `creditline serve` sets it. A snapshot
  file given by `CREDITLINE_SNAPSHOTS` is always warmed. Tests that build many apps leave it off.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from creditline.errors import DomainError

SNAPSHOTS_ENV = "CREDITLINE_SNAPSHOTS"
BALANCE_SHEET_ENV = "CREDITLINE_BALANCE_SHEET"
LGD_ENV = "CREDITLINE_REPORT_LGD"
WARM_ENV = "CREDITLINE_WARM"


@dataclass(frozen=True, slots=True)
class WebSettings:
    snapshots: Path | None = None
    balance_sheet: Path | None = None
    lgd: Decimal | None = None
    warm: bool = False  # prepare the console at start-up although no snapshot file is given


def web_settings(environ: dict[str, str] | None = None) -> WebSettings:
    env = os.environ if environ is None else environ

    def path(name: str) -> Path | None:
        value = env.get(name, "").strip()
        return Path(value) if value else None

    lgd_text = env.get(LGD_ENV, "").strip()
    try:
        lgd = Decimal(lgd_text) if lgd_text else None
    except InvalidOperation:
        raise DomainError(f"{LGD_ENV} must be a fraction such as 0.45", field="lgd") from None
    if lgd is not None and not 0 <= lgd <= 1:
        raise DomainError(f"{LGD_ENV} must be between 0 and 1", field="lgd")
    return WebSettings(path(SNAPSHOTS_ENV), path(BALANCE_SHEET_ENV), lgd, env.get(WARM_ENV, "").strip() == "1")
