"""Fixtures: one NGSI v2 reference server per session on a free loopback port, a v2 client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from reference_v2.helpers import V2

from conform.reference.ngsi_v2 import ReferenceServerV2
from reference.conftest import kind, receiver


@pytest.fixture(scope="session")
def server() -> Iterator[ReferenceServerV2]:
    """The v2 reference server under test, started on port 0."""
    with ReferenceServerV2() as srv:
        yield srv


@pytest.fixture
def v2(server: ReferenceServerV2) -> Iterator[V2]:
    """A client for the server's /v2 API."""
    client = V2(f"{server.url}/v2")
    yield client
    client.session.close()


__all__ = ["kind", "receiver", "server", "v2"]
