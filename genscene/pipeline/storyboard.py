"""Storyboards: the input of a compose job, parsed and strictly validated into frozen values.

Every error is a ValidationError whose `field` is the path of the value at fault
(`scenes[3].camera`, `format.aspect`, `music.volume`), so a client can point at it. Unknown
keys are rejected at every level: a typo must not silently fall back to a default.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from genscene.errors import GenSceneError, NotFoundError, ValidationError
from genscene.pipeline.media import MediaRef
from genscene.pipeline.styles import Catalogue, load_catalogue
from genscene.pipeline.tts import PITCH_RANGE, RATE_RANGE, TtsEngine, TtsRequest

ASPECTS: dict[str, tuple[int, int]] = {
    "16:9": (16, 9),
    "9:16": (9, 16),
    "1:1": (1, 1),
    "4:5": (4, 5),
}
CAMERAS = ("static", "zoom-in", "zoom-out", "pan-left", "pan-right")
TRANSITIONS = ("fade", "dissolve", "wipe-left", "slide-up", "none")
SUBTITLE_MODES = ("burn", "soft", "none")
TTS_ENGINES = ("espeak-ng",)

MediaLookup = Callable[[str], MediaRef | None]
"""Return the upload with this id, or None when there is none."""

_VOICE_RE = re.compile(r"^[a-z0-9-]{2,32}(\+[a-z0-9_-]{1,32})?$", re.IGNORECASE)
_TOP_KEYS = ("title", "style", "format", "voice", "subtitles", "music", "scenes")
_FORMAT_KEYS = ("aspect", "height", "fps")
_VOICE_KEYS = ("engine", "voice", "rate", "pitch")
_MUSIC_KEYS = ("media_id", "volume", "duck")
_SCENE_KEYS = (
    "prompt",
    "narration",
    "duration",
    "camera",
    "transition",
    "media_id",
    "style",
    "clip_volume",
)


@dataclass(frozen=True)
class StoryboardLimits:
    """Bounds a storyboard must stay within (the SPEC's defaults; configurable)."""

    max_scenes: int = 200
    max_total_s: float = 600.0
    max_narration_chars: int = 2000
    max_prompt_chars: int = 1000
    max_title_chars: int = 200
    min_scene_s: float = 1.5
    max_scene_s: float = 120.0
    min_height: int = 144
    max_height: int = 2160
    min_fps: int = 12
    max_fps: int = 60

    @classmethod
    def from_settings(cls, settings: Any) -> StoryboardLimits:
        """Return the limits configured in `settings` (its `storyboard_max_*` fields)."""
        defaults = cls()
        return cls(
            max_scenes=getattr(settings, "storyboard_max_scenes", defaults.max_scenes),
            max_total_s=getattr(settings, "storyboard_max_total_s", defaults.max_total_s),
            max_narration_chars=getattr(
                settings, "storyboard_max_narration_chars", defaults.max_narration_chars
            ),
        )


@dataclass(frozen=True)
class OutputFormat:
    """Frame geometry and rate of the output video."""

    aspect: str = "16:9"
    height: int = 720
    fps: int = 30

    @property
    def width(self) -> int:
        """Return the width in pixels for `aspect` at `height` (even, for yuv420p)."""
        return size_for_aspect(self.aspect, self.height)[0]

    @property
    def size(self) -> tuple[int, int]:
        """Return (width, height) in pixels."""
        return size_for_aspect(self.aspect, self.height)


@dataclass(frozen=True)
class VoiceSpec:
    """The narrator: TTS engine, voice id, rate (words per minute) and pitch."""

    engine: str = "espeak-ng"
    voice: str = "en-us"
    rate: int = 165
    pitch: int = 50


@dataclass(frozen=True)
class MusicSpec:
    """Background music: an uploaded audio file, its level and whether narration ducks it."""

    media: MediaRef
    volume: float = 0.25
    duck: bool = True


@dataclass(frozen=True)
class Scene:
    """One scene. `duration_s` None means auto (narration length plus padding)."""

    index: int
    prompt: str
    narration: str
    duration_s: float | None
    camera: str
    transition: str
    style: str
    media: MediaRef | None = None
    clip_volume: float = 1.0  # the uploaded video's own sound; 0 mutes it

    @property
    def field(self) -> str:
        """Return this scene's field path prefix, e.g. `scenes[3]`."""
        return f"scenes[{self.index}]"


@dataclass(frozen=True)
class Storyboard:
    """A validated storyboard; style ids and media ids have been checked."""

    title: str
    style: str
    format: OutputFormat
    voice: VoiceSpec
    subtitles: str
    music: MusicSpec | None
    scenes: tuple[Scene, ...]


def size_for_aspect(aspect: str, height: int) -> tuple[int, int]:
    """Return (width, height) for `aspect` at `height`, both rounded to even pixels."""
    if aspect not in ASPECTS:
        raise ValidationError(f"aspect must be one of {list(ASPECTS)}", field="format.aspect")
    num, den = ASPECTS[aspect]
    even_height = _round_even(height)
    return _round_even(even_height * num / den), even_height


def _round_even(value: float) -> int:
    # Half-up, not Python's banker's rounding, so 16:9 at 240 is 426, not 428 or 424 by luck.
    return max(2, 2 * math.floor(value / 2 + 0.5))


def parse_storyboard(
    data: object,
    *,
    catalogue: Catalogue | None = None,
    media_lookup: MediaLookup | None = None,
    limits: StoryboardLimits | None = None,
    tts_engine: TtsEngine | None = None,
) -> Storyboard:
    """Return the Storyboard described by `data` (decoded JSON or YAML).

    Raises ValidationError naming the field path for the first problem found. `catalogue`
    defaults to the packaged styles. Media ids need `media_lookup`. With `tts_engine`, the
    voice is also checked against the installed voices (this may run a subprocess once: call
    from a worker thread, not the event loop).
    """
    limits = limits or StoryboardLimits()
    catalogue = catalogue or load_catalogue()
    root = _mapping(data, "", _TOP_KEYS)
    title = _text(root.get("title", "Untitled"), "title", limits.max_title_chars, blank_ok=False)
    style = _style_id(root.get("style", _MISSING), "style", catalogue)
    fmt = _format(root.get("format", {}), limits)
    voice = _voice(root.get("voice", {}), tts_engine)
    subtitles = _choice(root.get("subtitles", "burn"), "subtitles", SUBTITLE_MODES)
    music = None if root.get("music") is None else _music(root["music"], media_lookup)
    raw_scenes = root.get("scenes", _MISSING)
    if raw_scenes is _MISSING:
        raise ValidationError("scenes is required", field="scenes")
    if not isinstance(raw_scenes, list) or not raw_scenes:
        raise ValidationError("scenes must be a non-empty list", field="scenes")
    if len(raw_scenes) > limits.max_scenes:
        raise ValidationError(
            f"a storyboard has at most {limits.max_scenes} scenes, got {len(raw_scenes)}",
            field="scenes",
        )
    scenes = tuple(
        _scene(raw, index, style, catalogue, media_lookup, limits)
        for index, raw in enumerate(raw_scenes)
    )
    fixed_total_s = sum(scene.duration_s or 0.0 for scene in scenes)
    if fixed_total_s > limits.max_total_s:
        raise ValidationError(
            f"scenes add up to {fixed_total_s:.1f} s; the limit is {limits.max_total_s:.0f} s",
            field="scenes",
        )
    return Storyboard(
        title=title,
        style=style,
        format=fmt,
        voice=voice,
        subtitles=subtitles,
        music=music,
        scenes=scenes,
    )


def load_storyboard_file(path: Path) -> object:
    """Return the decoded content of a storyboard file: YAML for .yaml/.yml, else JSON."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFoundError(f"storyboard file {path} does not exist", field="storyboard") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"cannot read {path}: {exc}", field="storyboard") from None
    if Path(path).suffix.lower() in (".yaml", ".yml"):
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark is not None else ""
            raise ValidationError(f"{path} is not valid YAML{where}", field="storyboard") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}", field="storyboard"
        ) from None


class _Missing:
    pass


_MISSING: Any = _Missing()


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _mapping(value: object, where: str, keys: tuple[str, ...]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValidationError(f"{where or 'the storyboard'} must be an object", field=where or None)
    for key in value:
        if not isinstance(key, str) or key not in keys:
            path = _join(where, str(key))
            raise ValidationError(
                f"{path} is not a known field (expected one of {', '.join(keys)})", field=path
            )
    return value


def _text(value: object, where: str, max_chars: int, *, blank_ok: bool) -> str:
    if not isinstance(value, str):
        raise ValidationError(f"{where} must be a string", field=where)
    if "\x00" in value:
        raise ValidationError(f"{where} contains a NUL character", field=where)
    if not blank_ok and not value.strip():
        raise ValidationError(f"{where} must not be empty", field=where)
    if len(value) > max_chars:
        raise ValidationError(f"{where} is longer than {max_chars} characters", field=where)
    return value.strip()


def _choice(value: object, where: str, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ValidationError(f"{where} must be one of {', '.join(choices)}", field=where)
    return value


def _integer(value: object, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{where} must be an integer", field=where)
    if not low <= value <= high:
        raise ValidationError(f"{where} must be between {low} and {high}", field=where)
    return value


def _number(value: object, where: str, low: float, high: float) -> float:
    # bool is an int subclass: `true` must not pass as 1.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(f"{where} must be a number", field=where)
    number = float(value)
    if not math.isfinite(number) or not low <= number <= high:
        raise ValidationError(f"{where} must be between {low:g} and {high:g}", field=where)
    return number


def _boolean(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(f"{where} must be true or false", field=where)
    return value


def _style_id(value: object, where: str, catalogue: Catalogue) -> str:
    if value is _MISSING:
        raise ValidationError(f"{where} is required", field=where)
    if not isinstance(value, str):
        raise ValidationError(f"{where} must be a style id", field=where)
    try:
        return catalogue.get(value).id
    except NotFoundError:
        known = ", ".join(style.id for style in catalogue.all())
        raise ValidationError(
            f"{where}: unknown style {value!r} (known: {known})", field=where
        ) from None


def _format(value: object, limits: StoryboardLimits) -> OutputFormat:
    raw = _mapping(value, "format", _FORMAT_KEYS)
    aspect = _choice(raw.get("aspect", "16:9"), "format.aspect", tuple(ASPECTS))
    height = _integer(raw.get("height", 720), "format.height", limits.min_height, limits.max_height)
    if height % 2:
        raise ValidationError("format.height must be even (H.264 4:2:0)", field="format.height")
    fps = _integer(raw.get("fps", 30), "format.fps", limits.min_fps, limits.max_fps)
    return OutputFormat(aspect=aspect, height=height, fps=fps)


def _voice(value: object, tts_engine: TtsEngine | None) -> VoiceSpec:
    raw = _mapping(value, "voice", _VOICE_KEYS)
    engine = _choice(raw.get("engine", "espeak-ng"), "voice.engine", TTS_ENGINES)
    voice = raw.get("voice", "en-us")
    if not isinstance(voice, str) or not _VOICE_RE.match(voice):
        raise ValidationError("voice.voice must be a voice id such as 'en-us'", field="voice.voice")
    spec = VoiceSpec(
        engine=engine,
        voice=voice,
        rate=_integer(raw.get("rate", 165), "voice.rate", *RATE_RANGE),
        pitch=_integer(raw.get("pitch", 50), "voice.pitch", *PITCH_RANGE),
    )
    if tts_engine is not None:
        request = TtsRequest(text="check", voice=spec.voice, rate=spec.rate, pitch=spec.pitch)
        try:
            tts_engine.validate(request)
        except ValidationError as exc:
            raise ValidationError(exc.message, field=f"voice.{exc.field or 'voice'}") from None
    return spec


def _media(
    value: object, where: str, media_lookup: MediaLookup | None, kinds: tuple[str, ...]
) -> MediaRef:
    if not isinstance(value, str) or not value:
        raise ValidationError(f"{where} must be a media id", field=where)
    if media_lookup is None:
        raise ValidationError(f"{where}: uploaded media is not available here", field=where)
    try:
        ref = media_lookup(value)
    except GenSceneError as exc:
        # A store that raises NotFoundError instead of returning None means the same thing.
        raise ValidationError(f"{where}: {exc.message}", field=where) from None
    if ref is None:
        raise ValidationError(f"{where}: no uploaded media with id {value!r}", field=where)
    if ref.kind not in kinds:
        raise ValidationError(
            f"{where}: media {value!r} is {ref.kind}; expected {' or '.join(kinds)}", field=where
        )
    return ref


def _music(value: object, media_lookup: MediaLookup | None) -> MusicSpec:
    raw = _mapping(value, "music", _MUSIC_KEYS)
    if "media_id" not in raw:
        raise ValidationError("music.media_id is required", field="music.media_id")
    return MusicSpec(
        media=_media(raw["media_id"], "music.media_id", media_lookup, ("audio",)),
        volume=_number(raw.get("volume", 0.25), "music.volume", 0.0, 1.0),
        duck=_boolean(raw.get("duck", True), "music.duck"),
    )


def _scene(
    value: object,
    index: int,
    default_style: str,
    catalogue: Catalogue,
    media_lookup: MediaLookup | None,
    limits: StoryboardLimits,
) -> Scene:
    where = f"scenes[{index}]"
    raw = _mapping(value, where, _SCENE_KEYS)
    media = None
    if raw.get("media_id") is not None:
        media = _media(raw["media_id"], f"{where}.media_id", media_lookup, ("image", "video"))
    prompt = _text(raw.get("prompt", ""), f"{where}.prompt", limits.max_prompt_chars, blank_ok=True)
    if not prompt and media is None:
        raise ValidationError(
            f"{where}.prompt is required unless the scene uses uploaded media",
            field=f"{where}.prompt",
        )
    narration = _text(
        raw.get("narration", ""), f"{where}.narration", limits.max_narration_chars, blank_ok=True
    )
    duration = raw.get("duration", "auto")
    duration_s = (
        None
        if duration == "auto"
        else _duration(duration, f"{where}.duration", limits.min_scene_s, limits.max_scene_s)
    )
    style = default_style
    if raw.get("style") is not None:
        style = _style_id(raw["style"], f"{where}.style", catalogue)
    clip_volume = 1.0
    if raw.get("clip_volume") is not None:
        clip_volume = _number(raw["clip_volume"], f"{where}.clip_volume", 0.0, 1.0)
        if media is None or media.kind != "video":
            raise ValidationError(
                f"{where}.clip_volume applies only to a scene showing an uploaded video",
                field=f"{where}.clip_volume",
            )
    return Scene(
        index=index,
        prompt=prompt,
        narration=narration,
        duration_s=duration_s,
        camera=_choice(raw.get("camera", "static"), f"{where}.camera", CAMERAS),
        transition=_choice(raw.get("transition", "fade"), f"{where}.transition", TRANSITIONS),
        style=style,
        media=media,
        clip_volume=clip_volume,
    )


def _duration(value: object, where: str, low: float, high: float) -> float:
    if isinstance(value, str):
        raise ValidationError(f'{where} must be a number of seconds or "auto"', field=where)
    return _number(value, where, low, high)


__all__ = [
    "ASPECTS",
    "CAMERAS",
    "SUBTITLE_MODES",
    "TRANSITIONS",
    "MediaLookup",
    "MediaRef",
    "MusicSpec",
    "OutputFormat",
    "Scene",
    "Storyboard",
    "StoryboardLimits",
    "VoiceSpec",
    "load_storyboard_file",
    "parse_storyboard",
    "size_for_aspect",
]
