"""Makes plain `pytest suites/city-os-v2 [--conform-url URL]` work: the conform plugin's fixtures.

`pytest_plugins` is not allowed in a non-root conftest, so the plugin's hooks and fixtures are
imported here by name. Without --conform-bundle the plugin runs the bundle this folder is named
after (city-os-v2) on its NGSI v2 reference server.
"""

from __future__ import annotations

import sys
from pathlib import Path

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

# `conform run` imports suites with --import-mode=importlib, which puts no folder on sys.path;
# this one goes there so test modules can share helpers (`from _v2 import ...`).
_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

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
