"""The in-memory reference city-OS server: the conformant baseline and default target."""

from __future__ import annotations

from conform.reference.server import ReferenceServer
from conform.reference.store import Store

__all__ = ["ReferenceServer", "Store"]
