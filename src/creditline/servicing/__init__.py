"""Servicing: what happens after the money goes out — end of day, auto-debit, delinquency, collections,
behaviour score and limit review, early warning. Pure functions and dataclasses; no I/O.

Post-loan modules: `notifications` (the outbound-message port), `collections_*` (strategies, contact
rules, plans, promises, hardship, the work queue), `behaviour*` (the behaviour score and payment
history), `limit_review` (the periodic limit review), `early_warning*` (loan and portfolio signals).
"""
