"""The property-based phase: schemathesis checks mapped onto the bundle's requirements."""

from __future__ import annotations

from conform.fuzz.checks import DEFAULT_CHECK_MAP, NOT_USED, PERMITTED_KEY
from conform.fuzz.outcomes import PropertyResult
from conform.fuzz.phase import (
    DEFAULT_MAX_EXAMPLES,
    DEFAULT_WORKERS,
    FuzzSettings,
    PropertyPhase,
    run_property_phase,
)

__all__ = [
    "DEFAULT_CHECK_MAP",
    "DEFAULT_MAX_EXAMPLES",
    "DEFAULT_WORKERS",
    "NOT_USED",
    "PERMITTED_KEY",
    "FuzzSettings",
    "PropertyPhase",
    "PropertyResult",
    "run_property_phase",
]
