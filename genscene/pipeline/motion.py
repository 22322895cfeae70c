"""Measuring camera moves: follow bright dots through raw frames, and see how smooth the path is.

Used by the end-to-end test that proves Ken Burns moves do not jitter and by
`benchmarks/camera_moves.py`, which compares ways of moving the camera.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw

BACKGROUND_RGB = (40, 40, 40)
# The background is luma 50 (RGB 40 in limited range); subtracting 56 keeps only the dots.
DOT_THRESHOLD = 56


def draw_dots(size: tuple[int, int], points: Sequence[tuple[int, int]]) -> Image.Image:
    """Return a dark image with a white dot of radius 5 at each point."""
    image = Image.new("RGB", size, BACKGROUND_RGB)
    draw = ImageDraw.Draw(image)
    for x, y in points:
        draw.ellipse((x - 5, y - 5, x + 5, y + 5), fill=(255, 255, 255))
    return image


def luma_frames(raw: bytes, size: tuple[int, int]) -> np.ndarray:
    """Return the luma planes of raw yuv420p frames as a (frames, height, width) float array."""
    width, height = size
    frames = np.frombuffer(raw, np.uint8).reshape(-1, width * height * 3 // 2)
    return frames[:, : width * height].reshape(-1, height, width).astype(np.float64)


def track_dot(luma: np.ndarray, start: tuple[float, float]) -> np.ndarray:
    """Return the (frames, 2) path of the dot first seen near `start`, by weighted centroid."""
    x, y = start
    track = []
    for index, frame in enumerate(luma):
        reach = 40 if index == 0 else 14
        xa, ya = round(x) - reach, round(y) - reach
        window = frame[ya : ya + 2 * reach + 1, xa : xa + 2 * reach + 1]
        weights = np.clip(window - DOT_THRESHOLD, 0, None)
        ys, xs = np.mgrid[ya : ya + window.shape[0], xa : xa + window.shape[1]]
        x, y = (weights * xs).sum() / weights.sum(), (weights * ys).sum() / weights.sum()
        track.append((x, y))
    return np.array(track)


def path_jitter(path: np.ndarray) -> float:
    """Return how far (px) a path strays from the smooth cubic through it, worst axis."""
    t = np.arange(len(path))
    worst = 0.0
    for axis in (0, 1):
        fit = np.polyval(np.polyfit(t, path[:, axis], 3), t)
        worst = max(worst, float(np.abs(path[:, axis] - fit).max()))
    return worst


__all__ = ["draw_dots", "luma_frames", "path_jitter", "track_dot"]
