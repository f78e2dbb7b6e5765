"""Proving the platform's promises: invariants over a live database, a Jepsen-style bank test
against the running server, crash loops (SIGKILL of the server and of end of day), fuzzing of the
domain's entry points, and the dependency-audit policy of CI.

`invariants.check_books(engine)` is what every proof ends with; `creditline reliability check`
runs it against any database. The workloads (`bank`, `crash`) drive `creditline serve` over real
HTTP; tests run them briefly, `bench/jepsen_bank.py` at length (docs/reliability.md).
"""
