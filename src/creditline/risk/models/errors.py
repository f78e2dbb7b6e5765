"""Typed errors for mistakes in training data, model directories and scoring requests."""

from __future__ import annotations

from creditline.errors import DomainError


class InvalidData(DomainError):
    """The data file or one of its columns cannot be used as asked."""

    code = "invalid_data"


class InvalidModel(DomainError):
    """A model directory is missing, damaged or does not match what it claims to be."""

    code = "invalid_model"


class InvalidScoringRequest(DomainError):
    """An applicant record lacks a field the model needs, or carries a value of the wrong type."""

    code = "invalid_scoring_request"
