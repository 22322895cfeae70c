"""The long-lived objects one running server holds, started and stopped with the app."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from genscene.db.connect import PragmaConfig
from genscene.db.database import Database, run_periodic_optimize
from genscene.pipeline.jobs import InProcessEventBus, JobHandler, JobRunner, JobStore
from genscene.pipeline.media import MediaStore
from genscene.pipeline.previews import PreviewCache, run_preview_job
from genscene.pipeline.render import run_compose_job, shutdown_frame_pool
from genscene.pipeline.styles import CatalogueFile
from genscene.pipeline.tts import get_engine, run_tts_job
from genscene.settings import Settings
from genscene.web.sse import SseRegistry
from genscene.web.tokens import TokenService

log = logging.getLogger(__name__)


def default_handlers() -> dict[str, JobHandler]:
    """Return the job handlers by kind that this build provides."""
    return {"tts": run_tts_job, "preview": run_preview_job, "compose": run_compose_job}


@dataclass
class Services:
    """Database, job store, runner and friends for one server process."""

    settings: Settings
    db: Database
    bus: InProcessEventBus
    store: JobStore
    runner: JobRunner
    media: MediaStore
    tokens: TokenService
    sse: SseRegistry
    catalogue: CatalogueFile
    previews: PreviewCache
    started_monotonic: float = field(default_factory=time.monotonic)
    _background: list[asyncio.Task[Any]] = field(default_factory=list)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)

    @classmethod
    def build(cls, settings: Settings, handlers: dict[str, JobHandler] | None = None) -> Services:
        """Return services for `settings`; the database is opened (and migrated) here."""
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        settings.media_dir.mkdir(parents=True, exist_ok=True)
        db = Database(
            settings.db_path,
            PragmaConfig.from_settings(settings),
            pool_size=settings.db_pool_size,
            group_commit_max=settings.db_group_commit_max,
        )
        bus = InProcessEventBus()
        store = JobStore(db, bus)
        media = MediaStore(db, settings.media_dir)
        catalogue = CatalogueFile(Path(settings.styles_file) if settings.styles_file else None)
        runner = JobRunner(
            store,
            handlers if handlers is not None else default_handlers(),
            media_dir=settings.media_dir,
            workers=settings.workers,
            max_attempts=settings.max_job_attempts,
            extras={
                "settings": settings,
                "media_lookup": media.lookup_sync,
                "cache_dir": settings.data_dir / "cache",
                "catalogue": catalogue,
            },
        )
        return cls(
            settings=settings,
            db=db,
            bus=bus,
            store=store,
            runner=runner,
            media=media,
            tokens=TokenService.from_settings(settings),
            sse=SseRegistry(settings),
            catalogue=catalogue,
            previews=PreviewCache(settings.data_dir / "previews", settings.preview_ttl_s),
        )

    @property
    def uptime_s(self) -> float:
        return time.monotonic() - self.started_monotonic

    async def start(self) -> None:
        """Start the job runner and the periodic database optimisation."""
        self.started_monotonic = time.monotonic()
        # Warm the voice list in a thread so the first TTS request does not pay for it.
        with contextlib.suppress(Exception):
            await asyncio.to_thread(get_engine().voices)
        await self.runner.start()
        if self.settings.db_optimize_interval_s > 0:
            self._background.append(
                asyncio.create_task(
                    run_periodic_optimize(
                        self.db, self.settings.db_optimize_interval_s, self._stop
                    ),
                    name="genscene-db-optimize",
                )
            )

    async def stop(self, grace_s: float = 10.0) -> None:
        """Close streams, stop taking jobs, finish or re-queue running ones, close the DB."""
        self._stop.set()
        await self.sse.shutdown()
        await self.runner.stop(grace_s)
        for task in self._background:
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        self._background.clear()
        shutdown_frame_pool()
        await asyncio.to_thread(self.db.close)
