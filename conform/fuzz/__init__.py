"""The property-based phase: schemathesis checks mapped onto the bundle's requirements."""

from __future__ import annotations

from conform.fuzz.checks import NOT_USED, PERMITTED_KEY, known_checks
from conform.fuzz.outcomes import PropertyResult
from conform.fuzz.phase import (
    DEFAULT_MAX_EXAMPLES,
    DEFAULT_WORKERS,
    FuzzSettings,
    PropertyPhase,
    run_property_phase,
)

__all__ = [
    "DEFAULT_MAX_EXAMPLES",
    "DEFAULT_WORKERS",
    "NOT_USED",
    "PERMITTED_KEY",
    "FuzzSettings",
    "PropertyPhase",
    "PropertyResult",
    "known_checks",
    "run_property_phase",
]
