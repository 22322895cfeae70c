"""SSE streams on a real Hypercorn over loopback: memory per idle stream, delivery latency,
fan-out, and leak check after many connect/disconnect cycles.

The server runs in this process (a thread with its own event loop, the real app and
Hypercorn); the clients run in a child process on raw asyncio sockets, so the server's RSS is
measured apart from theirs. Job events come from a benchmark job kind that stamps each
progress event with the wall-clock time it was recorded.

    python benchmarks/sse.py [--quick] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import multiprocessing
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from genscene.pipeline.jobs import JobContext
from genscene.settings import Settings
from genscene.web.app import create_app
from genscene.web.server import serve_async
from genscene.web.services import Services, default_handlers

API_KEY = "bench-key-0123456789"


async def timed_job(ctx: JobContext) -> dict[str, Any]:
    """A job that waits `delay_s`, then records `events` progress events stamped with time."""
    params = ctx.job.params
    await asyncio.sleep(float(params.get("delay_s", 0)))
    count = int(params.get("events", 10))
    for i in range(count):
        await ctx.progress((i + 1) / count, "bench", None, sent_at=time.time())
        await asyncio.sleep(float(params.get("interval_s", 0.05)))
    return {"events": count}


def rss_mb(pid: int | None = None) -> float:
    """Return the resident set size of a process in MiB (from /proc)."""
    status = Path(f"/proc/{pid or os.getpid()}/status").read_text()
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Server:
    """The app on Hypercorn in a background thread."""

    def __init__(self, settings: Settings) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.loop = asyncio.new_event_loop()
        handlers = {**default_handlers(), "compose": timed_job}
        self.app = create_app(settings, services_factory=lambda s: Services.build(s, handlers))
        self.stop_event: asyncio.Event | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)

        async def main() -> None:
            self.stop_event = asyncio.Event()
            await serve_async(
                self.app.config["GENSCENE_SETTINGS"],
                "127.0.0.1",
                self.port,
                self.stop_event,
                app=self.app,
            )

        self.loop.run_until_complete(main())

    def start(self) -> None:
        self.thread.start()
        for _ in range(400):
            if (
                "genscene" in self.app.extensions
                and self.app.extensions["genscene"].runner.is_running
            ):
                return
            time.sleep(0.05)
        raise RuntimeError("server did not start")

    def call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(60)

    @property
    def services(self) -> Services:
        found: Services = self.app.extensions["genscene"]
        return found

    def create_job(self, **params: Any) -> tuple[str, str]:
        job = self.call(self.services.store.create("compose", params))
        self.loop.call_soon_threadsafe(self.services.runner.notify)
        return job.id, self.services.tokens.mint(job.id).token

    def tasks(self) -> int:
        async def count() -> int:
            return len(asyncio.all_tasks())

        result: int = self.call(count())
        return result

    def task_kinds(self) -> dict[str, int]:
        """Return the running tasks counted by coroutine name (to find a leak)."""

        async def kinds() -> dict[str, int]:
            found: dict[str, int] = {}
            for task in asyncio.all_tasks():
                coro = task.get_coro()
                name = getattr(coro, "__qualname__", type(coro).__name__)
                found[name] = found.get(name, 0) + 1
            return dict(sorted(found.items(), key=lambda kv: -kv[1])[:6])

        result: dict[str, int] = self.call(kinds())
        return result

    def stop(self) -> None:
        if self.stop_event is not None:
            self.loop.call_soon_threadsafe(self.stop_event.set)
        self.thread.join(30)


# -- the client side, in a child process --------------------------------------------


async def _open_stream(port: int, job_id: str, token: str) -> tuple[Any, Any]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"GET /api/jobs/{job_id}/events-stream?token={token} HTTP/1.1\r\n"
        f"Host: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".encode()
    )
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(head[:60].decode())
    return reader, writer


async def _read_until_event(reader: Any, name: bytes) -> None:
    while True:
        line = await reader.readline()
        if not line:
            raise RuntimeError("stream closed")
        if line.rstrip().endswith(b"event: " + name) or b"event: " + name in line:
            return


async def _collect_latencies(reader: Any, out: list[float]) -> None:
    # Chunked transfer framing lines are skipped: only `data:` lines of progress events count.
    is_progress = False
    while True:
        line = await reader.readline()
        if not line:
            return
        text = line.decode("utf-8", "replace").strip()
        if text.startswith("event: "):
            is_progress = text == "event: progress"
            if text == "event: stream_complete":
                return
        elif text.startswith("data: ") and is_progress:
            data = json.loads(text[6:])
            if "sent_at" in data:
                out.append((time.time() - data["sent_at"]) * 1000)


def client_process(task: dict[str, Any], results: Any, go: Any) -> None:
    """Run one client scenario and put its figures on `results`."""

    async def main() -> dict[str, Any]:
        port, job_id, token = task["port"], task["job_id"], task["token"]
        if task["mode"] == "idle":
            streams = []
            sem = asyncio.Semaphore(200)

            async def connect() -> None:
                async with sem:
                    reader, writer = await _open_stream(port, job_id, token)
                    await _read_until_event(reader, b"connection_established")
                    streams.append((reader, writer))

            started = time.monotonic()
            outcome = await asyncio.gather(
                *[connect() for _ in range(task["count"])], return_exceptions=True
            )
            failures = [str(o) for o in outcome if isinstance(o, BaseException)]
            results.put(
                {
                    "connected": len(streams),
                    "failures": failures[:3],
                    "connect_s": round(time.monotonic() - started, 2),
                }
            )
            await asyncio.to_thread(go.wait, 120)
            for _, writer in streams:
                writer.close()
            return {}
        if task["mode"] == "latency":
            latencies: list[float] = []
            opened = []
            for _ in range(task["count"]):
                reader, writer = await _open_stream(port, job_id, token)
                await _read_until_event(reader, b"connection_established")
                opened.append((reader, writer))
            results.put({"connected": len(opened)})
            await asyncio.gather(*[_collect_latencies(r, latencies) for r, _ in opened])
            for _, writer in opened:
                writer.close()
            return {"latencies": latencies}
        # cycles: connect, read the first event, disconnect; `count` times, 50 at once.
        sem = asyncio.Semaphore(50)
        failures = 0

        async def cycle() -> None:
            nonlocal failures
            async with sem:
                try:
                    reader, writer = await _open_stream(port, job_id, token)
                    await _read_until_event(reader, b"connection_established")
                    writer.close()
                    await writer.wait_closed()
                except (OSError, RuntimeError, asyncio.IncompleteReadError):
                    failures += 1

        started = time.monotonic()
        await asyncio.gather(*[cycle() for _ in range(task["count"])])
        return {
            "cycles": task["count"],
            "failures": failures,
            "seconds": round(time.monotonic() - started, 2),
        }

    results.put(asyncio.run(main()))


def _spawn(task: dict[str, Any]) -> tuple[Any, Any, Any]:
    ctx = multiprocessing.get_context("spawn")
    results, go = ctx.Queue(), ctx.Event()
    proc = ctx.Process(target=client_process, args=(task, results, go))
    proc.start()
    return proc, results, go


def _pct(values: list[float], pct: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(pct / 100 * len(ordered)))], 2)


def _wait_active(server: Server, count: int, timeout_s: float = 30) -> int:
    deadline = time.monotonic() + timeout_s
    active = -1
    while time.monotonic() < deadline:
        active = len(server.services.sse.connections)
        if active == count:
            break
        time.sleep(0.05)
    return active


def run(quick: bool = True) -> dict[str, Any]:
    """Return the SSE figures (see the module docstring)."""
    idle_count = 5000
    fanout_count = 1000
    cycles = 3000 if quick else 10000
    with tempfile.TemporaryDirectory(prefix="genscene-sse-bench-") as tmp:
        settings = replace(
            Settings.from_env({"GENSCENE_DATA_DIR": tmp, "GENSCENE_API_KEYS": API_KEY}),
            sse_heartbeat_s=60.0,
            sse_max_per_token=100_000,
            sse_max_per_client=100_000,
            db_optimize_interval_s=0,
            workers=2,
            log_level="WARNING",
        )
        import logging

        logging.getLogger("hypercorn.access").setLevel(logging.WARNING)
        server = Server(settings)
        server.start()
        try:
            gc.collect()
            base_rss = rss_mb()
            base_tasks = server.tasks()
            base_fds = len(os.listdir("/proc/self/fd"))

            # 1. idle streams
            job_id, token = server.create_job(delay_s=3600, events=1)
            proc, results, go = _spawn(
                {
                    "mode": "idle",
                    "port": server.port,
                    "job_id": job_id,
                    "token": token,
                    "count": idle_count,
                }
            )
            connected = results.get(timeout=300)
            held = _wait_active(server, connected["connected"])
            gc.collect()
            held_rss = rss_mb()
            go.set()
            results.get(timeout=60)
            proc.join(30)
            _wait_active(server, 0)
            server.call(server.services.runner.cancel(job_id))

            # 2. and 3. delivery latency to 10 and to 1,000 subscribers of one job
            latency: dict[str, Any] = {}
            for subscribers, events, interval in ((10, 100, 0.02), (fanout_count, 30, 0.15)):
                job_id, token = server.create_job(delay_s=3600, events=events, interval_s=interval)
                # Re-create with the real delay once everyone is connected.
                server.call(server.services.runner.cancel(job_id))
                job_id, token = server.create_job(
                    delay_s=2.0 + subscribers / 400, events=events, interval_s=interval
                )
                proc, results, go = _spawn(
                    {
                        "mode": "latency",
                        "port": server.port,
                        "job_id": job_id,
                        "token": token,
                        "count": subscribers,
                    }
                )
                results.get(timeout=120)
                samples = results.get(timeout=300)["latencies"]
                proc.join(30)
                latency[str(subscribers)] = {
                    "samples": len(samples),
                    "p50_ms": _pct(samples, 50),
                    "p99_ms": _pct(samples, 99),
                    "max_ms": _pct(samples, 100),
                    "mean_ms": round(statistics.fmean(samples), 2) if samples else None,
                }
            _wait_active(server, 0)

            # 4. connect/disconnect cycles, then counts back to baseline
            job_id, token = server.create_job(delay_s=3600, events=1)
            proc, results, go = _spawn(
                {
                    "mode": "cycles",
                    "port": server.port,
                    "job_id": job_id,
                    "token": token,
                    "count": cycles,
                }
            )
            cycled = results.get(timeout=600)
            proc.join(30)
            active_after = _wait_active(server, 0)
            server.call(server.services.runner.cancel(job_id))
            # Closed sockets are noticed asynchronously: allow the loop a few seconds to settle.
            settle_deadline = time.monotonic() + 15
            tasks_after = server.tasks()
            while tasks_after > base_tasks + 1 and time.monotonic() < settle_deadline:
                time.sleep(0.25)
                tasks_after = server.tasks()
            gc.collect()
            task_kinds = server.task_kinds()
            fds_after = len(os.listdir("/proc/self/fd"))
            registry = server.services.sse.status()["totals"]
        finally:
            server.stop()
    per_1000 = (held_rss - base_rss) / held * 1000 if held > 0 else None
    return {
        "benchmark": "sse",
        "quick": quick,
        "cpu_count": os.cpu_count(),
        "idle_streams_requested": idle_count,
        "idle_streams_held": held,
        "idle_connect_s": connected["connect_s"],
        "idle_failures": connected["failures"],
        "rss_mb_baseline": round(base_rss, 1),
        "rss_mb_with_idle_streams": round(held_rss, 1),
        "rss_mb_per_1000_streams": round(per_1000, 2) if per_1000 is not None else None,
        "latency_ms_p50_10_subscribers": latency["10"]["p50_ms"],
        "latency_ms_p99_10_subscribers": latency["10"]["p99_ms"],
        "latency_ms_p50_1000_subscribers": latency[str(fanout_count)]["p50_ms"],
        "latency_ms_p99_1000_subscribers": latency[str(fanout_count)]["p99_ms"],
        "latency": latency,
        "cycles": cycled,
        "after_cycles": {
            "active_connections": active_after,
            "tasks_baseline": base_tasks,
            "tasks_after": tasks_after,
            "task_kinds_after": task_kinds,
            "fds_baseline": base_fds,
            "fds_after": fds_after,
            "registry_totals": registry,
        },
        "targets": [
            {
                "target": "5,000 idle streams in <= 250 MB RSS",
                "value": round(held_rss, 1),
                "holds": held >= 5000 and held_rss <= 250,
            },
            {
                "target": "p99 <= 50 ms to 10 subscribers",
                "value": latency["10"]["p99_ms"],
                "holds": (latency["10"]["p99_ms"] or 1e9) <= 50,
            },
            {
                "target": "p99 <= 150 ms fan-out to 1,000 subscribers",
                "value": latency[str(fanout_count)]["p99_ms"],
                "holds": (latency[str(fanout_count)]["p99_ms"] or 1e9) <= 150,
            },
            {
                "target": f"connections and tasks back to baseline after {cycles} cycles",
                "value": {"active": active_after, "tasks": tasks_after - base_tasks},
                "holds": active_after == 0
                and tasks_after <= base_tasks + 1
                and cycled["failures"] == 0,
            },
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(quick=args.quick)
    if not args.json or sys.stdout.isatty():
        for target in result["targets"]:
            print(
                f"{'HOLDS ' if target['holds'] else 'MISSES'} {target['target']}: {target['value']}"
            )
    print(json.dumps(result, separators=(",", ":")))


if __name__ == "__main__":
    main()
