"""The data keys: versions of AES-256 keys for field encryption and one HMAC key for blind indexes.

Keys come from the environment or from a file the operator keeps outside the repository, never
from the database they protect (a stolen database file must not carry its own keys). The newest
data key encrypts; older ones stay to decrypt until `creditline keys rotate` has re-encrypted
every field, after which they can be retired.

Environment: `CREDITLINE_KEYRING_FILE` names a JSON keyring file, or `CREDITLINE_DATA_KEYS`
("k1:<base64>,k2:<base64>", the last one current unless `CREDITLINE_DATA_KEY_CURRENT` says
otherwise) together with `CREDITLINE_BLIND_INDEX_KEY` (base64).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import re
import secrets
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from creditline.privacy.protection_errors import KeyringError, UnknownKey

KEY_BYTES = 32
KEY_VERSIONS_MAX = 32
KEYRING_FILE_BYTES_MAX = 64 * 1024
_KEY_ID = re.compile(r"^[a-z0-9]{1,16}$")

ENV_FILE = "CREDITLINE_KEYRING_FILE"
ENV_DATA_KEYS = "CREDITLINE_DATA_KEYS"
ENV_CURRENT = "CREDITLINE_DATA_KEY_CURRENT"
ENV_INDEX_KEY = "CREDITLINE_BLIND_INDEX_KEY"


@dataclass(frozen=True)
class Keyring:
    data_keys: Mapping[str, bytes]
    current: str
    blind_index_key: bytes

    def __post_init__(self) -> None:
        if not 1 <= len(self.data_keys) <= KEY_VERSIONS_MAX:
            raise KeyringError(f"a keyring holds 1..{KEY_VERSIONS_MAX} data keys", field="data_keys")
        for key_id, key in self.data_keys.items():
            if not _KEY_ID.match(key_id):
                raise KeyringError("a key id is 1-16 lower-case letters and digits", field="data_keys")
            if len(key) != KEY_BYTES:
                raise KeyringError(f"data key {key_id} must be {KEY_BYTES} bytes", field="data_keys")
        if self.current not in self.data_keys:
            raise KeyringError(f"the current key {self.current!r} is not in the keyring", field="current")
        if len(self.blind_index_key) != KEY_BYTES:
            raise KeyringError(f"the blind index key must be {KEY_BYTES} bytes", field="blind_index_key")

    def key(self, key_id: str) -> bytes:
        try:
            return self.data_keys[key_id]
        except KeyError:
            raise UnknownKey(f"no data key {key_id!r} in the keyring", field="key_id") from None

    def with_new_key(self, key_id: str, key: bytes | None = None) -> Keyring:
        """A keyring whose current key is a new one; the old keys stay for decryption."""
        if not _KEY_ID.match(key_id):
            raise KeyringError("a key id is 1-16 lower-case letters and digits", field="key_id")
        if key_id in self.data_keys:
            raise KeyringError(f"key id {key_id!r} is already used", field="key_id")
        keys = {**self.data_keys, key_id: key if key is not None else secrets.token_bytes(KEY_BYTES)}
        return Keyring(keys, key_id, self.blind_index_key)

    def without_keys_except_current(self) -> Keyring:
        """Retire every old key: only safe once `keys rotate` reported nothing left under them."""
        return Keyring({self.current: self.data_keys[self.current]}, self.current, self.blind_index_key)

    def to_json(self) -> dict[str, object]:
        return {
            "data_keys": {k: base64.b64encode(v).decode("ascii") for k, v in self.data_keys.items()},
            "current": self.current,
            "blind_index_key": base64.b64encode(self.blind_index_key).decode("ascii"),
        }


def new_keyring(key_id: str = "k1") -> Keyring:
    return Keyring({key_id: secrets.token_bytes(KEY_BYTES)}, key_id, secrets.token_bytes(KEY_BYTES))


def _b64key(text: str, field: str) -> bytes:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError, AttributeError) as exc:
        raise KeyringError("keys are base64", field=field) from exc


def keyring_from_json(raw: object) -> Keyring:
    if not isinstance(raw, dict) or not isinstance(raw.get("data_keys"), dict):
        raise KeyringError("a keyring file is a JSON object with data_keys, current, blind_index_key", field="keyring")
    keys = {str(k): _b64key(v, "data_keys") for k, v in raw["data_keys"].items()}
    return Keyring(keys, str(raw.get("current", "")), _b64key(str(raw.get("blind_index_key", "")), "blind_index_key"))


def read_keyring_file(path: Path) -> Keyring:
    try:
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise KeyringError(f"{path} is readable by others; chmod 600 it", field="keyring_file")
        if path.stat().st_size > KEYRING_FILE_BYTES_MAX:
            raise KeyringError(f"{path} is too large to be a keyring", field="keyring_file")
        return keyring_from_json(json.loads(path.read_text(encoding="utf-8")))
    except OSError as exc:
        raise KeyringError(f"cannot read {path}: {exc.strerror}", field="keyring_file") from exc
    except json.JSONDecodeError as exc:
        raise KeyringError(f"{path} is not JSON", field="keyring_file") from exc


def write_keyring_file(path: Path, keyring: Keyring) -> None:
    """Write owner-only (0600), replacing atomically so a crash never leaves half a keyring."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        # A leftover .tmp (a crash, or planted: another mode, a symlink) is removed, never reused:
        # O_EXCL makes this open create the file, so 0600 holds, and it never follows a link.
        tmp.unlink(missing_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(keyring.to_json(), out, indent=2, sort_keys=True)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except OSError as exc:  # a folder that does not exist, or a path through a file
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise KeyringError(f"cannot write {path}: {exc.strerror}", field="keyring_file") from None


def load_keyring(environ: Mapping[str, str]) -> Keyring:
    """The keyring the environment points at; a `KeyringError` saying what to set when there is none."""
    if environ.get(ENV_FILE):
        return read_keyring_file(Path(environ[ENV_FILE]))
    listed = environ.get(ENV_DATA_KEYS, "").strip()
    if not listed:
        raise KeyringError(f"set {ENV_FILE}, or {ENV_DATA_KEYS} and {ENV_INDEX_KEY}")
    keys: dict[str, bytes] = {}
    for item in listed.split(","):
        key_id, _, text = item.strip().partition(":")
        keys[key_id] = _b64key(text, ENV_DATA_KEYS)
    current = environ.get(ENV_CURRENT) or list(keys)[-1]
    return Keyring(keys, current, _b64key(environ.get(ENV_INDEX_KEY, ""), ENV_INDEX_KEY))
