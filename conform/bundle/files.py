"""Reading bundle files: YAML with line numbers and duplicate-key checks, JSON, content hash."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml

from conform.errors import BundleError, ConformError

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _JsonLoader(_BaseLoader):
    """Safe YAML that yields JSON-compatible data: dates stay strings (reports are JSON)."""


_JsonLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def pointer_token(key: object) -> str:
    """Escape one JSON-pointer reference token (RFC 6901)."""
    return str(key).replace("~", "~0").replace("/", "~1")


def _line_map(node: yaml.Node, pointer: str, lines: dict[str, int], path: Path) -> None:
    """Record the line of every JSON pointer; reject duplicate keys, which YAML silently drops."""
    lines.setdefault(pointer, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = str(key.value)
            if name in seen:
                raise BundleError(f"{path}: line {key.start_mark.line + 1}: duplicate key {name!r}")
            seen.add(name)
            child = f"{pointer}/{pointer_token(name)}"
            lines[child] = key.start_mark.line + 1
            _line_map(value, child, lines, path)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _line_map(item, f"{pointer}/{index}", lines, path)


def read_text(path: Path, error: type[ConformError] = BundleError) -> str:
    """The file's text as UTF-8, or ERROR naming the file."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise error(f"{path}: file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path}: cannot read: {exc}") from exc


def read_yaml(path: Path) -> tuple[Any, dict[str, int]]:
    """Parse a YAML file into JSON-compatible data plus a map JSON pointer -> line number."""
    loader = _JsonLoader(read_text(path))
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        lines: dict[str, int] = {}
        _line_map(node, "", lines, path)
        return loader.construct_document(node), lines
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}" if mark else "?"
        raise BundleError(f"{path}: {where}: invalid YAML: {exc.problem or exc}") from exc
    except yaml.YAMLError as exc:
        raise BundleError(f"{path}: invalid YAML: {exc}") from exc
    finally:
        loader.dispose()


def read_json(path: Path, error: type[ConformError] = BundleError) -> Any:
    """Parse a JSON file, or raise ERROR naming the file and line."""
    try:
        return json.loads(read_text(path, error))
    except json.JSONDecodeError as exc:
        raise error(f"{path}: line {exc.lineno}: invalid JSON: {exc.msg}") from exc


def _is_hidden(relative: Path) -> bool:
    return any(part.startswith(".") or part == "__pycache__" for part in relative.parts)


def content_hash(folder: Path) -> str:
    """SHA-256 identity of a bundle folder, stable across operating systems.

    Canonical form: for every regular file below FOLDER, skipping any path with a component
    that starts with "." or equals "__pycache__", one line
    ``<sha256 hex of the file's bytes>  <POSIX path relative to FOLDER>\\n`` (two spaces, as
    sha256sum prints), lines sorted by path (by code point); the result is the SHA-256 hex of
    the UTF-8 encoding of those lines concatenated. A file counts as text when it has no NUL
    byte; its CRLF line ends are turned into LF before hashing, so a Windows checkout of a
    bundle hashes the same as a Unix one.
    """
    lines = []
    for path in folder.rglob("*"):
        relative = path.relative_to(folder)
        if not path.is_file() or _is_hidden(relative):
            continue
        data = path.read_bytes()
        if b"\0" not in data:
            data = data.replace(b"\r\n", b"\n")
        lines.append((relative.as_posix(), hashlib.sha256(data).hexdigest()))
    listing = "".join(f"{digest}  {name}\n" for name, digest in sorted(lines))
    return hashlib.sha256(listing.encode("utf-8")).hexdigest()
