"""From the borrower app's application form to the application `app.applications` takes.

The browser sends what a person types (name, ID number, phone, bank card, income, employment) and
which consent boxes were ticked; the server adds what the app knows itself: the device cookie, the
network address, the time, and for each ticked scope the text version that was on the screen.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from creditline.web.i18n import Language

JURISDICTION = "CN"
PRODUCT_ID = "revolving-consumer"
EMPLOYMENTS = ("salaried", "self_employed", "student", "retired", "other")
APPLICANT_FIELDS = ("name", "id_number", "phone", "bank_card", "income_monthly", "employment")


@lru_cache(maxsize=1)
def consent_texts() -> dict[str, Any]:
    text = (resources.files("creditline.web") / "consent_texts.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def consent_screens(language: Language) -> list[dict[str, Any]]:
    texts = consent_texts()
    return [
        {"scope": scope, "purpose": entry["purpose"], "required": entry["required"],
         "title": entry[language.code]["title"], "text": entry[language.code]["text"],
         "text_version": f"{texts['version']}-{language.code}"}
        for scope, entry in texts["scopes"].items()
    ]  # fmt: skip


def application(fields: dict[str, str], language: Language, device_id: str, ip: str, now: datetime) -> dict[str, Any]:
    """The application as `ApplicationForm` reads it; validation (and its field errors) is the app's."""
    assert now.tzinfo is not None, "times carry their offset"
    applicant = {name: fields.get(name, "") for name in APPLICANT_FIELDS}
    granted = now.astimezone(UTC).isoformat()
    consents = [
        {"scope": screen["scope"], "text_version": screen["text_version"], "purpose": screen["purpose"], "granted_at": granted}
        for screen in consent_screens(language)
        if fields.get(f"consent_{screen['scope']}") == "yes"
    ]
    return {
        "jurisdiction": JURISDICTION,
        "product_id": PRODUCT_ID,
        "applied_at": granted,
        "applicant": applicant,
        "device": {"device_id": device_id, "ip": ip, "selfie_ref": f"selfie-{device_id}"},
        "contacts": [],
        "consents": consents,
    }
