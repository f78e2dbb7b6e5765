"""What monitoring looks at: one borrower activity (a drawdown, or a change of repayment account).

The edge fills it in: the business-clock time, the borrower's local hour, keyed hashes of the
device and of the account the money goes to (never the raw numbers), and for a drawdown the
amount with the line's limit and available balance, all in minor units.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from creditline.risk.transactions.errors import ActivityInvalid

KEY_LENGTH_MAX = 64


class ActivityKind(StrEnum):
    DRAWDOWN = "drawdown"
    ACCOUNT_CHANGE = "account-change"  # the borrower's repayment / disbursement account is changed


@dataclass(frozen=True, slots=True)
class Activity:
    kind: ActivityKind
    at_s: int  # seconds since the epoch on the business clock
    local_hour: int  # 0-23 in the borrower's own time zone
    device: str  # keyed hash of the device fingerprint
    account: str  # keyed hash of the account the money goes to (drawdown) or the new account (change)
    amount_minor: int = 0
    limit_minor: int = 0
    available_minor: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", ActivityKind(self.kind))
        if not 0 <= self.local_hour <= 23:
            raise ActivityInvalid(f"must be 0-23, got {self.local_hour}", field="local_hour")
        for name in ("device", "account"):
            value = getattr(self, name)
            if not value or len(value) > KEY_LENGTH_MAX:
                raise ActivityInvalid(f"must be 1-{KEY_LENGTH_MAX} characters", field=name)
        if self.kind is ActivityKind.DRAWDOWN:
            if self.amount_minor <= 0:
                raise ActivityInvalid("a drawdown moves a positive amount", field="amount")
            if self.limit_minor <= 0 or not 0 <= self.available_minor <= self.limit_minor:
                raise ActivityInvalid("need 0 <= available <= limit and a positive limit", field="limit")

    @property
    def share_of_available(self) -> float:
        """How much of what is left on the line this drawdown takes (1.0: all of it)."""
        return self.amount_minor / self.available_minor if self.available_minor else 1.0
