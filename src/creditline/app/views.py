"""JSON-ready views of results: amounts as decimal strings in major units ("255.00"), never floats."""

from __future__ import annotations

from typing import Any

from creditline.app.books import ReconcileReport
from creditline.ledger import CHART, Account, TrialBalance
from creditline.money import Money, currency


def amount(minor: int, code: str) -> str:
    return Money(minor, currency(code)).amount_str()


def trial_balance_view(tb: TrialBalance) -> dict[str, Any]:
    accounts = []
    for line in tb.lines:
        spec = CHART[Account(line.account)]
        net = line.debit_minor - line.credit_minor
        accounts.append(
            {
                "account": str(line.account),
                "number": spec.number,
                "name": spec.name,
                "type": str(spec.type),
                "currency": line.currency,
                "debit": amount(max(net, 0), line.currency),
                "credit": amount(max(-net, 0), line.currency),
                "balance": amount(line.balance_minor, line.currency),
            }
        )
    totals = {code: {"debit": amount(d, code), "credit": amount(c, code)} for code, (d, c) in tb.totals().items()}
    return {"accounts": accounts, "totals": totals, "balanced": tb.balanced}


def reconcile_lines(payload: dict[str, Any]) -> list[str]:
    """One line per difference of `reconcile_view`'s payload, for the console (the JSON holds the same)."""
    lines = [f"  {m['loan_id']} {m['field']}: journal {m['journal']} loan {m['loan']}" for m in payload["mismatches"]]
    lines += [f"  control {c['account']} {c['currency']}: general ledger {amount(c['general_ledger'], c['currency'])}, "
              f"loans' sub-ledger {amount(c['sub_ledger'], c['currency'])}" for c in payload["control_differences"]]
    lines += [f"  entry {e['entry_id']} {e['currency']}: debits and credits differ by {amount(e['net_minor'], e['currency'])}"
              for e in payload["unbalanced_entries"]]
    lines += [f"  running balance {b['account']} shard {b['shard']} {b['currency']}: kept debits {b['kept']['debit']} "
              f"credits {b['kept']['credit']}, postings debits {b['postings']['debit']} credits {b['postings']['credit']}"
              for b in payload["balance_differences"]]
    lines += [f"  account outside the chart: {name}" for name in payload["unknown_accounts"]]
    return lines + ([] if payload["trial_balance_balanced"] else ["  trial balance not balanced"])


def reconcile_view(report: ReconcileReport) -> dict[str, Any]:
    return {
        "clean": report.clean,
        "loans_checked": report.loans_checked,
        "mismatches": [
            {"loan_id": m.loan_id, "field": m.field, "journal": m.journal_minor, "loan": m.loan_minor}
            for m in report.mismatches
        ],
        "control_differences": [
            {"account": a, "currency": c, "general_ledger": gl, "sub_ledger": sub}
            for a, c, gl, sub in report.control_differences
        ],
        "unbalanced_entries": [{"entry_id": e, "currency": c, "net_minor": n} for e, c, n in report.unbalanced_entries],
        "balances_match_postings": report.balances_match_postings,
        "balance_differences": [
            {
                "account": a,
                "shard": shard,
                "currency": c,
                "kept": {"debit": amount(kept[0], c), "credit": amount(kept[1], c)},
                "postings": {"debit": amount(posted[0], c), "credit": amount(posted[1], c)},
            }
            for a, shard, c, kept, posted in report.balance_differences
        ],
        "trial_balance_balanced": report.trial_balance_balanced,
        "unknown_accounts": report.unknown_accounts,
    }
