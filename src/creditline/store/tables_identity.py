"""Identity and access tables (migration 0005_identity): accounts, passkeys, sessions, challenges,
the consents a borrower manages, and which account submitted which application.

Secrets never land here in clear: a session is stored as the SHA-256 of its token (and of its CSRF
token), an operator's enrollment code likewise. The name an account was created with is encrypted
(`display_name`, migration 0017_sealed_display_names). A passkey's public key is public by design. Times
are integer Unix seconds (UTC), the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, LargeBinary, String, Table, Text

from creditline.store.tables import ID, metadata
from creditline.store.types import BigId

CREDENTIAL_ID = 1400  # base64url of the longest credential id WebAuthn allows (1023 bytes)

identity_accounts = Table(
    "identity_accounts",
    metadata,
    Column("account_id", String(ID), primary_key=True),
    Column("role", String(24), nullable=False),
    # Sealed with the field cipher (app.account_names): a borrower's name never in clear; NULL when not kept.
    # 512: enc1:<key id, ≤16>:base64(12-byte nonce, ≤256 bytes of a 64-character name, 16-byte tag) is ≤ 402.
    Column("display_name", String(512), nullable=True),
    Column("user_handle", String(64), nullable=False, unique=True),  # WebAuthn user.id, base64url
    Column("borrower_id", String(ID), nullable=True, unique=True),  # set when an application names them
    Column("status", String(16), nullable=False),  # active | pending (operator not yet enrolled) | disabled
    Column("privilege_epoch", Integer, nullable=False),
    Column("enrollment_hash", String(64), nullable=True, unique=True),
    Column("enrollment_expires_at", BigInteger, nullable=True),
    Column("created_at", BigInteger, nullable=False),
)

identity_credentials = Table(
    "identity_credentials",
    metadata,
    Column("credential_id", String(CREDENTIAL_ID), primary_key=True),
    Column("account_id", String(ID), ForeignKey("identity_accounts.account_id"), nullable=False, index=True),
    Column("public_key", LargeBinary, nullable=False),
    Column("sign_count", BigInteger, nullable=False),
    Column("backed_up", Integer, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("last_used_at", BigInteger, nullable=True),
)

identity_sessions = Table(
    "identity_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("account_id", String(ID), ForeignKey("identity_accounts.account_id"), nullable=False, index=True),
    Column("role", String(24), nullable=False),
    Column("privilege_epoch", Integer, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("last_seen_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("csrf_hash", String(64), nullable=False),
    Column("ended_at", BigInteger, nullable=True),
)

identity_challenges = Table(
    "identity_challenges",
    metadata,
    Column("challenge", String(96), primary_key=True),  # base64url
    Column("purpose", String(24), nullable=False),  # register | enroll | add_passkey | sign_in | drawdown (every step-up)
    Column("account_id", String(ID), nullable=True),
    Column("binding_json", Text, nullable=True),  # what the challenge authorises (drawdown request, new account)
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("used_at", BigInteger, nullable=True),
    Index("ix_identity_challenges_expires_at", "expires_at"),
)

account_consents = Table(
    "account_consents",
    metadata,
    Column("consent_id", String(ID), primary_key=True),
    Column("account_id", String(ID), ForeignKey("identity_accounts.account_id"), nullable=False, index=True),
    Column("scope", String(32), nullable=False),
    Column("purpose", String(32), nullable=False),
    Column("text_version", String(64), nullable=False),
    Column("granted_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=True),
    Column("withdrawn_at", BigInteger, nullable=True),
)

account_applications = Table(
    "account_applications",
    metadata,
    Column("decision_id", String(ID), primary_key=True),
    Column("account_id", String(ID), ForeignKey("identity_accounts.account_id"), nullable=False, index=True),
    Column("submitted_at", BigInteger, nullable=False),
)

# An application refused for the identity it named (migration 0028_identity_claim_refusals): counted per
# account over a window, so a refused answer cannot be asked for an ID number after another, and per
# claimed identity (the borrower id the application named, the keyed hash of its ID number; migration
# 0030), so many accounts cannot each ask about one ID number (app.identity_claims). Rows older than the
# window are dropped when the account's or the identity's next is added.
identity_claim_refusals = Table(
    "identity_claim_refusals",
    metadata,
    Column("refusal_id", BigId, primary_key=True, autoincrement=True),
    Column("account_id", String(ID), nullable=False),
    Column("code", String(32), nullable=False),  # identity_claimed | identity_mismatch
    Column("refused_at", BigInteger, nullable=False),
    Column("claimed_borrower_id", String(ID), nullable=True),  # NULL: refused before migration 0030
    Index("ix_identity_claim_refusals_account_id_refused_at", "account_id", "refused_at"),
    Index("ix_identity_claim_refusals_claimed_borrower_id_refused_at", "claimed_borrower_id", "refused_at"),
)
