"""system.yaml loading, credentials from env/files, and OAuth2 against a local token server."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from loopback import Answer, HttpServer, Seen

from conform.auth import AUTH_KINDS, AuthConfig, OAuth2Auth, OAuth2Config, Secret
from conform.errors import ConfigError
from conform.evidence import EvidenceLog
from conform.http import Client, Unauthorized
from conform.target import (
    AuthKind,
    build_auth,
    client_for,
    load_system,
    reference_target,
)

FULL = """\
name: city-a.staging
url: https://city-a.example/
vendor: ACME
product_version: "2.10"
tenant: city_a
headers: {X-Request-Source: conform}
classes: [batch, subscriptions]
data_models: [Streetlight]
lang: ja
callback_host: 192.0.2.10
auth:
  kind: oauth2
  token_url: https://id.city-a.example/token
  client_id: conform
  client_secret_file: secret.txt
  scope: ngsi-ld
"""


HEAD = "name: a\nurl: http://x\n"


def write(tmp_path: Path, text: str, name: str = "system.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_full_system_file(tmp_path: Path) -> None:
    cfg = load_system(write(tmp_path, FULL))
    assert (cfg.name, cfg.url, cfg.product_version, cfg.lang) == (
        "city-a.staging",
        "https://city-a.example",
        "2.10",
        "ja",
    )
    assert cfg.classes == ("batch", "subscriptions") and cfg.data_models == ("Streetlight",)
    assert dict(cfg.headers) == {"X-Request-Source": "conform"} and cfg.tenant == "city_a"
    assert cfg.auth.kind is AuthKind.OAUTH2 and isinstance(cfg.auth, OAuth2Config)
    assert (cfg.auth.token_url, cfg.auth.client_id, cfg.auth.scope) == (
        "https://id.city-a.example/token", "conform", "ngsi-ld",
    )  # fmt: skip
    assert cfg.auth.secret == Secret("client_secret", None, str(tmp_path / "secret.txt"))


BAD = [
    ("name: a\nurl: http://x\nauth: {kind: bearer, token: abc}\n", "auth.token: literal secrets"),
    ("name: a\nurl: http://x\npassword: abc\n", "password: literal secrets"),
    ("name: a\nurl: http://x\nauth: {kind: basic, username: u, password: p}\n", "auth.password"),
    ("name: a\nurl: http://x\ncolour: blue\n", "colour: unknown key"),
    ("name: a\n", "url: missing"),
    ('name: a\nurl: ""\n', "url: missing"),
    ("name: a\nurl: ftp://x\n", "url: expected an http"),
    ("name: a\nurl: http://u:p@x\n", "url: credentials in the URL"),
    ("name: a\nurl: [unclosed\n", "not valid YAML (line 3)"),
    ("- just a list\n", "top level: expected a mapping"),
    ("name: a b\nurl: http://x\n", "name: use letters"),
    ("name: a\nurl: http://x\nproduct_version: 1.10\n", "product_version: expected"),
    ("name: a\nurl: http://x\nheaders: {Authorization: Bearer x}\n", "headers.Authorization"),
    ("name: a\nurl: http://x\nauth: {kind: magic}\n", "auth.kind: unknown kind"),
    ("name: a\nurl: http://x\nauth: {kind: bearer}\n", "auth.token_env: give one of"),
    ("name: a\nurl: http://x\nauth: {kind: bearer, token_env: a.b.c}\n", "auth.token_env"),
    ("name: a\nurl: http://x\nauth: {kind: api_key, key_env: K}\n", "auth.header: missing"),
    ("name: a\nurl: http://x\nauth: {kind: none, username: u}\n", "auth.username: unknown key"),
    ("name: a\nurl: http://x\nca_bundle: nope.pem\n", "ca_bundle: no such file"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_bad_system_files_name_the_field(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_system(path)
    assert str(info.value).startswith(str(path)) and message in str(info.value)


def test_missing_system_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read system file"):
        load_system(tmp_path / "nope.yaml")


def test_secrets_come_from_env_or_file(tmp_path: Path) -> None:
    (tmp_path / "pw").write_text("s3cret\n")
    basic = write(tmp_path, HEAD + "auth: {kind: basic, username: u, password_file: pw}\n")
    auth = build_auth(load_system(basic).auth)
    assert auth is not None and auth.value() == "Basic " + base64.b64encode(b"u:s3cret").decode()
    api = "auth: {kind: api_key, header: X-Key, key_env: CITY_KEY}\n"
    keyed = write(tmp_path, HEAD + api, "keyed.yaml")
    cfg = load_system(keyed).auth
    with pytest.raises(ConfigError, match="environment variable CITY_KEY"):
        build_auth(cfg, environ={})
    auth = build_auth(cfg, environ={"CITY_KEY": "k-123"})
    assert auth is not None and (auth.header, auth.value()) == ("X-Key", "k-123")
    (tmp_path / "pw").unlink()
    with pytest.raises(ConfigError, match=r"pw: cannot read auth\.password_file"):
        build_auth(load_system(basic).auth)


def test_api_key_header_is_redacted_in_evidence(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "tenant: t9\nauth: {kind: api_key, header: X-Key, key_env: K}\n")
    with HttpServer(lambda s: Answer(200, {}, b"[]")) as srv:
        cfg = load_system(path)
        object.__setattr__(cfg, "url", srv.url)  # the file names no real server in a test
        c = client_for(cfg, evidence=EvidenceLog(), environ={"K": "key-canary-99"})
        c.get("/entities")
    assert srv.requests[0].headers["X-Key"] == "key-canary-99"
    assert srv.requests[0].headers["NGSILD-Tenant"] == "t9"
    (x,) = c.evidence.exchanges()
    assert x.request_headers["X-Key"] == "***" and "key-canary-99" not in json.dumps(x.to_dict())


def test_oauth2_fetches_caches_and_refreshes_once_on_401(tmp_path: Path) -> None:
    issued: list[str] = []

    def token_server(seen: Seen) -> Answer:
        client_auth = base64.b64encode(b"cid:csecret-42").decode()
        assert seen.headers["Authorization"] == f"Basic {client_auth}"
        form = parse_qs(seen.body.decode())
        assert form == {"grant_type": ["client_credentials"], "scope": ["s"]}
        issued.append(f"tok-canary-{len(issued) + 1}")
        token = {"access_token": issued[-1], "expires_in": 3600}
        return Answer(200, {}, json.dumps(token).encode())

    def api(seen: Seen) -> Answer:  # the first token is revoked server-side
        revoked = seen.headers["Authorization"] == "Bearer tok-canary-1"
        return Answer(401) if revoked else Answer(200, {}, b"[]")

    with HttpServer(token_server) as ids, HttpServer(api) as srv:
        auth = OAuth2Auth(f"{ids.url}/token", "cid", "csecret-42", scope="s", timeout=1)
        c = Client(srv.url, auth=auth, evidence=EvidenceLog(), timeout=1)
        assert c.get("/entities").status_code == 200
        assert c.get("/entities").status_code == 200  # cached: no third token
    assert issued == ["tok-canary-1", "tok-canary-2"]
    assert [x.status for x in c.evidence.exchanges()] == [401, 200, 200]
    c.evidence.write(tmp_path / "evidence.jsonl")
    text = (tmp_path / "evidence.jsonl").read_text()
    assert "tok-canary" not in text and "csecret-42" not in text


def test_oauth2_token_expiry_and_refused_credentials() -> None:
    now = [0.0]
    with HttpServer(lambda s: Answer(200, {}, b'{"access_token": "t", "expires_in": 60}')) as ids:
        auth = OAuth2Auth(f"{ids.url}/token", "cid", "x", timeout=1, clock=lambda: now[0])
        auth.value()
        now[0] = 29.0
        auth.value()
        now[0] = 31.0  # within 30 s of expiry: fetch a new one
        auth.value()
    assert len(ids.requests) == 2
    with (
        HttpServer(lambda s: Answer(401)) as ids,
        pytest.raises(ConfigError, match=r"token request .* was refused"),
    ):
        OAuth2Auth(f"{ids.url}/token", "cid", "x", timeout=1).value()


def test_401_after_refresh_is_an_error() -> None:
    with (
        HttpServer(lambda s: Answer(200, {}, b'{"access_token": "t"}')) as ids,
        HttpServer(lambda s: Answer(401)) as srv,
    ):
        auth = OAuth2Auth(f"{ids.url}/token", "cid", "x", timeout=1)
        with pytest.raises(Unauthorized):
            Client(srv.url, auth=auth, evidence=EvidenceLog(), timeout=1).get("/entities")
    assert len(srv.requests) == 2 and len(ids.requests) == 2


def test_reference_target() -> None:
    cfg = reference_target("http://127.0.0.1:9/")
    assert (cfg.name, cfg.url) == ("reference", "http://127.0.0.1:9")
    assert cfg.auth.kind is AuthKind.NONE


def test_every_auth_kind_is_a_frozen_config_class_in_the_registry() -> None:
    assert set(AUTH_KINDS) == set(AuthKind)
    for kind, cls in AUTH_KINDS.items():
        assert cls.kind is kind and issubclass(cls, AuthConfig)
        assert cls.__dataclass_params__.frozen  # type: ignore[attr-defined]
    template = (Path(__file__).parents[1] / "conform" / "cli" / "init_cmd.py").read_text()
    assert all(f"# {k.value}:" in template for k in AuthKind if k is not AuthKind.NONE)
    assert " | ".join(k.value for k in AuthKind) in template


@pytest.mark.parametrize(
    ("auth", "header", "value"),
    [
        ("{kind: bearer, token_env: S}", "Authorization", "Bearer s3"),
        ("{kind: basic, username: u, password_env: S}", "Authorization",
         "Basic " + base64.b64encode(b"u:s3").decode()),
        ("{kind: api_key, header: X-Key, key_env: S}", "X-Key", "s3"),
    ],
)  # fmt: skip
def test_each_static_kind_sends_its_header(
    tmp_path: Path, auth: str, header: str, value: str
) -> None:
    cfg = load_system(write(tmp_path, HEAD + f"auth: {auth}\n")).auth
    built = build_auth(cfg, environ={"S": "s3"})
    assert built is not None and (built.header, built.value()) == (header, value)
