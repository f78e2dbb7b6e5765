"""Applications for the origination tests: well-formed by default, every field overridable."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from creditline.identity import make_cn_resident_id
from creditline.identity.checksums import luhn_check_digit

CONSENT_SCOPES = ("credit_bureau_query", "transaction_data", "device_data")
BUSINESS_DATE = date(2025, 6, 30)


def application(serial: int = 1, *, born: date = date(1990, 8, 1), income: str = "12000.00", **changes: Any) -> dict:
    card = f"622202{serial:012d}"
    form: dict[str, Any] = {
        "jurisdiction": "CN",
        "product_id": "revolving-consumer",
        "applied_at": "2025-06-30T10:15:00+08:00",
        "applicant": {
            "name": "王小明",
            "id_number": make_cn_resident_id("440305", born, f"{serial % 1000:03d}"),
            "phone": f"139{serial:08d}",
            "bank_card": card + luhn_check_digit(card),
            "income_monthly": income,
            "employment": "salaried",
        },
        "device": {"device_id": f"device-{serial}", "ip": f"10.0.{serial % 250}.{serial % 200}", "selfie_ref": f"s-{serial}"},
        "contacts": [f"137{serial:08d}", f"136{serial:08d}"],
        "consents": [
            {"scope": scope, "text_version": "v3", "purpose": "credit_assessment", "granted_at": "2025-06-30T10:14:00+08:00"}
            for scope in CONSENT_SCOPES
        ],
    }
    for path, value in changes.items():
        _set(form, path.split("__"), value)
    return form


def _set(form: dict, path: list[str], value: Any) -> None:
    target = form
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = copy.deepcopy(value)
