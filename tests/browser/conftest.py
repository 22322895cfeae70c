"""Browser fixtures: Debian's Chromium driven by Playwright against a real Hypercorn.

Each test gets its own server (the `LiveServer` of the web tests, on a free port with a
temporary data dir) and a fresh browser context; the browser itself is shared.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Error,
    Page,
    Playwright,
    Request,
    expect,
    sync_playwright,
)

from genscene.settings import Settings
from tests.conftest import TEST_API_KEY
from tests.web.conftest import LiveServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}
# Resource types that count towards page weight: no images, video or audio, and no
# event streams (they stay open for as long as a job runs).
WEIGHED_TYPES = {"document", "script", "stylesheet", "font", "xhr", "fetch"}

expect.set_options(timeout=15_000)  # a loaded CI machine renders more slowly


@pytest.fixture(scope="module")
def playwright_driver() -> Iterator[Playwright]:
    # Module scope, not session: Playwright's sync API keeps an event loop marked running
    # on this thread until it stops, which would break the async tests collected after it.
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    launched = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield launched
    launched.close()


@pytest.fixture
def browser_settings(settings: Settings) -> Settings:
    """The shared test settings, with EventSource told to reconnect quickly."""
    return replace(settings, sse_retry_ms=300)


def start_server(settings: Settings, *, scripted: bool = False) -> LiveServer:
    """Return a started LiveServer; the caller stops it."""
    server = LiveServer(settings, scripted=scripted)
    server.start()
    return server


@pytest.fixture
def server(browser_settings: Settings) -> Iterator[LiveServer]:
    live = start_server(browser_settings)
    yield live
    live.stop()


@dataclass
class Studio:
    """One browser tab on the studio, recording console errors and every finished request."""

    page: Page
    server: LiveServer
    console_errors: list[str] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def goto(self, route: str) -> None:
        """Open the studio at `#/route` and wait for the page's modules to load."""
        self.page.goto(f"{self.base_url}/#/{route}")
        self.page.wait_for_selector("main .page h1")

    def allow_console_error(self, pattern: str) -> None:
        """Tolerate console errors matching `pattern` (a regex): ones a test causes on purpose."""
        self.allowed.append(re.compile(pattern))

    def unexpected_console_errors(self) -> list[str]:
        return [e for e in self.console_errors if not any(p.search(e) for p in self.allowed)]

    def assert_no_console_errors(self) -> None:
        errors = self.unexpected_console_errors()
        assert errors == [], f"console errors: {errors}"

    def screenshot(self, name: str, *, full_page: bool = True) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        if full_page:
            # A sticky header is drawn where the viewport is: capture from the top.
            self.page.evaluate("() => window.scrollTo(0, 0)")
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def weight_bytes(self) -> dict[str, int]:
        """Return bytes transferred per resource type, media and event streams excluded."""
        totals: dict[str, int] = {}
        for request in self.requests:
            if request.resource_type not in WEIGHED_TYPES:
                continue
            sizes = request.sizes()
            size = sizes["responseBodySize"] + sizes["responseHeadersSize"]
            totals[request.resource_type] = totals.get(request.resource_type, 0) + size
        return totals

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Call the server's API directly (set-up and checks, not what the page does)."""
        headers = {"X-API-Key": TEST_API_KEY, **kwargs.pop("headers", {})}
        return httpx.request(method, self.base_url + path, headers=headers, timeout=30, **kwargs)


def open_studio(
    browser: Browser,
    server: LiveServer,
    *,
    with_key: bool = True,
    viewport: dict[str, int] | None = None,
) -> Studio:
    """Return a Studio on a fresh context (its own localStorage), the API key stored if asked."""
    context = browser.new_context(viewport=viewport or DESKTOP)  # type: ignore[arg-type]
    context.set_default_timeout(20_000)
    if with_key:
        # As if the key had been entered once before: it lives in localStorage.
        context.add_init_script(
            "try { localStorage.getItem('genscene.apiKey') || "
            f"localStorage.setItem('genscene.apiKey', {TEST_API_KEY!r}); }} catch {{}}"
        )
    page = context.new_page()
    studio = Studio(page=page, server=server)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            studio.console_errors.append(f"{message.text} @ {message.location.get('url', '')}")

    def on_page_error(error: Error) -> None:
        studio.console_errors.append(f"uncaught: {error.message}")

    def on_request_finished(request: Request) -> None:
        studio.requests.append(request)

    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    page.on("requestfinished", on_request_finished)
    return studio


@pytest.fixture
def studio_factory(browser: Browser) -> Iterator[Callable[..., Studio]]:
    opened: list[Studio] = []

    def factory(server: LiveServer, **kwargs: Any) -> Studio:
        studio = open_studio(browser, server, **kwargs)
        opened.append(studio)
        return studio

    yield factory
    for studio in opened:
        studio.page.context.close()


@pytest.fixture
def studio(server: LiveServer, studio_factory: Callable[..., Studio]) -> Studio:
    return studio_factory(server)
