"""Multi-instance attributes (CIM 009 4.5.5): instances of one attribute told apart by datasetId.

An attribute is stored as one instance (an object) or several (a list); the instance without
datasetId is the default instance. Writes address instances by datasetId.
"""

from __future__ import annotations

from typing import Any

Instance = dict[str, Any]


def instances(attr: Any) -> list[Instance]:
    """The attribute's instances as a list."""
    return list(attr) if isinstance(attr, list) else [attr]


def pack(items: list[Instance]) -> Any:
    """The stored form: a single instance as an object, several as a list."""
    return items[0] if len(items) == 1 else items


def find(attr: Any, dataset_id: str | None) -> int | None:
    """The index of the instance with DATASET_ID (None: the default instance), if any."""
    for index, instance in enumerate(instances(attr)):
        if instance.get("datasetId") == dataset_id:
            return index
    return None


def merge(current: Any, new: Any, overwrite: bool = True) -> tuple[Any, bool]:
    """CURRENT with NEW's instances written by datasetId, and whether one was kept (noOverwrite)."""
    items = instances(current)
    kept = False
    for instance in instances(new):
        index = find(items, instance.get("datasetId"))
        if index is None:
            items.append(instance)
        elif overwrite:
            items[index] = instance
        else:
            kept = True
    return pack(items), kept


def update(current: Any, new: Any) -> Any | None:
    """CURRENT with NEW's instances replaced by datasetId; None if one has no such instance."""
    items = instances(current)
    for instance in instances(new):
        index = find(items, instance.get("datasetId"))
        if index is None:
            return None
        items[index] = instance
    return pack(items)


def without(current: Any, dataset_id: str | None) -> tuple[Any, bool]:
    """CURRENT without the instance of DATASET_ID (None when it was the last), and if found."""
    items = instances(current)
    index = find(items, dataset_id)
    if index is None:
        return current, False
    del items[index]
    return (pack(items) if items else None), True
