"""Database statistics, performance and maintenance."""

from __future__ import annotations

import asyncio

from quart import Blueprint, Response, jsonify

from genscene.web.auth import require_api_key
from genscene.web.context import services
from genscene.web.openapi import doc

bp = Blueprint("database", __name__)


@bp.get("/api/database/stats")
@doc(
    "Sizes, PRAGMAs in effect, tables and connections",
    tag="database",
    responses={200: "Statistics", 401: "No or bad API key"},
)
@require_api_key
async def stats() -> Response:
    db = services().db
    return jsonify(await asyncio.to_thread(db.stats))


@bp.get("/api/database/performance")
@doc(
    "Query counts, latency percentiles, busy waits, group commit, maintenance",
    tag="database",
    responses={200: "Figures", 401: "No or bad API key"},
)
@require_api_key
async def performance() -> Response:
    return jsonify(services().db.performance())


@bp.post("/api/database/optimize")
@doc(
    "Run PRAGMA optimize, incremental vacuum and a WAL checkpoint",
    tag="database",
    responses={200: "What each step did", 401: "No or bad API key"},
)
@require_api_key
async def optimize() -> Response:
    db = services().db
    return jsonify(await asyncio.to_thread(db.optimize))
