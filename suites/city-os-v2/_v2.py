"""Shared by the NGSI v2 suites: error checks, run-unique types, entity and subscription helpers."""

from __future__ import annotations

import importlib.util
import itertools
import math
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from conform.http import Client, Response
from conform.namespace import Namespace
from conform.suite import (
    NOTIFICATION_WAIT,
    NotificationReceiver,
    expect_media_type,
    expect_status,
    quiet_period,
)

Entity = dict[str, Any]


def expect_error(resp: Response, status: int, name: str) -> dict[str, Any]:
    """An NGSI v2 error answer: STATUS and a JSON body {"error": NAME, "description": text}."""
    expect_status(resp, status)
    expect_media_type(resp, "application/json")
    body = resp.json()
    assert isinstance(body, dict), f"expected an error object, got {resp.text[:120]!r}"
    assert body.get("error") == name, f"expected error {name}, got {body.get('error')!r}"
    description = body.get("description")
    assert description is None or isinstance(description, str), "description is not a string"
    return body


def kind(ns: Namespace, suffix: str = "") -> str:
    """An entity type only this run (and this test, by SUFFIX) uses: queries see only ours."""
    return f"Conform{ns.run_id}{suffix}"


_SEQ = itertools.count(1)


def fresh_kind(ns: Namespace, suffix: str = "") -> str:
    """A type no other test of the run uses: lists and subscriptions see this test's only."""
    return kind(ns, f"{suffix}{next(_SEQ)}")


def create(client: Client, body: Entity, **params: str) -> str:
    """POST an entity (201 expected, the setup of tests about something else); its id."""
    expect_status(client.post("/entities", json=body, params=params or None), 201)
    return str(body["id"])


def read(client: Client, eid: str, **params: str) -> Any:
    """GET /entities/{eid} (200 expected); its JSON body."""
    r = client.get(f"/entities/{eid}", params=params or None)
    expect_status(r, 200)
    return r.json()


def key_values(client: Client, eid: str) -> Any:
    """The entity in keyValues form."""
    return read(client, eid, options="keyValues")


def same_values(got: Any, sent: Any) -> bool:
    """Whether GOT equals SENT, a number within 1e-9 (absolute or relative) of the one sent.

    JSON leaves number precision to the implementation (RFC 8259 §6) and NGSI v2 fixes none:
    Orion renders a non-integral number with nine decimals (-3.80356167695194 reads back as
    -3.803561677), which is the value it was sent."""
    if isinstance(sent, dict):
        return (
            isinstance(got, dict)
            and got.keys() == sent.keys()
            and all(same_values(got[k], v) for k, v in sent.items())
        )
    if isinstance(sent, list):
        return isinstance(got, list) and len(got) == len(sent) and all(map(same_values, got, sent))
    numbers = (int, float)
    if isinstance(sent, numbers) and not isinstance(sent, bool):
        return (
            isinstance(got, numbers)
            and not isinstance(got, bool)
            and math.isclose(got, sent, rel_tol=1e-9, abs_tol=1e-9)
        )
    return type(got) is type(sent) and got == sent


def ids(resp: Response) -> list[str]:
    """The ids of an entity list answer (200 expected), in order."""
    expect_status(resp, 200)
    body = resp.json()
    assert isinstance(body, list), f"expected an array of entities, got {resp.text[:120]!r}"
    return [str(e.get("id")) for e in body if isinstance(e, dict)]


def query_ids(client: Client, entity_type: str, **params: Any) -> list[str]:
    """The ids GET /entities?type=ENTITY_TYPE&... answers (up to 100)."""
    return ids(client.get("/entities", params={"type": entity_type, "limit": 100, **params}))


def expires_soon() -> str:
    """An expiry an hour ahead: a subscription a run leaves behind ends by itself."""
    return (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def subscribe(
    client: Client, receiver: NotificationReceiver, entity_type: str, **members: Any
) -> str:
    """Create a subscription on ENTITY_TYPE notifying RECEIVER (201 expected); its id."""
    notification = {"http": {"url": receiver.url}, **members.pop("notification", {})}
    subject = {"entities": [{"idPattern": ".*", "type": entity_type}]}
    subject.update(members.pop("subject", {}))
    body = {"subject": subject, "notification": notification, "expires": expires_soon()}
    r = client.post("/subscriptions", json={**body, **members})
    expect_status(r, 201)
    location = r.headers.get("Location") or ""
    assert "/v2/subscriptions/" in location, (
        f"expected a Location of the subscription: {location!r}"
    )
    return location.rstrip("/").rsplit("/", 1)[-1]


def notified(
    receiver: NotificationReceiver, sid: str, timeout: float = NOTIFICATION_WAIT
) -> list[Any]:
    """The notification bodies of subscription SID, waiting for at least one."""
    return receiver.wait_for(lambda b: b.get("subscriptionId") == sid, timeout)


def none_for(receiver: NotificationReceiver, sid: str, control: str, started: float) -> None:
    """No notification of SID arrives, judged once CONTROL's did (a quiet period after it)."""
    notified(receiver, control)
    latency = time.monotonic() - started
    time.sleep(quiet_period(latency))
    got = [r for r in receiver.received if isinstance(r.body, dict)]
    assert not [r for r in got if r.body.get("subscriptionId") == sid], (
        f"expected no notification of subscription {sid}"
    )


def _city_os_builders() -> Any:
    """The city-os suite's builders (its Smart Data Models samples serve v2 unchanged)."""
    path = Path(__file__).resolve().parent.parent / "city-os" / "_builders.py"
    spec = importlib.util.spec_from_file_location("_city_os_builders", path)
    assert spec is not None and spec.loader is not None, f"cannot load {path}"
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MODEL_SAMPLES: dict[str, Callable[[str, Namespace], Entity]] = _city_os_builders().MODEL_SAMPLES


def model_sample(model: str, ns: Namespace) -> Entity:
    """A valid key-values entity of a published model, with a new id of the run."""
    return MODEL_SAMPLES[model](ns.entity_id(model), ns)


def normalized(kv: Entity) -> Entity:
    """The NGSI v2 normalized form of a key-values entity (location as geo:json)."""
    out: Entity = {"id": kv["id"], "type": kv["type"]}
    for name, value in kv.items():
        if name not in ("id", "type"):
            kind_ = "geo:json" if name == "location" else None
            out[name] = {"value": value, **({"type": kind_} if kind_ else {})}
    return out
