"""The style catalogue: seven styles kept as data (`data/styles.json`), validated at load.

A style is a name, a category, a palette, keywords, a demo scene and a `Look` (the colour
grade and effects `genscene.pipeline.looks.apply_look` renders). Each style has a content
hash over its whole definition, so a cache can tell when a definition changed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import Path
from typing import Any

from genscene.errors import NotFoundError, ValidationError

CATALOGUE_PATH = Path(__file__).parent / "data" / "styles.json"

_HEX_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_STYLE_KEYS = ("id", "name", "category", "description", "palette", "keywords", "demo_scene")

# Per look field: the accepted range. Booleans and hex colours are checked by type.
LOOK_RANGES: dict[str, tuple[float, float]] = {
    "exposure": (-2.0, 2.0),
    "contrast": (0.3, 3.0),
    "saturation": (0.0, 2.5),
    "temperature": (-1.0, 1.0),
    "tint": (-1.0, 1.0),
    "split_strength": (0.0, 1.0),
    "black_point": (0.0, 0.4),
    "white_point": (0.6, 1.0),
    "grain": (0.0, 1.0),
    "grain_size_px": (1.0, 4.0),
    "vignette": (0.0, 1.0),
    "letterbox_aspect": (0.0, 3.5),
    "bloom": (0.0, 1.0),
    "bloom_threshold": (0.0, 1.0),
    "sharpen": (0.0, 3.0),
    "smoothing": (0.0, 1.0),
    "soft_shading": (0.0, 1.0),
    "posterize_levels": (0, 64),
    "cel_edges": (0.0, 1.0),
    "luma_soften": (0.0, 1.0),
    "chroma_shift_px": (0.0, 24.0),
    "chroma_bleed": (0.0, 1.0),
    "scanlines": (0.0, 1.0),
    "scanline_period_px": (2, 12),
    "tracking_noise": (0.0, 1.0),
    "rain_streaks": (0.0, 1.0),
    "paper_texture": (0.0, 1.0),
}


@dataclass(frozen=True)
class Look:
    """A style's look: colour grade parameters then effect strengths (0 = off).

    Defaults are neutral, so a look lists only what it changes.
    """

    # Colour grade, applied as one 3D LUT.
    exposure: float = 0.0  # stops
    contrast: float = 1.0  # S-curve strength around mid grey; < 1 flattens
    saturation: float = 1.0
    temperature: float = 0.0  # -1 cool .. 1 warm
    tint: float = 0.0  # -1 green .. 1 magenta
    shadow_tint: str = "#808080"  # split toning colours; grey = no shift
    highlight_tint: str = "#808080"
    split_strength: float = 0.0
    black_point: float = 0.0  # lifted blacks (faded film, tape)
    white_point: float = 1.0  # rolled-off whites
    monochrome: bool = False
    # Effects.
    grain: float = 0.0
    grain_size_px: float = 1.0
    vignette: float = 0.0
    letterbox_aspect: float = 0.0  # e.g. 2.39; 0 = none
    bloom: float = 0.0
    bloom_threshold: float = 0.7
    sharpen: float = 0.0
    smoothing: float = 0.0
    soft_shading: float = 0.0
    posterize_levels: int = 0  # 0 = off
    cel_edges: float = 0.0
    luma_soften: float = 0.0
    chroma_shift_px: float = 0.0
    chroma_bleed: float = 0.0
    scanlines: float = 0.0
    scanline_period_px: int = 3
    tracking_noise: float = 0.0
    timestamp: bool = False
    rain_streaks: float = 0.0
    paper_texture: float = 0.0

    @classmethod
    def from_dict(cls, data: object, path: str = "look") -> Look:
        """Return a Look from a JSON object, raising ValidationError naming `path.field`."""
        if not isinstance(data, Mapping):
            raise ValidationError(f"{path} must be an object", field=path)
        known = {f.name: f for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in data.items():
            where = f"{path}.{key}"
            if key not in known:
                raise ValidationError(f"{where} is not a look parameter", field=where)
            values[key] = _check_look_value(key, known[key].type, value, where)
        look = cls(**values)
        if look.posterize_levels == 1:
            raise ValidationError(
                f"{path}.posterize_levels must be 0 (off) or at least 2",
                field=f"{path}.posterize_levels",
            )
        if 0.0 < look.letterbox_aspect < 1.0:
            raise ValidationError(
                f"{path}.letterbox_aspect must be 0 (off) or at least 1.0",
                field=f"{path}.letterbox_aspect",
            )
        return look

    def to_dict(self, *, only_changed: bool = False) -> dict[str, Any]:
        """Return the look as a JSON object; `only_changed` drops values equal to the default."""
        full = dataclasses.asdict(self)
        if not only_changed:
            return full
        neutral = dataclasses.asdict(Look())
        return {key: value for key, value in full.items() if value != neutral[key]}

    def with_changes(self, **changes: Any) -> Look:
        """Return a validated copy with `changes` applied (for tuning a look in a notebook)."""
        return Look.from_dict({**self.to_dict(), **changes})


def _check_look_value(key: str, type_name: object, value: object, where: str) -> object:
    """Return `value` coerced to the field's type, or raise ValidationError naming `where`."""
    kind = str(type_name)
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValidationError(f"{where} must be true or false", field=where)
        return value
    if kind == "str":
        if not isinstance(value, str) or not _HEX_RE.match(value):
            raise ValidationError(f"{where} must be a hex colour like #1a2b3c", field=where)
        return value.lower()
    # bool is an int subclass: `true` must not pass as 1.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(f"{where} must be a number", field=where)
    low, high = LOOK_RANGES[key]
    if kind == "int" and not (isinstance(value, int) or float(value).is_integer()):
        raise ValidationError(f"{where} must be a whole number", field=where)
    if not low <= value <= high:
        raise ValidationError(f"{where} must be between {low} and {high}", field=where)
    return int(value) if kind == "int" else float(value)


@dataclass(frozen=True)
class Style:
    """One catalogue style. `content_hash` changes whenever any part of it changes."""

    id: str
    name: str
    category: str
    description: str
    palette: tuple[str, ...]
    keywords: tuple[str, ...]
    demo_scene: str
    look: Look = field(default_factory=Look)

    def definition(self) -> dict[str, Any]:
        """Return the style as a plain JSON object (the thing its hash covers)."""
        return {
            "id": self.id,
            "name": self.name,
            "category": self.category,
            "description": self.description,
            "palette": list(self.palette),
            "keywords": list(self.keywords),
            "demo_scene": self.demo_scene,
            "look": self.look.to_dict(),
        }

    @cached_property
    def content_hash(self) -> str:
        """Return the sha256 hex digest of the canonical JSON of this style's definition."""
        canonical = json.dumps(
            self.definition(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def palette_rgb(self) -> tuple[tuple[int, int, int], ...]:
        """Return the palette as (r, g, b) tuples of 0..255."""
        return tuple(hex_to_rgb(colour) for colour in self.palette)

    def with_look(self, look: Look) -> Style:
        """Return a copy of this style with another look (its hash changes accordingly)."""
        return dataclasses.replace(self, look=look)

    def to_json(self, preview_url: str | None) -> dict[str, Any]:
        """Return the API's style object: id, name, category, ..., preview_url."""
        public = {key: value for key, value in self.definition().items() if key != "look"}
        return {**public, "preview_url": preview_url}


def hex_to_rgb(colour: str) -> tuple[int, int, int]:
    """Return (r, g, b) for a `#rrggbb` string."""
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


@dataclass(frozen=True)
class Catalogue:
    """The loaded catalogue: styles and categories in file order."""

    styles: tuple[Style, ...]
    category_names: tuple[tuple[str, str], ...]  # (id, display name)
    path: Path | None = None

    def get(self, style_id: str) -> Style:
        """Return the style with `style_id`, or raise NotFoundError(field="style_id")."""
        for style in self.styles:
            if style.id == style_id:
                return style
        raise NotFoundError(f"unknown style {style_id!r}", field="style_id")

    def all(self) -> list[Style]:
        """Return every style in catalogue order."""
        return list(self.styles)

    def categories(self) -> list[tuple[str, str, list[str]]]:
        """Return (category id, display name, [style ids]) for each category, in file order."""
        return [
            (cat_id, name, [s.id for s in self.styles if s.category == cat_id])
            for cat_id, name in self.category_names
        ]

    def in_category(self, category: str) -> list[Style]:
        """Return the styles of `category`, or raise NotFoundError(field="category")."""
        if category not in {cat_id for cat_id, _ in self.category_names}:
            raise NotFoundError(f"unknown style category {category!r}", field="category")
        return [s for s in self.styles if s.category == category]

    def with_look(self, style_id: str, look: Look) -> Catalogue:
        """Return a copy where `style_id` has `look` (in memory; see `save_look` to persist)."""
        self.get(style_id)
        styles = tuple(s.with_look(look) if s.id == style_id else s for s in self.styles)
        return dataclasses.replace(self, styles=styles)


def parse_catalogue(data: object, path: Path | None = None) -> Catalogue:
    """Return a Catalogue from decoded JSON, raising ValidationError naming the field path."""
    if not isinstance(data, Mapping):
        raise ValidationError("the catalogue must be a JSON object", field=None)
    extra = set(data) - {"version", "categories", "styles"}
    if extra:
        name = sorted(extra)[0]
        raise ValidationError(f"{name} is not a catalogue field", field=name)
    categories = _parse_categories(data.get("categories"))
    category_ids = {cat_id for cat_id, _ in categories}
    raw_styles = data.get("styles")
    if not isinstance(raw_styles, list) or not raw_styles:
        raise ValidationError("styles must be a non-empty list", field="styles")
    styles: list[Style] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_styles):
        style = _parse_style(raw, f"styles[{index}]", category_ids)
        if style.id in seen:
            raise ValidationError(f"duplicate style id {style.id!r}", field=f"styles[{index}].id")
        seen.add(style.id)
        styles.append(style)
    return Catalogue(styles=tuple(styles), category_names=categories, path=path)


def _parse_categories(raw: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, list) or not raw:
        raise ValidationError("categories must be a non-empty list", field="categories")
    result: list[tuple[str, str]] = []
    for index, item in enumerate(raw):
        where = f"categories[{index}]"
        if not isinstance(item, Mapping) or set(item) != {"id", "name"}:
            raise ValidationError(f"{where} must be an object with id and name", field=where)
        cat_id = _text(item["id"], f"{where}.id")
        if not _ID_RE.match(cat_id) or cat_id in {c for c, _ in result}:
            raise ValidationError(f"{where}.id must be a unique slug", field=f"{where}.id")
        result.append((cat_id, _text(item["name"], f"{where}.name")))
    return tuple(result)


def _parse_style(raw: object, where: str, category_ids: set[str]) -> Style:
    if not isinstance(raw, Mapping):
        raise ValidationError(f"{where} must be an object", field=where)
    for key in (*_STYLE_KEYS, "look"):
        if key not in raw:
            raise ValidationError(f"{where}.{key} is required", field=f"{where}.{key}")
    for key in raw:
        if key not in (*_STYLE_KEYS, "look"):
            raise ValidationError(f"{where}.{key} is not a style field", field=f"{where}.{key}")
    style_id = _text(raw["id"], f"{where}.id")
    if not _ID_RE.match(style_id):
        raise ValidationError(
            f"{where}.id must be lowercase words joined by hyphens", field=f"{where}.id"
        )
    category = _text(raw["category"], f"{where}.category")
    if category not in category_ids:
        raise ValidationError(
            f"{where}.category must be one of {sorted(category_ids)}", field=f"{where}.category"
        )
    palette = _text_list(raw["palette"], f"{where}.palette", minimum=2)
    for index, colour in enumerate(palette):
        if not _HEX_RE.match(colour):
            path = f"{where}.palette[{index}]"
            raise ValidationError(f"{path} must be a hex colour like #1a2b3c", field=path)
    return Style(
        id=style_id,
        name=_text(raw["name"], f"{where}.name"),
        category=category,
        description=_text(raw["description"], f"{where}.description"),
        palette=tuple(colour.lower() for colour in palette),
        keywords=tuple(_text_list(raw["keywords"], f"{where}.keywords", minimum=1)),
        demo_scene=_text(raw["demo_scene"], f"{where}.demo_scene"),
        look=Look.from_dict(raw["look"], f"{where}.look"),
    )


def _text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{where} must be a non-empty string", field=where)
    return value


def _text_list(value: object, where: str, *, minimum: int) -> list[str]:
    if not isinstance(value, list) or len(value) < minimum:
        raise ValidationError(f"{where} must be a list of at least {minimum}", field=where)
    return [_text(item, f"{where}[{index}]") for index, item in enumerate(value)]


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotFoundError(f"style catalogue {path} does not exist", field=None) from None
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"style catalogue {path} is not valid JSON: {exc.msg} at line {exc.lineno}",
            field=None,
        ) from None


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Return the validated catalogue from `path` (default: the packaged styles.json)."""
    source = CATALOGUE_PATH if path is None else Path(path)
    return parse_catalogue(_read_json(source), source)


def save_look(style_id: str, look: Look, path: Path | None = None) -> Catalogue:
    """Return the catalogue after writing `look` for `style_id` into the JSON file atomically.

    The file is rewritten through a temp file and `os.replace`, so a concurrent reader sees
    either the old or the new catalogue, never half of one.
    """
    source = CATALOGUE_PATH if path is None else Path(path)
    data = _read_json(source)
    parse_catalogue(data, source)  # refuse to rewrite a file that is already invalid
    for raw in data["styles"]:
        if raw["id"] == style_id:
            raw["look"] = look.to_dict(only_changed=True)
            break
    else:
        raise NotFoundError(f"unknown style {style_id!r}", field="style_id")
    catalogue = parse_catalogue(data, source)
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    write_text_atomic(source, text)
    return catalogue


def write_text_atomic(path: Path, text: str) -> None:
    """Write `text` (UTF-8) to `path` atomically; see `write_bytes_atomic`."""
    write_bytes_atomic(path, text.encode("utf-8"))


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` via a synced temp file in the same folder and `os.replace`.

    A reader opening `path` gets the old content or the new, never a partial file; a failed
    write leaves no temp file behind. (The catalogue and the preview cache both use it.)
    """
    # mkstemp creates 0600 files; keep the mode the file had (or the usual 0644).
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


__all__ = [
    "CATALOGUE_PATH",
    "Catalogue",
    "Look",
    "Style",
    "hex_to_rgb",
    "load_catalogue",
    "parse_catalogue",
    "save_look",
    "write_bytes_atomic",
    "write_text_atomic",
]


class CatalogueFile:
    """The catalogue in a file, reloaded when the file changes (a notebook approved a look)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = CATALOGUE_PATH if path is None else Path(path)
        self._stamp: tuple[int, int] | None = None
        self._catalogue: Catalogue | None = None

    def get(self) -> Catalogue:
        """Return the catalogue as the file says now (one stat call when unchanged)."""
        info = self.path.stat()
        stamp = (info.st_mtime_ns, info.st_size)
        if self._catalogue is None or stamp != self._stamp:
            self._catalogue = load_catalogue(self.path)
            self._stamp = stamp
        return self._catalogue
