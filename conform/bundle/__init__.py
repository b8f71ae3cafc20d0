"""Spec bundles: load by id, id@version or folder, validate strictly, hash their content."""

from __future__ import annotations

from conform.bundle.files import content_hash
from conform.bundle.load import (
    DEFAULT_BUNDLE,
    SPECS_PATH_ENV,
    find_bundles,
    inspect_folder,
    load_bundle,
    version_key,
)
from conform.bundle.model import Bundle, ConformanceClass, Requirement
from conform.errors import BundleError

__all__ = [
    "DEFAULT_BUNDLE",
    "SPECS_PATH_ENV",
    "Bundle",
    "BundleError",
    "ConformanceClass",
    "Requirement",
    "content_hash",
    "find_bundles",
    "inspect_folder",
    "load_bundle",
    "version_key",
]
