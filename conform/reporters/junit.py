"""junit.xml: one test case per requirement, one test suite per conformance class."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from conform.evidence import Exchange
from conform.report import Report
from conform.reporters._common import (
    evidence_index,
    exchange_text,
    failing_exchange,
    security_tag,
    waiver_text,
)
from conform.results import RequirementResult, Status

# JUnit has no "waived" nor "blocked": CI tools show skipped cases with their message (a blocked
# one names its blocker, which is a failure of its own), which is what we want.
_CHILD = {
    Status.FAILED: "failure",
    Status.ERROR: "error",
    Status.BLOCKED: "skipped",
    Status.SKIPPED: "skipped",
    Status.WAIVED: "skipped",
}
_AS_SKIPPED = (Status.BLOCKED, Status.SKIPPED, Status.WAIVED)


def render(report: Report, evidence: Sequence[Exchange] = (), lang: str = "en") -> bytes:
    """The JUnit XML document for a report."""
    root = ET.Element("testsuites", name=f"conform {report.bundle.id} {report.bundle.version}")
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    index = evidence_index(evidence)
    by_test: dict[str, float] = {}
    total_time = 0.0
    for x in evidence:
        by_test[x.test] = by_test.get(x.test, 0.0) + x.duration_ms
    for cls in report.counts_by_class():
        results = [r for r in report.requirements if r.cls == cls]
        suite = ET.SubElement(root, "testsuite", name=cls, timestamp=report.started_at)
        _properties(suite, report)
        counts = {
            "tests": len(results),
            "failures": sum(r.status is Status.FAILED for r in results),
            "errors": sum(r.status is Status.ERROR for r in results),
            "skipped": sum(r.status in _AS_SKIPPED for r in results),
        }
        for key, n in counts.items():
            suite.set(key, str(n))
            totals[key] += n
        seconds = [_seconds(r, by_test, index) for r in results]
        suite.set("time", f"{sum(seconds):.3f}")
        total_time += sum(seconds)
        for r, time in zip(results, seconds, strict=True):
            _testcase(suite, r, report.bundle.id, index).set("time", f"{time:.3f}")
    for key, n in totals.items():
        root.set(key, str(n))
    root.set("time", f"{total_time:.3f}")
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _properties(suite: ET.Element, report: Report) -> None:
    props = ET.SubElement(suite, "properties")
    values = {
        "conform.verdict": report.verdict.value,
        "conform.signed": str(report.signed).lower(),
        "conform.target": report.target.url,
        "conform.bundle": f"{report.bundle.id}@{report.bundle.version}",
        "conform.bundle_sha256": report.bundle.sha256,
        "conform.seed": str(report.seed),
        "conform.run_id": report.run_id,
    }
    for w in report.waivers:
        values[f"conform.waiver.{w.get('requirement')}"] = waiver_text(w)
    for name, value in values.items():
        ET.SubElement(props, "property", name=name, value=value)


def _seconds(r: RequirementResult, by_test: dict[str, float], index: dict[str, Exchange]) -> float:
    """Time the requirement's tests spent on the wire (its own exchanges when it has no test)."""
    if r.tests:
        return sum(by_test.get(t, 0.0) for t in r.tests) / 1000
    return sum(index[e].duration_ms for e in r.evidence if e in index) / 1000


def _testcase(
    suite: ET.Element, r: RequirementResult, bundle_id: str, index: dict[str, Exchange]
) -> ET.Element:
    case = ET.SubElement(
        suite, "testcase", name=f"{r.id} {r.title}", classname=f"{bundle_id}.{r.cls}"
    )
    tag = _CHILD.get(r.status)
    if tag is None:
        return case
    if r.security:
        props = ET.SubElement(case, "properties")
        ET.SubElement(props, "property", name="security", value="true")
    message = r.message
    if r.status is Status.WAIVED:
        message = f"waived: {waiver_text(r.waiver or {})}; {r.message}"
    message = security_tag(r, "en") + message
    child = ET.SubElement(case, tag, message=message.strip().splitlines()[0] if message else "")
    if tag != "skipped":
        child.set("type", r.level.value)
    exchange = failing_exchange(r, index) if tag != "skipped" else None
    child.text = message + (f"\n\n{exchange_text(exchange)}" if exchange else "")
    return case
