from decimal import Decimal

import pytest

from creditline.risk.policy import (
    InvalidPolicyTable,
    Outcome,
    PolicyInputMissing,
    UnknownPolicy,
    builtin_policy,
    decide_outcome,
    parse_policy_set,
    parse_table,
)

CLEAN = {
    "age_years": 30,
    "blacklisted": False,
    "court_dishonest": False,
    "telco_match": True,
    "face_live": True,
    "face_similarity": Decimal("0.97"),
    "fraud_score": Decimal("0.05"),
    "bureau_found": True,
    "bureau_delinquencies_24m": 0,
    "bureau_inquiries_3m": 1,
    "debt_to_income": Decimal("0.2"),
    "income_monthly": 9000,
}


def knockout(**changes):
    table = builtin_policy("origination_cn").table("knockout")
    return decide_outcome(table.evaluate({**CLEAN, **changes}))


def test_clean_applicant_is_approved_by_the_knockout_table():
    assert knockout() == decide_outcome([])
    assert knockout().outcome is Outcome.APPROVE


@pytest.mark.parametrize(
    ("changes", "outcome", "reasons"),
    [
        ({"age_years": 21}, Outcome.DECLINE, ("age_below_minimum",)),
        ({"age_years": 22}, Outcome.APPROVE, ()),
        ({"age_years": 56}, Outcome.DECLINE, ("age_above_maximum",)),
        ({"blacklisted": True}, Outcome.DECLINE, ("blacklisted",)),
        ({"fraud_score": Decimal("0.8")}, Outcome.DECLINE, ("fraud_suspected",)),
        ({"fraud_score": Decimal("0.5")}, Outcome.REFER, ("fraud_review",)),
        ({"bureau_delinquencies_24m": None}, Outcome.APPROVE, ()),
        ({"bureau_delinquencies_24m": 2}, Outcome.REFER, ("bureau_delinquency_review",)),
        ({"debt_to_income": Decimal("0.6")}, Outcome.REFER, ("debt_to_income_review",)),
        ({"debt_to_income": Decimal("0.61")}, Outcome.DECLINE, ("debt_to_income_too_high",)),
        # A decline outranks a referral; both rules stay visible in `fired`.
        ({"age_years": 60, "fraud_score": Decimal("0.6")}, Outcome.DECLINE, ("age_above_maximum",)),
    ],
)
def test_knockout_and_referral_rules(changes, outcome, reasons):
    decision = knockout(**changes)
    assert decision.outcome is outcome
    assert decision.reasons == reasons


def test_collect_keeps_every_fired_rule_in_table_order():
    decision = knockout(age_years=60, fraud_score=Decimal("0.6"), blacklisted=True)
    assert decision.fired == ("KO_AGE_MAX", "KO_BLACKLIST", "REF_FRAUD")
    assert decision.reasons == ("age_above_maximum", "blacklisted")


def test_first_hit_bands():
    bands = builtin_policy("origination_cn").table("pd_bands")
    assert [bands.evaluate({"pd": Decimal(p)})[0].outputs["band"] for p in ("0", "0.0199", "0.02", "0.0699", "0.5")] == [
        "A", "A", "B", "C", "E"
    ]


def test_missing_input_is_typed():
    table = builtin_policy("origination_cn").table("knockout")
    facts = dict(CLEAN)
    del facts["fraud_score"]
    with pytest.raises(PolicyInputMissing) as caught:
        table.evaluate(facts)
    assert caught.value.field == "fraud_score"


TABLE = {
    "name": "t",
    "hit_policy": "first",
    "inputs": [{"name": "x", "type": "number"}],
    "outputs": ["y"],
    "rules": [{"id": "R1", "when": {"x": "< 1"}, "then": {"y": 1}}],
}


@pytest.mark.parametrize(
    ("patch", "where", "fragment"),
    [
        ({"hit_policy": "any"}, "hit_policy", "first"),
        ({"rules": [{"id": "R1", "when": {"z": "< 1"}, "then": {"y": 1}}]}, "t", "unknown inputs"),
        ({"rules": [{"id": "R1", "when": {"x": "< one"}, "then": {"y": 1}}]}, "t", "not a number"),
        ({"rules": [{"id": "R1", "when": {}, "then": {}}]}, "t", "exactly"),
        ({"rules": [{"id": "R1", "then": {"y": 1}}, {"id": "R1", "then": {"y": 2}}]}, "t", "repeats"),
        ({"rules": [{"id": "lower", "then": {"y": 1}}]}, "rules.0.id", "pattern"),
    ],
)
def test_broken_tables_are_refused_with_the_place(patch, where, fragment):
    with pytest.raises(InvalidPolicyTable) as caught:
        parse_table({**TABLE, **patch}, field="t")
    assert fragment in caught.value.message
    assert caught.value.field.startswith("t")
    assert where in caught.value.field


def test_policy_set_files():
    cn = builtin_policy("origination_cn")
    challenger = builtin_policy("origination_cn_challenger")
    assert cn.version != challenger.version
    assert cn.digest != challenger.digest
    assert builtin_policy("origination_id").jurisdiction == "ID"
    with pytest.raises(UnknownPolicy):
        builtin_policy("../secrets")
    with pytest.raises(InvalidPolicyTable):
        parse_policy_set("name: x\nversion: 1\njurisdiction: CN\ntables: []\n")
    with pytest.raises(InvalidPolicyTable):
        parse_policy_set("{{{ not yaml")


def test_digest_changes_with_any_cell():
    spec = dict(TABLE)
    a = parse_table(spec)
    b = parse_table({**spec, "rules": [{"id": "R1", "when": {"x": "<= 1"}, "then": {"y": 1}}]})
    assert a.digest != b.digest
    assert parse_table(spec).digest == a.digest
