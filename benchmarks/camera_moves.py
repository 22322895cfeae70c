"""Ken Burns moves: what each way of moving the camera costs per frame, and how much it jitters.

Issue 5 asks for Ken Burns moves "via zoompan or an equivalent without jitter" and for the
Ken Burns timeline to render 6x faster than MoviePy. This measures the candidates on the
reference scene (a 1280x720 still, 3 s at 30 fps, zooming in 1.15x) so the trade-off is
visible in one run:

* `perspective` - ours: FFmpeg's perspective filter, sub-pixel exact corners per frame;
* `zoompan` - FFmpeg's zoompan, whose window snaps to whole pixels;
* `zoompan_4x` - zoompan on the still upscaled 4x first (the usual anti-jitter recipe);
* `opencv_warpaffine` - OpenCV (benchmark extra) warping the yuv420p planes in Python,
  outside FFmpeg: only if `cv2` imports. The spec has FFmpeg compose camera moves, so this is
  a measured alternative, not the product;
* `static` - the still repeated with no move: the cost of decoding and writing frames.

CPU is the FFmpeg child's user+system time (or this process's, for OpenCV), median of the
rounds, per output frame; `motion_ms_per_frame` subtracts `static`. Jitter follows three dots
by their luma centroid and reports the worst distance from a smooth cubic through the path.

    python benchmarks/camera_moves.py [--quick] [--json] [--repeat N]

The last line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from genscene.pipeline import compose, motion
from genscene.pipeline.process import find_ffmpeg

WIDTH, HEIGHT, FPS, FRAMES = 1280, 720, 30, 90
POINTS = ((320, 200), (960, 520), (500, 440))
TARGET_JITTER_PX = 0.05  # what the end-to-end test allows ours


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def zoom_at(frame: int) -> float:
    """Return the zoom of the reference move at `frame`: 1 -> ZOOM_FACTOR, exponential."""
    return float(compose.ZOOM_FACTOR ** (frame / (FRAMES - 1)))


def ffmpeg_argv(still: Path, graph: str) -> list[str]:
    return [
        *compose._quiet(find_ffmpeg().path),
        "-framerate",
        str(FPS),
        "-i",
        str(still),
        "-filter_complex",
        graph,
        "-map",
        "[v]",
        "-frames:v",
        str(FRAMES),
        "-f",
        "rawvideo",
        "-pix_fmt",
        "yuv420p",
        "pipe:1",
    ]


def perspective_argv(still: Path) -> list[str]:
    timeline = compose.Timeline(
        WIDTH, HEIGHT, FPS, (compose.TimelineScene(still, FRAMES, "zoom-in"),), ()
    )
    return compose.build_frames_argv(find_ffmpeg().path, timeline, timeline.segments(), "pipe:1")


def zoompan_graph(oversample: int) -> str:
    fit = compose._fit(WIDTH, HEIGHT)
    upscale = f",scale={WIDTH * oversample}:{HEIGHT * oversample}" if oversample > 1 else ""
    zoom = f"pow({compose.ZOOM_FACTOR},on/{FRAMES - 1})"
    return (
        f"[0:v]{fit}{upscale},zoompan=z='{zoom}':x='iw/2-iw/zoom/2':y='ih/2-ih/zoom/2'"
        f":d={FRAMES}:s={WIDTH}x{HEIGHT}:fps={FPS},format=yuv420p[v]"
    )


def static_graph() -> str:
    fit = compose._fit(WIDTH, HEIGHT)
    return f"[0:v]{fit},format=yuv420p,loop=loop={FRAMES - 1}:size=1,setpts=N[v]"


def run_ffmpeg(argv: list[str]) -> tuple[bytes, float]:
    """Return (raw frames, CPU seconds of the FFmpeg child)."""
    before = _children_cpu_s()
    raw = subprocess.run(argv, capture_output=True, check=True).stdout
    return raw, _children_cpu_s() - before


def fitted_planes(still: Path, width: int = WIDTH, height: int = HEIGHT) -> list[np.ndarray]:
    """Return the still fitted to the frame as yuv420p planes, converted by FFmpeg."""
    argv = ffmpeg_argv(still, f"[0:v]{compose._fit(width, height)},format=yuv420p[v]")
    argv[argv.index("-frames:v") + 1] = "1"
    data = np.frombuffer(subprocess.run(argv, capture_output=True, check=True).stdout, np.uint8)
    return yuv_planes(data, width, height)


def yuv_planes(frame: np.ndarray, width: int, height: int) -> list[np.ndarray]:
    """Return views of a flat yuv420p frame buffer as its Y, U and V planes."""
    luma = width * height
    return [
        frame[:luma].reshape(height, width),
        frame[luma : luma * 5 // 4].reshape(height // 2, width // 2),
        frame[luma * 5 // 4 :].reshape(height // 2, width // 2),
    ]


def opencv_zoom(planes: list[np.ndarray], zoom: float, outs: list[np.ndarray]) -> None:
    """Write `planes` magnified by `zoom` about their centre into `outs` (cv2, bilinear)."""
    import cv2

    s = 1 / zoom  # source pixels per output pixel
    for plane, out in zip(planes, outs, strict=True):
        h, w = plane.shape
        # Output pixel centre x+0.5 looks at the source around the frame's centre.
        matrix = np.array(
            [
                [s, 0, (w / 2) * (1 - s) + 0.5 * s - 0.5],
                [0, s, (h / 2) * (1 - s) + 0.5 * s - 0.5],
            ]
        )
        cv2.warpAffine(
            plane,
            matrix,
            (w, h),
            dst=out,
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REPLICATE,
        )


def run_opencv(still: Path) -> tuple[bytes, float]:
    """Return (raw frames, CPU seconds) of the zoom done by cv2.warpAffine, one thread."""
    import cv2

    cv2.setNumThreads(1)
    planes = fitted_planes(still)
    frame = np.empty(WIDTH * HEIGHT * 3 // 2, np.uint8)
    outs = yuv_planes(frame, WIDTH, HEIGHT)
    chunks = []
    started = time.process_time()
    for index in range(FRAMES):
        opencv_zoom(planes, zoom_at(index), outs)
        chunks.append(frame.tobytes())
    return b"".join(chunks), time.process_time() - started


def jitter(raw: bytes) -> float:
    luma = motion.luma_frames(raw, (WIDTH, HEIGHT))
    if len(luma) != FRAMES:
        raise RuntimeError(f"expected {FRAMES} frames, got {len(luma)}")
    return max(motion.path_jitter(motion.track_dot(luma, point)) for point in POINTS)


def run(repeat: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="genscene-bench-camera-") as tmp:
        still = Path(tmp) / "dots.png"
        motion.draw_dots((WIDTH, HEIGHT), POINTS).save(still)
        methods: dict[str, tuple[Callable[[], tuple[bytes, float]], bool]] = {
            "static": (lambda: run_ffmpeg(ffmpeg_argv(still, static_graph())), True),
            "perspective": (lambda: run_ffmpeg(perspective_argv(still)), True),
            "zoompan": (lambda: run_ffmpeg(ffmpeg_argv(still, zoompan_graph(1))), True),
            "zoompan_4x": (lambda: run_ffmpeg(ffmpeg_argv(still, zoompan_graph(4))), True),
        }
        try:
            import cv2  # noqa: F401
        except ImportError:
            log("cv2 not installed (pip install .[bench]): skipping opencv_warpaffine")
        else:
            methods["opencv_warpaffine"] = (lambda: run_opencv(still), False)
        results: dict[str, dict[str, Any]] = {}
        for name, (action, inside_ffmpeg) in methods.items():
            log(f"{name}: {repeat} rounds")
            cpu, raw = [], b""
            for _ in range(repeat):
                raw, seconds = action()
                cpu.append(seconds)
            results[name] = {
                "cpu_ms_per_frame": round(statistics.median(cpu) / FRAMES * 1000, 2),
                "jitter_px": None if name == "static" else round(jitter(raw), 3),
                "inside_ffmpeg": inside_ffmpeg,
            }
    static_ms = results["static"]["cpu_ms_per_frame"]
    for name, entry in results.items():
        # OpenCV's time starts after the still is decoded: all of it is motion.
        base = static_ms if entry["inside_ffmpeg"] else 0.0
        entry["motion_ms_per_frame"] = round(max(0.0, entry["cpu_ms_per_frame"] - base), 2)
        if name != "static":
            entry["smooth"] = entry["jitter_px"] < TARGET_JITTER_PX
    ours = results["perspective"]
    smooth_in_ffmpeg = [
        name for name, e in results.items() if e.get("smooth") and e["inside_ffmpeg"]
    ]
    return {
        "benchmark": "camera_moves",
        "scene": {
            "size": f"{WIDTH}x{HEIGHT}",
            "fps": FPS,
            "frames": FRAMES,
            "zoom": compose.ZOOM_FACTOR,
            "repeat": repeat,
        },
        "methods": results,
        "smooth_inside_ffmpeg": smooth_in_ffmpeg,
        "perspective_motion_ms_per_frame": ours["motion_ms_per_frame"],
        "perspective_jitter_px": ours["jitter_px"],
        "zoompan_jitter_px": results["zoompan"]["jitter_px"],
        "notes": [
            f"smooth = jitter below {TARGET_JITTER_PX} px (the end-to-end test's bound)",
            "opencv_warpaffine runs outside FFmpeg; its CPU excludes decoding and pipe writes",
            "cpu is per output frame, median of the rounds",
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds instead of 7")
    parser.add_argument("--json", action="store_true", help="print only the JSON summary")
    parser.add_argument("--repeat", type=int, default=None, help="rounds per method")
    args = parser.parse_args()
    result = run(args.repeat or (3 if args.quick else 7))
    if not args.json:
        for name, entry in result["methods"].items():
            log(
                f"{name:18} {entry['cpu_ms_per_frame']:6.2f} ms/frame"
                f"  jitter {entry['jitter_px']} px"
            )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
