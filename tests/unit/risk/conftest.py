"""Fixtures of the PD-model tests: synthetic applicant files and one small trained model."""

from __future__ import annotations

import pytest
from pd_synthetic import applicants

from creditline.risk.models import TrainingOptions, read_table, save_model, train
from run_once import once

# Tests prove the pipeline, not the search: two settings, so that the ensemble has members to
# average, and engineered features always on, so that scoring them is exercised.
TEST_TRIALS = 2


@pytest.fixture(scope="session")
def applicants_csv(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("pd") / "applicants.csv"
    applicants(2000).to_csv(path, index=False)
    return str(path)


@pytest.fixture(scope="session")
def small_applicants_csv(tmp_path_factory) -> str:
    """Fewer rows, for tests that must train a model of their own."""
    path = tmp_path_factory.mktemp("pd") / "small.csv"
    applicants(1200, seed=5).to_csv(path, index=False)
    return str(path)


@pytest.fixture(scope="session")
def trained(applicants_csv, tmp_path_factory):
    """(artifacts, model directory) of one model trained on the synthetic applicants, once per test run."""

    def build(folder):
        artifacts = train(read_table(applicants_csv), TrainingOptions(target="Default", trials=TEST_TRIALS, engineered="on", seed=3))
        return artifacts, save_model(artifacts, folder / "pd")

    return once(tmp_path_factory, "pd-trained", build)
