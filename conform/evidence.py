"""Evidence: every HTTP exchange of a run, redacted, and the `evidence.jsonl` file."""

from __future__ import annotations

import hashlib
import json
import re
import shlex
import threading
from base64 import b64encode
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

from conform.errors import DataError
from conform.files import write_atomic

REDACTED = "***"
# Headers that carry credentials whatever their value looks like.
SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})


@dataclass(frozen=True)
class Exchange:
    """One request and its response (or the error that stopped it), already redacted."""

    id: str
    test: str
    method: str
    url: str
    request_headers: dict[str, str] = field(default_factory=dict)
    request_body: str | None = None
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str | None = None
    error: str | None = None
    duration_ms: float = 0.0
    started_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The `evidence.jsonl` line of this exchange (docs/ARCHITECTURE.md)."""
        response = None
        if self.status is not None:
            response = {
                "status": self.status,
                "headers": self.response_headers,
                "body": self.response_body,
            }
        return {
            "id": self.id,
            "test": self.test,
            "method": self.method,
            "url": self.url,
            "request": {"headers": self.request_headers, "body": self.request_body},
            "response": response,
            "error": self.error,
            "duration_ms": self.duration_ms,
            "started_at": self.started_at,
        }

    @classmethod
    def from_dict(cls, x: Mapping[str, Any]) -> Exchange:
        """The exchange an `evidence.jsonl` line was written from (the inverse of to_dict)."""
        request, response = x.get("request") or {}, x.get("response") or {}
        return cls(
            id=str(x.get("id", "")),
            test=str(x.get("test", "")),
            method=str(x.get("method", "GET")),
            url=str(x.get("url", "")),
            request_headers=_header_dict(request.get("headers")),
            request_body=_body_text(request.get("body")),
            status=response.get("status"),
            response_headers=_header_dict(response.get("headers")),
            response_body=_body_text(response.get("body")),
            error=x.get("error"),
            duration_ms=float(x.get("duration_ms") or 0.0),
            started_at=str(x.get("started_at") or ""),
        )

    def curl(self) -> str:
        """A one-line shell command reproducing the request (credentials stay redacted).

        Runnable as printed in sh or bash: every word is quoted, and a body holding control
        bytes (a NUL cannot even be an argument) is written by printf's octal escapes into
        curl's standard input, so the line never carries a raw control byte.
        """
        parts = ["curl", "-i", "-X", _word(self.method), _word(self.url)]
        for name, value in self.request_headers.items():
            parts += ["-H", _word(f"{name}: {value}")]
        body = self.request_body
        if body is None:
            return " ".join(parts)
        if _CONTROL.search(body) is None:
            return " ".join([*parts, "--data-raw", shlex.quote(body)])
        return " ".join(
            ["printf", shlex.quote(_printf_escaped(body)), "|", *parts, "--data-binary", "@-"]
        )


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _printf_escaped(text: str) -> str:
    """TEXT as a printf format that prints it byte for byte (control bytes as octal escapes)."""
    out = []
    for byte in text.encode("utf-8", "surrogateescape"):
        char = chr(byte)
        if char == "%":
            out.append("%%")
        elif char == "\\":
            out.append("\\\\")
        elif byte < 0x20 or byte >= 0x7F:
            out.append(f"\\{byte:03o}")
        else:
            out.append(char)
    return "".join(out)


def _word(text: str) -> str:
    """One shell word; control characters (never sent raw by a client) shown as escapes."""
    if _CONTROL.search(text) is None:
        return shlex.quote(text)
    return (
        "$'"
        + "".join(f"\\x{ord(c):02x}" if _CONTROL.match(c) or c in "'\\" else c for c in text)
        + "'"
    )


def _header_dict(headers: Any) -> dict[str, str]:
    """Headers recorded as a mapping or as a list of pairs, as a mapping."""
    if isinstance(headers, dict):
        return {str(k): str(v) for k, v in headers.items()}
    return {str(k): str(v) for k, v in headers or ()}


def _body_text(body: Any) -> str | None:
    """A recorded body as text: strings as they are, JSON values pretty-printed."""
    if body is None or isinstance(body, str):
        return body
    return json.dumps(body, indent=2, ensure_ascii=False)


def _variants(secret: str) -> set[str]:
    """The forms a secret can take on the wire: raw, URL-encoded, base64."""
    return {secret, quote(secret, safe=""), quote_plus(secret), b64encode(secret.encode()).decode()}


class EvidenceLog:
    """The run's exchanges, in order; thread-safe; redacts credentials as it records."""

    def __init__(
        self,
        secrets: Iterable[str] = (),
        max_body_chars: int = 64_000,
        redact_headers: Iterable[str] = (),
    ) -> None:
        self._lock = threading.RLock()
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._headers = set(SENSITIVE_HEADERS) | {h.lower() for h in redact_headers}
        self._max_body = max_body_chars
        self._phase = threading.local()  # concurrent tests each tag their own exchanges
        self._items: list[Exchange] = []
        for secret in secrets:
            self.add_secret(secret)

    def add_secret(self, secret: str) -> None:
        """Redact `secret` from now on, and from what was recorded before it was known."""
        if not secret:
            return
        with self._lock:
            new = _variants(secret) - self._secrets
            if not new:
                return
            self._secrets |= new
            ordered = sorted(self._secrets, key=len, reverse=True)  # longest first
            self._pattern = re.compile("|".join(re.escape(s) for s in ordered))
            self._items = [self._redact_exchange(x) for x in self._items]

    def redact_header(self, name: str) -> None:
        """Treat header `name` (e.g. the configured API-key header) as a credential."""
        with self._lock:
            self._headers.add(name.lower())
            self._items = [self._redact_exchange(x) for x in self._items]

    def redact(self, text: str) -> str:
        """`text` with every known secret replaced by `***`."""
        pattern = self._pattern
        return pattern.sub(REDACTED, text) if pattern else text

    def set_phase(self, name: str) -> None:
        """Tag exchanges this thread records from now on with `name` (a test id or a phase)."""
        self._phase.name = name

    @property
    def phase(self) -> str:
        """This thread's phase name ("setup" until it sets one)."""
        return str(getattr(self._phase, "name", "setup"))

    def record(self, **fields_: Any) -> Exchange:
        """Record one exchange (fields of `Exchange` except `id`; `test` defaults to the phase)."""
        with self._lock:
            fields_.setdefault("test", self.phase)
            exchange = Exchange(id=f"x{len(self._items) + 1:06d}", **fields_)
            exchange = self._redact_exchange(exchange)
            exchange = replace(
                exchange,
                request_body=self._truncate(exchange.request_body),
                response_body=self._truncate(exchange.response_body),
            )
            self._items.append(exchange)
            return exchange

    def ids_for(self, phase: str) -> list[str]:
        """Ids of the exchanges recorded under `phase`."""
        with self._lock:
            return [x.id for x in self._items if x.test == phase]

    def exchanges(self) -> list[Exchange]:
        """All exchanges, in recording order."""
        with self._lock:
            return list(self._items)

    def get(self, id_: str) -> Exchange:
        """The exchange with id `id_` (KeyError if there is none)."""
        with self._lock:
            for x in self._items:
                if x.id == id_:
                    return x
        raise KeyError(id_)

    def write(self, path: Path) -> tuple[str, int]:
        """Write `evidence.jsonl` atomically; return its SHA-256 (hex) and the exchange count."""
        with self._lock:
            items = list(self._items)
        text = "".join(json.dumps(x.to_dict(), ensure_ascii=False) + "\n" for x in items)
        data = text.encode("utf-8")
        write_atomic(path, data)
        return hashlib.sha256(data).hexdigest(), len(items)

    def _redact_exchange(self, x: Exchange) -> Exchange:
        return replace(
            x,
            url=self.redact(x.url),
            request_headers=self._redact_headers(x.request_headers),
            request_body=None if x.request_body is None else self.redact(x.request_body),
            response_headers=self._redact_headers(x.response_headers),
            response_body=None if x.response_body is None else self.redact(x.response_body),
            error=None if x.error is None else self.redact(x.error),
        )

    def _redact_headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        return {
            self.redact(k): REDACTED if k.lower() in self._headers else self.redact(str(v))
            for k, v in headers.items()
        }

    def _truncate(self, body: str | None) -> str | None:
        # Called after redaction, so no secret cut in two survives.
        if body is not None and len(body) > self._max_body:
            cut = len(body) - self._max_body
            body = f"{body[: self._max_body]}…[truncated {cut} characters]"
        return body


def read_evidence(path: Path) -> list[dict[str, Any]]:
    """The exchanges of an `evidence.jsonl` file, as dicts."""
    try:
        # "\n" only: splitlines() also breaks at U+0085/U+2028, which JSON strings may hold raw
        lines = path.read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read evidence file: {exc}") from exc
    out: list[dict[str, Any]] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}:{number}: not a JSON line: {exc.msg}") from exc
        if not isinstance(item, dict) or "id" not in item:
            raise DataError(f"{path}:{number}: not an evidence exchange (no 'id')")
        out.append(item)
    return out


def read_exchanges(path: Path) -> list[Exchange]:
    """The exchanges of an `evidence.jsonl` file, as the run recorded them."""
    return [Exchange.from_dict(x) for x in read_evidence(path)]
