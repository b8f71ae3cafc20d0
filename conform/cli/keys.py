"""CLI commands: `conform keys generate` for the department's report-signing key pair."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from conform.runner.preflight import check_writable
from conform.signing import PASSPHRASE_ENV, fingerprint, generate_keys, key_id, load_public_key

keys_app = typer.Typer(name="keys", help="Manage report-signing keys.", no_args_is_help=True)


@keys_app.command("generate")
def generate(
    directory: Annotated[Path, typer.Argument(help="Folder for the key pair (made if missing).")],
) -> None:
    """Make an Ed25519 key pair; the private key is encrypted with $CONFORM_KEY_PASSPHRASE."""
    check_writable(directory, "keys generate")
    private, public = generate_keys(directory)
    typer.echo(f"private key (keep secret, encrypted with ${PASSPHRASE_ENV}): {private}")
    typer.echo(f"public key (publish it; verifiers pass it as --public-key): {public}")
    key = load_public_key(public)
    typer.echo(f"key id {key_id(key)}, fingerprint {fingerprint(key)} (compare it out of band)")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.add_typer(keys_app)
