"""The `retention` stage of end of day: restricted erasure requests whose time has come are erased.

An erasure request made while the law still needs the data is restricted (`app.subject_rights`); it
used to wait for the borrower to ask again once the period had passed. This AFTER stage takes every
restricted request on the new business date and decides it again, as a new request would (the first
request's date kept): erased when due, else still restricted with its due date brought up to date —
a loan settled or a line closed since gives a date where there was none. Idempotent like every AFTER
stage: an erased borrower is no longer restricted, and a restriction decided again changes nothing.

Only borrowers who asked are erased here; the retention decision for every borrower (erasing
declined applicants and former customers nobody asked about once their period ends) is a follow-up
(docs/privacy.md).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine, select

from creditline.store import UnitOfWork

ACTOR = "eod-retention"
RESTRICTED_PER_RUN_MAX = 10_000  # requests decided in one run; the rest on the next day's


def erase_due(engine: Engine, closed: date, context: Any) -> Any:
    from creditline.app.eod_stages import StageResult
    from creditline.app.subject_rights import RequestErasure, request_erasure
    from creditline.store.tables_audit import erasure_requests

    e = erasure_requests.c
    with UnitOfWork(engine, read_only=True) as uow:
        query = select(e.borrower_id, e.erase_on).where(e.status == "restricted")
        waiting = uow.connection.execute(query.order_by(e.borrower_id).limit(RESTRICTED_PER_RUN_MAX)).all()
    erased, dated = 0, 0
    for borrower_id, erase_on in waiting:
        # each in its own transaction, on the new business date (an AFTER stage's)
        answer = request_erasure(engine, RequestErasure(borrower_id, ACTOR))
        erased += answer["outcome"] == "erased"
        dated += answer["outcome"] == "restricted" and answer["erase_on"] != (erase_on and erase_on.isoformat())
    summary = {"restricted": len(waiting), "erased": erased, "due_dates_set": dated}
    message = f"retention: {erased} of {len(waiting)} restricted erasure request(s) erased, {dated} due date(s) set"
    return StageResult("retention", summary, message)
