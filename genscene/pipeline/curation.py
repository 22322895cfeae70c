"""Curating a style's look: the functions the curation notebook's widgets call.

Each step works without widgets (and so runs headless in CI): list a look's tunable
parameters with their ranges (`tunable_fields`), render the style's demo scene with a tuned
look (`preview_look`), put two renders side by side (`side_by_side`), and approve a look
(`approve_look`): the look is written into the catalogue file the server reads and the
preview into the preview cache it serves, so the style's content hash changes and the
server's preview of it is fresh at once.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from PIL import Image, ImageDraw, ImageFont

from genscene.pipeline.frames import SceneSpec, render_frame
from genscene.pipeline.previews import PREVIEW_SEED, PreviewCache, PreviewInfo
from genscene.pipeline.styles import (
    CATALOGUE_PATH,
    LOOK_RANGES,
    Look,
    Style,
    load_catalogue,
    save_look,
)
from genscene.settings import Settings

FieldKind = Literal["float", "int", "bool", "colour"]
LookValue = float | int | bool | str

DEFAULT_PREVIEW_SIZE = (480, 270)
_LABEL_HEIGHT_PX = 22
_FONT_PATH = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


@dataclass(frozen=True)
class FieldSpec:
    """One tunable look parameter: its kind, current and neutral values, and its range.

    `minimum`, `maximum` and `step` are set for numbers (a slider's bounds) and None for
    booleans and colours.
    """

    name: str
    kind: FieldKind
    value: LookValue
    default: LookValue
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None

    @property
    def label(self) -> str:
        """Return the parameter's name for a human ("grain size px")."""
        return self.name.replace("_", " ")

    @property
    def is_changed(self) -> bool:
        """Return whether the look sets this parameter away from its neutral value."""
        return self.value != self.default


def tunable_fields(look: Look) -> list[FieldSpec]:
    """Return every parameter of `look`, in declaration order, with its kind and range."""
    neutral = Look()
    specs: list[FieldSpec] = []
    for field in dataclasses.fields(Look):
        value = getattr(look, field.name)
        default = getattr(neutral, field.name)
        kind = str(field.type)
        if kind == "bool":
            specs.append(FieldSpec(field.name, "bool", value, default))
        elif kind == "str":
            specs.append(FieldSpec(field.name, "colour", value, default))
        else:
            low, high = LOOK_RANGES[field.name]
            number_kind: FieldKind = "int" if kind == "int" else "float"
            specs.append(
                FieldSpec(
                    field.name,
                    number_kind,
                    value,
                    default,
                    minimum=low,
                    maximum=high,
                    step=1 if number_kind == "int" else _slider_step(low, high),
                )
            )
    return specs


def _slider_step(low: float, high: float) -> float:
    """Return a round step giving about a hundred positions between `low` and `high`."""
    return float(10 ** math.floor(math.log10((high - low) / 100)))


def preview_look(
    style: Style,
    look: Look,
    size: tuple[int, int] = DEFAULT_PREVIEW_SIZE,
    *,
    seed: int = PREVIEW_SEED,
) -> Image.Image:
    """Return `style`'s demo scene rendered at `size` with `look` in place of the style's own.

    With the preview cache's size and seed this is exactly the image the server's preview
    job would render for the style with that look.
    """
    return render_frame(SceneSpec(style.demo_scene), style.with_look(look), size, seed)


def side_by_side(
    before: Image.Image,
    after: Image.Image,
    *,
    labels: tuple[str, str] = ("before", "after"),
    gap_px: int = 8,
) -> Image.Image:
    """Return one RGB image with `before` left of `after`, each captioned with its label.

    `after` is scaled to `before`'s height when the two differ.
    """
    if after.height != before.height:
        width = max(1, round(after.width * before.height / after.height))
        after = after.resize((width, before.height), Image.Resampling.LANCZOS)
    width = before.width + gap_px + after.width
    height = before.height + _LABEL_HEIGHT_PX
    sheet = Image.new("RGB", (width, height), (24, 24, 24))
    sheet.paste(before.convert("RGB"), (0, _LABEL_HEIGHT_PX))
    sheet.paste(after.convert("RGB"), (before.width + gap_px, _LABEL_HEIGHT_PX))
    draw = ImageDraw.Draw(sheet)
    font = _label_font()
    for text, left in ((labels[0], 0), (labels[1], before.width + gap_px)):
        draw.text((left + 4, 3), text, fill=(235, 235, 235), font=font)
    return sheet


def _label_font() -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype(_FONT_PATH, 14)
    except OSError:  # no DejaVu: Pillow's built-in bitmap font still labels the panels
        return ImageFont.load_default()


def look_changes(before: Look, after: Look) -> dict[str, tuple[LookValue, LookValue]]:
    """Return {parameter: (before, after)} for every parameter the two looks set differently."""
    old, new = before.to_dict(), after.to_dict()
    return {name: (old[name], new[name]) for name in old if old[name] != new[name]}


def curation_targets(settings: Settings) -> tuple[Path, PreviewCache]:
    """Return the catalogue file and the preview cache that a server with `settings` uses.

    The catalogue is `settings.styles_file`, or the packaged one when that is empty; the
    cache is `<data_dir>/previews` with the settings' TTL.
    """
    catalogue_path = Path(settings.styles_file) if settings.styles_file else CATALOGUE_PATH
    cache = PreviewCache(settings.data_dir / "previews", settings.preview_ttl_s)
    return catalogue_path, cache


def approve_look(
    style_id: str,
    look: Look,
    *,
    catalogue_path: Path,
    preview_cache: PreviewCache,
) -> tuple[Style, PreviewInfo]:
    """Return the style as approved and its fresh preview, after storing both.

    The preview is rendered first (at the cache's size, with the preview seed), so a failure
    there changes nothing; then the look is written into the catalogue file atomically
    (`save_look`, which validates it), then the image into the cache, keyed by the new
    definition's hash. A server reading that file and cache shows the new look at once.
    """
    look = Look.from_dict(look.to_dict())  # an out-of-range value fails before any rendering
    current = load_catalogue(catalogue_path).get(style_id)
    image = preview_look(current, look, preview_cache.size)
    approved = save_look(style_id, look, catalogue_path).get(style_id)
    return approved, preview_cache.approve(approved, image)


__all__ = [
    "DEFAULT_PREVIEW_SIZE",
    "FieldSpec",
    "approve_look",
    "curation_targets",
    "look_changes",
    "preview_look",
    "side_by_side",
    "tunable_fields",
]
