"""`conform spec lint` with a suite: every MUST requirement no test covers is an error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from mini_run import make_bundle, make_suite

from conform.lint import Severity, lint_path, property_covered, suite_covered

# Covers every requirement of the mini bundle but CORE-003 (a MUST) and CORE-006 (a SHOULD).
PARTIAL = """\
import pytest


@pytest.mark.req("CORE-001", "CORE-002")
def test_a(client):
    pass


class TestMore:
    @pytest.mark.req("CORE-004")
    def test_b(self, client):
        pass


@pytest.mark.req("CORE-005", "BAT-001")
def test_c(client):
    pass
"""


def lint(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CONFORM_SPECS_PATH"}
    return subprocess.run(
        [sys.executable, "-m", "conform", "spec", "lint", *args],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    return make_bundle(tmp_path)


def test_uncovered_must_is_an_error_naming_the_requirement(bundle: Path, tmp_path: Path) -> None:
    suite = make_suite(tmp_path, PARTIAL)
    proc = lint(str(bundle), "--suite", str(suite))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines == [
        f"{bundle}/requirements.yaml:CORE-003: error: no test covers requirement CORE-003 "
        '(has no test) (hint: mark a suite test with @pytest.mark.req("CORE-003"))',
        "1 error, 0 warnings",
    ]


def test_fully_covered_suite_lints_clean(bundle: Path, tmp_path: Path) -> None:
    suite = make_suite(tmp_path, PARTIAL.replace('"CORE-004"', '"CORE-004", "CORE-003"'))
    proc = lint(str(bundle), "--suite", str(suite))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[-1] == "0 errors, 0 warnings"


def test_without_a_suite_coverage_is_not_checked(bundle: Path) -> None:
    # mini-city has no packaged suite: lint checks the bundle alone
    assert suite_covered(bundle) is None
    proc = lint(str(bundle))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_property_phase_requirements_count_as_covered(bundle: Path, tmp_path: Path) -> None:
    suite = make_suite(tmp_path, PARTIAL)
    covered = suite_covered(bundle, suite)
    assert covered is not None
    assert property_covered(bundle) and property_covered(bundle) <= covered
    assert {"CORE-001", "CORE-002", "CORE-004", "CORE-005", "BAT-001"} <= covered
    errors = [f for f in lint_path(bundle, covered) if f.severity is Severity.ERROR]
    assert [f.location for f in errors] == ["CORE-003"]


@pytest.mark.parametrize(
    ("target", "suite", "message"),
    [
        ("bundle", "nowhere", "error: --suite: {suite}: not a folder"),
        ("bundle/openapi.yaml", "suite", "error: --suite: {target} is not a bundle folder"),
    ],
)
def test_bad_suite_option_is_a_usage_error(
    bundle: Path, tmp_path: Path, target: str, suite: str, message: str
) -> None:
    make_suite(tmp_path, PARTIAL)
    target_path, suite_path = tmp_path / target, tmp_path / suite
    proc = lint(str(target_path), "--suite", str(suite_path))
    assert proc.returncode == 2
    assert proc.stderr.strip() == message.format(suite=suite_path, target=target_path)
