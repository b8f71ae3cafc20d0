"""Trust, driven through the CLI: a signature counts only with a pinned key; fingerprints;
the signature state in `report show`; JSON output and the regression gate for scripts."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from report_samples import make_report, result, write_report_dir

from conform.reference import ReferenceServer
from conform.results import Status
from conform.signing import PASSPHRASE_ENV
from conform.trust import TRUST_ENV

PASSPHRASE = "department passphrase for tests"


def cli(*args: str, cwd: Path, trust: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update({PASSPHRASE_ENV: PASSPHRASE, TRUST_ENV: str(trust)})
    return subprocess.run(
        [sys.executable, "-m", "conform", *args],
        capture_output=True, text=True, cwd=cwd, env=env, timeout=300, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, str]]:
    """(workspace, signed report folder, `keys generate` output) of a real signed run."""
    root = tmp_path_factory.mktemp("trust")
    keys = cli("keys", "generate", "keys", cwd=root, trust=root / "none")
    assert keys.returncode == 0, keys.stderr
    with ReferenceServer(port=0) as server:
        run = cli("run", "--url", server.url, "--class", "batch,subscriptions,discovery",
                  "--only", "CORE-001", "--sign-key", "keys/conform-signing.key", "--out", "signed",
                  cwd=root, trust=root / "none")  # fmt: skip
    assert run.returncode == 3, run.stdout + run.stderr  # --only: incomplete, but signed
    yield root, root / "signed", keys.stdout


def test_keys_generate_prints_the_fingerprint(signed: tuple[Path, Path, str]) -> None:
    _, folder, output = signed
    found = re.search(r"key id ([0-9a-f]{16}), fingerprint SHA256:([0-9a-f]{64})", output)
    assert found, output
    assert found.group(2).startswith(found.group(1))  # the key id is the fingerprint's start
    doc = json.loads((folder / "report.json").read_text())
    assert doc["signature"]["key_id"] == found.group(1)


def test_verify_needs_a_pinned_key(signed: tuple[Path, Path, str]) -> None:
    root, _, _ = signed
    bare = cli("report", "verify", "signed", cwd=root, trust=root / "none")
    assert bare.returncode == 1
    assert "is not pinned" in bare.stdout and bare.stdout.rstrip().endswith("report NOT verified")
    store = root / "store"
    store.mkdir()
    (store / "department.pub").write_bytes((root / "keys" / "conform-signing.pub").read_bytes())
    pinned = cli("report", "verify", "signed", cwd=root, trust=store)
    assert pinned.returncode == 0, pinned.stdout
    assert f"signed with the trusted key {store / 'department.pub'}" in pinned.stdout
    integrity = cli("report", "verify", "signed", "--integrity-only", cwd=root, trust=root / "n")
    assert integrity.returncode == 0
    assert integrity.stdout.rstrip().endswith("integrity verified (signer not checked)")
    as_json = cli("report", "verify", "signed", "--format", "json", cwd=root, trust=root / "n")
    doc = json.loads(as_json.stdout)
    assert as_json.returncode == 1 and doc["ok"] is False
    assert {c["name"]: c["status"] for c in doc["checks"]} == {
        "signature": "FAILED", "evidence": "ok", "bundle": "ok",
    }  # fmt: skip


def test_report_show_states_the_signature(signed: tuple[Path, Path, str], tmp_path: Path) -> None:
    root, folder, _ = signed
    shown = cli("report", "show", str(folder), cwd=root, trust=root / "none")
    assert shown.stdout.startswith("signature FAILED: signature valid but its key ")
    unsigned = tmp_path / "unsigned"
    write_report_dir(unsigned, make_report(), [])
    shown = cli("report", "show", str(unsigned), cwd=root, trust=root / "none")
    assert shown.stdout.startswith("unsigned: a SELF-TEST, not a certification\n")


def test_diff_json_and_regression_gate(tmp_path: Path) -> None:
    before, after = tmp_path / "before", tmp_path / "after"
    passed = (result("CORE-001", Status.PASSED), result("CORE-002", Status.PASSED))
    write_report_dir(before, make_report(requirements=passed), [])
    broke = (result("CORE-001", Status.FAILED), result("CORE-002", Status.PASSED))
    write_report_dir(after, make_report(requirements=broke), [])
    plain = cli("report", "diff", str(before), str(after), cwd=tmp_path, trust=tmp_path)
    assert plain.returncode == 0 and "regressions (1): CORE-001" in plain.stdout
    gate = cli("report", "diff", str(before), str(after), "--fail-on-regression",
               "--format", "json", cwd=tmp_path, trust=tmp_path)  # fmt: skip
    assert gate.returncode == 1
    doc = json.loads(gate.stdout)
    assert doc["regressions"] == ["CORE-001"] and doc["newly_failing"] == ["CORE-001"]
    held = cli("report", "diff", str(after), str(after), "--fail-on-regression",
               cwd=tmp_path, trust=tmp_path)  # fmt: skip
    assert held.returncode == 0
