"""https targets: a certificate valid for the host, TLS 1.2 or newer, no plain-HTTP fallback
(SEC-007..009). They apply only to an https URL (the plan reports them not applicable otherwise).

The handshakes are made here, outside the recording client: their findings are in the message.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from _builders import probe_type

from conform.suite.tls import certificate_problem, legacy_versions, plain_http_status

TIMEOUT = 10.0


def _where(target) -> tuple[str, int]:
    parts = urlsplit(target.url)
    return str(parts.hostname), parts.port or 443


@pytest.mark.req("SEC-007")
@pytest.mark.read_only
def test_certificate_is_valid_for_the_host(target):
    host, port = _where(target)
    problem = certificate_problem(host, port, target.ca_bundle, TIMEOUT)
    assert not problem, f"expected a certificate chain valid for {host}, got: {problem}"


@pytest.mark.req("SEC-008")
@pytest.mark.read_only
def test_only_tls_1_2_or_newer(target):
    host, port = _where(target)
    accepted = legacy_versions(host, port, TIMEOUT)
    assert not accepted, (
        f"expected handshakes offering only {' or '.join(accepted)} refused, got them completed"
    )


@pytest.mark.req("SEC-009")
@pytest.mark.read_only
def test_no_plain_http_fallback(target, client, ns):
    host, port = _where(target)
    path = f"{client.api_root}/entities?type={probe_type(ns)}"
    ports = [port] if port == 80 else [port, 80]
    answered = {p: plain_http_status(host, p, path, TIMEOUT) for p in ports}
    served = {p: s for p, s in answered.items() if s is not None and 200 <= s < 300}
    assert not served, "expected no plain-HTTP answer from the API, got " + ", ".join(
        f"http://{host}:{p}{path} answered {s}" for p, s in served.items()
    )
