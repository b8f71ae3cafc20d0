"""A vendor's system behind a corporate proxy: HTTP(S)_PROXY and NO_PROXY are honoured."""

from __future__ import annotations

import base64
import http.client
import json
import socket
import socketserver
import ssl
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from test_cli_run import conform

from conform.reference import ReferenceServer
from conform.transport import proxies_for


class ForwardingProxy:
    """An HTTP proxy on loopback: absolute-form requests for any host go to one upstream."""

    def __init__(self, upstream: str) -> None:
        self.seen: list[tuple[str, str, str | None]] = []  # (method, target, Proxy-Authorization)
        up = urlsplit(upstream)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self) -> None:
                proxy.seen.append(
                    (self.command, self.path, self.headers.get("Proxy-Authorization"))
                )
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                target = urlsplit(self.path)
                headers = {
                    k: v for k, v in self.headers.items() if k.lower() != "proxy-authorization"
                }
                conn = http.client.HTTPConnection(up.hostname or "", up.port, timeout=30)
                path = target.path + (f"?{target.query}" if target.query else "")
                conn.request(self.command, path, body=body, headers=headers)
                answer = conn.getresponse()
                data = answer.read()
                self.send_response(answer.status)
                for name, value in answer.getheaders():
                    if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                conn.close()

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _forward

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def proxy() -> Iterator[ForwardingProxy]:
    with ReferenceServer(port=0) as server:
        forwarder = ForwardingProxy(server.url)
        yield forwarder
        forwarder.close()


def test_run_goes_through_the_proxy_and_hides_its_password(
    proxy: ForwardingProxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    host = urlsplit(proxy.url).netloc
    monkeypatch.setenv("HTTP_PROXY", f"http://conform:proxy-secret-77@{host}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    out = tmp_path / "o"
    proc = conform("--url", "http://city-os.vendor.test", "--only", "CORE-001,QRY-003",
                   "--out", str(out), cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 3, proc.stdout + proc.stderr  # --only: the rest is not tested
    assert (
        f"target: city-os.vendor.test at http://city-os.vendor.test via proxy {host}\n"
        in proc.stdout
    )
    status = {r["id"]: r["status"] for r in json.loads((out / "report.json").read_text())[
        "requirements"]}  # fmt: skip
    assert status["CORE-001"] == status["QRY-003"] == "passed"
    assert proxy.seen and all(t.startswith("http://city-os.vendor.test/ngsi-ld/v1/")
                              for _, t, _ in proxy.seen)  # fmt: skip
    credential = "Basic " + base64.b64encode(b"conform:proxy-secret-77").decode()
    assert {auth for _, _, auth in proxy.seen} == {credential}
    for file in out.iterdir():
        text = file.read_text(encoding="utf-8")
        assert "proxy-secret-77" not in text and credential.split()[1] not in text, file.name


@pytest.mark.parametrize(
    ("url", "environ", "expected"),
    [
        ("https://a.city.test", {"HTTPS_PROXY": "http://p:3128"}, {"https": "http://p:3128"}),
        ("https://a.city.test", {"https_proxy": "http://p:3128"}, {"https": "http://p:3128"}),
        ("http://a.city.test", {"HTTPS_PROXY": "http://p:3128"}, {}),
        ("https://a.city.test", {"ALL_PROXY": "http://p:1"}, {"https": "http://p:1"}),
        ("https://a.city.test", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "city.test"}, {}),
        ("https://a.city.test", {"HTTPS_PROXY": "http://p:1", "no_proxy": ".city.test, x"}, {}),
        ("https://a.city.test", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "*"}, {}),
        ("https://city.testing", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "city.test"},
         {"https": "http://p:1"}),
        ("http://127.0.0.1:1026", {"HTTP_PROXY": "http://p:1"}, {}),
        ("http://localhost:1026", {"HTTP_PROXY": "http://p:1"}, {}),
    ],
)  # fmt: skip
def test_proxy_choice(url: str, environ: dict[str, str], expected: dict[str, str]) -> None:
    assert proxies_for(url, environ) == expected


def _pipe(a: socket.socket, b: socket.socket) -> None:
    """Copy bytes both ways until either side closes, then close both."""

    def copy(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            s.close()

    threading.Thread(target=copy, args=(b, a), daemon=True).start()
    copy(a, b)


class _Stream(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def _serve(handle: Any) -> tuple[_Stream, int]:
    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            handle(self.request)

    server = _Stream(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def _private_ca(folder: Path, host: str) -> tuple[Path, Path, Path]:
    """(CA certificate, server certificate, server key) PEM files: a private CA signs HOST."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.now(UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Corporate Test CA")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                       critical=True)
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
        .issuer_name(ca_name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    files = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    files[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    files[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return files


class ConnectProxy:
    """An HTTPS proxy on loopback: CONNECT to any host opens a tunnel to one TLS upstream."""

    def __init__(self, upstream_port: int) -> None:
        self.connects: list[str] = []

        def tunnel(client: socket.socket) -> None:
            head = b""
            while b"\r\n\r\n" not in head and (chunk := client.recv(1)):
                head += chunk
            method, target, _ = head.decode("latin-1").split(" ", 2)
            self.connects.append(f"{method} {target}")
            if method != "CONNECT":
                client.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
                return
            upstream = socket.create_connection(("127.0.0.1", upstream_port))
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            _pipe(client, upstream)

        self._server, port = _serve(tunnel)
        self.url = f"http://127.0.0.1:{port}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def test_https_run_tunnels_through_connect_and_trusts_a_private_ca(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A vendor's HTTPS system behind a corporate proxy, its certificate from a private CA:
    the run tunnels through CONNECT, and trusts the CA given by --ca-bundle (nothing else)."""
    host = "city-os.vendor.test"
    ca, cert, key = _private_ca(tmp_path, host)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    with ReferenceServer(port=0) as server:
        plain = urlsplit(server.url)

        def terminate(raw: socket.socket) -> None:  # the vendor's TLS front
            try:
                client = tls.wrap_socket(raw, server_side=True)
            except (ssl.SSLError, OSError):
                return  # a client that does not trust the certificate hangs up
            _pipe(client, socket.create_connection((plain.hostname or "", plain.port or 0)))

        front, front_port = _serve(terminate)
        proxy = ConnectProxy(front_port)
        try:
            monkeypatch.setenv("HTTPS_PROXY", proxy.url)
            for name in ("NO_PROXY", "no_proxy", "HTTP_PROXY", "http_proxy"):
                monkeypatch.delenv(name, raising=False)
            untrusted = conform("--url", f"https://{host}", "--only", "CORE-001",
                                "--out", str(tmp_path / "u"), cwd=tmp_path)  # fmt: skip
            out = tmp_path / "o"
            proc = conform("--url", f"https://{host}", "--ca-bundle", str(ca), "--only",
                           "CORE-001,QRY-003", "--out", str(out), cwd=tmp_path)  # fmt: skip
        finally:
            proxy.close()
            front.shutdown()
            front.server_close()
    assert untrusted.returncode == 3, untrusted.stdout + untrusted.stderr
    assert (
        "TLS certificate verification failed: unable to get local issuer certificate — if a "
        "private CA signed its certificate, give that CA with --ca-bundle" in untrusted.stdout
    )
    assert proc.returncode == 3, proc.stdout + proc.stderr  # --only: the rest is not tested
    assert f"target: {host} at https://{host} via proxy 127.0.0.1:" in proc.stdout
    doc = json.loads((out / "report.json").read_text())
    status = {r["id"]: r["status"] for r in doc["requirements"]}
    assert status["CORE-001"] == status["QRY-003"] == "passed", status
    assert proxy.connects and set(proxy.connects) == {f"CONNECT {host}:443"}
