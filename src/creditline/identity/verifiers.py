"""External verifiers behind interfaces: credit bureau, face match, telco.

Real ones (PBOC Credit Reference Center, a face-comparison vendor, the three carriers' real-name
check) are network services; the simulators in `simulators.py` answer the same questions
deterministically from a hash of the question, so tests and replays are repeatable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True, slots=True)
class BureauReport:
    found: bool  # a thin file (no record at all) is itself information
    delinquencies_24m: int  # accounts 30+ days past due in the last 24 months
    inquiries_3m: int  # hard credit inquiries in the last three months
    obligations_monthly_minor: int  # scheduled monthly repayments on existing debt
    online_microloan_balance_minor: int  # outstanding online micro-loan balance, all lenders
    court_dishonest: bool  # on the courts' list of dishonest judgment debtors


@dataclass(frozen=True, slots=True)
class FaceMatch:
    similarity: Decimal  # 0..1
    live: bool


@dataclass(frozen=True, slots=True)
class TelcoCheck:
    name_id_phone_match: bool  # the carrier's real-name record agrees on all three
    tenure_months: int


class CreditBureau(Protocol):
    version: str

    def report(self, id_number: str, name: str, *, on: date) -> BureauReport: ...


class FaceMatcher(Protocol):
    version: str

    def match(self, id_number: str, selfie_ref: str) -> FaceMatch: ...


class TelcoVerifier(Protocol):
    version: str

    def check(self, phone_e164: str, id_number: str, name: str) -> TelcoCheck: ...
