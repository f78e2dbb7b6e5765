"""The personal-data vault: every personal field encrypted, blind-indexed, read only through purpose checks.

Tables: `personal_data` and `personal_data_access` (tables_audit.py). Writes encrypt under the
keyring's current key and bind each value to (personal_data, field, borrower_id); reads go through
`creditline.privacy.access.PersonalDataAccess`, whose log entries land in `personal_data_access`
in the same transaction, and refuse all but legal duties and the borrower's own requests while the
borrower's erasure request is restricted (`erasure_requests`). Erasure deletes the rows (and the blind indexes kept beside repayment
sources, the sealed name of the borrower's account, and the keyed hashes fraud prevention kept of
them); the books never referenced them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from sqlalchemy import (
    CompoundSelect,
    Connection,
    bindparam,
    delete,
    func,
    insert,
    null,
    select,
    union_all,
    update,
)

from creditline.privacy.access import AccessLogEntry, AccessPurpose, PersonalDataAccess, StoredField
from creditline.privacy.blind_index import BlindIndexer, IndexedKind
from creditline.privacy.consent import ConsentRecord
from creditline.privacy.field_crypto import FieldAddress, FieldCipher, key_id_of
from creditline.privacy.keyring import Keyring
from creditline.store.tables_audit import erasure_requests, personal_data, personal_data_access

TABLE = "personal_data"
INDEXED_FIELDS = {"id_number": IndexedKind.ID_NUMBER, "phone": IndexedKind.PHONE,
                  "bank_account": IndexedKind.BANK_ACCOUNT, "device_id": IndexedKind.DEVICE_ID}
ROTATION_BATCH = 1_000
LOOKUP_MATCHES_MAX = 10_000


def address(borrower_id: str, field: str) -> FieldAddress:
    return FieldAddress(TABLE, field, borrower_id)


class SqlAccessLog:
    """`AccessLog` writing to `personal_data_access` on the caller's connection (same transaction)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def append(self, entry: AccessLogEntry) -> None:
        self.connection.execute(insert(personal_data_access).values(
            borrower_id=entry.borrower_id, actor=entry.actor, purpose=str(entry.purpose),
            fields=",".join(entry.fields), at=entry.at, granted=entry.granted, basis=entry.basis[:400],
        ))

    def entries(self, borrower_id: str) -> list[dict[str, object]]:
        query = select(personal_data_access).where(personal_data_access.c.borrower_id == borrower_id)
        return [dict(r) for r in self.connection.execute(query.order_by(personal_data_access.c.access_id)).mappings()]


@dataclass(frozen=True, slots=True)
class RotationResult:
    rotated: int
    remaining_under_old_keys: int


class PersonalDataStore:
    def __init__(self, connection: Connection, keyring: Keyring) -> None:
        self.connection = connection
        self.cipher = FieldCipher(keyring)
        self.indexer = BlindIndexer(keyring.blind_index_key)

    def put(self, borrower_id: str, values: Mapping[str, str], on: date) -> None:
        """Encrypt and store (or replace) the given fields of one borrower."""
        for field, value in values.items():
            token = self.cipher.encrypt(value, address(borrower_id, field))
            index = self.indexer.index(INDEXED_FIELDS[field], value) if field in INDEXED_FIELDS else None
            row = {"ciphertext": token, "key_id": key_id_of(token), "blind_index": index, "updated_on": on}
            where = (personal_data.c.borrower_id == borrower_id) & (personal_data.c.field == field)
            if self.connection.execute(update(personal_data).where(where).values(**row)).rowcount == 0:
                self.connection.execute(insert(personal_data).values(borrower_id=borrower_id, field=field, **row))

    def read(
        self, *, actor: str, borrower_id: str, purpose: AccessPurpose, fields: Iterable[str],
        consents: Iterable[ConsentRecord], at: datetime,
    ) -> dict[str, str | None]:
        """Purpose-checked, logged read; a field never stored (or erased) reads as None. Whether the
        borrower is restricted (their erasure request waits for the law, PIPL Art. 47) is the store's
        to say, never the caller's: it comes back with the fields, in the same statement."""
        names = list(fields)
        rows = self.connection.execute(_fields_and_restriction(), {"borrower_id": borrower_id, "fields": names}).all()
        tokens = {field: ciphertext for field, ciphertext in rows if field is not None}
        restricted = len(tokens) < len(rows)  # the one row with no field is the restriction's
        stored = {n: StoredField(address(borrower_id, n), tokens.get(n)) for n in names}
        access = PersonalDataAccess(self.cipher, SqlAccessLog(self.connection))
        return access.read(actor=actor, borrower_id=borrower_id, purpose=purpose, fields=stored,
                           consents=consents, at=at, restricted=restricted)

    def borrowers_with(self, field: str, value: str) -> list[str]:
        """Borrowers whose `field` equals `value`, found by blind index without decrypting anything."""
        index = self.indexer.index(INDEXED_FIELDS[field], value)
        query = select(personal_data.c.borrower_id).where(
            (personal_data.c.field == field) & (personal_data.c.blind_index == index)
        ).order_by(personal_data.c.borrower_id).limit(LOOKUP_MATCHES_MAX)
        return list(self.connection.execute(query).scalars())

    def erase(self, borrower_id: str) -> int:
        """Delete every personal field of the borrower and every blind index of them; returns how many
        fields were erased. A repayment source keeps its number's index beside it (to find a shared
        account without opening the vault): that index goes too, so the erased number can neither be
        looked up nor count as another borrower's account. So does the one piece of personal data kept
        outside the vault, the name the borrower's account was made with (sealed in
        `identity_accounts.display_name`): the account is shown by its id from then on. And so do the
        keyed hashes fraud prevention kept of them: their applications' signals and flags, their decision
        records' hashed inputs, and their monitoring profile's devices and accounts."""
        return erase(self.connection, borrower_id)

    def rotate(self, batch: int = ROTATION_BATCH) -> RotationResult:
        """Re-encrypt up to `batch` values still under an old key; call until nothing remains."""
        current = self.cipher.keyring.current
        query = select(personal_data.c.borrower_id, personal_data.c.field, personal_data.c.ciphertext).where(
            personal_data.c.key_id != current).order_by(personal_data.c.borrower_id, personal_data.c.field).limit(batch)
        rows = self.connection.execute(query).all()
        for row in rows:
            token = self.cipher.rotate(row.ciphertext, address(row.borrower_id, row.field))
            self.connection.execute(update(personal_data).where(
                (personal_data.c.borrower_id == row.borrower_id) & (personal_data.c.field == row.field)
            ).values(ciphertext=token, key_id=current))
        remaining = self.connection.execute(
            select(func.count()).select_from(personal_data).where(personal_data.c.key_id != current)).scalar_one()
        return RotationResult(len(rows), remaining)


def erase(connection: Connection, borrower_id: str) -> int:
    """`PersonalDataStore.erase` without the keyring: deleting needs no key, so a server without data
    keys can still erase (a declined applicant's fraud hashes, an account's sealed name)."""
    from creditline.store.servicing_repository import ServicingRepository
    from creditline.store.tables_identity import identity_accounts, identity_claim_refusals
    from creditline.store.tables_origination import OriginationRepository
    from creditline.store.tables_repayment_sources import repayment_sources

    OriginationRepository(connection).erase_borrower(borrower_id)
    ServicingRepository(connection).forget_profile(borrower_id)

    connection.execute(
        update(repayment_sources).where(repayment_sources.c.borrower_id == borrower_id).values(account_index=None)
    )
    connection.execute(
        update(identity_accounts).where(identity_accounts.c.borrower_id == borrower_id).values(display_name=None)
    )
    # a refused application's claimed identity is the keyed hash of the person's ID number; the refusal
    # still counts against the account that sent it
    claims = identity_claim_refusals.c
    connection.execute(
        update(identity_claim_refusals).where(claims.claimed_borrower_id == borrower_id).values(claimed_borrower_id=None)
    )
    return connection.execute(delete(personal_data).where(personal_data.c.borrower_id == borrower_id)).rowcount


@cache
def _fields_and_restriction() -> CompoundSelect:
    """One statement, built once: the borrower's asked-for fields, and one row with no field when their
    erasure request is restricted (a read used to look the restriction up in a second round trip)."""
    p, e = personal_data.c, erasure_requests.c
    borrower = bindparam("borrower_id")
    fields = select(p.field, p.ciphertext).where(p.borrower_id == borrower, p.field.in_(bindparam("fields", expanding=True)))
    restriction = select(null().cast(p.field.type), null().cast(p.ciphertext.type)).where(
        e.borrower_id == borrower, e.status == "restricted")
    return union_all(fields, restriction)
