"""`creditline keys ...`: the data keys of field encryption — create, add a version, rotate, retire."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from creditline.cli.db_cmd import DbOption, JsonOption, emit, engine_for

KeyringFileOption = Annotated[
    Path,
    typer.Option(
        "--keyring-file", envvar="CREDITLINE_KEYRING_FILE", help="the keyring JSON file (kept 0600)", show_envvar=True
    ),
]
ROTATION_ROUNDS_MAX = 100_000


def register(app: typer.Typer) -> None:
    keys = typer.Typer(help="Data keys for personal-data encryption.", no_args_is_help=True)
    app.add_typer(keys, name="keys")

    @keys.command("new")
    def new_cmd(keyring_file: KeyringFileOption) -> None:
        """Create a keyring file with a first data key and a blind index key."""
        from creditline.privacy.keyring import new_keyring, write_keyring_file
        from creditline.privacy.protection_errors import KeyringError

        if keyring_file.exists():
            raise KeyringError(f"{keyring_file} exists; use keys add", field="keyring_file")
        write_keyring_file(keyring_file, new_keyring())
        typer.echo(f"keyring {keyring_file}; set CREDITLINE_KEYRING_FILE={keyring_file}")

    @keys.command("add")
    def add_cmd(
        keyring_file: KeyringFileOption,
        key_id: Annotated[str, typer.Option("--key-id", help="id of the new key, e.g. k2")],
    ) -> None:
        """Add a new data key and make it current; run `keys rotate` next."""
        from creditline.privacy.keyring import read_keyring_file, write_keyring_file

        write_keyring_file(keyring_file, read_keyring_file(keyring_file).with_new_key(key_id))
        typer.echo(f"{key_id} is now the current key; run creditline keys rotate")

    @keys.command("rotate")
    def rotate_cmd(
        db_url: DbOption = None,
        batch: Annotated[int, typer.Option("--batch", min=1, max=100_000, help="values per transaction")] = 1000,
        as_json: JsonOption = False,
    ) -> None:
        """Re-encrypt every personal field still under an older key, one short transaction per batch."""
        import os

        from creditline.app.account_names import reseal
        from creditline.privacy.keyring import load_keyring
        from creditline.store.personal_data import PersonalDataStore

        keyring = load_keyring(os.environ)
        engine = engine_for(db_url)

        def vault_batch(connection):  # type: ignore[no-untyped-def]
            result = PersonalDataStore(connection, keyring).rotate(batch)
            return result.rotated, result.remaining_under_old_keys

        fields, fields_left = _in_batches(engine, vault_batch)
        # account names are sealed with the same keys (app.account_names)
        names, names_left = _in_batches(engine, lambda connection: reseal(connection, keyring, batch))
        rotated, remaining = fields + names, fields_left + names_left
        payload = {"rotated": rotated, "remaining": remaining, "current_key": keyring.current, "account_names": names}
        emit(payload, as_json, f"re-encrypted {rotated} values under {keyring.current}; {remaining} left")

    @keys.command("retire")
    def retire_cmd(keyring_file: KeyringFileOption, db_url: DbOption = None) -> None:
        """Drop every key but the current one, once nothing in the database still needs them."""
        from sqlalchemy import func, select

        from creditline.privacy.keyring import read_keyring_file, write_keyring_file
        from creditline.privacy.protection_errors import KeyringError
        from creditline.store import UnitOfWork
        from creditline.store.tables_audit import personal_data

        keyring = read_keyring_file(keyring_file)
        from creditline.app.account_names import PREFIX
        from creditline.store.tables_identity import identity_accounts

        names = identity_accounts.c.display_name
        with UnitOfWork(engine_for(db_url), read_only=True) as uow:
            left = uow.connection.execute(select(func.count()).select_from(personal_data).where(
                personal_data.c.key_id != keyring.current)).scalar_one()
            left += uow.connection.execute(select(func.count()).select_from(identity_accounts).where(
                names.like(f"{PREFIX}:%") & ~names.like(f"{PREFIX}:{keyring.current}:%"))).scalar_one()
        if left:
            raise KeyringError(f"{left} values are still under old keys; run keys rotate first", field="keyring_file")
        write_keyring_file(keyring_file, keyring.without_keys_except_current())
        typer.echo(f"retired all keys but {keyring.current}")


def _in_batches(engine, step) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Run `step(connection) -> (done, left)` one short transaction at a time until nothing is done or
    nothing is left; (all done, left at the end)."""
    from creditline.store import UnitOfWork

    done_total, left = 0, 0
    for _ in range(ROTATION_ROUNDS_MAX):
        with UnitOfWork(engine) as uow:
            done, left = step(uow.connection)
            uow.commit()
        done_total += done
        if done == 0 or left == 0:
            break
    return done_total, left
