"""The in-memory NGSI v2 reference server (FIWARE Orion behaviour): the city-os-v2 baseline."""

from __future__ import annotations

from conform.reference.ngsi_v2.server import ReferenceServerV2

__all__ = ["ReferenceServerV2"]
