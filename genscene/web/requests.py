"""Reading request bodies and query parameters strictly, naming the field at fault."""

from __future__ import annotations

import json
from typing import Any

from quart import current_app, request

from genscene.errors import (
    BadRequestError,
    PayloadTooLargeError,
    UnsupportedMediaTypeError,
    ValidationError,
)
from genscene.settings import Settings


async def read_json_object() -> dict[str, Any]:
    """Return the request's JSON object body; 415/413/400/422 errors when it is not one."""
    settings: Settings = current_app.config["GENSCENE_SETTINGS"]
    if request.mimetype != "application/json":
        raise UnsupportedMediaTypeError(
            "send the body as JSON with Content-Type: application/json", field="Content-Type"
        )
    limit = settings.max_request_bytes
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLargeError(f"JSON body is larger than {limit} bytes", field="body")
    raw = await request.get_data(as_text=False)
    if len(raw) > limit:
        raise PayloadTooLargeError(f"JSON body is larger than {limit} bytes", field="body")
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequestError(f"body is not valid JSON: {exc}", field="body") from None
    if not isinstance(body, dict):
        raise ValidationError("body must be a JSON object", field="body")
    return body


def reject_unknown(body: dict[str, Any], allowed: set[str], prefix: str = "") -> None:
    """Raise ValidationError naming the first key of `body` that is not in `allowed`."""
    for key in body:
        if key not in allowed:
            raise ValidationError(f"unknown field {key!r}", field=f"{prefix}{key}")


def take(
    body: dict[str, Any],
    name: str,
    kind: type | tuple[type, ...],
    default: Any = None,
    *,
    required: bool = False,
) -> Any:
    """Return `body[name]` checked against `kind` (bools are not ints), or `default`."""
    if name not in body or body[name] is None:
        if required:
            raise ValidationError(f"{name} is required", field=name)
        return default
    value = body[name]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        raise ValidationError(f"{name} must be {_describe(kinds)}", field=name)
    if not isinstance(value, kinds):
        raise ValidationError(f"{name} must be {_describe(kinds)}", field=name)
    return value


def _describe(kinds: tuple[type, ...]) -> str:
    names = {
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "a boolean",
        dict: "an object",
        list: "an array",
    }
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def query_int(name: str, default: int, low: int, high: int) -> int:
    """Return the integer query parameter `name` within [low, high]; 422 naming it if not."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError(f"{name} must be an integer", field=name) from None
    if not low <= value <= high:
        raise ValidationError(f"{name} must be between {low} and {high}", field=name)
    return value


def query_choice(name: str, choices: tuple[str, ...]) -> str | None:
    """Return the query parameter `name` if it is one of `choices`; 422 naming it if not."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if raw not in choices:
        raise ValidationError(f"{name} must be one of {list(choices)}", field=name)
    return raw


def query_bool(name: str) -> bool:
    """Return the boolean query parameter `name` (true/false/1/0)."""
    raw = (request.args.get(name) or "").lower()
    if raw in ("", "0", "false", "no"):
        return False
    if raw in ("1", "true", "yes"):
        return True
    raise ValidationError(f"{name} must be true or false", field=name)
