"""The NGSI-LD error model: RFC 7807 problem details raised by handlers, rendered by the server."""

from __future__ import annotations

from enum import Enum
from typing import Any

ERROR_BASE = "https://uri.etsi.org/ngsi-ld/errors/"


class ErrorType(Enum):
    """NGSI-LD error types (CIM 009 5.5.2) and the HTTP status each one maps to."""

    INVALID_REQUEST = ("InvalidRequest", 400, "Invalid request")
    BAD_REQUEST_DATA = ("BadRequestData", 400, "Bad request data")
    ALREADY_EXISTS = ("AlreadyExists", 409, "Already exists")
    RESOURCE_NOT_FOUND = ("ResourceNotFound", 404, "Resource not found")
    OPERATION_NOT_SUPPORTED = ("OperationNotSupported", 422, "Operation not supported")
    TOO_MANY_RESULTS = ("TooManyResults", 403, "Too many results")
    INTERNAL_ERROR = ("InternalError", 500, "Internal error")
    LD_CONTEXT_NOT_AVAILABLE = ("LdContextNotAvailable", 503, "LD context not available")
    NONEXISTENT_TENANT = ("NonexistentTenant", 404, "Nonexistent tenant")

    def __init__(self, title_name: str, status: int, title: str) -> None:
        self.type_name = title_name
        self.status = status
        self.title = title


class ProblemError(Exception):
    """A request the server rejects with an NGSI-LD problem-details body."""

    def __init__(self, error: ErrorType, detail: str) -> None:
        super().__init__(detail)
        self.error = error
        self.detail = detail

    def body(self) -> dict[str, Any]:
        """The RFC 7807 problem-details object."""
        return problem_body(self.error, self.detail)


def problem_body(error: ErrorType, detail: str) -> dict[str, Any]:
    """An RFC 7807 problem-details object for an NGSI-LD error type."""
    return {
        "type": ERROR_BASE + error.type_name,
        "title": error.title,
        "status": error.status,
        "detail": detail,
    }


def invalid_request(detail: str) -> ProblemError:
    """400 InvalidRequest: the request is syntactically wrong (e.g. not JSON)."""
    return ProblemError(ErrorType.INVALID_REQUEST, detail)


def bad_data(detail: str) -> ProblemError:
    """400 BadRequestData: well-formed but unacceptable content."""
    return ProblemError(ErrorType.BAD_REQUEST_DATA, detail)


def not_found(detail: str) -> ProblemError:
    """404 ResourceNotFound."""
    return ProblemError(ErrorType.RESOURCE_NOT_FOUND, detail)


def already_exists(detail: str) -> ProblemError:
    """409 AlreadyExists."""
    return ProblemError(ErrorType.ALREADY_EXISTS, detail)


class HttpError(Exception):
    """A plain HTTP error without an NGSI-LD type (405, 406, 411, 413, 415): type about:blank."""

    def __init__(
        self, status: int, title: str, detail: str, headers: list[tuple[str, str]] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.headers = headers or []
        self._body = {"type": "about:blank", "title": title, "status": status, "detail": detail}

    def body(self) -> dict[str, Any]:
        """The RFC 7807 problem-details object."""
        return dict(self._body)
