from datetime import UTC, datetime, timedelta

import pytest

from creditline.privacy import (
    ConsentMissing,
    ConsentRecord,
    ConsentScope,
    InvalidConsent,
    Purpose,
    missing_scopes,
    require,
)

T0 = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
CREDIT = Purpose.CREDIT_ASSESSMENT


def grant(scope, *, purpose=CREDIT, at=T0, expires=None, withdrawn=None):
    return ConsentRecord(scope, "v3", purpose, at, expires, withdrawn)


def full_set():
    return [grant(s) for s in (ConsentScope.CREDIT_BUREAU_QUERY, ConsentScope.TRANSACTION_DATA, ConsentScope.DEVICE_DATA)]


def test_required_scopes_are_covered():
    used = require(full_set(), CREDIT, T0 + timedelta(minutes=1))
    assert [c.scope for c in used] == sorted(
        [ConsentScope.CREDIT_BUREAU_QUERY, ConsentScope.DEVICE_DATA, ConsentScope.TRANSACTION_DATA]
    )


def test_marketing_consent_is_never_needed_for_credit():
    assert missing_scopes(full_set(), CREDIT, T0) == ()
    assert missing_scopes(full_set(), Purpose.MARKETING, T0) == (ConsentScope.MARKETING,)


def test_missing_scope_names_the_scope():
    consents = full_set()[:2]
    with pytest.raises(ConsentMissing) as caught:
        require(consents, CREDIT, T0)
    assert caught.value.scopes == ("device_data",)
    assert caught.value.field == "consents.device_data"
    assert caught.value.code == "consent_missing"


def test_expiry_withdrawal_purpose_and_timing():
    on = T0 + timedelta(days=10)
    bureau, txn, _device = full_set()
    expired = grant(ConsentScope.DEVICE_DATA, expires=T0 + timedelta(days=5))
    withdrawn = grant(ConsentScope.DEVICE_DATA, withdrawn=T0 + timedelta(days=9))
    other_purpose = grant(ConsentScope.DEVICE_DATA, purpose=Purpose.FRAUD_PREVENTION)
    later = grant(ConsentScope.DEVICE_DATA, at=on + timedelta(seconds=1))
    for record in (expired, withdrawn, other_purpose, later):
        assert missing_scopes([bureau, txn, record], CREDIT, on) == (ConsentScope.DEVICE_DATA,)
    # Withdrawal takes effect at its instant, not before.
    assert missing_scopes([bureau, txn, withdrawn], CREDIT, T0 + timedelta(days=8)) == ()


def test_impossible_records_are_refused():
    with pytest.raises(InvalidConsent):
        grant(ConsentScope.MARKETING, expires=T0)
    with pytest.raises(InvalidConsent):
        ConsentRecord(ConsentScope.MARKETING, "", CREDIT, T0)
    with pytest.raises(InvalidConsent):
        ConsentRecord(ConsentScope.MARKETING, "v1", CREDIT, datetime(2025, 1, 1))
    with pytest.raises(InvalidConsent):
        grant(ConsentScope.MARKETING, withdrawn=T0 - timedelta(seconds=1))


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
def test_a_moment_outside_the_years_utc_can_hold_is_refused(moment):
    """Kept as epoch seconds and read back in UTC: year 10000 (or 0) in UTC could never be shown again."""
    far = datetime.fromisoformat(moment)
    with pytest.raises(InvalidConsent, match="years 1 to 9999"):
        grant(ConsentScope.MARKETING, purpose=Purpose.MARKETING, expires=far)
    with pytest.raises(InvalidConsent, match="years 1 to 9999"):
        grant(ConsentScope.MARKETING, purpose=Purpose.MARKETING, at=far)
    last = datetime.fromisoformat("9999-12-31T23:59:59+14:00")  # 09:59:59 UTC: still representable
    assert grant(ConsentScope.MARKETING, purpose=Purpose.MARKETING, expires=last).expires_at == last
