"""The shapes of the ids a client names, one rule for every entrypoint (HTTP paths, pages, CLI arguments)
and the use cases that check them: a shared kernel like `errors`, importing nothing."""

ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"  # line, loan, decision, coupon, borrower ids: what the id columns hold
ROW_ID_MAX = 2**62  # numbered rows (reviews, alerts): a BIGINT holds it
