"""Waivers: strict file format, expiry and unknown ids ignored with a warning, fail closed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from report_samples import result

from conform.errors import ConfigError
from conform.results import Status, Verdict, derive_verdict
from conform.waivers import Waiver, apply_waivers, load_waivers

TODAY = dt.date(2026, 11, 26)
KNOWN = {"CORE-001", "CORE-002", "QRY-001"}


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "waivers.yaml"
    path.write_text(text)
    return path


def _entry(requirement: str = "CORE-002", expires: str = "2026-12-31") -> str:
    return (
        f"- requirement: {requirement}\n  reason: vendor fix in 2.4\n"
        f"  approved_by: Sato\n  ticket: CITY-1\n  expires: {expires}\n"
    )


def test_valid_waiver_is_loaded(tmp_path: Path) -> None:
    waivers, warnings = load_waivers(_write(tmp_path, _entry()), TODAY, KNOWN)
    assert waivers == [
        Waiver("CORE-002", "vendor fix in 2.4", "Sato", "CITY-1", dt.date(2026, 12, 31))
    ]
    assert warnings == []


def test_waiver_is_valid_through_its_expiry_day(tmp_path: Path) -> None:
    path = _write(tmp_path, _entry(expires="2026-11-26"))
    assert len(load_waivers(path, TODAY, KNOWN)[0]) == 1
    waivers, warnings = load_waivers(path, TODAY + dt.timedelta(days=1), KNOWN)
    assert waivers == []
    assert warnings == ["waiver for CORE-002 expired on 2026-11-26; ignored"]


def test_unknown_requirement_is_ignored_with_a_warning(tmp_path: Path) -> None:
    waivers, warnings = load_waivers(_write(tmp_path, _entry("CORE-999")), TODAY, KNOWN)
    assert waivers == [] and warnings == ["waiver for unknown requirement CORE-999; ignored"]


@pytest.mark.parametrize(
    ("text", "named"),
    [
        (_entry().replace("  ticket: CITY-1\n", ""), "'ticket'"),
        (_entry().replace("2026-12-31", "next year"), "'expires'"),
        (_entry().replace("reason:", "reasons:"), "'reasons'"),
        ("requirement: CORE-002\n", "YAML list"),
        ("- [unclosed\n", "not valid YAML"),
    ],
)
def test_malformed_file_names_the_problem(tmp_path: Path, text: str, named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        load_waivers(_write(tmp_path, text), TODAY, KNOWN)


def test_only_failures_are_waived_and_verdict_becomes_conditional(tmp_path: Path) -> None:
    text = _entry() + _entry("QRY-001") + _entry("CORE-001")
    waivers, _ = load_waivers(_write(tmp_path, text), TODAY, KNOWN)
    results = (
        result("CORE-001", Status.PASSED),
        result("CORE-002", Status.FAILED, message="expected 201, got 500"),
    )
    waived = apply_waivers(results, waivers)
    assert [r.status for r in waived] == [Status.PASSED, Status.WAIVED]
    assert waived[1].waiver == waivers[0].to_dict()
    assert derive_verdict(results) is Verdict.NOT_CERTIFIED
    assert derive_verdict(waived) is Verdict.CONDITIONAL


def test_waivers_never_excuse_errors_or_skips(tmp_path: Path) -> None:
    waivers, _ = load_waivers(_write(tmp_path, _entry("QRY-001") + _entry()), TODAY, KNOWN)
    results = (result("QRY-001", Status.ERROR), result("CORE-002", Status.SKIPPED))
    assert apply_waivers(results, waivers) == results
    assert derive_verdict(apply_waivers(results, waivers)) is Verdict.INCOMPLETE


def test_expired_waiver_leaves_the_failure(tmp_path: Path) -> None:
    waivers, warnings = load_waivers(_write(tmp_path, _entry(expires="2025-01-01")), TODAY, KNOWN)
    results = apply_waivers((result("CORE-002", Status.FAILED),), waivers)
    assert derive_verdict(results) is Verdict.NOT_CERTIFIED and len(warnings) == 1
