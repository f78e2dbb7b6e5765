"""Risk: the decisions a credit line needs about a borrower, as models and rules.

Subpackages, one per question asked of an applicant:

- `models`: probability of default (PD) models on a lender's own data: the gradient-boosted
  champion, the points scorecard, calibration, reason codes, monitoring, the model registry and
  the in-process scorer.

Fraud signals, policy rules, pricing and limit strategy take their place beside `models` as
sibling subpackages.
"""
