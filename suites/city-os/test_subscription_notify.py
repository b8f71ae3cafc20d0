"""Subscriptions: a change of a watched entity reaches the subscriber as a Notification."""

from __future__ import annotations

import pytest

from conform.suite import expect_status

TYPE = "ConformProbe"


@pytest.mark.req("SUB-017")
def test_change_of_watched_entity_is_notified(client, ns, receiver):
    eid, sid = ns.entity_id(TYPE), ns.subscription_id()
    entity = {"id": eid, "type": TYPE, "temperature": {"type": "Property", "value": 20}}
    expect_status(client.post("/entities", json=entity), 201)
    subscription = {
        "id": sid,
        "type": "Subscription",
        "entities": [{"type": TYPE}],
        "watchedAttributes": ["temperature"],
        "notification": {"endpoint": {"uri": receiver.url, "accept": "application/json"}},
    }
    expect_status(client.post("/subscriptions", json=subscription), 201)
    patch = {"temperature": {"type": "Property", "value": 25}}
    expect_status(client.patch(f"/entities/{eid}/attrs", json=patch), 204)

    def changed(body: dict) -> bool:
        data = body.get("data") or []
        return body.get("subscriptionId") == sid and any(
            d.get("id") == eid and (d.get("temperature") or {}).get("value") == 25 for d in data
        )

    note = receiver.wait_for(changed)[0]
    assert note.get("type") == "Notification", (
        f"expected type Notification, got {note.get('type')!r}"
    )
    assert isinstance(note.get("id"), str) and ":" in note["id"], (
        f"expected a URI id, got {note.get('id')!r}"
    )
    assert isinstance(note.get("notifiedAt"), str), (
        f"expected notifiedAt date-time, got {note.get('notifiedAt')!r}"
    )
