"""Field encryption: round trips, binding to table/column/row, key versions and rotation, keyring sources."""

from __future__ import annotations

import base64
import json
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from creditline.privacy.field_crypto import FieldAddress, FieldCipher, is_ciphertext, key_id_of
from creditline.privacy.keyring import (
    Keyring,
    keyring_from_json,
    load_keyring,
    new_keyring,
    read_keyring_file,
    write_keyring_file,
)
from creditline.privacy.protection_errors import DecryptionFailed, KeyringError, UnknownKey

KEYRING = new_keyring("k1")
CIPHER = FieldCipher(KEYRING)
HOME = FieldAddress("borrowers", "id_number", "brw_1")


@given(st.text(max_size=200))
def test_any_text_round_trips(value: str) -> None:
    token = CIPHER.encrypt(value, HOME)
    assert is_ciphertext(token) and key_id_of(token) == "k1"
    assert CIPHER.decrypt(token, HOME) == value


def test_the_same_value_never_encrypts_the_same_way_twice() -> None:
    assert CIPHER.encrypt("11010519491231002X", HOME) != CIPHER.encrypt("11010519491231002X", HOME)


def test_the_ciphertext_holds_nothing_readable() -> None:
    token = CIPHER.encrypt("张三 11010519491231002X 13812345678", HOME)
    blob = base64.urlsafe_b64decode(token.split(":")[2])
    for secret in ("张三".encode(), b"11010519491231002X", b"13812345678", b"1381234"):
        assert secret not in blob and secret not in token.encode()


@pytest.mark.parametrize(
    "elsewhere",
    [
        FieldAddress("borrowers", "id_number", "brw_2"),  # another borrower's row
        FieldAddress("borrowers", "phone", "brw_1"),  # another column
        FieldAddress("applications", "id_number", "brw_1"),  # another table
    ],
)
def test_a_ciphertext_moved_elsewhere_does_not_decrypt(elsewhere: FieldAddress) -> None:
    token = CIPHER.encrypt("11010519491231002X", HOME)
    with pytest.raises(DecryptionFailed) as err:
        CIPHER.decrypt(token, elsewhere)
    assert err.value.field == elsewhere.column


def test_a_flipped_bit_or_a_forged_key_id_does_not_decrypt() -> None:
    token = CIPHER.encrypt("13812345678", HOME)
    blob = bytearray(base64.urlsafe_b64decode(token.split(":")[2]))
    blob[20] ^= 1
    flipped = f"enc1:k1:{base64.urlsafe_b64encode(bytes(blob)).decode()}"
    with pytest.raises(DecryptionFailed):
        CIPHER.decrypt(flipped, HOME)
    two = FieldCipher(KEYRING.with_new_key("k2"))
    relabelled = token.replace("enc1:k1:", "enc1:k2:")
    with pytest.raises(DecryptionFailed):
        two.decrypt(relabelled, HOME)
    with pytest.raises(UnknownKey):
        CIPHER.decrypt(token.replace("enc1:k1:", "enc1:k9:"), HOME)
    with pytest.raises(DecryptionFailed):
        CIPHER.decrypt("plain text", HOME)


@given(st.lists(st.text(min_size=1, max_size=40), min_size=1, max_size=30))
def test_rotation_keeps_every_field_decryptable(values: list[str]) -> None:
    addresses = [FieldAddress("borrowers", "name", f"brw_{i}") for i in range(len(values))]
    tokens = [CIPHER.encrypt(v, a) for v, a in zip(values, addresses, strict=True)]
    keyring = KEYRING
    for generation in (2, 3):
        keyring = keyring.with_new_key(f"k{generation}")
        cipher = FieldCipher(keyring)
        assert all(cipher.needs_rotation(t) for t in tokens)
        tokens = [cipher.rotate(t, a) for t, a in zip(tokens, addresses, strict=True)]
        assert {key_id_of(t) for t in tokens} == {f"k{generation}"}
        assert [cipher.decrypt(t, a) for t, a in zip(tokens, addresses, strict=True)] == values
    retired = FieldCipher(keyring.without_keys_except_current())
    assert [retired.decrypt(t, a) for t, a in zip(tokens, addresses, strict=True)] == values


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_keyring_from_the_environment() -> None:
    env = {"CREDITLINE_DATA_KEYS": f"k1:{_b64(bytes(32))}, k2:{_b64(bytes(range(32)))}",
           "CREDITLINE_BLIND_INDEX_KEY": _b64(b"i" * 32)}
    keyring = load_keyring(env)
    assert keyring.current == "k2" and set(keyring.data_keys) == {"k1", "k2"}
    assert load_keyring({**env, "CREDITLINE_DATA_KEY_CURRENT": "k1"}).current == "k1"


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"CREDITLINE_DATA_KEYS": "k1:notbase64!!", "CREDITLINE_BLIND_INDEX_KEY": _b64(b"i" * 32)},
        {"CREDITLINE_DATA_KEYS": f"k1:{_b64(b'short')}", "CREDITLINE_BLIND_INDEX_KEY": _b64(b"i" * 32)},
        {"CREDITLINE_DATA_KEYS": f"K 1:{_b64(bytes(32))}", "CREDITLINE_BLIND_INDEX_KEY": _b64(b"i" * 32)},
        {"CREDITLINE_DATA_KEYS": f"k1:{_b64(bytes(32))}"},
        {"CREDITLINE_DATA_KEYS": f"k1:{_b64(bytes(32))}", "CREDITLINE_BLIND_INDEX_KEY": _b64(b"i" * 32),
         "CREDITLINE_DATA_KEY_CURRENT": "k7"},
    ],
)
def test_a_bad_or_missing_keyring_is_a_typed_error(env: dict[str, str]) -> None:
    with pytest.raises(KeyringError):
        load_keyring(env)


def test_keyring_file_is_written_owner_only_and_refused_when_others_can_read(tmp_path) -> None:
    path = tmp_path / "keyring.json"
    write_keyring_file(path, KEYRING)
    assert os.stat(path).st_mode & 0o777 == 0o600
    loaded = load_keyring({"CREDITLINE_KEYRING_FILE": str(path)})
    assert loaded == read_keyring_file(path) and loaded.data_keys == KEYRING.data_keys
    os.chmod(path, 0o644)
    with pytest.raises(KeyringError) as err:
        read_keyring_file(path)
    assert "chmod 600" in err.value.message
    with pytest.raises(KeyringError):
        read_keyring_file(tmp_path / "absent.json")
    with pytest.raises(KeyringError):
        keyring_from_json(json.loads('{"data_keys": []}'))


def test_a_leftover_temporary_file_is_neither_reused_nor_followed(tmp_path) -> None:
    path = tmp_path / "keyring.json"
    leftover = tmp_path / "keyring.json.tmp"
    leftover.write_text("stale", encoding="utf-8")
    os.chmod(leftover, 0o644)  # a crash's leftover, readable by others
    write_keyring_file(path, KEYRING)
    assert os.stat(path).st_mode & 0o777 == 0o600
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    leftover.symlink_to(victim)  # planted: the write must not truncate what it points at
    write_keyring_file(path, KEYRING)
    assert victim.read_text(encoding="utf-8") == "keep me"
    assert os.stat(path).st_mode & 0o777 == 0o600 and not leftover.exists()


def test_a_new_key_id_must_be_new() -> None:
    with pytest.raises(KeyringError):
        KEYRING.with_new_key("k1")
    assert isinstance(KEYRING.with_new_key("k2"), Keyring)


def test_a_malformed_new_key_id_is_named_as_the_key_id() -> None:
    # `keys add --key-id K2` must point at --key-id, not at the keyring's data keys
    for key_id in ("K2", "", "k" * 17, "k-2"):
        with pytest.raises(KeyringError) as err:
            KEYRING.with_new_key(key_id)
        assert err.value.field == "key_id"
        assert err.value.message == "a key id is 1-16 lower-case letters and digits"
