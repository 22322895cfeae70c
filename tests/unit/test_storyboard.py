from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from genscene.errors import NotFoundError, ValidationError
from genscene.pipeline.media import MediaRef
from genscene.pipeline.storyboard import (
    OutputFormat,
    StoryboardLimits,
    load_storyboard_file,
    parse_storyboard,
    size_for_aspect,
)
from genscene.pipeline.tts import TtsRequest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

MEDIA = {
    "img1": MediaRef("img1", "image", "image/png", Path("/u/img1.png"), 10),
    "vid1": MediaRef("vid1", "video", "video/mp4", Path("/u/vid1.mp4"), 10),
    "aud1": MediaRef("aud1", "audio", "audio/wav", Path("/u/aud1.wav"), 10),
}


def lookup(media_id: str) -> MediaRef | None:
    return MEDIA.get(media_id)


def spec_example() -> dict[str, Any]:
    """Return the storyboard from SPEC.md, with a real music id."""
    return {
        "title": "Night shift",
        "style": "film-noir",
        "format": {"aspect": "16:9", "height": 720, "fps": 30},
        "voice": {"engine": "espeak-ng", "voice": "en-us", "rate": 165, "pitch": 50},
        "subtitles": "burn",
        "music": {"media_id": "aud1", "volume": 0.25, "duck": True},
        "scenes": [
            {
                "prompt": "detective in a dark street with rain",
                "narration": "The city never sleeps.",
                "duration": "auto",
                "camera": "zoom-in",
                "transition": "fade",
                "media_id": None,
            },
            {
                "prompt": "city at sunset",
                "narration": "Nor does she.",
                "duration": 4,
                "camera": "pan-left",
                "transition": "none",
                "style": "cinematic-realism",
            },
        ],
    }


def with_change(path: str, value: object) -> dict[str, Any]:
    """Return the SPEC example with `path` (dotted, [i] for list items) set to `value`."""
    data = copy.deepcopy(spec_example())
    target: Any = data
    keys = path.replace("[", ".").replace("]", "").split(".")
    for key in keys[:-1]:
        target = target[int(key)] if key.isdigit() else target.setdefault(key, {})
    last = keys[-1]
    if value is DELETE:
        del target[int(last) if last.isdigit() else last]
    elif last.isdigit():
        target[int(last)] = value
    else:
        target[last] = value
    return data


DELETE = object()


def test_parse_storyboard_spec_example_all_fields() -> None:
    board = parse_storyboard(spec_example(), media_lookup=lookup)
    assert board.title == "Night shift"
    assert board.format == OutputFormat("16:9", 720, 30)
    assert board.format.size == (1280, 720)
    assert board.voice.voice == "en-us"
    assert board.music is not None and board.music.media.id == "aud1"
    assert board.music.volume == 0.25 and board.music.duck is True
    first, second = board.scenes
    assert (first.duration_s, first.camera, first.transition, first.style) == (
        None,
        "zoom-in",
        "fade",
        "film-noir",
    )
    assert (second.duration_s, second.style, second.field) == (
        4.0,
        "cinematic-realism",
        "scenes[1]",
    )


def test_parse_storyboard_minimal_defaults_filled() -> None:
    board = parse_storyboard({"style": "anime", "scenes": [{"prompt": "cherry blossoms"}]})
    assert board.title == "Untitled"
    assert board.format == OutputFormat()
    assert board.subtitles == "burn"
    assert board.music is None
    scene = board.scenes[0]
    assert (scene.narration, scene.duration_s, scene.camera, scene.transition) == (
        "",
        None,
        "static",
        "fade",
    )


def test_parse_storyboard_uploaded_media_prompt_optional() -> None:
    data = {
        "style": "anime",
        "scenes": [{"media_id": "img1"}, {"media_id": "vid1", "prompt": "a clip"}],
    }
    board = parse_storyboard(data, media_lookup=lookup)
    assert [s.media.kind if s.media else None for s in board.scenes] == ["image", "video"]
    assert board.scenes[1].clip_volume == 1.0  # a clip keeps its sound unless told


def test_parse_storyboard_clip_volume_on_a_video_scene() -> None:
    data = {"style": "anime", "scenes": [{"media_id": "vid1", "clip_volume": 0}]}
    assert parse_storyboard(data, media_lookup=lookup).scenes[0].clip_volume == 0.0


@pytest.mark.parametrize(
    ("scene", "message"),
    [
        ({"media_id": "img1", "clip_volume": 0.5}, "only to a scene showing an uploaded video"),
        ({"prompt": "a city", "clip_volume": 0.5}, "only to a scene showing an uploaded video"),
        ({"media_id": "vid1", "clip_volume": 1.5}, "between 0 and 1"),
        ({"media_id": "vid1", "clip_volume": "loud"}, "must be a number"),
    ],
)
def test_parse_storyboard_clip_volume_rejected_names_field(
    scene: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_storyboard({"style": "anime", "scenes": [scene]}, media_lookup=lookup)
    assert caught.value.field == "scenes[0].clip_volume"
    assert message in caught.value.message


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("style", "vaporwave", "style"),
        ("style", DELETE, "style"),
        ("colour", "red", "colour"),
        ("subtitles", "maybe", "subtitles"),
        ("title", "", "title"),
        ("title", 7, "title"),
        ("format.aspect", "21:9", "format.aspect"),
        ("format.height", 721, "format.height"),
        ("format.height", 100, "format.height"),
        ("format.height", "720", "format.height"),
        ("format.fps", 0, "format.fps"),
        ("format.fps", True, "format.fps"),
        ("format.width", 1280, "format.width"),
        ("voice.engine", "say", "voice.engine"),
        ("voice.voice", "en us; rm -rf /", "voice.voice"),
        ("voice.rate", 10, "voice.rate"),
        ("voice.pitch", 50.5, "voice.pitch"),
        ("music.volume", 1.5, "music.volume"),
        ("music.volume", True, "music.volume"),
        ("music.duck", "yes", "music.duck"),
        ("music.media_id", "missing", "music.media_id"),
        ("music.media_id", "img1", "music.media_id"),
        ("music.media_id", DELETE, "music.media_id"),
        ("music.loop", True, "music.loop"),
        ("scenes", [], "scenes"),
        ("scenes", {"prompt": "x"}, "scenes"),
        ("scenes", DELETE, "scenes"),
        ("scenes[1]", "a scene", "scenes[1]"),
        ("scenes[1].camera", "dolly", "scenes[1].camera"),
        ("scenes[0].transition", "spin", "scenes[0].transition"),
        ("scenes[0].duration", "3s", "scenes[0].duration"),
        ("scenes[0].duration", 0.2, "scenes[0].duration"),
        ("scenes[0].duration", float("nan"), "scenes[0].duration"),
        ("scenes[0].narration", "x" * 2001, "scenes[0].narration"),
        ("scenes[0].narration", "nul\x00here", "scenes[0].narration"),
        ("scenes[0].prompt", "", "scenes[0].prompt"),
        ("scenes[1].style", "vaporwave", "scenes[1].style"),
        ("scenes[1].media_id", "aud1", "scenes[1].media_id"),
        ("scenes[1].media_id", "nope", "scenes[1].media_id"),
        ("scenes[1].zoom", 2, "scenes[1].zoom"),
    ],
)
def test_parse_storyboard_invalid_value_names_field(path: str, value: object, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_storyboard(with_change(path, value), media_lookup=lookup)
    assert caught.value.field == field


def test_parse_storyboard_not_an_object_rejected() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_storyboard(["scenes"])
    assert caught.value.field is None


def test_parse_storyboard_too_many_scenes_names_scenes() -> None:
    data = {"style": "anime", "scenes": [{"prompt": f"scene {i}"} for i in range(4)]}
    with pytest.raises(ValidationError) as caught:
        parse_storyboard(data, limits=StoryboardLimits(max_scenes=3))
    assert caught.value.field == "scenes"
    assert "at most 3" in caught.value.message


def test_parse_storyboard_fixed_durations_over_limit_names_scenes() -> None:
    data = {"style": "anime", "scenes": [{"prompt": "x", "duration": 100} for _ in range(7)]}
    with pytest.raises(ValidationError) as caught:
        parse_storyboard(data)
    assert caught.value.field == "scenes"


def test_parse_storyboard_media_without_lookup_names_field() -> None:
    data = {"style": "anime", "scenes": [{"media_id": "img1"}]}
    with pytest.raises(ValidationError) as caught:
        parse_storyboard(data)
    assert caught.value.field == "scenes[0].media_id"


def test_parse_storyboard_lookup_raising_not_found_names_field() -> None:
    def raising(media_id: str) -> MediaRef | None:
        raise NotFoundError(f"no media {media_id}", field="media_id")

    data = {"style": "anime", "scenes": [{"media_id": "img9"}]}
    with pytest.raises(ValidationError) as caught:
        parse_storyboard(data, media_lookup=raising)
    assert caught.value.field == "scenes[0].media_id"


def test_parse_storyboard_engine_rejects_voice_names_voice_field() -> None:
    class PickyEngine:
        name = "picky"

        def validate(self, request: TtsRequest, *, max_chars: int = 5000) -> None:
            raise ValidationError(f"unknown voice {request.voice!r}", field="voice")

    data = {"style": "anime", "voice": {"voice": "xx-nowhere"}, "scenes": [{"prompt": "x"}]}
    with pytest.raises(ValidationError) as caught:
        parse_storyboard(data, tts_engine=PickyEngine())  # type: ignore[arg-type]
    assert caught.value.field == "voice.voice"


@pytest.mark.parametrize(
    ("aspect", "height", "size"),
    [
        ("16:9", 720, (1280, 720)),
        ("16:9", 360, (640, 360)),
        ("16:9", 240, (426, 240)),
        ("9:16", 720, (406, 720)),
        ("9:16", 1280, (720, 1280)),
        ("1:1", 480, (480, 480)),
        ("4:5", 720, (576, 720)),
        ("4:5", 1080, (864, 1080)),
    ],
)
def test_size_for_aspect_height_even_dimensions(
    aspect: str, height: int, size: tuple[int, int]
) -> None:
    assert size_for_aspect(aspect, height) == size
    assert all(side % 2 == 0 for side in size)


def test_load_storyboard_file_yaml_and_json_same_content(tmp_path: Path) -> None:
    data = spec_example()
    (tmp_path / "a.json").write_text(json.dumps(data))
    import yaml

    (tmp_path / "a.yaml").write_text(yaml.safe_dump(data))
    assert load_storyboard_file(tmp_path / "a.json") == load_storyboard_file(tmp_path / "a.yaml")


@pytest.mark.parametrize(("name", "text"), [("bad.json", "{nope"), ("bad.yml", "a: [1, 2")])
def test_load_storyboard_file_malformed_validation_error(
    tmp_path: Path, name: str, text: str
) -> None:
    (tmp_path / name).write_text(text)
    with pytest.raises(ValidationError) as caught:
        load_storyboard_file(tmp_path / name)
    assert caught.value.field == "storyboard"
    assert "line 1" in caught.value.message


def test_load_storyboard_file_missing_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        load_storyboard_file(tmp_path / "none.json")


def test_examples_every_file_valid_and_covers_all_choices() -> None:
    files = sorted(EXAMPLES.glob("*.json")) + sorted(EXAMPLES.glob("*.yaml"))
    assert len(files) >= 3
    styles, cameras, transitions = set(), set(), set()
    for path in files:
        board = parse_storyboard(load_storyboard_file(path))
        for scene in board.scenes:
            styles.add(scene.style)
            cameras.add(scene.camera)
            transitions.add(scene.transition)
    assert len(styles) == 7
    assert cameras == {"static", "zoom-in", "zoom-out", "pan-left", "pan-right"}
    assert transitions == {"fade", "dissolve", "wipe-left", "slide-up", "none"}
