"""The end-of-day pipeline: an ordered list of named stages (docs/eod.md has the order and why).

A stage is a function `(uow_or_engine, business_date, context) -> StageResult`, where
`business_date` is B, the day being closed (the run makes B + 1 the business date), and its
phase says what the first argument is and what the stage must promise:

- `OPEN`: runs while B is still the business date and gets the `Engine`. It commits its own work,
  in as many transactions as it likes, and must be idempotent: a killed run calls it again from
  the start (the auto-debit outbox is the model: write intent, act, record the outcome).
- `CLOSE`: runs inside the one transaction that closes the day and gets the `UnitOfWork`. All the
  CLOSE stages, the run record and the new business date commit together or not at all, so these
  stages need no idempotency of their own; they see every OPEN stage's committed work.
- `AFTER`: runs once B + 1 is the business date, gets the `Engine`, and must be idempotent like
  an OPEN stage (sending the day's notifications is the kind of work that belongs here).

A finished stage leaves a row in `eod_stage_runs` (for CLOSE stages, in the closing transaction);
a restarted run skips it. To add a stage, add one line to `PIPELINE` (or call `register` from
your module): `Stage("collections", "creditline.app.collections_eod:assign_work", Phase.CLOSE)`.
Targets are "module:function" strings, imported only when the stage runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any


class Phase(StrEnum):
    OPEN = "open"
    CLOSE = "close"
    AFTER = "after"


@dataclass(frozen=True, slots=True)
class StageResult:
    stage: str
    summary: dict[str, Any]  # JSON-able figures: counts, minor-unit totals, ids
    message: str = ""  # one line for people (the CLI prints it)


Progress = Callable[[str, int, int], None]  # (stage, done, total); total 0 when unknown


def no_progress(stage: str, done: int, total: int) -> None:
    return None


@dataclass
class EodContext:
    """What a run hands every stage: the dates, the ports and policies, and earlier stages' output."""

    business_date: date  # B, the day being closed
    gateway: Any  # servicing.gateway.PaymentGateway
    debit_policy: Any  # servicing.debit_policy.DebitPolicy
    provisioning_policy: Any  # servicing.provisioning.ProvisioningPolicy
    progress: Progress = no_progress
    results: dict[str, StageResult] = field(default_factory=dict)
    shared: dict[str, Any] = field(default_factory=dict)  # values CLOSE stages pass along (same transaction)
    seconds: dict[str, float] = field(default_factory=dict)  # wall time of each stage this run
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # and the process's CPU time in it
    only: frozenset[str] | None = None  # run just these stages (tests of one stage; None: all)

    @property
    def run_date(self) -> date:
        from datetime import timedelta

        return self.business_date + timedelta(days=1)


StageFunction = Callable[[Any, date, EodContext], StageResult]


@dataclass(frozen=True, slots=True)
class Stage:
    name: str
    target: str  # "package.module:function"
    phase: Phase

    def function(self) -> StageFunction:
        module, _, name = self.target.partition(":")
        return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


# The stages this package runs: accrual first among CLOSE stages, since everything after reads the
# loans as of the new date; provisions need the day's classification; the snapshot records both.
CORE_STAGES = frozenset({"debit-returns", "auto-debit", "accrue", "classify", "provision", "snapshot", "publish-audit"})

PIPELINE: list[Stage] = [
    Stage("debit-returns", "creditline.app.eod_returns:book_day_returns", Phase.OPEN),  # the bank's R01s, first
    Stage("coupon-settle", "creditline.app.eod_coupons:settle_coupons", Phase.OPEN),  # savings due, before the debit
    Stage("auto-debit", "creditline.app.eod_autodebit:collect_debits", Phase.OPEN),
    Stage("accrue", "creditline.app.eod_accrue:accrue", Phase.CLOSE),
    Stage("classify", "creditline.app.eod_classify:classify", Phase.CLOSE),
    Stage("provision", "creditline.app.eod_classify:provision", Phase.CLOSE),
    Stage("funding", "creditline.app.trust_eod:close_funding_day", Phase.CLOSE),  # trusts, partners' allowance
    Stage("snapshot", "creditline.app.eod_classify:write_snapshot", Phase.CLOSE),
    Stage("publish-audit", "creditline.app.eod_audit:publish_head", Phase.CLOSE),
    Stage("retention", "creditline.app.retention_eod:erase_due", Phase.AFTER),  # restricted erasures now due
    Stage("early-warning", "creditline.app.collections_eod:early_warning", Phase.AFTER),
    Stage("limit-review", "creditline.app.collections_eod:limit_review", Phase.AFTER),
    Stage("collections", "creditline.app.collections_eod:collections", Phase.AFTER),
]


def register(stage: Stage, *, after: str | None = None, before: str | None = None) -> None:
    """Insert `stage` after (or before) a named stage, or at the end of its phase; idempotent by name."""
    if any(s.name == stage.name for s in PIPELINE):
        return
    names = [s.name for s in PIPELINE]
    anchor = after or before
    if anchor is not None:
        assert anchor in names, f"no stage {anchor!r} to register {stage.name!r} next to"
        index = names.index(anchor) + (1 if after else 0)
    else:
        in_phase = [i for i, s in enumerate(PIPELINE) if s.phase is stage.phase]
        index = in_phase[-1] + 1 if in_phase else len(PIPELINE)
    candidate = [*PIPELINE[:index], stage, *PIPELINE[index:]]
    _check_order(candidate)
    PIPELINE[:] = candidate


def stages(phase: Phase, only: frozenset[str] | None = None) -> list[Stage]:
    return [s for s in PIPELINE if s.phase is phase and (only is None or s.name in only)]


def _check_order(pipeline: list[Stage]) -> None:
    order = [Phase.OPEN, Phase.CLOSE, Phase.AFTER]
    phases = [order.index(s.phase) for s in pipeline]
    assert phases == sorted(phases), "stages run OPEN, then CLOSE, then AFTER"
    assert len({s.name for s in pipeline}) == len(pipeline), "stage names are unique"
