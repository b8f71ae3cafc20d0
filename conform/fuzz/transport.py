"""Send one generated case through the recording client and hand schemathesis the response."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import requests
from schemathesis import Response as CheckedResponse

from conform.http import Client, SafetyError, TransportError

# schemathesis tags each case with a random id header, which would make two runs with the same
# seed differ; the client sends its own User-Agent.
DROPPED_HEADERS = frozenset({"x-schemathesis-testcaseid", "user-agent"})


@dataclass(frozen=True)
class Sent:
    """What became of one case: a response with its evidence id, or why there was none."""

    response: CheckedResponse | None
    exchange_id: str | None
    error: str | None = None
    refused: bool = False


def fixed_headers(client: Client) -> frozenset[str]:
    """Headers a case never sets (lowercased): the tenant is the system file's (sent by the
    client, or none), never a generated one, and neither is the profile's data scope."""
    profile = client.profile
    return frozenset({profile.tenant_header.lower()}) | profile.fuzzing.scope_headers


def send_case(client: Client, api_base: str, kwargs: dict[str, Any]) -> Sent:
    """Send requests-style `kwargs` (from `case.as_transport_kwargs`) through `client`."""
    method = str(kwargs["method"]).upper()
    url = str(kwargs["url"])
    headers = {k: str(v) for k, v in (kwargs.get("headers") or {}).items()}
    fixed = DROPPED_HEADERS | fixed_headers(client)
    headers = {k: v for k, v in headers.items() if k.lower() not in fixed}
    params = kwargs.get("params") or None
    body: bytes | None = None
    if "json" in kwargs:
        body = json.dumps(kwargs["json"], ensure_ascii=False).encode("utf-8")
    elif kwargs.get("data") is not None:
        data = kwargs["data"]
        body = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    path = url[len(api_base) :] if url.startswith(api_base) else url
    try:
        answer = client.request(method, path, params=params, data=body, headers=headers)
    except SafetyError as exc:
        return Sent(None, None, str(exc), refused=True)
    except TransportError as exc:
        return Sent(None, None, str(exc))
    # The checks read the request back (URL, headers); rebuild what the client put on the wire.
    prepared = requests.Request(method, url, headers=headers, data=body, params=params).prepare()
    response = CheckedResponse(
        status_code=answer.status_code,
        headers={k: [v] for k, v in answer.headers.items()},
        content=answer.content,
        request=prepared,
        elapsed=0.0,
        verify=True,
    )
    return Sent(response, answer.exchange_id)
