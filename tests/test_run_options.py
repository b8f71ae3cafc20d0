"""`conform run` options through the real CLI: signing, waivers, the regression gate, --lang.

Runs certify the reference server with a two-requirement bundle and tiny suites, so each one
takes seconds: CORE-001 always passes, CORE-002 passes, fails or errors depending on the suite.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from mini_run import CONFTEST, MINIMAL

from conform.i18n import t
from conform.reference import ReferenceServer
from conform.runner.output import check_report
from conform.signing import PASSPHRASE_ENV

PASSPHRASE = "correct horse battery staple"

_HEAD = """\
import pytest

from conform.suite import expect_status


@pytest.mark.req("CORE-001")
@pytest.mark.read_only
def test_query_answers(client):
    expect_status(client.get("/entities", params={"type": "Thing"}), 200)


@pytest.mark.req("CORE-002")
@pytest.mark.read_only
"""
# CORE-002's test in each suite: the reference server answers 200 to a query, 404 to a read of
# an entity that does not exist.
CORE_002 = {
    "passes": 'def test_x(client):\n    expect_status(client.get("/types"), 200)\n',
    "fails": (
        "def test_x(client, ns):\n"
        "    expect_status(client.get(f\"/entities/{ns.entity_id('Thing')}\"), 200)\n"
    ),
    "errors": 'def test_x(client):\n    raise RuntimeError("the test itself broke")\n',
}


def conform(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `python -m conform ARGS` as a user would (plain progress lines, as in CI logs)."""
    full = {k: v for k, v in os.environ.items() if k not in ("CI", PASSPHRASE_ENV)}
    return subprocess.run(
        [sys.executable, "-m", "conform", *args],
        capture_output=True, text=True, cwd=cwd, env={**full, **(env or {})}, timeout=300,
        check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bundle with two MUSTs (CORE-001, CORE-002) and one suite per CORE-002 outcome."""
    folder = tmp_path_factory.mktemp("options")
    bundle = folder / "bundle"
    shutil.copytree(MINIMAL, bundle)
    requirements = [
        {
            "id": rid, "title": title, "statement": {"en": f"{title}.", "ja": f"{title}。"},
            "level": "MUST", "class": "core-entities", "clause": "ETSI GS CIM 009 5.6.1",
        }
        for rid, title in (("CORE-001", "Query answers"), ("CORE-002", "Read answers 200"))
    ]  # fmt: skip
    (bundle / "requirements.yaml").write_text(yaml.safe_dump({"requirements": requirements}))
    for name, body in CORE_002.items():
        suite = folder / f"suite-{name}"
        suite.mkdir()
        (suite / "conftest.py").write_text(CONFTEST)
        (suite / "test_options.py").write_text(_HEAD + body)
    return folder


def certify(
    root: Path, core_002: str, out: Path, *options: str
) -> subprocess.CompletedProcess[str]:
    """Certify the reference server with the suite in which CORE-002 passes/fails/errors."""
    args = ["--bundle", str(root / "bundle"), "--suite", str(root / f"suite-{core_002}")]
    return conform("run", *args, "--out", str(out), "--seed", "5", *options, cwd=root)


def report(out: Path) -> dict[str, Any]:
    doc = json.loads((out / "report.json").read_text())
    assert check_report(doc) == []
    return doc


def status(doc: dict[str, Any], rid: str) -> str:
    reqs = doc["requirements"]
    assert isinstance(reqs, list)
    return str(next(r for r in reqs if r["id"] == rid)["status"])


@pytest.fixture(scope="module")
def passed_baseline(root: Path) -> Path:
    """A report in which CORE-002 passed (and the verdict is CERTIFIED)."""
    out = root / "baseline-passed"
    proc = certify(root, "passes", out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


@pytest.fixture(scope="module")
def failed_baseline(root: Path) -> Path:
    """A report in which CORE-002 already failed (NOT_CERTIFIED)."""
    out = root / "baseline-failed"
    proc = certify(root, "fails", out)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert status(report(out), "CORE-002") == "failed"
    return out


@pytest.fixture(scope="module")
def keys(root: Path) -> tuple[Path, Path]:
    """(private, public) key files made by `conform keys generate`."""
    proc = conform("keys", "generate", "keys", cwd=root, env={PASSPHRASE_ENV: PASSPHRASE})
    assert proc.returncode == 0, proc.stderr
    return root / "keys" / "conform-signing.key", root / "keys" / "conform-signing.pub"


def verify(out: Path, public: Path) -> subprocess.CompletedProcess[str]:
    return conform("report", "verify", str(out), "--public-key", str(public), cwd=out.parent)


def test_signed_run_verifies_and_any_change_breaks_it(
    root: Path, keys: tuple[Path, Path], passed_baseline: Path
) -> None:
    private, public = keys
    out = root / "signed"
    env = {PASSPHRASE_ENV: PASSPHRASE}
    args = ["--bundle", str(root / "bundle"), "--suite", str(root / "suite-passes")]
    args += ["--out", str(out), "--seed", "5", "--sign-key", str(private)]
    proc = conform("run", *args, cwd=root, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = report(out)
    assert doc["verdict"] == "CERTIFIED"
    assert isinstance(doc["signature"], dict) and doc["signature"]["algorithm"] == "ed25519"
    # every format shows it as signed; the unsigned baseline carries the self-test mark
    mark = t("self_test", "en")
    for name in ("report.html", "summary.md"):
        assert mark not in (out / name).read_text(), name
        assert mark in (passed_baseline / name).read_text(), name
    assert 'name="conform.signed" value="true"' in (out / "junit.xml").read_text()
    assert mark not in proc.stdout

    ok = verify(out, public)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "signature: ok" in ok.stdout and "report verified" in ok.stdout

    evidence = out / "evidence.jsonl"
    evidence.write_bytes(evidence.read_bytes() + b"\n")
    broken = verify(out, public)
    assert broken.returncode == 1
    assert "evidence: FAILED" in broken.stdout and "signature: ok" in broken.stdout

    evidence.write_bytes(evidence.read_bytes()[:-1])
    file = out / "report.json"
    file.write_text(file.read_text().replace('"seed": 5', '"seed": 6'))
    tampered = verify(out, public)
    assert tampered.returncode == 1
    assert "signature: FAILED" in tampered.stdout and "report NOT verified" in tampered.stdout


def test_wrong_passphrase_fails_before_the_run(root: Path, keys: tuple[Path, Path]) -> None:
    out = root / "never-signed"
    proc = certify(root, "passes", out, "--sign-key", str(keys[0]))
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        f"error: {PASSPHRASE_ENV} is not set: the signing key's passphrase comes from it"
    )
    assert not out.exists()


def _waivers(root: Path, expires: str) -> Path:
    file = root / f"waivers-{expires}.yaml"
    entry = {
        "requirement": "CORE-002", "reason": "fix scheduled", "approved_by": "K. Sato",
        "ticket": "CITY-42", "expires": expires,
    }  # fmt: skip
    file.write_text(yaml.safe_dump([entry]))
    return file


def test_waiver_turns_the_failure_into_conditional(root: Path) -> None:
    out = root / "waived"
    proc = certify(root, "fails", out, "--waivers", str(_waivers(root, "2099-12-31")))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = report(out)
    assert doc["verdict"] == "CONDITIONAL"
    assert status(doc, "CORE-002") == "waived"
    assert doc["waivers"] == [
        {
            "requirement": "CORE-002", "reason": "fix scheduled", "approved_by": "K. Sato",
            "ticket": "CITY-42", "expires": "2099-12-31",
        }
    ]  # fmt: skip
    for name in ("report.html", "summary.md"):
        assert "CITY-42" in (out / name).read_text(), name
    assert "CITY-42" in proc.stdout


def test_expired_waiver_is_ignored_with_a_warning(root: Path) -> None:
    out = root / "expired"
    proc = certify(root, "fails", out, "--waivers", str(_waivers(root, "2020-01-31")))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    doc = report(out)
    assert doc["verdict"] == "NOT_CERTIFIED"
    assert status(doc, "CORE-002") == "failed"
    assert doc["waivers"] == []
    warning = "waiver for CORE-002 expired on 2020-01-31; ignored"
    assert warning in doc["warnings"]
    assert f"warning: {warning}" in proc.stdout  # shown while the run starts


def test_regression_fails_the_gate(root: Path, passed_baseline: Path) -> None:
    out = root / "regressed"
    proc = certify(root, "fails", out, "--baseline", str(passed_baseline), "--fail-on-regression")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    doc = report(out)
    (line,) = [w for w in doc["warnings"] if "regression" in w]
    assert line.endswith("passed there, not now: CORE-002 (failed)")
    assert line in proc.stdout
    assert doc["options"]["fail_on_regression"] is True


def test_gate_passes_a_not_certified_run_without_regressions(
    root: Path, failed_baseline: Path
) -> None:
    out = root / "still-failing"
    proc = certify(root, "fails", out, "--baseline", str(failed_baseline), "--fail-on-regression")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = report(out)
    assert doc["verdict"] == "NOT_CERTIFIED"
    assert not [w for w in doc["warnings"] if "regression" in w]


def test_baseline_without_gate_lists_regressions_and_exits_by_verdict(
    root: Path, passed_baseline: Path
) -> None:
    out = root / "listed"
    proc = certify(root, "errors", out, "--baseline", str(passed_baseline))
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "passed there, not now: CORE-002 (error)" in proc.stdout


def test_gate_still_fails_closed_on_an_incomplete_run(root: Path, failed_baseline: Path) -> None:
    # CORE-002 failed in the baseline, so it is no regression; but an untested run proves nothing
    out = root / "incomplete"
    proc = certify(root, "errors", out, "--baseline", str(failed_baseline), "--fail-on-regression")
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert report(out)["verdict"] == "INCOMPLETE"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "- requirement: CORE-002\n  reason: x\n",
            "error: {file}: waiver #1: field 'approved_by' is missing or empty",
        ),
        ("requirement: [unclosed\n", "error: {file}: not valid YAML (line 2)"),
        ("requirement: CORE-002\n", "error: {file}: a waiver file is a YAML list of waivers"),
    ],
)
def test_bad_waiver_file_exits_2_before_anything_is_written(
    root: Path, tmp_path: Path, text: str, message: str
) -> None:
    file = tmp_path / "waivers.yaml"
    file.write_text(text)
    args = ["--bundle", str(root / "bundle"), "--suite", str(root / "suite-passes")]
    proc = conform("run", *args, "--waivers", str(file), cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(message.format(file=file))
    assert proc.stdout == ""
    assert not (tmp_path / "reports").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fail-on-regression"], "error: --fail-on-regression: needs --baseline"),
        (["--baseline", "nope"], "error: --baseline: nope: no such report file or folder"),
        (["--baseline", "bundle/bundle.yaml"], "error: bundle/bundle.yaml: not a conform report"),
        (["--waivers", "nope.yaml"], "error: --waivers: nope.yaml: file not found"),
        (["--sign-key", "nope.key"], "error: --sign-key: nope.key: file not found"),
    ],
)
def test_bad_option_files_exit_2(root: Path, args: list[str], message: str) -> None:
    out = root / "never"
    proc = certify(root, "passes", out, *args)
    assert proc.returncode == 2
    assert proc.stderr.startswith(message) and len(proc.stderr.splitlines()) == 1
    assert not out.exists()


@pytest.fixture
def server() -> Iterator[ReferenceServer]:
    with ReferenceServer(port=0) as srv:
        yield srv


def test_lang_defaults_to_the_system_files(root: Path, server: ReferenceServer) -> None:
    system = root / "system.yaml"
    system.write_text(f"name: city-ja\nurl: {server.url}\nlang: ja\n")
    base = ["--bundle", str(root / "bundle"), "--suite", str(root / "suite-passes")]
    ja = conform("run", *base, "--system", str(system), "--out", "ja", cwd=root)
    assert ja.returncode == 0, ja.stdout + ja.stderr
    assert report(root / "ja")["lang"] == "ja"
    assert t("self_test", "ja") in ja.stdout
    en = conform("run", *base, "--system", str(system), "--lang", "en", "--out", "en", cwd=root)
    assert en.returncode == 0, en.stdout + en.stderr
    assert report(root / "en")["lang"] == "en"
