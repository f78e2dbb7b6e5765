"""Deterministic local stand-ins for the external verifiers.

Each answer is a pure function of the question (a keyed BLAKE2b hash), so the same applicant
always gets the same report; `overrides` pin chosen answers for tests and demos.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from creditline.identity.verifiers import BureauReport, FaceMatch, TelcoCheck


def _uniforms(*parts: str, count: int) -> list[int]:
    """`count` integers in 0..65535 drawn from a hash of `parts`."""
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=2 * count, person=b"creditline-sim").digest()
    return [int.from_bytes(digest[2 * i : 2 * i + 2], "big") for i in range(count)]


@dataclass
class SimulatedBureau:
    minor_per_major: int = 100
    overrides: dict[str, BureauReport] = field(default_factory=dict)
    version: str = "bureau-sim-1"

    def report(self, id_number: str, name: str, *, on: date) -> BureauReport:
        if id_number in self.overrides:
            return self.overrides[id_number]
        u = _uniforms("bureau", id_number, count=6)
        # Shapes, roughly: 8% thin files, most borrowers with no delinquency, a long tail of debt.
        found = u[0] >= 5243
        delinquencies = 0 if u[1] < 55700 else 1 + u[1] % 3
        inquiries = u[2] % 4 if u[2] < 58000 else 4 + u[2] % 6
        obligations_major = 0 if u[3] < 26000 else (u[3] % 60) * 100
        microloan_major = 0 if u[4] < 39000 else (u[4] % 50) * 1000
        court = u[5] < 130
        if not found:
            return BureauReport(False, 0, inquiries, 0, 0, court)
        return BureauReport(
            True,
            delinquencies,
            inquiries,
            obligations_major * self.minor_per_major,
            microloan_major * self.minor_per_major,
            court,
        )


@dataclass
class SimulatedFaceMatcher:
    overrides: dict[str, FaceMatch] = field(default_factory=dict)
    version: str = "face-sim-1"

    def match(self, id_number: str, selfie_ref: str) -> FaceMatch:
        if id_number in self.overrides:
            return self.overrides[id_number]
        u, v = _uniforms("face", id_number, selfie_ref, count=2)
        # Most selfies match at 0.92-0.999; 3% are poor photos (0.70-0.92); 2% fail liveness.
        similarity = Decimal(7000 + v % 2200) if u < 1966 else Decimal(9200 + v % 800)
        return FaceMatch(similarity / Decimal(10000), live=not 63000 <= u < 64311)


@dataclass
class SimulatedTelco:
    overrides: dict[str, TelcoCheck] = field(default_factory=dict)
    version: str = "telco-sim-1"

    def check(self, phone_e164: str, id_number: str, name: str) -> TelcoCheck:
        if phone_e164 in self.overrides:
            return self.overrides[phone_e164]
        u0, u1 = _uniforms("telco", phone_e164, id_number, count=2)
        return TelcoCheck(name_id_phone_match=u0 >= 1966, tenure_months=u1 % 180)
