"""What every handler works with: the store, the model validators, settings and the notifier."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from conform.jsonld import ContextLibrary
from conform.reference.messages import Settings
from conform.reference.models import ModelValidators
from conform.reference.store import Store

if TYPE_CHECKING:
    from conform.reference.notifier import Notifier


@dataclass(frozen=True)
class Services:
    """The server's shared state, handed to every request handler."""

    store: Store
    models: ModelValidators
    settings: Settings
    notifier: Notifier
    contexts: ContextLibrary | None = None  # the bundle's JSON-LD contexts (jsonld-contexts)
