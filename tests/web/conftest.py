"""Fixtures: the app through Quart's test client, and a real Hypercorn on a free port."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Coroutine, Iterator
from dataclasses import replace
from typing import Any, TypeVar

import httpx
import pytest
from quart import Quart

from genscene.pipeline.jobs import JobContext, JobHandler
from genscene.settings import Settings
from genscene.web.app import create_app
from genscene.web.server import serve_async
from genscene.web.services import Services, default_handlers
from tests.conftest import TEST_API_KEY

AUTH = {"X-API-Key": TEST_API_KEY}
T = TypeVar("T")


async def scripted_job(ctx: JobContext) -> dict[str, Any]:
    """A job kind for stream tests: emits `steps` progress events `interval_s` apart."""
    params = ctx.job.params
    for step in range(1, int(params.get("steps", 5)) + 1):
        await asyncio.sleep(float(params.get("interval_s", 0.02)))
        await ctx.progress(step / int(params.get("steps", 5)), "working", f"step {step}")
        if params.get("log"):
            await ctx.log(str(params["log"]))
    if params.get("fail"):
        from genscene.errors import JobFailedError

        raise JobFailedError("scripted failure", field="steps")
    return {"steps": params.get("steps", 5)}


def test_handlers() -> dict[str, JobHandler]:
    handlers = default_handlers()
    handlers["compose"] = scripted_job  # stream tests drive "compose" jobs with a script
    return handlers


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Quart]:
    application = create_app(settings, shutdown_grace_s=2)
    async with application.test_app():
        yield application


@pytest.fixture
def client(app: Quart) -> Any:
    return app.test_client()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class LiveServer:
    """A real Hypercorn serving the app in a thread with its own event loop."""

    def __init__(self, settings: Settings, scripted: bool = False) -> None:
        self.settings = settings
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        factory = (lambda s: Services.build(s, test_handlers())) if scripted else None
        self.app = create_app(settings, services_factory=factory, shutdown_grace_s=2)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.error: BaseException | None = None

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)

        async def main() -> None:
            self._stop = asyncio.Event()
            await serve_async(self.settings, "127.0.0.1", self.port, self._stop, app=self.app)

        try:
            self.loop.run_until_complete(main())
        except BaseException as exc:  # surfaced by the test through .error
            self.error = exc

    @property
    def services(self) -> Services:
        found: Services = self.app.extensions["genscene"]
        return found

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        """Return the result of running `coro` on the server's loop."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def create_job(self, kind: str = "compose", **params: Any) -> str:
        job = self.call(self.services.store.create(kind, params))
        self.loop.call_soon_threadsafe(self.services.runner.notify)
        return job.id

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.base_url + "/health", timeout=1).status_code in (200, 503):
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError(f"server did not start: {self.error}")

    def stop(self) -> None:
        if self._stop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=30)
        assert not self._thread.is_alive(), "server did not stop"


@pytest.fixture
def live_server(settings: Settings) -> Iterator[LiveServer]:
    server = LiveServer(replace(settings))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def sse_settings(settings: Settings) -> Settings:
    return replace(settings, sse_heartbeat_s=0.3, sse_send_timeout_s=0.5, workers=4)


@pytest.fixture
def sse_server(sse_settings: Settings) -> Iterator[LiveServer]:
    server = LiveServer(sse_settings, scripted=True)
    server.start()
    yield server
    server.stop()


def read_events(response: httpx.Response, *, stop_after: int | None = None) -> list[dict[str, Any]]:
    """Return the SSE events of a streaming response, parsed (data as JSON)."""
    events: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    for line in response.iter_lines():
        if line == "":
            if current:
                events.append(current)
                current = {}
                if stop_after is not None and len(events) >= stop_after:
                    break
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "data":
            current["data"] = json.loads(value)
        elif name == "id":
            current["id"] = int(value)
        elif name in ("event", "retry"):
            current[name] = value
        else:
            current.setdefault("unknown", []).append(line)
    return events
