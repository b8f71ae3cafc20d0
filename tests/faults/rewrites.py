"""Building blocks of the fault table: where a fault applies and how it rewrites the exchange."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from faults.proxy import API, Context, Hooks, Req, Resp

ERROR_URI = "https://uri.etsi.org/ngsi-ld/errors/"
OPTIONAL = ("batch", "subscriptions", "discovery", "temporal")
MODELS = {
    "OffStreetParking", "ParkingSpot", "AirQualityObserved", "WeatherObserved", "Streetlight",
    "EVChargingStation",
}  # fmt: skip
LD = "application/ld+json"


@dataclass(frozen=True)
class Fault:
    """One faulty server: its hooks, what must fail, and the optional classes declared."""

    name: str
    expected: tuple[str, ...]
    hooks: Hooks
    also: tuple[str, ...] = ()
    classes: tuple[str, ...] = OPTIONAL
    data_models: tuple[str, ...] = ()  # declared in a system file (else --url alone)
    system: str = ""  # more lines of the system file (tenants, auth): one is written when set
    token: str = ""  # the reference server's bearer token (auth rows), in the file `token`
    preload: tuple[dict[str, Any], ...] = ()  # the city's own entities, stored before the run


_ITEM = {"entities": "{id}", "subscriptions": "{id}", "types": "{type}", "attributes": "{attr}"}

Change = Callable[[Req, Resp, Context], Resp | None]  # None: leave the response as it is
Rewrite = Callable[[Req, Context], Req | Resp | None]  # a Resp answers without forwarding
Where = Callable[[Req], bool]


def route(req: Req) -> str:
    """The request's route, e.g. 'entities/{id}/attrs/{attr}' or 'entityOperations/create'."""
    parts = req.parts()
    if len(parts) >= 2 and parts[0] in _ITEM:
        parts[1] = _ITEM[parts[0]]
    if len(parts) == 4 and parts[2] == "attrs":
        parts[3] = "{attr}"
    return "/".join(parts)


def _always(req: Req) -> bool:
    return True


def on_response(
    method: str, path: str, status: int, change: Change, where: Where = _always
) -> Hooks:
    """Apply CHANGE to responses of STATUS to METHOD on route PATH (when WHERE holds)."""

    def hook(req: Req, resp: Resp, ctx: Context) -> Resp:
        hit = req.method == method and route(req) == path and resp.status == status
        return (change(req, resp, ctx) or resp) if hit and where(req) else resp

    return Hooks(response=hook)


def on_request(method: str, path: str, rewrite: Rewrite, where: Where = _always) -> Hooks:
    """Rewrite requests of METHOD on route PATH (when WHERE holds) before they are forwarded."""

    def hook(req: Req, ctx: Context) -> Req | Resp:
        if req.method == method and route(req) == path and where(req):
            return rewrite(req, ctx) or req
        return req

    return Hooks(request=hook)


# --- responses ------------------------------------------------------------------------------


def status(code: int) -> Change:
    """The same response with another status (204: without a body)."""
    return lambda req, resp, ctx: resp.empty(204) if code == 204 else replace(resp, status=code)


def created(req: Req, resp: Resp, ctx: Context) -> Resp:
    """201 with the Location of the id the request body named (nothing was created)."""
    body = req.json() or {}
    return resp.empty(201, Location=f"{API}/{req.parts()[0]}/{body.get('id', 'x')}")


def problem(code: int, name: str) -> Resp:
    """A well-formed problem details response."""
    body = {"type": ERROR_URI + name, "title": name, "status": code}
    return Resp(code, (("Content-Type", "application/json"),), json.dumps(body).encode())


def with_problem(code: int, name: str) -> Change:
    """Replace the response with a problem of CODE and NAME."""
    return lambda req, resp, ctx: problem(code, name)


def problem_member(name: str, value: Any) -> Change:
    """The problem body with member NAME set to VALUE."""
    return lambda req, resp, ctx: resp.with_json({**(resp.json() or {}), name: value})


def header(name: str, value: str | None) -> Change:
    """The response with header NAME set (None: removed)."""
    return lambda req, resp, ctx: resp.with_header(name, value)


def refetch(rewrite: Callable[[Req], Req]) -> Change:
    """The answer to the request rewritten (e.g. a parameter dropped) instead."""
    return lambda req, resp, ctx: ctx.forward(rewrite(req))


def edit_json(edit: Callable[[Any], Any]) -> Change:
    """The JSON body passed through EDIT (which may change it in place and return None)."""

    def change(req: Req, resp: Resp, ctx: Context) -> Resp:
        body = resp.json()
        result = edit(body)
        return resp.with_json(body if result is None else result)

    return change


def drop_link(rel: str) -> Change:
    """The Link header without the value of relation REL."""

    def change(req: Req, resp: Resp, ctx: Context) -> Resp:
        links = [(k, v) for k, v in resp.headers if k.lower() == "link"]
        kept = [p.strip() for _, v in links for p in v.split(",") if f'rel="{rel}"' not in p]
        others = tuple((k, v) for k, v in resp.headers if k.lower() != "link")
        return replace(resp, headers=others + tuple(("Link", p) for p in kept if p))

    return change


# --- requests -------------------------------------------------------------------------------


def param(name: str, value: str | None) -> Rewrite:
    """The request with query parameter NAME set (None: removed)."""
    return lambda req, ctx: req.with_param(name, value)


def req_header(name: str, value: str | None) -> Rewrite:
    """The request with header NAME set (None: removed)."""
    return lambda req, ctx: req.with_header(name, value)


def has_param(name: str, value: str | None = None) -> Where:
    """The request carries parameter NAME (equal to VALUE when given)."""
    return lambda req: req.param(name) is not None and value in (None, req.param(name))


def accepts(media: str) -> Where:
    """The request's Accept header names MEDIA."""
    return lambda req: media in (req.header("Accept") or "")


def entity_type(req: Req) -> str:
    """The type segment of an NGSI-LD id in the path (urn:ngsi-ld:<Type>:...), else ''."""
    parts = req.parts()
    pieces = parts[1].split(":") if len(parts) > 1 else []
    return pieces[2] if len(pieces) > 3 else ""


def body_type(req: Req) -> str:
    """The type member of the request body ('' when none)."""
    body = req.json()
    return str(body.get("type", "")) if isinstance(body, dict) else ""


def chain(*hooks: Hooks) -> Hooks:
    """One fault made of several hooks, applied in order."""
    requests = [h.request for h in hooks if h.request]
    responses = [h.response for h in hooks if h.response]

    def request(req: Req, ctx: Context) -> Req | Resp:
        for hook in requests:
            result = hook(req, ctx)
            if isinstance(result, Resp):
                return result
            req = result
        return req

    def response(req: Req, resp: Resp, ctx: Context) -> Resp:
        for hook in responses:
            resp = hook(req, resp, ctx)
        return resp

    notify = next((h.notify for h in hooks if h.notify), None)
    return Hooks(request if requests else None, response if responses else None, notify)


def reply(code: int, body: Any) -> Change:
    """Replace the response with CODE and the JSON BODY."""
    data = json.dumps(body).encode()
    return lambda req, resp, ctx: Resp(code, (("Content-Type", "application/json"),), data)


def count_plus_one(req: Req, resp: Resp, ctx: Context) -> Resp | None:
    """NGSILD-Results-Count one too high (left alone when absent)."""
    count = resp.header("NGSILD-Results-Count")
    return resp.with_header("NGSILD-Results-Count", str(int(count) + 1)) if count else None


def without_attr(name: str) -> Rewrite:
    """The request body without attribute NAME (left alone when it has none)."""

    def rewrite(req: Req, ctx: Context) -> Req | None:
        body = req.json()
        if not isinstance(body, dict) or name not in body:
            return None
        return req.with_json({k: v for k, v in body.items() if k != name})

    return rewrite


def only_params(*names: str) -> Where:
    """The request carries exactly the query parameters NAMES."""
    return lambda req: sorted(k for k, _ in req.query) == sorted(names)
