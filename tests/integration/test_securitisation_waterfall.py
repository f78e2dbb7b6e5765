"""The waterfall fed by a deal's real collections (`app.trust_waterfall`), property-tested without a database:
for random structures and random servicer reports it takes in exactly what was collected and pays out
exactly that every period, to the cent; the servicing fee accrued day by day through a payment date is the
waterfall's servicing fee due for the period; a period whose net principal is negative is flagged, not a crash."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from creditline.app.trust_servicing import accrue_fee
from creditline.app.trust_waterfall import paid_out, realised_run
from creditline.funding.structure import deal_spec

CUT_OFF = date(2025, 3, 31)


def deal_row(pool_minor: int, *, sub: str, coupon: str, fee: str, day_count: str, reserve: bool, pro_rata: bool) -> dict:
    spec = deal_spec({
        "name": "Property ABS", "currency": "CNY", "cut_off_date": CUT_OFF, "closing_date": CUT_OFF + timedelta(days=5),
        "first_payment_date": date(2025, 4, 26), "day_count": day_count, "servicing_fee_rate": Decimal(fee),
        "principal_payment": "pro_rata" if pro_rata else "sequential",
        "tranches": [{"name": "A", "share": 1 - Decimal(sub), "coupon_rate": Decimal(coupon)},
                     {"name": "Sub", "share": Decimal(sub)}],
        "reserve": {"initial": "100.00", "target_share": "0.01"} if reserve else None,
        "triggers": [{"name": "defaults", "metric": "cumulative_default_rate", "above": "0.02"}],
    })  # fmt: skip
    return {"deal_id": "DLprop", "currency": "CNY", "spec_json": spec.model_dump_json(), "pool_principal_minor": pool_minor,
            "servicing_fee_rate": Decimal(fee)}  # fmt: skip


@st.composite
def reports(draw):  # type: ignore[no-untyped-def]
    """A pool and its servicer reports: each month some principal collected, some defaulted, interest, recoveries."""
    pool = draw(st.integers(10_000, 10**10))
    count = draw(st.integers(1, 8))
    periods, start = [], pool
    for t in range(1, count + 1):
        principal = draw(st.integers(0, start))
        defaults = draw(st.integers(0, start - principal))
        end = start - principal - defaults if t < count or draw(st.booleans()) else 0
        defaults = start - principal - end if end == 0 else defaults
        periods.append({
            "period": t, "pool_start_minor": start, "principal_collected_minor": principal, "defaults_minor": defaults,
            "pool_end_minor": end, "interest_collected_minor": draw(st.integers(0, max(start // 20, 1))),
            "recoveries_minor": draw(st.integers(0, 10**6)), "delinquent_minor": draw(st.integers(0, end)),
        })  # fmt: skip
        start = end
    return pool, periods


@settings(max_examples=40, deadline=None)
@given(reports(), st.sampled_from(["0.05", "0.1", "0.3"]), st.sampled_from(["0", "0.03", "0.08"]),
       st.sampled_from(["0", "0.01", "0.02"]), st.sampled_from(["act/365", "act/360", "30/360"]), st.booleans(),
       st.booleans())  # fmt: skip
def test_collections_in_equal_payments_out_every_period(report, sub, coupon, fee, day_count, reserve, pro_rata) -> None:  # type: ignore[no-untyped-def]
    pool, periods = report
    run = realised_run(deal_row(pool, sub=sub, coupon=coupon, fee=fee, day_count=day_count, reserve=reserve,
                                pro_rata=pro_rata), periods)  # fmt: skip
    fed = [p["interest_collected_minor"] + p["principal_collected_minor"] + p["recoveries_minor"] for p in periods]
    assert run.took_in_collections and run.collections[1:].tolist() == fed
    assert np.array_equal(paid_out(run.result), run.collections), "collections = fees + interest + principal + reserve + residual"
    assert run.result.pool_balance[0, 1:].tolist() == [p["pool_end_minor"] for p in periods]
    assert (run.result.interest_paid[0] <= run.result.interest_due[0]).all()


class _Periods:
    def update_period(self, deal_id: str, period: int, values: dict) -> None:
        self.values = values


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 10**11), st.sampled_from(["0.005", "0.01", "0.0125"]), st.sampled_from(["act/365", "act/360", "30/360"]),
       st.integers(1, 6))  # fmt: skip
def test_the_fee_accrued_through_a_payment_date_is_the_waterfalls_fee(pool, fee, day_count, count) -> None:  # type: ignore[no-untyped-def]
    from creditline.app.securitisation import deal_structure

    deal = deal_row(pool, sub="0.1", coupon="0", fee=fee, day_count=day_count, reserve=False, pro_rata=False)
    periods = [{"period": t, "pool_start_minor": pool, "principal_collected_minor": 0, "defaults_minor": 0,
                "pool_end_minor": pool, "interest_collected_minor": pool, "recoveries_minor": 0, "delinquent_minor": 0}
               for t in range(1, count + 1)]  # fmt: skip
    run = realised_run(deal, periods)
    structure = deal_structure(deal)
    for t in range(1, count + 1):
        accrued, daily = 0, _Periods()
        day = structure.payment_date(t - 1)
        while day < structure.payment_date(t):  # one end of day after another, as the funding stage accrues
            day += timedelta(days=1)
            accrued += accrue_fee(daily, deal, structure, {"period": t, "pool_start_minor": pool,
                                                           "fee_accrued_minor": accrued}, day)  # fmt: skip
        assert accrued == daily.values["fee_accrued_minor"] == int(run.result.fees_due[0, 0, t])


def test_a_period_with_negative_net_principal_is_flagged_not_a_crash() -> None:
    deal = deal_row(1_000_000, sub="0.1", coupon="0.03", fee="0.01", day_count="act/365", reserve=False, pro_rata=False)
    reversed_repayment = {"period": 1, "pool_start_minor": 1_000_000, "principal_collected_minor": -5_000,
                          "defaults_minor": 0, "pool_end_minor": 1_005_000, "interest_collected_minor": 0,
                          "recoveries_minor": 0, "delinquent_minor": 0}  # fmt: skip
    run = realised_run(deal, [reversed_repayment])
    assert not run.took_in_collections and run.collections.tolist() == [0, -5_000]


def test_recoveries_after_the_performing_pool_runs_off_repay_the_senior_notes_first() -> None:
    # 1,000,000.00 pool, A 90% / Sub 10%: half repaid, half defaults in period 1, so the performing pool is
    # nil but the defaulted loans are still on the books (the deal goes on); 300,000.00 is recovered in
    # period 2. The waterfall ended the deal in period 1 — A written down by 400,000.00 — and paid the
    # recoveries to the subordinated holder as residual; the docs say it ends only when no default has
    # principal left, and until then recoveries repay the notes senior first.
    deal = deal_row(100_000_000, sub="0.1", coupon="0", fee="0", day_count="act/365", reserve=False, pro_rata=False)
    periods = [
        {"period": 1, "pool_start_minor": 100_000_000, "principal_collected_minor": 50_000_000,
         "defaults_minor": 50_000_000, "pool_end_minor": 0, "interest_collected_minor": 0, "recoveries_minor": 0,
         "delinquent_minor": 0},
        {"period": 2, "pool_start_minor": 0, "principal_collected_minor": 0, "defaults_minor": 0,
         "pool_end_minor": 0, "interest_collected_minor": 0, "recoveries_minor": 30_000_000, "delinquent_minor": 0},
    ]  # fmt: skip
    run = realised_run(deal | {"status": "active"}, periods)
    result = run.result
    assert result.writedown[0].sum() == 0, "nothing written down while defaults may still recover"
    assert result.principal_paid[0, :, 1:].tolist() == [[50_000_000, 30_000_000], [0, 0]]
    assert result.residual[0].tolist() == [0, 0, 0]
    assert result.tranche_balance[0, :, -1].tolist() == [10_000_000, 10_000_000]
    assert np.array_equal(paid_out(result), run.collections)
    # once the last default is settled (the deal ends), what is still owed is written down, junior first
    ended = realised_run(deal | {"status": "ended"}, periods).result
    assert ended.writedown[0, :, 2].tolist() == [10_000_000, 10_000_000]
    assert ended.writedown[0, :, 1].tolist() == [0, 0]
