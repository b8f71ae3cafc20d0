"""NGSI v2 errors: an HTTP status and the `{"error", "description"}` body the spec names."""

from __future__ import annotations

from typing import Any


class V2Error(Exception):
    """An error answer: status, the spec's error name, a human description, extra headers."""

    def __init__(
        self,
        status: int,
        error: str,
        description: str,
        headers: list[tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(f"{status} {error}: {description}")
        self.status = status
        self.error = error
        self.description = description
        self.headers = headers or []

    def body(self) -> dict[str, Any]:
        """The error payload."""
        return {"error": self.error, "description": self.description}


def bad_request(description: str) -> V2Error:
    """400 BadRequest: the request alone is wrong (URL parameters or payload)."""
    return V2Error(400, "BadRequest", description)


def parse_error(description: str) -> V2Error:
    """400 ParseError: the JSON payload cannot be parsed."""
    return V2Error(400, "ParseError", description)


def not_found(
    description: str = "The requested entity has not been found. Check type and id",
) -> V2Error:
    """404 NotFound."""
    return V2Error(404, "NotFound", description)


def unprocessable(description: str, error: str = "Unprocessable") -> V2Error:
    """422 Unprocessable (or PartialUpdate): the request conflicts with the stored state."""
    return V2Error(422, error, description)


def too_many_results() -> V2Error:
    """409 TooManyResults: an id without type names entities of several types."""
    return V2Error(409, "TooManyResults", "More than one matching entity. Please refine your query")
