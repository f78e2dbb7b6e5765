"""Borrowers made the way real ones are: a passkey registered over HTTP, an application decided by
the origination pipeline, the line it opens. The phone is passed in (`Phone`): the tests and the
bench use the project's software authenticator (tests/integration/api/authenticator.py), which
answers WebAuthn options with a user-verified ES256 assertion as a phone's platform authenticator does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

SIGN_UP_TRIES_MAX = 40  # the simulated population declines some applicants; the next person tries
SURNAMES = "赵钱孙李周吴郑冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂兰玉萍红鹏辉"


class Phone(Protocol):
    def create(self, options: dict[str, Any]) -> dict[str, Any]: ...

    def get(self, options: dict[str, Any], *, sign_count: int | None = None) -> dict[str, Any]: ...


@dataclass
class Borrower:
    account_id: str
    token: str
    line_id: str
    borrower_id: str
    phone: Phone
    applicant: dict[str, str]  # what the person typed: the stolen-database test searches for it
    loans: list[str] = field(default_factory=list)
    repayments: list[tuple[str, str]] = field(default_factory=list)  # (loan id, event id), acknowledged
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def person_name(serial: int) -> str:
    """A distinct three-character Han name per serial (27,000 of them) — searchable in raw bytes."""
    return SURNAMES[serial % len(SURNAMES)] + GIVEN[serial // 30 % len(GIVEN)] + GIVEN[serial // 900 % len(GIVEN)]


def applicant_form(serial: int, applied_at: str = "2025-06-30T10:15:00+08:00") -> dict[str, Any]:
    """A well-formed mainland application, distinct per serial (ID number, phone, card, device, address)."""
    from creditline.identity import make_cn_resident_id
    from creditline.identity.checksums import luhn_check_digit

    card = f"622202{serial:012d}"
    born = date(1975 + serial % 25, 1 + serial % 12, 1 + serial % 28)
    consents = [{"scope": scope, "text_version": "v3", "purpose": "credit_assessment", "granted_at": applied_at}
                for scope in ("credit_bureau_query", "transaction_data", "device_data")]  # fmt: skip
    return {
        "jurisdiction": "CN", "product_id": "revolving-consumer", "applied_at": applied_at,
        "applicant": {
            "name": person_name(serial), "id_number": make_cn_resident_id("440305", born, f"{serial % 1000:03d}"),
            "phone": f"139{serial:08d}", "bank_card": card + luhn_check_digit(card), "income_monthly": "15000.00",
            "employment": "salaried",
        },
        "device": {"device_id": f"device-{serial}", "ip": f"10.{serial // 62500 % 250}.{serial // 250 % 250}.{serial % 250}",
                   "selfie_ref": f"s-{serial}"},
        "contacts": [f"137{serial:08d}"],
        "consents": consents,
    }  # fmt: skip


def sign_up(http: Any, phone: Phone, serial: int) -> Borrower | None:
    """Register a passkey, apply; the borrower when approved and linked, else None."""
    form = applicant_form(serial)
    options = http.post("/v1/passkeys/registration-options", json={"display_name": form["applicant"]["name"]})
    options.raise_for_status()
    signed_in = http.post("/v1/passkeys", json={"credential": phone.create(options.json()["publicKey"])})
    signed_in.raise_for_status()
    body = signed_in.json()
    token, account_id = body["session"]["token"], body["account"]["account_id"]
    decided = http.post("/v1/applications", json=form,
                        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"apply-{serial}"})  # fmt: skip
    decided.raise_for_status()
    decision = decided.json()
    if decision["outcome"] != "approve" or not decision.get("linked"):
        return None
    line = http.get(f"/v1/lines/{decision['line_id']}", headers={"Authorization": f"Bearer {decision['session']['token']}"})
    line.raise_for_status()
    applicant = {k: form["applicant"][k] for k in ("name", "id_number", "phone", "bank_card")}
    return Borrower(account_id, decision["session"]["token"], decision["line_id"], line.json()["borrower_id"], phone, applicant)


def sign_up_many(http: Any, phone_factory: Callable[[], Phone], count: int, first_serial: int) -> tuple[list[Borrower], range]:
    """`count` approved borrowers, and the serials of every applicant tried (declined ones too)."""
    borrowers: list[Borrower] = []
    serial = first_serial
    for _ in range(count * SIGN_UP_TRIES_MAX):
        if len(borrowers) == count:
            return borrowers, range(first_serial, serial)
        found = sign_up(http, phone_factory(), serial)
        serial += 1
        if found is not None:
            borrowers.append(found)
    raise RuntimeError(f"only {len(borrowers)} of {count} applicants were approved")


def approve_and_draw(http: Any, borrower: Borrower, terms: dict[str, Any], key: str) -> tuple[Any, dict[str, Any] | None]:
    """The drawdown's approval options, the phone's user-verified assertion, the drawdown; returns
    (response, body sent). A refusal at the approval step comes back with no body sent.

    Sign count 0, as synced passkeys report: concurrent clients of one borrower cannot then trip
    the cloned-authenticator check by arriving out of order."""
    approval = http.post(f"/v1/lines/{borrower.line_id}/drawdown-approvals", json=terms, headers=borrower.auth)
    if approval.status_code != 200:
        return approval, None
    body = terms | {"assertion": borrower.phone.get(approval.json()["publicKey"], sign_count=0)}
    response = http.post(f"/v1/lines/{borrower.line_id}/drawdowns", json=body,
                         headers=borrower.auth | {"Idempotency-Key": key})  # fmt: skip
    return response, body
