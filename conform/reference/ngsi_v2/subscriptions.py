"""Handlers of /v2/subscriptions (the subscription model is `subscription.Subscription`)."""

from __future__ import annotations

import copy
import secrets
from typing import Any

from conform.reference.ngsi_v2.errors import bad_request, not_found
from conform.reference.ngsi_v2.messages import Reply, Request, Services
from conform.reference.ngsi_v2.query import page
from conform.reference.ngsi_v2.subscription import STATS, Subscription


def _body(r: Request) -> dict[str, Any]:
    if not isinstance(r.body, dict):
        raise bad_request("the payload must be a JSON object")
    notification = r.body.get("notification")
    for key in (*STATS, "id"):
        if key in r.body or (isinstance(notification, dict) and key in notification):
            raise bad_request(f"{key} is set by the server")
    return copy.deepcopy(r.body)


def create(s: Services, r: Request) -> Reply:
    """POST /v2/subscriptions."""
    sub = Subscription(secrets.token_hex(12), _body(r), r.scope())
    sub.compile()
    r.tenant.subscriptions[sub.id] = sub
    return Reply.empty(201, [("Location", f"/v2/subscriptions/{sub.id}")])


def query(s: Services, r: Request) -> Reply:
    """GET /v2/subscriptions (only those of exactly the Fiware-ServicePath, when sent)."""
    limit, offset = page(r.query, s.settings.page_size, s.settings.max_limit)
    subs = list(r.tenant.subscriptions.values())
    if r.service_path is not None:
        subs = [x for x in subs if x.scope == r.scope()]
    body = [x.render() for x in subs[offset : offset + limit]]
    headers = [("Fiware-Total-Count", str(len(subs)))] if "count" in r.options() else []
    return Reply.json(body, headers=headers)


def _one(r: Request) -> Subscription:
    sub = r.tenant.subscriptions.get(r.params["subscriptionId"])
    if sub is None:
        raise not_found("The requested subscription has not been found. Check id")
    return sub


def retrieve(s: Services, r: Request) -> Reply:
    """GET /v2/subscriptions/{subscriptionId}."""
    return Reply.json(_one(r).render())


def update(s: Services, r: Request) -> Reply:
    """PATCH /v2/subscriptions/{subscriptionId}: the fields sent replace the stored ones."""
    sub = _one(r)
    changes = _body(r)
    stats = {k: v for k, v in sub.doc["notification"].items() if k in STATS}
    merged = Subscription(sub.id, {**copy.deepcopy(sub.doc), **changes}, sub.scope)
    merged.compile()
    if "notification" in changes:
        merged.doc["notification"].update(stats)
    sub.doc, sub.selectors, sub.filter = merged.doc, merged.selectors, merged.filter
    return Reply.empty()


def delete(s: Services, r: Request) -> Reply:
    """DELETE /v2/subscriptions/{subscriptionId}."""
    r.tenant.subscriptions.pop(_one(r).id)
    return Reply.empty()
