"""The simulated applicant population: who applies, when, with what, and how risky they really are.

Pure and deterministic for a seed. Distributions (docs/simulation.md explains each):

- arrival: uniform over the first 85% of the horizon (the last weeks leave time to draw and pay);
- age: triangular 20–60 with its mode at 30 (the policy declines under 22 and over 55);
- monthly income: log-normal, median exp(9.0) ≈ 8,100 CNY, σ = 0.55 (the PD model's training
  population uses the same), rounded to 100 CNY;
- employment: salaried 62%, self-employed 20%, student 6%, retired 4%, other 8%;
- bureau history, telco tenure: whatever the simulated bureau and carrier answer for the ID number
  (`identity.simulators`: 8% thin files, ~15% with a delinquency, a long tail of debt);
- device and network: one phone and device each; 3% share a household device; 1% belong to fraud
  rings of 8–20 applicants sharing devices, IP addresses and contacts;
- latent PD: the true 12-month default probability, a logistic function of the same risk factors
  the PD model sees plus a hidden factor N(0, 0.6²) on the logit it cannot see (so the model ranks
  well but not perfectly); fraud-ring members default with probability 0.9;
- persona: what the borrower will do with a loan, drawn once from the latent PD (behaviour.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import numpy as np

from creditline.identity import SimulatedBureau, SimulatedTelco, make_cn_resident_id
from creditline.identity.checksums import luhn_check_digit

EMPLOYMENTS = ("salaried", "self_employed", "student", "retired", "other")
EMPLOYMENT_WEIGHTS = (0.62, 0.20, 0.06, 0.04, 0.08)
EMPLOYMENT_RISK = {"salaried": 0.0, "self_employed": 0.35, "student": 0.7, "retired": 0.1, "other": 0.5}
REGIONS = ("330106", "310101", "440305", "110105", "510107", "420106", "320102", "370202")
ARRIVAL_SHARE = 0.85
HOUSEHOLD_DEVICE_SHARE = 0.03
FRAUD_RING_SHARE = 0.01
FRAUD_PD = 0.9
HIDDEN_LOGIT_SD = 0.6
CHINA = timezone(timedelta(hours=8))
PERSONAS = ("on_time", "late", "prepayer", "defaulter", "curer", "fraud")


@dataclass(frozen=True, slots=True)
class Applicant:
    serial: int
    applied_day: int  # days after the simulation's start
    id_number: str
    born: date
    income_monthly_minor: int
    employment: str
    phone: str
    device_id: str
    ip: str
    contacts: tuple[str, ...]
    hour: int
    fraud_ring: int  # -1: not in a ring
    latent_pd: float
    persona: str
    pay_day: int  # day of month the salary arrives

    def age_on(self, day: date) -> int:
        return day.year - self.born.year - ((day.month, day.day) < (self.born.month, self.born.day))


def draw_population(count: int, *, days: int, start: date, seed: int) -> list[Applicant]:
    """`count` applicants arriving over `days` days from `start`."""
    assert count > 0 and days > 0, "a population has people and time"
    rng = np.random.default_rng(seed)
    arrival = np.sort(rng.integers(0, max(int(days * ARRIVAL_SHARE), 1), count))
    ages = rng.triangular(20, 30, 60, count)
    income = np.round(np.exp(rng.normal(9.0, 0.55, count)) / 100) * 100
    employment = rng.choice(len(EMPLOYMENTS), count, p=EMPLOYMENT_WEIGHTS)
    rings = _rings(rng, count)
    hidden = rng.normal(0.0, HIDDEN_LOGIT_SD, count)
    persona_draw = rng.random((count, 3))
    people, used = [], set()
    for i in range(count):
        applied = start + timedelta(days=int(arrival[i]))
        born = applied - timedelta(days=int(ages[i] * 365.25))
        id_number = _unique_id(rng, born, i, used)
        ring = int(rings[i])
        person = _person(rng, i, int(arrival[i]), id_number, born, int(income[i]) * 100, EMPLOYMENTS[employment[i]],
                         ring, int(ages[i]), float(hidden[i]), persona_draw[i], seed)  # fmt: skip
        people.append(person)
    return people


def _rings(rng: np.random.Generator, count: int) -> np.ndarray:
    """Ring number per applicant (-1 for most): rings of 8–20 members among the last arrivals of a ring."""
    rings = np.full(count, -1, dtype=np.int64)
    members = rng.random(count) < FRAUD_RING_SHARE
    index = np.flatnonzero(members)
    ring, cursor = 0, 0
    while cursor < len(index):
        size = int(rng.integers(8, 21))
        rings[index[cursor : cursor + size]] = ring
        ring, cursor = ring + 1, cursor + size
    return rings


def _unique_id(rng: np.random.Generator, born: date, serial: int, used: set[str]) -> str:
    region = REGIONS[serial % len(REGIONS)]
    for bump in range(1000):
        number = make_cn_resident_id(region, born, f"{(serial + bump * 7) % 1000:03d}")
        if number not in used:
            used.add(number)
            return number
    raise AssertionError("more than a thousand applicants born on one day in one region")


def _person(rng: np.random.Generator, serial: int, day: int, id_number: str, born: date, income_minor: int,
            employment: str, ring: int, age: int, hidden: float, draws: np.ndarray, seed: int) -> Applicant:  # fmt: skip
    phone = f"13{(serial * 7919 + seed) % 10:d}{serial:08d}"
    shared = rng.random() < HOUSEHOLD_DEVICE_SHARE
    device = f"ring-device-{ring % 3}-{ring}" if ring >= 0 else f"dev-{serial // 2 if shared else serial}-{seed}"
    ip = f"10.{ring % 250}.{ring % 200}.7" if ring >= 0 else f"100.{serial % 250}.{serial // 250 % 250}.{serial % 97}"
    contacts = tuple(f"137{(ring * 31 + k) % 10**8:08d}" if ring >= 0 else f"136{(serial * 13 + k) % 10**8:08d}"
                     for k in range(3))  # fmt: skip
    latent = FRAUD_PD if ring >= 0 else latent_pd(id_number, income_minor, employment, age, hidden)
    return Applicant(
        serial=serial, applied_day=day, id_number=id_number, born=born, income_monthly_minor=income_minor,
        employment=employment, phone=phone, device_id=device, ip=ip, contacts=contacts,
        hour=int(rng.integers(7, 24)), fraud_ring=ring, latent_pd=latent,
        persona=persona_of(latent, ring, draws), pay_day=int(rng.integers(1, 29)),
    )  # fmt: skip


def latent_pd(id_number: str, income_minor: int, employment: str, age: int, hidden: float) -> float:
    """The true 12-month PD: the factors the PD model sees (through the bureau and carrier) plus `hidden`."""
    bureau = SimulatedBureau().report(id_number, "", on=date(2025, 1, 1))
    telco = SimulatedTelco().check("", id_number, "")
    income_major = max(income_minor // 100, 500)
    dti = min((bureau.obligations_monthly_minor / income_minor) if income_minor else 9.0, 1.5)
    delinquencies = bureau.delinquencies_24m if bureau.found else 0.8
    logit = (
        -3.1 + 0.55 * delinquencies + 0.18 * bureau.inquiries_3m + 2.2 * dti - 0.035 * (age - 35)
        - 0.9 * (math.log10(income_major) - 3.9) + 0.000012 * (bureau.online_microloan_balance_minor / 100)
        - 0.004 * telco.tenure_months + EMPLOYMENT_RISK[employment] + hidden
    )  # fmt: skip
    return 1.0 / (1.0 + math.exp(-logit))


def persona_of(pd_12m: float, ring: int, draws: np.ndarray) -> str:
    """What the borrower will do: default (a third of defaulters later cure), pay late, prepay, or pay on time."""
    if ring >= 0:
        return "fraud"
    if draws[0] < pd_12m:
        return "curer" if draws[1] < 0.3 else "defaulter"
    if draws[1] < min(0.05 + 3 * pd_12m, 0.5):
        return "late"
    return "prepayer" if draws[2] < 0.12 else "on_time"


def application_form(person: Applicant, start: date) -> dict[str, object]:
    """The JSON `creditline apply` takes, as the borrower's app would send it."""
    applied = datetime.combine(start + timedelta(days=person.applied_day), time(person.hour, 17), CHINA)
    consented = (applied - timedelta(minutes=2)).isoformat()
    card = f"62220{person.serial:013d}"
    return {
        "jurisdiction": "CN",
        "product_id": "revolving-consumer",
        "applied_at": applied.isoformat(),
        "applicant": {
            "name": "模拟" + "甲乙丙丁戊己庚辛壬癸"[person.serial % 10],
            "id_number": person.id_number,
            "phone": person.phone,
            "bank_card": card + luhn_check_digit(card),
            "income_monthly": f"{person.income_monthly_minor // 100}.00",
            "employment": person.employment,
        },
        "device": {"device_id": person.device_id, "ip": person.ip, "selfie_ref": f"selfie-{person.serial}"},
        "contacts": list(person.contacts),
        "consents": [
            {"scope": scope, "text_version": "v3", "purpose": "credit_assessment", "granted_at": consented}
            for scope in ("credit_bureau_query", "transaction_data", "device_data")
        ],
    }
