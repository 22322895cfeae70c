"""The database handle: thread-local readers, one writer thread with group commit, metrics.

Reads run on the calling thread's own connection (or a pooled one). Writes are units of work
(`fn(conn) -> T`) handed to one writer thread, which runs whatever has queued up inside one
`BEGIN IMMEDIATE` transaction, each unit under its own SAVEPOINT so one failing unit rolls
back alone. Async callers pay one executor hop per unit of work, never one per statement.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from genscene.db.connect import PragmaConfig, PrepareReport, open_connection, prepare_database
from genscene.db.connect import read_pragmas as _read_pragmas

T = TypeVar("T")
log = logging.getLogger(__name__)

# A BEGIN IMMEDIATE that waits longer than this for the write lock counts as a busy wait.
BUSY_WAIT_THRESHOLD_S = 0.002
_SAMPLES = 10_000


def _percentile(sorted_values: list[float], pct: float) -> float | None:
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, round(pct / 100 * (len(sorted_values) - 1))))
    return sorted_values[index]


@dataclass
class _KindMetrics:
    count: int = 0
    errors: int = 0
    total_s: float = 0.0
    samples: deque[float] = field(default_factory=lambda: deque(maxlen=_SAMPLES))

    def snapshot(self) -> dict[str, Any]:
        ordered = sorted(self.samples)

        def ms(value: float | None) -> float | None:
            return None if value is None else round(value * 1000, 3)

        return {
            "count": self.count,
            "errors": self.errors,
            "mean_ms": ms(self.total_s / self.count) if self.count else None,
            "p50_ms": ms(_percentile(ordered, 50)),
            "p95_ms": ms(_percentile(ordered, 95)),
            "p99_ms": ms(_percentile(ordered, 99)),
            "max_ms": ms(ordered[-1]) if ordered else None,
            "window": len(ordered),
        }


@dataclass
class DbMetrics:
    """Counters and latency samples; updated under a lock, read as a snapshot."""

    read: _KindMetrics = field(default_factory=_KindMetrics)
    write: _KindMetrics = field(default_factory=_KindMetrics)
    busy_waits: int = 0
    busy_wait_s: float = 0.0
    busy_errors: int = 0
    batches: int = 0
    batched_units: int = 0
    largest_batch: int = 0
    last_checkpoint: dict[str, Any] | None = None
    last_optimize: dict[str, Any] | None = None
    started_at: str = field(default_factory=lambda: _now_iso())
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, seconds: float, *, failed: bool = False) -> None:
        with self.lock:
            target = self.read if kind == "read" else self.write
            target.count += 1
            target.total_s += seconds
            target.samples.append(seconds)
            if failed:
                target.errors += 1

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "since": self.started_at,
                "queries": {"read": self.read.snapshot(), "write": self.write.snapshot()},
                "busy": {
                    "waits": self.busy_waits,
                    "wait_ms_total": round(self.busy_wait_s * 1000, 3),
                    "errors": self.busy_errors,
                    "threshold_ms": BUSY_WAIT_THRESHOLD_S * 1000,
                },
                "group_commit": {
                    "transactions": self.batches,
                    "units": self.batched_units,
                    "mean_units_per_transaction": (
                        round(self.batched_units / self.batches, 2) if self.batches else None
                    ),
                    "largest": self.largest_batch,
                },
                "last_checkpoint": self.last_checkpoint,
                "last_optimize": self.last_optimize,
            }


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class _WriteUnit:
    fn: Callable[[sqlite3.Connection], Any]
    future: Future[Any]
    submitted: float


_STOP = object()


class Database:
    """A SQLite database with the configured PRAGMAs, safe to share across threads."""

    def __init__(
        self,
        path: Path | str,
        config: PragmaConfig | None = None,
        *,
        pool_size: int = 0,
        group_commit_max: int = 256,
        reader_threads: int = 4,
        migrate: bool = True,
    ) -> None:
        self.path = Path(path)
        self.config = config or PragmaConfig()
        self.prepare_report: PrepareReport = prepare_database(self.path, self.config)
        self.metrics = DbMetrics()
        self.group_commit_max = max(1, group_commit_max)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._write_lock = threading.RLock()
        self._pool: queue.Queue[sqlite3.Connection] | None = None
        if pool_size > 0:
            self._pool = queue.Queue()
            for _ in range(pool_size):
                self._pool.put(self._new_connection())
        self._queue: queue.SimpleQueue[_WriteUnit | object] = queue.SimpleQueue()
        self._writer_conn: sqlite3.Connection | None = None
        self._writer = threading.Thread(target=self._writer_loop, name="genscene-db-writer")
        self._writer.daemon = True
        self._closed = False
        self._executor = ThreadPoolExecutor(
            max_workers=max(1, reader_threads), thread_name_prefix="genscene-db-read"
        )
        self._writer.start()
        if migrate:
            from genscene.db.schema import migrate as run_migrations

            self.write(run_migrations)

    # -- connections -----------------------------------------------------------------

    def _new_connection(self) -> sqlite3.Connection:
        conn = open_connection(self.path, self.config)
        with self._connections_lock:
            self._connections.append(conn)
        return conn

    @contextlib.contextmanager
    def _reader(self) -> Iterator[sqlite3.Connection]:
        if self._pool is not None:
            conn = self._pool.get()
            try:
                yield conn
            finally:
                self._pool.put(conn)
            return
        local: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if local is None:
            local = self._new_connection()
            self._local.conn = local
        yield local

    @property
    def open_connections(self) -> int:
        """Return how many connections this handle has open (readers, pool and writer)."""
        with self._connections_lock:
            return len(self._connections)

    # -- reads -----------------------------------------------------------------------

    def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Return `fn(conn)` run on this thread's reader connection, timed."""
        self._check_open()
        start = time.perf_counter()
        failed = False
        try:
            with self._reader() as conn:
                return fn(conn)
        except sqlite3.OperationalError as exc:
            failed = True
            self._count_busy_error(exc)
            raise
        except BaseException:
            failed = True
            raise
        finally:
            self.metrics.record("read", time.perf_counter() - start, failed=failed)

    async def aread(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Return `fn(conn)` run on a reader thread, without blocking the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self.read, fn)

    # -- writes ----------------------------------------------------------------------

    def submit(self, fn: Callable[[sqlite3.Connection], T]) -> Future[T]:
        """Return a future for `fn(conn)` run by the writer inside a write transaction."""
        self._check_open()
        future: Future[T] = Future()
        self._queue.put(_WriteUnit(fn, future, time.perf_counter()))
        return future

    def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Return `fn(conn)` run in a write transaction; blocks until it is committed."""
        if threading.current_thread() is self._writer:
            # Already inside the writer's transaction: nest rather than deadlock.
            assert self._writer_conn is not None
            return fn(self._writer_conn)
        return self.submit(fn).result()

    async def awrite(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Return `fn(conn)` run in a write transaction, awaited without blocking the loop."""
        return await asyncio.wrap_future(self.submit(fn))

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Yield a connection inside `BEGIN IMMEDIATE`; commit on success, roll back on error.

        For synchronous callers (CLI, notebooks, tests). Holds the in-process write lock,
        so it never interleaves with the writer thread.
        """
        self._check_open()
        with self._write_lock, self._reader() as conn:
            start = time.perf_counter()
            self._begin_immediate(conn)
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                self.metrics.record("write", time.perf_counter() - start, failed=True)
                raise
            conn.execute("COMMIT")
            self.metrics.record("write", time.perf_counter() - start)

    def _begin_immediate(self, conn: sqlite3.Connection) -> None:
        start = time.perf_counter()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            self._count_busy_error(exc)
            raise
        waited = time.perf_counter() - start
        if waited > BUSY_WAIT_THRESHOLD_S:
            with self.metrics.lock:
                self.metrics.busy_waits += 1
                self.metrics.busy_wait_s += waited

    def _count_busy_error(self, exc: sqlite3.OperationalError) -> None:
        if "locked" in str(exc) or "busy" in str(exc):
            with self.metrics.lock:
                self.metrics.busy_errors += 1

    def _writer_loop(self) -> None:
        self._writer_conn = self._new_connection()
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is _STOP:
                break
            batch: list[_WriteUnit] = [first]  # type: ignore[list-item]
            while len(batch) < self.group_commit_max:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stopping = True
                    break
                batch.append(item)  # type: ignore[arg-type]
            try:
                self._run_batch(self._writer_conn, batch)
            except Exception:  # the writer must outlive any one batch
                log.exception("database writer: batch failed")
        self._writer_conn = None

    def _run_batch(self, conn: sqlite3.Connection, batch: list[_WriteUnit]) -> None:
        # A unit whose caller gave up (cancelled future) is skipped; the rest can no longer
        # be cancelled once marked running, so settling them below cannot fail.
        batch = [unit for unit in batch if unit.future.set_running_or_notify_cancel()]
        if not batch:
            return
        outcomes: list[tuple[_WriteUnit, Any, BaseException | None]] = []
        with self._write_lock:
            try:
                self._begin_immediate(conn)
            except BaseException as exc:
                for unit in batch:
                    self._settle(unit, None, exc)
                return
            for unit in batch:
                conn.execute("SAVEPOINT unit")
                try:
                    result = unit.fn(conn)
                except BaseException as exc:
                    conn.execute("ROLLBACK TO unit")
                    conn.execute("RELEASE unit")
                    outcomes.append((unit, None, exc))
                else:
                    conn.execute("RELEASE unit")
                    outcomes.append((unit, result, None))
            try:
                conn.execute("COMMIT")
            except BaseException as exc:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                outcomes = [(unit, None, exc) for unit, _, _ in outcomes]
        with self.metrics.lock:
            self.metrics.batches += 1
            self.metrics.batched_units += len(batch)
            self.metrics.largest_batch = max(self.metrics.largest_batch, len(batch))
        # Futures are settled only after COMMIT, so a caller never sees uncommitted data.
        for unit, result, error in outcomes:
            self._settle(unit, result, error)

    def _settle(self, unit: _WriteUnit, result: Any, error: BaseException | None) -> None:
        self.metrics.record("write", time.perf_counter() - unit.submitted, failed=bool(error))
        if error is not None:
            unit.future.set_exception(error)
        else:
            unit.future.set_result(result)

    # -- maintenance and reports -----------------------------------------------------

    def read_pragmas(self) -> dict[str, Any]:
        """Return the PRAGMAs in effect on a reader connection, read back from SQLite."""
        return self.read(_read_pragmas)

    def checkpoint(self, mode: str = "PASSIVE") -> dict[str, Any]:
        """Return the result of `PRAGMA wal_checkpoint(mode)`: busy flag, WAL and copied pages."""
        if mode not in {"PASSIVE", "FULL", "RESTART", "TRUNCATE"}:
            raise ValueError(f"unknown checkpoint mode {mode}")
        with self._write_lock, self._reader() as conn:
            row = conn.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
        result = {
            "mode": mode,
            "busy": bool(row[0]),
            "wal_pages": row[1],
            "checkpointed_pages": row[2],
            "at": _now_iso(),
        }
        with self.metrics.lock:
            self.metrics.last_checkpoint = result
        return result

    def optimize(self) -> dict[str, Any]:
        """Return what `PRAGMA optimize`, `incremental_vacuum` and a TRUNCATE checkpoint did."""
        self._check_open()
        started = time.perf_counter()
        with self._write_lock, self._reader() as conn:
            freelist_before = conn.execute("PRAGMA freelist_count").fetchone()[0]
            size_before = self._file_sizes()
            conn.execute("PRAGMA optimize")
            conn.execute("PRAGMA incremental_vacuum").fetchall()
            freelist_after = conn.execute("PRAGMA freelist_count").fetchone()[0]
        checkpoint = self.checkpoint("TRUNCATE")
        size_after = self._file_sizes()
        report = {
            "optimize": "ran",
            "incremental_vacuum": {
                "freelist_pages_before": freelist_before,
                "freelist_pages_after": freelist_after,
                "pages_freed": freelist_before - freelist_after,
            },
            "wal_checkpoint": checkpoint,
            "bytes_before": size_before,
            "bytes_after": size_after,
            "duration_ms": round((time.perf_counter() - started) * 1000, 3),
            "at": _now_iso(),
        }
        with self.metrics.lock:
            self.metrics.last_optimize = report
        return report

    def _file_sizes(self) -> dict[str, int]:
        def size(p: Path) -> int:
            return p.stat().st_size if p.exists() else 0

        return {
            "database": size(self.path),
            "wal": size(self.path.with_name(self.path.name + "-wal")),
            "shm": size(self.path.with_name(self.path.name + "-shm")),
        }

    def stats(self) -> dict[str, Any]:
        """Return file sizes, PRAGMAs in effect, page counts, tables with row counts."""

        def gather(conn: sqlite3.Connection) -> dict[str, Any]:
            tables = [
                row[0]
                for row in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type='table' "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
            counts = {
                name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
                for name in tables
            }
            return {
                "pragmas": _read_pragmas(conn),
                "page_count": conn.execute("PRAGMA page_count").fetchone()[0],
                "freelist_count": conn.execute("PRAGMA freelist_count").fetchone()[0],
                "tables": counts,
            }

        found = self.read(gather)
        sizes = self._file_sizes()
        return {
            "path": str(self.path),
            "sqlite_version": sqlite3.sqlite_version,
            "size_bytes": sizes["database"],
            "wal_size_bytes": sizes["wal"],
            "shm_size_bytes": sizes["shm"],
            "page_size": found["pragmas"]["page_size"],
            "page_count": found["page_count"],
            "freelist_count": found["freelist_count"],
            "pragmas": found["pragmas"],
            "pragmas_expected": self.config.expected(),
            "pragmas_match": found["pragmas"] == self.config.expected(),
            "tables": found["tables"],
            "connections": {
                "open": self.open_connections,
                "pool_size": self._pool.qsize() if self._pool is not None else 0,
                "writer_alive": self._writer.is_alive(),
            },
            "prepared": {
                "created": self.prepare_report.created,
                "converted": self.prepare_report.converted,
            },
        }

    def performance(self) -> dict[str, Any]:
        """Return query counts, latency percentiles, busy waits, group commit, maintenance."""
        return self.metrics.snapshot()

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("database is closed")

    def close(self) -> None:
        """Stop the writer after it drains its queue, then close every connection."""
        if self._closed:
            return
        self._queue.put(_STOP)
        self._writer.join(timeout=30)
        self._closed = True
        self._executor.shutdown(wait=True)
        with self._connections_lock:
            for conn in self._connections:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
            self._connections.clear()
        self._local = threading.local()


async def run_periodic_optimize(
    db: Database, interval_s: float, stop: asyncio.Event | None = None
) -> None:
    """Run `db.optimize()` every `interval_s` seconds until `stop` is set (or cancelled)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval_s)
        if stop.is_set():
            return
        try:
            report = await loop.run_in_executor(None, db.optimize)
            log.info("database optimised in %.1f ms", report["duration_ms"])
        except Exception:
            log.exception("automatic database optimisation failed")
