"""Benchmark style rendering and the preview cache.

Measures, on this machine:
- ms per 1280x720 frame per style (procedural generate + look), median of several renders;
- all seven previews rendered cold into an empty cache (render + PNG + thumbnail + metadata),
  wall clock: sequentially in one process (what the target is checked against), and with two
  worker threads and a warm pool of two worker processes for comparison;
- cached preview fetch from the cache: metadata read + status + image file read, p50/p99.

    python benchmarks/previews.py --quick --json

prints one JSON object as its last line.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import PIL

from genscene.pipeline.frames import SceneSpec, render_frame
from genscene.pipeline.previews import PreviewCache
from genscene.pipeline.styles import Style, load_catalogue

SIZE = (1280, 720)
TARGET_FRAME_MS = 150.0
TARGET_COLD_ALL_MS = 2000.0
TARGET_FETCH_P99_MS = 5.0


def measure_frames(styles: list[Style], reps: int) -> dict[str, float]:
    """Return the median ms of render_frame at 720p per style (after one warm-up render)."""
    result = {}
    for style in styles:
        scene = SceneSpec(style.demo_scene)
        render_frame(scene, style, SIZE, 0)  # builds the style's LUT and cached masks once
        times = []
        for rep in range(reps):
            started = time.perf_counter()
            render_frame(scene, style, SIZE, rep + 1)
            times.append((time.perf_counter() - started) * 1000)
        result[style.id] = round(statistics.median(times), 1)
    return result


def _render_one(args: tuple[str, str]) -> float:
    """Render one style's preview into `root` (run in a worker); return its render ms."""
    root, style_id = args
    style = load_catalogue().get(style_id)
    info = PreviewCache(Path(root), 86400).render_preview(style)
    return info.render_ms or 0.0


def measure_cold(styles: list[Style], workdir: Path) -> dict[str, Any]:
    """Return wall-clock ms to render every preview into empty caches, three ways."""
    sequential_root = workdir / "cold-sequential"
    started = time.perf_counter()
    cache = PreviewCache(sequential_root, 86400)
    for style in styles:
        cache.render_preview(style)
    sequential_ms = (time.perf_counter() - started) * 1000

    threads_root = workdir / "cold-threads"
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(_render_one, [(str(threads_root), s.id) for s in styles]))
    threads_ms = (time.perf_counter() - started) * 1000

    # A worker pool the job runner would keep alive: warm it up before timing.
    with ProcessPoolExecutor(max_workers=2) as pool:
        warm_root = workdir / "warm-up"
        list(pool.map(_render_one, [(str(warm_root), s.id) for s in styles[:2]]))
        processes_root = workdir / "cold-processes"
        started = time.perf_counter()
        list(pool.map(_render_one, [(str(processes_root), s.id) for s in styles]))
        processes_ms = (time.perf_counter() - started) * 1000
    png_bytes = [p.stat().st_size for p in sequential_root.glob("*.png")]
    return {
        "sequential_ms": round(sequential_ms, 1),
        "threads_2_ms": round(threads_ms, 1),
        "processes_2_warm_pool_ms": round(processes_ms, 1),
        "target_checked_against": "sequential_ms",
        "mean_png_kb": round(sum(png_bytes) / max(1, len(png_bytes)) / 1024, 1),
    }


def measure_fetch(styles: list[Style], workdir: Path, rounds: int) -> dict[str, float]:
    """Return p50/p99 ms of a cached preview fetch: status (metadata) + image bytes."""
    cache = PreviewCache(workdir / "cold-sequential", 86400)
    times = []
    for _ in range(rounds):
        for style in styles:
            started = time.perf_counter()
            info = cache.status(style)
            data = cache.read_image(info)
            times.append((time.perf_counter() - started) * 1000)
            if info.status != "fresh" or not data:
                raise RuntimeError(f"preview of {style.id} is not cached: {info.status}")
    array = np.asarray(times)
    return {
        "p50_ms": round(float(np.percentile(array, 50)), 3),
        "p99_ms": round(float(np.percentile(array, 99)), 3),
        "samples": len(times),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print a report, and the JSON result as the last line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--json", action="store_true", help="print only the JSON line")
    args = parser.parse_args(argv)
    reps, rounds = (5, 60) if args.quick else (15, 300)
    styles = load_catalogue().all()

    with tempfile.TemporaryDirectory(prefix="genscene-bench-") as tmp:
        workdir = Path(tmp)
        # Cold first, in a fresh process state for the sequential run's first style.
        cold = measure_cold(styles, workdir)
        frames = measure_frames(styles, reps)
        fetch = measure_fetch(styles, workdir, rounds)

    result = {
        "benchmark": "previews",
        "quick": args.quick,
        "frame_size": list(SIZE),
        "frame_ms": frames,
        "frame_ms_max": max(frames.values()),
        "cold_all_previews": cold,
        "cached_fetch": fetch,
        "targets": {
            "frame_ms_max": TARGET_FRAME_MS,
            "cold_all_ms": TARGET_COLD_ALL_MS,
            "cached_fetch_p99_ms": TARGET_FETCH_P99_MS,
        },
        "holds": {
            "frame_ms_max": max(frames.values()) <= TARGET_FRAME_MS,
            "cold_all_ms": cold["sequential_ms"] < TARGET_COLD_ALL_MS,
            "cached_fetch_p99_ms": fetch["p99_ms"] < TARGET_FETCH_P99_MS,
        },
        "environment": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "pillow": PIL.__version__,
            "numpy": np.__version__,
        },
    }
    if not args.json:
        for style_id, ms in frames.items():
            print(f"{style_id:24s} {ms:7.1f} ms / 720p frame")
        print(f"cold, all seven: {cold}")
        print(f"cached fetch: {fetch}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
