"""`/openapi.json` and a docs page that works offline (no CDN assets)."""

from __future__ import annotations

from quart import Blueprint, Response, current_app, jsonify, render_template

from genscene.web.openapi import build_openapi, doc

bp = Blueprint("docs", __name__)


@bp.get("/openapi.json")
@doc("The OpenAPI 3.1 document of this API", tag="docs")
async def openapi() -> Response:
    return jsonify(build_openapi(current_app))


@bp.get("/docs")
@doc("API documentation page (self-contained)", tag="docs")
async def docs_page() -> str:
    return await render_template("docs.html")
