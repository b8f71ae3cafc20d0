"""A run's report in its language: class and requirement titles from the bundle, and the
suites' failure messages."""

from __future__ import annotations

from dataclasses import replace

from conform.bundle import Bundle, Requirement
from conform.i18n import failure_text, requirement_title
from conform.results import RequirementResult


def class_titles(bundle: Bundle, lang: str) -> dict[str, str]:
    """Class id -> the bundle's title for it in LANG (English when LANG has none)."""
    return {c.id: c.title.get(lang) or c.title.get("en") or c.id for c in bundle.classes}


def _title(req: Requirement, lang: str) -> str:
    return requirement_title(req.title, req.statement, lang, req.titles)


def localised(
    results: tuple[RequirementResult, ...], bundle: Bundle, lang: str
) -> tuple[RequirementResult, ...]:
    """RESULTS with each requirement's title and failure message in LANG."""
    if lang == "en":
        return results
    reqs = {r.id: r for r in bundle.requirements}
    return tuple(
        replace(
            r,
            title=_title(reqs[r.id], lang) if r.id in reqs else r.title,
            message=failure_text(r.message, lang),
        )
        for r in results
    )
