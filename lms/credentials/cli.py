"""`flask --app lms credentials ...`: signing keys, backfill, and the offline verifier."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

cli = AppGroup("credentials", help="Verifiable credentials (Open Badges 3.0): keys, backfill, verification.")


def _key_dir() -> str:
    return str(current_app.config["CREDENTIALS_KEY_DIR"])


@cli.command("keygen")
@click.option("--if-missing", is_flag=True, help="Do nothing (exit 0) when a signing key exists.")
def keygen_command(if_missing: bool) -> None:
    """Make the training center's Ed25519 signing key in the key directory."""
    from lms.credentials.keys import KeyringExists, generate_key
    from lms.credentials.services import issuer_did

    try:
        keyring, made = generate_key(_key_dir(), if_missing=if_missing)
    except KeyringExists as exc:
        raise click.ClickException(str(exc)) from exc
    entry = keyring.active_entry
    if made:
        click.echo(f"Signing key made in {keyring.directory}: {entry.kid(issuer_did())}")
        click.echo("Keep the .pem file secret and backed up; publish nothing but /.well-known/did.json.")
    else:
        click.echo(f"A signing key exists: {entry.kid(issuer_did())}")


@cli.command("rotate")
def rotate_command() -> None:
    """Make a new active key; the old one's public part stays published, its private part is deleted."""
    from lms.credentials.keys import SigningKeyMissing, rotate_key
    from lms.credentials.services import issuer_did

    try:
        keyring, retired = rotate_key(_key_dir())
    except SigningKeyMissing as exc:
        raise click.ClickException(str(exc)) from exc
    did = issuer_did()
    click.echo(f"New signing key: {keyring.active_entry.kid(did)}")
    if retired:
        click.echo(f"Retired (still published, no longer signs): {did}#{retired}")


@cli.command("public-keys")
@click.option("--format", "form", type=click.Choice(["did", "jwks"]), default="did", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to FILE.")
def public_keys_command(form: str, output: str | None) -> None:
    """Print the public keys (the DID document or the JWKS the site publishes), for offline verification."""
    from lms.credentials.keys import did_document, jwks
    from lms.credentials.services import issuer_did, published_keyring

    keyring = published_keyring()
    document = did_document(keyring, issuer_did()) if form == "did" else jwks(keyring, issuer_did())
    text = json.dumps(document, indent=2)
    if output:
        Path(output).write_text(text + "\n", encoding="utf-8")
        click.echo(f"{len(keyring.keys)} public key(s) written to {output}")
    else:
        click.echo(text)


@cli.command("backfill")
@click.option("--limit", type=int, default=None, help="Issue at most this many.")
def backfill_command(limit: int | None) -> None:
    """Issue the credentials missing for valid certificates (certificates issued before a key existed)."""
    from lms.credentials.keys import SigningKeyMissing
    from lms.credentials.services import backfill_credentials
    from lms.extensions import db

    try:
        issued = backfill_credentials(limit)
    except SigningKeyMissing as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc}; run `flask --app lms credentials keygen` first") from exc
    db.session.commit()
    click.echo(f"{issued} credential(s) issued.")


@cli.command("status-list")
@click.argument("list_id", type=int, default=1)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to FILE.")
def status_list_command(list_id: int, output: str | None) -> None:
    """Print a signed status list (what /credentials/status/LIST_ID serves), for offline checks."""
    from lms.credentials.keys import SigningKeyMissing
    from lms.credentials.models import CredentialStatusList
    from lms.credentials.services import status_list_jws
    from lms.extensions import db

    status_list = db.session.get(CredentialStatusList, list_id)
    if status_list is None:
        raise click.ClickException(f"there is no status list {list_id}")
    try:
        token = status_list_jws(status_list)
    except SigningKeyMissing as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        db.session.rollback()
    if output:
        Path(output).write_text(token + "\n", encoding="utf-8")
        click.echo(f"Status list {list_id} written to {output}")
    else:
        click.echo(token)


@cli.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--keys",
    "keys_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="The issuer's public keys: its DID document (/.well-known/did.json) or JWKS.",
)
@click.option(
    "--status-list",
    "status_file",
    type=click.Path(exists=True, dir_okay=False),
    help="The signed status list the credential points to (downloaded earlier), to check revocation.",
)
@click.option("--issuer", help="The issuer DID to expect (default: the id of the DID document).")
def verify_command(file: str, keys_file: str, status_file: str | None, issuer: str | None) -> None:
    """Check a credential (JSON, JWT or baked PNG) offline: signature, issuer, validity period and, with
    --status-list, revocation. Exit 0 when no check failed, 1 otherwise."""
    from lms.credentials.keys import KeyFileError, KeySet
    from lms.credentials.verify import (
        FAILED,
        CredentialFormatError,
        StatusListFile,
        check_label,
        verify_input,
    )

    try:
        keys = KeySet.from_document(json.loads(Path(keys_file).read_text(encoding="utf-8")))
    except (ValueError, KeyFileError) as exc:
        raise click.ClickException(f"cannot read the keys file: {exc}") from exc
    expected = issuer or keys.did
    checker = None
    if status_file:
        checker = StatusListFile(Path(status_file).read_text(encoding="utf-8"), keys, expected)
    note = "Not checked offline: give --status-list FILE (the list at the credential's statusListCredential)."
    try:
        report = verify_input(
            Path(file).read_bytes(), keys, expected_issuer=expected, status_checker=checker, offline_note=note
        )
    except CredentialFormatError as exc:
        click.echo(f"Cannot read the credential: {exc}", err=True)
        sys.exit(1)
    credential = report.credential or {}
    click.echo(f"Credential {credential.get('id', '?')}: {credential.get('name', '')}")
    for check in report.checks:
        marker = {"passed": "ok", "failed": "FAILED", "skipped": "skipped"}[check.outcome]
        click.echo(f"  [{marker}] {check_label(check.name)}: {check.message}")
    if report.ok:
        click.echo("Result: VALID" + ("" if report.complete else " (some checks were not made)"))
        return
    failed = ", ".join(check_label(check.name).lower() for check in report.checks if check.outcome == FAILED)
    click.echo(f"Result: NOT VALID ({failed})", err=True)
    sys.exit(1)
