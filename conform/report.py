"""The report model: what a run decided, serialised as report.json; files written atomically."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from conform.errors import ConfigError
from conform.files import write_atomic  # noqa: F401  (re-exported: where it used to live)
from conform.results import (
    Level,
    RequirementResult,
    RootCause,
    Status,
    Verdict,
    derive_verdict,
    root_causes,
)

SCHEMA_VERSION = "1"


@dataclass(frozen=True)
class BundleRef:
    """The bundle a run was made with, named by its content hash."""

    id: str
    version: str
    sha256: str
    class_titles: dict[str, str] = field(default_factory=dict)  # in the report's language


@dataclass(frozen=True)
class TargetInfo:
    """The system under test as the report names it (never its credentials)."""

    name: str
    url: str
    vendor: str = ""
    product_version: str = ""
    declared_classes: tuple[str, ...] = ()
    data_models: tuple[str, ...] = ()


@dataclass(frozen=True)
class EvidenceRef:
    """The evidence file beside the report and its hash (signed with the report)."""

    file: str
    sha256: str
    exchanges: int


@dataclass(frozen=True)
class Report:
    """One run's record. The verdict is derived from the results, never stored beside them."""

    harness_version: str
    bundle: BundleRef
    target: TargetInfo
    seed: int
    run_id: str
    started_at: str
    finished_at: str
    requirements: tuple[RequirementResult, ...]
    evidence: EvidenceRef | None = None
    options: dict[str, Any] = field(default_factory=dict)
    leftovers: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    waivers: tuple[dict[str, Any], ...] = ()
    interrupted: bool = False
    lang: str = "en"
    signature: dict[str, str] | None = None

    @property
    def verdict(self) -> Verdict:
        """Fail-closed verdict over the requirement results."""
        return derive_verdict(self.requirements, interrupted=self.interrupted)

    @property
    def signed(self) -> bool:
        """Whether the report carries a signature (unsigned ones are self-tests)."""
        return self.signature is not None

    def root_causes(self) -> tuple[RootCause, ...]:
        """The failures grouped by what explains them, most explaining first (derived)."""
        return root_causes(self.requirements)

    def counts(self) -> Counter[Status]:
        """Number of requirements per status."""
        return Counter(r.status for r in self.requirements)

    def counts_by_class(self) -> dict[str, Counter[Status]]:
        """Number of requirements per status, for each conformance class in bundle order."""
        out: dict[str, Counter[Status]] = {}
        for r in self.requirements:
            out.setdefault(r.cls, Counter())[r.status] += 1
        return out

    def problems(self) -> list[RequirementResult]:
        """Requirements that failed, were blocked or errored, MUSTs first."""
        shown = (Status.FAILED, Status.BLOCKED, Status.ERROR)
        bad = [r for r in self.requirements if r.status in shown]
        return sorted(bad, key=lambda r: (r.level is not Level.MUST, r.id))

    def security_findings(self) -> list[RequirementResult]:
        """Security requirements (the bundle's `security: true`) that failed or were waived."""
        found = (Status.FAILED, Status.WAIVED)
        return [r for r in self.requirements if r.security and r.status in found]

    def class_title(self, cls_id: str) -> str:
        """A conformance class as readers know it: its bundle title, else its id."""
        return self.bundle.class_titles.get(cls_id) or cls_id

    def with_signature(self, signature: dict[str, str] | None) -> Report:
        """A copy carrying (or stripped of) a signature."""
        return replace(self, signature=signature)

    def to_dict(self, *, include_signature: bool = True) -> dict[str, Any]:
        """The report.json document (the verdict included, derived)."""
        doc: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "verdict": self.verdict.value,
            "harness": {"version": self.harness_version},
            "bundle": {k: v for k, v in asdict(self.bundle).items() if v or k != "class_titles"},
            "target": {
                **asdict(self.target),
                "declared_classes": list(self.target.declared_classes),
                "data_models": list(self.target.data_models),
            },
            "seed": self.seed,
            "run_id": self.run_id,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "interrupted": self.interrupted,
            "lang": self.lang,
            "options": self.options,
            "evidence": asdict(self.evidence) if self.evidence else None,
            "summary": {s.value: n for s, n in sorted(self.counts().items())},
            "root_causes": [
                {"requirement": c.requirement, "message": c.message, "explains": list(c.explains)}
                for c in self.root_causes()
            ],
            "requirements": [_result_to_dict(r) for r in self.requirements],
            "leftovers": list(self.leftovers),
            "warnings": list(self.warnings),
            "waivers": list(self.waivers),
        }
        if include_signature and self.signature is not None:
            doc["signature"] = self.signature
        return doc

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Report:
        """Rebuild a report from report.json (the stored verdict is recomputed, not trusted)."""
        target = dict(doc["target"])
        target["declared_classes"] = tuple(target.get("declared_classes", ()))
        target["data_models"] = tuple(target.get("data_models", ()))
        evidence = doc.get("evidence")
        return cls(
            harness_version=doc["harness"]["version"],
            bundle=BundleRef(**doc["bundle"]),
            target=TargetInfo(**target),
            seed=doc["seed"],
            run_id=doc["run_id"],
            started_at=doc["started_at"],
            finished_at=doc["finished_at"],
            requirements=tuple(_result_from_dict(r) for r in doc["requirements"]),
            evidence=EvidenceRef(**evidence) if evidence else None,
            options=doc.get("options", {}),
            leftovers=tuple(doc.get("leftovers", ())),
            warnings=tuple(doc.get("warnings", ())),
            waivers=tuple(doc.get("waivers", ())),
            interrupted=doc.get("interrupted", False),
            lang=doc.get("lang", "en"),
            signature=doc.get("signature"),
        )


def _result_to_dict(r: RequirementResult) -> dict[str, Any]:
    return {
        "id": r.id,
        "title": r.title,
        "level": r.level.value,
        "class": r.cls,
        "clause": r.clause,
        "applicable": r.applicable,
        "status": r.status.value,
        "message": r.message,
        "evidence": list(r.evidence),
        "tests": list(r.tests),
        "waiver": r.waiver,
        "blocked_by": r.blocked_by or None,
        "security": r.security,
    }


def _result_from_dict(d: dict[str, Any]) -> RequirementResult:
    return RequirementResult(
        id=d["id"],
        title=d["title"],
        level=Level(d["level"]),
        cls=d["class"],
        clause=d["clause"],
        status=Status(d["status"]),
        message=d.get("message", ""),
        evidence=tuple(d.get("evidence", ())),
        tests=tuple(d.get("tests", ())),
        applicable=d.get("applicable", True),
        waiver=d.get("waiver"),
        blocked_by=d.get("blocked_by") or "",
        security=d.get("security", False),
    )


def load_report(path: Path) -> Report:
    """Read a report.json (or the folder holding one); ConfigError names the file on failure."""
    file = path / "report.json" if path.is_dir() else path
    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
        return Report.from_dict(doc)
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read report: {exc.strerror}") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{file}: not a conform report: {exc}") from exc


def canonical_json(doc: Any) -> bytes:
    """The canonical bytes of a JSON document (sorted keys, no spaces, UTF-8): what is signed."""
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
