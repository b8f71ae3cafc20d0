"""The https requirements (SEC-007..009) against real TLS servers on 127.0.0.1: a conformant one
passes, a self-signed or wrong-host certificate, legacy TLS and a plain-HTTP fallback fail.

Each server terminates TLS in front of a reference server, so `conform run` certifies through it.
"""

from __future__ import annotations

import datetime as dt
import http.client
import ipaddress
import json
import socket
import ssl
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from conform.cli import app
from conform.reference.server import ReferenceServer
from conform.suite.tls import LegacyUnavailable, certificate_problem, legacy_versions

ONLY = ("SEC-007", "SEC-008", "SEC-009")


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject: str, key: Any, issuer: str, signer: Any, san: x509.GeneralName, ca: bool):
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject)).issuer_name(_name(issuer))
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([san]), critical=False)
    )  # fmt: skip
    return builder.sign(signer, hashes.SHA256())


@dataclass(frozen=True)
class Certs:
    ca: Path  # the CA the system file trusts
    good: tuple[Path, Path]  # (cert, key) for 127.0.0.1, signed by the CA
    wrong_host: tuple[Path, Path]  # signed by the CA, for another host
    self_signed: tuple[Path, Path]  # for 127.0.0.1, signed by itself


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    folder = tmp_path_factory.mktemp("certs")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    loopback = x509.IPAddress(ipaddress.ip_address("127.0.0.1"))
    ca = _cert("conform test CA", ca_key, "conform test CA", ca_key, x509.DNSName("ca"), True)
    (folder / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))

    def leaf(name: str, san: x509.GeneralName, self_signed: bool = False) -> tuple[Path, Path]:
        key = ec.generate_private_key(ec.SECP256R1())
        issuer, signer = (name, key) if self_signed else ("conform test CA", ca_key)
        cert = _cert(name, key, issuer, signer, san, False)
        (folder / f"{name}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        (folder / f"{name}.key").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        return folder / f"{name}.pem", folder / f"{name}.key"

    return Certs(
        folder / "ca.pem",
        leaf("good", loopback),
        leaf("wrong", x509.DNSName("city.example.org")),
        leaf("self", loopback, self_signed=True),
    )


class _TlsFront(ThreadingHTTPServer):
    """TLS in front of a reference server; with `plain`, plain HTTP on the same port too."""

    daemon_threads = True

    def __init__(self, upstream: str, context: ssl.SSLContext, plain: bool) -> None:
        self.upstream, self.context, self.plain = upstream, context, plain
        super().__init__(("127.0.0.1", 0), _Forward)

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, addr = self.socket.accept()
        sock.settimeout(5)
        try:
            first = sock.recv(1, socket.MSG_PEEK)
        except OSError:
            first = b""
        if first == b"\x16" or not self.plain:  # a TLS ClientHello starts with 0x16
            try:
                return self.context.wrap_socket(sock, server_side=True), addr
            except (ssl.SSLError, OSError):
                sock.close()
                raise
        return sock, addr


class _Forward(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _TlsFront

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        host, port = self.server.upstream.split("//")[1].split(":")
        upstream = http.client.HTTPConnection(host, int(port), timeout=30)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
            upstream.request(self.command, self.path, body=body, headers=headers)
            answer = upstream.getresponse()
            data = answer.read()
            self.send_response(answer.status)
            for name, value in answer.getheaders():
                if name.lower() not in ("connection", "transfer-encoding", "content-length"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        finally:
            upstream.close()

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle


def _context(cert: tuple[Path, Path], legacy: bool = False) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*cert)
    if legacy:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            context.minimum_version = ssl.TLSVersion.TLSv1
        context.set_ciphers("DEFAULT:@SECLEVEL=0")
    return context


@pytest.fixture
def front() -> Iterator[Any]:
    """Start a TLS front (cert, legacy, plain) before a fresh reference server; yield its URL."""
    started: list[tuple[_TlsFront, ReferenceServer]] = []

    def start(cert: tuple[Path, Path], *, legacy: bool = False, plain: bool = False) -> str:
        ref = ReferenceServer().start()
        server = _TlsFront(ref.url, _context(cert, legacy), plain)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        started.append((server, ref))
        return f"https://127.0.0.1:{server.server_port}"

    yield start
    for server, ref in started:
        server.shutdown()
        server.server_close()
        ref.stop()


def _certify(url: str, ca: Path, tmp_path: Path) -> dict[str, dict[str, Any]]:
    system = tmp_path / "system.yaml"
    system.write_text(f"name: tls\nurl: {url}\nca_bundle: {ca}\n")
    args = ["run", "--system", str(system), "--out", str(tmp_path / "r"), "--force"]
    app(args=[*args, *(a for r in ONLY for a in ("--only", r))], standalone_mode=False)
    doc = json.loads((tmp_path / "r" / "report.json").read_text())
    return {r["id"]: r for r in doc["requirements"] if r["id"] in ONLY}


def _statuses(found: dict[str, dict[str, Any]]) -> dict[str, str]:
    return {rid: r["status"] for rid, r in found.items()}


def test_a_conformant_https_target_passes(front: Any, certs: Certs, tmp_path: Path) -> None:
    found = _certify(front(certs.good), certs.ca, tmp_path)
    assert _statuses(found) == dict.fromkeys(ONLY, "passed")
    assert all(r["security"] for r in found.values())


def test_legacy_tls_is_a_security_finding(front: Any, certs: Certs, tmp_path: Path) -> None:
    url = front(certs.good, legacy=True)
    port = int(url.rsplit(":", 1)[1])
    try:
        accepted = legacy_versions("127.0.0.1", port, 5)
    except LegacyUnavailable as exc:
        pytest.skip(f"cannot test here: {exc}")  # documented in docs/ARCHITECTURE.md
    assert accepted == ["TLS 1.0", "TLS 1.1"]
    found = _certify(url, certs.ca, tmp_path)
    assert _statuses(found) == {"SEC-007": "passed", "SEC-008": "failed", "SEC-009": "passed"}


def test_plain_http_on_the_same_port_is_a_finding(front: Any, certs: Certs, tmp_path: Path) -> None:
    found = _certify(front(certs.good, plain=True), certs.ca, tmp_path)
    assert _statuses(found) == {"SEC-007": "passed", "SEC-008": "passed", "SEC-009": "failed"}
    assert "answered 200" in found["SEC-009"]["message"]


@pytest.mark.parametrize("which", ["self_signed", "wrong_host"])
def test_an_invalid_certificate_is_found(front: Any, certs: Certs, which: str) -> None:
    url = front(getattr(certs, which))
    port = int(url.rsplit(":", 1)[1])
    problem = certificate_problem("127.0.0.1", port, str(certs.ca), 5)
    assert problem.startswith("the certificate does not verify for 127.0.0.1")
    assert certificate_problem("127.0.0.1", port, None, 5)  # nor with the system trust store


def test_an_untrusted_certificate_fails_the_run_as_a_security_finding(
    front: Any, certs: Certs, tmp_path: Path
) -> None:
    """The client cannot talk to it, but the certificate check still runs: not certified, with
    the certificate as the security finding; the requirements it kept from running are errors."""
    url = front(certs.self_signed)
    system = tmp_path / "system.yaml"
    system.write_text(f"name: tls\nurl: {url}\nca_bundle: {certs.ca}\n")
    args = ["run", "--system", str(system), "--out", str(tmp_path / "r"), "--only", "CORE-001"]
    code = app(args=[*args, *(a for r in ONLY for a in ("--only", r))], standalone_mode=False)
    doc = json.loads((tmp_path / "r" / "report.json").read_text())
    found = {r["id"]: r for r in doc["requirements"] if r["id"] in {*ONLY, "CORE-001"}}
    assert (code, doc["verdict"]) == (1, "NOT_CERTIFIED")
    assert found["SEC-007"]["status"] == "failed" and found["SEC-007"]["security"]
    assert found["CORE-001"]["status"] == "error"
    assert "TLS certificate verification failed" in found["CORE-001"]["message"]
