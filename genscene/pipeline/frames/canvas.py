"""The drawing surface the procedural painter and its figures share.

A full-resolution RGB image for shapes, plus two quarter-resolution layers: light (blurred
and screened on top, so lamps, neon and the sun glow) and shadow (blurred and multiplied,
for soft contact shadows). Blurring at quarter size is what keeps a 720p frame fast.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter

RGB = tuple[int, int, int]
Point = tuple[float, float]

LOW_RES_FACTOR = 4


def mix(a: RGB, b: RGB, t: float) -> RGB:
    """Return the colour `t` of the way from `a` to `b`."""
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def scale(colour: RGB, factor: float) -> RGB:
    """Return `colour` brightened (factor > 1) or darkened (factor < 1), clipped to 0..255."""
    return (
        min(255, max(0, round(colour[0] * factor))),
        min(255, max(0, round(colour[1] * factor))),
        min(255, max(0, round(colour[2] * factor))),
    )


def luminance(colour: RGB) -> float:
    """Return the Rec. 709 luma of `colour` in 0..255."""
    return 0.2126 * colour[0] + 0.7152 * colour[1] + 0.0722 * colour[2]


class Canvas:
    """A frame being painted: shapes on `img`, glows on `light`, soft shadows on `shade`."""

    def __init__(
        self,
        size: tuple[int, int],
        ambient: tuple[float, float, float],
        haze: RGB,
        palette: Sequence[RGB],
    ) -> None:
        self.width, self.height = size
        self.unit = min(size) / 720.0  # 1.0 at 720p: sizes of small details scale with it
        self.img = Image.new("RGB", size)
        self.draw = ImageDraw.Draw(self.img)
        low = (max(1, self.width // LOW_RES_FACTOR), max(1, self.height // LOW_RES_FACTOR))
        self.light = Image.new("RGB", low)
        self.light_draw = ImageDraw.Draw(self.light)
        self.light_field = np.zeros((low[1], low[0], 3), np.float32)
        self.shadow = Image.new("L", low)
        self.shadow_draw = ImageDraw.Draw(self.shadow)
        self.ambient = ambient
        self.haze = haze
        self.palette = list(palette)

    # Colour --------------------------------------------------------------------------
    def lit(self, colour: RGB, depth: float = 0.0) -> RGB:
        """Return `colour` under the scene's ambient light, faded towards haze by `depth`."""
        r, g, b = self.ambient
        shaded = (
            min(255, round(colour[0] * r)),
            min(255, round(colour[1] * g)),
            min(255, round(colour[2] * b)),
        )
        return mix(shaded, self.haze, depth) if depth > 0 else shaded

    def accent(self, u: float) -> RGB:
        """Return the palette colour picked by `u` in [0, 1), skipping near-black entries."""
        usable = [c for c in self.palette if luminance(c) > 40] or self.palette
        return usable[min(len(usable) - 1, int(u * len(usable)))]

    # Light and shadow layers (coordinates are full-resolution) -------------------------
    def glow_ellipse(self, box: Sequence[float], colour: RGB) -> None:
        """Draw a light source whose shape is `box`; it is blurred into a glow at the end."""
        f = LOW_RES_FACTOR
        x0, y0, x1, y1 = (v / f for v in box)
        self.light_draw.ellipse((x0, y0, max(x1, x0 + 1), max(y1, y0 + 1)), fill=colour)

    def glow_polygon(self, points: Sequence[Point], colour: RGB) -> None:
        """Draw a light shape (a ray, a neon tube) onto the light layer."""
        f = LOW_RES_FACTOR
        self.light_draw.polygon([(x / f, y / f) for x, y in points], fill=colour)

    def glow_line(self, points: Sequence[Point], colour: RGB, width_px: float) -> None:
        """Draw a light line (neon tube, string of bulbs) onto the light layer."""
        f = LOW_RES_FACTOR
        self.light_draw.line(
            [(x / f, y / f) for x, y in points], fill=colour, width=max(1, round(width_px / f))
        )

    def radial_glow(
        self, centre: Point, radius_px: float, colour: RGB, strength: float = 1.0
    ) -> None:
        """Add a smooth round halo (sun, lamp) computed on the low-resolution light field."""
        f = LOW_RES_FACTOR
        h, w = self.light_field.shape[:2]
        cx, cy, r = centre[0] / f, centre[1] / f, max(radius_px / f, 0.5)
        x0, x1 = max(0, int(cx - 3 * r)), min(w, int(cx + 3 * r) + 1)
        y0, y1 = max(0, int(cy - 3 * r)), min(h, int(cy + 3 * r) + 1)
        if x0 >= x1 or y0 >= y1:
            return
        ys = (np.arange(y0, y1, dtype=np.float32) - cy)[:, None]
        xs = (np.arange(x0, x1, dtype=np.float32) - cx)[None, :]
        falloff = np.exp(-(xs * xs + ys * ys) / (r * r)) * strength
        self.light_field[y0:y1, x0:x1] += falloff[:, :, None] * np.asarray(colour, np.float32)

    def soft_shadow(self, box: Sequence[float], darkness: int) -> None:
        """Draw a soft shadow blob (contact shadow under a figure or object)."""
        f = LOW_RES_FACTOR
        x0, y0, x1, y1 = (v / f for v in box)
        self.shadow_draw.ellipse((x0, y0, max(x1, x0 + 1), max(y1, y0 + 1)), fill=darkness)

    def apply_shadows(self) -> None:
        """Multiply the blurred shadow layer into the image and clear it."""
        if self.shadow.getbbox() is None:
            return
        blurred = self.shadow.filter(ImageFilter.GaussianBlur(3))
        mask = blurred.resize(self.img.size, Image.Resampling.BILINEAR)
        self.img.paste((0, 0, 0), mask=mask)
        self.shadow_draw.rectangle((0, 0, *self.shadow.size), fill=0)

    def apply_light(self) -> None:
        """Screen the blurred light layer and halo field over the image, then clear them.

        Screening adds light without clipping to white. The painter calls this once before
        the subjects (so the setting's lamps do not wash over them) and once at the end.
        """
        if self.light.getbbox() is None and not self.light_field.any():
            return
        tight = np.asarray(self.light.filter(ImageFilter.GaussianBlur(2.5)), np.float32)
        wide = np.asarray(self.light.filter(ImageFilter.GaussianBlur(9)), np.float32)
        field = tight * 0.9 + wide * 0.8 + self.light_field
        low = Image.fromarray(np.clip(field, 0, 255).astype(np.uint8))
        glow = low.resize(self.img.size, Image.Resampling.BILINEAR)
        self.img = ImageChops.screen(self.img, glow)
        self.draw = ImageDraw.Draw(self.img)
        self.light_draw.rectangle((0, 0, *self.light.size), fill=(0, 0, 0))
        self.light_field[:] = 0.0

    # Shapes ----------------------------------------------------------------------------
    def paste_mask(self, colour: RGB, mask: Image.Image) -> None:
        """Paint `colour` through an L `mask` (its values are the opacity)."""
        self.img.paste(colour, mask=mask)

    def shaded_box(
        self,
        box: Sequence[float],
        radius: float,
        colour: RGB,
        *,
        light: float = 1.0,
        highlight: float = 0.45,
    ) -> None:
        """Draw a rounded box that reads as a lit 3D form: shadow side, body, highlight."""
        x0, y0, x1, y1 = box
        w, h = x1 - x0, y1 - y0
        r = min(radius, w / 2, h / 2)
        self.draw.rounded_rectangle((x0, y0, x1, y1), r, fill=scale(colour, 0.62 * light))
        inset = (x0 + w * 0.02, y0 + h * 0.02, x1 - w * 0.1, y1 - h * 0.12)
        self.draw.rounded_rectangle(inset, max(0.0, r * 0.9), fill=scale(colour, light))
        hx, hy = x0 + w * 0.14, y0 + h * 0.1
        self.draw.ellipse(
            (hx, hy, hx + w * 0.32, hy + h * 0.22),
            fill=mix(scale(colour, light), (255,) * 3, highlight),
        )


def vertical_gradient(
    size: tuple[int, int], stops: Sequence[tuple[float, RGB]], top: float, bottom: float
) -> Image.Image:
    """Return an RGB image of `size` whose colour runs through `stops` from y=`top` to `bottom`.

    Positions in `stops` are 0..1 between `top` and `bottom`; beyond them the end colours hold.
    """
    width, height = size
    ys = np.arange(height, dtype=np.float32)
    t = np.clip((ys - top) / max(bottom - top, 1.0), 0.0, 1.0)
    positions = [p for p, _ in stops]
    column = np.stack(
        [np.interp(t, positions, [c[channel] for _, c in stops]) for channel in range(3)], axis=1
    )
    rows = np.ascontiguousarray(
        np.broadcast_to(column.astype(np.uint8)[:, None, :], (height, width, 3))
    )
    return Image.fromarray(rows)
