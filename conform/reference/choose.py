"""Which reference server speaks a bundle's protocol: NGSI-LD by default, NGSI v2 for ngsi-v2."""

from __future__ import annotations

from conform.bundle import Bundle
from conform.reference.messages import API_BASE
from conform.reference.ngsi_v2 import ReferenceServerV2
from conform.reference.ngsi_v2.messages import API_BASE as V2_BASE
from conform.reference.server import ReferenceServer
from conform.reference.transport import BackgroundServer


def for_bundle(bundle: Bundle, host: str, port: int) -> tuple[BackgroundServer, str]:
    """The (unstarted) reference server for BUNDLE and the path its API lives under."""
    if bundle.manifest.get("profile") == "ngsi-v2":
        return ReferenceServerV2(bundle, host=host, port=port), V2_BASE
    return ReferenceServer(host=host, port=port), API_BASE
