"""Lending: products, repayment schedules, APR, loans and credit lines. Pure functions and dataclasses."""
