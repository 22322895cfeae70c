"""Style looks: a colour grade and a chain of effects applied to a generated frame.

The grade (exposure, white balance, saturation, split toning, contrast curve, levels) is
baked into one 3D LUT per look and applied by Pillow's `Color3DLUT`. Effects work on numpy
arrays or Pillow images; anything blurred is blurred at reduced size, and masks that depend
only on the frame size (vignette, scanlines, paper, grain tiles) are cached, which is what
keeps a 720p frame well under the frame budget.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from genscene.pipeline.styles import Look, hex_to_rgb

LUT_SIZE = 33
GRAIN_MARGIN_PX = 64
_LUMA = np.array([0.2126, 0.7152, 0.0722])
_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


def apply_look(image: Image.Image, look: Look, seed: int) -> Image.Image:
    """Return a new RGB image: `image` graded and processed by `look`, deterministic for `seed`."""
    img = image if image.mode == "RGB" else image.convert("RGB")
    rng = np.random.default_rng([seed % (1 << 63), 0x10_0C])
    if look.smoothing > 0:
        img = _smooth(img, look.smoothing)
    if look.soft_shading > 0 or look.cel_edges > 0 or look.posterize_levels > 0:
        img = _cel_and_shading(img, look)
    if look.monochrome:
        # A grey grade is one curve: far cheaper than a 3D LUT, and R=G=B by construction.
        img = img.convert("L").point(_mono_curve(look)).convert("RGB")
    else:
        img = img.filter(grade_lut(look))
    if look.sharpen > 0:
        img = img.filter(_sharpen_kernel(round(look.sharpen, 3)))
    if look.bloom > 0:
        img = _bloom(img, look.bloom, look.bloom_threshold)
    if look.luma_soften > 0 or look.chroma_bleed > 0 or look.chroma_shift_px > 0:
        img = _tape_signal(img, look.luma_soften, look.chroma_bleed, look.chroma_shift_px)
    if look.tracking_noise > 0:
        img = _tracking_noise(img, look.tracking_noise, rng)
    if look.timestamp:
        img = _timestamp(img, rng)
    if look.rain_streaks > 0:
        img = _rain_streaks(img, look.rain_streaks, rng)
    if look.scanlines > 0:
        img = ImageChops.multiply(
            img, _scanline_mask(img.size, look.scanline_period_px, look.scanlines)
        )
    if look.paper_texture > 0:
        img = ImageChops.multiply(img, _paper_texture(img.size, round(look.paper_texture, 3)))
    if look.vignette > 0:
        img = ImageChops.multiply(img, _vignette_mask(img.size, round(look.vignette, 3)))
    if look.grain > 0:
        img = _grain(img, look.grain, look.grain_size_px, rng)
    if look.monochrome:
        # The grade already made R=G=B; this pins it after every later effect.
        img = img.convert("L").convert("RGB")
    if look.letterbox_aspect > 0:
        img = _letterbox(img, look.letterbox_aspect)
    return img


# Colour grade ---------------------------------------------------------------------------


def grade_array(rgb: np.ndarray, look: Look) -> np.ndarray:
    """Return colours `rgb` (N x 3 floats in 0..1) graded by `look`'s colour parameters."""
    x = np.asarray(rgb, np.float64) * (2.0**look.exposure)
    t, tint = look.temperature, look.tint
    x = x * np.array([1 + 0.12 * t + 0.03 * tint, 1 - 0.1 * tint, 1 - 0.14 * t + 0.03 * tint])
    lum = x @ _LUMA
    if look.monochrome:
        x = np.repeat(lum[:, None], 3, axis=1)
    else:
        x = lum[:, None] + (x - lum[:, None]) * look.saturation
        if look.split_strength > 0:
            shadow = np.asarray(hex_to_rgb(look.shadow_tint)) / 255.0 - 0.5
            highlight = np.asarray(hex_to_rgb(look.highlight_tint)) / 255.0 - 0.5
            w_shadow = np.clip(1 - lum, 0, 1)[:, None] ** 2
            w_high = np.clip(lum, 0, 1)[:, None] ** 2
            x = x + 0.6 * look.split_strength * (w_shadow * shadow + w_high * highlight)
    x = _contrast_curve(np.clip(x, 0.0, 1.0), look.contrast)
    x = look.black_point + x * (look.white_point - look.black_point)
    return np.clip(x, 0.0, 1.0)


def _contrast_curve(x: np.ndarray, contrast: float) -> np.ndarray:
    """Return `x` through an S-curve whose slope at mid grey is `contrast` (< 1: linear flatten)."""
    if contrast <= 1.0 + 1e-6:
        return 0.5 + (x - 0.5) * contrast
    # Solve q / tanh(q) = contrast for q = k / 4, the logistic gain giving that mid slope.
    low, high = 1e-6, 20.0
    for _ in range(60):
        mid = (low + high) / 2
        if mid / math.tanh(mid) < contrast:
            low = mid
        else:
            high = mid
    k = 4 * low
    sig = 1.0 / (1.0 + np.exp(-k * (x - 0.5)))
    lo, hi = 1.0 / (1.0 + math.exp(k / 2)), 1.0 / (1.0 + math.exp(-k / 2))
    return (sig - lo) / (hi - lo)


@lru_cache(maxsize=64)
def grade_lut(look: Look) -> ImageFilter.Color3DLUT:
    """Return the look's colour grade as a 3D LUT (cached per look)."""
    axis = np.linspace(0.0, 1.0, LUT_SIZE)
    # Color3DLUT wants red to vary fastest, then green, then blue.
    b, g, r = np.meshgrid(axis, axis, axis, indexing="ij")
    grid = np.stack([r.ravel(), g.ravel(), b.ravel()], axis=1)
    table = grade_array(grid, look).astype(np.float32).reshape(-1)
    return ImageFilter.Color3DLUT(LUT_SIZE, table, channels=3)


@lru_cache(maxsize=16)
def _mono_curve(look: Look) -> list[int]:
    """Return the look's grade for grey input as a 256-entry table (monochrome looks)."""
    grey = np.repeat(np.linspace(0.0, 1.0, 256)[:, None], 3, axis=1)
    return [round(v * 255) for v in grade_array(grey, look)[:, 0]]


# Form: smoothing, soft 3D shading, cel shading ---------------------------------------------


def _smooth(img: Image.Image, strength: float) -> Image.Image:
    """Return `img` with fine texture melted away (blurred at half size, blended back)."""
    small = img.reduce(2)
    blurred = small.filter(ImageFilter.GaussianBlur(0.6 + 1.6 * strength))
    return Image.blend(img, blurred.resize(img.size, Image.Resampling.BICUBIC), 0.85 * strength)


def _cel_and_shading(img: Image.Image, look: Look) -> Image.Image:
    """Return `img` with luma shaded (soft 3D), quantised (cel bands) and inked (edges)."""
    y_img, cb, cr = img.convert("YCbCr").split()
    y = np.asarray(y_img, np.float32)
    if look.soft_shading > 0:
        y = y * _shading_field(y_img, look.soft_shading)
    if look.posterize_levels > 0:
        n = look.posterize_levels
        banded = (np.floor(np.clip(y, 0, 254.999) / 255.0 * n) + 0.5) * (255.0 / n)
        # Keep a little of the original gradient so bands read as paint, not as an error.
        y = banded * 0.85 + y * 0.15
    if look.cel_edges > 0:
        ink = _ink_lines(y_img)
        ink[:3, :] = ink[-3:, :] = 0.0  # the filter sees the frame border as an edge
        ink[:, :3] = ink[:, -3:] = 0.0
        y = (y * (1.0 - 0.85 * look.cel_edges * ink)).astype(np.float32)
    y_out = Image.fromarray(np.clip(y, 0, 255).astype(np.uint8))
    return Image.merge("YCbCr", (y_out, cb, cr)).convert("RGB")


def _ink_lines(y_img: Image.Image) -> np.ndarray:
    """Return 0..1 ink strength along the outlines of shapes in a luma image.

    Gradient magnitude of a blurred half-size luma: a long edge keeps its full step after
    the blur, a two-pixel speck (rain, snow, petals) loses most of it and stays uninked.
    """
    w, h = y_img.size
    half = np.asarray(y_img.reduce(2).filter(ImageFilter.GaussianBlur(1.1)), np.float32)
    grad = np.zeros_like(half)
    np.maximum(grad[:, 1:-1], np.abs(half[:, 2:] - half[:, :-2]), out=grad[:, 1:-1])
    np.maximum(grad[1:-1, :], np.abs(half[2:, :] - half[:-2, :]), out=grad[1:-1, :])
    strength = np.clip((grad - 9.0) * (255.0 / 16.0), 0, 255).astype(np.uint8)
    up = Image.fromarray(strength).resize((w, h), Image.Resampling.BILINEAR)
    return np.array(up, np.float32) / 255.0


def _shading_field(y_img: Image.Image, strength: float) -> np.ndarray:
    """Return a per-pixel luma multiplier that bevels forms (lit top-left) and deepens creases."""
    w, h = y_img.size
    small = y_img.reduce(8) if min(w, h) >= 64 else y_img
    form = np.asarray(small.filter(ImageFilter.GaussianBlur(1.5)), np.float32)
    base = np.asarray(small.filter(ImageFilter.GaussianBlur(6)), np.float32)
    # Embossed blurred luma: surfaces facing up-left catch the key light.
    # Shift with edge replication (not wrap-around), or the borders light up.
    padded = np.pad(form, ((2, 0), (2, 0)), mode="edge")
    bevel = form - padded[: form.shape[0], : form.shape[1]]
    occlusion = np.clip(form - base, -60, 60)
    field = 1.0 + strength * (bevel / 90.0 + occlusion / 400.0)
    ys = np.linspace(0, 1, field.shape[0], dtype=np.float32)[:, None]
    xs = np.linspace(0, 1, field.shape[1], dtype=np.float32)[None, :]
    field = field * (1.0 + 0.12 * strength * (0.5 - 0.6 * ys - 0.4 * xs))
    up = Image.fromarray(field.astype(np.float32), mode="F").resize(
        (w, h), Image.Resampling.BILINEAR
    )
    return np.asarray(up, np.float32)


@lru_cache(maxsize=16)
def _sharpen_kernel(amount: float) -> ImageFilter.Kernel:
    """Return a 3x3 sharpening kernel (a tenth of the cost of an unsharp mask at 720p)."""
    k = 0.3 * amount
    return ImageFilter.Kernel((3, 3), [0, -k, 0, -k, 1 + 4 * k, -k, 0, -k, 0], scale=1)


# Light ---------------------------------------------------------------------------------


def _bloom(img: Image.Image, strength: float, threshold: float) -> Image.Image:
    """Return `img` with its highlights spilling light around them."""
    small = img.reduce(4)
    cut = threshold * 255.0
    gain = strength * 255.0 / max(1.0, 255.0 - cut)
    bright = small.point([min(255, max(0, round((v - cut) * gain))) for v in range(256)] * 3)
    radius = max(1.0, small.size[1] * 0.025)
    near = bright.filter(ImageFilter.GaussianBlur(radius))
    far = bright.reduce(2).filter(ImageFilter.GaussianBlur(radius * 1.5)).resize(small.size)
    halo = ImageChops.add(near, far)
    return ImageChops.screen(img, halo.resize(img.size, Image.Resampling.BILINEAR))


@lru_cache(maxsize=16)
def _vignette_mask(size: tuple[int, int], strength: float) -> Image.Image:
    w, h = size
    sw, sh = max(2, w // 8), max(2, h // 8)
    ys = np.linspace(-1, 1, sh, dtype=np.float32)[:, None]
    xs = np.linspace(-1, 1, sw, dtype=np.float32)[None, :]
    r = np.sqrt(xs * xs * 0.85 + ys * ys)
    t = np.clip((r - 0.45) / 0.95, 0, 1)
    falloff = 1.0 - strength * 0.85 * (t * t * (3 - 2 * t))
    mask = Image.fromarray((falloff * 255).astype(np.uint8)).resize(size, Image.Resampling.BILINEAR)
    return mask.convert("RGB")


# Tape and film ---------------------------------------------------------------------------


def _tape_signal(img: Image.Image, soften: float, bleed: float, shift_px: float) -> Image.Image:
    """Return `img` as a VHS signal: soft luma, smeared chroma shifted to the right."""
    w, h = img.size
    y_img, cb, cr = img.convert("YCbCr").split()
    if soften > 0:
        narrow = max(8, int(w * (1 - 0.6 * soften)))
        y_img = y_img.resize((narrow, h), Image.Resampling.BILINEAR).resize(
            (w, h), Image.Resampling.BICUBIC
        )
    if bleed > 0:
        narrow = max(4, int(w / (2 + 14 * bleed)))
        cb = cb.resize((narrow, h), Image.Resampling.BILINEAR).resize(
            (w, h), Image.Resampling.BILINEAR
        )
        cr = cr.resize((narrow, h), Image.Resampling.BILINEAR).resize(
            (w, h), Image.Resampling.BILINEAR
        )
    shift = round(shift_px * w / 1280)
    if shift:
        cb = ImageChops.offset(cb, shift, 0)
        cr = ImageChops.offset(cr, -shift // 2, 0)
    return Image.merge("YCbCr", (y_img, cb, cr)).convert("RGB")


def _tracking_noise(img: Image.Image, strength: float, rng: np.random.Generator) -> Image.Image:
    """Return `img` with a torn, noisy tracking band and head-switching noise at the bottom."""
    w, h = img.size
    arr = np.array(img)
    xs = np.arange(w)
    bands = [
        (int(h * (0.97 - 0.012 * strength)), h, 0.05),  # head switching, always at the bottom
        (int(h * (0.55 + 0.35 * rng.random())), 0, 0.02),
    ]
    for start, end, shift in bands:
        end = end or min(h, start + max(2, int(h * 0.03 * (0.4 + strength))))
        rows = np.arange(start, end)
        if rows.size == 0:
            continue
        jitter = rng.normal(0.0, 1.0, rows.size).cumsum() / math.sqrt(rows.size)
        offsets = np.round(jitter * shift * w * strength).astype(np.int64)
        arr[rows] = arr[rows[:, None], (xs[None, :] - offsets[:, None]) % w]
        speckle = rng.random((rows.size, w)) > 1.0 - 0.05 * strength
        arr[rows] = np.where(speckle[:, :, None], 235, arr[rows])
        arr[rows] = (arr[rows].astype(np.float32) * 0.8 + 40).astype(np.uint8)
    return Image.fromarray(arr)


@lru_cache(maxsize=16)
def _scanline_mask(size: tuple[int, int], period_px: int, strength: float) -> Image.Image:
    w, h = size
    ys = np.arange(h, dtype=np.float32)
    wave = 0.5 + 0.5 * np.cos(2 * math.pi * ys / period_px)
    rows = (255 * (1.0 - 0.7 * strength * wave)).astype(np.uint8)
    column = np.ascontiguousarray(np.broadcast_to(rows[:, None], (h, w)))
    return Image.fromarray(column).convert("RGB")


def _rain_streaks(img: Image.Image, strength: float, rng: np.random.Generator) -> Image.Image:
    """Return `img` with long, faint, slanted rain streaks (grey, so monochrome stays so)."""
    w, h = img.size
    mask = Image.new("L", (w, h))
    draw = ImageDraw.Draw(mask)
    count = int(420 * strength * w * h / (1280 * 720)) + 1
    for x, y, length, bright in rng.random((count, 4)):
        ln = (0.05 + 0.12 * length) * h
        x0, y0 = x * w * 1.15, y * h - 0.1 * h
        draw.line([(x0, y0), (x0 - 0.12 * ln, y0 + ln)], fill=int(40 + 90 * bright), width=1)
    img = img.copy()
    img.paste((225, 225, 225), mask=mask)
    return img


@lru_cache(maxsize=8)
def _paper_texture(size: tuple[int, int], strength: float) -> Image.Image:
    w, h = size
    rng = np.random.default_rng(20240)  # one paper for every frame: a texture, not noise
    blotch = Image.fromarray((rng.random((h // 48 + 2, w // 48 + 2)) * 255).astype(np.uint8))
    blotch_f = np.asarray(blotch.resize(size, Image.Resampling.BICUBIC), np.float32) / 255.0
    fibre = Image.fromarray((rng.random((h // 2 + 1, w // 12 + 1)) * 255).astype(np.uint8))
    fibre_f = np.asarray(fibre.resize(size, Image.Resampling.BILINEAR), np.float32) / 255.0
    tooth = rng.random((h, w), dtype=np.float32)
    paper = 1.0 - strength * (0.16 * blotch_f + 0.1 * fibre_f + 0.1 * tooth)
    return Image.fromarray((np.clip(paper, 0, 1) * 255).astype(np.uint8)).convert("RGB")


@lru_cache(maxsize=8)
def _grain_tile(size: tuple[int, int], grain_px: float) -> np.ndarray:
    """Return a unit-variance luma noise tile a little larger than `size` (cached)."""
    w, h = size
    rng = np.random.default_rng(7)
    tw, th = w + GRAIN_MARGIN_PX, h + GRAIN_MARGIN_PX
    if grain_px <= 1.0:
        return rng.standard_normal((th, tw), dtype=np.float32)
    sw, sh = max(2, int(tw / grain_px)), max(2, int(th / grain_px))
    coarse = rng.standard_normal((sh, sw), dtype=np.float32)
    up = Image.fromarray(coarse, mode="F").resize((tw, th), Image.Resampling.BILINEAR)
    arr = np.asarray(up, np.float32)
    return arr / max(float(arr.std()), 1e-6)


def _grain(
    img: Image.Image, strength: float, grain_px: float, rng: np.random.Generator
) -> Image.Image:
    """Return `img` with luma film grain; each seed takes the tile at its own offset."""
    w, h = img.size
    tile = _grain_tile(img.size, round(grain_px, 2))
    dx, dy = (int(v) for v in rng.integers(0, GRAIN_MARGIN_PX, 2))
    sigma = 26.0 * strength
    noise = np.clip(128.0 + tile[dy : dy + h, dx : dx + w] * sigma, 0, 255).astype(np.uint8)
    noise_rgb = Image.fromarray(noise).convert("RGB")
    return ImageChops.add(img, noise_rgb, scale=1.0, offset=-128)


def _letterbox(img: Image.Image, aspect: float) -> Image.Image:
    """Return `img` with black bars to `aspect`; portrait and square frames keep their picture."""
    w, h = img.size
    if w / h < 1.3 or w / h >= aspect:
        return img
    bar = round((h - w / aspect) / 2)
    out = img.copy()
    draw = ImageDraw.Draw(out)
    draw.rectangle((0, 0, w, bar - 1), fill=(0, 0, 0))
    draw.rectangle((0, h - bar, w, h), fill=(0, 0, 0))
    return out


@lru_cache(maxsize=8)
def _font(size_px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Return a bold monospace font at `size_px` (DejaVu if installed, else Pillow's own)."""
    for name in ("DejaVuSansMono-Bold.ttf", "DejaVuSansMono.ttf"):
        path = _FONT_DIR / name
        if path.exists():
            return ImageFont.truetype(str(path), size_px)
    try:
        return ImageFont.load_default(size=size_px)
    except TypeError:  # Pillow < 10.1 has no sized default font
        return ImageFont.load_default()


def _timestamp(img: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Return `img` with a camcorder's on-screen display: PLAY and a 90s date and time."""
    w, h = img.size
    months = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
    u = rng.random(5)
    date = f"{months[int(u[0] * 12)]}. {1 + int(u[1] * 28):2d} {1990 + int(u[2] * 10)}"
    clock = f"{'AM' if u[3] < 0.5 else 'PM'} {1 + int(u[3] * 24) % 12:2d}:{int(u[4] * 60):02d}"
    font = _font(max(8, round(h * 0.05)))
    out = img.copy()
    draw = ImageDraw.Draw(out)
    margin_x, margin_y = round(w * 0.06), round(h * 0.07)
    shadow = max(1, round(h * 0.004))
    play = "PLAY \u25b6" if isinstance(font, ImageFont.FreeTypeFont) else "PLAY >"
    line_h = round(h * 0.065)
    rows: tuple[tuple[str, tuple[float, float]], ...] = (
        (play, (margin_x, margin_y)),
        (clock, (w - margin_x, h - margin_y - 2 * line_h)),
        (date, (w - margin_x, h - margin_y - line_h)),
    )
    for text, (x, y) in rows:
        if x != margin_x:  # right-aligned; measured rather than anchored (bitmap fonts)
            left, _, right, _ = draw.textbbox((0, 0), text, font=font)
            x -= right - left
        draw.text((x + shadow, y + shadow), text, font=font, fill=(20, 20, 20))
        draw.text((x, y), text, font=font, fill=(245, 245, 240))
    return out


__all__ = ["apply_look", "grade_array", "grade_lut"]
