"""Preview cache: files and metadata on disk, freshness by TTL and by style hash, atomicity."""

from __future__ import annotations

import dataclasses
import io
import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from genscene.errors import ValidationError
from genscene.pipeline import previews
from genscene.pipeline.previews import PreviewCache
from genscene.pipeline.styles import Style, load_catalogue

TTL_S = 3600
START = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


class Clock:
    """A settable clock for the cache."""

    def __init__(self) -> None:
        self.moment = START

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


@pytest.fixture()
def clock() -> Clock:
    return Clock()


@pytest.fixture()
def cache(tmp_path: Path, clock: Clock) -> PreviewCache:
    return PreviewCache(
        tmp_path / "previews", TTL_S, now=clock, size=(320, 180), thumb_size=(80, 45)
    )


@pytest.fixture(scope="module")
def style() -> Style:
    return load_catalogue().get("film-noir")


def _files(cache: PreviewCache) -> list[str]:
    return sorted(p.name for p in cache.root.iterdir())


def test_status_before_any_render_is_missing(cache: PreviewCache, style: Style) -> None:
    info = cache.status(style)
    assert info.status == "missing" and not info.has_image
    assert PreviewCache.to_json(info, "/styles/film-noir/preview.png") == {
        "style_id": "film-noir",
        "status": "missing",
        "image_url": None,
        "generated_at": None,
        "expires_at": None,
        "width": None,
        "height": None,
    }


def test_render_preview_writes_png_thumbnail_and_metadata(
    cache: PreviewCache, style: Style
) -> None:
    info = cache.render_preview(style)

    assert info.status == "fresh" and info.generator == "procedural"
    assert info.image_path is not None and info.thumb_path is not None
    with Image.open(info.image_path) as image:
        assert (image.format, image.size) == ("PNG", (320, 180))
        pixels = np.asarray(image.convert("RGB"), np.float32)
        assert np.abs(pixels[:, :, 0] - pixels[:, :, 2]).max() == 0  # it is the noir look
    with Image.open(info.thumb_path) as thumb:
        assert thumb.format in ("WEBP", "JPEG") and thumb.size == (80, 45)
    meta = json.loads((cache.root / "film-noir.json").read_text())
    assert meta["style_id"] == "film-noir"
    assert meta["style_hash"] == style.content_hash
    assert meta["generator"] == "procedural"
    assert (meta["width"], meta["height"]) == (320, 180)
    assert meta["render_ms"] > 0
    assert meta["generated_at"] == "2026-03-01T12:00:00Z"
    assert meta["expires_at"] == "2026-03-01T13:00:00Z"
    assert meta["image_file"] == info.image_path.name
    assert meta["thumb_file"] == info.thumb_path.name
    assert _files(cache) == sorted([meta["image_file"], meta["thumb_file"], "film-noir.json"])


def test_preview_to_json_fresh_matches_spec_shape(cache: PreviewCache, style: Style) -> None:
    info = cache.render_preview(style)
    body = PreviewCache.to_json(info, "/styles/film-noir/preview.png")
    assert body == {
        "style_id": "film-noir",
        "status": "fresh",
        "image_url": "/styles/film-noir/preview.png",
        "generated_at": "2026-03-01T12:00:00Z",
        "expires_at": "2026-03-01T13:00:00Z",
        "width": 320,
        "height": 180,
    }


def test_status_fresh_within_ttl_stale_after(
    cache: PreviewCache, style: Style, clock: Clock
) -> None:
    cache.render_preview(style)
    clock.advance(TTL_S - 1)
    assert cache.status(style).status == "fresh"
    assert not cache.needs_render(style)
    clock.advance(1)
    assert cache.status(style).status == "stale"
    assert cache.needs_render(style)
    # Re-rendering makes it fresh again from the new time.
    info = cache.render_preview(style)
    assert info.status == "fresh"
    assert info.generated_at == START + timedelta(seconds=TTL_S)


def test_status_style_hash_changed_is_stale_at_once(cache: PreviewCache, style: Style) -> None:
    cache.render_preview(style)
    tuned = style.with_look(style.look.with_changes(grain=0.1))
    assert cache.status(style).status == "fresh"
    assert cache.status(tuned).status == "stale"
    assert cache.render_preview(tuned).status == "fresh"
    assert cache.status(style).status == "stale"  # the old definition no longer matches


def test_status_renderer_version_changed_is_stale(
    cache: PreviewCache, style: Style, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache.render_preview(style)
    monkeypatch.setattr(previews, "RENDERER_VERSION", previews.RENDERER_VERSION + 1)
    assert cache.status(style).status == "stale"


def test_status_generating_flag_reports_generating_and_keeps_image(
    cache: PreviewCache, style: Style
) -> None:
    assert cache.status(style, is_generating=True).status == "generating"
    cache.render_preview(style)
    info = cache.status(style, is_generating=True)
    assert info.status == "generating" and info.has_image
    overview = cache.overview(load_catalogue().all(), generating=["anime"])
    assert {i.style_id: i.status for i in overview} == {
        "cinematic-realism": "missing",
        "stylized-3d": "missing",
        "anime": "generating",
        "documentary-grit": "missing",
        "film-noir": "fresh",
        "retro-vhs-90s": "missing",
        "fantasy-illustration": "missing",
    }


def test_status_ttl_setting_in_force_decides_expiry(
    tmp_path: Path, style: Style, clock: Clock
) -> None:
    PreviewCache(tmp_path, 3600, now=clock, size=(64, 36)).render_preview(style)
    clock.advance(120)
    assert PreviewCache(tmp_path, 3600, now=clock, size=(64, 36)).status(style).status == "fresh"
    assert PreviewCache(tmp_path, 60, now=clock, size=(64, 36)).status(style).status == "stale"


def test_status_corrupt_or_dangling_metadata_is_missing(cache: PreviewCache, style: Style) -> None:
    info = cache.render_preview(style)
    (cache.root / "film-noir.json").write_text("{not json")
    assert cache.status(style).status == "missing"
    info = cache.render_preview(style)
    assert info.image_path is not None
    info.image_path.unlink()
    assert cache.status(style).status == "missing"


def test_metadata_is_written_after_image_and_thumbnail(
    cache: PreviewCache, style: Style, monkeypatch: pytest.MonkeyPatch
) -> None:
    order: list[str] = []
    real_write = previews.write_bytes_atomic

    def recording_write(path: Path, data: bytes) -> None:
        order.append(path.name)
        real_write(path, data)

    monkeypatch.setattr(previews, "write_bytes_atomic", recording_write)
    cache.render_preview(style)
    assert len(order) == 3
    assert order[0].endswith(".png") and ".thumb." in order[1]
    assert order[-1] == "film-noir.json"


def test_failed_image_write_keeps_previous_preview_and_leaves_no_temp_files(
    cache: PreviewCache, style: Style, monkeypatch: pytest.MonkeyPatch, clock: Clock
) -> None:
    first = cache.render_preview(style)
    before = _files(cache)

    def failing_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    clock.advance(10)
    monkeypatch.setattr("genscene.pipeline.styles.os.replace", failing_replace)
    tuned = style.with_look(style.look.with_changes(grain=0.2))
    with pytest.raises(OSError, match="disk full"):
        cache.render_preview(tuned)
    monkeypatch.undo()

    assert _files(cache) == before  # no temp file, no metadata pointing at a missing image
    info = cache.status(style)
    assert info.status == "fresh" and info.etag == first.etag


def test_rerender_removes_superseded_files_after_grace(
    cache: PreviewCache, style: Style, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache.render_preview(style)
    tuned = style.with_look(style.look.with_changes(vignette=0.1))
    cache.render_preview(tuned)
    assert len(_files(cache)) == 5  # the old pair is kept for readers holding old metadata
    monkeypatch.setattr(previews, "SUPERSEDED_GRACE_S", -1.0)
    info = cache.render_preview(tuned.with_look(tuned.look.with_changes(vignette=0.2)))
    assert info.image_path is not None and info.thumb_path is not None
    assert _files(cache) == sorted([info.image_path.name, info.thumb_path.name, "film-noir.json"])


def test_rerender_leaves_other_styles_with_shared_prefix_alone(
    tmp_path: Path, style: Style, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = PreviewCache(tmp_path, TTL_S, now=clock, size=(64, 36), thumb_size=(32, 18))
    short, longer = dataclasses.replace(style, id="noir"), dataclasses.replace(style, id="noir-x")
    monkeypatch.setattr(previews, "SUPERSEDED_GRACE_S", -1.0)
    cache.render_preview(longer)
    cache.render_preview(short)
    cache.render_preview(short.with_look(short.look.with_changes(grain=0.3)))
    assert cache.status(longer).status == "fresh"
    assert len(_files(cache)) == 6


def test_approve_stores_external_image_as_fresh_preview(cache: PreviewCache, style: Style) -> None:
    tuned = style.with_look(style.look.with_changes(contrast=1.2))
    external = Image.new("RGB", (640, 480), (90, 90, 90))
    info = cache.approve(tuned, external)
    assert info.status == "fresh" and info.generator == "approved"
    assert info.render_ms is None
    assert info.image_path is not None
    with Image.open(info.image_path) as stored:
        assert stored.size == (320, 180)  # cover-cropped to the preview size
        assert stored.convert("RGB").getpixel((10, 10)) == (90, 90, 90)
    assert cache.status(tuned).status == "fresh"
    assert cache.status(style).status == "stale"
    assert cache.read_image(info) == info.image_path.read_bytes()


def test_concurrent_reader_never_sees_half_an_image(tmp_path: Path, style: Style) -> None:
    cache = PreviewCache(tmp_path, TTL_S, size=(640, 360), thumb_size=(64, 36))
    cache.approve(style, Image.new("RGB", (640, 360), (10, 10, 10)))
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        rng = np.random.default_rng(0)
        while not stop.is_set():
            noise = rng.integers(0, 255, (360, 640, 3), dtype=np.uint8)
            cache.approve(style, Image.fromarray(noise))

    thread = threading.Thread(target=writer)
    thread.start()
    reads = 0
    try:
        for _ in range(150):
            info = cache.status(style)
            try:
                data = cache.read_image(info)
            except FileNotFoundError:
                continue  # superseded between reading metadata and the file: re-read
            with Image.open(io.BytesIO(data)) as image:
                image.load()  # raises on a truncated file
                assert image.size == (640, 360)
            reads += 1
    except BaseException as exc:  # surface after stopping the writer
        errors.append(exc)
    finally:
        stop.set()
        thread.join()
    assert not errors, errors
    assert reads > 100
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_cache_rejects_unsafe_style_id(cache: PreviewCache) -> None:
    with pytest.raises(ValidationError) as caught:
        cache.metadata_path("../../etc/passwd")
    assert caught.value.field == "style_id"
