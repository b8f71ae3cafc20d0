"""Every report format from the same model: verdict, every requirement, waivers, escaping."""

from __future__ import annotations

import json
import shlex
from dataclasses import replace
from pathlib import Path

import pytest
from junitparser import Error, Failure, JUnitXml, Skipped
from report_samples import NASTY, WAIVER, make_report, result, sample_exchanges

from conform.evidence import Exchange
from conform.report import Report
from conform.reporters import FILENAMES, ReportFormat, render, write_all
from conform.results import Status


@pytest.mark.parametrize("fmt", list(ReportFormat))
def test_every_format_names_verdict_requirements_and_waivers(fmt: ReportFormat) -> None:
    report = make_report()
    text = render(report, fmt, sample_exchanges()).decode()
    assert report.verdict.value == "NOT_CERTIFIED"
    assert "NOT_CERTIFIED" in text
    for r in report.requirements:
        assert r.id in text, f"{fmt}: {r.id} missing"
    assert WAIVER["ticket"] in text, f"{fmt}: waiver not listed"


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_write_all_writes_every_format_atomically(tmp_path: Path, lang: str) -> None:
    written = write_all(make_report(), tmp_path, sample_exchanges(), list(ReportFormat), lang)
    assert {p.name for p in written.values()} == set(FILENAMES.values())
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILENAMES.values())


def test_json_round_trips_to_the_same_report() -> None:
    report = make_report()
    again = Report.from_dict(json.loads(render(report, ReportFormat.JSON)))
    assert again == report
    assert again.requirements[2].waiver == WAIVER


@pytest.mark.parametrize(
    ("lang", "mark"),
    [
        ("en", "SELF-TEST — not a certification"),
        ("ja", "SELF-TEST 自己試験 — 認証ではありません"),
    ],
)
def test_html_is_escaped_localised_and_marks_unsigned_reports(lang: str, mark: str) -> None:
    page = render(make_report(), ReportFormat.HTML, sample_exchanges(), lang).decode()
    assert f'<html lang="{lang}">' in page
    assert mark in page
    assert "<script>alert" not in page and "&lt;script&gt;alert(&quot;x&quot;)" in page
    assert "http://" not in page.replace("http://127.0.0.1:1026", "").replace(
        "http://www.w3.org/2000/svg", ""
    ), "no network assets"
    assert page.count('data-status="') == len(make_report().requirements)
    assert "it&#x27;s &lt;broken&gt;" in page  # the failing response body, escaped
    assert "curl -i -X POST" in page
    assert page.count("<svg") == 3  # one bar per class


def test_html_of_a_signed_report_has_no_self_test_mark() -> None:
    signed = make_report(signature={"algorithm": "ed25519", "key_id": "0123abcd0123abcd"})
    page = render(signed, ReportFormat.HTML).decode()
    assert "SELF-TEST" not in page and "0123abcd0123abcd" in page


def test_junit_parses_with_counts_per_class() -> None:
    report = make_report()
    xml = JUnitXml.fromstring(render(report, ReportFormat.JUNIT))
    suites = {s.name: s for s in xml}
    assert set(suites) == {"core-entities", "query-pagination", "batch"}
    for name, suite in suites.items():
        mine = [r for r in report.requirements if r.cls == name]
        cases = list(suite)
        assert suite.tests == len(cases) == len(mine)
        assert suite.failures == sum(r.status is Status.FAILED for r in mine)
        assert suite.errors == sum(r.status is Status.ERROR for r in mine)
    kinds = {c.name.split()[0]: [type(x) for x in c.result] for s in xml for c in s}
    assert kinds == {
        "CORE-001": [],
        "CORE-002": [Failure],
        "CORE-003": [Skipped],
        "QRY-001": [Error],
        "QRY-002": [Failure],
        "BAT-001": [Skipped],
    }
    waived = next(c for s in xml for c in s if c.name.startswith("CORE-003"))
    assert waived.result[0].message.startswith("waived: fix scheduled")


def test_markdown_summary_lists_failed_musts_with_reasons() -> None:
    md = render(make_report(), ReportFormat.MARKDOWN).decode()
    assert "**NOT_CERTIFIED**" in md
    assert "SELF-TEST — not a certification" in md
    assert "- **CORE-002** Requirement CORE-002: expected status 201, got 500" in md
    failed_musts = md.split("### Failed MUST requirements")[1].split("###")[0]
    assert "QRY-002" not in failed_musts  # a SHOULD failure is not a failed MUST
    # root causes come first, SHOULD failures included (they are warnings to fix too)
    causes = md.split("### ")[1]
    assert causes.startswith("2 root causes") and "**QRY-002**" in causes, causes
    assert "| CITY-123 |" in md


def test_earl_assertions_and_outcomes() -> None:
    doc = json.loads(render(make_report(), ReportFormat.EARL))
    assert {"earl", "dct", "foaf"} <= set(doc["@context"])
    assertions = [n for n in doc["@graph"] if n.get("@type") == "earl:Assertion"]
    outcomes = {
        a["earl:test"]["dct:identifier"]: a["earl:result"]["earl:outcome"]["@id"]
        for a in assertions
    }
    assert outcomes == {
        "CORE-001": "earl:passed",
        "CORE-002": "earl:failed",
        "CORE-003": "earl:failed",
        "QRY-001": "earl:cantTell",
        "QRY-002": "earl:failed",
        "BAT-001": "earl:inapplicable",
    }
    assert all(a["earl:assertedBy"]["@id"] == "_:conform" for a in assertions)
    assert assertions[0]["earl:test"]["dct:source"] == "ETSI GS CIM 009 5.6.1"


def test_curl_command_repeats_the_recorded_request() -> None:
    argv = shlex.split(sample_exchanges()[1].curl())
    assert argv[:5] == ["curl", "-i", "-X", "POST", "http://127.0.0.1:1026/ngsi-ld/v1/entities"]
    assert "Authorization: [redacted]" in argv and "Content-Type: application/json" in argv
    body = json.loads(argv[argv.index("--data-raw") + 1])
    assert body == {"id": "urn:ngsi-ld:Streetlight:conform-1", "type": "Streetlight"}
    assert NASTY not in sample_exchanges()[0].curl()


def test_markdown_carries_no_raw_html_from_the_report() -> None:
    md = render(make_report(), ReportFormat.MARKDOWN).decode()
    assert "<script>" not in md
    assert '&lt;script&gt;alert("x")&lt;/script&gt; \\| a&amp;b' in md


def test_reporters_read_evidence_lines_back_into_the_recorded_exchange() -> None:
    recorded = Exchange(
        id="x000009",
        test="t",
        method="PATCH",
        url="http://127.0.0.1:1026/ngsi-ld/v1/entities/urn:x/attrs",
        request_headers={"Content-Type": "application/json"},
        request_body='{"a": 1}',
        status=204,
        error=None,
        duration_ms=1.5,
        started_at="2026-11-26T10:00:00Z",
    )
    again = Exchange.from_dict(recorded.to_dict())
    assert again == recorded and again.curl() == recorded.curl()


def test_markdown_lists_at_most_25_failed_musts() -> None:
    many = tuple(result(f"CORE-{n:03d}", Status.FAILED, message="got 500") for n in range(1, 31))
    md = render(make_report(results=many), ReportFormat.MARKDOWN).decode()
    failed_section = md.split("### Failed MUST requirements")[1].split("###")[0]
    assert failed_section.count("- **CORE-") == 25 and "- … +5 (report.html)" in failed_section


def test_markdown_names_leftovers() -> None:
    report = make_report(leftovers=("urn:ngsi-ld:T:conform-1 (DELETE answered 500)",))
    md = render(report, ReportFormat.MARKDOWN).decode()
    section = md.split("### Not cleaned up")[1].split("###")[0]
    assert "- `urn:ngsi-ld:T:conform-1 (DELETE answered 500)`" in section


@pytest.mark.parametrize("fmt", list(ReportFormat))
def test_every_format_flags_a_failed_security_requirement(fmt: ReportFormat) -> None:
    base = make_report()
    flagged = tuple(
        replace(r, security=True) if r.id == "CORE-002" else r for r in base.requirements
    )
    text = render(replace(base, requirements=flagged), fmt, sample_exchanges()).decode()
    plain = render(base, fmt, sample_exchanges()).decode()
    marker = {
        ReportFormat.JSON: '"security": true',
        ReportFormat.HTML: "Security findings (1): CORE-002",
        ReportFormat.MARKDOWN: "Security findings (1): CORE-002",
        ReportFormat.JUNIT: 'name="security" value="true"',
        ReportFormat.EARL: '"dct:subject": "security"',
    }[fmt]
    assert marker in text and marker not in plain
    if fmt in (ReportFormat.HTML, ReportFormat.MARKDOWN, ReportFormat.JUNIT):
        assert "[security] " in text or ">[security]<" in text


def test_terminal_flags_security_findings_first() -> None:
    from conform.reporters.terminal import report_lines

    base = make_report()
    flagged = tuple(
        replace(r, security=True) if r.id == "CORE-002" else r for r in base.requirements
    )
    lines = report_lines(replace(base, requirements=flagged), "ja", sample_exchanges())
    found = [i for i, line in enumerate(lines) if line.startswith("セキュリティ上の指摘（1 件）")]
    assert found and any("[セキュリティ] CORE-002" in line for line in lines)
