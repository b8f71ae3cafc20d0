"""What the https requirements look at on the wire: the certificate, the TLS versions a server
completes a handshake with, and whether plain HTTP answers the same API."""

from __future__ import annotations

import http.client
import socket
import ssl
import warnings


def certificate_problem(host: str, port: int, cafile: str | None, timeout: float) -> str:
    """Why the server's certificate chain does not verify for HOST (against CAFILE, else the
    system trust store), or '' when it does. OSError when the server cannot be reached."""
    context = ssl.create_default_context(cafile=cafile)
    try:
        with (
            socket.create_connection((host, port), timeout=timeout) as raw,
            context.wrap_socket(raw, server_hostname=host),
        ):
            return ""
    except ssl.SSLCertVerificationError as exc:
        return f"the certificate does not verify for {host}: {exc.verify_message}"


class LegacyUnavailable(Exception):
    """This machine's OpenSSL cannot offer TLS 1.0 or 1.1, so their refusal cannot be tested."""


def legacy_versions(host: str, port: int, timeout: float) -> list[str]:
    """The legacy TLS versions (1.0, 1.1) the server completes a handshake with.

    LegacyUnavailable when the local OpenSSL refuses to offer one of them.
    """
    with warnings.catch_warnings():  # the very names are deprecated: that is the point
        warnings.simplefilter("ignore", DeprecationWarning)
        legacy = {"TLS 1.0": ssl.TLSVersion.TLSv1, "TLS 1.1": ssl.TLSVersion.TLSv1_1}
    accepted = []
    for name, version in legacy.items():
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                context.minimum_version = context.maximum_version = version
            context.set_ciphers("DEFAULT:@SECLEVEL=0")
        except (ValueError, ssl.SSLError) as exc:
            raise LegacyUnavailable(f"this machine's OpenSSL cannot offer {name}: {exc}") from exc
        try:
            with (
                socket.create_connection((host, port), timeout=timeout) as raw,
                context.wrap_socket(raw, server_hostname=host),
            ):
                accepted.append(name)
        except ssl.SSLError as exc:
            if exc.reason == "NO_PROTOCOLS_AVAILABLE":  # refused here, before any byte was sent
                raise LegacyUnavailable(f"this machine's OpenSSL cannot offer {name}") from exc
        except OSError:
            pass  # the server closed the connection: refused
    return accepted


def plain_http_status(host: str, port: int, path: str, timeout: float) -> int | None:
    """The status a plain-HTTP GET of PATH at HOST:PORT is answered with (None: no HTTP answer)."""
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Accept": "application/json"})
        return connection.getresponse().status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        connection.close()
