"""Who may do what: the borrower and the operator roles, and the permission table between them.

A borrower acts only on their own data (the entrypoints enforce ownership by answering 404 for
anything else); operators act on everyone's data within their role. The table is the one place
to read when asking "can a finance user resolve a review?" — the answer is no.
"""

from __future__ import annotations

from enum import StrEnum

from creditline.errors import DomainError


class Role(StrEnum):
    BORROWER = "borrower"
    RISK_ANALYST = "risk_analyst"
    COLLECTIONS_AGENT = "collections_agent"
    FINANCE = "finance"
    ADMIN = "admin"


OPERATOR_ROLES = (Role.RISK_ANALYST, Role.COLLECTIONS_AGENT, Role.FINANCE, Role.ADMIN)


class Permission(StrEnum):
    # a borrower's own data
    APPLY = "apply"
    DRAW = "draw"
    REPAY_OWN = "repay_own"
    READ_OWN = "read_own"
    MANAGE_OWN_CONSENTS = "manage_own_consents"
    REQUEST_REVIEW = "request_review"
    # operators: everyone's data
    READ_ANY_BORROWER = "read_any_borrower"
    REVIEW_DECISIONS = "review_decisions"
    READ_DECISION_RECORDS = "read_decision_records"
    WORK_COLLECTIONS = "work_collections"
    POST_REPAYMENT = "post_repayment"
    REFUND_CREDIT = "refund_credit"  # pay a borrower's credit balance (what they overpaid) back out
    READ_PORTFOLIO = "read_portfolio"
    READ_AUDIT = "read_audit"
    MANAGE_FUNDING = "manage_funding"
    MANAGE_OPERATORS = "manage_operators"
    HANDLE_ALERTS = "handle_alerts"  # early-warning alerts: list, acknowledge, resolve
    REVIEW_HOLDS = "review_holds"  # transaction-monitoring holds: release or reject
    READ_CAMPAIGNS = "read_campaigns"
    MANAGE_CAMPAIGNS = "manage_campaigns"  # add campaigns, enroll members, issue coupons
    HANDLE_SUBJECT_REQUESTS = "handle_subject_requests"  # a borrower's erasure and export, taken for them


_BORROWER = frozenset(
    {
        Permission.APPLY,
        Permission.DRAW,
        Permission.REPAY_OWN,
        Permission.READ_OWN,
        Permission.MANAGE_OWN_CONSENTS,
        Permission.REQUEST_REVIEW,
        Permission.READ_AUDIT,  # a borrower checks their own loan's inclusion proofs
    }
)

PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.BORROWER: _BORROWER,
    Role.RISK_ANALYST: frozenset(
        {
            Permission.READ_ANY_BORROWER,
            Permission.REVIEW_DECISIONS,
            Permission.READ_DECISION_RECORDS,
            Permission.READ_PORTFOLIO,
            Permission.READ_AUDIT,
            Permission.HANDLE_ALERTS,
            Permission.REVIEW_HOLDS,
        }
    ),
    Role.COLLECTIONS_AGENT: frozenset(
        {Permission.READ_ANY_BORROWER, Permission.WORK_COLLECTIONS, Permission.POST_REPAYMENT}
    ),
    Role.FINANCE: frozenset(
        {
            Permission.READ_ANY_BORROWER,
            Permission.POST_REPAYMENT,
            Permission.REFUND_CREDIT,
            Permission.READ_PORTFOLIO,
            Permission.READ_AUDIT,
            Permission.MANAGE_FUNDING,
            Permission.READ_CAMPAIGNS,
            Permission.MANAGE_CAMPAIGNS,
        }
    ),
    # An admin manages people and reads everything, but moves no money and decides no credit:
    # separation of duties keeps one stolen admin passkey from both approving and paying.
    Role.ADMIN: frozenset(
        {
            Permission.MANAGE_OPERATORS,
            Permission.HANDLE_SUBJECT_REQUESTS,  # data protection: no money, no credit decision
            Permission.READ_ANY_BORROWER,
            Permission.READ_DECISION_RECORDS,
            Permission.READ_PORTFOLIO,
            Permission.READ_AUDIT,
            Permission.READ_CAMPAIGNS,
        }
    ),
}


class PermissionDenied(DomainError):
    code = "permission_denied"
    http_status = 403


class UnknownRole(DomainError):
    code = "unknown_role"


def role_named(name: str, *, field: str = "role") -> Role:
    try:
        return Role(name)
    except ValueError:
        raise UnknownRole(f"choose one of {', '.join(r.value for r in Role)}", field=field) from None


def allows(role: Role, permission: Permission) -> bool:
    return permission in PERMISSIONS[role]


def require(role: Role, permission: Permission) -> None:
    if not allows(role, permission):
        raise PermissionDenied(f"the {role} role may not {permission.replace('_', ' ')}", field="role")


def is_operator(role: Role) -> bool:
    return role in OPERATOR_ROLES
