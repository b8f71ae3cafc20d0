"""Sample reports and evidence for the reporter, signing, waiver and diff tests."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from conform.evidence import Exchange
from conform.report import BundleRef, EvidenceRef, Report, TargetInfo, write_atomic
from conform.reporters import ReportFormat, render
from conform.results import Level, RequirementResult, Status
from conform.signing import sign_report

NASTY = '<script>alert("x")</script> | a&b'

WAIVER = {
    "requirement": "CORE-003",
    "reason": "fix scheduled for release 2.4",
    "approved_by": "Strategy Dept. (Sato)",
    "ticket": "CITY-123",
    "expires": "2099-12-31",
}


def result(rid: str, status: Status, level: Level = Level.MUST, **kw: Any) -> RequirementResult:
    """A requirement result with a class derived from the id prefix."""
    cls = {"CORE": "core-entities", "QRY": "query-pagination", "BAT": "batch"}[rid.split("-")[0]]
    fields: dict[str, Any] = {
        "title": f"Requirement {rid}",
        "clause": "ETSI GS CIM 009 5.6.1",
        **kw,
    }
    return RequirementResult(id=rid, level=level, cls=cls, status=status, **fields)


def sample_results() -> tuple[RequirementResult, ...]:
    """Every status, a nasty message, Japanese text, evidence links and an inapplicable skip."""
    return (
        result(
            "CORE-001", Status.PASSED, title="エンティティ作成は 201 を返す", evidence=("x000001",)
        ),
        result(
            "CORE-002",
            Status.FAILED,
            message="expected status 201, got 500",
            evidence=("x000002",),
        ),
        result(
            "CORE-003",
            Status.WAIVED,
            message="expected header Location",
            waiver=WAIVER,
        ),
        result("QRY-001", Status.ERROR, message="connection refused", evidence=("x000003",)),
        result("QRY-002", Status.FAILED, Level.SHOULD, title=NASTY, message=NASTY),
        result("BAT-001", Status.SKIPPED, message="class not declared", applicable=False),
    )


def sample_evidence() -> list[dict[str, Any]]:
    """Three recorded exchanges as evidence.jsonl holds them: a pass, a failing POST, a refusal."""
    base = "http://127.0.0.1:1026/ngsi-ld/v1"
    common = {"duration_ms": 3.2, "started_at": "2026-11-26T10:00:00Z", "error": None}
    return [
        {
            **common,
            "id": "x000001",
            "test": "suites/city-os/test_core.py::test_create",
            "method": "GET",
            "url": f"{base}/entities/urn:ngsi-ld:Streetlight:1",
            "request": {"headers": {"Accept": "application/json"}, "body": None},
            "response": {
                "status": 200,
                "headers": {},
                "body": '{"id": "urn:ngsi-ld:Streetlight:1"}',
            },
        },
        {
            **common,
            "id": "x000002",
            "test": "suites/city-os/test_core.py::test_create",
            "method": "POST",
            "url": f"{base}/entities",
            "request": {
                "headers": {"Authorization": "[redacted]", "Content-Type": "application/json"},
                "body": json.dumps(
                    {"id": "urn:ngsi-ld:Streetlight:conform-1", "type": "Streetlight"}
                ),
            },
            "response": {
                "status": 500,
                "headers": {"Content-Type": "text/plain"},
                "body": "it's <broken>",
            },
        },
        {
            **common,
            "id": "x000003",
            "test": "suites/city-os/test_query.py::test_query",
            "method": "GET",
            "url": f"{base}/entities?type=Streetlight&limit=5",
            "request": {"headers": {}, "body": None},
            "response": None,
            "error": "ConnectionRefusedError: [Errno 111] Connection refused",
        },
    ]


def sample_exchanges() -> list[Exchange]:
    """The sample evidence as the run holds it in memory (what reporters take)."""
    return [Exchange.from_dict(x) for x in sample_evidence()]


def make_report(results: tuple[RequirementResult, ...] | None = None, **overrides: Any) -> Report:
    """A report over results (the sample ones by default), waiver listed."""
    report = Report(
        harness_version="0.1.0",
        bundle=BundleRef(id="city-os", version="1.0", sha256="ab" * 32),
        target=TargetInfo(
            name="Kashiwa City OS",
            url="http://127.0.0.1:1026",
            vendor="Example K.K.",
            product_version="2.3.1",
            declared_classes=("core-entities", "query-pagination"),
        ),
        seed=42,
        run_id="20261126T100000Z-ab12",
        started_at="2026-11-26T10:00:00Z",
        finished_at="2026-11-26T10:02:00Z",
        requirements=sample_results() if results is None else results,
        waivers=(WAIVER,),
    )
    return replace(report, **overrides)


def write_report_dir(
    folder: Path, report: Report, evidence: list[dict[str, Any]], key: Path | None = None
) -> Report:
    """Write evidence.jsonl and report.json (signed with key if given) the way a run does."""
    lines = "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in evidence).encode()
    write_atomic(folder / "evidence.jsonl", lines)
    ref = EvidenceRef("evidence.jsonl", hashlib.sha256(lines).hexdigest(), len(evidence))
    report = replace(report, evidence=ref)
    if key is not None:
        report = sign_report(report, key)
    write_atomic(folder / "report.json", render(report, ReportFormat.JSON))
    return report
