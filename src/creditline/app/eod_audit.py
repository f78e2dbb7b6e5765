"""The publish-audit stage: seal the closed day in the tamper-evident log when a signing key is set.

`store.audit_log.publish` sequences every record accepted so far, signs a receipt for each and the
tree head for the closed business date; publishing a date twice returns the first head, a day on
which nothing was logged gets a head of the same size and root as the day before, and it runs inside
the closing transaction, so a killed run publishes nothing or everything. The records themselves
were accepted by the store as each entry and event was written (docs/ledger.md). Without
`CREDITLINE_AUDIT_SIGNING_KEY_FILE` the stage reports that it was skipped.
"""

from __future__ import annotations

import os
from datetime import date
from typing import Any

from creditline.app.eod_stages import EodContext, StageResult


def publish_head(uow: Any, business_date: date, context: EodContext) -> StageResult:
    from creditline.store.audit_log import (
        ENV_SIGNING_KEY_FILE,
        log_id_from_environment,
        publish,
        signing_key_from_environment,
    )

    if not os.environ.get(ENV_SIGNING_KEY_FILE):
        return StageResult("publish-audit", {"published": False, "reason": f"{ENV_SIGNING_KEY_FILE} is not set"})
    head = publish(uow.connection, log_id_from_environment(), business_date, signing_key_from_environment())
    summary = {"published": True, "business_date": business_date.isoformat(), "tree_size": head.head.tree_size,
               "root_hash": head.head.root_hash.hex()}  # fmt: skip
    return StageResult("publish-audit", summary, f"audit head of {business_date}: {head.head.tree_size} records")
