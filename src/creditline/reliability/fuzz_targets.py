"""The entry points `fuzz_domain` drives, each as a person or a file reaches it (see that module)."""

from __future__ import annotations

import json
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from creditline.errors import DomainError
from creditline.reliability.fuzz_domain import (
    HOSTILE_TEXT,
    Target,
    _file_target,
    _shipped,
    _toml_load,
    _yaml_load,
    edited,
    spliced,
    toml_text,
    yaml_text,
)

CODES = ["CNY", "JPY", "BHD", "IDR", "USD", "XXX", "cny", "", " CNY", "CN", "EURO", "Ｃ"]
NUMERIC = st.from_regex(r"-?[0-9]{0,25}([.,][0-9]{0,14})?", fullmatch=True)
CAMPAIGN = """campaign_id: new-borrower-30
version: 1
name: Thirty interest-free days
kind: interest-free-days
currency: CNY
budget_cap: "50000.00"
issue_from: 2025-06-01
issue_until: 2025-08-31
valid_days: 30
free_days: 30
eligibility: {risk_grades: [A, B], tenure_days_min: 0, members_only: false}
amount_min: "1000.00"
terms_months: [3, 6]
per_borrower_max: 1
"""
PARTNER = """partner_id: city-bank-a
version: 1
name: City Commercial Bank A
currency: CNY
cost_of_funds: "3.2%"
active: true
concentration_limit: "40%"
appetite:
  balance_max: "50000000.00"
  risk_grades: [A, B, C]
  terms_months: [3, 6, 12]
  share_min: "10%"
  share_max: "70%"
"""
APR_REQUEST = {
    "advance": {"amount": "1000.00", "date": "2025-01-15"},
    "payments": [{"amount": "88.85", "date": f"2025-{m:02d}-15"} for m in range(2, 13)] + [{"amount": "88.90", "date": "2026-01-15"}],
    "method": "reg-z", "currency": "CNY", "unit_period": "month", "disclosed_apr_pct": "12.68",
}  # fmt: skip
SCHEDULE_OPTIONS: dict[str, list[str]] = {
    "--principal": ["10000", "1,234.56", "0.01", "999999999999.99"],
    "--installments": ["1", "12", "360", "361"],
    "--currency": ["CNY", "JPY", "BHD"],
    "--annual-rate": ["18", "0", "24.0001", "0.0000001"],
    "--daily-rate": ["0.05", "0.0002"],
    "--method": ["equal-installment", "equal-principal", "interest-only", "bullet", "flat"],
    "--frequency": ["monthly", "weekly", "daily"],
    "--every": ["1", "2", "12", "53"],
    "--interest-basis": ["period", "daily"],
    "--days-in-year": ["360", "364", "365", "actual"],
    "--days-in-month": ["30", "actual"],
    "--emi-solve": ["nominal", "actual"],
    "--disbursed": ["2025-01-31", "2024-02-29", "2025-12-31"],
    "--first-due": ["2025-02-28", "2025-03-31", "2025-01-31"],
    "--installment-multiple": ["1", "0.01", "100"],
    "--grace-principal": ["0", "3", "359"],
    "--rounding": ["half-up", "half-even", "down", "up"],
}


@cache
def _cli() -> tuple[Any, Any]:
    """A runner and the click command, built once (typer's own runner rebuilds the command per call)."""
    import typer

    try:  # typer >= 0.25 vendors its own click (as cli/main.py notes)
        from typer._click.testing import CliRunner
    except ImportError:  # pragma: no cover - depends on the installed typer
        from click.testing import CliRunner

    from creditline.cli.main import build_app

    return CliRunner(), typer.main.get_command(build_app())


def _invoke(args: list[str], stdin: str | None = None) -> None:
    """A command through the CLI, as typed; a refusal (exit 2 or a DomainError) is fine, nothing else."""
    runner, command = _cli()
    result = runner.invoke(command, args, input=stdin, catch_exceptions=True)
    error = result.exception
    if error is None or isinstance(error, SystemExit):
        if result.exit_code == 2:
            raise DomainError(result.output.strip()[-200:] or "usage", field="cli")
        if result.exit_code != 0:
            raise RuntimeError(f"exit {result.exit_code}: {result.output[-300:]}")
        return
    raise error


def _schedule_args() -> st.SearchStrategy[list[str]]:
    """Valid options, present or not, then one or two of them (or the rate's choice) made hostile."""
    rate = st.sampled_from(("--annual-rate", "--daily-rate"))
    optional = {k: v for k, v in SCHEDULE_OPTIONS.items() if k not in ("--principal", "--annual-rate", "--daily-rate")}
    valid = st.fixed_dictionaries({"--principal": st.sampled_from(SCHEDULE_OPTIONS["--principal"])},
                                  optional={k: st.sampled_from(v) for k, v in optional.items()})  # fmt: skip
    hostile = st.lists(st.tuples(st.sampled_from(list(SCHEDULE_OPTIONS)), st.sampled_from(HOSTILE_TEXT) | NUMERIC), max_size=2)

    def args(chosen: dict[str, str], which_rate: str, edits: list[tuple[str, str]]) -> list[str]:
        options = chosen | {which_rate: SCHEDULE_OPTIONS[which_rate][0]} | dict(edits)
        return [part for name, value in options.items() for part in (name, value)] + ["--json"]

    return st.builds(args, valid, rate, hostile)


def _application(document: Any) -> None:
    from creditline.app.apply_form import parse_application
    from creditline.identity import IdentityFields, check_identity, profile

    application = parse_application(document, "CNY")
    form, jurisdiction = application.form, profile(application.form.jurisdiction)
    fields = IdentityFields(form.applicant.name, form.applicant.id_number, form.applicant.phone, form.applicant.bank_card)
    check_identity(fields, jurisdiction, on=application.applied_at.date())
    for index, contact in enumerate(form.contacts):
        jurisdiction.phone_e164(contact, field=f"contacts.{index}")


def _deal(text: str) -> None:
    from creditline.cli.abs_files import read_spec
    from creditline.funding.structure import deal_spec, resolve_structure

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "deal.yaml"
        path.write_text(text, encoding="utf-8")
        spec = deal_spec(read_spec(path, field="deal"))
    resolve_structure(spec, 100_000_000_00)


def _deal_text() -> str:
    example = Path(__file__).resolve().parents[3] / "docs" / "examples" / "abs" / "deal.yaml"
    return example.read_text(encoding="utf-8")


def _simple_targets() -> list[Target]:
    from creditline.money import Money, Rate

    money = st.tuples(st.sampled_from(HOSTILE_TEXT) | st.text(max_size=40) | NUMERIC, st.sampled_from(CODES))
    percent = st.sampled_from(HOSTILE_TEXT) | NUMERIC | st.integers() | st.decimals()
    rates = (Rate.annual_percent, Rate.monthly_percent, Rate.daily_percent)
    return [
        Target("Money.parse", lambda: money, lambda v: Money.parse(v[0], v[1], field="amount")),
        Target("Rate (annual, monthly, daily percent)", lambda: st.tuples(st.sampled_from(rates), percent),
               lambda v: v[0](v[1]).annual()),
        Target("creditline schedule", _schedule_args, lambda args: _invoke(["schedule", *args])),
        Target("creditline apr (JSON on stdin)",
               lambda: edited(APR_REQUEST).map(lambda d: json.dumps(d, default=str)) | spliced(json.dumps(APR_REQUEST)),
               lambda text: _invoke(["apr", "--json"], text)),
        Target("application form", lambda: edited(_form()), _application),
    ]  # fmt: skip


def _form() -> dict[str, Any]:
    from creditline.reliability.borrowers import applicant_form

    return applicant_form(4242)


def _file_targets() -> list[Target]:
    from creditline.funding.colending.partner import load_partner
    from creditline.funding.colending.rules import load_rules
    from creditline.lending.product import load_product
    from creditline.promotions.campaign_file import load_campaign
    from creditline.risk.fraud.rules import parse_fraud_rules
    from creditline.risk.limits.policy import parse_limit_policy
    from creditline.risk.policy.policy_set import parse_policy_set
    from creditline.risk.pricing.grid import parse_price_grid
    from creditline.servicing.behaviour import parse_scorecard
    from creditline.servicing.collections_strategy import parse_strategy
    from creditline.servicing.debit_policy import load_policy
    from creditline.servicing.early_warning import parse_thresholds
    from creditline.servicing.limit_review import parse_limit_review_policy
    from creditline.servicing.provisioning import parse_policy as parse_provisioning

    def yaml_file(name: str, package: str, file: str, parse: Any) -> Target:
        return _file_target(name, _shipped(package, file), lambda t: parse(t, source="fuzz.yaml"), _yaml_load, yaml_text)

    return [
        _file_target("product file (TOML)", _shipped("creditline.lending", "products/revolving-consumer.toml"),
                     lambda t: load_product(t, source="fuzz.toml"), _toml_load, toml_text),
        yaml_file("origination policy", "creditline.risk.policy", "tables/origination_cn.yaml", parse_policy_set),
        yaml_file("limit strategy", "creditline.risk.limits", "policies/limits_cn.yaml", parse_limit_policy),
        yaml_file("price grid", "creditline.risk.pricing", "grids/price_grid_cn.yaml", parse_price_grid),
        yaml_file("fraud rules", "creditline.risk.fraud", "config/fraud_rules.yaml", parse_fraud_rules),
        yaml_file("collections strategy", "creditline.servicing", "collections_strategies/collections_cn.yaml", parse_strategy),
        yaml_file("behaviour scorecard", "creditline.servicing", "behaviour_scorecards/behaviour_cn.yaml", parse_scorecard),
        yaml_file("limit review policy", "creditline.servicing", "limit_review_policies/limit_review_cn.yaml",
                  parse_limit_review_policy),
        yaml_file("early-warning thresholds", "creditline.servicing", "early_warning_thresholds/early_warning_cn.yaml",
                  parse_thresholds),
        _file_target("auto-debit policy (TOML)", _shipped("creditline.servicing", "debit_policies/auto-debit.toml"),
                     lambda t: load_policy(t, source="fuzz.toml"), _toml_load, toml_text),
        Target("provisioning policy", lambda: edited(_toml_load(_shipped("creditline.servicing",
               "provisioning_policies/ifrs9-cn.toml")())), lambda d: parse_provisioning(d, "fuzz.toml")),
        _file_target("coupon campaign", lambda: CAMPAIGN, lambda t: load_campaign(t, source="fuzz.yaml"), _yaml_load, yaml_text),
        _file_target("ABS deal", _deal_text, _deal, _yaml_load, yaml_text),
        _file_target("co-lending rules", _shipped("creditline.funding", "colending/rules.yaml"),
                     lambda t: load_rules(t, source="fuzz.yaml"), _yaml_load, yaml_text),
        _file_target("co-lending partner", lambda: PARTNER, lambda t: load_partner(t, source="fuzz.yaml", min_own_bp=3000),
                     _yaml_load, yaml_text),
    ]  # fmt: skip


def targets() -> list[Target]:
    return _simple_targets() + _file_targets()
