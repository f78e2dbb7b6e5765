"""The demo's securitisation: a deal file for the platform's own loans at the cut-off date.

The structure is the example of docs/examples/abs/deal.yaml — senior, mezzanine and subordinated
tranches, a cash reserve, a cumulative-default trigger, a clean-up call — with its dates moved to
the demo's last snapshot, so that `creditline abs run --tape tape.csv --deal deal.yaml` can be run
again by hand on the files the demo leaves.
"""

from __future__ import annotations

from datetime import date, timedelta

CLOSING_AFTER_CUT_OFF_DAYS = 15
PAYMENT_DAY = 26
BORROWER_SHARE_PCT_MIN = 1
BORROWER_SHARE_LOANS = 300  # below this many loans the limit widens to 300 / loans percent
SCENARIO_YAML = """\
# Assumptions for the demo deal (written by creditline demo). Command-line options override them.
default_model: pd        # each loan's own 12-month PD, as the platform's end of day last estimated it
cpr: 10%                 # prepayments: the simulated book's prepayers pay off early
recovery_rate: 20%
recovery_lag_months: 6
monte_carlo:
  paths: 1000
  correlation: 10%
  seed: 7
"""

_DEAL = """\
# The platform's own loans, sold to a trust at the demo's last snapshot (written by creditline demo).
name: "Creditline Demo ABS {year}-1"
currency: {currency}
cut_off_date: {cut_off}
closing_date: {closing}
first_payment_date: {first_payment}
day_count: act/365
principal_payment: pro_rata   # until a trigger makes it sequential
sale_price: 100%
servicing_fee_rate: 1%
fees:
  - name: trustee
    annual_rate: 0.05%
tranches:                     # senior first; the last is subordinated and takes the residual
  - {{name: A, share: 80%, coupon_rate: 3.2%}}
  - {{name: B, share: 10%, coupon_rate: 4.5%}}
  - {{name: Sub, share: 10%}}
reserve:
  initial: "{reserve}"          # 1% of the tape's principal, funded at closing
  target_share: 1%
  floor: "{floor}"
triggers:
  - name: cumulative defaults
    metric: cumulative_default_rate
    above: 3%
    actions: [sequential]
clean_up_call: 10%
eligibility:
  statuses: [current]
  max_days_past_due: 0
  min_remaining_term_months: 2
  max_remaining_term_months: 24
  grades: [A, B, C, D, E]
  max_borrower_share: {borrower_share_pct}%   # 1%, wider for a small demo's pool
  max_grade_share: {{E: 5%}}
"""


def borrower_share_pct(tape_loans: int) -> int:
    """The single-borrower limit: 1% of the pool, or room for an average loan of a pool under 300 loans
    (a limit below one loan's share would exclude every loan of a small demo's tape)."""
    return min(100, max(BORROWER_SHARE_PCT_MIN, -(-BORROWER_SHARE_LOANS // max(tape_loans, 1))))


def deal_yaml(cut_off: date, tape_principal_minor: int, currency: str, tape_loans: int) -> str:
    """The deal text; the reserve is sized to the tape (1% at closing, never below 0.25%)."""
    from creditline.money import Money

    reserve = Money.of_minor(tape_principal_minor // 100, currency).amount_str()
    floor = Money.of_minor(tape_principal_minor // 400, currency).amount_str()
    closing = cut_off + timedelta(days=CLOSING_AFTER_CUT_OFF_DAYS)
    year, month = (closing.year + 1, 1) if closing.month == 12 else (closing.year, closing.month + 1)
    first_payment = date(year, month, PAYMENT_DAY)
    return _DEAL.format(year=cut_off.year, currency=currency, cut_off=cut_off.isoformat(),
                        closing=closing.isoformat(), first_payment=first_payment.isoformat(),
                        reserve=reserve, floor=floor, borrower_share_pct=borrower_share_pct(tape_loans))  # fmt: skip
