"""Fixtures: one reference server per session on a free loopback port, a client, a receiver."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import requests

from conform.reference import ReferenceServer
from reference.helpers import Receiver


@pytest.fixture(scope="session")
def server() -> Iterator[ReferenceServer]:
    """The reference server under test, started on port 0."""
    with ReferenceServer() as srv:
        yield srv


@pytest.fixture(scope="session")
def api(server: ReferenceServer) -> str:
    """The API root: <server>/ngsi-ld/v1."""
    return f"{server.url}/ngsi-ld/v1"


@pytest.fixture
def http() -> Iterator[requests.Session]:
    """A keep-alive client session."""
    with requests.Session() as session:
        yield session


@pytest.fixture
def kind() -> str:
    """A type used by this test only, so queries see only this test's entities."""
    return f"T{uuid.uuid4().hex[:12]}"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A running notification receiver."""
    rec = Receiver()
    rec.thread.start()
    yield rec
    rec.httpd.shutdown()
    rec.httpd.server_close()
    rec.thread.join()
