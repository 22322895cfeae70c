"""Stylised figures for the procedural painter: robot, detective, wizard, character,
photographer and family.

Every figure is drawn from simple shapes, standing with its feet at (x, feet_y) and `height_px`
tall. Each is drawn twice: first offset in a rim colour, then in its own colours, which gives
the silhouette a thin edge of back light so it separates from dark backgrounds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from genscene.pipeline.frames.canvas import RGB, Canvas, mix, scale

Ink = Callable[[RGB], RGB]

SKIN_TONES: tuple[RGB, ...] = ((241, 200, 168), (224, 172, 132), (198, 140, 100), (141, 95, 66))
HAIR_TONES: tuple[RGB, ...] = ((40, 30, 26), (92, 60, 38), (150, 104, 60), (30, 30, 40))


@dataclass(frozen=True)
class Outfit:
    """The colours one person wears."""

    skin: RGB
    hair: RGB
    top: RGB
    bottom: RGB
    shoes: RGB = (40, 34, 32)


def pick(options: tuple[RGB, ...], u: float) -> RGB:
    """Return the option chosen by `u` in [0, 1)."""
    return options[min(len(options) - 1, int(u * len(options)))]


def draw_figure(
    cv: Canvas,
    kind: str,
    x: float,
    feet_y: float,
    height_px: float,
    variation: tuple[float, ...],
    rim: RGB | None,
) -> None:
    """Draw one `kind` of figure; `variation` holds uniform draws that pick its colours."""
    painter = _FIGURES[kind]
    if rim is not None:
        offset = max(1.5, height_px * 0.006)
        painter(cv, x + offset, feet_y, height_px, variation, lambda _c: rim, False)
        painter(
            cv, x - offset * 0.5, feet_y - offset * 0.5, height_px, variation, lambda _c: rim, False
        )
    painter(cv, x, feet_y, height_px, variation, cv.lit, True)


def _limb(
    cv: Canvas,
    ink: Ink,
    start: tuple[float, float],
    end: tuple[float, float],
    width: float,
    colour: RGB,
) -> None:
    w = max(1, round(width))
    cv.draw.line([start, end], fill=ink(colour), width=w)
    r = width / 2
    for px, py in (start, end):
        cv.draw.ellipse((px - r, py - r, px + r, py + r), fill=ink(colour))


def _disc(cv: Canvas, ink: Ink, cx: float, cy: float, rx: float, ry: float, colour: RGB) -> None:
    cv.draw.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=ink(colour))


def _person(
    cv: Canvas,
    x: float,
    y: float,
    h: float,
    outfit: Outfit,
    ink: Ink,
    *,
    arms: str = "down",
    hair_style: str = "short",
    face: bool = True,
) -> None:
    """Draw a generic standing person; the other figures dress this one up."""
    leg_w, gap = 0.085 * h, 0.014 * h
    hip_y, shoulder_y = y - 0.47 * h, y - 0.8 * h
    for side in (-1, 1):
        lx = x + side * (gap / 2 + leg_w / 2)
        cv.draw.rounded_rectangle(
            (lx - leg_w / 2, hip_y - 0.02 * h, lx + leg_w / 2, y - 0.025 * h),
            leg_w / 2,
            fill=ink(outfit.bottom),
        )
        _disc(cv, ink, lx + side * 0.012 * h, y - 0.02 * h, leg_w * 0.62, 0.022 * h, outfit.shoes)
    # Arms behind the torso when down, so the torso outline stays clean.
    hand_r = 0.03 * h
    arm_w = 0.07 * h
    if arms == "down":
        for side in (-1, 1):
            start = (x + side * 0.125 * h, shoulder_y + 0.04 * h)
            end = (x + side * 0.16 * h, hip_y + 0.02 * h)
            _limb(cv, ink, start, end, arm_w, outfit.top)
            _disc(cv, ink, end[0], end[1] + 0.03 * h, hand_r, hand_r, outfit.skin)
    cv.draw.rounded_rectangle(
        (x - 0.15 * h, shoulder_y, x + 0.15 * h, hip_y + 0.03 * h), 0.06 * h, fill=ink(outfit.top)
    )
    cv.draw.rectangle(
        (x - 0.025 * h, shoulder_y - 0.05 * h, x + 0.025 * h, shoulder_y + 0.01 * h),
        fill=ink(scale(outfit.skin, 0.85)),
    )
    head_y = y - 0.895 * h
    _disc(cv, ink, x, head_y, 0.075 * h, 0.086 * h, outfit.skin)
    if hair_style == "long":
        cv.draw.rounded_rectangle(
            (x - 0.088 * h, head_y - 0.06 * h, x + 0.088 * h, head_y + 0.14 * h),
            0.04 * h,
            fill=ink(outfit.hair),
        )
        _disc(cv, ink, x, head_y + 0.01 * h, 0.07 * h, 0.08 * h, outfit.skin)
    if hair_style in ("short", "long"):
        cv.draw.chord(
            (x - 0.082 * h, head_y - 0.1 * h, x + 0.082 * h, head_y + 0.05 * h),
            180,
            360,
            fill=ink(outfit.hair),
        )
    if face:
        eye = 0.011 * h
        for side in (-1, 1):
            _disc(cv, ink, x + side * 0.03 * h, head_y + 0.005 * h, eye, eye * 1.2, (35, 28, 30))
        cv.draw.arc(
            (x - 0.025 * h, head_y + 0.02 * h, x + 0.025 * h, head_y + 0.05 * h),
            20,
            160,
            fill=ink((120, 50, 50)),
            width=max(1, round(0.006 * h)),
        )


def _detective(
    cv: Canvas, x: float, y: float, h: float, v: tuple[float, ...], ink: Ink, is_lit: bool
) -> None:
    coat = pick(((150, 130, 100), (110, 105, 100), (70, 72, 80)), v[0])
    outfit = Outfit(skin=pick(SKIN_TONES, v[1]), hair=(30, 26, 24), top=coat, bottom=(40, 40, 44))
    _person(cv, x, y, h, outfit, ink, face=False)
    # Long trench coat: flared skirt over the legs, belt, raised collar, hands in pockets.
    cv.draw.polygon(
        [
            (x - 0.15 * h, y - 0.55 * h),
            (x + 0.15 * h, y - 0.55 * h),
            (x + 0.19 * h, y - 0.17 * h),
            (x - 0.19 * h, y - 0.17 * h),
        ],
        fill=ink(coat),
    )
    cv.draw.rectangle(
        (x - 0.15 * h, y - 0.5 * h, x + 0.15 * h, y - 0.47 * h), fill=ink(scale(coat, 0.6))
    )
    cv.draw.line(
        [(x, y - 0.79 * h), (x + 0.02 * h, y - 0.2 * h)],
        fill=ink(scale(coat, 0.7)),
        width=max(1, round(0.006 * h)),
    )
    for side in (-1, 1):
        cv.draw.polygon(
            [
                (x + side * 0.02 * h, y - 0.82 * h),
                (x + side * 0.13 * h, y - 0.83 * h),
                (x + side * 0.05 * h, y - 0.68 * h),
            ],
            fill=ink(scale(coat, 0.82)),
        )
        _limb(
            cv,
            ink,
            (x + side * 0.14 * h, y - 0.76 * h),
            (x + side * 0.12 * h, y - 0.52 * h),
            0.07 * h,
            scale(coat, 0.9),
        )
    # Fedora: brim then crown with a band; it throws the face into shadow.
    head_y = y - 0.895 * h
    _disc(cv, ink, x, head_y + 0.035 * h, 0.06 * h, 0.04 * h, scale(outfit.skin, 0.45))
    hat = (36, 34, 36)
    cv.draw.ellipse(
        (x - 0.14 * h, head_y - 0.07 * h, x + 0.14 * h, head_y - 0.025 * h), fill=ink(hat)
    )
    cv.draw.rounded_rectangle(
        (x - 0.08 * h, head_y - 0.15 * h, x + 0.08 * h, head_y - 0.045 * h), 0.03 * h, fill=ink(hat)
    )
    cv.draw.rectangle(
        (x - 0.08 * h, head_y - 0.075 * h, x + 0.08 * h, head_y - 0.058 * h), fill=ink((90, 80, 70))
    )


def _wizard(
    cv: Canvas, x: float, y: float, h: float, v: tuple[float, ...], ink: Ink, is_lit: bool
) -> None:
    robe = mix(cv.accent(v[0]), (60, 40, 120), 0.45)
    trim = (230, 190, 90)
    skin = pick(SKIN_TONES[:3], v[1])
    head_y = y - 0.86 * h
    # Staff first: the wizard's hand covers it.
    staff_x = x + 0.24 * h
    cv.draw.line(
        [(staff_x, y), (staff_x - 0.02 * h, y - 1.02 * h)],
        fill=ink((95, 62, 35)),
        width=max(2, round(0.018 * h)),
    )
    orb = (staff_x - 0.02 * h, y - 1.06 * h)
    if is_lit:
        _disc(cv, lambda c: c, orb[0], orb[1], 0.035 * h, 0.035 * h, (210, 245, 255))
        cv.glow_ellipse(
            (orb[0] - 0.06 * h, orb[1] - 0.06 * h, orb[0] + 0.06 * h, orb[1] + 0.06 * h),
            (120, 220, 255),
        )
        cv.radial_glow(orb, 0.35 * h, (90, 170, 255), 0.9)
    cv.draw.polygon(
        [
            (x - 0.12 * h, y - 0.78 * h),
            (x + 0.12 * h, y - 0.78 * h),
            (x + 0.27 * h, y),
            (x - 0.27 * h, y),
        ],
        fill=ink(robe),
    )
    cv.draw.polygon(
        [
            (x - 0.27 * h, y),
            (x + 0.27 * h, y),
            (x + 0.265 * h, y - 0.03 * h),
            (x - 0.265 * h, y - 0.03 * h),
        ],
        fill=ink(trim),
    )
    for side in (-1, 1):
        sleeve = [
            (x + side * 0.1 * h, y - 0.77 * h),
            (x + side * 0.24 * h, y - 0.5 * h),
            (x + side * 0.13 * h, y - 0.47 * h),
        ]
        cv.draw.polygon(sleeve, fill=ink(scale(robe, 0.85)))
    _disc(cv, ink, staff_x - 0.01 * h, y - 0.5 * h, 0.03 * h, 0.03 * h, skin)
    _disc(cv, ink, x, head_y, 0.07 * h, 0.08 * h, skin)
    for side in (-1, 1):
        _disc(cv, ink, x + side * 0.028 * h, head_y - 0.005 * h, 0.01 * h, 0.012 * h, (30, 25, 30))
    cv.draw.polygon(
        [
            (x - 0.07 * h, head_y + 0.02 * h),
            (x + 0.07 * h, head_y + 0.02 * h),
            (x, head_y + 0.3 * h),
        ],
        fill=ink((236, 232, 222)),
    )
    cv.draw.ellipse(
        (x - 0.05 * h, head_y + 0.015 * h, x + 0.05 * h, head_y + 0.06 * h),
        fill=ink((236, 232, 222)),
    )
    # Pointed hat with a bent tip, a wide brim and stars.
    cv.draw.ellipse(
        (x - 0.17 * h, head_y - 0.09 * h, x + 0.17 * h, head_y - 0.03 * h), fill=ink(robe)
    )
    cv.draw.polygon(
        [
            (x - 0.09 * h, head_y - 0.07 * h),
            (x + 0.09 * h, head_y - 0.07 * h),
            (x + 0.03 * h, head_y - 0.3 * h),
            (x + 0.12 * h, head_y - 0.38 * h),
            (x - 0.01 * h, head_y - 0.31 * h),
        ],
        fill=ink(robe),
    )
    for sx, sy, r in (
        (-0.02, -0.16, 0.018),
        (0.12, -0.45, 0.02),
        (-0.1, -0.6, 0.018),
        (0.07, -0.25, 0.016),
    ):
        cx, cy = x + sx * h, (head_y if sy > -0.3 else y) + sy * h
        cv.draw.regular_polygon((cx, cy, r * h), 5, rotation=v[2] * 60, fill=ink(trim))


def _photographer(
    cv: Canvas, x: float, y: float, h: float, v: tuple[float, ...], ink: Ink, is_lit: bool
) -> None:
    outfit = Outfit(
        skin=pick(SKIN_TONES, v[0]),
        hair=pick(HAIR_TONES, v[1]),
        top=pick(((150, 135, 95), (90, 100, 80), (120, 70, 55)), v[2]),
        bottom=(60, 70, 90),
    )
    _person(cv, x, y, h, outfit, ink, arms="camera")
    shoulder_y = y - 0.76 * h
    head_y = y - 0.895 * h
    cam = (x - 0.02 * h, head_y + 0.005 * h)
    # Strap and bag across the body, then arms raised to hold the camera to the eye.
    cv.draw.line(
        [(x - 0.12 * h, shoulder_y), (x + 0.13 * h, y - 0.45 * h)],
        fill=ink((50, 40, 35)),
        width=max(1, round(0.012 * h)),
    )
    cv.draw.rounded_rectangle(
        (x + 0.1 * h, y - 0.5 * h, x + 0.24 * h, y - 0.38 * h), 0.015 * h, fill=ink((80, 60, 45))
    )
    for side in (-1, 1):
        elbow = (x + side * 0.19 * h, shoulder_y + 0.13 * h)
        _limb(cv, ink, (x + side * 0.13 * h, shoulder_y), elbow, 0.065 * h, outfit.top)
        _limb(cv, ink, elbow, (cam[0] + side * 0.06 * h, cam[1] + 0.03 * h), 0.055 * h, outfit.top)
    cv.draw.rounded_rectangle(
        (cam[0] - 0.085 * h, cam[1] - 0.04 * h, cam[0] + 0.085 * h, cam[1] + 0.04 * h),
        0.012 * h,
        fill=ink((28, 28, 30)),
    )
    cv.draw.rectangle(
        (cam[0] - 0.06 * h, cam[1] - 0.055 * h, cam[0] - 0.01 * h, cam[1] - 0.04 * h),
        fill=ink((28, 28, 30)),
    )
    _disc(cv, ink, cam[0], cam[1], 0.035 * h, 0.035 * h, (70, 70, 78))
    _disc(cv, ink, cam[0], cam[1], 0.022 * h, 0.022 * h, (20, 24, 40))
    _disc(cv, ink, cam[0] - 0.008 * h, cam[1] - 0.008 * h, 0.006 * h, 0.006 * h, (200, 210, 230))
    for side in (-1, 1):
        _disc(
            cv, ink, cam[0] + side * 0.085 * h, cam[1] + 0.01 * h, 0.028 * h, 0.028 * h, outfit.skin
        )


def _character(
    cv: Canvas, x: float, y: float, h: float, v: tuple[float, ...], ink: Ink, is_lit: bool
) -> None:
    hair_tones: tuple[RGB, ...] = ((236, 112, 156), (58, 66, 120), (150, 78, 48), (250, 214, 120))
    hair = mix(pick(hair_tones, v[0]), cv.accent(v[1]), 0.25)
    skin = (252, 224, 206)
    uniform, collar, scarf = (245, 245, 250), (40, 55, 110), (220, 60, 80)
    head_y, r = y - 0.84 * h, 0.1 * h
    # Long hair falls behind the body; it is drawn first so everything else sits on it.
    cv.draw.polygon(
        [
            (x - 1.05 * r, head_y - 0.2 * r),
            (x - 1.35 * r, y - 0.5 * h),
            (x - 0.6 * r, y - 0.53 * h),
            (x, y - 0.5 * h),
            (x + 0.6 * r, y - 0.53 * h),
            (x + 1.35 * r, y - 0.5 * h),
            (x + 1.05 * r, head_y - 0.2 * r),
        ],
        fill=ink(scale(hair, 0.85)),
    )
    for side in (-1, 1):
        lx = x + side * 0.045 * h
        leg = (lx - 0.033 * h, y - 0.42 * h, lx + 0.033 * h, y - 0.02 * h)
        cv.draw.rounded_rectangle(leg, 0.03 * h, fill=ink(skin))
        sock = (lx - 0.035 * h, y - 0.15 * h, lx + 0.035 * h, y - 0.02 * h)
        cv.draw.rounded_rectangle(sock, 0.02 * h, fill=ink((248, 248, 248)))
        _disc(cv, ink, lx, y - 0.015 * h, 0.045 * h, 0.02 * h, (70, 44, 40))
    skirt = [
        (x - 0.1 * h, y - 0.52 * h),
        (x + 0.1 * h, y - 0.52 * h),
        (x + 0.17 * h, y - 0.33 * h),
        (x - 0.17 * h, y - 0.33 * h),
    ]
    cv.draw.polygon(skirt, fill=ink(collar))
    for k in (-0.06, 0.0, 0.06):
        fold = [(x + k * h, y - 0.5 * h), (x + k * 1.6 * h, y - 0.34 * h)]
        cv.draw.line(fold, fill=ink(scale(collar, 0.7)), width=max(1, round(0.004 * h)))
    for side in (-1, 1):
        sleeve = ((x + side * 0.1 * h, y - 0.71 * h), (x + side * 0.15 * h, y - 0.5 * h))
        _limb(cv, ink, sleeve[0], sleeve[1], 0.055 * h, uniform)
        _disc(cv, ink, x + side * 0.155 * h, y - 0.47 * h, 0.025 * h, 0.025 * h, skin)
    body = (x - 0.11 * h, y - 0.74 * h, x + 0.11 * h, y - 0.5 * h)
    cv.draw.rounded_rectangle(body, 0.04 * h, fill=ink(uniform))
    cv.draw.polygon(
        [(x - 0.12 * h, y - 0.745 * h), (x + 0.12 * h, y - 0.745 * h), (x, y - 0.62 * h)],
        fill=ink(collar),
    )
    cv.draw.polygon(
        [(x - 0.04 * h, y - 0.66 * h), (x + 0.04 * h, y - 0.66 * h), (x, y - 0.57 * h)],
        fill=ink(scarf),
    )
    cv.draw.rectangle((x - 0.02 * h, head_y + 0.8 * r, x + 0.02 * h, y - 0.73 * h), fill=ink(skin))
    _disc(cv, ink, x, head_y, r * 0.9, r, skin)
    # Crown of hair, then a fringe of pointed locks across the forehead.
    cv.draw.chord(
        (x - r * 1.08, head_y - r * 1.12, x + r * 1.08, head_y + r * 0.9), 180, 360, fill=ink(hair)
    )
    fringe = [(x - r * 1.05, head_y - 0.1 * r)]
    for k in range(6):
        fx = x - r + (k + 0.5) * (2 * r / 6)
        fringe += [(fx, head_y + (0.28 if k % 2 else 0.12) * r), (fx + r / 6, head_y - 0.25 * r)]
    fringe += [(x + r * 1.05, head_y - 0.1 * r), (x + r * 1.05, head_y - 0.6 * r)]
    fringe += [(x - r * 1.05, head_y - 0.6 * r)]
    cv.draw.polygon(fringe, fill=ink(hair))
    for side in (-1, 1):
        lock = [
            (x + side * 1.05 * r, head_y - 0.3 * r),
            (x + side * 0.8 * r, head_y - 0.2 * r),
            (x + side * 0.95 * r, head_y + 1.1 * r),
        ]
        cv.draw.polygon(lock, fill=ink(hair))
    for side in (-1, 1):
        ex, ey = x + side * 0.4 * r, head_y + 0.35 * r
        _disc(cv, ink, ex, ey, 0.19 * r, 0.26 * r, (255, 255, 255))
        _disc(cv, ink, ex, ey + 0.04 * r, 0.15 * r, 0.22 * r, (70, 110, 190))
        _disc(cv, ink, ex, ey + 0.07 * r, 0.08 * r, 0.12 * r, (20, 25, 50))
        _disc(cv, ink, ex - 0.05 * r, ey - 0.06 * r, 0.05 * r, 0.05 * r, (255, 255, 255))
        lash = (ex - 0.2 * r, ey - 0.3 * r, ex + 0.2 * r, ey - 0.05 * r)
        cv.draw.arc(lash, 200, 340, fill=ink((40, 30, 40)), width=max(1, round(0.05 * r)))
        _disc(cv, ink, ex + side * 0.12 * r, ey + 0.4 * r, 0.15 * r, 0.06 * r, (250, 168, 170))
    mouth = (x - 0.08 * r, head_y + 0.62 * r, x + 0.08 * r, head_y + 0.74 * r)
    cv.draw.arc(mouth, 0, 180, fill=ink((170, 70, 80)), width=max(1, round(0.04 * r)))


def _robot(
    cv: Canvas, x: float, y: float, h: float, v: tuple[float, ...], ink: Ink, is_lit: bool
) -> None:
    body = mix(cv.accent(v[0]), (240, 240, 235), 0.7)
    trim = cv.accent(v[1])
    joint = (120, 128, 140)

    def box(bx0: float, by0: float, bx1: float, by1: float, r: float, colour: RGB) -> None:
        """Draw one robot part: a shaded 3D box when lit, a flat rim silhouette otherwise."""
        if is_lit:
            cv.shaded_box((bx0, by0, bx1, by1), r, cv.lit(colour))
        else:
            cv.draw.rounded_rectangle(
                (bx0, by0, bx1, by1), min(r, (bx1 - bx0) / 2, (by1 - by0) / 2), fill=ink(colour)
            )

    for side in (-1, 1):
        lx = x + side * 0.1 * h
        box(lx - 0.055 * h, y - 0.3 * h, lx + 0.055 * h, y - 0.02 * h, 0.05 * h, joint)
        box(lx - 0.085 * h, y - 0.09 * h, lx + 0.085 * h, y, 0.04 * h, trim)
    for side in (-1, 1):
        sx = x + side * 0.23 * h
        box(sx - 0.05 * h, y - 0.66 * h, sx + 0.05 * h, y - 0.36 * h, 0.05 * h, body)
        _disc(cv, ink, sx, y - 0.33 * h, 0.05 * h, 0.05 * h, joint)
        box(sx - 0.06 * h, y - 0.7 * h, sx + 0.06 * h, y - 0.6 * h, 0.05 * h, trim)
    box(x - 0.19 * h, y - 0.68 * h, x + 0.19 * h, y - 0.27 * h, 0.09 * h, body)
    box(x - 0.1 * h, y - 0.56 * h, x + 0.1 * h, y - 0.42 * h, 0.03 * h, trim)
    # Antenna, head, visor and glowing eyes.
    cv.draw.line(
        [(x, y - 1.0 * h), (x, y - 0.93 * h)], fill=ink(joint), width=max(1, round(0.012 * h))
    )
    box(x - 0.2 * h, y - 0.95 * h, x + 0.2 * h, y - 0.7 * h, 0.1 * h, body)
    cv.draw.rounded_rectangle(
        (x - 0.15 * h, y - 0.9 * h, x + 0.15 * h, y - 0.76 * h), 0.06 * h, fill=ink((22, 30, 52))
    )
    if is_lit:
        eye = (120, 235, 255)
        for side in (-1, 1):
            ex, ey = x + side * 0.065 * h, y - 0.83 * h
            cv.draw.ellipse(
                (ex - 0.03 * h, ey - 0.035 * h, ex + 0.03 * h, ey + 0.035 * h), fill=eye
            )
            cv.glow_ellipse(
                (ex - 0.05 * h, ey - 0.05 * h, ex + 0.05 * h, ey + 0.05 * h), (60, 200, 255)
            )
        bulb = (x, y - 1.02 * h)
        _disc(cv, lambda c: c, bulb[0], bulb[1], 0.03 * h, 0.03 * h, (255, 170, 90))
        cv.radial_glow(bulb, 0.12 * h, (255, 150, 80), 0.8)
    else:
        _disc(cv, ink, x, y - 1.02 * h, 0.03 * h, 0.03 * h, trim)


def _family(
    cv: Canvas, x: float, y: float, h: float, v: tuple[float, ...], ink: Ink, is_lit: bool
) -> None:
    tops = ((40, 150, 160), (200, 60, 120), (120, 70, 170), (235, 190, 60), (60, 110, 200))
    members = (
        (-0.36, 1.0, "short"),
        (-0.12, 0.94, "long"),
        (0.1, 0.62, "short"),
        (0.3, 0.5, "long"),
    )
    for index, (dx, rel, hair) in enumerate(members):
        u = v[index % len(v)]
        outfit = Outfit(
            skin=pick(SKIN_TONES, v[0]),
            hair=pick(HAIR_TONES, (u + 0.3 * index) % 1.0),
            top=mix(pick(tops, (u + 0.23 * index) % 1.0), cv.accent((u + 0.5) % 1.0), 0.35),
            bottom=pick(((50, 70, 120), (70, 60, 55), (90, 100, 130)), u),
        )
        _person(cv, x + dx * h, y, h * rel, outfit, ink, hair_style=hair)


_FIGURES: dict[str, Callable[[Canvas, float, float, float, tuple[float, ...], Ink, bool], None]] = {
    "detective": _detective,
    "wizard": _wizard,
    "photographer": _photographer,
    "character": _character,
    "robot": _robot,
    "family": _family,
}

# How wide each figure is, in figure heights, so the painter can space several of them.
FIGURE_WIDTH: dict[str, float] = {
    "detective": 0.4,
    "wizard": 0.6,
    "photographer": 0.5,
    "character": 0.35,
    "robot": 0.6,
    "family": 0.9,
}
