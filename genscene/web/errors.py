"""The one place errors become HTTP responses: `{"error": {"code", "message", "field"}}`."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from quart import Quart, Response, jsonify
from werkzeug.exceptions import HTTPException

from genscene import errors

log = logging.getLogger(__name__)

STATUS_BY_ERROR: list[tuple[type[errors.GenSceneError], int]] = [
    (errors.BadRequestError, 400),
    (errors.AuthenticationError, 401),
    (errors.PermissionDeniedError, 403),
    (errors.NotFoundError, 404),
    (errors.ConflictError, 409),
    (errors.PayloadTooLargeError, 413),
    (errors.UnsupportedMediaTypeError, 415),
    (errors.ValidationError, 422),
    (errors.RateLimitedError, 429),
    (errors.DependencyError, 503),
]

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    411: "length_required",
    413: "too_large",
    415: "unsupported_media_type",
    416: "range_not_satisfiable",
    422: "invalid",
    429: "rate_limited",
}


def status_for(exc: errors.GenSceneError) -> int:
    """Return the HTTP status for a domain error."""
    for cls, status in STATUS_BY_ERROR:
        if isinstance(exc, cls):
            return status
    return 400


def error_response(
    status: int, code: str, message: str, field: str | None = None, **extra: Any
) -> Response:
    """Return a JSON error response in the API's one shape."""
    body: dict[str, Any] = {"error": {"code": code, "message": message, "field": field, **extra}}
    response = jsonify(body)
    response.status_code = status
    return response


def register_error_handlers(app: Quart) -> None:
    """Map domain errors, HTTP errors and unexpected errors to the one JSON shape."""

    @app.errorhandler(errors.GenSceneError)
    async def domain_error(exc: errors.GenSceneError) -> Response:
        response = error_response(status_for(exc), exc.code, exc.message, exc.field)
        if isinstance(exc, errors.AuthenticationError):
            response.headers["WWW-Authenticate"] = 'Bearer realm="genscene"'
        return response

    @app.errorhandler(HTTPException)
    async def http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        code = _HTTP_CODES.get(status, "http_error")
        message = exc.description or exc.name
        if status == 405:
            message = "method not allowed for this URL"
        elif status == 404:
            message = "no such resource"
        elif status == 413:
            message = "request body is too large"
        response = error_response(status, code, message)
        if status == 405:
            allowed = exc.get_headers()
            for name, value in allowed:
                if name.lower() == "allow":
                    response.headers["Allow"] = value
        return response

    @app.errorhandler(Exception)
    async def unexpected(exc: Exception) -> Response:
        request_id = uuid.uuid4().hex[:16]
        log.error("unexpected error (request %s)", request_id, exc_info=exc)
        return error_response(
            500, "internal", "unexpected server error", None, request_id=request_id
        )
