"""What group commit buys for chatty job progress: grouped writer vs one commit per write.

Sixteen jobs report progress concurrently through `JobStore.report_progress` (row update plus
event append, as the runner does). The same workload runs with the writer grouping up to
256 queued units per transaction and with `group_commit_max=1`, alternating, and the median
ratio is reported.

    python benchmarks/group_commit.py [--quick] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from genscene.db.connect import PragmaConfig
from genscene.db.database import Database
from genscene.pipeline.jobs import JobStore


async def workload(db: Database, jobs: int, updates: int) -> dict[str, float]:
    """Return updates/s and per-update latency percentiles for one run."""
    store = JobStore(db)
    created = [await store.create("tts", {"n": i}) for i in range(jobs)]
    for _ in created:
        await store.claim(["tts"])
    latencies: list[float] = []

    async def one_job(job_id: str) -> None:
        for step in range(updates):
            start = time.perf_counter()
            await store.report_progress(job_id, step / updates, "working", f"step {step}")
            latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    await asyncio.gather(*[one_job(job.id) for job in created])
    elapsed = time.perf_counter() - start
    latencies.sort()
    return {
        "updates_per_s": round(jobs * updates / elapsed, 1),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 3),
        "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 3),
        "transactions": db.performance()["group_commit"]["transactions"],
    }


def run(quick: bool = True, rounds: int | None = None) -> dict[str, Any]:
    """Return grouped vs ungrouped figures and their median ratios."""
    rounds = rounds or (3 if quick else 7)
    jobs, updates = 16, (60 if quick else 250)
    runs: dict[str, list[dict[str, float]]] = {"grouped": [], "ungrouped": []}
    with tempfile.TemporaryDirectory(prefix="genscene-gc-", dir=Path.cwd()) as tmp:
        for round_no in range(rounds):
            order = ["grouped", "ungrouped"] if round_no % 2 == 0 else ["ungrouped", "grouped"]
            for name in order:
                path = Path(tmp) / f"{name}-{round_no}.db"
                db = Database(
                    path, PragmaConfig(), group_commit_max=256 if name == "grouped" else 1
                )
                try:
                    runs[name].append(asyncio.run(workload(db, jobs, updates)))
                finally:
                    db.close()
    ratios = [
        g["updates_per_s"] / u["updates_per_s"]
        for g, u in zip(runs["grouped"], runs["ungrouped"], strict=True)
    ]
    p99_ratios = [
        g["p99_ms"] / u["p99_ms"] for g, u in zip(runs["grouped"], runs["ungrouped"], strict=True)
    ]
    return {
        "benchmark": "group_commit",
        "quick": quick,
        "rounds": rounds,
        "workload": f"{jobs} jobs x {updates} progress updates, concurrent",
        "grouped": runs["grouped"],
        "ungrouped": runs["ungrouped"],
        "throughput_ratio": round(statistics.median(ratios), 2),
        "p99_latency_ratio": round(statistics.median(p99_ratios), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--rounds", type=int, default=None)
    args = parser.parse_args()
    result = run(quick=args.quick, rounds=args.rounds)
    if not args.json or sys.stdout.isatty():
        for name in ("grouped", "ungrouped"):
            best = statistics.median(r["updates_per_s"] for r in result[name])
            print(f"{name:10} median {best:9.0f} updates/s")
        print(f"throughput ratio grouped/ungrouped: {result['throughput_ratio']}")
        print(f"p99 latency ratio grouped/ungrouped: {result['p99_latency_ratio']}")
    print(json.dumps(result, separators=(",", ":")))


if __name__ == "__main__":
    main()
