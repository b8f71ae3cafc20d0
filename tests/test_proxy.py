"""A vendor's system behind a corporate proxy: HTTP(S)_PROXY and NO_PROXY are honoured."""

from __future__ import annotations

import base64
import http.client
import json
import threading
from collections.abc import Iterator
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
