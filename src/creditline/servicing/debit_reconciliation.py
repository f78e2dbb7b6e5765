"""Debit attempts against the bank's statement: every break named, none hidden.

Our side is the auto-debit outbox (one row per attempt: key, source, amount asked and debited,
outcome); the bank's side is its statement (one line per instruction it received: account, key,
amount asked and debited, status). Matched by key, a pair breaks when:

| kind | means |
| --- | --- |
| `missing_at_bank` | we recorded an answer from the bank, the bank has no such instruction |
| `missing_in_books` | the bank executed an instruction we have no attempt for |
| `amount_mismatch` | debited (or asked) amounts differ |
| `status_mismatch` | outcomes differ (a lost instruction we think executed, or the other way round) |
| `open` | our attempt never got a final answer |
| `not_applied` | money moved, but is not on the loan |

A debit the bank **returned** later (R01, insufficient funds) is a line of the day it was returned:
`return_of` says which repayment to reverse (`ReturnToBook`), or names the break when there is none:

| kind | means |
| --- | --- |
| `return_unmatched` | the bank returned a debit we have no attempt for |
| `return_not_applied` | the returned money never reached a loan (refund path, or not applied yet) |
| `return_mismatch` | the bank returned another amount or currency than the attempt debited |
| `return_not_booked` | the reversal was refused (the loan's rule is named) |

Pure: `breaks` takes the two sides as plain mappings and returns the breaks in key order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

NOT_EXECUTED = "not_executed"
OPEN = ("pending", "unknown")
MOVED = ("succeeded", "partial")
REFUND = "refund"  # the apply path of money whose loan no longer took a repayment: the operator returns it
APPLIED_TO_LOAN = ("batch", "replay")  # the apply paths that put the money on the loan as a repayment event


@dataclass(frozen=True, slots=True)
class Break:
    key: str
    kind: str
    ours: str  # what the books say, short
    theirs: str  # what the statement says, short

    def as_dict(self) -> dict[str, str]:
        return {"key": self.key, "kind": self.kind, "ours": self.ours, "theirs": self.theirs}


@dataclass(frozen=True, slots=True)
class ReturnToBook:
    """A returned debit whose repayment is on a loan: reverse `event_id` (the money went back to the bank)."""

    key: str
    loan_id: str
    event_id: str
    returned_minor: int
    currency: str
    reason: str
    theirs: str


def return_of(ours: Mapping[str, Any] | None, line: Mapping[str, Any]) -> ReturnToBook | Break:
    """What the books must do about one returned debit (`line`), given our attempt under its key."""
    key, theirs = line["debit_key"], _returned(line)
    if ours is None:
        return Break(key, "return_unmatched", "no attempt", theirs)
    if ours["debited_minor"] != line["returned_minor"] or ours["currency"] != line["currency"]:
        return Break(key, "return_mismatch", _ours(ours), theirs)
    if ours["event_id"] is None or ours["applied_path"] not in APPLIED_TO_LOAN:
        return Break(key, "return_not_applied", _ours(ours), theirs)
    return ReturnToBook(key, ours["loan_id"], ours["event_id"], line["returned_minor"], line["currency"],
                        line["reason"], theirs)  # fmt: skip


def break_of(ours: Mapping[str, Any] | None, line: Mapping[str, Any] | None) -> Break | None:
    """The break between our attempt and the bank's line for one key (either may be missing), or None."""
    assert ours is not None or line is not None, "a key comes from one side at least"
    if ours is None:
        assert line is not None
        if line["outcome"] == NOT_EXECUTED:
            return None  # the bank never acted on it: nothing to match
        return Break(line["debit_key"], "missing_in_books", "no attempt", _theirs(line))
    key = ours["attempt_key"]
    if ours["outcome"] in OPEN:
        return Break(key, "open", _ours(ours), _theirs(line) if line else "no line")
    if line is None:
        if ours["outcome"] == NOT_EXECUTED:
            return None
        return Break(key, "missing_at_bank", _ours(ours), "no line")
    if ours["outcome"] != line["outcome"]:
        return Break(key, "status_mismatch", _ours(ours), _theirs(line))
    if ours["debited_minor"] != line["debited_minor"] or ours["requested_minor"] != line["requested_minor"]:
        return Break(key, "amount_mismatch", _ours(ours), _theirs(line))
    if ours["currency"] != line["currency"]:
        return Break(key, "amount_mismatch", _ours(ours), _theirs(line))
    if ours["outcome"] in MOVED and not ours["applied"]:
        return Break(key, "not_applied", _ours(ours), _theirs(line))
    if ours["outcome"] in MOVED and ours.get("applied_path") == REFUND:  # taken, on no loan, not yet given back
        return Break(key, "not_applied", f"{_ours(ours)}, refund due", _theirs(line))
    return None


def breaks(attempts: Iterable[Mapping[str, Any]], statement: Iterable[Mapping[str, Any]]) -> list[Break]:
    """Every break between the day's attempts and the day's statement lines, in key order."""
    ours = {a["attempt_key"]: a for a in attempts}
    theirs = {line["debit_key"]: line for line in statement}
    found = []
    for key in sorted(ours.keys() | theirs.keys()):
        found_break = break_of(ours.get(key), theirs.get(key))
        if found_break is not None:
            found.append(found_break)
    return found


def _ours(row: Mapping[str, Any]) -> str:
    return f"{row['outcome']} {row['debited_minor']}/{row['requested_minor']} {row['currency']}"


def _returned(line: Mapping[str, Any]) -> str:
    return (f"returned {line['returned_minor']} {line['currency']} {line['reason']} on {line['returned_on']}, "
            f"debited {line['business_date']} ({line['account_id']})")  # fmt: skip


def _theirs(line: Mapping[str, Any]) -> str:
    return f"{line['outcome']} {line['debited_minor']}/{line['requested_minor']} {line['currency']} ({line['account_id']})"
