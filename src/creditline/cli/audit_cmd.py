"""`creditline audit ...`: sign, publish, verify and prove the tamper-evident log.

`verify` and `check-proof` exit 0 when everything holds and 1 when something does not (with the
first bad record named); 2 stays reserved for a mistake in the command line itself.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from creditline.cli.db_cmd import DbOption, JsonOption, emit, engine_for, parse_date

EXIT_FAILED_CHECK = 1
PublicKeyOption = Annotated[
    Path | None, typer.Option("--public-key", help="the log's public key (PEM); default: derived from the signing key")
]
DateOption = Annotated[str | None, typer.Option("--date", help="business date of the head (YYYY-MM-DD)")]
OutOption = Annotated[Path | None, typer.Option("--out", help="write the bundle here instead of stdout")]


def _public_key(path: Path | None):  # type: ignore[no-untyped-def]
    from creditline.ledger.transparency import InvalidKey, load_public_key
    from creditline.store.audit_log import signing_key_from_environment

    if path is None:
        return signing_key_from_environment().public_key()
    try:
        return load_public_key(path.read_bytes())
    except OSError as exc:
        raise InvalidKey(f"cannot read {path}: {exc.strerror}", field="public_key") from exc


def _write_bundle(document: dict, out: Path | None) -> None:
    from creditline.ledger.transparency import InvalidProof

    text = json.dumps(document, indent=2, sort_keys=True)
    if out is None:
        typer.echo(text)
        return
    try:
        out.write_text(text + "\n", encoding="utf-8")
    except OSError as exc:  # a folder that does not exist, a folder named as the file
        raise InvalidProof(f"cannot write {out}: {exc.strerror}", field="out") from None


def _finding_text(finding) -> str:  # type: ignore[no-untyped-def]
    where = "" if finding.seq is None else f"record {finding.seq} "
    return f"TAMPERED: {where}{finding.problem}: {finding.detail}"


def register(app: typer.Typer) -> None:
    audit = typer.Typer(help="The tamper-evident log of journal entries and loan events.", no_args_is_help=True)
    app.add_typer(audit, name="audit")

    @audit.command("keygen")
    def keygen(out: Annotated[Path, typer.Option("--out", help="private key file to create (0600)")]) -> None:
        """Create the log's Ed25519 signing key (OUT) and its public key (OUT.pub)."""
        import os

        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        from creditline.ledger.transparency import InvalidKey, private_key_pem, public_key_pem

        public = out.with_name(out.name + ".pub")
        for path in (out, public):  # the public key verifies the heads signed so far: never replaced either
            if path.exists():
                raise InvalidKey(f"{path} exists; a signing key is never overwritten", field="out")
        key = Ed25519PrivateKey.generate()
        try:
            fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as exc:  # a folder that does not exist, or a path through a file
            raise InvalidKey(f"cannot create {out}: {exc.strerror}", field="out") from None
        with os.fdopen(fd, "wb") as handle:
            handle.write(private_key_pem(key))
        try:
            with public.open("xb") as handle:
                handle.write(public_key_pem(key.public_key()))
        except OSError as exc:
            out.unlink()  # no signing key without its public key
            raise InvalidKey(f"cannot create {public}: {exc.strerror}", field="out") from None
        typer.echo(f"signing key {out}, public key {out}.pub; set CREDITLINE_AUDIT_SIGNING_KEY_FILE={out}")

    @audit.command("publish")
    def publish_cmd(db_url: DbOption = None, on: DateOption = None, as_json: JsonOption = False) -> None:
        """Sequence accepted records and sign the tree head of a business date (EOD does this itself)."""
        from creditline.ledger.transparency import InvalidProof
        from creditline.store import UnitOfWork
        from creditline.store.audit_log import log_id_from_environment, publish, signing_key_from_environment

        key = signing_key_from_environment()
        with UnitOfWork(engine_for(db_url)) as uow:
            today = uow.system.business_date()
            business_date = parse_date(on, "date") or today
            if business_date is None:
                raise typer.BadParameter("no business date: pass --date or run creditline db upgrade")
            if today is not None and business_date > today:
                # End of day signs each date's head in turn; one signed ahead would stand before theirs.
                raise InvalidProof(f"{business_date} is after the business date {today}", field="date")
            head = publish(uow.connection, log_id_from_environment(), business_date, key)
            uow.commit()
        payload = head.to_json()
        emit(payload, as_json, f"head of {payload['business_date']}: {payload['tree_size']} records, "
                               f"root {payload['root_hash']}")

    @audit.command("backfill")
    def backfill_cmd(db_url: DbOption = None, as_json: JsonOption = False) -> None:
        """Accept the journal entries and loan events written before this version logged every write.

        For a database that predates the log: each command and end of day now logs what it writes, so on
        a database created since, this finds nothing. Records accepted this way are protected from the
        next publish on; an edit made before it cannot be seen.
        """
        from creditline.store import UnitOfWork
        from creditline.store.audit_log import append_unlogged_from_books

        with UnitOfWork(engine_for(db_url)) as uow:
            added = append_unlogged_from_books(uow.connection)
            uow.commit()
        emit({"accepted": added}, as_json, f"{added} records accepted; the next publish sequences and signs them")

    @audit.command("heads")
    def heads_cmd(db_url: DbOption = None) -> None:
        """Print every published tree head as JSON (what partners and borrowers keep)."""
        from creditline.store import UnitOfWork
        from creditline.store.audit_log import load_heads

        with UnitOfWork(engine_for(db_url), read_only=True) as uow:
            heads = [h.to_json() for h in load_heads(uow.connection)]
        typer.echo(json.dumps(heads, indent=2, sort_keys=True))

    @audit.command("verify")
    def verify_cmd(
        db_url: DbOption = None,
        public_key: PublicKeyOption = None,
        strict: Annotated[bool, typer.Option("--strict", help="also fail on books records a database that "
                                                              "predates the log has not logged yet (none once "
                                                              "`creditline audit backfill` has run); a record "
                                                              "deleted from a log that had them all fails "
                                                              "without it")] = False,
        as_json: JsonOption = False,
    ) -> None:
        """Recompute the log from the database; name the first record altered, deleted or reordered."""
        from creditline.store import UnitOfWork
        from creditline.store.audit_log import log_id_from_environment, verify_database

        key = _public_key(public_key)
        with UnitOfWork(engine_for(db_url), read_only=True) as uow:
            audit = verify_database(uow.connection, log_id_from_environment(), key)
        finding = audit.report.finding or audit.books_finding
        failed = finding is not None or (strict and audit.unlogged > 0)
        payload = {
            "ok": not failed, "records": audit.report.records_checked, "heads": audit.report.heads_checked,
            "root_hash": audit.report.root_hash.hex(), "pending": audit.pending, "unlogged": audit.unlogged,
            "finding": None if finding is None else
            {"problem": str(finding.problem), "seq": finding.seq, "detail": finding.detail},
        }
        summary = (f"{payload['records']} records, {payload['heads']} heads, {audit.pending} pending, "
                   f"{audit.unlogged} not logged")
        if finding is not None:
            text = _finding_text(finding)
        elif failed:  # --strict: books records the log does not hold fail it, so the text must not say ok
            text = f"NOT LOGGED: {audit.unlogged} journal entries and loan events have no log record (--strict): {summary}"
        else:
            text = f"ok: {summary}"
        emit(payload, as_json, text)
        if failed:
            sys.exit(EXIT_FAILED_CHECK)

    @audit.command("prove-loan")
    def prove_loan_cmd(
        loan: Annotated[str, typer.Argument(help="loan id")], db_url: DbOption = None, on: DateOption = None,
        out: OutOption = None,
    ) -> None:
        """Inclusion proofs of one loan's records against a published head (default: the latest)."""
        from creditline.store import UnitOfWork
        from creditline.store.audit_log import prove_loan

        with UnitOfWork(engine_for(db_url), read_only=True) as uow:
            bundle = prove_loan(uow.connection, loan, parse_date(on, "date"))
        _write_bundle(bundle.to_json(), out)

    @audit.command("prove-consistency")
    def prove_consistency_cmd(
        old: Annotated[str, typer.Option("--from", help="business date of the older head")],
        new: Annotated[str, typer.Option("--to", help="business date of the newer head")],
        db_url: DbOption = None, out: OutOption = None,
    ) -> None:
        """Prove the log at one EOD head is a prefix of the log at a later one."""
        from creditline.store import UnitOfWork
        from creditline.store.audit_log import prove_between

        with UnitOfWork(engine_for(db_url), read_only=True) as uow:
            bundle = prove_between(uow.connection, parse_date(old, "from"), parse_date(new, "to"))
        _write_bundle(bundle.to_json(), out)

    @audit.command("check-proof")
    def check_proof_cmd(
        bundle_file: Annotated[Path, typer.Argument(help="a proof bundle (JSON) from prove-loan or prove-consistency")],
        public_key: Annotated[Path, typer.Option("--public-key", help="the log's public key (PEM)")],
        as_json: JsonOption = False,
    ) -> None:
        """Check a proof bundle with nothing but the bundle and the public key: no database needed."""
        from creditline.ledger.transparency import (
            ConsistencyBundle,
            InvalidProof,
            TransparencyError,
            bundle_from_json,
            check_consistency_bundle,
            check_inclusion_bundle,
        )

        try:
            raw = json.loads(bundle_file.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError) as exc:
            raise InvalidProof(f"cannot read {bundle_file} as JSON: {exc}", field="bundle") from exc
        key = _public_key(public_key)
        try:
            bundle = bundle_from_json(raw)
            if isinstance(bundle, ConsistencyBundle):
                check_consistency_bundle(bundle, key)
                old, new = bundle.old_head.head, bundle.new_head.head
                payload = {"ok": True, "type": "consistency", "old_size": old.tree_size, "new_size": new.tree_size}
                text = f"ok: the log of {old.business_date} ({old.tree_size}) is a prefix of {new.business_date} ({new.tree_size})"
            else:
                records = check_inclusion_bundle(bundle, key)
                head = bundle.head.head
                payload = {"ok": True, "type": "inclusion", "records": len(records), "tree_size": head.tree_size}
                text = f"ok: {len(records)} records are in the log of {head.business_date} ({head.tree_size} records)"
        except TransparencyError as exc:
            emit({"ok": False, "error": str(exc)}, as_json, f"INVALID: {exc}")
            sys.exit(EXIT_FAILED_CHECK)
        emit(payload, as_json, text)
