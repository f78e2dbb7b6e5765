"""The stolen-database test (PIPL: financial accounts are sensitive personal information).

People signed up through the real paths — a passkey, an application decided by the origination
pipeline, drawdowns, repayments, end of day, crashes — on the running server. Then a thief reads
the raw SQLite files (database, WAL, shared memory) or every column of every PostgreSQL table,
and the server's logs: no ID number, phone number, bank card or contact's number of anyone who
applied (approved or declined) may be readable, in any encoding. The borrower ids are found (so
the search works), and they do not yield to a dictionary of ID numbers hashed with the salt the
repository ships for development.

Names: the application's name never lands in the books, and the name a person types when creating
their account (the passkey's display name) is stored only sealed with the field cipher, bound to the
account (docs/security.md, finding 1, fixed): no name is readable anywhere, and the control shows
every borrower's `identity_accounts.display_name` is ciphertext that the platform's keys open to
the name typed — it is kept, not dropped. The platform runs with data keys of its own (conftest).
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from reliability_support import POSTGRES, SQLITE

from creditline.reliability.borrowers import applicant_form
from creditline.reliability.exposure import (
    Needle,
    find_in_bytes,
    find_in_files,
    find_in_tables,
    person_needles,
)

pytestmark = pytest.mark.xdist_group("reliability-platform")
DATABASES = [SQLITE, pytest.param(POSTGRES, marks=pytest.mark.postgres)]
KNOWN_NAME_LOCATIONS = {"identity_accounts.display_name"}


def _needles(run, kinds: set[str]) -> list[Needle]:  # type: ignore[no-untyped-def]
    found = []
    for serial in run.serials:
        form = applicant_form(serial)
        found += [n for n in person_needles(form["applicant"], form["contacts"]) if n.kind in kinds]
    return found


def _raw_files(run) -> list[Path]:  # type: ignore[no-untyped-def]
    database = Path(run.db_url.removeprefix("sqlite:///"))
    return [database, database.with_name(database.name + "-wal"), database.with_name(database.name + "-shm")]


def _exposed(run, needles: list[Needle]) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
    """{"kind:value": where} as a thief would find it: raw files of SQLite, every column of PostgreSQL."""
    if run.engine.dialect.name == "sqlite":
        return {f"{n.kind}:{n.value}": {name} for name, found in find_in_files(_raw_files(run), needles).items() for n in found}
    return find_in_tables(run.engine, needles)


@pytest.mark.parametrize("kind", DATABASES)
def test_no_id_number_phone_or_card_is_readable_in_the_database_or_the_logs(request, platforms, kind: str) -> None:  # type: ignore[no-untyped-def]
    run = platforms(request, kind)
    needles = _needles(run, {"id_number", "phone", "bank_card", "contact"})
    assert len(needles) >= 4 * len(run.borrowers)
    assert _exposed(run, needles) == {}
    assert find_in_files(sorted(run.folder.glob("*.log")), _needles(run, {"name", "id_number", "phone", "bank_card", "contact"})) == {}
    borrower_ids = [Needle("borrower_id", b.borrower_id, (b.borrower_id.encode(),)) for b in run.borrowers]
    assert len(_exposed(run, borrower_ids)) == len(run.borrowers), "the search finds what is there"


@pytest.mark.parametrize("kind", DATABASES)
def test_the_name_typed_at_sign_up_is_the_only_name_in_the_database(request, platforms, kind: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run = platforms(request, kind)
    names = _needles(run, {"name"})
    if kind == POSTGRES:
        places = set().union(*find_in_tables(run.engine, names).values())
        assert places <= KNOWN_NAME_LOCATIONS
        return
    copy = _copy_with_display_names_blanked(run, tmp_path)
    assert find_in_bytes(copy.read_bytes(), names) == []


@pytest.mark.parametrize("kind", DATABASES)
def test_no_name_is_readable_in_the_database(request, platforms, kind: str) -> None:  # type: ignore[no-untyped-def]
    run = platforms(request, kind)
    assert _exposed(run, _needles(run, {"name"})) == {}
    assert _names_opened_with_the_platforms_keys(run) == {b.account_id: b.applicant["name"] for b in run.borrowers}


def _names_opened_with_the_platforms_keys(run) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Each signed-up borrower's stored name, which must be ciphertext, opened with the server's keys."""
    from sqlalchemy import select

    from creditline.app.account_names import address
    from creditline.privacy.field_crypto import FieldCipher, is_ciphertext
    from creditline.privacy.keyring import load_keyring
    from creditline.store.tables_identity import identity_accounts

    a = identity_accounts.c
    wanted = [b.account_id for b in run.borrowers]
    with run.engine.connect() as connection:
        stored = dict(connection.execute(select(a.account_id, a.display_name).where(a.account_id.in_(wanted))).all())
    assert all(is_ciphertext(token) for token in stored.values()), "sealed, not dropped"
    cipher = FieldCipher(load_keyring(run.env))
    return {account_id: cipher.decrypt(token, address(account_id)) for account_id, token in stored.items()}


@pytest.mark.parametrize("kind", DATABASES)
def test_borrower_ids_do_not_yield_to_a_dictionary_hashed_with_the_development_salt(request, platforms, kind: str) -> None:  # type: ignore[no-untyped-def]
    """The id is a keyed hash of the ID number: with the repository's development salt a thief
    could hash every plausible ID number and link each borrower id to a person. The platform runs
    with a salt of its own, as a deployment must; with that salt the same dictionary does link them."""
    from creditline.app.apply_pipeline import borrower_id_of
    from creditline.app.apply_setup import SALT_DEV

    run = platforms(request, kind)
    dictionary = [_identity(applicant_form(serial)["applicant"]["id_number"]) for serial in run.serials]
    held = {b.borrower_id for b in run.borrowers}
    assert not held & {borrower_id_of(identity, SALT_DEV) for identity in dictionary}
    deployed_salt = run.env["CREDITLINE_PII_SALT"].encode()
    assert held <= {borrower_id_of(identity, deployed_salt) for identity in dictionary}


def _identity(id_number: str):  # type: ignore[no-untyped-def]
    from creditline.identity.kyc import VerifiedIdentity

    return VerifiedIdentity("CN", "", id_number, date(1990, 1, 1), 35, "", "", "")


def _copy_with_display_names_blanked(run, folder: Path) -> Path:  # type: ignore[no-untyped-def]
    """The database as a thief copies it (file and WAL), with the known place blanked and every
    freed page rewritten (VACUUM), so any other copy of a name would still be found."""
    import sqlite3

    for source in _raw_files(run)[:2]:
        if source.exists():
            shutil.copyfile(source, folder / source.name)
    copy = folder / _raw_files(run)[0].name
    connection = sqlite3.connect(copy)
    connection.execute("UPDATE identity_accounts SET display_name = 'blanked'")
    connection.commit()
    connection.execute("PRAGMA journal_mode=DELETE")  # folds the WAL in, so VACUUM rewrites the file itself
    connection.execute("VACUUM")
    connection.close()
    return copy
