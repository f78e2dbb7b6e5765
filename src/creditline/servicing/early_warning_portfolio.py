"""Portfolio-level early warning: roll rates and vintage losses above expectation, and concentration.

Each is measured within one currency's book (the caller splits the book by currency): money of two
currencies is never added up, and an alert's subject and details name its currency, so the same bucket
or product of two books is two conditions.

Roll rates and vintage curves come from `creditline.portfolio` over the loan snapshots (the same
definitions as the portfolio report); this module only compares them with the thresholds, exactly:
a rate is above `expected × (1 + tolerance)` when `numerator × d > denominator × n` in integers, so
no float decides whether an alert is raised.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from fractions import Fraction

import polars as pl

from creditline.risk.limits.ratio import parse_ratio
from creditline.servicing.early_warning import Alert, Kind, PortfolioThresholds


def _ceiling(expected: str, tolerance: str) -> Fraction:
    return parse_ratio(expected) * (1 + parse_ratio(tolerance))


def _above(numerator: int, denominator: int, ceiling: Fraction) -> bool:
    return denominator > 0 and numerator * ceiling.denominator > denominator * ceiling.numerator


def _pct(numerator: int, denominator: int) -> str:
    """A share as a percentage to two places, for messages only (alerts are decided in integers)."""
    if not denominator:
        return "n/a"
    hundredths = (numerator * 10_000 * 2 + denominator) // (2 * denominator)  # half-up
    return f"{hundredths // 100}.{hundredths % 100:02d}%"


def _about(what: str, currency: str) -> str:
    """An alert's subject: what it is about, in which currency's book."""
    return f"{what}:{currency}"


def roll_rate_alerts(rates: pl.DataFrame, on: date, t: PortfolioThresholds, currency: str) -> list[Alert]:
    """Alerts for the latest month of `portfolio.roll_rates.roll_rates(...)` output over one currency's loans."""
    if rates.is_empty():
        return []
    latest = rates.filter(pl.col("month_end") == pl.col("month_end").max())
    alerts = []
    for row in latest.iter_rows(named=True):
        limit = t.roll_rates.get(row["bucket"])
        if limit is None or int(row["loans"]) < t.roll_rate_loans_min:
            continue
        ceiling = _ceiling(limit.expected, limit.tolerance)
        rolled, base = int(row["rolled_principal_minor"]), int(row["principal_minor"])
        if _above(rolled, base, ceiling):
            month = row["month_end"].isoformat()
            alerts.append(Alert(
                Kind.ROLL_RATE, _about(f"{row['bucket']}:{month}", currency), t.severity, on,
                f"{row['bucket']} rolled {_pct(rolled, base)} of its {currency} balance in the month to {month}; "
                f"expected {limit.expected}, alert above {_pct(ceiling.numerator, ceiling.denominator)}",
                details={"bucket": row["bucket"], "month_end": month, "rolled_principal_minor": rolled,
                         "principal_minor": base, "loans": int(row["loans"]), "expected": limit.expected,
                         "tolerance": limit.tolerance, "currency": currency},
            ))  # fmt: skip
    return alerts


def vintage_alerts(curves: pl.DataFrame, on: date, t: PortfolioThresholds, currency: str) -> list[Alert]:
    """Alerts for vintages (of one currency's loans) whose ever-90 rate at a checkpoint MOB exceeds its expectation."""
    loss = t.vintage_loss
    checkpoints = pl.DataFrame({"mob": list(loss.expected_by_mob)}, schema={"mob": pl.Int32})
    rows = curves.join(checkpoints, on="mob", how="inner").filter(pl.col("loans") >= loss.loans_min)
    alerts = []
    for row in rows.sort("vintage_month", "mob").iter_rows(named=True):
        expected = loss.expected_by_mob[row["mob"]]
        ceiling = _ceiling(expected, loss.tolerance)
        bad, disbursed = int(row["ever_90_disbursed_minor"]), int(row["disbursed_minor"])
        if _above(bad, disbursed, ceiling):
            vintage = row["vintage_month"].strftime("%Y-%m")
            alerts.append(Alert(
                Kind.VINTAGE_LOSS, _about(f"{vintage}:mob{row['mob']}", currency), t.severity, on,
                f"{currency} vintage {vintage} at MOB {row['mob']}: {_pct(bad, disbursed)} of principal ever 90+ days "
                f"past due; "
                f"expected {expected}",
                details={"vintage": vintage, "mob": row["mob"], "ever_90_disbursed_minor": bad,
                         "disbursed_minor": disbursed, "loans": int(row["loans"]), "expected": expected,
                         "currency": currency},
            ))  # fmt: skip
    return alerts


def concentration_alerts(exposures: Mapping[str, Mapping[str, int]], on: date, t: PortfolioThresholds,
                         currency: str) -> list[Alert]:  # fmt: skip
    """Alerts for dimensions (product, region, partner) where one group holds too much of one currency's
    principal (`exposures`: dimension -> group -> outstanding principal in minor units of `currency`)."""
    alerts = []
    for dimension, groups in sorted(exposures.items()):
        share_text = t.concentration.max_share.get(dimension)
        total = sum(groups.values())
        if share_text is None or len(groups) < t.concentration.groups_min or total <= 0:
            continue
        ceiling = parse_ratio(share_text)
        group, held = max(sorted(groups.items()), key=lambda item: item[1])
        if _above(held, total, ceiling):
            alerts.append(Alert(
                Kind.CONCENTRATION, _about(f"{dimension}:{group}", currency), t.severity, on,
                f"{dimension} {group} holds {_pct(held, total)} of outstanding {currency} principal; "
                f"at most {share_text}",
                details={"dimension": dimension, "group": group, "principal_minor": held, "total_minor": total,
                         "currency": currency},
            ))  # fmt: skip
    return alerts
