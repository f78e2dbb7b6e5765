"""A domain error repeats the user's values back, cut short: one rule for every entrypoint (creditline.errors)."""

from __future__ import annotations

import pytest

from creditline.errors import ECHO_LENGTH_MAX, MESSAGE_LENGTH_MAX, DomainError, shortened
from creditline.money import InvalidDate


def test_a_long_value_is_cut_to_80_characters_with_an_ellipsis_and_the_rule_kept() -> None:
    error = InvalidDate(f"{'2' * 100_000!r} is not a date (YYYY-MM-DD)", field="date")
    assert error.message == "'" + "2" * 79 + "…' is not a date (YYYY-MM-DD)"
    assert str(error) == "date: '" + "2" * 79 + "…' is not a date (YYYY-MM-DD)"


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("the loan's status is 'ok'", "the loan's status is 'ok'"),  # an apostrophe opens no value
        (f"{'a' * 80!r} is fine", f"{'a' * 80!r} is fine"),  # 80 characters is the limit, not past it
        (f"{chr(39) + 'b' * 200!r} quoted", '"\'' + "b" * 78 + '…" quoted'),  # repr in double quotes
        ("no borrower " + "C" * 500, "no borrower " + "C" * 79 + "…"),  # echoed without quotes
        ("D" * 300 + ": unknown field", "D" * 79 + "…: unknown field"),  # a field's name echoed
        ("a value with spaces " + "e " * 3000, None),  # no quotes, no long word: the whole is capped
        ("cannot read /tmp/" + "f" * 60 + "/" + "g" * 60 + ".yaml: no such file",  # a path is named in full
         "cannot read /tmp/" + "f" * 60 + "/" + "g" * 60 + ".yaml: no such file"),
    ],
)
def test_each_echoed_value_is_cut_and_prose_is_not(message: str, expected: str | None) -> None:
    cut = shortened(message)
    if expected is None:
        assert len(cut) == MESSAGE_LENGTH_MAX and cut == message[: MESSAGE_LENGTH_MAX - 1] + "…"
    else:
        assert cut == expected
    assert shortened(cut) == cut  # the CLI's line passes a domain error's message through again


def test_a_field_name_is_cut_too_and_a_short_message_is_untouched() -> None:
    error = DomainError("appears twice", field="k" * 5000)
    assert error.field == "k" * (ECHO_LENGTH_MAX - 1) + "…"
    assert DomainError("at most 400 printable characters", field="note").message == "at most 400 printable characters"
