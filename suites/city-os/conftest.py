"""Makes plain `pytest suites/city-os [--conform-url URL]` work: the conform plugin's fixtures.

`pytest_plugins` is not allowed in a non-root conftest, so the plugin's hooks and fixtures are
imported here by name.
"""

from __future__ import annotations

from conform.suite.plugin import (
    bundle,
    client,
    conform_applicable,
    conform_context,
    ns,
    pytest_addoption,
    pytest_configure,
    receiver,
    target,
)

__all__ = [
    "bundle",
    "client",
    "conform_applicable",
    "conform_context",
    "ns",
    "pytest_addoption",
    "pytest_configure",
    "receiver",
    "target",
]
