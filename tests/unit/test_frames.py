"""Frame generators: prompt reading, the procedural painter, uploads and the HTTP backend."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
from PIL import Image

from genscene.errors import DependencyError, JobFailedError, NotFoundError, ValidationError
from genscene.pipeline.frames import (
    FrameGenerator,
    HttpImageGenerator,
    ProceduralGenerator,
    SceneSpec,
    UploadedImageGenerator,
    parse_prompt,
    render_frame,
)
from genscene.pipeline.frames.procedural import paint_scene
from genscene.pipeline.frames.prompt import SETTINGS, SUBJECTS
from genscene.pipeline.styles import Style, load_catalogue

SIZE = (320, 180)


@pytest.fixture(scope="module")
def style() -> Style:
    return load_catalogue().get("cinematic-realism")


def _digest(image: Image.Image) -> str:
    return hashlib.sha256(image.tobytes()).hexdigest()


def _pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image, np.float32)


# Prompt reading ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prompt", "time_of_day", "setting", "subjects", "atmosphere"),
    [
        ("city at sunset, dramatic light", "sunset", "city", (), {"dramatic"}),
        ('futuristic robot, soft "Pixar-lite" shading', "day", None, ("robot",), set()),
        ("character under cherry blossoms", "day", None, ("character",), {"blossoms"}),
        ("street photographer in a market", "day", "market", ("photographer",), set()),
        ("detective in a dark street with rain", "night", "street", ("detective",), {"rain"}),
        ("90s family home video", "day", "room", ("family",), set()),
        ("wizard in a magical library", "night", "library", ("wizard",), set()),
        ("misty mountains at dawn with snow", "dawn", "mountains", (), {"fog", "snow"}),
        ("robots on the beach under neon signs", "night", "sea", ("robot",), {"neon"}),
        ("a quiet feeling of abstract serenity", "day", None, (), set()),
    ],
)
def test_parse_prompt_demo_and_mixed_prompts_reads_features(
    prompt: str,
    time_of_day: str,
    setting: str | None,
    subjects: tuple[str, ...],
    atmosphere: set[str],
) -> None:
    features = parse_prompt(prompt)
    assert features.time_of_day == time_of_day
    assert features.setting == setting
    assert features.subjects == subjects
    assert features.atmosphere == atmosphere


def test_parse_prompt_magic_and_future_words_set_flags() -> None:
    assert parse_prompt("wizard in a magical library").is_magical
    assert parse_prompt("futuristic robot").is_futuristic
    assert not parse_prompt("detective in the rain").is_magical


# Procedural painter -----------------------------------------------------------------------


def test_procedural_same_seed_gives_identical_bytes(style: Style) -> None:
    scene = SceneSpec("detective in a dark street with rain")
    first = ProceduralGenerator().generate(scene, style, SIZE, 42)
    second = ProceduralGenerator().generate(scene, style, SIZE, 42)
    assert first.size == SIZE and first.mode == "RGB"
    assert _digest(first) == _digest(second)


def test_procedural_different_seed_gives_different_image(style: Style) -> None:
    scene = SceneSpec("city at sunset, dramatic light")
    first = ProceduralGenerator().generate(scene, style, SIZE, 1)
    second = ProceduralGenerator().generate(scene, style, SIZE, 2)
    assert _digest(first) != _digest(second)
    assert np.abs(_pixels(first) - _pixels(second)).mean() > 2.0


def test_render_frame_same_seed_identical_different_seed_differs(style: Style) -> None:
    scene = SceneSpec("street photographer in a market")
    first = render_frame(scene, style, SIZE, 5)
    assert _digest(first) == _digest(render_frame(scene, style, SIZE, 5))
    assert _digest(first) != _digest(render_frame(scene, style, SIZE, 6))


@pytest.mark.parametrize("setting", SETTINGS)
def test_procedural_each_setting_paints_its_own_scene(style: Style, setting: str) -> None:
    image = ProceduralGenerator().generate(SceneSpec(f"a {setting}"), style, SIZE, 3)
    fallback = ProceduralGenerator().generate(SceneSpec("something else"), style, SIZE, 3)
    pixels = _pixels(image)
    assert pixels.std() > 20, "a setting should not be a flat fill"
    assert np.abs(pixels - _pixels(fallback)).mean() > 10


@pytest.mark.parametrize("subject", SUBJECTS)
def test_procedural_each_subject_adds_a_figure(style: Style, subject: str) -> None:
    features = parse_prompt(f"a {subject} in a market")
    empty_features = dataclasses.replace(features, subjects=())
    palette = style.palette_rgb()
    # Same random stream for both, so only the figure (and its shadow) can differ.
    figure = _pixels(paint_scene(features, palette, SIZE, np.random.default_rng(3)))
    empty = _pixels(paint_scene(empty_features, palette, SIZE, np.random.default_rng(3)))
    changed = np.abs(figure - empty).max(axis=2) > 30
    # The figure stands in the frame: a solid region changes, most of the frame does not.
    assert 0.02 < changed.mean() < 0.6
    rows = np.nonzero(changed.any(axis=1))[0]
    assert rows.max() - rows.min() > SIZE[1] * 0.3


@pytest.mark.parametrize("weather", ["rain", "snow", "fog", "cherry blossoms", "neon city"])
def test_procedural_weather_words_change_the_frame(style: Style, weather: str) -> None:
    plain = _pixels(ProceduralGenerator().generate(SceneSpec("a street"), style, SIZE, 3))
    wet = _pixels(ProceduralGenerator().generate(SceneSpec(f"a street, {weather}"), style, SIZE, 3))
    assert np.abs(wet - plain).mean() > 3


def test_procedural_unknown_words_fall_back_to_palette_composition() -> None:
    catalogue = load_catalogue()
    scene = SceneSpec("a quiet feeling of abstract serenity")
    images = {
        s.id: _pixels(ProceduralGenerator().generate(scene, s, SIZE, 3))
        for s in (catalogue.get("anime"), catalogue.get("documentary-grit"))
    }
    for pixels in images.values():
        assert pixels.std() > 20
    # The lower half (the hills) takes its colours from each style's palette.
    lower = {k: v[SIZE[1] // 2 :].reshape(-1, 3).mean(axis=0) for k, v in images.items()}
    assert np.abs(lower["anime"] - lower["documentary-grit"]).sum() > 40


def test_procedural_portrait_and_square_sizes_render(style: Style) -> None:
    for size in ((180, 320), (200, 200), (216, 270)):
        image = render_frame(SceneSpec("wizard in a magical library"), style, size, 1)
        assert image.size == size
        assert _pixels(image).std() > 15


@pytest.mark.parametrize("size", [(8, 8), (0, 100), (10000, 100)])
def test_procedural_out_of_range_size_raises_validation_error(
    style: Style, size: tuple[int, int]
) -> None:
    with pytest.raises(ValidationError) as caught:
        ProceduralGenerator().generate(SceneSpec("a city"), style, size, 1)
    assert caught.value.field == "size"


def test_generators_meet_frame_generator_protocol() -> None:
    for generator in (
        ProceduralGenerator(),
        UploadedImageGenerator(),
        HttpImageGenerator("http://127.0.0.1:9/"),
    ):
        assert isinstance(generator, FrameGenerator)


# Uploaded images --------------------------------------------------------------------------


def _quadrant_image(path: Path) -> Path:
    """A 400x300 image: red left half, blue right half, a green band across the top 50 px."""
    image = Image.new("RGB", (400, 300), (220, 30, 30))
    image.paste((30, 30, 220), (200, 0, 400, 300))
    image.paste((30, 200, 30), (0, 0, 400, 50))
    image.save(path)
    return path


def test_uploaded_generator_cover_crops_to_frame(tmp_path: Path, style: Style) -> None:
    scene = SceneSpec("ignored", media_path=_quadrant_image(tmp_path / "up.png"))
    image = UploadedImageGenerator().generate(scene, style, (160, 90), 1)
    assert image.size == (160, 90) and image.mode == "RGB"
    pixels = _pixels(image)
    # 4:3 into 16:9 crops top and bottom: the 50 px green band (1/6 of the height) is cut
    # to a thin strip, and left/right halves stay red/blue.
    assert pixels[45, 20, 0] > 180 and pixels[45, 140, 2] > 180
    green_rows = (pixels[:, 80, 1] > 150).sum()
    assert 0 < green_rows < 90 * 0.1


def test_render_frame_scene_with_media_uses_upload_then_look(tmp_path: Path) -> None:
    noir = load_catalogue().get("film-noir")
    scene = SceneSpec("ignored", media_path=_quadrant_image(tmp_path / "up.png"))
    image = render_frame(scene, noir, (160, 90), 1)
    pixels = _pixels(image)
    assert image.size == (160, 90)
    assert np.abs(pixels[:, :, 0] - pixels[:, :, 2]).max() == 0  # the noir look was applied


def test_uploaded_generator_missing_file_raises_not_found(tmp_path: Path, style: Style) -> None:
    scene = SceneSpec("x", media_path=tmp_path / "gone.png")
    with pytest.raises(NotFoundError) as caught:
        UploadedImageGenerator().generate(scene, style, SIZE, 1)
    assert caught.value.field == "media_id"


def test_uploaded_generator_not_an_image_raises_validation_error(
    tmp_path: Path, style: Style
) -> None:
    path = tmp_path / "notes.png"
    path.write_bytes(b"definitely not a picture")
    with pytest.raises(ValidationError) as caught:
        UploadedImageGenerator().generate(SceneSpec("x", media_path=path), style, SIZE, 1)
    assert caught.value.field == "media_id"
    with pytest.raises(ValidationError):
        UploadedImageGenerator().generate(SceneSpec("x"), style, SIZE, 1)


# HTTP image service -----------------------------------------------------------------------


class _ImageService(BaseHTTPRequestHandler):
    """A stand-in Stable Diffusion server: the path picks how it behaves."""

    requests: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(body)
        if self.path == "/slow":
            time.sleep(1.5)
        if self.path == "/garbage":
            self._send(200, "image/png", b"\x89PNG but not really an image")
            return
        if self.path == "/error":
            self._send(500, "text/plain", b"out of VRAM")
            return
        image = Image.new("RGB", (body["width"], body["height"]), (body["seed"] % 256, 120, 40))
        buffer = io.BytesIO()
        image.save(buffer, "PNG")
        if self.path == "/json":
            payload = {"images": [base64.b64encode(buffer.getvalue()).decode()]}
            self._send(200, "application/json", json.dumps(payload).encode())
            return
        self._send(200, "image/png", buffer.getvalue())

    def _send(self, status: int, content_type: str, data: bytes) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (the timeout test)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def image_service() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ImageService)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_http_generator_service_up_returns_its_image(image_service: str, style: Style) -> None:
    _ImageService.requests.clear()
    generator = HttpImageGenerator(f"{image_service}/generate", timeout_s=5)
    image = generator.generate(SceneSpec("a lighthouse"), style, (64, 36), 77)
    assert image.size == (64, 36)
    assert image.getpixel((10, 10)) == (77, 120, 40)
    (sent,) = _ImageService.requests
    assert set(sent) == {"prompt", "width", "height", "seed"}
    assert sent["width"] == 64 and sent["height"] == 36 and sent["seed"] == 77
    assert sent["prompt"].startswith("a lighthouse, cinematic")


def test_http_generator_base64_json_answer_is_decoded(image_service: str, style: Style) -> None:
    generator = HttpImageGenerator(f"{image_service}/json", timeout_s=5)
    image = generator.generate(SceneSpec("a lighthouse"), style, (64, 36), 5)
    assert image.getpixel((0, 0)) == (5, 120, 40)


def test_http_generator_render_frame_applies_look_on_top(image_service: str) -> None:
    noir = load_catalogue().get("film-noir")
    generator = HttpImageGenerator(f"{image_service}/generate", timeout_s=5)
    image = render_frame(SceneSpec("a lighthouse"), noir, (64, 36), 200, generator)
    pixels = _pixels(image)
    assert np.abs(pixels[:, :, 0] - pixels[:, :, 1]).max() == 0


def test_http_generator_service_down_raises_dependency_error(style: Style) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    generator = HttpImageGenerator(f"http://127.0.0.1:{port}/generate", timeout_s=2)
    with pytest.raises(DependencyError) as caught:
        generator.generate(SceneSpec("a lighthouse"), style, (64, 36), 1)
    assert "unreachable" in caught.value.message
    assert caught.value.field == "generator"


def test_http_generator_slow_service_raises_job_failed_after_timeout(
    image_service: str, style: Style
) -> None:
    generator = HttpImageGenerator(f"{image_service}/slow", timeout_s=0.3)
    started = time.monotonic()
    with pytest.raises(JobFailedError) as caught:
        generator.generate(SceneSpec("a lighthouse"), style, (64, 36), 1)
    assert time.monotonic() - started < 1.4
    assert "did not answer within 0.3 s" in caught.value.message


def test_http_generator_bad_image_raises_job_failed(image_service: str, style: Style) -> None:
    generator = HttpImageGenerator(f"{image_service}/garbage", timeout_s=5)
    with pytest.raises(JobFailedError) as caught:
        generator.generate(SceneSpec("a lighthouse"), style, (64, 36), 1)
    assert "did not return an image" in caught.value.message


def test_http_generator_http_error_raises_job_failed(image_service: str, style: Style) -> None:
    generator = HttpImageGenerator(f"{image_service}/error", timeout_s=5)
    with pytest.raises(JobFailedError, match="HTTP 500"):
        generator.generate(SceneSpec("a lighthouse"), style, (64, 36), 1)


def test_http_generator_bad_url_raises_validation_error() -> None:
    with pytest.raises(ValidationError):
        HttpImageGenerator("ftp://example.org/generate")
