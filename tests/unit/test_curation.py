"""Look curation without widgets: tunable fields, previews, side by side, approval."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from genscene.errors import NotFoundError, ValidationError
from genscene.pipeline.curation import (
    approve_look,
    curation_targets,
    look_changes,
    preview_look,
    side_by_side,
    tunable_fields,
)
from genscene.pipeline.frames import SceneSpec, render_frame
from genscene.pipeline.previews import PREVIEW_SEED, PreviewCache
from genscene.pipeline.styles import CATALOGUE_PATH, CatalogueFile, Look, load_catalogue
from genscene.settings import Settings

SMALL = (160, 90)


@pytest.fixture()
def catalogue_copy(tmp_path: Path) -> Path:
    path = tmp_path / "styles.json"
    shutil.copyfile(CATALOGUE_PATH, path)
    return path


@pytest.fixture()
def cache(tmp_path: Path) -> PreviewCache:
    return PreviewCache(tmp_path / "previews", 3600, size=(320, 180), thumb_size=(80, 45))


def test_tunable_fields_every_look_field_once_in_order() -> None:
    specs = tunable_fields(Look())
    assert [s.name for s in specs] == [f.name for f in dataclasses.fields(Look)]


def test_tunable_fields_kinds_and_ranges_match_the_field_types() -> None:
    specs = {s.name: s for s in tunable_fields(Look())}
    assert specs["monochrome"].kind == "bool" and specs["monochrome"].minimum is None
    assert specs["shadow_tint"].kind == "colour" and specs["shadow_tint"].value == "#808080"
    grain = specs["grain"]
    assert (grain.kind, grain.minimum, grain.maximum, grain.step) == ("float", 0.0, 1.0, 0.01)
    levels = specs["posterize_levels"]
    assert (levels.kind, levels.minimum, levels.maximum, levels.step) == ("int", 0, 64, 1)
    assert specs["contrast"].step == 0.01  # 0.3..3.0: about a hundred positions
    assert specs["chroma_shift_px"].step == 0.1  # 0..24
    assert specs["grain_size_px"].label == "grain size px"


def test_tunable_fields_catalogue_values_in_range_and_changed_flags_right() -> None:
    for style in load_catalogue().all():
        specs = tunable_fields(style.look)
        changed = {s.name for s in specs if s.is_changed}
        assert changed == set(style.look.to_dict(only_changed=True)), style.id
        for spec in specs:
            assert spec.value == getattr(style.look, spec.name)
            if spec.minimum is not None and spec.maximum is not None:
                assert spec.minimum <= float(spec.value) <= spec.maximum, (style.id, spec.name)


def test_preview_look_is_render_frame_of_the_tuned_style() -> None:
    style = load_catalogue().get("film-noir")
    look = style.look.with_changes(grain=0.0, vignette=0.9)
    expected = render_frame(SceneSpec(style.demo_scene), style.with_look(look), SMALL, PREVIEW_SEED)
    image = preview_look(style, look, SMALL)
    assert image.size == SMALL and image.mode == "RGB"
    assert image.tobytes() == expected.tobytes()


def test_preview_look_monochrome_toggle_makes_channels_equal() -> None:
    style = load_catalogue().get("anime")
    colour = np.asarray(preview_look(style, style.look, SMALL), np.int16)
    grey = np.asarray(
        preview_look(style, style.look.with_changes(monochrome=True), SMALL), np.int16
    )
    assert np.abs(colour[..., 0] - colour[..., 2]).mean() > 5
    assert np.array_equal(grey[..., 0], grey[..., 1]) and np.array_equal(grey[..., 1], grey[..., 2])


def test_side_by_side_places_both_images_under_labels() -> None:
    before = Image.new("RGB", (100, 60), (255, 0, 0))
    after = Image.new("RGB", (80, 60), (0, 0, 255))
    sheet = side_by_side(before, after, gap_px=10)
    assert sheet.mode == "RGB"
    label_px = sheet.height - 60
    assert sheet.size == (100 + 10 + 80, 60 + label_px) and label_px > 0
    assert sheet.getpixel((50, label_px + 30)) == (255, 0, 0)
    assert sheet.getpixel((100 + 10 + 40, label_px + 30)) == (0, 0, 255)
    assert sheet.getpixel((105, label_px + 30)) not in ((255, 0, 0), (0, 0, 255))
    # The caption strip carries text: not one flat colour.
    strip = np.asarray(sheet.crop((0, 0, sheet.width, label_px)))
    assert strip.std() > 1


def test_side_by_side_scales_after_to_the_height_of_before() -> None:
    sheet = side_by_side(Image.new("RGB", (160, 90)), Image.new("RGB", (320, 180)), gap_px=0)
    assert sheet.width == 160 + 160


def test_look_changes_lists_only_differences() -> None:
    before = Look(grain=0.2, shadow_tint="#112233")
    after = before.with_changes(grain=0.5, monochrome=True)
    assert look_changes(before, after) == {"grain": (0.2, 0.5), "monochrome": (False, True)}
    assert look_changes(after, after) == {}


def test_curation_targets_follow_the_server_settings(tmp_path: Path) -> None:
    own = Settings(data_dir=tmp_path, styles_file=str(tmp_path / "mine.json"), preview_ttl_s=60)
    path, cache = curation_targets(own)
    assert path == tmp_path / "mine.json"
    assert cache.root == tmp_path / "previews" and cache.ttl_s == 60
    assert curation_targets(Settings(data_dir=tmp_path))[0] == CATALOGUE_PATH


def test_approve_look_writes_catalogue_and_fresh_preview_server_sees_both(
    catalogue_copy: Path, cache: PreviewCache
) -> None:
    packaged = CATALOGUE_PATH.read_bytes()
    before = load_catalogue(catalogue_copy)
    old = before.get("retro-vhs-90s")
    stale = cache.render_preview(old)  # the server had a preview of the old look
    look = old.look.with_changes(scanlines=0.9, highlight_tint="#FFAA00")

    style, info = approve_look(
        "retro-vhs-90s", look, catalogue_path=catalogue_copy, preview_cache=cache
    )

    served = CatalogueFile(catalogue_copy).get()  # what the server reloads
    assert served.get("retro-vhs-90s").look == look
    assert style.content_hash == served.get("retro-vhs-90s").content_hash != old.content_hash
    assert info.status == "fresh" and info.style_hash == style.content_hash
    assert info.generator == "approved" and info.etag != stale.etag
    assert cache.status(style).status == "fresh"
    assert cache.status(old).status == "stale"
    assert info.image_path is not None and info.image_path.parent == cache.root
    stored = Image.open(info.image_path)
    assert stored.size == cache.size
    assert stored.tobytes() == preview_look(style, look, cache.size).tobytes()
    for other in before.all():
        if other.id != "retro-vhs-90s":
            assert served.get(other.id) == other
    assert CATALOGUE_PATH.read_bytes() == packaged


def test_approve_look_out_of_range_raises_and_writes_nothing(
    catalogue_copy: Path, cache: PreviewCache
) -> None:
    original = catalogue_copy.read_bytes()
    with pytest.raises(ValidationError) as caught:
        approve_look("anime", Look(grain=5.0), catalogue_path=catalogue_copy, preview_cache=cache)
    assert caught.value.field == "look.grain"
    assert catalogue_copy.read_bytes() == original
    assert not cache.root.exists()


def test_approve_look_unknown_style_raises_not_found_and_writes_nothing(
    catalogue_copy: Path, cache: PreviewCache
) -> None:
    original = catalogue_copy.read_bytes()
    with pytest.raises(NotFoundError):
        approve_look("no-such-style", Look(), catalogue_path=catalogue_copy, preview_cache=cache)
    assert catalogue_copy.read_bytes() == original
    assert not cache.root.exists()
