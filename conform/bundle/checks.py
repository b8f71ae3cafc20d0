"""Structural checks of bundle.yaml and requirements.yaml, shared by loading and lint."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conform.bundle.model import TARGET_FACTS, ConformanceClass, Requirement
from conform.profiles import DEFAULT_PROFILE, known_profiles, load_profile
from conform.results import Level

BUNDLE_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
VERSION_RE = re.compile(r"^[0-9]+(\.[0-9]+)*$")
CLASS_ID_RE = re.compile(r"^[a-z][a-z0-9-]*$")
REQ_ID_RE = re.compile(r"^[A-Z]{2,5}-[0-9]{3}$")
CHECK_RE = re.compile(r"^[a-z][a-z0-9_]*$")  # a schemathesis check name
PARTS = ("openapi", "requirements", "models")


class Text(dict):
    """Marker kind for a localised text field: {en: ..., ja: ...}."""


_EXPECTED: dict[type, str] = {str: "a string", dict: "a mapping", list: "a list"}


@dataclass(frozen=True)
class Problem:
    """One structural defect: file, `line N` (or JSON pointer), message."""

    file: Path
    location: str
    message: str
    code: str
    warning: bool = False  # lint reports it; loading does not refuse the bundle for it

    def render(self) -> str:
        """One line naming file, place and defect."""
        return f"{self.file}: {self.location}: {self.message}"


@dataclass
class _Checker:
    """Collects problems of one YAML file, locating them by line when known."""

    file: Path
    lines: dict[str, int]
    problems: list[Problem] = field(default_factory=list)

    def add(self, pointer: str, message: str, code: str, warning: bool = False) -> None:
        line = self.lines.get(pointer)
        location = f"line {line}" if line else (pointer or "line 1")
        self.problems.append(Problem(self.file, location, message, code, warning))

    def get(self, obj: dict[str, Any], key: str, kind: type, pointer: str, what: str) -> Any:
        """obj[key] if present and of KIND, else record a problem and return None.

        KIND `Text` means a mapping language -> text that has at least English.
        """
        value = obj.get(key)
        if value is None or value == "" or value == [] or value == {}:
            self.add(pointer, f"{what}: missing required field {key!r}", "missing-field")
            return None
        if kind is Text:
            if isinstance(value, dict) and isinstance(value.get("en"), str):
                return value
            msg = f"{what}: {key!r} must be a mapping with at least an 'en' text"
        elif isinstance(value, kind):
            return value
        else:
            hint = ' (quote it, e.g. "1.0")' if key == "version" else ""
            msg = f"{what}: {key!r} must be {_EXPECTED[kind]}{hint}"
        self.add(f"{pointer}/{key}", msg, "bad-field")
        return None


def check_manifest(data: Any, file: Path, lines: dict[str, int]) -> tuple[list[Problem], dict]:
    """Problems of bundle.yaml and its parsed fields (classes as ConformanceClass tuple)."""
    chk = _Checker(file, lines)
    if not isinstance(data, dict):
        chk.add("", "bundle.yaml must be a mapping of manifest fields", "bad-manifest")
        return chk.problems, {}
    got: dict[str, Any] = {}
    fields = [("id", str), ("version", str), ("title", Text), ("publisher", str)]
    for key, kind in [*fields, ("published", str), ("base_standard", dict), ("parts", dict)]:
        got[key] = chk.get(data, key, kind, "", "bundle")
    if got["id"] and not BUNDLE_ID_RE.match(got["id"]):
        chk.add("/id", f"bundle id {got['id']!r} must match {BUNDLE_ID_RE.pattern}", "bad-id")
    if got["version"] and not VERSION_RE.match(got["version"]):
        chk.add("/version", f"version {got['version']!r} must be numbers and dots", "bad-version")
    if got["base_standard"]:
        for key in ("name", "version"):
            chk.get(got["base_standard"], key, str, "/base_standard", "base_standard")
    if got["parts"]:
        for key in PARTS:
            chk.get(got["parts"], key, str, "/parts", "parts")
    got["classes"] = _classes(chk, chk.get(data, "classes", list, "", "bundle") or [])
    got["profile"] = _profile(chk, data.get("profile", DEFAULT_PROFILE))
    got["checks"] = _checks(chk, data.get("checks"))
    return chk.problems, got


def _profile(chk: _Checker, name: Any) -> str | None:
    """The protocol profile the bundle speaks (conform/profiles/<name>.py)."""
    known = known_profiles()
    if name in known:
        return str(name)
    chk.add(
        "/profile", f"unknown profile {name!r} (known profiles: {', '.join(known)})", "bad-profile"
    )
    return None


def _checks(chk: _Checker, data: Any) -> dict[str, str] | None:
    """`checks:` — property-based check name -> requirement id it verifies (None: the profile's)."""
    if data is None:
        return None
    if not isinstance(data, dict) or not data:
        chk.add(
            "/checks", "checks: expected a mapping of check name to requirement id", "bad-checks"
        )
        return None
    checks: dict[str, str] = {}
    for name, req_id in data.items():
        if not isinstance(name, str) or not CHECK_RE.match(name):
            chk.add("/checks", f"checks: {name!r} is not a check name", "bad-checks")
        elif not isinstance(req_id, str) or not REQ_ID_RE.match(req_id):
            msg = f"checks.{name}: {req_id!r} is not a requirement id (e.g. ERR-021)"
            chk.add(f"/checks/{name}", msg, "bad-checks")
        else:
            checks[name] = req_id
    return checks


def check_check_map(
    checks: dict[str, str] | None,
    requirements: tuple[Requirement, ...],
    chk_file: Path,
    lines: dict[str, int],
) -> list[Problem]:
    """`checks:` naming a requirement requirements.yaml does not have."""
    known = {r.id for r in requirements}
    chk = _Checker(chk_file, lines)
    for name, req_id in (checks or {}).items():
        if req_id not in known:
            msg = f"checks.{name}: requirement {req_id} is not in requirements.yaml"
            chk.add(f"/checks/{name}", msg, "unknown-requirement")
    return chk.problems


def _classes(chk: _Checker, items: list[Any]) -> tuple[ConformanceClass, ...]:
    classes: list[ConformanceClass] = []
    for index, item in enumerate(items):
        pointer = f"/classes/{index}"
        if not isinstance(item, dict):
            chk.add(pointer, "class must be a mapping {id, title, mandatory}", "bad-class")
            continue
        cid = chk.get(item, "id", str, pointer, f"class #{index + 1}")
        title = chk.get(item, "title", Text, pointer, f"class {cid}")
        mandatory = item.get("mandatory")
        if not isinstance(mandatory, bool):
            chk.add(pointer, f"class {cid}: 'mandatory' must be true or false", "bad-class")
        needs = _fact(chk, item, "needs", pointer, f"class {cid}")
        if cid and not CLASS_ID_RE.match(cid):
            chk.add(f"{pointer}/id", f"class id {cid!r} must match {CLASS_ID_RE.pattern}", "bad-id")
        elif cid in {c.id for c in classes}:
            chk.add(f"{pointer}/id", f"duplicate class id {cid!r}", "duplicate-id")
        elif cid and title and isinstance(mandatory, bool):
            classes.append(ConformanceClass(cid, dict(title), mandatory, needs))
    return tuple(classes)


def _fact(chk: _Checker, item: dict[str, Any], key: str, pointer: str, what: str) -> str | None:
    """ITEM's KEY naming a target fact (absent: None)."""
    value = item.get(key)
    if value is None or value in TARGET_FACTS:
        return value
    facts = ", ".join(TARGET_FACTS)
    msg = f"{what}: {key} {value!r} is not a target fact ({facts})"
    chk.add(f"{pointer}/{key}", msg, "bad-type")
    return None


def check_requirements(
    data: Any, file: Path, lines: dict[str, int], class_ids: set[str], profile: str | None = None
) -> tuple[list[Problem], tuple[Requirement, ...]]:
    """Problems of requirements.yaml and the requirements that are well-formed (clauses cited
    in a form of PROFILE, the bundle's protocol profile)."""
    chk = _Checker(file, lines)
    cites = load_profile(profile if profile in known_profiles() else DEFAULT_PROFILE)
    forms = [re.compile(form) for form in cites.clause_forms]
    items = data.get("requirements") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        chk.add("", "expected a mapping with a non-empty list 'requirements'", "bad-requirements")
        return chk.problems, ()
    found: dict[str, Requirement] = {}
    for index, item in enumerate(items):
        pointer = f"/requirements/{index}"
        if not isinstance(item, dict):
            chk.add(pointer, "requirement must be a mapping", "bad-requirement")
            continue
        rid = chk.get(item, "id", str, pointer, f"requirement #{index + 1}")
        what = f"requirement {rid or '#' + str(index + 1)}"
        fields = {k: chk.get(item, k, str, pointer, what) for k in ("level", "clause")}
        # a title is English text (1.0) or a mapping language -> text with at least English
        title = item.get("title")
        titles = chk.get(item, "title", Text if isinstance(title, dict) else str, pointer, what)
        fields["class"] = chk.get(item, "class", str, pointer, what)
        statement = chk.get(item, "statement", Text, pointer, what)
        if rid and not REQ_ID_RE.match(rid):
            chk.add(
                f"{pointer}/id",
                f"malformed requirement id {rid!r} (expected e.g. CORE-001)",
                "bad-id",
            )
            rid = None
        elif rid in found:
            chk.add(f"{pointer}/id", f"duplicate requirement id {rid!r}", "duplicate-id")
            rid = None
        level = fields["level"]
        if level and level not in Level.__members__:
            chk.add(
                f"{pointer}/level",
                f"{what}: level {level!r} must be MUST, SHOULD or MAY",
                "bad-level",
            )
            level = None
        cls = fields["class"]
        if cls and cls not in class_ids:
            known = ", ".join(sorted(class_ids)) or "none"
            chk.add(
                f"{pointer}/class",
                f"{what}: unknown class {cls!r} (classes: {known})",
                "unknown-class",
            )
            cls = None
        clause = fields["clause"]
        if clause and not any(form.match(clause) for form in forms):
            msg = f"{what}: clause {clause!r} has no clause number (e.g. {cites.clause_example!r})"
            chk.add(f"{pointer}/clause", msg, "clause-number", warning=True)
        security = item.get("security", False)
        if not isinstance(security, bool):
            chk.add(f"{pointer}/security", f"{what}: 'security' must be true or false", "bad-type")
        applies_when = _fact(chk, item, "applies_when", pointer, what)
        if rid and level and cls and statement and titles and fields["clause"]:
            titles = dict(titles) if isinstance(titles, dict) else {"en": titles}
            found[rid] = Requirement(
                rid, titles["en"], dict(statement), Level(level), cls, fields["clause"], titles,
                security is True, applies_when,
            )  # fmt: skip
    _check_title_languages(chk, items)
    return chk.problems, tuple(found.values())


def _check_title_languages(chk: _Checker, items: list[Any]) -> None:
    """Once one requirement titles itself in a language, every requirement should: a report in
    that language would otherwise mix the bundle's titles with cut-off statements."""
    titles = [item.get("title") if isinstance(item, dict) else None for item in items]
    langs = sorted({lang for t in titles if isinstance(t, dict) for lang in t} - {"en"})
    for index, (item, title) in enumerate(zip(items, titles, strict=True)):
        missing = [lang for lang in langs if not (isinstance(title, dict) and title.get(lang))]
        if missing and title:
            what = f"requirement {item.get('id') or '#' + str(index + 1)}"
            msg = f"{what}: no {', '.join(missing)} title (other requirements have one)"
            chk.add(f"/requirements/{index}/title", msg, "title-language", warning=True)
