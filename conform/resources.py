"""Where packaged data lives: bundles, suites and schemas, in a wheel or a source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent


def _data_dir(name: str) -> Path:
    """The installed copy (wheel: conform/_data/NAME) or the checkout's top-level folder."""
    installed = _PACKAGE / "_data" / name
    return installed if installed.is_dir() else _CHECKOUT / name


def specs_dir() -> Path:
    """Folder holding the published bundles, laid out as <bundle-id>/<version>/."""
    return _data_dir("specs")


def suites_dir() -> Path:
    """Folder holding the behavioural suites, one folder per bundle family."""
    return _data_dir("suites")


def schema_path(name: str) -> Path:
    """A JSON Schema the package publishes (e.g. report.schema.json)."""
    return _PACKAGE / "schemas" / name
