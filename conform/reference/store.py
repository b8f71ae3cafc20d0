"""The thread-safe in-memory store: entities in insertion order, subscriptions, system times."""

from __future__ import annotations

import copy
import threading
from datetime import UTC, datetime
from typing import Any


def now_iso() -> str:
    """The current time as ISO 8601 UTC with milliseconds and a Z."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Store:
    """Entities and subscriptions behind one re-entrant lock.

    Request handlers run while holding `lock`, so a read-modify-write is atomic; the helper
    methods take the lock too so tests can preload and inspect data from another thread.
    """

    def __init__(self, tenant: str | None = None, lock: threading.RLock | None = None) -> None:
        self.tenant = tenant  # the NGSILD-Tenant whose data this is (None: the default tenant)
        self.lock = lock or threading.RLock()  # a server's tenants share one lock
        self.entities: dict[str, dict[str, Any]] = {}
        # system attributes kept apart so stored entities stay exactly what clients wrote:
        # times[entity id][""] is the entity's (createdAt, modifiedAt), [attr] an attribute's
        self.times: dict[str, dict[str, tuple[str, str]]] = {}
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.temporal: dict[str, dict[str, Any]] = {}  # id -> {id, type, attr: [instances]}

    def put_entity(self, entity: dict[str, Any]) -> None:
        """Insert or replace a normalized entity as is (no validation)."""
        with self.lock:
            self.entities[entity["id"]] = copy.deepcopy(entity)
            self.touch(entity["id"], [k for k in entity if k not in ("id", "type", "@context")])

    def remove_entity(self, entity_id: str) -> None:
        """Forget an entity and its system times."""
        with self.lock:
            self.entities.pop(entity_id, None)
            self.times.pop(entity_id, None)

    def touch(self, entity_id: str, attrs: list[str]) -> None:
        """Record that the entity and the named attributes were written now."""
        stamp = now_iso()
        with self.lock:
            times = self.times.setdefault(entity_id, {})
            for key in ["", *attrs]:
                created = times.get(key, (stamp, stamp))[0]
                times[key] = (created, stamp)

    def drop_times(self, entity_id: str, attr: str) -> None:
        """Forget the system times of a deleted attribute."""
        with self.lock:
            self.times.get(entity_id, {}).pop(attr, None)

    def snapshot(self) -> dict[str, Any]:
        """A deep copy of everything stored: {"entities": {id: entity}, "subscriptions": {...}}."""
        with self.lock:
            return copy.deepcopy({"entities": self.entities, "subscriptions": self.subscriptions})
