"""Makes plain `pytest suites/city-os-v2 [--conform-url URL]` work: the conform plugin's fixtures.

`conform_context` is the runner's when `conform run` provides one; otherwise, until the
protocol-profile seam is merged, `_standalone` builds an NGSI v2 context (see there).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from conform.suite.context import SuiteContext
from conform.suite.plugin import (
    CONTEXT,
    bundle,
    client,
    conform_applicable,
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


@pytest.fixture(scope="session")
def conform_context(request: pytest.FixtureRequest) -> Iterator[SuiteContext]:
    """The run's context: the runner's, or an NGSI v2 one built from the --conform-* options."""
    ctx = request.config.stash.get(CONTEXT, None)
    if ctx is not None:
        yield ctx
        return
    from _standalone import standalone_v2_context

    opt = request.config.getoption
    chosen = opt("--conform-bundle")
    with standalone_v2_context(
        url=opt("--conform-url"),
        system=opt("--conform-system"),
        bundle="city-os-v2" if chosen == "city-os" else chosen,  # the plugin's default is v1's
        classes=tuple(opt("--conform-class")),
    ) as ctx:
        yield ctx


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
