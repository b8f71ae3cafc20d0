"""Answers the standard allows but the reference server does not give keep their verdict `passed`.

Each row puts a proxy in front of the reference server that rewrites its answers into another
legitimate form (the clause that allows it at the row) and certifies only the requirements it
touches: every one of them must pass.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from conform.cli import app
from faults.proxy import API, Context, FaultProxy, Hooks, Req, Resp

pytestmark = pytest.mark.slow  # a certification run per form (~20 s in all)


@dataclass(frozen=True)
class Form:
    """A legitimate answer form and the requirements that must still pass with it."""

    name: str
    requirements: tuple[str, ...]
    hooks: Hooks
    classes: tuple[str, ...] = ()


def _capped_subscription_pages(req: Req, ctx: Context) -> Req:
    """GET /subscriptions serves at most 2 per page, whatever limit asks (CIM 5.5.9: a server
    may cap the page size at its own maximum)."""
    limit = req.param("limit") or ""
    if (
        req.method == "GET"
        and req.parts() == ["subscriptions"]
        and limit.isdigit()
        and int(limit) > 2
    ):
        return req.with_param("limit", "2")
    return req


def _times_sent_as_float(req: Req, resp: Resp, ctx: Context) -> Resp:
    """A subscription's notification.timesSent as a float, 1.0 (the OAS types it number)."""
    body = resp.json()
    times = (body.get("notification") or {}).get("timesSent") if isinstance(body, dict) else None
    if req.method != "GET" or not isinstance(times, int):
        return resp
    body["notification"]["timesSent"] = float(times)
    return resp.with_json(body)


def _late_notifications(req: Req, ctx: Context) -> Req:
    """Every notification delivered 6 s late (CIM 009 5.8: notifications are asynchronous and
    the standard sets no deadline; ETSI's conformance tests wait 10 s for one)."""
    time.sleep(6)
    return req


def _creation_notified_late(req: Req, resp: Resp, ctx: Context) -> Resp:
    """A throttled or expiring subscription is first notified of its entities' creation, which
    an asynchronous broker processed only after the subscription existed: before its expiry, and
    a throttle then holds back the notifications of the next changes (CIM 009 5.8.1)."""
    body = req.json()
    if req.method != "POST" or req.parts() != ["subscriptions"] or resp.status != 201:
        return resp
    if not isinstance(body, dict) or not (body.get("throttling") or body.get("expiresAt")):
        return resp
    kind = body["entities"][0]["type"]
    query = Req("GET", f"{API}/entities", (("type", kind),), ())
    created = ctx.forward(query).json()  # as created: temperature 20
    note = {"id": "urn:ngsi-ld:Notification:late", "type": "Notification"}
    note |= {"subscriptionId": body["id"], "notifiedAt": "2026-01-01T00:00:00Z", "data": created}
    requests.post(body["notification"]["endpoint"]["uri"], json=note, timeout=5)
    if body.get("throttling"):
        ctx.state[str(body["id"])] = "throttled"
    return resp


def _held_back(req: Req, ctx: Context) -> Req | None:
    """Notifications of a subscription the late creation notice started throttling: held back."""
    body = req.json()
    return None if isinstance(body, dict) and body.get("subscriptionId") in ctx.state else req


FORMS = (
    Form(
        "subscription-pages-capped",
        ("SUB-011", "SUB-012"),
        Hooks(request=_capped_subscription_pages),
        ("subscriptions",),
    ),
    Form(
        "times-sent-as-float",
        ("SUB-021",),
        Hooks(response=_times_sent_as_float),
        ("subscriptions",),
    ),
    Form("notifications-late", ("SUB-017",), Hooks(notify=_late_notifications), ("subscriptions",)),
    Form(
        "creation-notified-after-subscribing",
        ("SUB-023", "SUB-025"),
        Hooks(response=_creation_notified_late, notify=_held_back),
        ("subscriptions",),
    ),
)


def _certify(url: str, out: Path, form: Form) -> dict[str, Any]:
    args = ["run", "--url", url, "--out", str(out), "--seed", "7"]
    args += [a for c in form.classes for a in ("--class", c)]
    args += [a for r in form.requirements for a in ("--only", r)]
    app(args=args, standalone_mode=False)
    return json.loads((out / "report.json").read_text())


@pytest.mark.parametrize("form", FORMS, ids=[f.name for f in FORMS])
def test_legitimate_form_passes(form: Form, tmp_path: Path) -> None:
    with FaultProxy(form.hooks) as proxy:
        doc = _certify(proxy.url, tmp_path / "report", form)
    got = {r["id"]: (r["status"], r["message"]) for r in doc["requirements"]}
    assert {r: got.get(r, ("missing", ""))[0] for r in form.requirements} == dict.fromkeys(
        form.requirements, "passed"
    ), {r: got.get(r) for r in form.requirements}
