"""The NGSI v2 subscription model: validation, matching, rendering (no handler, no server state)."""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from conform.reference.ngsi_v2.entity import Entity
from conform.reference.ngsi_v2.errors import bad_request
from conform.reference.ngsi_v2.query import Filter, Selector
from conform.reference.ngsi_v2.syntax import in_scope

FORMATS = ("normalized", "keyValues", "values")
STATS = ("timesSent", "lastNotification", "lastSuccess", "lastFailure")


def _strings(value: Any, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad_request(f"{what} must be an array of strings")
    return value


def _when(text: Any) -> datetime:
    if not isinstance(text, str):
        raise bad_request("expires must be an ISO 8601 date-time string")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise bad_request(f"expires {text!r} is not an ISO 8601 date-time") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass
class Subscription:
    """A subscription: its document as the client sees it, compiled matching, throttling state."""

    id: str
    doc: dict[str, Any]
    scope: list[str]
    selectors: tuple[Selector, ...] = ()
    filter: Filter | None = None
    last_sent: float | None = field(default=None, compare=False)

    def compile(self) -> None:
        """Validate the document and compile its subject; 400 BadRequest when invalid."""
        doc = self.doc
        subject, notification = doc.get("subject"), doc.get("notification")
        if not isinstance(subject, dict) or not isinstance(subject.get("entities"), list):
            raise bad_request("subject.entities is missing")
        if not subject["entities"]:
            raise bad_request("subject.entities must not be empty")
        condition = subject.get("condition", {})
        if not isinstance(condition, dict):
            raise bad_request("subject.condition must be an object")
        _strings(condition.get("attrs", []), "subject.condition.attrs")
        expression = condition.get("expression", {})
        if not isinstance(expression, dict) or not all(
            isinstance(v, str) for v in expression.values()
        ):
            raise bad_request("subject.condition.expression must be an object of strings")
        if not isinstance(notification, dict):
            raise bad_request("notification is missing")
        http_ = notification.get("http")
        url = http_.get("url") if isinstance(http_, dict) else None
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            raise bad_request("notification.http.url must be an absolute http(s) URL")
        for key in ("attrs", "exceptAttrs", "metadata"):
            _strings(notification.get(key, []), f"notification.{key}")
        if notification.get("attrs") and notification.get("exceptAttrs"):
            raise bad_request("notification.attrs and exceptAttrs cannot be used together")
        if notification.get("attrsFormat", "normalized") not in FORMATS:
            raise bad_request(f"notification.attrsFormat must be one of {', '.join(FORMATS)}")
        if "expires" in doc:
            _when(doc["expires"])
        if doc.get("status", "active") not in ("active", "inactive"):
            raise bad_request("status must be active or inactive")
        throttling = doc.get("throttling", 0)
        if (
            isinstance(throttling, bool)
            or not isinstance(throttling, int | float)
            or throttling < 0
        ):
            raise bad_request("throttling must be a non-negative number")
        if not isinstance(doc.get("description", ""), str):
            raise bad_request("description must be a string")
        self.selectors = tuple(Selector.from_json(item) for item in subject["entities"])
        self.filter = Filter.build(self.selectors, expression)

    def status(self) -> str:
        """active, inactive or expired (an active subscription past its expires)."""
        status = self.doc.get("status", "active")
        expires = self.doc.get("expires")
        if status == "active" and expires and _when(expires) <= datetime.now(UTC):
            return "expired"
        return str(status)

    def triggered_by(self, entity: Entity, changed: set[str]) -> bool:
        """Whether a change of CHANGED on ENTITY sends a notification now."""
        if self.status() != "active" or self.filter is None:
            return False
        if not in_scope(entity.path, self.scope) or not self.filter.selects(entity):
            return False
        watched = self.doc["subject"].get("condition", {}).get("attrs") or []
        if watched and not changed & set(watched):
            return False
        throttling = self.doc.get("throttling", 0)
        return not (
            throttling
            and self.last_sent is not None
            and time.monotonic() - self.last_sent < throttling
        )

    def render(self) -> dict[str, Any]:
        """The subscription as GET shows it."""
        out = copy.deepcopy(self.doc)
        out["id"] = self.id
        out["status"] = self.status()
        out["subject"].setdefault("condition", {}).setdefault("attrs", [])
        notification = out["notification"]
        notification.setdefault("attrs", [])
        notification.setdefault("attrsFormat", "normalized")
        return {"id": out.pop("id"), **out}
