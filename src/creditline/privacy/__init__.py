"""Personal data under the borrower's control: consent records and purpose checks.

Other modules of this package (PII encryption, retention, export and erasure) sit beside `consent`.
"""

from creditline.privacy.consent import (
    REQUIRED_SCOPES,
    ConsentRecord,
    ConsentScope,
    Purpose,
    active_consents,
    missing_scopes,
    require,
)
from creditline.privacy.errors import ConsentMissing, InvalidConsent

__all__ = [
    "REQUIRED_SCOPES",
    "ConsentMissing",
    "ConsentRecord",
    "ConsentScope",
    "InvalidConsent",
    "Purpose",
    "active_consents",
    "missing_scopes",
    "require",
]
