"""Ed25519 signing keys and report signatures over the canonical form of report.json."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conform.bundle import load_bundle
from conform.errors import BundleError, ConfigError
from conform.report import Report, canonical_json, load_report, write_atomic
from conform.trust import trust_dir, trusted_key_files

if TYPE_CHECKING:  # cryptography is imported where used: `conform --help` stays light
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

PASSPHRASE_ENV = "CONFORM_KEY_PASSPHRASE"
PRIVATE_KEY_FILE = "conform-signing.key"
PUBLIC_KEY_FILE = "conform-signing.pub"
ALGORITHM = "ed25519"


def _raw(key: Ed25519PublicKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _passphrase() -> bytes:
    value = os.environ.get(PASSPHRASE_ENV, "")
    if not value:
        raise ConfigError(
            f"{PASSPHRASE_ENV} is not set: the signing key's passphrase comes from it"
        )
    return value.encode()


def key_id(public_key: Ed25519PublicKey) -> str:
    """A short, stable name of a public key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(_raw(public_key)).hexdigest()[:16]


def generate_keys(directory: Path) -> tuple[Path, Path]:
    """Write a new key pair into directory (private key encrypted); never overwrites."""
    private_path, public_path = directory / PRIVATE_KEY_FILE, directory / PUBLIC_KEY_FILE
    for path in (private_path, public_path):
        if path.exists():
            raise ConfigError(f"{path}: already exists; refusing to overwrite a signing key")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    passphrase = _passphrase()
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    write_atomic(private_path, private_pem)
    private_path.chmod(0o600)
    write_atomic(public_path, public_pem)
    return private_path, public_path


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """Read an encrypted Ed25519 private key, the passphrase taken from the environment."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=_passphrase())
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read signing key: {exc.strerror}") from exc
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{path}: not a usable signing key or wrong passphrase") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(f"{path}: not an Ed25519 private key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """Read an Ed25519 public key (PEM)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read public key: {exc.strerror}") from exc
    except ValueError as exc:
        raise ConfigError(f"{path}: not a PEM public key") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise ConfigError(f"{path}: not an Ed25519 public key")
    return key


def sign_report(report: Report, key_path: Path) -> Report:
    """A copy of report carrying a signature over its canonical JSON (signature excluded)."""
    key = load_private_key(key_path)
    value = key.sign(canonical_json(report.to_dict(include_signature=False)))
    public = key.public_key()
    return report.with_signature(
        {
            "algorithm": ALGORITHM,
            "public_key": base64.b64encode(_raw(public)).decode(),
            "key_id": key_id(public),
            "value": base64.b64encode(value).decode(),
        }
    )


def check_signature(
    doc: dict[str, Any], pinned: Ed25519PublicKey | None
) -> tuple[bool, str | None]:
    """Verify a report.json document's signature: (valid, reason it is not) for that document.

    The signed bytes are recomputed from the document as stored, not from the model, so an
    edit to any field (even one the model recomputes, like the verdict) breaks the signature.
    """
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    sig = doc.get("signature")
    if not isinstance(sig, dict):
        return False, "report is not signed"
    if sig.get("algorithm") != ALGORITHM:
        return False, f"unsupported signature algorithm {sig.get('algorithm')!r}"
    try:
        embedded = Ed25519PublicKey.from_public_bytes(base64.b64decode(sig["public_key"]))
        value = base64.b64decode(sig["value"], validate=True)
    except (KeyError, ValueError, TypeError):
        return False, "signature block is malformed"
    if pinned is not None and _raw(pinned) != _raw(embedded):
        return False, f"signed with key {key_id(embedded)}, not the given key {key_id(pinned)}"
    unsigned = {k: v for k, v in doc.items() if k != "signature"}
    try:
        embedded.verify(value, canonical_json(unsigned))
    except InvalidSignature:
        return False, "signature does not match the report's content (report modified?)"
    return True, None


class CheckStatus(StrEnum):
    """The outcome of one verification check."""

    OK = "ok"
    WARNING = "warning"  # nothing wrong was found, but something could not be pinned down
    SKIPPED = "skipped"  # not asked for (--integrity-only)
    FAILED = "FAILED"


@dataclass(frozen=True)
class Check:
    """One named verification check and why it came out as it did."""

    name: str
    status: CheckStatus
    detail: str


@dataclass(frozen=True)
class VerifyResult:
    """Every check of `conform report verify`; the report is trusted only if none failed."""

    report: Path
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        """Whether no check failed (warnings allowed)."""
        return all(c.status is not CheckStatus.FAILED for c in self.checks)


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Duplicate keys collapse in the canonical form, so a reader taking the first one could be
    # shown a value the signature never covered.
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError(f"duplicate key in {sorted(k for k in keys if keys.count(k) > 1)}")
    return dict(pairs)


def _read_document(file: Path) -> dict[str, Any]:
    try:
        doc = json.loads(file.read_bytes(), object_pairs_hook=_no_duplicate_keys)
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read report: {exc.strerror}") from exc
    except ValueError as exc:
        raise ConfigError(f"{file}: not a conform report: {exc}") from exc
    if not isinstance(doc, dict):
        raise ConfigError(f"{file}: not a conform report: not a JSON object")
    return doc


def _pinned(
    doc: dict[str, Any], public_key: Path | None, trust: Path
) -> tuple[Ed25519PublicKey | None, str]:
    """The key the signature must be made with, and where it was pinned ((None, '') if nowhere)."""
    if public_key is not None:
        return load_public_key(public_key), "the given key"
    sig = doc.get("signature")
    kid = sig.get("key_id") if isinstance(sig, dict) else None
    for file in trusted_key_files(trust):
        key = load_public_key(file)
        if key_id(key) == kid:
            return key, f"the trusted key {file}"
    return None, ""


def _signature_check(doc: dict[str, Any], public_key: Path | None, trust: Path) -> Check:
    pinned, where = _pinned(doc, public_key, trust)
    valid, reason = check_signature(doc, pinned)
    if not valid:
        return Check("signature", CheckStatus.FAILED, reason or "invalid")
    kid = doc["signature"].get("key_id", "?")
    if pinned is None:
        detail = (
            f"signature valid but its key {kid} is not pinned, so anyone could have made it: "
            f"pass --public-key, or put the signer's public key in {trust}"
        )
        return Check("signature", CheckStatus.FAILED, detail)
    return Check("signature", CheckStatus.OK, f"valid, signed with {where} ({kid})")


def signature_state(doc: dict[str, Any], trust: Path) -> str:
    """One line on a report's signature for `report show`: none, invalid, pinned or not."""
    if doc.get("signature") is None:
        return "unsigned: a SELF-TEST, not a certification"
    check = _signature_check(doc, None, trust)
    return f"signature {check.status.value}: {check.detail}"


def fingerprint(public_key: Ed25519PublicKey) -> str:
    """The full SHA-256 of a public key, for comparing it out of band (its key id is the start)."""
    return "SHA256:" + hashlib.sha256(_raw(public_key)).hexdigest()


def _evidence_check(report: Report, folder: Path) -> Check:
    if report.evidence is None:
        return Check("evidence", CheckStatus.FAILED, "report names no evidence file")
    file = folder / report.evidence.file
    try:
        with file.open("rb") as fh:
            actual = hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError as exc:
        return Check("evidence", CheckStatus.FAILED, f"{file}: cannot read: {exc.strerror}")
    if actual != report.evidence.sha256:
        detail = f"{file} hashes to {actual}, report records {report.evidence.sha256}"
        return Check("evidence", CheckStatus.FAILED, detail)
    return Check("evidence", CheckStatus.OK, f"{file.name} matches the recorded SHA-256")


def _bundle_check(report: Report, bundle: str | Path | None) -> Check:
    recorded = report.bundle
    ref = f"{recorded.id}@{recorded.version}"
    if bundle is None:
        try:
            local = load_bundle(ref)
        except BundleError as exc:
            return Check("bundle", CheckStatus.WARNING, f"{ref} not checked: {exc}")
    else:
        local = load_bundle(bundle)  # a bundle the user named must load: BundleError, exit 2
    if local.sha256 != recorded.sha256 or (local.id, local.version) != (
        recorded.id,
        recorded.version,
    ):
        detail = (
            f"report was made with {ref} ({recorded.sha256}); "
            f"{local.ref} at {local.path} has {local.sha256}"
        )
        return Check("bundle", CheckStatus.FAILED, detail)
    return Check("bundle", CheckStatus.OK, f"{ref} at {local.path} matches the recorded SHA-256")


def verify_report(
    report_path: Path,
    public_key: Path | None = None,
    bundle: str | Path | None = None,
    *,
    trust: Path | None = None,
    integrity_only: bool = False,
) -> VerifyResult:
    """Check a saved report's signature, evidence hash and bundle hash, each by name.

    The signature counts only with a pinned key (PUBLIC_KEY or one in TRUST); INTEGRITY_ONLY
    skips it, checking the hashes alone.
    """
    file = report_path / "report.json" if report_path.is_dir() else report_path
    doc = _read_document(file)
    report = load_report(file)
    signature = (
        Check("signature", CheckStatus.SKIPPED, "not checked (--integrity-only)")
        if integrity_only
        else _signature_check(doc, public_key, trust or trust_dir())
    )
    checks = (signature, _evidence_check(report, file.parent), _bundle_check(report, bundle))
    return VerifyResult(report=file, checks=checks)
