"""The pytest plugin of conform suites: fixtures, markers, and standalone `--conform-*` options.

`conform run` stashes a ready `SuiteContext` in `config.stash[CONTEXT]`; under plain pytest
the plugin builds one from the `--conform-*` options (default: the in-process reference server).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from conform.profiles import profile_for
from conform.suite.context import CONTEXT, SuiteContext
from conform.suite.expect import bind_profile
from conform.suite.receiver import NotificationReceiver

if TYPE_CHECKING:
    from conform.bundle import Bundle
    from conform.http import Client
    from conform.namespace import Namespace
    from conform.target import TargetConfig


def pytest_addoption(parser: pytest.Parser) -> None:
    """Options for running a suite with plain pytest."""
    group = parser.getgroup("conform", "conform certification suite")
    group.addoption("--conform-url", help="target root URL (default: in-process reference server)")
    group.addoption("--conform-system", help="system.yaml describing the target")
    group.addoption(
        "--conform-bundle",
        help="bundle id, id@version or folder (default: the one the suite folder is named after)",
    )
    group.addoption(
        "--conform-class", action="append", default=[], help="declare an optional class (repeat)"
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the markers suites use (pytest runs with --strict-markers)."""
    config.addinivalue_line("markers", "req(*ids): bundle requirement ids this test verifies")
    config.addinivalue_line("markers", "read_only: the test sends no write to the target")
    config.addinivalue_line(
        "markers",
        "serial: the test runs alone (it lists or counts the whole target)",
    )
    config.addinivalue_line(
        "markers",
        "timed: the test times notifications: it runs with other timed tests only, on its own "
        "entities, subscriptions and receiver",
    )


@pytest.fixture(scope="session")
def conform_context(request: pytest.FixtureRequest) -> Iterator[SuiteContext]:
    """The run's context: the runner's, or one built from the --conform-* options."""
    ctx = request.config.stash.get(CONTEXT, None)
    if ctx is not None:
        bind_profile(profile_for(ctx.bundle))
        yield ctx
        return
    from conform.suite.session import standalone_context  # heavy: only under plain pytest

    opt = request.config.getoption
    with standalone_context(
        url=opt("--conform-url"),
        system=opt("--conform-system"),
        bundle=opt("--conform-bundle") or _suite_bundle(request.session),
        classes=tuple(opt("--conform-class")),
    ) as ctx:
        bind_profile(profile_for(ctx.bundle))
        yield ctx


def _suite_bundle(session: pytest.Session) -> str:
    """The bundle the collected suite is named after (suites/<bundle-id>/), else the default."""
    from conform.bundle import DEFAULT_BUNDLE
    from conform.resources import specs_dir

    folders = {Path(item.path).parent.name for item in session.items}
    named = sorted(f for f in folders if (specs_dir() / f).is_dir())
    return named[0] if len(named) == 1 else DEFAULT_BUNDLE


@pytest.fixture(autouse=True)
def conform_applicable(request: pytest.FixtureRequest, conform_context: SuiteContext) -> None:
    """Under plain pytest, skip tests whose requirements are all in undeclared optional classes."""
    ids = [i for m in request.node.iter_markers("req") for i in m.args]
    known = {r.id: r.cls for r in conform_context.bundle.requirements}
    classes = {known[i] for i in ids if i in known}
    applies = {c.id for c in conform_context.bundle.classes if c.mandatory}
    applies |= set(conform_context.target.classes)
    if classes and not classes & applies:
        pytest.skip(f"optional class {', '.join(sorted(classes))} not declared")


@pytest.fixture
def client(conform_context: SuiteContext) -> Client:
    """The recording HTTP client; paths are relative to the profile's API root."""
    return conform_context.client


@pytest.fixture
def ns(conform_context: SuiteContext) -> Namespace:
    """The run's id namespace: every resource a test creates gets an id from here."""
    return conform_context.namespace


@pytest.fixture
def target(conform_context: SuiteContext) -> TargetConfig:
    """The system under test: declared classes, data models, callback host."""
    return conform_context.target


@pytest.fixture
def bundle(conform_context: SuiteContext) -> Bundle:
    """The spec bundle the run certifies against."""
    return conform_context.bundle


@pytest.fixture
def receiver(conform_context: SuiteContext) -> Iterator[NotificationReceiver]:
    """A fresh notification receiver on loopback for this test; stopped afterwards."""
    with conform_context.new_receiver() as rec:
        yield rec
