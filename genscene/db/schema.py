"""Schema and migrations, built with sqlite-utils. Each migration runs once, in order.

`migrate` runs inside the writer's transaction, so a migration that fails leaves nothing
half-applied.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime

import sqlite_utils


def _m001_jobs_and_events(db: sqlite_utils.Database) -> None:
    db["jobs"].create(  # type: ignore[union-attr]
        {
            "id": str,
            "kind": str,
            "status": str,
            "progress": float,
            "stage": str,
            "message": str,
            "params": str,
            "result": str,
            "error": str,
            "attempts": int,
            "cancel_requested": int,
            "created_at": str,
            "started_at": str,
            "finished_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"kind", "status", "created_at", "params"},
        defaults={"progress": 0.0, "attempts": 0, "cancel_requested": 0, "params": "{}"},
    )
    db["jobs"].create_index(["status", "created_at"])  # type: ignore[union-attr]
    db["jobs"].create_index(["kind", "created_at"])  # type: ignore[union-attr]
    db["jobs"].create_index(["created_at", "id"])  # type: ignore[union-attr]
    db["job_events"].create(  # type: ignore[union-attr]
        {"job_id": str, "seq": int, "type": str, "data": str, "created_at": str},
        pk=("job_id", "seq"),
        not_null={"type", "data", "created_at"},
        foreign_keys=[("job_id", "jobs", "id")],
    )


def _m002_media(db: sqlite_utils.Database) -> None:
    db["media"].create(  # type: ignore[union-attr]
        {
            "id": str,
            "kind": str,
            "mime": str,
            "filename": str,
            "size_bytes": int,
            "sha256": str,
            "path": str,
            "created_at": str,
        },
        pk="id",
        not_null={"kind", "mime", "size_bytes", "path", "created_at"},
    )
    db["media"].create_index(["sha256"])  # type: ignore[union-attr]


MIGRATIONS: list[tuple[int, str, Callable[[sqlite_utils.Database], None]]] = [
    (1, "jobs and job_events", _m001_jobs_and_events),
    (2, "media uploads", _m002_media),
]


def migrate(conn: sqlite3.Connection) -> list[int]:
    """Return the versions applied now, bringing the schema up to the latest migration."""
    db = sqlite_utils.Database(conn)
    if "schema_migrations" not in db.table_names():
        db["schema_migrations"].create(  # type: ignore[union-attr]
            {"version": int, "name": str, "applied_at": str}, pk="version"
        )
    done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
    applied = []
    for version, name, step in MIGRATIONS:
        if version in done:
            continue
        step(db)
        conn.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
            (version, name, datetime.now(UTC).isoformat()),
        )
        applied.append(version)
    return applied


def schema_version(conn: sqlite3.Connection) -> int:
    """Return the highest migration version applied to `conn`'s database (0 if none)."""
    try:
        row = conn.execute("SELECT max(version) FROM schema_migrations").fetchone()
    except sqlite3.OperationalError:
        return 0
    return int(row[0] or 0)
