"""Hardship: check a loan against the strategy's re-age limits, propose the re-age the borrower can
afford (`app.plans.propose_restructure`, issue 10's engine), and on request apply it (`app.loans.reage`).

The proposal reads the borrower's finances from the origination record unless the operator gives
them. The re-age runs in its own unit of work (the loan engine's command), so eligibility is read
again right before it; the engine itself refuses to re-age a loan that is not overdue. A retried
apply with the same key returns the first re-age; the key of another loan's re-age is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine

from creditline.app.catalogue import contract_of
from creditline.app.common import business_date
from creditline.app.errors import IdempotencyConflict, LoanNotFound
from creditline.app.idempotency import check_key
from creditline.servicing.collections_errors import HardshipNotEligible
from creditline.servicing.collections_hardship import HardshipFacts, hardship_eligibility
from creditline.servicing.collections_strategy import Strategy, builtin_strategy
from creditline.store import UnitOfWork


@dataclass(frozen=True, slots=True)
class Hardship:
    loan_id: str
    income_monthly: str | None = None  # major units; None: the origination record's
    obligations_monthly: str | None = None
    payday: int | None = None
    apply_key: str | None = None  # set: apply the proposed re-age under this idempotency key


def hardship_facts(engine: Engine, loan_id: str, strategy: Strategy) -> tuple[HardshipFacts, Any]:
    """The loan's standing against the hardship rules, and its currency."""
    from creditline.lending.loan import LoanStatus, replay
    from creditline.servicing.behaviour_history import payment_record

    with UnitOfWork(engine, read_only=True) as uow:
        on = business_date(uow)
        record = uow.loans.get(loan_id)
        if record is None:
            raise LoanNotFound(f"no loan {loan_id!r}", field="loan")
        contract = contract_of(uow, record)
        events = uow.loans.events(loan_id)
    state = replay(contract, events, on)
    history = payment_record(contract, state, events, on)
    facts = HardshipFacts(state.days_past_due, history.reages, history.installments_paid,
                          state.status is LoanStatus.OVERDUE)  # fmt: skip
    return facts, record.currency


def hardship(engine: Engine, command: Hardship, strategy: Strategy | None = None) -> dict[str, Any]:
    from creditline.app.loans import Reage, reage
    from creditline.app.plans import FinancesGiven, ProposeRestructure, check_given, propose_restructure

    strategy = strategy or builtin_strategy()
    if command.apply_key is not None:  # a malformed key is refused whether or not the loan qualifies
        check_key(command.apply_key)
    if command.apply_key is not None and (prior := _applied_before(engine, command.apply_key)) is not None:
        if prior.get("loan_id") != command.loan_id:  # the key re-aged another loan: this one was not re-aged
            raise IdempotencyConflict(f"{command.apply_key!r} was already used for another loan's re-age", field="key")
        return {"loan_id": command.loan_id, "strategy": strategy.label, "applied": prior, "replayed": True}
    facts, currency = hardship_facts(engine, command.loan_id, strategy)
    finances = FinancesGiven(command.income_monthly, command.obligations_monthly, command.payday)
    check_given(finances, currency)  # a bad figure is an error whether or not the loan qualifies
    eligibility = hardship_eligibility(facts, strategy.hardship)
    result: dict[str, Any] = {
        "loan_id": command.loan_id,
        "strategy": strategy.label,
        "eligible": eligibility.eligible,
        "reasons": [{"code": c, "text": t} for c, t in zip(eligibility.reasons, eligibility.messages, strict=True)],
        "proposal": None,
        "applied": None,
    }
    if not eligibility.eligible:
        if command.apply_key is not None:
            raise HardshipNotEligible("; ".join(eligibility.messages), field="loan", code=f"hardship_{eligibility.reasons[0]}")
        return result
    proposal = propose_restructure(engine, ProposeRestructure(command.loan_id, finances))
    offered = [o for o in proposal["options"] if o["installments"] in strategy.hardship.installment_choices]
    fitting = [o for o in offered if not o["strained"]]
    chosen = min(fitting, key=lambda o: (Decimal(o["new_interest"]), o["installments"]), default=None)
    result["proposal"] = proposal | {"strategy_choices": list(strategy.hardship.installment_choices),
                                     "chosen_installments": None if chosen is None else chosen["installments"]}  # fmt: skip
    if command.apply_key is None:
        return result
    if chosen is None:
        raise HardshipNotEligible("no re-age the strategy offers fits the borrower's budget", field="loan",
                                  code="hardship_unaffordable")  # fmt: skip
    again, _ = hardship_facts(engine, command.loan_id, strategy)
    if not hardship_eligibility(again, strategy.hardship).eligible:
        raise HardshipNotEligible("the loan changed since it was checked; check again", field="loan")
    result["applied"] = reage(engine, Reage(command.loan_id, int(chosen["installments"]), command.apply_key))
    return result


def _applied_before(engine: Engine, key: str) -> dict[str, Any] | None:
    """A retried apply returns the re-age it made the first time (the engine's idempotency record)."""
    with UnitOfWork(engine, read_only=True) as uow:
        found = uow.idempotency.get("reage", key)
    return None if found is None else found[1]
