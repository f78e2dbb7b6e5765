"""The simulated population: deterministic by seed, distributed as documented, risk where it belongs."""

from __future__ import annotations

import statistics
from datetime import date, timedelta

import numpy as np

from creditline.app.apply_form import parse_application
from creditline.simulation.population import application_form, draw_population, latent_pd

START = date(2025, 1, 1)
PEOPLE = draw_population(4_000, days=365, start=START, seed=7)


def test_the_same_seed_draws_the_same_people_and_another_seed_others() -> None:
    assert draw_population(200, days=365, start=START, seed=7) == draw_population(200, days=365, start=START, seed=7)
    assert draw_population(200, days=365, start=START, seed=8) != draw_population(200, days=365, start=START, seed=7)


def test_distributions_are_the_documented_ones() -> None:
    income = statistics.median(p.income_monthly_minor / 100 for p in PEOPLE)
    assert 7_500 < income < 8_800  # log-normal median exp(9.0) = 8,103
    shares = {e: sum(p.employment == e for p in PEOPLE) / len(PEOPLE) for e in ("salaried", "student")}
    assert 0.59 < shares["salaried"] < 0.65 and 0.045 < shares["student"] < 0.075
    ages = [p.age_on(START + timedelta(days=p.applied_day)) for p in PEOPLE]
    assert min(ages) >= 20 and max(ages) <= 61 and 33 < statistics.mean(ages) < 38  # triangular(20, 30, 60)
    ring = sum(p.fraud_ring >= 0 for p in PEOPLE) / len(PEOPLE)
    assert 0.005 < ring < 0.02
    assert max(p.applied_day for p in PEOPLE) < 0.85 * 365 and len({p.id_number for p in PEOPLE}) == len(PEOPLE)


def test_latent_risk_rises_with_debt_and_falls_with_income_and_drives_the_personas() -> None:
    poor, rich = (latent_pd("330106199001010012", income, "salaried", 35, 0.0) for income in (300_000, 3_000_000))
    assert poor > rich
    assert latent_pd("330106199001010012", 800_000, "student", 35, 0.0) > latent_pd(
        "330106199001010012", 800_000, "salaried", 35, 0.0)
    defaulting = [p.latent_pd for p in PEOPLE if p.persona in ("defaulter", "curer")]
    paying = [p.latent_pd for p in PEOPLE if p.persona == "on_time"]
    assert statistics.mean(defaulting) > 2 * statistics.mean(paying)
    assert all(p.persona == "fraud" for p in PEOPLE if p.fraud_ring >= 0)
    assert np.mean([p.latent_pd for p in PEOPLE if p.fraud_ring < 0]) < 0.3


def test_every_form_is_an_application_the_intake_accepts() -> None:
    for person in PEOPLE[:50]:
        application = parse_application(application_form(person, START), "CNY")
        assert application.form.applicant.id_number == person.id_number
