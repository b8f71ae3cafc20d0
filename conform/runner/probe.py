"""Judge the probe's answer: can this target be tested at all? Each reason is one line."""

from __future__ import annotations

import json

from conform.http import Response
from conform.profiles import Profile
from conform.transport import PROXY_FAILED, TLS_UNVERIFIED

_NOT_READY = {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}
_NO_ROUTE = {404, 405, 501}


def _is_json(response: Response) -> bool:
    try:
        json.loads(response.content.decode("utf-8-sig"))
    except ValueError:
        return False
    return True


def probe_problem(response: Response, server: str, profile: Profile) -> str:
    """Why RESPONSE to the probe (an entity query) shows the run cannot test, or ''.

    Only answers no API of the PROFILE gives stop the run: a missing route, a success that is
    not JSON and does not claim to be (a web page), an access refusal, a gateway saying the
    service is down. Any other answer, even a wrong one (a JSON media type over an empty or
    broken body), is the target's to be judged on: its requirements fail instead of all being
    'could not test'.
    """
    status, kind = response.status_code, response.media_type or "no Content-Type"
    api_root = profile.api_root
    api_url = server + api_root
    if status == 403:
        return (
            f"the target answered 403 Forbidden at {api_url}: the credentials are valid but "
            "not allowed to use the API; check the account or the auth section of the system file"
        )
    if status in _NOT_READY:
        return f"the target answered {status} {_NOT_READY[status]} at {api_url}: it is not ready"
    success_not_json = 200 <= status < 300 and not kind.endswith("json")
    if (status in _NO_ROUTE or success_not_json) and not _is_json(response):
        return (
            f"no {profile.api_name} API at {api_url}: an entity query answered {status} ({kind}); "
            f"give the server root whose API is under {api_root}"
        )
    return ""


def unreachable(error: str) -> str:
    """The line for a probe that got no HTTP answer at all."""
    if TLS_UNVERIFIED in error:
        hint = "if a private CA signed its certificate, give that CA with --ca-bundle"
        return f"endpoint unreachable: {error} — {hint} (or ca_bundle in the system file)"
    if PROXY_FAILED in error:
        hint = "is the proxy running, and can it reach the system? (HTTPS_PROXY, HTTP_PROXY)"
        return f"endpoint unreachable: {error} — {hint}"
    return f"endpoint unreachable: {error} — is the system running, and is the URL right?"


def unauthorized(error: str) -> str:
    """The line for a probe whose credentials were refused (401), which is not unreachable."""
    return f"credentials refused: {error}"
