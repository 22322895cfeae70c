"""The OpenAPI 3.1 document, built from the app's routes and the `doc` notes on each view.

A test checks that every route of the app appears here, so a new route without a `doc`
note fails CI rather than going undocumented.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from quart import Quart

from genscene import __version__

F = TypeVar("F", bound=Callable[..., Any])

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "field"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "field": {"type": ["string", "null"]},
            },
        }
    },
}

JOB_SCHEMA = {
    "type": "object",
    "required": ["id", "kind", "status", "progress", "stage", "created_at", "params"],
    "properties": {
        "id": {"type": "string"},
        "kind": {"enum": ["compose", "tts", "preview"]},
        "status": {"enum": ["queued", "running", "succeeded", "failed", "cancelled"]},
        "progress": {"type": "number", "minimum": 0, "maximum": 1},
        "stage": {"type": ["string", "null"]},
        "message": {"type": ["string", "null"]},
        "created_at": {"type": "string", "format": "date-time"},
        "started_at": {"type": ["string", "null"], "format": "date-time"},
        "finished_at": {"type": ["string", "null"], "format": "date-time"},
        "attempts": {"type": "integer"},
        "params": {"type": "object"},
        "result": {"type": ["object", "null"]},
        "error": {"type": ["object", "null"]},
    },
}

COMPONENTS: dict[str, Any] = {
    "schemas": {"Error": ERROR_SCHEMA, "Job": JOB_SCHEMA},
    "securitySchemes": {
        "ApiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
        "Bearer": {"type": "http", "scheme": "bearer"},
    },
}


def doc(
    summary: str,
    *,
    tag: str,
    responses: dict[int, str] | None = None,
    request_body: dict[str, Any] | None = None,
    params: list[dict[str, Any]] | None = None,
    auth: str | None = None,
) -> Callable[[F], F]:
    """Return a decorator that attaches OpenAPI notes to a view function."""

    def attach(view: F) -> F:
        view.__openapi__ = {  # type: ignore[attr-defined]
            "summary": summary,
            "tag": tag,
            "responses": responses or {200: "OK"},
            "request_body": request_body,
            "params": params or [],
            "auth": auth,
        }
        return view

    return attach


_CONVERTER = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


def openapi_path(rule: str) -> str:
    """Return a Quart rule (`/api/jobs/<job_id>`) as an OpenAPI path (`/api/jobs/{job_id}`)."""
    return _CONVERTER.sub(r"{\1}", rule)


def build_openapi(app: Quart) -> dict[str, Any]:
    """Return the OpenAPI document for every documented route of `app`."""
    paths: dict[str, dict[str, Any]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        notes = getattr(view, "__openapi__", None)
        if notes is None:
            continue
        path = openapi_path(rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            operation: dict[str, Any] = {
                "summary": notes["summary"],
                "tags": [notes["tag"]],
                "operationId": f"{rule.endpoint}_{method.lower()}",
                "responses": {
                    str(code): (
                        {
                            "description": text,
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Error"}
                                }
                            },
                        }
                        if code >= 400
                        else {"description": text}
                    )
                    for code, text in notes["responses"].items()
                },
            }
            parameters = [
                {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                for name in rule.arguments
            ] + notes["params"]
            if parameters:
                operation["parameters"] = parameters
            if notes["request_body"] is not None and method == "POST":
                operation["requestBody"] = notes["request_body"]
            auth = notes["auth"] or getattr(view, "__genscene_auth__", None)
            if auth == "api_key":
                operation["security"] = [{"ApiKeyHeader": []}, {"Bearer": []}]
            elif auth == "jwt":
                operation["security"] = [{"Bearer": []}]
            paths.setdefault(path, {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Gen Scene Studio API",
            "version": __version__,
            "description": "Storyboard to narrated, styled video. Errors share one shape: "
            '{"error": {"code", "message", "field"}}.',
        },
        "paths": dict(sorted(paths.items())),
        "components": COMPONENTS,
    }


def json_body(schema: dict[str, Any]) -> dict[str, Any]:
    """Return an OpenAPI requestBody for a required JSON body with `schema`."""
    return {"required": True, "content": {"application/json": {"schema": schema}}}
