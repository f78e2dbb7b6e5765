"""ScheduleTerms <-> JSON text: a loan row keeps the exact terms its schedule is rebuilt from."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from creditline.lending.schedule import ScheduleTerms
from creditline.money import Money, Rate, RateUnit


def terms_to_json(terms: ScheduleTerms) -> str:
    data: dict[str, Any] = {
        "principal_minor": terms.principal.minor,
        "currency": terms.principal.currency.code,
        "rate": format(terms.rate.value, "f"),
        "rate_unit": str(terms.rate.unit),
        "installments": terms.installments,
        "disbursed": terms.disbursed.isoformat(),
        "method": str(terms.method),
        "frequency": str(terms.frequency),
        "every": terms.every,
        "first_due": terms.first_due.isoformat() if terms.first_due else None,
        "interest_basis": str(terms.interest_basis),
        "days_in_year": str(terms.days_in_year),
        "days_in_month": str(terms.days_in_month),
        "emi_solve": str(terms.emi_solve),
        "installment_multiple_minor": terms.installment_multiple_minor,
        "grace_principal": terms.grace_principal,
        "rounding": str(terms.rounding),
        "due_day_of_month": terms.due_day_of_month,
    }
    return json.dumps(data, sort_keys=True)


def terms_from_json(text: str) -> ScheduleTerms:
    data = json.loads(text)
    principal = Money.of_minor(data.pop("principal_minor"), data.pop("currency"))
    rate = Rate(Decimal(data.pop("rate")), RateUnit(data.pop("rate_unit")))
    disbursed = date.fromisoformat(data.pop("disbursed"))
    first_due = data.pop("first_due")
    return ScheduleTerms(
        principal=principal,
        rate=rate,
        disbursed=disbursed,
        first_due=date.fromisoformat(first_due) if first_due else None,
        **data,
    )
