"""A simulated applicant population and the models trained on it, for the demo and the tests.

A lender starts with a bought-in or pilot population; here one is drawn: identities, declared
incomes and the local verifier simulators' answers, with a default outcome from a known logistic
risk (older, richer, less indebted, clean bureau file: safer). The PD model is then trained by
`creditline.risk.models` exactly as on real data, and saved once per seed to a model directory.
"""

from __future__ import annotations

import hashlib
import math
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from creditline.app.apply_features import ANOMALY_FEATURES, EMPLOYMENTS, Checks, anomaly_row, pd_fields
from creditline.identity import (
    IdentityFields,
    SimulatedBureau,
    SimulatedFaceMatcher,
    SimulatedTelco,
    check_identity,
    make_cn_resident_id,
    profile,
)
from creditline.identity.checksums import luhn_check_digit

POPULATION_DEFAULT = 12_000
TRAINING_BUDGET_S = 4.0
_EMPLOYMENT_WEIGHTS = (0.62, 0.2, 0.06, 0.04, 0.08)
_EMPLOYMENT_RISK = {"salaried": 0.0, "self_employed": 0.35, "student": 0.7, "retired": 0.1, "other": 0.5}


def simulated_applicant(rng: np.random.Generator, serial: int, on: date) -> dict[str, object]:
    """One applicant as an application form would carry it (CN profile)."""
    born = date(on.year - int(rng.integers(22, 56)), int(rng.integers(1, 13)), int(rng.integers(1, 29)))
    card_body = f"622202{serial:012d}"
    return {
        "name": "测试" + "甲乙丙丁戊己庚辛"[serial % 8],
        "id_number": make_cn_resident_id("330106", born, f"{serial % 1000:03d}"),
        "phone": f"139{serial:08d}",
        "bank_card": card_body + luhn_check_digit(card_body),
        "income_monthly": int(round(math.exp(rng.normal(9.0, 0.55)) / 100) * 100),
        "employment": str(rng.choice(EMPLOYMENTS, p=_EMPLOYMENT_WEIGHTS)),
    }


def population(
    size: int = POPULATION_DEFAULT, *, seed: int = 7, on: date = date(2025, 1, 1)
) -> tuple[pd.DataFrame, np.ndarray]:
    """PD fields with the outcome `bad`, and anomaly-model rows, for `size` simulated applicants."""
    rng = np.random.default_rng(seed)
    cn = profile("CN")
    bureau, telco, face = SimulatedBureau(), SimulatedTelco(), SimulatedFaceMatcher()
    rows, anomaly = [], []
    for serial in range(size):
        person = simulated_applicant(rng, serial + seed * 1_000_000, on)
        identity = check_identity(
            IdentityFields(person["name"], person["id_number"], person["phone"], person["bank_card"]), cn, on=on
        )
        checks = Checks(
            bureau.report(identity.id_number, identity.name, on=on),
            face.match(identity.id_number, "selfie"),
            telco.check(identity.phone_e164, identity.id_number, identity.name),
        )
        income_minor = int(person["income_monthly"]) * 100
        fields = pd_fields(identity, income_minor, 100, str(person["employment"]), checks)
        fields["bad"] = int(rng.random() < _default_probability(fields))
        rows.append(fields)
        anomaly.append(anomaly_row(identity, income_minor, 100, int(rng.integers(3, 40)), int(rng.integers(7, 23)), checks))
    return pd.DataFrame(rows), np.array(anomaly)


def _default_probability(fields: dict[str, object]) -> float:
    delinquencies = fields["bureau_delinquencies_24m"]
    logit = (
        -3.1
        + 0.55 * (delinquencies if delinquencies is not None else 0.8)
        + 0.18 * float(fields["bureau_inquiries_3m"])
        + 2.2 * min(float(fields["debt_to_income"]), 1.5)
        - 0.035 * (float(fields["age_years"]) - 35)
        - 0.9 * (math.log10(max(float(fields["income_monthly"]), 500)) - 3.9)
        + 0.000012 * float(fields["online_microloan_balance"])
        - 0.004 * float(fields["telco_tenure_months"])
        + _EMPLOYMENT_RISK[str(fields["employment"])]
    )
    return 1.0 / (1.0 + math.exp(-logit))


def train_pd_model(directory: Path, *, size: int = POPULATION_DEFAULT, seed: int = 7) -> Path:
    """Train the PD model on the simulated population and save it (skipped when already there)."""
    from creditline.risk.models import TrainingOptions, save_model, train
    from creditline.risk.models.reading import RawTable
    from creditline.risk.models.registry import is_model_dir

    if directory.exists() and is_model_dir(directory):
        return directory
    frame, _ = population(size, seed=seed)
    text = frame.astype(object).where(frame.notna(), "").astype(str)
    digest = hashlib.sha256(text.to_csv(index=False).encode()).hexdigest()
    table = RawTable(text, f"simulated-population-seed{seed}", ",", True, "utf-8", digest)
    options = TrainingOptions(target="bad", positive="1", budget_s=TRAINING_BUDGET_S, seed=seed, created_at="simulated")
    save_model(train(table, options), directory)
    return directory


def anomaly_training_rows(size: int = 4000, *, seed: int = 11) -> tuple[np.ndarray, tuple[str, ...]]:
    return population(size, seed=seed)[1], ANOMALY_FEATURES
