"""The allocator: cheapest first, within every limit, deterministic; the platform funds the rest."""

from __future__ import annotations

from colending_builders import CN_MIN_OWN_BP, partner
from hypothesis import given
from hypothesis import strategies as st

from creditline.funding.colending import SHARE_SCALE, LoanToFund, PartnerStanding, allocate
from creditline.money import Money

CNY = "CNY"


def loan(amount_minor: int = 100_000, term: int = 6, grade: str | None = "A") -> LoanToFund:
    return LoanToFund(Money.of_minor(amount_minor, CNY), term, grade)


def standing(partner_id: str, outstanding_minor: int = 0, **settings: object) -> PartnerStanding:
    return PartnerStanding(partner(partner_id, **settings), outstanding_minor)


def test_the_cheapest_partner_takes_its_maximum_and_the_next_the_rest_of_the_room() -> None:
    result = allocate(
        loan(), [standing("dear", cost="4%", share_max="50%"), standing("cheap", cost="2%", share_max="50%")],
        book_outstanding_minor=10**9, min_own_bp=CN_MIN_OWN_BP,
    )  # fmt: skip
    assert result.shares.partners == (("cheap", 5000), ("dear", 2000))
    assert result.shares.platform_bp == 3000
    assert [d.reason for d in result.decisions] == ["funded", "funded"]


def test_nobody_fits_so_the_platform_funds_the_whole_loan_and_says_why() -> None:
    result = allocate(
        loan(grade="D", term=12),
        [
            standing("grades", grades="[A, B]"),
            standing("terms", terms="[3, 6]"),
            standing("asleep", active="false"),
            standing("dollars", currency="USD"),
            standing("full", outstanding_minor=100_000_000),
        ],
        book_outstanding_minor=10**9,
        min_own_bp=CN_MIN_OWN_BP,
    )
    assert result.shares.platform_bp == SHARE_SCALE and not result.shares.co_lent
    assert {d.partner_id: d.reason for d in result.decisions} == {
        "grades": "risk_grade", "terms": "term", "asleep": "inactive", "dollars": "currency", "full": "appetite",
    }  # fmt: skip


def test_appetite_caps_the_part_to_the_cent() -> None:
    # 123.45 of appetite left on a 1,000.00 loan: 12.34% (123.40), never 12.35% (123.50)
    result = allocate(loan(100_000), [standing("bank", balance_max="1000.00", outstanding_minor=87_655)],
                      book_outstanding_minor=10**9, min_own_bp=CN_MIN_OWN_BP)  # fmt: skip
    assert result.shares.partners == (("bank", 1234),)
    part = Money.of_minor(100_000, CNY).allocate(list(result.shares.weights))[1]
    assert part.minor <= 12_345


def test_concentration_counts_the_new_loan_in_the_book() -> None:
    # an empty book: a 40% limit lets the partner fund 40% of the first loan, not its 70% maximum
    result = allocate(
        loan(), [standing("bank", concentration="40%")], book_outstanding_minor=0, min_own_bp=CN_MIN_OWN_BP
    )
    assert result.shares.partners == (("bank", 4000),)
    assert result.decisions[0].reason == "funded"
    # funding 800.00 of a 1,000.00 book: after a 1,000.00 loan that is still 40%, so nothing more
    full = allocate(loan(), [standing("bank", concentration="40%", outstanding_minor=80_000)],
                    book_outstanding_minor=100_000, min_own_bp=CN_MIN_OWN_BP)  # fmt: skip
    assert not full.shares.co_lent and full.decisions[0].reason == "concentration"
    # at 40% of the book already, it keeps 40% of a new loan (its share of the book stays 40%)
    level = allocate(loan(), [standing("bank", concentration="40%", outstanding_minor=40_000)],
                     book_outstanding_minor=100_000, min_own_bp=CN_MIN_OWN_BP)  # fmt: skip
    assert level.shares.partners == (("bank", 4000),)


def test_a_partner_below_its_minimum_share_is_passed_over() -> None:
    result = allocate(
        loan(), [standing("big", cost="1%", share_max="65%"), standing("small", cost="2%", share_min="10%")],
        book_outstanding_minor=10**9, min_own_bp=CN_MIN_OWN_BP,
    )  # fmt: skip
    assert result.shares.partners == (("big", 6500),)  # 5% left is below small's 10% minimum
    assert result.decisions[1].reason == "own_share"


PARTNERS = st.lists(
    st.builds(
        lambda i, cost, lo, hi, balance, outstanding, conc: standing(
            f"p{i}",
            cost=f"{cost}%",
            share_min=f"{lo}%",
            share_max=f"{max(lo, hi)}%",
            balance_max=f"{balance}.00",
            concentration=f"{conc}%",
            outstanding_minor=outstanding,
        ),
        st.integers(0, 99),
        st.integers(0, 9),
        st.integers(1, 40),
        st.integers(1, 70),
        st.integers(0, 10**6),
        st.integers(0, 5 * 10**7),
        st.integers(1, 100),
    ),
    max_size=6,
    unique_by=lambda s: s.partner.partner_id,
)


@given(PARTNERS, st.integers(1, 10**8), st.integers(0, 10**10), st.integers(0, 9000))
def test_every_allocation_keeps_every_limit(
    standings: list, principal_minor: int, book_minor: int, min_own_bp: int
) -> None:
    standings = [s for s in standings if s.partner.appetite.share_max_bp <= SHARE_SCALE - min_own_bp]
    request = loan(principal_minor)
    result = allocate(request, standings, book_outstanding_minor=book_minor, min_own_bp=min_own_bp)
    assert result.shares.platform_bp >= min_own_bp
    parts = Money.of_minor(principal_minor, CNY).allocate(list(result.shares.weights))[1:]
    by_id = {s.partner.partner_id: s for s in standings}
    for (partner_id, bp), part in zip(result.shares.partners, parts, strict=True):
        s = by_id[partner_id]
        appetite = s.partner.appetite
        assert appetite.share_min_bp <= bp <= appetite.share_max_bp
        assert s.outstanding_minor + part.minor <= appetite.balance_max.minor
        limit = s.partner.concentration_limit_bp * (book_minor + principal_minor)
        assert (s.outstanding_minor + part.minor) * SHARE_SCALE <= limit
    # the listing order of the partners never matters
    again = allocate(
        request, list(reversed(standings)), book_outstanding_minor=book_minor, min_own_bp=min_own_bp
    )
    assert again == result
