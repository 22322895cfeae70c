"""Server-Sent Events for jobs: JWT-authorised streams, replay, heartbeat, registry, cleanup.

A stream replays the job's stored events after `Last-Event-ID`, then follows the bus. The
bus may drop events for a subscriber that falls behind, and events of one job may arrive out
of order; the stream never trusts it for completeness: every gap in the sequence is filled
from the event log, and duplicates are skipped, so a client sees each event exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from quart import Blueprint, Response, jsonify, request

from genscene.errors import BadRequestError, RateLimitedError
from genscene.pipeline.jobs import TERMINAL_STATUSES, Job, JobEvent, JobStore, Subscription
from genscene.settings import Settings
from genscene.web.auth import require_api_key
from genscene.web.context import services
from genscene.web.jobs_api import checked_job_id
from genscene.web.openapi import doc
from genscene.web.tokens import TokenService

log = logging.getLogger(__name__)
bp = Blueprint("sse", __name__)

MAX_EVENT_ID = 2**53  # what JavaScript can represent exactly
REPLAY_PAGE = 500
SUBSCRIBER_QUEUE = 256


def format_event(event_id: int, name: str, data: dict[str, Any]) -> str:
    """Return one SSE message. JSON encoding escapes newlines, so data can inject no field."""
    payload = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return f"id: {event_id}\nevent: {name}\ndata: {payload}\n\n"


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def job_event_data(event: JobEvent) -> dict[str, Any]:
    """Return the SSE data of a stored job event."""
    return {"job_id": event.job_id, "seq": event.seq, **event.data, "at": event.created_at}


def parse_last_event_id(raw: str | None) -> int:
    """Return the resume position; BadRequestError for anything but a small non-negative int."""
    if raw is None or raw.strip() == "":
        return 0
    raw = raw.strip()
    if len(raw) > 16 or not raw.isdigit():
        raise BadRequestError("Last-Event-ID must be a non-negative integer", field="Last-Event-ID")
    value = int(raw)
    if value > MAX_EVENT_ID:
        raise BadRequestError("Last-Event-ID is out of range", field="Last-Event-ID")
    return value


@dataclass(slots=True)
class Connection:
    """One live stream, as the registry sees it."""

    id: str
    job_id: str
    auth: str  # "jwt" | "api_key"
    client: str
    token_id: str | None
    expires_at: float | None
    connected_at: float = field(default_factory=time.time)
    last_event_at: float | None = None
    events_sent: int = 0
    sending_since: float | None = None
    subscription: Subscription | None = None
    task: asyncio.Task[Any] | None = None
    close_reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Return what /api/sse/status shows: never the token itself."""
        return {
            "id": self.id,
            "job_id": self.job_id,
            "auth": self.auth,
            "client": self.client,
            "connected_at": _iso(self.connected_at),
            "last_event_at": _iso(self.last_event_at) if self.last_event_at else None,
            "events_sent": self.events_sent,
            "queue_depth": self.subscription.qsize() if self.subscription else 0,
            "token_expires_at": _iso(self.expires_at) if self.expires_at else None,
        }


class SseRegistry:
    """Every live connection, the limits on them, totals, and the slow-consumer watchdog."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.connections: dict[str, Connection] = {}
        self.opened = 0
        self.closed = 0
        self.closed_by_reason: Counter[str] = Counter()
        self.rejected: Counter[str] = Counter()
        self._watchdog: asyncio.Task[None] | None = None
        self.accepting = True
        self._empty = asyncio.Event()

    def open(
        self, job_id: str, auth: str, client: str, token_id: str | None, expires_at: float | None
    ) -> Connection:
        """Return a registered connection; RateLimitedError beyond the per-token/client limits."""
        if not self.accepting:
            raise RateLimitedError("the server is shutting down", field=None)
        if token_id is not None:
            same_token = sum(1 for c in self.connections.values() if c.token_id == token_id)
            if same_token >= self.settings.sse_max_per_token:
                self.rejected["per_token"] += 1
                raise RateLimitedError("too many streams for this token", field="token")
        same_client = sum(1 for c in self.connections.values() if c.client == client)
        if same_client >= self.settings.sse_max_per_client:
            self.rejected["per_client"] += 1
            raise RateLimitedError("too many streams from this client", field=None)
        conn = Connection(
            id=uuid.uuid4().hex[:16],
            job_id=job_id,
            auth=auth,
            client=client,
            token_id=token_id,
            expires_at=expires_at,
        )
        self.connections[conn.id] = conn
        self.opened += 1
        self._ensure_watchdog()
        return conn

    def close(self, conn: Connection, reason: str) -> None:
        if self.connections.pop(conn.id, None) is not None:
            self.closed += 1
            self.closed_by_reason[conn.close_reason or reason] += 1
        if not self.connections:
            self._empty.set()

    def status(self) -> dict[str, Any]:
        return {
            "active": len(self.connections),
            "connections": [c.to_json() for c in self.connections.values()],
            "totals": {
                "opened": self.opened,
                "closed": self.closed,
                "closed_by_reason": dict(self.closed_by_reason),
                "rejected": dict(self.rejected),
            },
            "settings": {
                "heartbeat_s": self.settings.sse_heartbeat_s,
                "idle_timeout_s": self.settings.sse_idle_timeout_s,
                "send_timeout_s": self.settings.sse_send_timeout_s,
                "max_per_token": self.settings.sse_max_per_token,
                "max_per_client": self.settings.sse_max_per_client,
            },
        }

    def _ensure_watchdog(self) -> None:
        if self._watchdog is None or self._watchdog.done():
            self._watchdog = asyncio.get_running_loop().create_task(
                self._watch(), name="genscene-sse-watchdog"
            )

    async def _watch(self) -> None:
        # A send blocked this long means the client stopped reading: drop it.
        interval = max(0.05, min(1.0, self.settings.sse_send_timeout_s / 4))
        while self.connections:
            await asyncio.sleep(interval)
            now = time.monotonic()
            for conn in list(self.connections.values()):
                stuck = conn.sending_since is not None and (
                    now - conn.sending_since > self.settings.sse_send_timeout_s
                )
                if stuck and conn.task is not None and conn.close_reason is None:
                    conn.close_reason = "slow_consumer"
                    log.info("SSE %s: client stopped reading; closing", conn.id)
                    conn.task.cancel()

    async def shutdown(self, timeout_s: float = 3.0) -> None:
        """Tell every stream to say goodbye (`cleanup`, server_shutdown) and wait for them."""
        self.accepting = False
        for conn in list(self.connections.values()):
            if conn.subscription is not None:
                conn.subscription.interrupt("server_shutdown")
        if self.connections:
            self._empty.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._empty.wait(), timeout_s)
        for conn in list(self.connections.values()):
            if conn.task is not None:
                conn.close_reason = conn.close_reason or "server_shutdown"
                conn.task.cancel()
        if self._watchdog is not None:
            self._watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watchdog


class JobStream:
    """The events of one connection, produced lazily as the client reads them."""

    __slots__ = ("conn", "finished", "last", "registry", "settings", "start", "store")

    def __init__(
        self,
        conn: Connection,
        store: JobStore,
        registry: SseRegistry,
        settings: Settings,
        last_event_id: int,
    ) -> None:
        self.conn = conn
        self.store = store
        self.registry = registry
        self.settings = settings
        self.last = last_event_id
        self.start = last_event_id
        self.finished = False

    async def messages(self) -> AsyncIterator[str]:
        """Yield SSE messages until the job ends, the token expires, or the stream is closed."""
        conn = self.conn
        conn.task = asyncio.current_task()
        sub = self.store.bus.subscribe(conn.job_id, maxsize=SUBSCRIBER_QUEUE)
        conn.subscription = sub
        reason = "client_closed"
        try:
            async for message in self._produce(sub):
                conn.sending_since = time.monotonic()
                yield message
                conn.sending_since = None
                del message  # an idle stream should not pin its last message
            reason = conn.close_reason or "complete"
        except asyncio.CancelledError:
            reason = conn.close_reason or "client_closed"
            raise
        finally:
            sub.close()
            self.registry.close(conn, reason)

    def _count(self, message: str, is_job_event: bool = False) -> str:
        self.conn.events_sent += 1
        if is_job_event:
            self.conn.last_event_at = time.time()
        return message

    async def _backlog(self) -> AsyncIterator[JobEvent]:
        while True:
            events = await self.store.events(
                self.conn.job_id, after_seq=self.last, limit=REPLAY_PAGE
            )
            for event in events:
                yield event
            if len(events) < REPLAY_PAGE:
                return

    async def _produce(self, sub: Subscription) -> AsyncIterator[str]:
        conn, settings = self.conn, self.settings
        yield f"retry: {settings.sse_retry_ms}\n" + self._count(
            format_event(
                self.start,
                "connection_established",
                {
                    "connection_id": conn.id,
                    "job_id": conn.job_id,
                    "heartbeat_s": settings.sse_heartbeat_s,
                    "replay_from": self.start,
                    "token_expires_at": _iso(conn.expires_at) if conn.expires_at else None,
                },
            )
        )
        # Subscribed before reading the log: anything committed meanwhile is in one or both.
        async for message in self._replay():
            yield message
        if self.finished:
            return
        last_activity = time.monotonic()
        last_sent = time.monotonic()
        while True:
            now = time.monotonic()
            deadlines = [
                last_sent + settings.sse_heartbeat_s,
                last_activity + settings.sse_idle_timeout_s,
            ]
            if conn.expires_at is not None:
                deadlines.append(now + (conn.expires_at - time.time()))
            timeout = max(0.0, min(deadlines) - now)
            received = await sub.get(timeout)
            if sub.interrupted:
                yield self._cleanup(sub.interrupted)
                return
            if conn.expires_at is not None and time.time() >= conn.expires_at:
                yield self._cleanup("token_expired")
                return
            if received is None and not sub.overflowed:
                now = time.monotonic()
                if now - last_activity >= settings.sse_idle_timeout_s:
                    yield self._cleanup("idle")
                    return
                if now - last_sent >= settings.sse_heartbeat_s:
                    yield self._count(
                        format_event(
                            self.last,
                            "heartbeat",
                            {
                                "connection_id": conn.id,
                                "at": _iso(time.time()),
                            },
                        )
                    )
                    last_sent = time.monotonic()
                continue
            if sub.overflowed or (received is not None and received.seq > self.last + 1):
                # Fell behind or saw a gap: the log has everything, in order.
                sub.overflowed = False
                pending: list[JobEvent] = [e async for e in self._backlog()]
            elif received is not None and received.seq == self.last + 1:
                pending = [received]
            else:
                pending = []  # a duplicate of what was already sent
            for item in pending:
                for message in self._emit(item):
                    yield message
                last_activity = last_sent = time.monotonic()
                if self._is_terminal(item):
                    yield await self._complete()
                    return

    async def _replay(self) -> AsyncIterator[str]:
        # Its own generator, so an idle stream keeps no replayed event or job alive.
        async for event in self._backlog():
            for message in self._emit(event):
                yield message
            if self._is_terminal(event):
                self.finished = True
                yield await self._complete()
                return
        job = await self.store.get(self.conn.job_id)
        if job.is_terminal:
            # The job may have finished between reading the log and reading the row: the
            # row and its last events commit together, so one more read gets them all.
            async for event in self._backlog():
                for message in self._emit(event):
                    yield message
            # (Or the terminal event is at or before Last-Event-ID: still say it is over.)
            self.finished = True
            yield await self._complete(job)

    def _emit(self, event: JobEvent) -> list[str]:
        if event.seq <= self.last:
            return []
        self.last = event.seq
        return [self._count(format_event(event.seq, event.type, job_event_data(event)), True)]

    @staticmethod
    def _is_terminal(event: JobEvent) -> bool:
        return event.type == "status" and event.data.get("status") in TERMINAL_STATUSES

    async def _complete(self, job: Job | None = None) -> str:
        job = job or await self.store.get(self.conn.job_id)
        return self._count(
            format_event(
                self.last,
                "stream_complete",
                {
                    "job_id": job.id,
                    "status": job.status,
                    "result": job.result,
                    "error": job.error,
                },
            )
        )

    def _cleanup(self, reason: str) -> str:
        self.conn.close_reason = reason
        return self._count(
            format_event(
                self.last,
                "cleanup",
                {
                    "connection_id": self.conn.id,
                    "reason": reason,
                },
            )
        )


def _stream_response(stream: JobStream) -> Response:
    response = Response(stream.messages(), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"
    response.headers["Connection"] = "keep-alive"
    response.timeout = None  # streams outlive Quart's response timeout, for these only
    return response


def _client_address() -> str:
    return str(request.remote_addr or "unknown")


def _resume_position() -> int:
    header = request.headers.get("Last-Event-ID")
    if header is not None:
        return parse_last_event_id(header)
    return parse_last_event_id(request.args.get("last_event_id"))


def _bearer_token() -> str | None:
    auth = request.headers.get("Authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.args.get("token") or None


@bp.get("/api/jobs/<job_id>/events-stream")
@doc(
    "Follow a job's events (SSE), authorised by a stream token",
    tag="streams",
    auth="jwt",
    params=[
        {
            "name": "token",
            "in": "query",
            "schema": {"type": "string"},
            "description": "stream token, for EventSource (or Authorization: Bearer)",
        },
        {"name": "last_event_id", "in": "query", "schema": {"type": "integer"}},
    ],
    responses={
        200: "text/event-stream",
        400: "Bad Last-Event-ID",
        401: "Invalid token",
        403: "Token for another job",
        404: "Unknown job",
        429: "Too many streams",
    },
)
async def events_stream(job_id: str) -> Response:
    svc = services()
    tokens: TokenService = svc.tokens
    verified = tokens.verify(_bearer_token(), checked_job_id(job_id))
    last_event_id = _resume_position()
    await svc.store.get(job_id)
    conn = svc.sse.open(job_id, "jwt", _client_address(), verified.jti, verified.expires_at)
    return _stream_response(JobStream(conn, svc.store, svc.sse, svc.settings, last_event_id))


@bp.get("/api/jobs/<job_id>/events")
@doc(
    "Follow a job's events (SSE), legacy: API-key auth, same format",
    tag="streams",
    params=[{"name": "last_event_id", "in": "query", "schema": {"type": "integer"}}],
    responses={
        200: "text/event-stream",
        400: "Bad Last-Event-ID",
        401: "No or bad API key",
        404: "Unknown job",
        429: "Too many streams",
    },
)
@require_api_key
async def legacy_events(job_id: str) -> Response:
    svc = services()
    last_event_id = _resume_position()
    await svc.store.get(checked_job_id(job_id))
    conn = svc.sse.open(job_id, "api_key", _client_address(), None, None)
    return _stream_response(JobStream(conn, svc.store, svc.sse, svc.settings, last_event_id))


@bp.route("/api/jobs/<job_id>/auth", methods=["GET", "POST"])
@doc(
    "Mint a stream token for this job",
    tag="streams",
    responses={200: "Token", 401: "No or bad API key", 404: "Unknown job"},
)
@require_api_key
async def job_token(job_id: str) -> Response:
    svc = services()
    job = await svc.store.get(checked_job_id(job_id))
    minted = svc.tokens.mint(job.id)
    response = jsonify(
        {
            "token": minted.token,
            "token_type": "Bearer",
            "expires_in": minted.expires_in,
            "expires_at": _iso(minted.expires_at),
            "stream_url": f"/api/jobs/{job.id}/events-stream",
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/api/sse/status")
@doc(
    "Live SSE connections and totals (never tokens)",
    tag="streams",
    responses={200: "Status", 401: "No or bad API key"},
)
@require_api_key
async def sse_status() -> Response:
    return jsonify(services().sse.status())
