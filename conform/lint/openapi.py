"""OpenAPI checks: OAS 3.x meta-schema, local `$ref`s, media types, mandated error responses."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from jsonschema import Draft4Validator, Draft202012Validator
from jsonschema.exceptions import best_match

from conform.bundle.files import pointer_token, read_yaml
from conform.lint.findings import Finding, Severity
from conform.lint.media import media_type_problem
from conform.profiles import Profile, default_profile

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_MAX_MESSAGE = 200


def resolve_pointer(doc: Any, fragment: str) -> tuple[bool, Any]:
    """(found, value) of a URI-fragment JSON pointer in DOC."""
    node = doc
    for raw in unquote(fragment).split("/")[1:]:
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return False, None
    return True, node


def _walk_refs(node: Any, pointer: str) -> Iterator[tuple[str, str]]:
    """(pointer, ref) of every `$ref`, skipping literal examples and extensions."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield f"{pointer}/$ref", value
            elif key != "example" and not str(key).startswith("x-"):
                yield from _walk_refs(value, f"{pointer}/{pointer_token(key)}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _walk_refs(item, f"{pointer}/{index}")


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


class OpenApiLinter:
    """Collects the findings of one OpenAPI document."""

    def __init__(self, doc: dict[str, Any], file: Path, profile: Profile) -> None:
        self.doc, self.file, self.profile = doc, file, profile
        self.findings: list[Finding] = []
        self._files: dict[Path, Any] = {}

    def add(
        self, pointer: str, severity: Severity, code: str, message: str, hint: str = ""
    ) -> None:
        """Record one finding at POINTER."""
        self.findings.append(Finding(str(self.file), pointer, severity, code, message, hint))

    def run(self) -> list[Finding]:
        """All checks, in a stable order."""
        if self._meta_schema():
            self._refs()
            for pointer, path, method, op in self._operations():
                self._responses(pointer, path, method, op)
            self._media_types()
            self._problem_bodies()
        return self.findings

    def _meta_schema(self) -> bool:
        """Validate against the official OAS 3.0/3.1 JSON Schema; False if not OAS 3.x at all."""
        # schemathesis ships the official OAS meta-schemas; imported late, it is a heavy import.
        from schemathesis.specs.openapi.definitions import OPENAPI_30, OPENAPI_31

        version = str(self.doc.get("openapi", ""))
        if not re.match(r"^3\.[01]\.[0-9]+", version):
            msg = f"not an OpenAPI 3.0/3.1 document (openapi: {version or 'missing'})"
            self.add("/openapi", Severity.ERROR, "oas-version", msg, "start with `openapi: 3.0.3`")
            return False
        v30 = version.startswith("3.0")
        validator = Draft4Validator(OPENAPI_30) if v30 else Draft202012Validator(OPENAPI_31)
        for error in validator.iter_errors(self.doc):
            best = best_match([error]) if error.context else error
            pointer = "".join(f"/{pointer_token(p)}" for p in best.absolute_path)
            message = f"invalid OpenAPI {version}: {best.message[:_MAX_MESSAGE]}"
            self.add(pointer, Severity.ERROR, "oas-schema", message)
        return True

    def _refs(self) -> None:
        for pointer, ref in _walk_refs(self.doc, ""):
            target, _, fragment = ref.partition("#")
            if target.startswith(("http://", "https://", "//")):
                msg = f"remote $ref {ref!r}: a bundle must be self-contained"
                self.add(pointer, Severity.ERROR, "ref-remote", msg, "copy it into the bundle")
                continue
            doc = self._external(target) if target else self.doc
            if doc is None or not resolve_pointer(doc, fragment)[0]:
                hint = self._ref_hint(target, fragment)
                self.add(
                    pointer, Severity.ERROR, "ref-unresolved", f"unresolved $ref {ref!r}", hint
                )

    def _external(self, target: str) -> Any:
        path = (self.file.parent / target).resolve()
        if path not in self._files:
            self._files[path] = read_yaml(path)[0] if path.is_file() else None
        return self._files[path]

    def _ref_hint(self, target: str, fragment: str) -> str:
        if target:
            return f"is {target} in the same folder?"
        parent, _, name = unquote(fragment).rpartition("/")
        siblings = _as_dict(resolve_pointer(self.doc, parent)[1])
        close = difflib.get_close_matches(name, list(siblings), n=1)
        return f"did you mean '#{parent}/{close[0]}'?" if close else "nothing is defined there"

    def deref(self, node: Any) -> Any:
        """Follow local `$ref`s (a few hops); None if one does not resolve."""
        for _ in range(8):
            if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
                return node
            target, _, fragment = node["$ref"].partition("#")
            found, node = resolve_pointer(self.doc, fragment)
            if target or not found:
                return None
        return None

    def _operations(self) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
        """(pointer, path, method, operation) of every operation."""
        for path, item in _as_dict(self.doc.get("paths")).items():
            item = _as_dict(self.deref(item))
            for method in METHODS:
                if isinstance(item.get(method), dict):
                    yield f"/paths/{pointer_token(path)}/{method}", path, method, item[method]

    def _responses(self, pointer: str, path: str, method: str, op: dict[str, Any]) -> None:
        """The error responses the base standard mandates for this kind of operation."""
        responses = _as_dict(op.get("responses"))
        codes = {str(code).upper() for code in responses}

        def need(code: str, why: str, severity: Severity = Severity.ERROR) -> None:
            if code not in codes and f"{code[0]}XX" not in codes:
                msg = f"{method.upper()} {path} does not document {code} ({why})"
                hint = f"add a '{code}' response"
                self.add(f"{pointer}/responses", severity, f"missing-{code}", msg, hint)

        need("400", "any operation can receive a malformed request")
        if op.get("requestBody") is not None:
            need("415", "it takes a request body")
            need("411", "it takes a request body", Severity.WARNING)
        success = [self.deref(r) for code, r in responses.items() if str(code).startswith("2")]
        if any(_as_dict(r).get("content") for r in success):
            need("406", "it returns a body, so Accept is negotiated")
        if "{" in path and method in ("get", "put", "patch", "delete"):
            need("404", "it addresses one resource by id")

    def _content_holders(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Inline request bodies and responses, and those in components (each once)."""
        for pointer, _, _, op in self._operations():
            body = op.get("requestBody")
            if isinstance(body, dict) and "$ref" not in body:
                yield f"{pointer}/requestBody", body
            for code, response in _as_dict(op.get("responses")).items():
                if isinstance(response, dict) and "$ref" not in response:
                    yield f"{pointer}/responses/{pointer_token(code)}", response
        components = _as_dict(self.doc.get("components"))
        for kind in ("responses", "requestBodies"):
            for name, obj in _as_dict(components.get(kind)).items():
                yield f"/components/{kind}/{pointer_token(name)}", _as_dict(obj)

    def _media_types(self) -> None:
        for pointer, holder in self._content_holders():
            for media_type in _as_dict(holder.get("content")):
                problem = media_type_problem(str(media_type))
                if problem:
                    where = f"{pointer}/content/{pointer_token(media_type)}"
                    self.add(where, problem[0], "media-type", problem[1], problem[2])

    def _problem_bodies(self) -> None:
        """Warn once per error response (inline or component) without a ProblemDetails body."""
        seen: set[str] = set()
        for pointer, _, _, op in self._operations():
            for code, response in _as_dict(op.get("responses")).items():
                if str(code)[0] not in "45" or str(code) in self.profile.bodyless_errors:
                    continue
                ref = _as_dict(response).get("$ref")
                where = (
                    ref.partition("#")[2] if isinstance(ref, str) else f"{pointer}/responses/{code}"
                )
                resolved = _as_dict(self.deref(response))
                if where in seen or not resolved:
                    continue
                seen.add(where)
                content = _as_dict(resolved.get("content"))
                if not any(self._problem_like(m, media) for m, media in content.items()):
                    msg = f"error response {code} has no ProblemDetails body"
                    hint = "reference a ProblemDetails schema (RFC 7807: type, title, detail)"
                    self.add(where, Severity.WARNING, "problem-details", msg, hint)

    def _problem_like(self, media_type: str, media: Any) -> bool:
        if media_type.startswith("application/problem+json"):
            return True
        schema = _as_dict(media).get("schema")
        if "problem" in str(_as_dict(schema).get("$ref", "")).lower():
            return True
        props = _as_dict(_as_dict(self.deref(schema)).get("properties"))
        return "type" in props and bool({"title", "detail", "status"} & props.keys())


def check_openapi(doc: Any, file: Path, profile: Profile | None = None) -> list[Finding]:
    """All OpenAPI findings for DOC, read from FILE, for PROFILE (default: the default one).

    The profile says which error statuses carry no problem-details body (NGSI-LD 6.3).
    """
    if not isinstance(doc, dict):
        msg = "not an OpenAPI document (expected a mapping)"
        return [Finding(str(file), "", Severity.ERROR, "oas-version", msg)]
    return OpenApiLinter(doc, file, profile or default_profile()).run()
