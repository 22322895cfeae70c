"""The durable job queue: jobs and their ordered event log in SQLite, an event bus, a runner.

Every state change and progress update is one write unit that updates the job row and
appends to `job_events` in the same transaction; the event is published on the bus only
after it is committed, so a subscriber never sees an event that a reader cannot replay.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import shutil
import sqlite3
import uuid
from collections import deque
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from genscene.db.database import Database
from genscene.errors import (
    ConflictError,
    GenSceneError,
    JobCancelledError,
    NotFoundError,
    ValidationError,
)

log = logging.getLogger(__name__)

JOB_KINDS = ("compose", "tts", "preview")
STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")
TERMINAL_STATUSES = frozenset({"succeeded", "failed", "cancelled"})
EVENT_TYPES = ("status", "progress", "log")
MAX_PAGE_SIZE = 100


def utc_now_iso() -> str:
    """Return the current time as ISO 8601 UTC with microseconds and a `Z`."""
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def new_job_id() -> str:
    """Return a fresh job id (32 lowercase hex characters)."""
    return uuid.uuid4().hex


def is_job_id(value: str) -> bool:
    """Return True when `value` has the shape of a job id."""
    return len(value) == 32 and all(c in "0123456789abcdef" for c in value)


@dataclass(frozen=True)
class Job:
    id: str
    kind: str
    status: str
    progress: float
    stage: str | None
    message: str | None
    params: dict[str, Any]
    result: dict[str, Any] | None
    error: dict[str, Any] | None
    attempts: int
    cancel_requested: bool
    created_at: str
    started_at: str | None
    finished_at: str | None
    updated_at: str | None

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Job:
        return cls(
            id=row["id"],
            kind=row["kind"],
            status=row["status"],
            progress=float(row["progress"] or 0.0),
            stage=row["stage"],
            message=row["message"],
            params=json.loads(row["params"] or "{}"),
            result=json.loads(row["result"]) if row["result"] else None,
            error=json.loads(row["error"]) if row["error"] else None,
            attempts=int(row["attempts"] or 0),
            cancel_requested=bool(row["cancel_requested"]),
            created_at=row["created_at"],
            started_at=row["started_at"],
            finished_at=row["finished_at"],
            updated_at=row["updated_at"],
        )

    def to_json(self) -> dict[str, Any]:
        """Return the job in the API's JSON shape."""
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "progress": round(self.progress, 4),
            "stage": self.stage,
            "message": self.message,
            "created_at": self.created_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "attempts": self.attempts,
            "params": self.params,
            "result": self.result,
            "error": self.error,
        }


@dataclass(frozen=True)
class JobEvent:
    job_id: str
    seq: int
    type: str
    data: dict[str, Any]
    created_at: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> JobEvent:
        return cls(
            row["job_id"], row["seq"], row["type"], json.loads(row["data"]), row["created_at"]
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "seq": self.seq,
            "type": self.type,
            "data": self.data,
            "created_at": self.created_at,
        }


# -- the event bus ------------------------------------------------------------------


class Subscription:
    """A bounded queue of one subscriber's events. Overflow marks it, never blocks others.

    Deliberately small (slots, one deque, at most one waiter future): a server holds one
    per open stream, thousands at once.
    """

    __slots__ = (
        "_bus",
        "_items",
        "_waiter",
        "dropped",
        "interrupted",
        "key",
        "maxsize",
        "overflowed",
    )

    def __init__(self, bus: InProcessEventBus, key: str, maxsize: int) -> None:
        self._bus = bus
        self.key = key
        self.maxsize = maxsize
        self._items: deque[JobEvent] | None = None  # created on the first event
        self._waiter: asyncio.Future[None] | None = None
        self.overflowed = False
        self.dropped = 0
        self.interrupted: str | None = None

    def qsize(self) -> int:
        """Return how many events wait to be read."""
        return len(self._items) if self._items else 0

    def pending(self) -> list[JobEvent]:
        """Return the events waiting to be read, without taking them."""
        return list(self._items) if self._items else []

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def offer(self, event: JobEvent) -> None:
        if self._items is None:
            self._items = deque()
        if len(self._items) >= self.maxsize:
            self.overflowed = True
            self.dropped += 1
            return
        self._items.append(event)
        self._wake()

    def interrupt(self, reason: str) -> None:
        """Wake the subscriber at once with `reason` set (e.g. the server is shutting down)."""
        self.interrupted = reason
        self._wake()

    async def get(self, timeout_s: float | None = None) -> JobEvent | None:
        """Return the next event, or None when `timeout_s` passes or it is interrupted."""
        if self.interrupted is None and not self._items:
            self._waiter = asyncio.get_running_loop().create_future()
            # asyncio.timeout, not wait_for: no extra task per waiting subscriber.
            try:
                async with asyncio.timeout(timeout_s):
                    await self._waiter
            except TimeoutError:
                return None
            finally:
                self._waiter = None
        if self.interrupted is not None or not self._items:
            return None
        return self._items.popleft()

    def close(self) -> None:
        self._bus.unsubscribe(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class EventBus(Protocol):
    """Publishes committed job events to subscribers (in-process now, Redis later)."""

    def subscribe(self, job_id: str, maxsize: int = 256) -> Subscription: ...

    def publish(self, event: JobEvent) -> None: ...

    def subscriber_count(self, job_id: str | None = None) -> int: ...


class InProcessEventBus:
    """An EventBus for one process. Call it from the event loop thread only."""

    ALL = "*"

    def __init__(self) -> None:
        self._subs: dict[str, set[Subscription]] = {}

    def subscribe(self, job_id: str, maxsize: int = 256) -> Subscription:
        """Return a subscription to `job_id`'s events (`InProcessEventBus.ALL` for every job)."""
        sub = Subscription(self, job_id, maxsize)
        self._subs.setdefault(job_id, set()).add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        subs = self._subs.get(sub.key)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._subs[sub.key]

    def publish(self, event: JobEvent) -> None:
        for key in (event.job_id, self.ALL):
            for sub in list(self._subs.get(key, ())):
                sub.offer(event)

    def subscriber_count(self, job_id: str | None = None) -> int:
        if job_id is not None:
            return len(self._subs.get(job_id, ()))
        return sum(len(s) for s in self._subs.values())


# -- the store ----------------------------------------------------------------------


def _append_event(
    conn: sqlite3.Connection, job_id: str, type_: str, data: dict[str, Any], now: str
) -> JobEvent:
    row = conn.execute(
        "INSERT INTO job_events (job_id, seq, type, data, created_at) "
        "VALUES (?, (SELECT coalesce(max(seq), 0) + 1 FROM job_events WHERE job_id = ?), ?, ?, ?) "
        "RETURNING *",
        (job_id, job_id, type_, json.dumps(data, separators=(",", ":")), now),
    ).fetchone()
    return JobEvent.from_row(row)


def _status_data(job: Job) -> dict[str, Any]:
    return {
        "status": job.status,
        "progress": round(job.progress, 4),
        "stage": job.stage,
        "message": job.message,
        "result": job.result,
        "error": job.error,
    }


def _encode_cursor(created_at: str, job_id: str) -> str:
    return base64.urlsafe_b64encode(f"{created_at}|{job_id}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[str, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created_at, job_id = base64.urlsafe_b64decode(padded).decode().split("|")
    except (ValueError, UnicodeDecodeError):
        raise ValidationError("cursor is not one this server issued", field="cursor") from None
    if not is_job_id(job_id):
        raise ValidationError("cursor is not one this server issued", field="cursor")
    return created_at, job_id


class JobStore:
    """Typed queries over `jobs` and `job_events`; publishes each committed event."""

    def __init__(self, db: Database, bus: EventBus | None = None) -> None:
        self.db = db
        self.bus: EventBus = bus or InProcessEventBus()

    def _publish(self, events: Iterable[JobEvent]) -> None:
        for event in events:
            self.bus.publish(event)

    async def create(self, kind: str, params: dict[str, Any]) -> Job:
        """Return a new queued job of `kind` with `params`."""
        if kind not in JOB_KINDS:
            raise ValidationError(f"kind must be one of {list(JOB_KINDS)}", field="kind")
        job_id = new_job_id()
        encoded = json.dumps(params, separators=(",", ":"))

        def insert(conn: sqlite3.Connection) -> tuple[Job, JobEvent]:
            return _insert_queued(conn, job_id, kind, encoded)

        job, event = await self.db.awrite(insert)
        self._publish([event])
        return job

    async def create_unless_active(
        self, kind: str, params: dict[str, Any], key: str
    ) -> tuple[Job, bool]:
        """Return (job, created): a new queued job, or the queued/running one of the same
        `kind` whose `params[key]` is equal. The check and the insert are one transaction,
        so concurrent callers never enqueue duplicates."""
        if kind not in JOB_KINDS:
            raise ValidationError(f"kind must be one of {list(JOB_KINDS)}", field="kind")
        job_id = new_job_id()
        encoded = json.dumps(params, separators=(",", ":"))

        def insert(conn: sqlite3.Connection) -> tuple[Job, JobEvent | None]:
            row = conn.execute(
                "SELECT * FROM jobs WHERE kind = ? AND status IN ('queued', 'running') "
                "AND json_extract(params, '$.' || ?) = ? ORDER BY created_at LIMIT 1",
                (kind, key, params[key]),
            ).fetchone()
            if row is not None:
                return Job.from_row(row), None
            return _insert_queued(conn, job_id, kind, encoded)

        job, event = await self.db.awrite(insert)
        if event is not None:
            self._publish([event])
        return job, event is not None

    async def active_params(self, kind: str) -> list[dict[str, Any]]:
        """Return the params of every queued or running job of `kind`."""
        rows = await self.db.aread(
            lambda conn: conn.execute(
                "SELECT params FROM jobs WHERE kind = ? AND status IN ('queued', 'running')",
                (kind,),
            ).fetchall()
        )
        return [json.loads(row[0]) for row in rows]

    async def get(self, job_id: str) -> Job:
        """Return the job `job_id`; NotFoundError when there is none."""
        job = await self.db.aread(lambda conn: _get(conn, job_id))
        if job is None:
            raise NotFoundError(f"no job {job_id}", field="job_id")
        return job

    def get_sync(self, job_id: str) -> Job | None:
        """Return the job `job_id` or None, reading on the calling thread."""
        return self.db.read(lambda conn: _get(conn, job_id))

    async def list_jobs(
        self,
        *,
        status: str | None = None,
        kind: str | None = None,
        cursor: str | None = None,
        limit: int = 20,
    ) -> tuple[list[Job], str | None]:
        """Return a page of jobs, newest first, and the cursor of the next page (or None)."""
        if status is not None and status not in STATUSES:
            raise ValidationError(f"status must be one of {list(STATUSES)}", field="status")
        if kind is not None and kind not in JOB_KINDS:
            raise ValidationError(f"kind must be one of {list(JOB_KINDS)}", field="kind")
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise ValidationError(f"limit must be between 1 and {MAX_PAGE_SIZE}", field="limit")
        clauses, args = [], []
        if status is not None:
            clauses.append("status = ?")
            args.append(status)
        if kind is not None:
            clauses.append("kind = ?")
            args.append(kind)
        if cursor:
            created_at, job_id = _decode_cursor(cursor)
            clauses.append("(created_at, id) < (?, ?)")
            args.extend([created_at, job_id])
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        sql = f"SELECT * FROM jobs {where} ORDER BY created_at DESC, id DESC LIMIT ?"
        rows = await self.db.aread(lambda conn: conn.execute(sql, [*args, limit + 1]).fetchall())
        jobs = [Job.from_row(r) for r in rows[:limit]]
        next_cursor = None
        if len(rows) > limit:
            next_cursor = _encode_cursor(jobs[-1].created_at, jobs[-1].id)
        return jobs, next_cursor

    async def counts(self) -> dict[str, int]:
        """Return the number of jobs in each status."""
        rows = await self.db.aread(
            lambda conn: conn.execute(
                "SELECT status, count(*) FROM jobs GROUP BY status"
            ).fetchall()
        )
        found = {status: 0 for status in STATUSES}
        found.update({row[0]: row[1] for row in rows})
        return found

    async def claim(self, kinds: Iterable[str]) -> Job | None:
        """Return the oldest queued job of one of `kinds`, now `running`, or None.

        One UPDATE ... RETURNING inside BEGIN IMMEDIATE: two workers (or two processes)
        can never claim the same job.
        """
        kinds = list(kinds)
        marks = ",".join("?" for _ in kinds)

        def claim(conn: sqlite3.Connection) -> tuple[Job, JobEvent] | None:
            now = utc_now_iso()
            row = conn.execute(
                "UPDATE jobs SET status = 'running', stage = 'starting', message = NULL, "
                "attempts = attempts + 1, started_at = ?, updated_at = ? "
                "WHERE id = (SELECT id FROM jobs WHERE status = 'queued' "
                f"AND kind IN ({marks}) ORDER BY created_at, id LIMIT 1) RETURNING *",
                (now, now, *kinds),
            ).fetchone()
            if row is None:
                return None
            job = Job.from_row(row)
            return job, _append_event(conn, job.id, "status", _status_data(job), now)

        claimed = await self.db.awrite(claim)
        if claimed is None:
            return None
        self._publish([claimed[1]])
        return claimed[0]

    async def report_progress(
        self,
        job_id: str,
        progress: float,
        stage: str,
        message: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> bool:
        """Return whether a cancel was requested, after recording progress (0..1) and stage."""
        progress = min(1.0, max(0.0, float(progress)))

        def update(conn: sqlite3.Connection) -> tuple[bool, JobEvent | None]:
            now = utc_now_iso()
            row = conn.execute(
                "UPDATE jobs SET progress = ?, stage = ?, message = ?, updated_at = ? "
                "WHERE id = ? AND status = 'running' RETURNING cancel_requested",
                (progress, stage, message, now, job_id),
            ).fetchone()
            if row is None:
                return True, None
            data = {"progress": round(progress, 4), "stage": stage, "message": message}
            if extra:
                data.update(extra)
            return bool(row[0]), _append_event(conn, job_id, "progress", data, now)

        cancel, event = await self.db.awrite(update)
        if event is not None:
            self._publish([event])
        return cancel

    async def log(self, job_id: str, message: str, level: str = "info") -> None:
        """Append a `log` event to the job's stream."""

        def append(conn: sqlite3.Connection) -> JobEvent:
            return _append_event(
                conn, job_id, "log", {"level": level, "message": message}, utc_now_iso()
            )

        self._publish([await self.db.awrite(append)])

    async def finish(
        self,
        job_id: str,
        status: str,
        *,
        result: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
    ) -> Job:
        """Return the job after moving it from running (or queued) to a terminal `status`."""
        if status not in TERMINAL_STATUSES:
            raise ValueError(f"not a terminal status: {status}")

        def update(conn: sqlite3.Connection) -> tuple[Job, JobEvent | None]:
            now = utc_now_iso()
            progress_sql = ", progress = 1.0" if status == "succeeded" else ""
            row = conn.execute(
                f"UPDATE jobs SET status = ?, stage = ?, result = ?, error = ?, "
                f"finished_at = ?, updated_at = ?{progress_sql} "
                "WHERE id = ? AND status IN ('queued', 'running') RETURNING *",
                (
                    status,
                    status,
                    json.dumps(result) if result is not None else None,
                    json.dumps(error) if error is not None else None,
                    now,
                    now,
                    job_id,
                ),
            ).fetchone()
            return _after_update(conn, row, job_id, now)

        job, event = await self.db.awrite(update)
        if event is not None:
            self._publish([event])
        return job

    async def request_cancel(self, job_id: str) -> Job:
        """Return the job after cancelling it (queued) or flagging it for cancel (running).

        ConflictError when the job has already finished.
        """

        def update(conn: sqlite3.Connection) -> tuple[Job, JobEvent | None]:
            job = _get(conn, job_id)
            if job is None:
                raise NotFoundError(f"no job {job_id}", field="job_id")
            if job.is_terminal:
                raise ConflictError(f"job {job_id} has already {job.status}", field="job_id")
            now = utc_now_iso()
            if job.status == "queued":
                row = conn.execute(
                    "UPDATE jobs SET status = 'cancelled', stage = 'cancelled', "
                    "cancel_requested = 1, finished_at = ?, updated_at = ? WHERE id = ? "
                    "RETURNING *",
                    (now, now, job_id),
                ).fetchone()
                job = Job.from_row(row)
                return job, _append_event(conn, job_id, "status", _status_data(job), now)
            row = conn.execute(
                "UPDATE jobs SET cancel_requested = 1, updated_at = ? WHERE id = ? RETURNING *",
                (now, job_id),
            ).fetchone()
            return Job.from_row(row), None

        job, event = await self.db.awrite(update)
        if event is not None:
            self._publish([event])
        return job

    async def requeue(self, job_id: str, reason: str, *, count_attempt: bool = False) -> Job:
        """Return the job after putting a running job back in the queue."""

        def update(conn: sqlite3.Connection) -> tuple[Job, JobEvent | None]:
            now = utc_now_iso()
            attempts_sql = "" if count_attempt else ", attempts = max(attempts - 1, 0)"
            row = conn.execute(
                "UPDATE jobs SET status = 'queued', stage = 'queued', message = ?, "
                f"progress = 0.0, started_at = NULL, updated_at = ?{attempts_sql} "
                "WHERE id = ? AND status = 'running' RETURNING *",
                (reason, now, job_id),
            ).fetchone()
            return _after_update(conn, row, job_id, now)

        job, event = await self.db.awrite(update)
        if event is not None:
            self._publish([event])
        return job

    async def recover_interrupted(self, max_attempts: int) -> list[Job]:
        """Return the jobs found `running` at start-up, each re-queued or failed.

        A job left running was interrupted by a crash or kill. It goes back to the queue
        until it has been attempted `max_attempts` times; then it fails with the reason.
        """

        def recover(conn: sqlite3.Connection) -> list[tuple[Job, JobEvent]]:
            now = utc_now_iso()
            out = []
            for row in conn.execute("SELECT * FROM jobs WHERE status = 'running'").fetchall():
                job = Job.from_row(row)
                if job.attempts >= max_attempts:
                    error = {
                        "code": "interrupted",
                        "message": f"interrupted {job.attempts} times (server stopped or "
                        "crashed while it ran); giving up",
                        "field": None,
                    }
                    new = conn.execute(
                        "UPDATE jobs SET status = 'failed', stage = 'failed', error = ?, "
                        "finished_at = ?, updated_at = ? WHERE id = ? RETURNING *",
                        (json.dumps(error), now, now, job.id),
                    ).fetchone()
                else:
                    new = conn.execute(
                        "UPDATE jobs SET status = 'queued', stage = 'queued', progress = 0.0, "
                        "message = 'interrupted; re-queued', started_at = NULL, updated_at = ? "
                        "WHERE id = ? RETURNING *",
                        (now, job.id),
                    ).fetchone()
                recovered = Job.from_row(new)
                out.append(
                    (recovered, _append_event(conn, job.id, "status", _status_data(recovered), now))
                )
            return out

        recovered = await self.db.awrite(recover)
        self._publish(event for _, event in recovered)
        return [job for job, _ in recovered]

    async def events(self, job_id: str, after_seq: int = 0, limit: int = 1000) -> list[JobEvent]:
        """Return the job's stored events with seq > `after_seq`, in order."""
        rows = await self.db.aread(
            lambda conn: conn.execute(
                "SELECT * FROM job_events WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                (job_id, after_seq, limit),
            ).fetchall()
        )
        return [JobEvent.from_row(r) for r in rows]


def _insert_queued(
    conn: sqlite3.Connection, job_id: str, kind: str, encoded_params: str
) -> tuple[Job, JobEvent]:
    """Return a newly inserted queued job and its first status event."""
    now = utc_now_iso()
    row = conn.execute(
        "INSERT INTO jobs (id, kind, status, progress, stage, params, attempts, "
        "cancel_requested, created_at, updated_at) "
        "VALUES (?, ?, 'queued', 0.0, 'queued', ?, 0, 0, ?, ?) RETURNING *",
        (job_id, kind, encoded_params, now, now),
    ).fetchone()
    job = Job.from_row(row)
    return job, _append_event(conn, job_id, "status", _status_data(job), now)


def _after_update(
    conn: sqlite3.Connection, row: sqlite3.Row | None, job_id: str, now: str
) -> tuple[Job, JobEvent | None]:
    """Return the job an `UPDATE ... RETURNING` changed, with its status event appended;
    or, when the update matched nothing (wrong state), the job as it is and no event."""
    if row is None:
        current = _get(conn, job_id)
        if current is None:
            raise NotFoundError(f"no job {job_id}", field="job_id")
        return current, None
    job = Job.from_row(row)
    return job, _append_event(conn, job_id, "status", _status_data(job), now)


def _get(conn: sqlite3.Connection, job_id: str) -> Job | None:
    row = conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
    return Job.from_row(row) if row else None


# -- the runner ---------------------------------------------------------------------


@dataclass
class JobContext:
    """What a job handler gets: its job, a place for outputs, and progress reporting."""

    job: Job
    store: JobStore
    output_dir: Path
    cancel_requested: bool = False
    extras: dict[str, Any] = field(default_factory=dict)

    async def progress(
        self, progress: float, stage: str, message: str | None = None, **extra: Any
    ) -> None:
        """Record progress; raises JobCancelledError if a cancel was requested meanwhile."""
        self.cancel_requested = await self.store.report_progress(
            self.job.id, progress, stage, message, extra or None
        )
        if self.cancel_requested:
            raise JobCancelledError("cancelled on request")

    async def log(self, message: str, level: str = "info") -> None:
        await self.store.log(self.job.id, message, level)


JobHandler = Callable[[JobContext], Coroutine[Any, Any, dict[str, Any]]]


class JobRunner:
    """Runs queued jobs with `workers` concurrent workers until stopped."""

    def __init__(
        self,
        store: JobStore,
        handlers: dict[str, JobHandler],
        *,
        media_dir: Path,
        workers: int = 2,
        max_attempts: int = 3,
        poll_interval_s: float = 1.0,
        extras: dict[str, Any] | None = None,
    ) -> None:
        self.store = store
        self.handlers = dict(handlers)
        self.media_dir = media_dir
        self.workers = workers
        self.max_attempts = max_attempts
        self.poll_interval_s = poll_interval_s
        self.extras = extras or {}
        self._wake = asyncio.Event()
        self._stopping = False
        self._worker_tasks: list[asyncio.Task[None]] = []
        self._running: dict[str, asyncio.Task[dict[str, Any]]] = {}
        self._cancel_requested: set[str] = set()
        self._settled: dict[str, asyncio.Event] = {}

    @property
    def running_jobs(self) -> list[str]:
        return list(self._running)

    @property
    def is_running(self) -> bool:
        return bool(self._worker_tasks) and not self._stopping

    def register(self, kind: str, handler: JobHandler) -> None:
        self.handlers[kind] = handler

    async def start(self) -> list[Job]:
        """Return the jobs recovered from a previous run, after starting the workers."""
        recovered = await self.store.recover_interrupted(self.max_attempts)
        for job in recovered:
            log.warning("job %s was interrupted: now %s", job.id, job.status)
        self._stopping = False
        self._worker_tasks = [
            asyncio.create_task(self._work(n), name=f"genscene-worker-{n}")
            for n in range(self.workers)
        ]
        return recovered

    def notify(self) -> None:
        """Wake idle workers: a job was just queued."""
        self._wake.set()

    async def cancel(self, job_id: str, cancel_wait_s: float = 5.0) -> Job:
        """Return the job after cancelling it: at once if queued, by interrupting if running."""
        job = await self.store.request_cancel(job_id)
        task = self._running.get(job_id)
        settled = self._settled.get(job_id)
        if task is not None and not task.done():
            self._cancel_requested.add(job_id)
            task.cancel()
        if settled is not None:
            # Answer with the final state when the handler stops promptly (it should).
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(settled.wait(), timeout=cancel_wait_s)
            return await self.store.get(job_id)
        return job

    async def stop(self, grace_s: float = 10.0) -> None:
        """Stop claiming; let running jobs finish for `grace_s`, then re-queue what is left."""
        self._stopping = True
        self._wake.set()
        running = list(self._running.values())
        if running:
            _, pending = await asyncio.wait(running, timeout=grace_s)
            for task in pending:
                task.cancel()
        if self._worker_tasks:
            # Workers exit by themselves once their job is settled (finished or re-queued);
            # cancelling them first could lose the re-queue of an interrupted job.
            _, stuck = await asyncio.wait(self._worker_tasks, timeout=grace_s + 5)
            for worker in stuck:
                worker.cancel()
            await asyncio.gather(*self._worker_tasks, return_exceptions=True)
        self._worker_tasks = []

    async def _work(self, number: int) -> None:
        kinds = list(self.handlers)
        while not self._stopping:
            try:
                job = await self.store.claim(kinds)
            except Exception:
                log.exception("worker %d could not claim a job", number)
                job = None
            if job is None:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval_s)
                continue
            await self._run(job)

    async def _run(self, job: Job) -> None:
        output_dir = self.media_dir / job.id
        ctx = JobContext(job=job, store=self.store, output_dir=output_dir, extras=self.extras)
        task = asyncio.create_task(self.handlers[job.kind](ctx), name=f"job-{job.id}")
        self._running[job.id] = task
        self._settled[job.id] = asyncio.Event()
        try:
            # asyncio.wait, not await: stopping the worker must not cancel the job itself.
            await asyncio.wait([task])
            try:
                result = task.result()
            except asyncio.CancelledError:
                if self._stopping and job.id not in self._cancel_requested:
                    await self.store.requeue(job.id, "server stopped; re-queued")
                else:
                    _remove_outputs(output_dir)
                    await self.store.finish(
                        job.id,
                        "cancelled",
                        error=JobCancelledError("cancelled on request").to_dict(),
                    )
                return
            except JobCancelledError as exc:
                _remove_outputs(output_dir)
                await self.store.finish(job.id, "cancelled", error=exc.to_dict())
                return
            except GenSceneError as exc:
                _remove_outputs(output_dir)
                await self.store.finish(job.id, "failed", error=exc.to_dict())
                return
            except Exception as exc:
                log.exception("job %s (%s) failed unexpectedly", job.id, job.kind)
                _remove_outputs(output_dir)
                await self.store.finish(
                    job.id,
                    "failed",
                    error={
                        "code": "internal",
                        "message": f"unexpected {type(exc).__name__}; see the server log",
                        "field": None,
                    },
                )
                return
            await self.store.finish(job.id, "succeeded", result=result)
        finally:
            self._running.pop(job.id, None)
            self._cancel_requested.discard(job.id)
            settled = self._settled.pop(job.id, None)
            if settled is not None:
                settled.set()


def _remove_outputs(output_dir: Path) -> None:
    # A failed or cancelled job leaves nothing half-written that could be served as done.
    if output_dir.exists():
        shutil.rmtree(output_dir, ignore_errors=True)
