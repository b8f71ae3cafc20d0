"""The in-memory state: one space of entities and subscriptions per tenant (Fiware-Service)."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from conform.reference.ngsi_v2.entity import Entity
from conform.reference.ngsi_v2.errors import not_found, too_many_results
from conform.reference.ngsi_v2.syntax import in_scope
from conform.reference.store import now_iso

if TYPE_CHECKING:
    from conform.reference.ngsi_v2.subscription import Subscription


@dataclass
class Tenant:
    """One service's entities (keyed by service path, id, type) and subscriptions."""

    entities: dict[tuple[str, str, str], Entity] = field(default_factory=dict)
    subscriptions: dict[str, Subscription] = field(default_factory=dict)

    def find(self, entity_id: str, entity_type: str | None, scope: list[str]) -> list[Entity]:
        """The entities with this id (and type, when given) in the scope's service paths."""
        return [
            e
            for e in self.entities.values()
            if e.id == entity_id
            and (entity_type is None or e.type == entity_type)
            and in_scope(e.path, scope)
        ]

    def one(self, entity_id: str, entity_type: str | None, scope: list[str]) -> Entity:
        """The one entity the id (and type) names: 404 for none, 409 for several."""
        found = self.find(entity_id, entity_type, scope)
        if not found:
            raise not_found()
        if len(found) > 1:
            raise too_many_results()
        return found[0]

    def in_scope(self, scope: list[str]) -> list[Entity]:
        """Every entity in the scope's service paths, in creation order."""
        return [e for e in self.entities.values() if in_scope(e.path, scope)]


class TenantStore:
    """All tenants behind one re-entrant lock; handlers run holding it."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.tenants: dict[str, Tenant] = {}
        self._seq = itertools.count(1)

    def tenant(self, name: str) -> Tenant:
        """The tenant NAME ("" is the default service), created on first use."""
        return self.tenants.setdefault(name, Tenant())

    def add(self, tenant: Tenant, entity: Entity) -> None:
        """Store a new entity, stamping its creation."""
        entity.created = entity.modified = now_iso()
        entity.seq = next(self._seq)
        tenant.entities[(entity.path, entity.id, entity.type)] = entity

    @staticmethod
    def remove(tenant: Tenant, entity: Entity) -> None:
        """Forget an entity."""
        tenant.entities.pop((entity.path, entity.id, entity.type), None)
