"""W3C EARL 1.0 (Evaluation and Report Language) as JSON-LD, to aggregate with other tools."""

from __future__ import annotations

import json
from collections.abc import Sequence

from conform.evidence import Exchange
from conform.i18n import verdict_meaning
from conform.report import Report
from conform.reporters._common import waiver_text
from conform.results import RequirementResult, Status

CONTEXT = {
    "earl": "http://www.w3.org/ns/earl#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}

# A waived requirement still failed its test: the waiver is policy, stated in the description.
_OUTCOME = {
    Status.PASSED: "earl:passed",
    Status.FAILED: "earl:failed",
    Status.WAIVED: "earl:failed",
    Status.ERROR: "earl:cantTell",
    Status.BLOCKED: "earl:cantTell",  # not tested: its precondition failed (named in the text)
}


def _outcome(r: RequirementResult) -> str:
    if r.status is Status.SKIPPED:
        return "earl:untested" if r.applicable else "earl:inapplicable"
    return _OUTCOME[r.status]


def _description(r: RequirementResult) -> str:
    text = f"{r.status.value}: {r.message}".strip()
    if r.status is Status.WAIVED:
        text += f" — waived: {waiver_text(r.waiver or {})}"
    return text


def render(report: Report, evidence: Sequence[Exchange] = (), lang: str = "en") -> bytes:
    """The EARL JSON-LD document: one earl:Assertion per requirement."""
    b = report.bundle
    assertor = {
        "@id": "_:conform",
        "@type": ["earl:Assertor", "earl:Software"],
        "dct:title": "conform",
        "dct:hasVersion": report.harness_version,
    }
    subject = {
        "@id": report.target.url,
        "@type": "earl:TestSubject",
        "dct:title": report.target.name,
        "dct:hasVersion": report.target.product_version,
        "foaf:maker": report.target.vendor,
    }
    assertions = [
        {
            "@type": "earl:Assertion",
            "earl:assertedBy": {"@id": "_:conform"},
            "earl:subject": {"@id": report.target.url},
            "earl:mode": {"@id": "earl:automatic"},
            "earl:test": {
                "@id": f"urn:conform:{b.id}:{b.version}:{r.id}",
                "@type": "earl:TestRequirement",
                "dct:identifier": r.id,
                "dct:title": r.title,
                "dct:source": r.clause,
                **({"dct:subject": "security"} if r.security else {}),
            },
            "earl:result": {
                "@type": "earl:TestResult",
                "earl:outcome": {"@id": _outcome(r)},
                "dct:description": _description(r),
                "dct:date": {"@value": report.finished_at, "@type": "xsd:dateTime"},
            },
        }
        for r in report.requirements
    ]
    doc = {
        "@context": CONTEXT,
        "@id": f"urn:conform:run:{report.run_id}",
        "dct:title": f"conform {b.id}@{b.version} ({b.sha256})",
        "dct:description": f"{report.verdict.value}: {verdict_meaning(report.verdict)}"
        + ("" if report.signed else " Self-test — not a certification."),
        "dct:date": report.finished_at,
        "@graph": [assertor, subject, *assertions],
    }
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode()
