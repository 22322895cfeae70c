"""API-key authentication and the CORS policy."""

from __future__ import annotations

import functools
import hmac
import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

from quart import Quart, Response, current_app, request

from genscene.errors import AuthenticationError
from genscene.settings import Settings

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])


def key_matches(presented: str, keys: tuple[str, ...]) -> bool:
    """Return True when `presented` equals one of `keys`, in time independent of which.

    Every key is compared (no early exit) with `hmac.compare_digest`, so neither the
    position of a match nor the length of a common prefix shows in the timing.
    """
    candidate = presented.encode()
    found = False
    for key in keys:
        found |= hmac.compare_digest(candidate, key.encode())
    return found


def presented_api_key() -> str | None:
    """Return the API key sent as `X-API-Key` or `Authorization: Bearer`, if any."""
    key = request.headers.get("X-API-Key")
    if key:
        return key.strip()
    auth = request.headers.get("Authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def check_api_key() -> None:
    """Raise AuthenticationError unless the request carries a configured API key."""
    settings: Settings = current_app.config["GENSCENE_SETTINGS"]
    presented = presented_api_key()
    if presented is None:
        raise AuthenticationError("an API key is required (X-API-Key or Authorization: Bearer)")
    if not key_matches(presented, settings.api_keys):
        raise AuthenticationError("the API key is not valid")


def require_api_key(view: F) -> F:
    """Decorate a view so it answers 401 unless a valid API key is presented."""

    @functools.wraps(view)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        check_api_key()
        return await view(*args, **kwargs)

    wrapper.__genscene_auth__ = "api_key"  # type: ignore[attr-defined]
    return cast(F, wrapper)


class CorsPolicy:
    """Allowed origins: an exact list plus an optional regex (e.g. for subdomains)."""

    ALLOW_HEADERS = "Authorization, Content-Type, X-API-Key, Last-Event-ID, Range"
    ALLOW_METHODS = "GET, POST, OPTIONS"
    EXPOSE_HEADERS = "Location, Content-Range, Accept-Ranges, Content-Length"

    def __init__(self, origins: tuple[str, ...], origin_regex: str = "") -> None:
        self.origins = frozenset(o.rstrip("/") for o in origins)
        self.pattern = re.compile(origin_regex) if origin_regex else None

    def allows(self, origin: str) -> bool:
        """Return True when `origin` may make cross-origin requests."""
        if origin in self.origins:
            return True
        return bool(self.pattern and self.pattern.fullmatch(origin))

    def install(self, app: Quart) -> None:
        """Answer preflights and add CORS headers for allowed origins only."""

        @app.before_request
        async def preflight() -> Response | None:
            if (
                request.method != "OPTIONS"
                or "Access-Control-Request-Method" not in request.headers
            ):
                return None
            response = Response("", status=204)
            origin = request.headers.get("Origin", "")
            if origin and self.allows(origin):
                response.headers["Access-Control-Allow-Methods"] = self.ALLOW_METHODS
                response.headers["Access-Control-Allow-Headers"] = self.ALLOW_HEADERS
                response.headers["Access-Control-Max-Age"] = "600"
            return response

        @app.after_request
        async def add_headers(response: Response) -> Response:
            origin = request.headers.get("Origin", "")
            response.vary.add("Origin")
            if origin and self.allows(origin):
                response.headers["Access-Control-Allow-Origin"] = origin
                response.headers["Access-Control-Expose-Headers"] = self.EXPOSE_HEADERS
            return response
