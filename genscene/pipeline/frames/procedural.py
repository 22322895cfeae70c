"""The embedded frame generator: paints a scene from the words of its prompt.

Sky and time of day, a setting, subjects as stylised figures, then weather and light. All
randomness comes from one numpy Generator seeded by (seed, prompt), and colour choices never
consume random numbers, so the same prompt and seed give the same composition in every style;
only palette accents differ.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter

from genscene.errors import ValidationError
from genscene.pipeline.frames.base import SceneSpec
from genscene.pipeline.frames.canvas import (
    LOW_RES_FACTOR,
    RGB,
    Canvas,
    luminance,
    mix,
    scale,
    vertical_gradient,
)
from genscene.pipeline.frames.figures import FIGURE_WIDTH, draw_figure
from genscene.pipeline.frames.prompt import SceneFeatures, parse_prompt
from genscene.pipeline.styles import Style

MIN_SIDE_PX = 16
MAX_SIDE_PX = 8192

SKY: dict[str, list[tuple[float, RGB]]] = {
    "day": [(0.0, (52, 112, 196)), (0.55, (122, 178, 232)), (1.0, (206, 230, 244))],
    "sunset": [
        (0.0, (30, 28, 74)),
        (0.32, (104, 52, 118)),
        (0.6, (212, 86, 96)),
        (0.83, (246, 148, 76)),
        (1.0, (255, 206, 120)),
    ],
    "dawn": [
        (0.0, (58, 78, 140)),
        (0.5, (160, 142, 196)),
        (0.82, (242, 184, 166)),
        (1.0, (255, 226, 182)),
    ],
    "night": [(0.0, (4, 6, 16)), (0.6, (12, 22, 50)), (1.0, (32, 46, 84))],
}
# Ambient light multiplies every painted colour; haze is what distance fades into.
LIGHT: dict[str, tuple[tuple[float, float, float], RGB]] = {
    "day": ((1.0, 1.0, 1.0), (200, 222, 238)),
    "sunset": ((0.95, 0.72, 0.66), (236, 140, 110)),
    "dawn": ((0.95, 0.88, 0.9), (236, 196, 190)),
    "night": ((0.3, 0.34, 0.52), (28, 38, 70)),
}
INTERIOR_LIGHT: dict[str, tuple[float, float, float]] = {
    "day": (1.0, 0.96, 0.9),
    "sunset": (1.0, 0.85, 0.72),
    "dawn": (0.98, 0.92, 0.88),
    "night": (0.82, 0.62, 0.46),
}
CLOUD_COLOUR: dict[str, tuple[RGB, RGB]] = {  # (lit top, shaded underside)
    "day": ((255, 255, 255), (196, 208, 226)),
    "sunset": ((255, 196, 150), (176, 84, 110)),
    "dawn": ((255, 228, 214), (196, 160, 190)),
    "night": ((70, 80, 110), (30, 36, 60)),
}


@dataclass(frozen=True)
class Stage:
    """Where the painted setting lets subjects stand."""

    feet_y: float
    figure_h: float
    anchor_x: float
    rim: RGB | None
    horizon_y: float
    light_xy: tuple[float, float] | None = None


class ProceduralGenerator:
    """Paints a frame from the prompt's words (the embedded default generator)."""

    name = "procedural"

    def generate(
        self, scene: SceneSpec, style: Style, size: tuple[int, int], seed: int
    ) -> Image.Image:
        """Return an RGB image of `size` painted from `scene.prompt`, deterministic for `seed`."""
        check_size(size)
        features = parse_prompt(scene.prompt)
        digest = hashlib.sha256(scene.prompt.strip().lower().encode("utf-8")).digest()
        rng = np.random.default_rng([seed % (1 << 63), int.from_bytes(digest[:8], "big")])
        return paint_scene(features, style.palette_rgb(), size, rng)


def check_size(size: tuple[int, int]) -> None:
    """Raise ValidationError(field="size") unless both sides are within the supported range."""
    width, height = size
    if not (MIN_SIDE_PX <= width <= MAX_SIDE_PX and MIN_SIDE_PX <= height <= MAX_SIDE_PX):
        raise ValidationError(
            f"frame size must be {MIN_SIDE_PX}..{MAX_SIDE_PX} px per side, got {width}x{height}",
            field="size",
        )


def paint_scene(
    features: SceneFeatures,
    palette: tuple[RGB, ...],
    size: tuple[int, int],
    rng: np.random.Generator,
) -> Image.Image:
    """Return the painted frame for `features` (sky, setting, subjects, atmosphere, light)."""
    tod = features.time_of_day
    setting = features.setting
    if setting is None and features.is_futuristic:
        setting = "city"
    ambient, haze = LIGHT[tod]
    if setting in ("library", "room"):
        ambient = INTERIOR_LIGHT[tod]
    cv = Canvas(size, ambient, haze, palette)
    painter = _SETTINGS.get(setting or "", _paint_hills)
    stage = painter(cv, rng, features)
    cv.apply_light()
    _paint_subjects(cv, rng, features, stage)
    _paint_atmosphere(cv, rng, features, stage)
    cv.apply_light()
    return cv.img


def _u(rng: np.random.Generator) -> float:
    return float(rng.random())


# Sky --------------------------------------------------------------------------------------


def _paint_sky(
    cv: Canvas, rng: np.random.Generator, tod: str, horizon_y: float
) -> tuple[float, float]:
    """Paint the sky down to `horizon_y`; return where the sun (or moon) is."""
    w, h = cv.width, cv.height
    cv.img.paste(vertical_gradient(cv.img.size, SKY[tod], 0, horizon_y))
    sun_x = w * (0.3 + 0.4 * _u(rng))
    if tod == "night":
        count = int(260 * w * horizon_y / (1280 * 460))
        xs, ys, sizes, levels = (rng.random(count) for _ in range(4))
        for x, y, s, b in zip(xs, ys, sizes, levels, strict=True):
            r = 0.5 + 1.3 * s * s * cv.unit
            v = int(120 + 135 * b)
            cx, cy = x * w, y * horizon_y * 0.95
            cv.draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(v, v, min(255, v + 12)))
        sun = (w * 0.5 + (sun_x - w * 0.5) * 1.6, horizon_y * 0.3)
        r = 0.045 * h
        _screen_halos(cv, [(sun, 0.35 * h, (60, 80, 140))])
        cv.draw.ellipse((sun[0] - r, sun[1] - r, sun[0] + r, sun[1] + r), fill=(236, 234, 216))
        cv.draw.ellipse(
            (sun[0] - r * 0.5, sun[1] - r * 0.3, sun[0] - r * 0.1, sun[1] + r * 0.1),
            fill=(214, 212, 196),
        )
        _paint_clouds(cv, rng, tod, horizon_y, count=2)
        return sun
    if tod == "day":
        sun = (sun_x + w * 0.2, horizon_y * 0.22)
        _screen_halos(cv, [(sun, 0.5 * h, (120, 120, 90))])
        r = 0.03 * h
        cv.draw.ellipse((sun[0] - r, sun[1] - r, sun[0] + r, sun[1] + r), fill=(255, 252, 236))
    else:
        sun = (sun_x, horizon_y - 0.15 * h)
        colour = (255, 150, 70) if tod == "sunset" else (255, 190, 150)
        _screen_halos(cv, [(sun, 0.6 * h, scale(colour, 0.55)), (sun, 0.16 * h, colour)])
        r = 0.055 * h
        cv.draw.ellipse((sun[0] - r, sun[1] - r, sun[0] + r, sun[1] + r), fill=(255, 236, 190))
        cv.radial_glow(sun, 0.1 * h, (255, 180, 110), 0.6)
    _paint_clouds(cv, rng, tod, horizon_y, count=4)
    return sun


def _screen_halos(cv: Canvas, halos: list[tuple[tuple[float, float], float, RGB]]) -> None:
    """Screen soft round halos (centre, radius, colour) onto the image now, under later shapes."""
    f = LOW_RES_FACTOR * 2
    w, h = max(1, cv.width // f), max(1, cv.height // f)
    total = np.zeros((h, w, 3), np.float32)
    for centre, radius_px, colour in halos:
        ys = (np.arange(h, dtype=np.float32) - centre[1] / f)[:, None]
        xs = (np.arange(w, dtype=np.float32) - centre[0] / f)[None, :]
        r = max(radius_px / f, 0.5)
        total += np.exp(-(xs * xs + ys * ys) / (r * r))[:, :, None] * np.asarray(colour, np.float32)
    low = Image.fromarray(np.clip(total, 0, 255).astype(np.uint8))
    cv.img = ImageChops.screen(cv.img, low.resize(cv.img.size, Image.Resampling.BILINEAR))
    cv.draw = ImageDraw.Draw(cv.img)


def _paint_clouds(
    cv: Canvas, rng: np.random.Generator, tod: str, horizon_y: float, count: int
) -> None:
    f = LOW_RES_FACTOR
    w, h = cv.width, cv.height
    mask = Image.new("L", cv.light.size)
    draw = ImageDraw.Draw(mask)
    for _ in range(count):
        cx, cy = _u(rng) * w, (0.1 + 0.5 * _u(rng)) * horizon_y
        span = (0.14 + 0.18 * _u(rng)) * w
        base = cy + 0.03 * h
        for _ in range(8):
            px = cx + (_u(rng) - 0.5) * span
            rx = (0.03 + 0.05 * _u(rng)) * w * (1 - abs(px - cx) / span)
            ry = rx * (0.5 + 0.3 * _u(rng))
            draw.ellipse(((px - rx) / f, (base - 2 * ry) / f, (px + rx) / f, base / f), fill=255)
    if mask.getbbox() is None:
        return
    soft = mask.filter(ImageFilter.GaussianBlur(1.2))
    # Top of each cloud lit, the underside shaded: the lit mask is the cloud shifted up.
    lit = ImageChops.multiply(soft, ImageChops.offset(soft, 0, -max(1, round(0.012 * h / f))))
    top, under = CLOUD_COLOUR[tod]
    alpha = 0.55 if tod == "night" else 0.92
    for colour, layer in ((under, soft), (top, lit)):
        full = layer.resize(cv.img.size, Image.Resampling.BILINEAR)
        cv.paste_mask(colour, full.point(lambda v: int(v * alpha)))


def _reflect_water(
    cv: Canvas, rng: np.random.Generator, top_y: float, water: RGB, strength: float
) -> None:
    """Mirror everything above `top_y` into water below it, with ripples and a tint."""
    w, h = cv.width, cv.height
    y0 = int(top_y)
    if y0 >= h - 1:
        return
    arr = np.asarray(cv.img)
    ys = np.arange(y0, h)
    depth = (ys - y0) / max(1, h - y0)
    src_y = np.clip(2 * y0 - ys - 1, 0, h - 1)
    phase = _u(rng) * 6.28
    amp = (1.5 + 10 * depth) * cv.unit
    offsets = np.round(np.sin(ys * 0.35 / max(cv.unit, 0.2) + phase) * amp).astype(np.int64)
    cols = (np.arange(w)[None, :] + offsets[:, None]) % w
    mirrored = arr[src_y[:, None], cols].astype(np.float32)
    keep = (strength * (1 - 0.45 * depth)).astype(np.float32)[:, None, None]
    tinted = mirrored * keep + np.asarray(water, np.float32) * (1 - keep)
    out = arr.copy()
    out[y0:] = np.clip(tinted, 0, 255).astype(np.uint8)
    cv.img = Image.fromarray(out)
    cv.draw = ImageDraw.Draw(cv.img)


def _glints(
    cv: Canvas, rng: np.random.Generator, top_y: float, centre_x: float, colour: RGB, count: int
) -> None:
    """Draw sparkling horizontal glints on water, denser under the light source."""
    w, h = cv.width, cv.height
    for _ in range(count):
        d = _u(rng) ** 1.6
        y = top_y + d * (h - top_y)
        spread = (0.03 + 0.25 * d) * w
        x = centre_x + (_u(rng) - 0.5) * 2 * spread
        length = (4 + 30 * d * _u(rng)) * cv.unit
        cv.draw.line(
            [(x - length, y), (x + length, y)],
            fill=mix(colour, (255, 255, 255), 0.3 * _u(rng)),
            width=max(1, round(cv.unit * (1 + d))),
        )


# Settings ---------------------------------------------------------------------------------


def _paint_city(cv: Canvas, rng: np.random.Generator, features: SceneFeatures) -> Stage:
    w, h = cv.width, cv.height
    tod = features.time_of_day
    base_y = 0.66 * h
    sun = _paint_sky(cv, rng, tod, base_y)
    window_p = {"night": 0.4, "sunset": 0.22, "dawn": 0.1, "day": 0.0}[tod]
    window_colour = (255, 206, 130)
    futuristic = features.is_futuristic
    for depth, (low, high) in ((0.75, (0.1, 0.3)), (0.45, (0.16, 0.42)), (0.15, (0.06, 0.2))):
        x = -_u(rng) * 0.03 * w
        while x < w:
            bw = (0.025 + 0.045 * _u(rng)) * w
            bh = (low + (high - low) * _u(rng) ** 1.4) * h
            if _u(rng) < 0.1:
                bh *= 1.45
            body = (
                mix((150, 176, 206), cv.accent(_u(rng)), 0.45)
                if futuristic
                else mix((56, 62, 84), cv.accent(_u(rng)), 0.1)
            )
            colour = cv.lit(body, depth)
            top = base_y - bh
            if futuristic:
                cv.draw.rounded_rectangle((x, top, x + bw, base_y), bw * 0.5, fill=colour)
                cv.draw.rounded_rectangle(
                    (x + bw * 0.55, top + bw * 0.2, x + bw * 0.8, base_y),
                    bw * 0.12,
                    fill=scale(colour, 1.12),
                )
                _u(rng)
            else:
                cv.draw.rectangle((x, top, x + bw, base_y), fill=colour)
                detail = _u(rng)
                if detail < 0.25:
                    cv.draw.rectangle(
                        (x + bw * 0.2, top - bh * 0.08, x + bw * 0.8, top), fill=colour
                    )
                elif detail < 0.4:
                    cv.draw.line(
                        [(x + bw / 2, top), (x + bw / 2, top - bh * 0.25)],
                        fill=colour,
                        width=max(1, round(2 * cv.unit)),
                    )
            if depth < 0.7 and window_p > 0:
                _windows(cv, rng, (x, top, x + bw, base_y), window_p, window_colour)
            if futuristic and depth < 0.7:
                for _ in range(3):
                    ly = top + _u(rng) * bh
                    cv.draw.line(
                        [(x + bw * 0.2, ly), (x + bw * 0.8, ly)],
                        fill=(150, 240, 255),
                        width=max(1, round(2 * cv.unit)),
                    )
            x += bw + _u(rng) * 0.006 * w
    if "neon" in features.atmosphere:
        _neon_signs(cv, rng, (0.0, base_y - 0.3 * h, w, base_y - 0.05 * h), count=8)
    water = cv.lit((22, 44, 70) if tod != "sunset" else (60, 40, 70))
    _reflect_water(cv, rng, base_y, water, 0.7)
    _glints(cv, rng, base_y, sun[0], cv.lit((255, 220, 170)), 160)
    # A dark embankment in front gives the frame a foreground and subjects a place to stand.
    bank_y = 0.9 * h
    cv.draw.rectangle(
        (0, bank_y, w, h), fill=cv.lit((196, 204, 216) if futuristic else (30, 30, 36))
    )
    cv.draw.line(
        [(0, bank_y), (w, bank_y)], fill=cv.lit((90, 84, 80)), width=max(1, round(3 * cv.unit))
    )
    rim = (255, 170, 110) if tod in ("sunset", "dawn") else (150, 170, 220)
    return Stage(
        feet_y=0.97 * h,
        figure_h=0.6 * h,
        anchor_x=0.64 * w,
        rim=rim,
        horizon_y=base_y,
        light_xy=sun,
    )


def _windows(
    cv: Canvas,
    rng: np.random.Generator,
    box: tuple[float, float, float, float],
    p: float,
    colour: RGB,
) -> None:
    """Light a random subset of a building's window grid."""
    x0, y0, x1, y1 = box
    step_x, step_y = max(4.0, 0.0075 * cv.width), max(5.0, 0.016 * cv.height)
    cols, rows = int((x1 - x0) / step_x) - 1, int((y1 - y0) / step_y) - 1
    if cols < 1 or rows < 1:
        return
    lit = rng.random((rows, cols)) < p
    shades = rng.random((rows, cols))
    ww, wh = step_x * 0.5, step_y * 0.5
    for r, c in np.argwhere(lit):
        wx = x0 + step_x * (c + 0.75)
        wy = y0 + step_y * (r + 0.8)
        cv.draw.rectangle(
            (wx, wy, wx + ww, wy + wh), fill=scale(colour, 0.6 + 0.4 * float(shades[r, c]))
        )


def _neon_signs(
    cv: Canvas, rng: np.random.Generator, region: tuple[float, float, float, float], count: int
) -> None:
    x0, y0, x1, y1 = region
    tubes = ((255, 60, 170), (40, 230, 255), (120, 255, 120), (255, 200, 60))
    for _ in range(count):
        colour = tubes[int(_u(rng) * len(tubes)) % len(tubes)]
        sx, sy = x0 + _u(rng) * (x1 - x0), y0 + _u(rng) * (y1 - y0)
        sw, sh = (0.03 + 0.05 * _u(rng)) * cv.width, (0.02 + 0.05 * _u(rng)) * cv.height
        tube = max(1, round(2.5 * cv.unit))
        cv.draw.rounded_rectangle((sx, sy, sx + sw, sy + sh), sh * 0.2, outline=colour, width=tube)
        for k in range(3):
            ly = sy + sh * (0.3 + 0.2 * k)
            cv.draw.line(
                [(sx + sw * 0.15, ly), (sx + sw * (0.4 + 0.45 * _u(rng)), ly)],
                fill=colour,
                width=tube,
            )
        cv.glow_polygon(
            [(sx, sy), (sx + sw, sy), (sx + sw, sy + sh), (sx, sy + sh)], scale(colour, 0.55)
        )


def _paint_street(cv: Canvas, rng: np.random.Generator, features: SceneFeatures) -> Stage:
    w, h = cv.width, cv.height
    tod = features.time_of_day
    wet = "rain" in features.atmosphere
    vx, vy, focal = w * (0.5 + 0.12 * (_u(rng) - 0.5)), 0.46 * h, 0.9 * h

    def proj(x: float, y: float, z: float) -> tuple[float, float]:
        """Return the screen point of street-space (x right, y down, z ahead) in metres."""
        return vx + focal * x / z, vy + focal * y / z

    _paint_sky(cv, rng, tod, vy + 0.02 * h)
    cam = 1.6  # eye height: ground is +1.6 below the eye, in metres
    pavement = cv.lit((118, 112, 106) if not wet else (70, 72, 80))
    cv.draw.rectangle((0, vy, w, h), fill=pavement)
    road = cv.lit((64, 64, 70) if not wet else (34, 36, 44))
    cv.draw.polygon(
        [proj(-3.4, cam, 0.6), proj(3.4, cam, 0.6), proj(3.4, cam, 400), proj(-3.4, cam, 400)],
        fill=road,
    )
    kerb = cv.lit((150, 146, 140))
    for side in (-1, 1):
        cv.draw.line(
            [proj(side * 3.4, cam, 0.6), proj(side * 3.4, cam, 400)],
            fill=kerb,
            width=max(1, round(3 * cv.unit)),
        )
    for z in np.arange(1.5, 60, 5.0):
        cv.draw.polygon(
            [
                proj(-0.08, cam, z),
                proj(0.08, cam, z),
                proj(0.08, cam, z + 2.2),
                proj(-0.08, cam, z + 2.2),
            ],
            fill=cv.lit((200, 196, 170)),
        )
    window_p = {"night": 0.22, "sunset": 0.15, "dawn": 0.06, "day": 0.0}[tod]
    for side in (-1, 1):
        wall_x = side * 5.6
        z = 1.0
        facades: list[tuple[float, float, float, RGB]] = []
        while z < 90:
            length = 5 + 9 * _u(rng)
            height = 7 + 16 * _u(rng)
            tone = mix((120, 96, 84), cv.accent(_u(rng)), 0.2)
            facades.append((z, length, height, tone))
            z += length
        for z0, length, height, tone in reversed(facades):
            z1 = z0 + length
            depth = min(0.85, z0 / 80)
            colour = cv.lit(scale(tone, 0.85 if side > 0 else 1.0), depth)
            top = cam - height
            cv.draw.polygon(
                [
                    proj(wall_x, cam, z0),
                    proj(wall_x, cam, z1),
                    proj(wall_x, top, z1),
                    proj(wall_x, top, z0),
                ],
                fill=colour,
            )
            cv.draw.polygon(
                [
                    proj(wall_x, top + 0.6, z0),
                    proj(wall_x, top + 0.6, z1),
                    proj(wall_x, top, z1),
                    proj(wall_x, top, z0),
                ],
                fill=scale(colour, 0.7),
            )
            floors = int((height - 3) / 3.2)
            panes = max(1, int(length / 2.4))
            lit = rng.random((floors, panes))
            for f_i in range(floors):
                y_top = cam - 3.2 - 3.2 * f_i
                for p_i in range(panes):
                    za = z0 + 2.4 * p_i + 0.7
                    zb = za + 1.0
                    is_lit = lit[f_i, p_i] < window_p
                    # Lit windows emit light, so the ambient does not darken them.
                    pane = (214, 168, 100) if is_lit else scale(colour, 0.55)
                    cv.draw.polygon(
                        [
                            proj(wall_x, y_top, za),
                            proj(wall_x, y_top, zb),
                            proj(wall_x, y_top - 1.6, zb),
                            proj(wall_x, y_top - 1.6, za),
                        ],
                        fill=pane,
                    )
    if "neon" in features.atmosphere:
        _neon_signs(cv, rng, (0.0, 0.15 * h, w, 0.5 * h), count=6)
    is_dark = tod in ("night", "sunset")
    for z in (6.0, 12.5, 20.0, 30.0, 45.0):
        for side in (-1, 1):
            foot = proj(side * 4.2, cam, z)
            head = proj(side * 4.2, cam - 4.6, z)
            thick = max(1, round(0.12 * focal / z))
            cv.draw.line([foot, head], fill=cv.lit((40, 40, 44)), width=thick)
            arm = proj(side * 3.6, cam - 4.6, z)
            cv.draw.line([head, arm], fill=cv.lit((40, 40, 44)), width=thick)
            r = 0.25 * focal / z
            if is_dark:
                cv.draw.ellipse(
                    (arm[0] - r, arm[1] - r * 0.6, arm[0] + r, arm[1] + r * 0.6),
                    fill=(255, 232, 180),
                )
                cv.radial_glow(arm, 0.9 * focal / z, (255, 200, 130), 0.55)
                pool = proj(side * 3.0, cam, z)
                pr = 0.9 * focal / z
                cv.glow_ellipse(
                    (pool[0] - pr, pool[1] - pr * 0.2, pool[0] + pr, pool[1] + pr * 0.2),
                    (80, 68, 50),
                )
                if wet:
                    # A wet road mirrors each lamp as a long vertical streak.
                    ry = 2 * pool[1] - arm[1]
                    cv.glow_polygon(
                        [
                            (arm[0] - r * 0.4, pool[1]),
                            (arm[0] + r * 0.4, pool[1]),
                            (arm[0] + r * 0.15, ry),
                            (arm[0] - r * 0.15, ry),
                        ],
                        (110, 92, 66),
                    )
    rim = (170, 180, 210) if is_dark else None
    x, feet = proj(0.7, cam, 3.3)
    # A lit doorway behind the figure makes it read as a silhouette.
    cv.glow_ellipse(
        (x - 0.08 * w, feet - 0.35 * h, x + 0.08 * w, feet - 0.1 * h),
        (110, 96, 76) if is_dark else (0, 0, 0),
    )
    return Stage(feet_y=feet, figure_h=focal * 1.8 / 3.3, anchor_x=x, rim=rim, horizon_y=vy)


def _paint_market(cv: Canvas, rng: np.random.Generator, features: SceneFeatures) -> Stage:
    w, h = cv.width, cv.height
    tod = features.time_of_day
    ground_y = 0.64 * h
    _paint_sky(cv, rng, tod, ground_y)
    walls = ((214, 168, 110), (196, 110, 80), (232, 214, 180), (110, 150, 140), (186, 140, 96))
    x = -_u(rng) * 0.05 * w
    while x < w:
        bw = (0.12 + 0.1 * _u(rng)) * w
        bh = (0.22 + 0.22 * _u(rng)) * h
        tone = mix(walls[int(_u(rng) * len(walls)) % len(walls)], cv.accent(_u(rng)), 0.15)
        colour = cv.lit(tone, 0.25)
        cv.draw.rectangle((x, ground_y - bh, x + bw, ground_y), fill=colour)
        cv.draw.rectangle(
            (x - 0.004 * w, ground_y - bh - 0.012 * h, x + bw + 0.004 * w, ground_y - bh),
            fill=scale(colour, 0.8),
        )
        for row in range(int(bh / (0.09 * h))):
            wy = ground_y - bh + 0.03 * h + row * 0.09 * h
            for col in range(int(bw / (0.05 * w))):
                wx = x + 0.02 * w + col * 0.05 * w
                cv.draw.rectangle(
                    (wx, wy, wx + 0.022 * w, wy + 0.045 * h), fill=scale(colour, 0.45)
                )
                cv.draw.rectangle(
                    (wx - 0.006 * w, wy, wx, wy + 0.045 * h), fill=scale(cv.accent(0.6), 0.7)
                )
        x += bw
    cv.img.paste(
        vertical_gradient(
            (w, h - int(ground_y)),
            [(0.0, cv.lit((176, 160, 136))), (1.0, cv.lit((112, 98, 84)))],
            0,
            h - ground_y,
        ),
        (0, int(ground_y)),
    )
    cv.draw = ImageDraw.Draw(cv.img)
    for _ in range(int(140 * cv.unit)):
        sx, sy = _u(rng) * w, ground_y + _u(rng) ** 0.7 * (h - ground_y)
        r = (2 + 6 * (sy - ground_y) / (h - ground_y)) * cv.unit
        cv.draw.ellipse(
            (sx - r * 1.6, sy - r * 0.6, sx + r * 1.6, sy + r * 0.6), fill=cv.lit((130, 116, 100))
        )
    # Strings of bulbs across the top.
    for k in range(2):
        y_end, sag = (0.06 + 0.1 * k) * h, (0.08 + 0.05 * _u(rng)) * h
        points = [(t * w, y_end + sag * 4 * t * (1 - t)) for t in np.linspace(0, 1, 40)]
        cv.draw.line(points, fill=(40, 36, 34), width=max(1, round(1.5 * cv.unit)))
        for px, py in points[1::3]:
            r = 3.2 * cv.unit
            cv.draw.ellipse((px - r, py, px + r, py + 2 * r), fill=(255, 226, 160))
            cv.glow_ellipse((px - 3 * r, py - 2 * r, px + 3 * r, py + 4 * r), (150, 110, 60))
    produce = ((236, 140, 40), (200, 40, 40), (110, 170, 60), (240, 210, 60), (130, 60, 120))
    stalls = 4
    for i in range(stalls):
        cx = (i + 0.5) / stalls * w + (_u(rng) - 0.5) * 0.05 * w
        sw = (0.19 + 0.05 * _u(rng)) * w
        base = (0.8 + 0.04 * _u(rng)) * h
        x0, x1 = cx - sw / 2, cx + sw / 2
        awning_y = base - 0.42 * h
        stripe_a = cv.lit(cv.accent(_u(rng)))
        stripe_b = cv.lit((240, 232, 216))
        for px in (x0 + 0.01 * w, x1 - 0.015 * w):
            cv.draw.rectangle((px, awning_y, px + 0.006 * w, base), fill=cv.lit((80, 60, 40)))
        cv.draw.rectangle((x0, base - 0.16 * h, x1, base), fill=cv.lit((130, 90, 56)))
        for plank in range(1, 4):
            py = base - 0.16 * h + plank * 0.04 * h
            cv.draw.line(
                [(x0, py), (x1, py)], fill=cv.lit((100, 68, 42)), width=max(1, round(2 * cv.unit))
            )
        crates = 4
        for c in range(crates):
            fruit = produce[int(_u(rng) * len(produce)) % len(produce)]
            fx0 = x0 + (c + 0.1) * sw / crates
            r = 0.011 * w
            for row in range(3):
                for k in range(int(sw / crates / (2.1 * r))):
                    fx = fx0 + r + k * 2.1 * r + row * r * 0.6
                    fy = base - 0.165 * h - row * 1.5 * r
                    if fx + r > x0 + (c + 0.95) * sw / crates:
                        break
                    cv.draw.ellipse(
                        (fx - r, fy - r, fx + r, fy + r),
                        fill=cv.lit(scale(fruit, 0.8 + 0.3 * _u(rng))),
                    )
        stripes = 7
        for s in range(stripes):
            sx0 = x0 - 0.02 * w + s * (sw + 0.04 * w) / stripes
            sx1 = sx0 + (sw + 0.04 * w) / stripes
            colour = stripe_a if s % 2 == 0 else stripe_b
            cv.draw.polygon(
                [
                    (sx0 + 0.01 * w, awning_y - 0.07 * h),
                    (sx1 + 0.01 * w, awning_y - 0.07 * h),
                    (sx1, awning_y),
                    (sx0, awning_y),
                ],
                fill=colour,
            )
            cv.draw.chord(
                (sx0, awning_y - 0.02 * h, sx1, awning_y + 0.025 * h), 0, 180, fill=colour
            )
    crowd = 6
    for i in range(crowd):
        px = (i + 0.5) / crowd * w + (_u(rng) - 0.5) * 0.08 * w
        feet = (0.86 + 0.04 * _u(rng)) * h
        _crowd_person(cv, rng, px, feet, (0.28 + 0.06 * _u(rng)) * h)
    rim = (255, 220, 170) if tod in ("sunset", "dawn") else None
    return Stage(feet_y=1.0 * h, figure_h=0.66 * h, anchor_x=0.64 * w, rim=rim, horizon_y=ground_y)


def _crowd_person(
    cv: Canvas, rng: np.random.Generator, x: float, feet: float, height: float
) -> None:
    """Draw a muted background passer-by (no face: they are out of focus)."""
    muted = ((96, 90, 84), (70, 80, 96), (120, 96, 80), (84, 100, 86), (140, 120, 110))
    top = cv.lit(mix(muted[int(_u(rng) * len(muted)) % len(muted)], cv.haze, 0.2))
    legs = cv.lit((60, 58, 62))
    skin = cv.lit((190, 150, 120))
    lw = 0.08 * height
    cv.draw.rounded_rectangle(
        (x - 1.3 * lw, feet - 0.48 * height, x - 0.1 * lw, feet), lw / 2, fill=legs
    )
    cv.draw.rounded_rectangle(
        (x + 0.1 * lw, feet - 0.48 * height, x + 1.3 * lw, feet), lw / 2, fill=legs
    )
    cv.draw.rounded_rectangle(
        (x - 0.16 * height, feet - 0.82 * height, x + 0.16 * height, feet - 0.42 * height),
        0.06 * height,
        fill=top,
    )
    r = 0.075 * height
    cv.draw.ellipse((x - r, feet - 0.98 * height, x + r, feet - 0.98 * height + 2.2 * r), fill=skin)
    cv.draw.chord(
        (x - r, feet - 0.99 * height, x + r, feet - 0.99 * height + 1.6 * r),
        180,
        360,
        fill=cv.lit((50, 40, 34)),
    )


def _arched_window(
    cv: Canvas, rng: np.random.Generator, box: tuple[float, float, float, float], tod: str
) -> None:
    """Cut an arched window into the wall showing the sky outside."""
    x0, y0, x1, y1 = (int(v) for v in box)
    ww, wh = max(1, x1 - x0), max(1, y1 - y0)
    mask = Image.new("L", (ww, wh))
    md = ImageDraw.Draw(mask)
    md.rectangle((0, ww // 2, ww, wh), fill=255)
    md.ellipse((0, 0, ww, ww), fill=255)
    sky = vertical_gradient((ww, wh), SKY[tod], -wh * 0.3, wh * 1.1)
    sd = ImageDraw.Draw(sky)
    if tod == "night":
        for _ in range(40):
            sx, sy, r = _u(rng) * ww, _u(rng) * wh, 0.6 + 1.2 * _u(rng)
            sd.ellipse((sx - r, sy - r, sx + r, sy + r), fill=(230, 230, 240))
        mr = ww * 0.14
        sd.ellipse(
            (ww * 0.6 - mr, wh * 0.25 - mr, ww * 0.6 + mr, wh * 0.25 + mr), fill=(240, 236, 214)
        )
    frame = cv.lit((60, 40, 30))
    cv.draw.rounded_rectangle(
        (
            x0 - 0.012 * cv.width,
            y0 - 0.012 * cv.width,
            x1 + 0.012 * cv.width,
            y1 + 0.01 * cv.height,
        ),
        ww / 2,
        fill=frame,
    )
    cv.img.paste(sky, (x0, y0), mask)
    bar = max(1, round(0.006 * cv.width))
    cv.draw.line([((x0 + x1) / 2, y0), ((x0 + x1) / 2, y1)], fill=frame, width=bar)
    for k in (0.45, 0.72):
        cv.draw.line([(x0, y0 + wh * k), (x1, y0 + wh * k)], fill=frame, width=bar)
    cv.draw.rectangle(
        (x0 - 0.02 * cv.width, y1, x1 + 0.02 * cv.width, y1 + 0.02 * cv.height),
        fill=cv.lit((90, 64, 44)),
    )
    cv.radial_glow(
        ((x0 + x1) / 2, y0 + wh * 0.5),
        ww * 0.9,
        (40, 60, 110) if tod == "night" else (120, 120, 100),
        0.6,
    )


def _paint_library(cv: Canvas, rng: np.random.Generator, features: SceneFeatures) -> Stage:
    w, h = cv.width, cv.height
    tod = features.time_of_day
    floor_y = 0.8 * h
    cv.img.paste(
        vertical_gradient(
            (w, h), [(0.0, cv.lit((70, 40, 38))), (1.0, cv.lit((110, 66, 50)))], 0, floor_y
        )
    )
    cv.img.paste(
        vertical_gradient(
            (w, h - int(floor_y)),
            [(0.0, cv.lit((96, 60, 40))), (1.0, cv.lit((54, 32, 24)))],
            0,
            h - floor_y,
        ),
        (0, int(floor_y)),
    )
    cv.draw = ImageDraw.Draw(cv.img)
    wx = w * (0.5 + 0.1 * (_u(rng) - 0.5))
    ww = min(0.2 * w, 0.3 * h)
    _arched_window(cv, rng, (wx - ww / 2, 0.1 * h, wx + ww / 2, 0.66 * h), tod)
    books = (
        (140, 30, 40),
        (30, 80, 60),
        (30, 50, 110),
        (170, 120, 40),
        (90, 40, 90),
        (150, 70, 30),
        (40, 100, 110),
    )
    wood, dark = cv.lit((92, 56, 34)), cv.lit((52, 30, 20))
    case_w = 0.15 * w
    gap = 0.035 * w
    for x_start, x_end in ((0.0, wx - ww / 2 - gap), (wx + ww / 2 + gap, float(w))):
        cases: list[float] = []
        x = x_start
        while x < x_end - 0.03 * w:
            cases.append(x)
            x += case_w
        for cx in cases:
            cx1 = min(cx + case_w, x_end)
            cv.draw.rectangle((cx, 0.03 * h, cx1, floor_y), fill=dark)
            shelf_h = 0.118 * h
            shelf_y = 0.06 * h
            while shelf_y + shelf_h < floor_y:
                bx = cx + 0.012 * w
                bottom = shelf_y + shelf_h
                while bx < cx1 - 0.02 * w:
                    bw = (0.006 + 0.008 * _u(rng)) * w
                    bh = (0.62 + 0.3 * _u(rng)) * shelf_h
                    tone = books[int(_u(rng) * len(books)) % len(books)]
                    colour = cv.lit(mix(tone, cv.accent(_u(rng)), 0.2))
                    cv.draw.rectangle((bx, bottom - bh, bx + bw, bottom), fill=colour)
                    if _u(rng) < 0.5:
                        band = bottom - bh * 0.8
                        cv.draw.line(
                            [(bx, band), (bx + bw, band)],
                            fill=cv.lit((214, 172, 80)),
                            width=max(1, round(1.5 * cv.unit)),
                        )
                    bx += bw + 0.001 * w
                cv.draw.rectangle((cx, bottom, cx1, bottom + 0.014 * h), fill=wood)
                shelf_y += shelf_h + 0.014 * h
            cv.draw.rectangle((cx, 0.03 * h, cx + 0.01 * w, floor_y), fill=wood)
            cv.draw.rectangle((cx1 - 0.01 * w, 0.03 * h, cx1, floor_y), fill=wood)
        cv.draw.rectangle((x_start, 0.0, x_end, 0.035 * h), fill=wood)
    # Rug under where the figure stands.
    rx, ry = 0.3 * w, 0.08 * h
    cv.draw.ellipse((wx - rx, 0.9 * h - ry, wx + rx, 0.9 * h + ry), fill=cv.lit((170, 130, 60)))
    cv.draw.ellipse(
        (wx - rx * 0.95, 0.9 * h - ry * 0.85, wx + rx * 0.95, 0.9 * h + ry * 0.85),
        fill=cv.lit((120, 30, 40)),
    )
    # Candles on the shelves.
    for _ in range(6):
        cx = _u(rng) * w
        if abs(cx - wx) < ww * 0.7:
            continue
        cy = (0.18 + 0.55 * _u(rng)) * h
        cw = 0.006 * w
        cv.draw.rectangle((cx - cw, cy - 0.03 * h, cx + cw, cy), fill=(236, 226, 200))
        cv.draw.ellipse(
            (cx - cw * 0.8, cy - 0.05 * h, cx + cw * 0.8, cy - 0.028 * h), fill=(255, 214, 120)
        )
        cv.radial_glow((cx, cy - 0.04 * h), 0.05 * h, (255, 160, 70), 0.6)
    if features.is_magical:
        for _ in range(3):
            bx, by = (0.15 + 0.7 * _u(rng)) * w, (0.12 + 0.25 * _u(rng)) * h
            bw, tilt = 0.035 * w, (_u(rng) - 0.5) * 0.03 * h
            page = cv.lit((246, 236, 210), 0)
            cv.draw.polygon(
                [
                    (bx - bw, by + tilt),
                    (bx, by + 0.012 * h),
                    (bx, by - 0.02 * h),
                    (bx - bw, by - 0.03 * h + tilt),
                ],
                fill=page,
            )
            cv.draw.polygon(
                [
                    (bx + bw, by - tilt),
                    (bx, by + 0.012 * h),
                    (bx, by - 0.02 * h),
                    (bx + bw, by - 0.03 * h - tilt),
                ],
                fill=scale(page, 0.9),
            )
            cv.radial_glow((bx, by), 0.07 * h, (255, 210, 120), 0.7)
    return Stage(
        feet_y=0.9 * h, figure_h=0.56 * h, anchor_x=wx, rim=(150, 170, 240), horizon_y=floor_y
    )


def _paint_room(cv: Canvas, rng: np.random.Generator, features: SceneFeatures) -> Stage:
    w, h = cv.width, cv.height
    tod = features.time_of_day
    floor_y = 0.72 * h
    wallpapers = ((226, 204, 176), (210, 184, 196), (190, 208, 196))
    paper = wallpapers[int(_u(rng) * len(wallpapers)) % len(wallpapers)]
    wall = cv.lit(mix(paper, cv.accent(_u(rng)), 0.12))
    cv.draw.rectangle((0, 0, w, floor_y), fill=wall)
    stripe = max(2.0, 0.03 * w)
    for k in range(int(w / stripe) + 1):
        if k % 2 == 0:
            cv.draw.rectangle(
                (k * stripe, 0, k * stripe + stripe * 0.35, floor_y), fill=scale(wall, 0.95)
            )
    cv.draw.rectangle((0, 0.44 * h, w, 0.46 * h), fill=scale(wall, 0.8))
    cv.draw.rectangle((0, 0.46 * h, w, floor_y), fill=scale(wall, 0.88))
    carpet = cv.lit(mix((70, 110, 120), cv.accent(_u(rng)), 0.2))
    cv.img.paste(
        vertical_gradient(
            (w, h - int(floor_y)), [(0.0, scale(carpet, 0.8)), (1.0, carpet)], 0, h - floor_y
        ),
        (0, int(floor_y)),
    )
    cv.draw = ImageDraw.Draw(cv.img)
    # Window with the time of day outside, curtains either side.
    x0, y0, x1, y1 = 0.06 * w, 0.1 * h, 0.3 * w, 0.5 * h
    outside = vertical_gradient((int(x1 - x0), int(y1 - y0)), SKY[tod], 0, (y1 - y0) * 1.4)
    od = ImageDraw.Draw(outside)
    ow, oh = outside.size
    for _ in range(6):
        tx, tr = _u(rng) * ow, (0.15 + 0.15 * _u(rng)) * ow
        od.ellipse(
            (tx - tr, oh * 0.7 - tr, tx + tr, oh * 0.7 + tr), fill=cv.lit((70, 120, 60), 0.2)
        )
    cv.draw.rectangle(
        (x0 - 0.01 * w, y0 - 0.01 * w, x1 + 0.01 * w, y1 + 0.01 * w), fill=cv.lit((240, 238, 230))
    )
    cv.img.paste(outside, (int(x0), int(y0)))
    cv.draw.line(
        [((x0 + x1) / 2, y0), ((x0 + x1) / 2, y1)],
        fill=cv.lit((240, 238, 230)),
        width=max(1, round(0.006 * w)),
    )
    cv.draw.line(
        [(x0, (y0 + y1) / 2), (x1, (y0 + y1) / 2)],
        fill=cv.lit((240, 238, 230)),
        width=max(1, round(0.006 * w)),
    )
    curtain = cv.lit(mix((170, 60, 90), cv.accent(_u(rng)), 0.4))
    for cx0, cx1 in ((x0 - 0.05 * w, x0 + 0.02 * w), (x1 - 0.02 * w, x1 + 0.05 * w)):
        cv.draw.rectangle((cx0, 0.06 * h, cx1, 0.58 * h), fill=curtain)
        for k in range(3):
            fx = cx0 + (k + 0.5) * (cx1 - cx0) / 3
            cv.draw.line(
                [(fx, 0.06 * h), (fx, 0.58 * h)],
                fill=scale(curtain, 0.75),
                width=max(1, round(0.004 * w)),
            )
    cv.draw.rectangle(
        (x0 - 0.07 * w, 0.05 * h, x1 + 0.07 * w, 0.065 * h), fill=cv.lit((120, 90, 60))
    )
    # Picture frames on the wall.
    for k in range(3):
        fx, fy = (0.42 + 0.17 * k) * w, (0.12 + 0.05 * _u(rng)) * h
        fw, fh = (0.07 + 0.04 * _u(rng)) * w, (0.1 + 0.06 * _u(rng)) * h
        cv.draw.rectangle((fx, fy, fx + fw, fy + fh), fill=cv.lit((150, 110, 60)))
        inner = (fx + 0.008 * w, fy + 0.008 * w, fx + fw - 0.008 * w, fy + fh - 0.008 * w)
        cv.draw.rectangle(inner, fill=cv.lit(mix(cv.accent(_u(rng)), (220, 220, 210), 0.4)))
        cv.draw.ellipse(
            (inner[0] + fw * 0.3, inner[1] + fh * 0.2, inner[2] - fw * 0.3, inner[3] - fh * 0.3),
            fill=cv.lit((230, 190, 160)),
        )
    # Sofa behind the subjects, a lamp on a side table.
    sofa = cv.lit(mix((120, 70, 110), cv.accent(_u(rng)), 0.3))
    sx0, sx1 = 0.32 * w, 0.9 * w
    cv.shaded_box((sx0, 0.46 * h, sx1, 0.68 * h), 0.04 * h, sofa, highlight=0.12)
    cv.shaded_box(
        (sx0 - 0.03 * w, 0.56 * h, sx0 + 0.04 * w, 0.8 * h), 0.03 * h, sofa, highlight=0.12
    )
    cv.shaded_box(
        (sx1 - 0.04 * w, 0.56 * h, sx1 + 0.03 * w, 0.8 * h), 0.03 * h, sofa, highlight=0.12
    )
    cv.shaded_box(
        (sx0 + 0.03 * w, 0.64 * h, sx1 - 0.03 * w, 0.8 * h),
        0.03 * h,
        scale(sofa, 1.1),
        highlight=0.12,
    )
    cv.soft_shadow((sx0 - 0.04 * w, 0.78 * h, sx1 + 0.04 * w, 0.84 * h), 160)
    lx = 0.95 * w
    cv.draw.rectangle((lx - 0.04 * w, 0.6 * h, lx + 0.04 * w, 0.82 * h), fill=cv.lit((110, 74, 46)))
    cv.draw.rectangle(
        (lx - 0.005 * w, 0.45 * h, lx + 0.005 * w, 0.6 * h), fill=cv.lit((200, 180, 120))
    )
    cv.draw.polygon(
        [
            (lx - 0.025 * w, 0.36 * h),
            (lx + 0.025 * w, 0.36 * h),
            (lx + 0.04 * w, 0.46 * h),
            (lx - 0.04 * w, 0.46 * h),
        ],
        fill=(250, 226, 180),
    )
    cv.radial_glow((lx, 0.42 * h), 0.25 * h, (255, 180, 100), 0.7)
    if features.is_party:
        for _ in range(5):
            bx, by = (0.35 + 0.55 * _u(rng)) * w, (0.1 + 0.15 * _u(rng)) * h
            br = 0.035 * h
            cv.draw.line(
                [(bx, by + br), (bx + 0.01 * w, by + 0.3 * h)],
                fill=cv.lit((220, 220, 220)),
                width=1,
            )
            cv.shaded_box(
                (bx - br * 0.85, by - br, bx + br * 0.85, by + br), br, cv.lit(cv.accent(_u(rng)))
            )
    return Stage(feet_y=0.95 * h, figure_h=0.5 * h, anchor_x=0.62 * w, rim=None, horizon_y=floor_y)


def _pine(cv: Canvas, x: float, base: float, height: float, colour: RGB) -> None:
    width = height * 0.42
    cv.draw.rectangle(
        (x - width * 0.06, base - height * 0.2, x + width * 0.06, base), fill=scale(colour, 0.7)
    )
    for k in range(3):
        top = base - height * (1.0 - 0.22 * k)
        bottom = base - height * (0.45 - 0.18 * k)
        half = width * (0.32 + 0.18 * k)
        cv.draw.polygon([(x, top), (x + half, bottom), (x - half, bottom)], fill=colour)


def _paint_forest(cv: Canvas, rng: np.random.Generator, features: SceneFeatures) -> Stage:
    w, h = cv.width, cv.height
    ground_y = 0.7 * h
    _paint_sky(cv, rng, features.time_of_day, ground_y)
    for depth, count, (low, high) in (
        (0.7, 40, (0.1, 0.18)),
        (0.45, 22, (0.2, 0.34)),
        (0.2, 10, (0.34, 0.55)),
    ):
        base = ground_y + (0.7 - depth) * 0.08 * h
        cv.draw.rectangle((0, base - 0.02 * h, w, h), fill=cv.lit((60, 92, 52), depth + 0.1))
        for _ in range(count):
            tx = _u(rng) * w
            th = (low + (high - low) * _u(rng)) * h
            _pine(
                cv,
                tx,
                base + 0.01 * h * _u(rng),
                th,
                cv.lit(mix((38, 76, 50), cv.accent(_u(rng)), 0.1), depth),
            )
    snowy = "snow" in features.atmosphere
    near, far = ((236, 240, 248), (200, 210, 228)) if snowy else ((70, 104, 56), (40, 64, 36))
    cv.img.paste(
        vertical_gradient((w, int(0.2 * h)), [(0.0, cv.lit(near)), (1.0, cv.lit(far))], 0, 0.2 * h),
        (0, int(0.8 * h)),
    )
    cv.draw = ImageDraw.Draw(cv.img)
    # Two big dark pines at the edges frame the clearing.
    for tx in (0.02 * w, 0.97 * w):
        _pine(cv, tx, 1.02 * h, 0.95 * h, cv.lit((24, 46, 32)))
    return Stage(feet_y=0.94 * h, figure_h=0.5 * h, anchor_x=0.6 * w, rim=None, horizon_y=ground_y)


def _ridge(
    cv: Canvas, rng: np.random.Generator, level: float, amplitude: float, colour: RGB, snow: bool
) -> None:
    w, h = cv.width, cv.height
    xs = np.linspace(-0.02 * w, 1.02 * w, 120)
    profile = np.zeros_like(xs)
    for octave in range(4):
        freq = (1.5 + _u(rng)) * (2**octave) * math.pi / w
        profile += np.abs(np.sin(xs * freq + _u(rng) * 6.28)) / (1.8**octave)
    profile = level - amplitude * profile / 1.6
    points = [(float(x), float(y)) for x, y in zip(xs, profile, strict=True)]
    cv.draw.polygon([*points, (1.02 * w, h), (-0.02 * w, h)], fill=colour)
    if snow:
        line = float(np.percentile(profile, 20))
        cap = np.minimum(
            profile + np.clip(line - profile, 0, None) * 0.6, np.maximum(profile, line)
        )
        cap_points = [(float(x), float(y)) for x, y in zip(xs, cap, strict=True)]
        cv.draw.polygon([*points, *reversed(cap_points)], fill=mix(colour, (250, 250, 255), 0.75))


def _paint_mountains(cv: Canvas, rng: np.random.Generator, features: SceneFeatures) -> Stage:
    w, h = cv.width, cv.height
    ground_y = 0.72 * h
    _paint_sky(cv, rng, features.time_of_day, ground_y)
    for i, (level, amp, depth) in enumerate(
        ((0.5, 0.3, 0.55), (0.6, 0.22, 0.4), (0.7, 0.14, 0.2), (0.8, 0.08, 0.0))
    ):
        base = mix((70, 90, 120), (50, 80, 50), i / 3)
        _ridge(
            cv, rng, level * h, amp * h, cv.lit(mix(base, cv.accent(0.3), 0.1), depth), snow=i == 0
        )
    return Stage(
        feet_y=0.96 * h, figure_h=0.48 * h, anchor_x=0.62 * w, rim=None, horizon_y=ground_y
    )


def _paint_sea(cv: Canvas, rng: np.random.Generator, features: SceneFeatures) -> Stage:
    w, h = cv.width, cv.height
    horizon = 0.56 * h
    sun = _paint_sky(cv, rng, features.time_of_day, horizon)
    _reflect_water(cv, rng, horizon, cv.lit((20, 60, 96)), 0.6)
    _glints(cv, rng, horizon, sun[0], cv.lit((255, 236, 200)), 260)
    sand = cv.lit((214, 190, 150))
    cv.draw.polygon([(0, 0.86 * h), (0.4 * w, 0.9 * h), (w, 0.84 * h), (w, h), (0, h)], fill=sand)
    cv.draw.line(
        [(0, 0.86 * h), (0.4 * w, 0.9 * h), (w, 0.84 * h)],
        fill=(240, 244, 248),
        width=max(1, round(3 * cv.unit)),
    )
    return Stage(feet_y=0.97 * h, figure_h=0.5 * h, anchor_x=0.64 * w, rim=None, horizon_y=horizon)


def _paint_hills(cv: Canvas, rng: np.random.Generator, features: SceneFeatures) -> Stage:
    """The fallback: rolling hills in the style's palette under the prompt's sky."""
    w, h = cv.width, cv.height
    horizon = 0.62 * h
    _paint_sky(cv, rng, features.time_of_day, horizon)
    natural = bool(features.subjects or features.atmosphere)
    by_light = sorted(cv.palette, key=luminance, reverse=True)
    for i in range(4):
        level = (0.58 + 0.09 * i) * h
        amp = (0.05 + 0.02 * i) * h
        base = by_light[min(i, len(by_light) - 1)]
        if natural:
            ground = (236, 240, 248) if "snow" in features.atmosphere else (110, 170, 80)
            base = mix(ground, base, 0.25)
        colour = cv.lit(scale(base, 1.0 - 0.12 * i), 0.5 - 0.15 * i)
        xs = np.linspace(-0.02 * w, 1.02 * w, 80)
        phase, freq = _u(rng) * 6.28, (1.2 + _u(rng)) * math.pi / w
        ys = level - amp * (np.sin(xs * freq + phase) + 0.4 * np.sin(xs * freq * 2.7 + phase * 1.7))
        points = [(float(x), float(y)) for x, y in zip(xs, ys, strict=True)]
        cv.draw.polygon([*points, (1.02 * w, h), (-0.02 * w, h)], fill=colour)
    flowers = 0 if "blossoms" in features.atmosphere else int(70 * cv.unit)
    for _ in range(flowers):
        fx, fy = _u(rng) * w, (0.82 + 0.18 * _u(rng)) * h
        r = (1.2 + 1.8 * _u(rng)) * cv.unit
        cv.draw.ellipse((fx - r, fy - r, fx + r, fy + r), fill=cv.lit(cv.accent(_u(rng))))
    return Stage(feet_y=0.95 * h, figure_h=0.64 * h, anchor_x=0.58 * w, rim=None, horizon_y=horizon)


_SETTINGS: dict[str, Callable[[Canvas, np.random.Generator, SceneFeatures], Stage]] = {
    "city": _paint_city,
    "street": _paint_street,
    "market": _paint_market,
    "library": _paint_library,
    "forest": _paint_forest,
    "mountains": _paint_mountains,
    "sea": _paint_sea,
    "room": _paint_room,
}


# Subjects and atmosphere ------------------------------------------------------------------


def _paint_subjects(
    cv: Canvas, rng: np.random.Generator, features: SceneFeatures, stage: Stage
) -> None:
    subjects = features.subjects
    variations = [tuple(float(v) for v in rng.random(4)) for _ in subjects]
    if "blossoms" in features.atmosphere:
        _blossom_tree(cv, rng, stage)
    if not subjects:
        return
    height = min(stage.figure_h, 1.1 * cv.width)
    widths = [FIGURE_WIDTH[s] * height for s in subjects]
    total = sum(widths) + 0.1 * height * (len(subjects) - 1)
    x = min(max(stage.anchor_x - total / 2, 0.02 * cv.width), cv.width * 0.98 - total)
    centres = []
    for width in widths:
        centres.append(x + width / 2)
        x += width + 0.1 * height
    for cx, width in zip(centres, widths, strict=True):
        cv.soft_shadow(
            (
                cx - width * 0.7,
                stage.feet_y - 0.03 * height,
                cx + width * 0.7,
                stage.feet_y + 0.03 * height,
            ),
            150,
        )
    cv.apply_shadows()
    for kind, cx, variation in zip(subjects, centres, variations, strict=True):
        draw_figure(cv, kind, cx, stage.feet_y, height, variation, stage.rim)


def _blossom_tree(cv: Canvas, rng: np.random.Generator, stage: Stage) -> None:
    """Frame the scene with cherry trees: curved trunks, branches, clouds of pink blossom."""
    w, h = cv.width, cv.height
    bark = cv.lit((74, 46, 44))
    pinks = ((255, 196, 214), (250, 164, 192), (255, 226, 236), (238, 136, 172), (255, 180, 200))
    for tree_x, reach in ((0.07 * w, 0.34 * w), (0.96 * w, -0.2 * w)):
        base_y = stage.feet_y + 0.03 * h
        lean = 0.12 * reach
        trunk = [(tree_x, base_y), (tree_x + lean * 0.3, 0.7 * h), (tree_x + lean, 0.42 * h)]
        width = 0.028 * w
        left = [(x - width * (1 - 0.35 * i), y) for i, (x, y) in enumerate(trunk)]
        right = [(x + width * (1 - 0.35 * i), y) for i, (x, y) in enumerate(trunk)]
        cv.draw.polygon([*left, *reversed(right)], fill=bark)
        crown = trunk[-1]
        tips = [crown]
        for k in range(6):
            spread = (k + _u(rng)) / 6
            tip = (crown[0] + reach * spread * 1.1, (0.08 + 0.22 * _u(rng)) * h - 0.05 * h * spread)
            mid = ((crown[0] + tip[0]) / 2, (crown[1] + tip[1]) / 2 + 0.03 * h)
            thick = max(1, round(0.012 * w * (1.2 - spread)))
            cv.draw.line([crown, mid, tip], fill=bark, width=thick, joint="curve")
            tips.append(tip)
        for tip in tips:
            for _ in range(40):
                angle, dist = _u(rng) * 6.283, _u(rng) ** 0.6
                px = tip[0] + math.cos(angle) * dist * 0.09 * w
                py = tip[1] + math.sin(angle) * dist * 0.08 * h
                r = (0.014 + 0.02 * _u(rng)) * h
                colour = cv.lit(pinks[int(_u(rng) * len(pinks)) % len(pinks)])
                cv.draw.ellipse((px - r, py - r, px + r, py + r), fill=colour)


def _paint_atmosphere(
    cv: Canvas, rng: np.random.Generator, features: SceneFeatures, stage: Stage
) -> None:
    w, h = cv.width, cv.height
    atmosphere = features.atmosphere
    if "dramatic" in atmosphere and stage.horizon_y < h:
        # Crepuscular rays fanning from the sun (or near the horizon), on the light layer.
        origin = stage.light_xy or (w * (0.3 + 0.4 * _u(rng)), stage.horizon_y - 0.1 * h)
        for _ in range(9):
            angle = math.pi * (1.1 + 0.8 * _u(rng))
            spread = 0.03 + 0.04 * _u(rng)
            length = 1.6 * w
            a = (
                origin[0] + math.cos(angle - spread) * length,
                origin[1] + math.sin(angle - spread) * length,
            )
            b = (
                origin[0] + math.cos(angle + spread) * length,
                origin[1] + math.sin(angle + spread) * length,
            )
            cv.glow_polygon([origin, a, b], (70, 46, 24))
    if "fog" in atmosphere:
        f = LOW_RES_FACTOR * 2
        lw, lh = max(1, w // f), max(1, h // f)
        ys = np.arange(lh, dtype=np.float32)[:, None] * f
        band = np.exp(-(((ys - stage.horizon_y) / (0.25 * h)) ** 2))
        noise = rng.random((lh, lw)).astype(np.float32)
        fog = Image.fromarray((np.clip(band * (0.45 + 0.25 * noise), 0, 1) * 255).astype(np.uint8))
        fog = fog.filter(ImageFilter.GaussianBlur(3)).resize((w, h), Image.Resampling.BILINEAR)
        cv.paste_mask(mix(cv.haze, (230, 230, 235), 0.5), fog)
    if "rain" in atmosphere:
        mask = Image.new("L", (w, h))
        draw = ImageDraw.Draw(mask)
        count = int(700 * w * h / (1280 * 720))
        drops = rng.random((count, 4))
        slant = 0.22
        for x, y, length, bright in drops:
            ln = (0.02 + 0.05 * length) * h
            x0, y0 = x * w * 1.1 - 0.05 * w, y * h
            draw.line([(x0, y0), (x0 - slant * ln, y0 + ln)], fill=int(60 + 110 * bright), width=1)
        cv.paste_mask((214, 222, 236), mask)
    if "snow" in atmosphere:
        flakes = rng.random((int(500 * cv.unit * cv.unit), 3))
        for x, y, s in flakes:
            r = (1 + 3 * s * s) * cv.unit
            cv.draw.ellipse((x * w - r, y * h - r, x * w + r, y * h + r), fill=(246, 248, 255))
    if "blossoms" in atmosphere:
        petals = rng.random((int(140 * cv.unit), 3))
        for x, y, s in petals:
            r = (2 + 3 * s) * cv.unit
            cx, cy = x * w, y * h
            cv.draw.ellipse(
                (cx - r * 1.4, cy - r * 0.7, cx + r * 1.4, cy + r * 0.7),
                fill=cv.lit((255, 196, 214)),
            )
    if features.is_magical:
        sparkles = rng.random((int(60 * cv.unit) + 10, 3))
        for x, y, s in sparkles:
            cx, cy = x * w, (0.05 + 0.75 * y) * h
            r = (1 + 2.5 * s) * cv.unit
            cv.draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(255, 246, 200))
            cv.glow_ellipse((cx - 3 * r, cy - 3 * r, cx + 3 * r, cy + 3 * r), (200, 170, 90))
