"""Safe fuzzing: generated ids are rewritten into the run's namespace; a guard refuses the rest."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from conform.profiles import Fuzzing

# Generated notification endpoints would make the target call random hosts: a closed loopback
# port (discard) keeps every notification local and harmless.
NOTIFICATION_SINK = "http://127.0.0.1:9/conform-fuzz"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class NamespaceLike(Protocol):
    """What the phase needs of the run's id namespace (`conform.namespace.Namespace`)."""

    def owns(self, resource_id: str) -> bool: ...

    def entity_id(self, type_name: str) -> str: ...

    def subscription_id(self) -> str: ...


@dataclass(frozen=True)
class IdPool:
    """A few namespace ids the generated requests share, so creates and updates meet.

    RULES: the profile's safe-fuzzing rules (which path parameters name resources, what to
    rewrite in bodies).
    """

    entities: tuple[str, ...]
    subscriptions: tuple[str, ...]
    rules: Fuzzing

    @classmethod
    def from_namespace(cls, namespace: NamespaceLike, rules: Fuzzing, size: int = 3) -> IdPool:
        """Draw `size` entity ids and `size` subscription ids from the namespace."""
        entities = tuple(namespace.entity_id("FuzzEntity") for _ in range(size))
        subscriptions = tuple(namespace.subscription_id() for _ in range(size))
        return cls(entities, subscriptions, rules)

    def for_parameter(self, name: str) -> tuple[str, ...] | None:
        """The ids a path parameter is drawn from, or None when it names no resource."""
        kind = self.rules.resource_parameters.get(name)
        if kind is None:
            return None
        return self.entities if kind == "entity" else self.subscriptions

    def all(self) -> tuple[str, ...]:
        """Every id of the pool."""
        return self.entities + self.subscriptions


def _pick(pool: Sequence[str], value: object) -> str:
    """Map a generated value onto a pool id, deterministically (no RNG, no hash seed)."""
    return pool[sum(json.dumps(value, default=str).encode()) % len(pool)]


def rewrite_body(path: str, body: Any, pool: IdPool) -> Any:
    """Return the body with every id it could create or change replaced by a pool id."""
    rules = pool.rules
    if path.startswith(rules.subscriptions):
        if not isinstance(body, dict):
            return body
        if path == rules.subscriptions:  # a create: never let the server choose a foreign id
            body = {**body, "id": body.get("id")}
        return _rewrite_subscription(body, pool)
    if path == rules.batch_delete and isinstance(body, list):
        return [_pick(pool.entities, item) if isinstance(item, str) else item for item in body]
    if isinstance(body, list):
        return [_rewrite_entity(item, pool) if isinstance(item, dict) else item for item in body]
    if isinstance(body, dict):
        return _rewrite_entity(body, pool)
    return body


def _rewrite_entity(entity: dict[str, Any], pool: IdPool) -> dict[str, Any]:
    entity = dict(entity)
    if "id" in entity:
        entity["id"] = _pick(pool.entities, entity["id"])
    key = pool.rules.context_key
    if isinstance(entity.get(key), str | list | dict):
        entity[key] = pool.rules.core_context
    return entity


def _rewrite_subscription(subscription: dict[str, Any], pool: IdPool) -> dict[str, Any]:
    generated_id = subscription.get("id")
    subscription = _rewrite_entity(subscription, pool)
    if "id" in subscription:
        # pick from the generated id, not the rewritten one: that holds the run's random id,
        # and the same seed must give the same requests
        subscription["id"] = _pick(pool.subscriptions, generated_id)
    return _with_sink(subscription, pool.rules.notification_uri)


def _with_sink(node: dict[str, Any], where: tuple[str, ...]) -> dict[str, Any]:
    """NODE with the member at WHERE (when its parents are objects) set to the sink."""
    head, *rest = where
    if not rest:
        return {**node, head: NOTIFICATION_SINK}
    child = node.get(head)
    if not isinstance(child, dict):
        return node
    return {**node, head: _with_sink(child, tuple(rest))}


def _body_ids(body: Any) -> Iterator[object]:
    """Every id a write body could create, change or delete."""
    items = body if isinstance(body, list) else [body]
    for item in items:
        if isinstance(item, dict) and "id" in item:
            yield item["id"]
        elif isinstance(item, str):
            yield item


def unsafe_reason(
    method: str, path_ids: Sequence[object], body: Any, namespace: NamespaceLike
) -> str | None:
    """Why a request must not be sent (a write touching an id outside the namespace), or None."""
    if method.upper() in SAFE_METHODS:
        return None
    for value in (*path_ids, *_body_ids(body)):
        if not isinstance(value, str) or not namespace.owns(value):
            return f"{method} would touch {value!r}, which is outside the run's namespace"
    return None
