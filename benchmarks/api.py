"""API throughput and latency against a real `genscene serve` on loopback.

Measures requests/s and p50/p99 latency for `GET /api/jobs/{id}` and `GET /health` at 1, 16
and 64 concurrent connections with wrk (Debian package `wrk`; `make bench` installs it),
and, in-process, what the executor hop costs per read against reading on the loop directly.

    python benchmarks/api.py [--quick] [--json]

The load generator shares the machine's cores with the server, as it would on a laptop.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

API_KEY = "bench-key-0123456789"
TARGET_RPS = 1500.0
TARGET_P99_MS = 50.0


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def parse_wrk(output: str) -> dict[str, float]:
    """Return requests/s and latency percentiles (ms) from `wrk --latency` output."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    found: dict[str, float] = {"requests_per_s": float(rps.group(1)) if rps else 0.0}
    for pct in ("50", "75", "90", "99"):
        match = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        if match:
            found[f"p{pct}_ms"] = round(_ms(match.group(1), match.group(2)), 3)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    found["non_2xx"] = float(errors.group(1)) if errors else 0.0
    socket_errors = re.search(r"Socket errors: (.*)", output)
    found["socket_errors"] = 1.0 if socket_errors else 0.0
    return found


def run_wrk(url: str, connections: int, seconds: int) -> dict[str, float]:
    """Return wrk's figures for `connections` concurrent connections on `url`."""
    threads = max(1, min(2, connections))
    argv = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "-H",
        f"X-API-Key: {API_KEY}",
        url,
    ]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 30, check=True)
    return parse_wrk(out.stdout)


def start_server(data_dir: Path, port: int) -> subprocess.Popen[str]:
    """Return a running `genscene serve` process once /health answers."""
    env = {
        **os.environ,
        "GENSCENE_DATA_DIR": str(data_dir),
        "GENSCENE_API_KEYS": API_KEY,
        "GENSCENE_DB_OPTIMIZE_INTERVAL_S": "0",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "genscene", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


async def measure_executor_hop(data_dir: Path, job_id: str, calls: int) -> dict[str, float]:
    """Return µs per job read through `aread` (executor hop) and `read` (on the loop)."""
    from genscene.db.database import Database
    from genscene.pipeline.jobs import JobStore

    db = Database(data_dir / "genscene.db")
    store = JobStore(db)
    try:
        for _ in range(200):  # warm both paths
            await store.get(job_id)
            store.get_sync(job_id)
        hop, direct = [], []
        for _ in range(5):
            start = time.perf_counter()
            for _ in range(calls):
                await store.get(job_id)
            hop.append((time.perf_counter() - start) / calls * 1e6)
            start = time.perf_counter()
            for _ in range(calls):
                store.get_sync(job_id)
            direct.append((time.perf_counter() - start) / calls * 1e6)
    finally:
        db.close()
    hop_us, direct_us = statistics.median(hop), statistics.median(direct)
    return {
        "executor_read_us": round(hop_us, 1),
        "direct_read_us": round(direct_us, 1),
        "hop_cost_us": round(hop_us - direct_us, 1),
        "ratio": round(hop_us / direct_us, 2),
    }


def run(quick: bool = True) -> dict[str, Any]:
    """Return the benchmark's figures (see the module docstring)."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk (make bench does)")
    seconds = 3 if quick else 10
    with tempfile.TemporaryDirectory(prefix="genscene-api-bench-") as tmp:
        data_dir = Path(tmp)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = start_server(data_dir, port)
        try:
            job = httpx.post(
                base + "/api/tts", json={"text": "benchmark"}, headers={"X-API-Key": API_KEY}
            ).json()
            httpx.post(base + "/styles/previews/generate-all", headers={"X-API-Key": API_KEY})
            for _ in range(300):  # previews render in background jobs: wait for all seven
                overview = httpx.get(base + "/styles/previews/overview").json()["previews"]
                if all(p["status"] == "fresh" for p in overview):
                    break
                time.sleep(0.1)
            results: dict[str, dict[str, dict[str, float]]] = {
                "job_read": {},
                "health": {},
                "preview_meta": {},
                "preview_thumb": {},
            }
            for connections in (1, 16, 64):
                results["job_read"][str(connections)] = run_wrk(
                    f"{base}/api/jobs/{job['id']}", connections, seconds
                )
                results["health"][str(connections)] = run_wrk(
                    f"{base}/health", connections, seconds
                )
                if connections <= 16:
                    results["preview_meta"][str(connections)] = run_wrk(
                        f"{base}/styles/film-noir/preview", connections, seconds
                    )
                    results["preview_thumb"][str(connections)] = run_wrk(
                        f"{base}/styles/film-noir/preview/thumb", connections, seconds
                    )
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        hop = asyncio.run(measure_executor_hop(data_dir, job["id"], 2000 if quick else 10000))
    at16 = results["job_read"]["16"]
    targets = [
        {
            "target": f"GET /api/jobs/{{id}} at 16 clients >= {TARGET_RPS:.0f} req/s",
            "value": at16["requests_per_s"],
            "holds": at16["requests_per_s"] >= TARGET_RPS,
        },
        {
            "target": f"GET /api/jobs/{{id}} at 16 clients p99 < {TARGET_P99_MS:.0f} ms",
            "value": at16.get("p99_ms"),
            "holds": at16.get("p99_ms", 1e9) < TARGET_P99_MS,
        },
    ]
    meta1 = results["preview_meta"]["1"]
    targets.append(
        {
            "target": "cached preview fetch (metadata, 1 client) p99 < 5 ms",
            "value": meta1.get("p99_ms"),
            "holds": meta1.get("p99_ms", 1e9) < 5.0,
        }
    )
    return {
        "benchmark": "api",
        "quick": quick,
        "seconds_per_run": seconds,
        "cpu_count": os.cpu_count(),
        "load_generator": "wrk (same machine)",
        "results": results,
        "executor_hop": hop,
        "targets": targets,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(quick=args.quick)
    if not args.json or sys.stdout.isatty():
        for name, by_c in result["results"].items():
            for c, figures in by_c.items():
                print(
                    f"{name:9} c={c:>2}  {figures['requests_per_s']:8.0f} req/s  "
                    f"p50 {figures.get('p50_ms')} ms  p99 {figures.get('p99_ms')} ms"
                )
        print(f"executor hop: {result['executor_hop']}")
        for target in result["targets"]:
            print(
                f"{'HOLDS' if target['holds'] else 'MISSES'}  {target['target']}: {target['value']}"
            )
    print(json.dumps(result, separators=(",", ":")))


if __name__ == "__main__":
    main()
