"""JSON-ready views of a loan: amounts as decimal strings in major units."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def loan_view(contract: Any, state: Any, events: Sequence[Any], *, brief: bool) -> dict[str, Any]:
    view = dict(_contract_part(contract))
    view |= {
        "as_of": state.as_of.isoformat(),
        "status": str(state.status),
        "days_past_due": state.days_past_due,
        "principal_outstanding": state.principal_outstanding.amount_str(),
        "interest_receivable": state.interest_receivable.amount_str(),
        "penalty_receivable": state.penalty_receivable.amount_str(),
        "fee_receivable": state.fee_receivable.amount_str(),
        "credit_balance": state.credit_balance.amount_str(),
    }
    if brief:
        return view
    view["totals"] = {name: amount.amount_str() for name, amount in state.totals.as_dict().items()}
    view["installments"] = [
        {
            "n": row.n,
            "due_date": row.due_date.isoformat(),
            "principal_due": row.principal_due.amount_str(),
            "interest_due": row.interest_due.amount_str(),
            "fee_due": row.fee_due.amount_str(),
            "principal_paid": row.principal_paid.amount_str(),
            "interest_paid": row.interest_paid.amount_str(),
            "outstanding": row.outstanding.amount_str(),
            "status": str(row.status),
        }
        for row in state.installments
    ]
    view["schedule"] = [
        {"n": r.n, "due_date": r.due_date.isoformat(), "principal": r.principal.amount_str(), "interest": r.interest.amount_str()}
        for r in contract.schedule.rows
    ]
    view["events"] = [
        {
            "event_id": e.event_id,
            "kind": str(e.kind),
            "effective_date": e.effective_date.isoformat(),
            "sequence": e.sequence,
            "amount": None if e.amount is None else e.amount.amount_str(),
            "reverses": e.reverses,
            "data": dict(e.data),
        }
        for e in events
    ]
    return view


# The contract's figures of a view, per contract object (contracts are kept per process: `loan_command.
# loan_contract`); the object is held with them, so an id is never taken for another contract's.
_CONTRACT_PARTS: dict[int, tuple[Any, dict[str, Any]]] = {}
_CONTRACT_PARTS_MAX = 4096


def _contract_part(contract: Any) -> dict[str, Any]:
    found = _CONTRACT_PARTS.get(id(contract))
    if found is not None and found[0] is contract:
        return found[1]
    part = {
        **contract.identity(),
        "principal": contract.terms.principal.amount_str(),
        "term_months": contract.terms.installments,
        "method": str(contract.terms.method),
        "daily_rate_pct": format((contract.terms.rate.value * 100).normalize(), "f"),
        "disbursed_on": contract.terms.disbursed.isoformat(),
    }
    if len(_CONTRACT_PARTS) >= _CONTRACT_PARTS_MAX:
        _CONTRACT_PARTS.clear()
    _CONTRACT_PARTS[id(contract)] = (contract, part)
    return part
