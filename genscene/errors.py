"""Domain errors. Each carries a stable code, a human message and the field it concerns.

Nothing here knows about HTTP: the web layer maps each class to a status in one place.
"""

from __future__ import annotations


class GenSceneError(Exception):
    """Base error: `code` is stable and machine-readable, `field` names the input at fault."""

    code = "error"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code

    def to_dict(self) -> dict[str, str | None]:
        """Return the error as the API's `{"code", "message", "field"}` object."""
        return {"code": self.code, "message": self.message, "field": self.field}


class ValidationError(GenSceneError):
    """Input that is well-formed but has a value that is not acceptable."""

    code = "invalid"


class BadRequestError(GenSceneError):
    """Input that cannot be read at all (bad JSON, wrong content type)."""

    code = "bad_request"


class UnsupportedMediaTypeError(GenSceneError):
    """The request body is not of a content type this endpoint accepts."""

    code = "unsupported_media_type"


class NotFoundError(GenSceneError):
    code = "not_found"


class ConflictError(GenSceneError):
    """The request is valid but the resource is in a state that forbids it."""

    code = "conflict"


class AuthenticationError(GenSceneError):
    code = "unauthorized"


class PermissionDeniedError(GenSceneError):
    code = "forbidden"


class PayloadTooLargeError(GenSceneError):
    code = "too_large"


class RateLimitedError(GenSceneError):
    code = "rate_limited"


class DependencyError(GenSceneError):
    """A required external program (FFmpeg, eSpeak NG) is missing or broken."""

    code = "dependency_missing"


class JobFailedError(GenSceneError):
    """A job step failed; the message is safe to show to the user."""

    code = "job_failed"


class JobCancelledError(GenSceneError):
    code = "cancelled"
