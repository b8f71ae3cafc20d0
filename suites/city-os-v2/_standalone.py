"""Until the protocol-profile seam (issue 11) is merged: plain `pytest suites/city-os-v2`.

The runner's context is used whenever `conform run` provides one. Otherwise this builds a v2
context: the NGSI v2 reference server (or --conform-url), a recording client rooted at /v2, the
run's namespace as an id prefix `conform-<run>-`, and the v2 write guard, which reads the
entities of POST /op/update (the generic guard does not). Delete once the seam's
`standalone_context` chooses the reference server and guard by the bundle's profile.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from conform.bundle import load_bundle
from conform.evidence import EvidenceLog
from conform.guard import SafetyError, parse_body
from conform.http import Client, Response
from conform.namespace import Namespace
from conform.reference.ngsi_v2 import ReferenceServerV2
from conform.suite.context import SuiteContext
from conform.target import TargetConfig, build_auth, load_system, reference_target

_WRITES = frozenset({"POST", "PATCH", "PUT", "DELETE"})


class V2Namespace(Namespace):
    """Ids `conform-<run>-<n>-<Type>`: NGSI v2 ids are not URIs."""

    def entity_id(self, type_: str) -> str:
        """A new entity id of `type_` inside the namespace."""
        return f"{self.prefix}{self._counter.next()}-{type_}"

    def owns(self, id_: str) -> bool:
        """Whether `id_` starts with the run's prefix (and cannot re-target a request)."""
        return isinstance(id_, str) and id_.startswith(self.prefix) and super().owns(id_)


def _new_id_ours(id_: Any, prefix: str) -> bool:
    """Whether an id a create names may be sent: the run's prefix, or no id a server could hold.

    A create never overwrites (an existing id is 422), so an id carrying the prefix is safe
    even with characters that could not appear in a path; "" and non-strings are invalid ids,
    sent to test that they are refused, and carry the prefix when they hold any text.
    """
    if isinstance(id_, str):
        return id_ == "" or id_.startswith(prefix)
    return prefix in json.dumps(id_)


def check_write(
    method: str, path: str, body: bytes | None, owned: Callable[[str], bool], prefix: str
) -> None:
    """SafetyError unless every entity or subscription a v2 write names is the run's own."""
    method = method.upper()
    if method not in _WRITES:
        return
    segments = [s for s in path.split("?")[0].split("/") if s]
    if any(s in (".", "..") for s in segments):
        raise SafetyError(f"refused a request with dot segments in its path: {path}")
    if segments[:2] == ["op", "query"]:
        return  # only reads
    if method != "POST" and len(segments) < 2:
        raise SafetyError(f"refused {method} {path}: no resource id in the path")
    value, _ = parse_body(body)
    if segments[:2] == ["op", "update"] or segments == ["entities"]:
        items = (
            value.get("entities") if segments[0] == "op" and isinstance(value, dict) else [value]
        )
        named = [i["id"] for i in items or [] if isinstance(i, dict) and "id" in i]
        foreign = [i for i in named if not _new_id_ours(i, prefix) and not owned(str(i))]
    else:
        foreign = [i for i in segments[1:2] if not owned(unquote(i))]
    if foreign:
        raise SafetyError(f"refused {method} {path}: id {foreign[0]!r} is outside the namespace")


class V2Client(Client):
    """The recording client with the v2 write guard in front."""

    def __init__(self, *args: Any, v2_namespace: V2Namespace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.v2_namespace = v2_namespace

    def request(self, method: str, path: str, **kw: Any) -> Response:
        """Check the write against the namespace, then send it."""
        body = kw.get("data")
        if "json" in kw:
            body = json.dumps(kw["json"], ensure_ascii=False).encode()
        elif isinstance(body, str):
            body = body.encode()
        if kw.get("api", True):
            payload = body if isinstance(body, bytes) else None
            check_write(method, path, payload, self._v2_owned, self.v2_namespace.prefix)
        return super().request(method, path, **kw)

    def _v2_owned(self, id_: str) -> bool:
        return self.v2_namespace.owns(id_) or id_ in self._ledger


def _client(target: TargetConfig, evidence: EvidenceLog, ns: V2Namespace) -> V2Client:
    headers = dict(target.headers)
    if target.tenant:
        headers["Fiware-Service"] = target.tenant
    try:  # after the seam merge the client takes the profile
        from conform.profiles import load_profile

        root: dict[str, Any] = {"profile": load_profile("ngsi-v2")}
    except ImportError:
        root = {"api_root": "/v2"}
    return V2Client(
        target.url,
        **root,
        auth=build_auth(target.auth, ca_bundle=target.ca_bundle),
        headers=headers,
        evidence=evidence,
        ca_bundle=target.ca_bundle,
        v2_namespace=ns,
    )


@contextlib.contextmanager
def standalone_v2_context(
    *, url: str | None, system: str | None, bundle: str, classes: tuple[str, ...]
) -> Iterator[SuiteContext]:
    """A v2 context on the reference server (with a tenant) or on the given target."""
    loaded = load_bundle(bundle)
    optional = tuple(c.id for c in loaded.optional_classes)
    with contextlib.ExitStack() as stack:
        if url is None and system is None:
            server = stack.enter_context(ReferenceServerV2(loaded, port=0))
            target = dataclasses.replace(
                reference_target(server.url),
                classes=optional,
                data_models=tuple(loaded.model_paths()),
                tenant="conform",
            )
        else:
            target = load_system(Path(system)) if system else TargetConfig("target", str(url))
            target = dataclasses.replace(
                target, url=url or target.url, classes=(*target.classes, *classes)
            )
        evidence, ns = EvidenceLog(), V2Namespace.new()
        client = _client(target, evidence, ns)  # type: ignore[arg-type]  # deleted with the seam
        try:
            yield SuiteContext(loaded, target, client, ns, evidence, 0)
        finally:
            client.cleanup()
            client.close()
