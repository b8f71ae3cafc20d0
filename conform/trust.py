"""Where a verifier pins the public keys it trusts, so `report verify` needs no --public-key."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

TRUST_ENV = "CONFORM_TRUSTED_KEYS"


def trust_dir(environ: Mapping[str, str] | None = None) -> Path:
    """$CONFORM_TRUSTED_KEYS, else $XDG_CONFIG_HOME/conform/trusted (~/.config by default)."""
    env = os.environ if environ is None else environ
    if env.get(TRUST_ENV):
        return Path(env[TRUST_ENV])
    config = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME") or Path.home()) / ".config")
    return Path(config) / "conform" / "trusted"


def trusted_key_files(folder: Path) -> list[Path]:
    """The public key files (*.pub, *.pem) pinned in FOLDER; none when it does not exist."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".pub", ".pem") and p.is_file())
