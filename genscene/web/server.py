"""Running the app on Hypercorn from Python, with clean shutdown and a redacting access log."""

from __future__ import annotations

import asyncio
import logging
import re
import signal
import threading

from hypercorn.asyncio import serve as hypercorn_serve
from hypercorn.config import Config
from quart import Quart

from genscene.settings import Settings
from genscene.web.app import create_app

log = logging.getLogger(__name__)

_SECRET_QUERY = re.compile(r"((?:token|api_key|access_token|key)=)[^&\s\"]+", re.IGNORECASE)
_SECRET_HEADER = re.compile(
    r"((?:authorization|x-api-key)[\"']?\s*[:=]\s*[\"']?)[^\"'\s,]+"
    r"(\s+[^\"'\s,]+)?",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """Return `text` with tokens, API keys and Authorization values replaced by `***`."""
    text = _SECRET_QUERY.sub(r"\1***", text)
    return _SECRET_HEADER.sub(r"\1***", text)


class RedactingFilter(logging.Filter):
    """Rewrites every record so no secret reaches a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = ()
        return True


def install_redaction() -> None:
    """Attach the redacting filter to Hypercorn's and Quart's loggers."""
    for name in ("hypercorn.access", "hypercorn.error", "quart.app", "genscene"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())


def build_config(host: str, port: int, *, graceful_timeout_s: float = 15.0) -> Config:
    """Return the Hypercorn config: one bind, access log on, graceful shutdown window."""
    config = Config()
    config.bind = [f"{host}:{port}"]
    config.accesslog = logging.getLogger("hypercorn.access")
    config.errorlog = logging.getLogger("hypercorn.error")
    config.access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(D)sus'
    config.graceful_timeout = graceful_timeout_s
    config.keep_alive_timeout = 5  # Hypercorn's default; also reaps connections a client dropped
    return config


async def serve_async(
    settings: Settings,
    host: str,
    port: int,
    stop: asyncio.Event | None = None,
    app: Quart | None = None,
) -> None:
    """Serve until `stop` is set or SIGINT/SIGTERM arrives, then shut down cleanly."""
    install_redaction()
    app = app or create_app(settings)
    config = build_config(host, port)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    previous: dict[signal.Signals, object] = {}
    # Signal handlers belong to the main thread; elsewhere (tests) the caller sets `stop`.
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.getsignal(sig)
            loop.add_signal_handler(sig, stop.set)
    log.info(
        "Gen Scene Studio on http://%s:%d (API key in %s)",
        host,
        port,
        settings.api_key_file if settings.api_key_file.exists() else "GENSCENE_API_KEYS",
    )

    async def shutdown_trigger() -> None:
        await stop.wait()
        # Streams never end by themselves: say goodbye now, before Hypercorn's graceful wait.
        svc = app.extensions.get("genscene")
        if svc is not None:
            await svc.sse.shutdown()

    try:
        await hypercorn_serve(app, config, shutdown_trigger=shutdown_trigger)
    finally:
        # Give the signals back as they were (a notebook's kernel needs its SIGINT handler).
        for sig, handler in previous.items():
            loop.remove_signal_handler(sig)
            signal.signal(sig, handler)  # type: ignore[arg-type]


def serve(settings: Settings, host: str, port: int) -> None:
    """Serve the studio on `host:port` until interrupted."""
    asyncio.run(serve_async(settings, host, port))
