"""Subscriptions: create, retrieve, list, update, delete, validation (SUB)."""

from __future__ import annotations

import pytest
from _v2 import expect_error, expires_soon, kind, subscribe

from conform.suite import expect_header, expect_status


def _read(client, sid):
    r = client.get(f"/subscriptions/{sid}")
    expect_status(r, 200)
    return r.json()


@pytest.mark.req("SUB-001")
def test_create_answers_201_with_location(client, ns, receiver):
    r = client.post(
        "/subscriptions",
        json={
            "subject": {"entities": [{"idPattern": ".*", "type": kind(ns)}]},
            "notification": {"http": {"url": receiver.url}},
            "expires": expires_soon(),
        },
    )
    expect_status(r, 201)
    expect_header(r, "Location")
    assert r.headers["Location"].startswith("/v2/subscriptions/"), r.headers["Location"]


@pytest.mark.req("SUB-002")
def test_retrieve(client, ns, receiver):
    sid = subscribe(client, receiver, kind(ns))
    got = _read(client, sid)
    assert got.get("id") == sid and got.get("status") == "active", f"got {got}"
    assert got["notification"]["http"]["url"] == receiver.url
    assert got["subject"]["entities"] == [{"idPattern": ".*", "type": kind(ns)}]


@pytest.mark.req("SUB-003")
def test_list(client, ns, receiver):
    sid = subscribe(client, receiver, kind(ns))
    found, offset, total = [], 0, None
    while True:
        r = client.get(
            "/subscriptions", params={"limit": 1000, "offset": offset, "options": "count"}
        )
        expect_status(r, 200)
        total = expect_header(r, "Fiware-Total-Count")
        page = r.json()
        found += [s.get("id") for s in page]
        if len(page) < 1000:
            break
        offset += 1000
    assert sid in found, "the subscription is not listed"
    assert int(total) >= 1


@pytest.mark.req("SUB-004")
def test_update(client, ns, receiver):
    sid = subscribe(client, receiver, kind(ns), description="before")
    r = client.patch(f"/subscriptions/{sid}", json={"description": "after", "throttling": 5})
    expect_status(r, 204)
    got = _read(client, sid)
    assert (got.get("description"), got.get("throttling")) == ("after", 5), f"got {got}"


@pytest.mark.req("SUB-005")
def test_delete(client, ns, receiver):
    sid = subscribe(client, receiver, kind(ns))
    expect_status(client.delete(f"/subscriptions/{sid}"), 204)
    expect_error(client.get(f"/subscriptions/{sid}"), 404, "NotFound")


@pytest.mark.req("SUB-006")
def test_invalid_subscription_is_400(client, ns):
    subject = {"entities": [{"idPattern": ".*", "type": kind(ns)}]}
    expect_error(client.post("/subscriptions", json={"subject": subject}), 400, "BadRequest")
    bad_url = {"subject": subject, "notification": {"http": {"url": "not a url"}}}
    expect_error(client.post("/subscriptions", json=bad_url), 400, "BadRequest")


@pytest.mark.req("SUB-007")
@pytest.mark.read_only
def test_unknown_subscription_is_404(client):
    expect_error(client.get("/subscriptions/000000000000000000000000"), 404, "NotFound")
