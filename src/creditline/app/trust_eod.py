"""The end-of-day `funding` stage: the trusts' day and the partners' share of the allowance.

A CLOSE stage after `provision`: the loans' statuses and balances are the day's (accrued, aged,
charged off) and the allowance is booked. For every active deal it passes the day's collections
through, accrues the servicing fee and closes any collection period whose payment date has come
(`trust_servicing`); then it records each co-lending partner's share of the allowance
(`partner_settlement.book_allowance_shares`), when the run built the day's snapshot.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from creditline.app.eod_stages import EodContext, Phase, Stage, StageResult, register

STAGE = "funding"

# Self-registration, as co-lending does: importing this module puts the stage in the pipeline.
register(Stage(STAGE, "creditline.app.trust_eod:close_funding_day", Phase.CLOSE), after="provision")


def close_funding_day(uow: Any, business_date: date, context: EodContext) -> StageResult:
    from creditline.app.eod_classify import SNAPSHOT_KEY
    from creditline.app.partner_settlement import book_allowance_shares
    from creditline.app.trust_servicing import service_trusts

    trusts = service_trusts(uow, business_date)
    allowance = book_allowance_shares(uow, context) if SNAPSHOT_KEY in context.shared else None
    closed = len(trusts["periods_closed"])
    message = f"{trusts['deals']} deal(s), {trusts['loans_moved']} sold loan(s) moved, {closed} period(s) closed"
    return StageResult(STAGE, {"trusts": trusts, "partner_allowance": allowance}, message)
