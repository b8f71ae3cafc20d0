"""Subscriptions class: CRUD, validation, and notifications delivered to a loopback receiver."""

from __future__ import annotations

import time
import uuid

from reference.helpers import eid, expect_problem, prop


def _sub(kind: str, endpoint: str, **members) -> dict:
    return {
        "id": f"urn:ngsi-ld:Subscription:{uuid.uuid4()}",
        "type": "Subscription",
        "entities": [{"type": kind}],
        "notification": {"endpoint": {"uri": endpoint}},
        **members,
    }


def _wait_for_status(http, url: str) -> dict:
    """Poll until the notifier has recorded the delivery outcome (bounded, not a timing test)."""
    for _ in range(200):
        body = http.get(url).json()
        if "status" in body["notification"]:
            return body
        time.sleep(0.02)
    return body


def test_create_retrieve_and_defaults(http, api, kind):
    """SUB-001, SUB-002, SUB-009, SUB-010."""
    body = _sub(kind, "http://127.0.0.1:9/x", watchedAttributes=["a"], q="a>1")
    created = http.post(f"{api}/subscriptions", json=body)
    assert created.status_code == 201
    assert created.headers["Location"] == f"/ngsi-ld/v1/subscriptions/{body['id']}"
    got = http.get(f"{api}/subscriptions/{body['id']}").json()
    for key in ("id", "type", "entities", "watchedAttributes", "q"):
        assert got[key] == body[key]
    assert got["notification"]["endpoint"]["uri"] == body["notification"]["endpoint"]["uri"]
    assert got["status"] == "active"
    assert "isActive" not in got
    generated = http.post(f"{api}/subscriptions", json={k: v for k, v in body.items() if k != "id"})
    assert generated.headers["Location"].startswith(
        "/ngsi-ld/v1/subscriptions/urn:ngsi-ld:Subscription:"
    )


def test_invalid_subscriptions(http, api, kind):
    """SUB-003, SUB-004, SUB-005, SUB-006, SUB-007, SUB-008."""
    body = _sub(kind, "http://127.0.0.1:9/x")
    assert http.post(f"{api}/subscriptions", json=body).status_code == 201
    expect_problem(http.post(f"{api}/subscriptions", json=body), 409, "AlreadyExists")
    expect_problem(
        http.get(f"{api}/subscriptions/urn:ngsi-ld:Subscription:none"), 404, "ResourceNotFound"
    )
    expect_problem(http.get(f"{api}/subscriptions/not-a-uri"), 400, "BadRequestData")
    fresh = _sub(kind, "http://127.0.0.1:9/x")
    bad_bodies = [
        {**fresh, "notification": {}},
        {**fresh, "notification": {"endpoint": None}},
        {**fresh, "expiresAt": "2001-01-01T00:00:00Z"},
        {k: v for k, v in fresh.items() if k != "entities"},
        {**fresh, "id": "not a uri"},
    ]
    for bad in bad_bodies:
        expect_problem(http.post(f"{api}/subscriptions", json=bad), 400, "BadRequestData")


def test_query_update_delete(http, api, kind):
    """SUB-011, SUB-012, SUB-013, SUB-014, SUB-015, SUB-016."""
    for _ in range(3):
        assert (
            http.post(f"{api}/subscriptions", json=_sub(kind, "http://127.0.0.1:9/x")).status_code
            == 201
        )
    page = http.get(f"{api}/subscriptions", params={"limit": 1, "count": "true"})
    assert page.status_code == 200
    assert len(page.json()) == 1
    assert int(page.headers["NGSILD-Results-Count"]) >= 3
    assert "next" in page.links
    body = _sub(kind, "http://127.0.0.1:9/x")
    assert http.post(f"{api}/subscriptions", json=body).status_code == 201
    url = f"{api}/subscriptions/{body['id']}"
    assert http.patch(url, json={"isActive": False}).status_code == 204
    assert http.get(url).json()["status"] == "paused"
    expect_problem(
        http.patch(url, json={"expiresAt": "2001-01-01T00:00:00Z"}), 400, "BadRequestData"
    )
    missing = f"{api}/subscriptions/urn:ngsi-ld:Subscription:none"
    expect_problem(http.patch(missing, json={"isActive": True}), 404, "ResourceNotFound")
    assert http.delete(url).status_code == 204
    expect_problem(http.delete(url), 404, "ResourceNotFound")


def test_notification_is_delivered_with_statistics(http, api, kind, receiver):
    """SUB-017, SUB-019, SUB-021: body, attribute projection and delivery statistics."""
    body = _sub(kind, receiver.url, watchedAttributes=["temperature"])
    body["notification"]["attributes"] = ["temperature"]
    assert http.post(f"{api}/subscriptions", json=body).status_code == 201
    entity_id = eid(kind)
    entity = {"id": entity_id, "type": kind, "temperature": prop(20), "name": prop("x")}
    assert http.post(f"{api}/entities", json=entity).status_code == 201
    (note,) = receiver.wait_for(1)
    assert note["id"].startswith("urn:ngsi-ld:Notification:")
    assert note["type"] == "Notification"
    assert note["subscriptionId"] == body["id"]
    assert note["notifiedAt"].endswith("Z")
    assert note["data"] == [{"id": entity_id, "type": kind, "temperature": prop(20)}]
    assert receiver.headers[0]["Content-Type"] == "application/json"
    stats = _wait_for_status(http, f"{api}/subscriptions/{body['id']}")["notification"]
    assert stats["timesSent"] == 1
    assert stats["status"] == "ok"
    assert stats["lastNotification"].endswith("Z")
    assert stats["lastSuccess"].endswith("Z")


def test_only_selected_changes_are_notified_in_key_values(http, api, kind, receiver):
    """SUB-018, SUB-020: other types and unwatched attributes send nothing."""
    body = _sub(kind, receiver.url, watchedAttributes=["temperature"])
    body["notification"]["format"] = "keyValues"
    assert http.post(f"{api}/subscriptions", json=body).status_code == 201
    entity_id = eid(kind)
    assert (
        http.post(
            f"{api}/entities", json={"id": entity_id, "type": kind, "name": prop("x")}
        ).status_code
        == 201
    )
    assert (
        http.post(
            f"{api}/entities", json={"id": eid(), "type": "Other", "temperature": prop(1)}
        ).status_code
        == 201
    )
    assert (
        http.post(f"{api}/entities/{entity_id}/attrs", json={"temperature": prop(5)}).status_code
        == 204
    )
    notes = receiver.wait_for(1)
    assert [n["data"] for n in notes] == [
        [{"id": entity_id, "type": kind, "name": "x", "temperature": 5}]
    ]


def test_paused_subscription_is_silent(http, api, kind, receiver):
    """SUB-022: a paused subscription sends nothing; a later active one proves delivery works."""
    paused = _sub(kind, receiver.url, isActive=False)
    assert http.post(f"{api}/subscriptions", json=paused).status_code == 201
    entity_id = eid(kind)
    assert (
        http.post(f"{api}/entities", json={"id": entity_id, "type": kind, "a": prop(1)}).status_code
        == 201
    )
    active = _sub(kind, receiver.url)
    assert http.post(f"{api}/subscriptions", json=active).status_code == 201
    assert http.patch(f"{api}/entities/{entity_id}/attrs", json={"a": prop(2)}).status_code == 204
    notes = receiver.wait_for(1)
    assert [n["subscriptionId"] for n in notes] == [active["id"]]
