"""The data keys the personal-data vault is opened with, from this server's environment, and the error a
server without them answers with (`vault_unavailable`, 503): every use case that stores or reads the
vault (repayment accounts and sources, the subject export) takes its keyring from here."""

from __future__ import annotations

import os

from creditline.errors import DomainError
from creditline.privacy.keyring import Keyring


class VaultUnavailable(DomainError):
    """The server has no data keys configured: personal data can be neither stored nor read."""

    code = "vault_unavailable"
    http_status = 503


def keyring(field: str) -> Keyring:
    """This server's data keys; `VaultUnavailable`, naming `field` (what the request could not have
    stored or read), when it has none."""
    from creditline.privacy.keyring import load_keyring
    from creditline.privacy.protection_errors import KeyringError

    try:
        return load_keyring(os.environ)
    except KeyringError:
        raise VaultUnavailable("personal data cannot be stored or read on this server: it has no data keys",
                               field=field) from None  # fmt: skip
