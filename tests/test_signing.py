"""Signing keys, signed reports, and verification that names the check that failed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from report_samples import make_report, sample_evidence, write_report_dir

from conform.bundle import load_bundle
from conform.errors import BundleError, ConfigError
from conform.report import BundleRef, load_report
from conform.signing import (
    PASSPHRASE_ENV,
    CheckStatus,
    VerifyResult,
    generate_keys,
    sign_report,
    verify_report,
)


@pytest.fixture
def keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    monkeypatch.setenv(PASSPHRASE_ENV, "correct horse battery staple")
    return generate_keys(tmp_path / "keys")


@pytest.fixture
def city_os() -> BundleRef:
    bundle = load_bundle("city-os@1.0")
    return BundleRef(bundle.id, bundle.version, bundle.sha256)


@pytest.fixture
def signed_dir(tmp_path: Path, keys: tuple[Path, Path], city_os: BundleRef) -> Path:
    folder = tmp_path / "report"
    write_report_dir(folder, make_report(bundle=city_os), sample_evidence(), key=keys[0])
    return folder


def _status(result: VerifyResult) -> dict[str, CheckStatus]:
    return {c.name: c.status for c in result.checks}


def test_generated_private_key_is_encrypted_and_never_overwritten(keys: tuple[Path, Path]) -> None:
    private, public = keys
    assert b"BEGIN ENCRYPTED PRIVATE KEY" in private.read_bytes()
    assert b"BEGIN PUBLIC KEY" in public.read_bytes()
    with pytest.raises(ConfigError, match="refusing to overwrite"):
        generate_keys(private.parent)


def test_keys_need_the_passphrase_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    with pytest.raises(ConfigError, match=PASSPHRASE_ENV):
        generate_keys(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_wrong_passphrase_is_a_config_error(
    keys: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, "wrong")
    with pytest.raises(ConfigError, match="wrong passphrase"):
        sign_report(make_report(), keys[0])


def test_signature_fields(keys: tuple[Path, Path]) -> None:
    sig = sign_report(make_report(), keys[0]).signature
    assert sig is not None
    assert sig["algorithm"] == "ed25519" and len(sig["key_id"]) == 16
    assert set(sig) == {"algorithm", "public_key", "key_id", "value"}


def test_signed_report_verifies_with_pinned_key(signed_dir: Path, keys: tuple[Path, Path]) -> None:
    result = verify_report(signed_dir, public_key=keys[1])
    assert _status(result) == dict.fromkeys(("signature", "evidence", "bundle"), CheckStatus.OK)
    assert result.ok


def test_unpinned_key_fails_unless_trusted(
    signed_dir: Path, keys: tuple[Path, Path], tmp_path: Path
) -> None:
    """A valid signature proves nothing about who made it until the key is pinned."""
    trust = tmp_path / "trusted"
    result = verify_report(signed_dir / "report.json", trust=trust)
    assert _status(result)["signature"] is CheckStatus.FAILED
    assert "is not pinned" in result.checks[0].detail and str(trust) in result.checks[0].detail
    assert not result.ok
    trust.mkdir()
    (trust / "department.pub").write_bytes(keys[1].read_bytes())
    result = verify_report(signed_dir / "report.json", trust=trust)
    assert _status(result)["signature"] is CheckStatus.OK and result.ok
    assert f"the trusted key {trust / 'department.pub'}" in result.checks[0].detail


def test_integrity_only_skips_the_signer(signed_dir: Path, tmp_path: Path) -> None:
    result = verify_report(signed_dir, trust=tmp_path / "none", integrity_only=True)
    assert _status(result) == {
        "signature": CheckStatus.SKIPPED, "evidence": CheckStatus.OK, "bundle": CheckStatus.OK,
    }  # fmt: skip
    assert result.ok


def test_another_key_fails_the_signature(
    signed_dir: Path, tmp_path: Path, keys: tuple[Path, Path]
) -> None:
    _, other_public = generate_keys(tmp_path / "other")
    result = verify_report(signed_dir, public_key=other_public)
    assert _status(result)["signature"] is CheckStatus.FAILED and not result.ok


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('"status": "failed"', '"status": "passed"'),
        ('"verdict": "NOT_CERTIFIED"', '"verdict": "CERTIFIED"'),
        ('"seed": 42', '"seed": 43'),
    ],
)
def test_any_edit_of_report_json_fails_the_signature(
    signed_dir: Path, keys: tuple[Path, Path], old: str, new: str
) -> None:
    file = signed_dir / "report.json"
    text = file.read_text()
    assert old in text
    file.write_text(text.replace(old, new, 1))
    result = verify_report(signed_dir, public_key=keys[1])
    assert _status(result)["signature"] is CheckStatus.FAILED
    assert "modified" in result.checks[0].detail


def test_duplicate_keys_in_report_json_are_rejected(signed_dir: Path) -> None:
    file = signed_dir / "report.json"
    file.write_text(file.read_text().replace('"seed": 42', '"seed": 1, "seed": 42', 1))
    with pytest.raises(ConfigError, match="duplicate key"):
        verify_report(signed_dir)


def test_any_byte_of_evidence_fails_the_evidence_check(
    signed_dir: Path, keys: tuple[Path, Path]
) -> None:
    evidence = signed_dir / "evidence.jsonl"
    raw = bytearray(evidence.read_bytes())
    raw[100] ^= 0x01
    evidence.write_bytes(bytes(raw))
    result = verify_report(signed_dir, public_key=keys[1])
    assert _status(result) == {
        "signature": CheckStatus.OK,
        "evidence": CheckStatus.FAILED,
        "bundle": CheckStatus.OK,
    }


def test_missing_evidence_fails(signed_dir: Path) -> None:
    (signed_dir / "evidence.jsonl").unlink()
    assert _status(verify_report(signed_dir))["evidence"] is CheckStatus.FAILED


def test_unsigned_report_fails_the_signature_check(tmp_path: Path, city_os: BundleRef) -> None:
    write_report_dir(tmp_path, make_report(bundle=city_os), sample_evidence())
    result = verify_report(tmp_path)
    assert result.checks[0].detail == "report is not signed" and not result.ok


def test_edited_bundle_fails_the_bundle_check(
    signed_dir: Path, tmp_path: Path, keys: tuple[Path, Path]
) -> None:
    copy = tmp_path / "bundle-copy"
    shutil.copytree(load_bundle("city-os@1.0").path, copy)
    assert _status(verify_report(signed_dir, keys[1], bundle=copy))["bundle"] is CheckStatus.OK
    requirements = copy / "requirements.yaml"
    requirements.write_text(requirements.read_text() + "\n# edited\n")
    result = verify_report(signed_dir, keys[1], bundle=copy)
    assert _status(result)["bundle"] is CheckStatus.FAILED and not result.ok


def test_unknown_bundle_is_a_warning_unless_named(tmp_path: Path, keys: tuple[Path, Path]) -> None:
    unknown = BundleRef("no-such-bundle", "9.9", "00" * 32)
    write_report_dir(tmp_path, make_report(bundle=unknown), sample_evidence(), key=keys[0])
    result = verify_report(tmp_path, keys[1])
    assert _status(result)["bundle"] is CheckStatus.WARNING and result.ok
    with pytest.raises(BundleError):
        verify_report(tmp_path, keys[1], bundle="no-such-bundle@9.9")


def test_signed_report_loads_back_with_its_signature(signed_dir: Path) -> None:
    report = load_report(signed_dir)
    assert report.signed
    assert json.loads((signed_dir / "report.json").read_text())["signature"] == report.signature
