"""Provisions: the allowance equals the per-loan ECL reference, charged-off loans carry EAD x LGD,
and the postings move the booked allowance to the new one, shard by shard, balanced."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from creditline.ledger import JournalEntry
from creditline.portfolio.ecl import EclAssumptions, loan_ecl
from creditline.portfolio.snapshot import LoanSnapshot, from_rows
from creditline.servicing.provisioning import (
    ProvisioningPolicyInvalid,
    allowance,
    allowance_postings,
    builtin_provisioning_policy,
    parse_policy,
)

POLICY = builtin_provisioning_policy()
AS_OF = date(2025, 6, 30)


@st.composite
def loans(draw: st.DrawFn, index: int) -> LoanSnapshot:
    days = draw(st.sampled_from([0, 0, 0, 5, 31, 60, 91, 200]))
    status = draw(st.sampled_from(["active", "overdue", "charged_off"])) if days else "active"
    status = "overdue" if status == "active" and days else status
    stage = 3 if status == "charged_off" or days > 90 else (2 if days > 30 else 1)
    return LoanSnapshot(
        as_of=AS_OF, loan_id=f"L{index}", borrower_id=f"B{index}", product_id="p", origination_date=date(2025, 1, 10),
        vintage_month=date(2025, 1, 1), currency="CNY", disbursed_minor=1_000_000,
        principal_minor=draw(st.integers(0, 1_000_000)), interest_minor=draw(st.integers(0, 20_000)),
        penalty_minor=draw(st.integers(0, 5_000)), limit_minor=3_000_000, undrawn_minor=draw(st.integers(0, 2_000_000)),
        scheduled_30d_minor=0, recovered_minor=0, days_past_due=days, status=status, stage=stage,
        pd_12m=draw(st.floats(0.001, 0.99)), pd_12m_origination=0.02,
        remaining_term_months=draw(st.integers(0, 12)), lgd=0.75, eir_annual=draw(st.floats(0.0, 0.3)),
    )  # fmt: skip


@settings(max_examples=60)
@given(st.data())
def test_the_allowance_equals_the_per_loan_reference(data: st.DataObject) -> None:
    rows = [data.draw(loans(i)) for i in range(data.draw(st.integers(1, 12)))]
    shards = np.array([i % 3 for i in range(len(rows))], dtype=np.int64)
    result = allowance(from_rows(rows), shards, POLICY)
    assumptions = EclAssumptions(ccf=POLICY.ccf, lgd_pool=POLICY.lgd)
    expected: dict[int, int] = {}
    for row, shard in zip(rows, shards.tolist(), strict=True):
        if row.status == "charged_off":
            minor = int(Decimal(row.drawn_minor * 3) / 4 + Decimal("0.5"))  # EAD x LGD, half-up
        else:
            minor = loan_ecl(row, assumptions).ecl_minor
        expected[shard] = expected.get(shard, 0) + minor
    assert result.by_shard == {s: v for s, v in expected.items() if v}
    assert sum(result.stage_minor) == result.total_minor


def test_postings_move_the_booked_allowance_to_the_new_one_balanced() -> None:
    postings = allowance_postings({0: 500, 1: 300}, {0: 200, 2: 90}, "CNY")
    entry = JournalEntry("E", "k", AS_OF, "r", tuple(postings))
    allowance_moves = {p.shard: -p.amount.minor for p in entry.postings if p.account.value == "loss_allowance"}
    assert allowance_moves == {0: 300, 1: 300, 2: -90}  # +300, +300, released 90
    assert allowance_postings({0: 5}, {0: 5}, "CNY") == []


def test_an_empty_book_has_no_allowance() -> None:
    empty = from_rows([])
    result = allowance(empty, np.zeros(0, dtype=np.int64), POLICY)
    assert result.total_minor == 0 and result.by_shard == {}


def test_a_bad_provisioning_policy_names_its_setting() -> None:
    import tomllib
    from importlib import resources

    text = resources.files("creditline.servicing").joinpath("provisioning_policies/ifrs9-cn.toml").read_text()
    data = tomllib.loads(text)
    for change, field in (({"lgd": "1.5"}, "lgd"), ({"tier_policy": "nope"}, "tier_policy"),
                          ({"pd_floor_by_bucket": ["0"]}, "pd_floor_by_bucket"), ({"extra": 1}, "extra")):
        with pytest.raises(ProvisioningPolicyInvalid) as caught:
            parse_policy(data | change, "bad.toml")
        assert caught.value.field == field
    assert POLICY.key == "ifrs9-cn@1"
    assert POLICY.pd_12m(np.array([0.03, 0.03, 0.03]), np.array([0, 45, 120])).tolist() == [0.03, 0.5, 1.0]
