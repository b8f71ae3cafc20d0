"""The run's namespace: id shapes, a thread-safe counter, and what the run owns."""

from __future__ import annotations

import threading

import pytest

from conform.errors import UsageError
from conform.namespace import Namespace


def test_ids_and_prefix() -> None:
    ns = Namespace.new("a1b2c3d4")
    assert ns.prefix == "conform-a1b2c3d4-"
    assert ns.entity_id("Streetlight") == "urn:ngsi-ld:Streetlight:conform-a1b2c3d4-1"
    assert ns.subscription_id() == "urn:ngsi-ld:Subscription:conform-a1b2c3d4-2"
    assert len(Namespace.new().run_id) == 8 and Namespace.new() != Namespace.new()


def test_counter_is_thread_safe() -> None:
    ns = Namespace.new("abcd1234")
    ids: list[str] = []
    threads = [
        threading.Thread(target=lambda: ids.extend(ns.entity_id("T") for _ in range(200)))
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 1600


@pytest.mark.parametrize(
    ("id_", "owned"),
    [
        ("urn:ngsi-ld:T:conform-a1b2c3d4-1", True),
        ("urn:ngsi-ld:T:conform-a1b2c3d4-x-y", True),
        ("conform-a1b2c3d4-not-a-uri", True),
        ("urn:ngsi-ld:T:conform-a1b2c3d5-1", False),  # another run
        ("urn:ngsi-ld:T:city-1", False),
        ("urn:ngsi-ld:conform-a1b2c3d4-1:T", False),  # not in the last segment
        ("urn:ngsi-ld:T:xconform-a1b2c3d4-1", False),
        ("urn:ngsi-ld:T:conform-a1b2c3d4-1/../city-1", False),
        ("urn:ngsi-ld:T:conform-a1b2c3d4-1%2F..", False),
        ("urn:ngsi-ld:T:conform-a1b2c3d4-1?x", False),
    ],
)
def test_owns(id_: str, owned: bool) -> None:
    assert Namespace("a1b2c3d4").owns(id_) is owned


def test_bad_run_id() -> None:
    with pytest.raises(UsageError, match="run id"):
        Namespace("Not Valid!")
