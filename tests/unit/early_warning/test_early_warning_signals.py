"""Loan-level early-warning signals at their thresholds, and threshold files that must be refused."""

from __future__ import annotations

from datetime import date

import pytest
import yaml

from creditline.servicing.early_warning import (
    Kind,
    Severity,
    ThresholdsInvalid,
    builtin_thresholds,
    failed_debits,
    first_payment_default,
    fraud_signal,
    parse_thresholds,
    utilisation_spike,
)

T = builtin_thresholds()
ON = date(2025, 3, 10)


def test_first_payment_default_from_the_seventh_day_and_only_for_the_first_installment() -> None:
    rule = T.loan.first_payment_default
    assert first_payment_default("L1", "B1", True, 6, ON, rule) is None
    alert = first_payment_default("L1", "B1", True, 7, ON, rule)
    assert alert is not None
    assert (alert.kind, alert.subject, alert.severity, alert.scope, alert.loan_id) == (
        Kind.FIRST_PAYMENT_DEFAULT, "L1", Severity.HIGH, "loan", "L1")  # fmt: skip
    assert first_payment_default("L1", "B1", False, 40, ON, rule) is None


def test_a_spike_needs_half_the_limit_drawn_in_the_window_and_ninety_percent_used() -> None:
    rule = T.loan.utilisation_spike
    assert utilisation_spike("LN", "B", 500_000, 900_000, 1_000_000, ON, rule) is not None  # exactly at both
    assert utilisation_spike("LN", "B", 499_999, 900_000, 1_000_000, ON, rule) is None
    assert utilisation_spike("LN", "B", 500_000, 899_999, 1_000_000, ON, rule) is None
    assert utilisation_spike("LN", "B", 1, 1, 0, ON, rule) is None  # no limit, no ratio
    alert = utilisation_spike("LN", "B", 950_000, 950_000, 1_000_000, ON, rule)
    assert alert is not None and alert.message == "drew 95% of the limit in 7 days; 95% now used"


def test_failed_debits_alert_from_the_second() -> None:
    rule = T.loan.failed_debits
    assert failed_debits("L1", "B1", 1, ON, rule) is None
    alert = failed_debits("L1", "B1", 2, ON, rule)
    assert alert is not None and alert.details == {"failed_debits": 2}


def test_every_fraud_signal_is_an_alert_of_its_own() -> None:
    alert = fraud_signal("17", "B1", "device_change", "new device", ON, T.loan.fraud_signal)
    assert (alert.subject, alert.borrower_id, alert.loan_id, alert.severity) == ("signal:17", "B1", None, Severity.HIGH)


def _data() -> dict:
    return yaml.safe_load(T.model_dump_json())


def test_unknown_fields_and_bad_values_are_refused_by_name() -> None:
    data = _data()
    data["loan"]["failed_debits"]["count_minimum"] = 3
    with pytest.raises(ThresholdsInvalid) as caught:
        parse_thresholds(yaml.safe_dump(data))
    assert caught.value.field == "thresholds.loan.failed_debits.count_minimum"
    data = _data()
    data["portfolio"]["roll_rates"]["M7"] = {"expected": "0.9", "tolerance": "0.1"}
    with pytest.raises(ThresholdsInvalid):
        parse_thresholds(yaml.safe_dump(data))
    data = _data()
    data["loan"]["utilisation_spike"]["drawn_share_min"] = "3/2"
    with pytest.raises(ThresholdsInvalid) as caught:
        parse_thresholds(yaml.safe_dump(data))
    assert "at most 1" in caught.value.message
