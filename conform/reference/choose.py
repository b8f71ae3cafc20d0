"""Which reference server speaks a bundle's protocol: the one named by its profile."""

from __future__ import annotations

from conform.bundle import Bundle
from conform.reference.ngsi_v2 import ReferenceServerV2
from conform.reference.server import ReferenceServer
from conform.reference.transport import BackgroundServer

_SERVERS: dict[str, type[ReferenceServer] | type[ReferenceServerV2]] = {
    "ngsi-ld": ReferenceServer,
    "ngsi-v2": ReferenceServerV2,
}


def for_bundle(bundle: Bundle, host: str = "127.0.0.1", port: int = 0) -> BackgroundServer:
    """The (unstarted) reference server for BUNDLE; BundleError for a profile none speaks."""
    server = _SERVERS.get(bundle.profile, ReferenceServer)  # ReferenceServer names the mismatch
    return server(bundle, host=host, port=port)
