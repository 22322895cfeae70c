"""`GET /health`: FFmpeg, eSpeak NG, database and queue; 200 when all is well, 503 if not."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

from quart import Blueprint, Response, jsonify

from genscene import __version__
from genscene.errors import GenSceneError
from genscene.pipeline.process import find_espeak, find_ffmpeg
from genscene.web.context import services
from genscene.web.openapi import doc

bp = Blueprint("health", __name__)


def _tool(finder: Any) -> dict[str, Any]:
    try:
        tool = finder()
    except GenSceneError as exc:
        return {"ok": False, "error": exc.message}
    return {"ok": True, "path": tool.path, "version": tool.version}


def _probe_write(conn: sqlite3.Connection) -> str:
    # A real write in the writer's transaction proves the file is writable.
    conn.execute(
        "INSERT INTO _genscene_meta (key, value) VALUES ('health', datetime('now')) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value"
    )
    return str(conn.execute("PRAGMA journal_mode").fetchone()[0])


@bp.get("/health")
@doc(
    "Health of FFmpeg, eSpeak NG, the database and the queue",
    tag="health",
    responses={200: "All is well", 503: "Something named in `problems` is not"},
)
async def health() -> Response:
    svc = services()
    ffmpeg, espeak = await asyncio.gather(
        asyncio.to_thread(_tool, find_ffmpeg), asyncio.to_thread(_tool, find_espeak)
    )
    database: dict[str, Any]
    try:
        mode = await asyncio.wait_for(svc.db.awrite(_probe_write), timeout=5)
        database = {"ok": mode == "wal", "journal_mode": mode, "writable": True}
    except Exception as exc:  # any failure here is exactly what health must report
        database = {"ok": False, "writable": False, "error": type(exc).__name__}
    counts = await svc.store.counts()
    queue = {
        "ok": svc.runner.is_running,
        "depth": counts["queued"],
        "running": counts["running"],
        "workers": svc.runner.workers,
    }
    checks = {"ffmpeg": ffmpeg, "espeak_ng": espeak, "database": database, "queue": queue}
    problems = [name for name, check in checks.items() if not check["ok"]]
    body = {
        "status": "ok" if not problems else "degraded",
        "problems": problems,
        "version": __version__,
        "uptime_s": round(svc.uptime_s, 3),
        **checks,
    }
    response = jsonify(body)
    response.status_code = 200 if not problems else 503
    response.headers["Cache-Control"] = "no-store"
    return response
