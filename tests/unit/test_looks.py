"""Style looks: each is measurably what it claims, the seven are distinct, composition holds."""

from __future__ import annotations

import colorsys
import itertools

import numpy as np
import pytest
from PIL import Image

from genscene.pipeline.frames import ProceduralGenerator, SceneSpec, render_frame
from genscene.pipeline.looks import apply_look, grade_array
from genscene.pipeline.styles import Look, Style, load_catalogue

SIZE = (320, 180)
SEED = 7
STYLES = load_catalogue().all()
BY_ID = {s.id: s for s in STYLES}
LUMA = np.array([0.299, 0.587, 0.114], np.float32)


@pytest.fixture(scope="module")
def renders() -> dict[tuple[str, str], np.ndarray]:
    """Every demo scene rendered in every style: {(scene, style id): pixels}."""
    return {
        (scene.demo_scene, style.id): np.asarray(
            render_frame(SceneSpec(scene.demo_scene), style, SIZE, SEED), np.float32
        )
        for scene in STYLES
        for style in STYLES
    }


def _raw(prompt: str, size: tuple[int, int] = SIZE) -> Image.Image:
    return ProceduralGenerator().generate(SceneSpec(prompt), BY_ID["anime"], size, SEED)


def _mean_saturation(pixels: np.ndarray) -> float:
    hsv = np.asarray(Image.fromarray(pixels.astype(np.uint8)).convert("HSV"), np.float32)
    return float(hsv[:, :, 1].mean() / 255.0)


def _structure(pixels: np.ndarray) -> np.ndarray:
    """Normalised coarse luma and edge layout of the frame's centre (bars excluded)."""
    h = pixels.shape[0]
    luma = pixels[int(h * 0.15) : int(h * 0.85)] @ LUMA
    small = Image.fromarray(np.clip(luma, 0, 255).astype(np.uint8))
    coarse = np.asarray(small.resize((48, 20), Image.Resampling.BOX), np.float32)
    fine = np.asarray(small.resize((96, 40), Image.Resampling.BOX), np.float32)
    edges = np.abs(np.diff(fine, axis=1))[:-1] + np.abs(np.diff(fine, axis=0))[:, :-1]
    parts = [(v - v.mean()) / (v.std() + 1e-6) for v in (coarse.ravel(), edges.ravel())]
    return np.concatenate(parts)  # mean(v * v) == 1: similarity is a correlation


def _similarity(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(_structure(a) * _structure(b)))


# Measurable looks ---------------------------------------------------------------------------


def test_noir_demo_preview_is_monochrome(renders: dict[tuple[str, str], np.ndarray]) -> None:
    pixels = renders[(BY_ID["film-noir"].demo_scene, "film-noir")]
    assert _mean_saturation(pixels) < 0.005
    assert np.abs(pixels[:, :, 0] - pixels[:, :, 2]).max() == 0


def test_noir_look_on_colourful_frame_removes_colour_keeps_contrast() -> None:
    colourful = _raw("character under cherry blossoms")
    assert _mean_saturation(np.asarray(colourful, np.float32)) > 0.25
    graded = np.asarray(apply_look(colourful, BY_ID["film-noir"].look, SEED), np.float32)
    assert _mean_saturation(graded) < 0.005
    luma = graded[:, :, 0]
    assert np.percentile(luma, 95) - np.percentile(luma, 5) > 120  # high contrast


@pytest.mark.parametrize("style_id", ["cinematic-realism", "anime", "stylized-3d"])
def test_colour_styles_demo_previews_keep_saturation(
    renders: dict[tuple[str, str], np.ndarray], style_id: str
) -> None:
    assert _mean_saturation(renders[(BY_ID[style_id].demo_scene, style_id)]) > 0.25


def _row_spectrum(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    rows = (pixels @ LUMA).mean(axis=1)
    rows = rows - np.convolve(rows, np.ones(9) / 9, mode="same")  # remove the scene's slope
    power = np.abs(np.fft.rfft(rows[8:-8])) ** 2
    freqs = np.fft.rfftfreq(rows[8:-8].size)
    return freqs, power


def test_vhs_vertical_spectrum_peaks_at_scanline_period() -> None:
    look = BY_ID["retro-vhs-90s"].look
    frame = _raw("90s family home video")
    freqs, power = _row_spectrum(np.asarray(apply_look(frame, look, SEED), np.float32))
    band = freqs > 0.15
    peak = freqs[band][np.argmax(power[band])]
    assert abs(peak - 1 / look.scanline_period_px) < 0.01
    assert power[band].max() > 20 * np.median(power[band])
    # Without scanlines the same frame has no such peak.
    plain = apply_look(frame, look.with_changes(scanlines=0.0), SEED)
    _, plain_power = _row_spectrum(np.asarray(plain, np.float32))
    target = np.argmin(np.abs(freqs - 1 / look.scanline_period_px))
    assert power[target] > 50 * plain_power[target]


def test_vhs_chroma_bleeds_horizontally_not_vertically() -> None:
    frame = _raw("90s family home video")
    graded = apply_look(frame, BY_ID["retro-vhs-90s"].look, SEED)

    def chroma_edges(image: Image.Image) -> tuple[float, float]:
        cr = np.asarray(image.convert("YCbCr"), np.float32)[:, :, 2]
        return float(np.abs(np.diff(cr, axis=1)).mean()), float(np.abs(np.diff(cr, axis=0)).mean())

    before_x, before_y = chroma_edges(frame)
    after_x, after_y = chroma_edges(graded)
    # Horizontal chroma detail is smeared away much more than vertical detail.
    assert after_x / before_x < 0.6 * (after_y / before_y)


def test_vhs_timestamp_overlay_draws_bright_text_bottom_right() -> None:
    frame = _raw("90s family home video", (640, 360))
    look = BY_ID["retro-vhs-90s"].look
    with_stamp = np.asarray(apply_look(frame, look, SEED), np.float32)
    without = np.asarray(apply_look(frame, look.with_changes(timestamp=False), SEED), np.float32)
    corner = (slice(240, 340), slice(400, 610))
    changed = np.abs(with_stamp[corner] - without[corner]).max(axis=2) > 40
    assert changed.mean() > 0.03


def test_cinematic_letterbox_bars_black_in_landscape_absent_in_portrait() -> None:
    look = BY_ID["cinematic-realism"].look
    wide = np.asarray(apply_look(_raw("city at sunset"), look, SEED), np.float32)
    bar = round((SIZE[1] - SIZE[0] / look.letterbox_aspect) / 2)
    assert wide[: bar - 1].max() == 0 and wide[-(bar - 1) :].max() == 0
    assert wide[bar + 2 : -bar - 2].mean() > 30
    tall = np.asarray(apply_look(_raw("city at sunset", (180, 320)), look, SEED), np.float32)
    assert tall[:10].mean() > 5


def test_neutral_look_leaves_frame_nearly_unchanged() -> None:
    frame = _raw("street photographer in a market")
    out = apply_look(frame, Look(), SEED)
    assert np.abs(np.asarray(out, np.float32) - np.asarray(frame, np.float32)).mean() < 1.5


def test_grade_array_contrast_and_monochrome_behave() -> None:
    ramp = np.repeat(np.linspace(0, 1, 11)[:, None], 3, axis=1) * np.array([1.0, 0.6, 0.3])
    mono = grade_array(ramp, Look(monochrome=True, saturation=0.0))
    assert np.allclose(mono[:, 0], mono[:, 1]) and np.allclose(mono[:, 1], mono[:, 2])
    flat, punchy = grade_array(ramp, Look(contrast=0.6)), grade_array(ramp, Look(contrast=1.8))
    assert punchy.std() > ramp.std() > flat.std()
    assert np.all(np.diff(punchy[:, 0]) >= 0)  # curves stay monotonic
    faded = grade_array(ramp, Look(black_point=0.1, white_point=0.9))
    assert faded.min() >= 0.1 - 1e-9 and faded.max() <= 0.9 + 1e-9


@pytest.mark.parametrize("style", STYLES, ids=lambda s: s.id)
def test_apply_look_same_seed_identical_different_seed_differs(style: Style) -> None:
    frame = _raw("detective in a dark street with rain", (160, 90))
    first = apply_look(frame, style.look, 1)
    assert first.tobytes() == apply_look(frame, style.look, 1).tobytes()
    assert first.size == (160, 90) and first.mode == "RGB"
    has_randomness = style.look.grain > 0 or style.look.tracking_noise > 0
    if has_randomness:
        assert first.tobytes() != apply_look(frame, style.look, 2).tobytes()


@pytest.mark.parametrize("style", STYLES, ids=lambda s: s.id)
def test_apply_look_tiny_and_odd_sizes_keep_size(style: Style) -> None:
    for size in ((16, 16), (33, 17), (17, 61)):
        frame = Image.new("RGB", size, (120, 90, 60))
        assert apply_look(frame, style.look, SEED).size == size


# Distinctness and composition ---------------------------------------------------------------


def test_seven_demo_previews_differ_pairwise_by_clear_margin(
    renders: dict[tuple[str, str], np.ndarray],
) -> None:
    demos = {s.id: renders[(s.demo_scene, s.id)] for s in STYLES}
    for a, b in itertools.combinations(demos, 2):
        mad = np.abs(demos[a] - demos[b]).mean()
        assert mad > 30, f"{a} and {b} previews differ by only {mad:.1f}/255"


def test_same_scene_in_seven_styles_differs_pairwise(
    renders: dict[tuple[str, str], np.ndarray],
) -> None:
    for scene in (s.demo_scene for s in STYLES):
        for a, b in itertools.combinations(BY_ID, 2):
            mad = np.abs(renders[(scene, a)] - renders[(scene, b)]).mean()
            assert mad > 8, f"{scene!r}: {a} vs {b} differ by only {mad:.1f}/255"


def test_look_signatures_separate_the_seven_styles(
    renders: dict[tuple[str, str], np.ndarray],
) -> None:
    """Statistics of one shared scene tell every style apart: saturation, contrast, hue."""
    scene = BY_ID["documentary-grit"].demo_scene
    signatures = {}
    for style_id in BY_ID:
        pixels = renders[(scene, style_id)]
        luma = pixels @ LUMA
        r, g, b = (pixels[:, :, i].mean() / 255 for i in range(3))
        hue = colorsys.rgb_to_hsv(r, g, b)[0]
        signatures[style_id] = np.array(
            [_mean_saturation(pixels), luma.std() / 128, luma.mean() / 255, r - b, hue]
        )
    for a, b in itertools.combinations(signatures, 2):
        assert np.abs(signatures[a] - signatures[b]).max() > 0.03, (a, b)


def test_same_scene_across_styles_keeps_composition(
    renders: dict[tuple[str, str], np.ndarray],
) -> None:
    """Looking a frame up by its structure among another style's renders finds its scene."""
    scenes = [s.demo_scene for s in STYLES]
    for a, b in itertools.permutations(BY_ID, 2):
        for scene in scenes:
            similarity = {
                other: _similarity(renders[(scene, a)], renders[(other, b)]) for other in scenes
            }
            best = max(similarity, key=lambda k: similarity[k])
            assert best == scene, f"{scene!r} in {a} looks most like {best!r} in {b}"


def test_noir_and_cinematic_same_street_share_structure(
    renders: dict[tuple[str, str], np.ndarray],
) -> None:
    scene = BY_ID["film-noir"].demo_scene
    same = _similarity(renders[(scene, "film-noir")], renders[(scene, "cinematic-realism")])
    other = _similarity(
        renders[(scene, "film-noir")],
        renders[(BY_ID["fantasy-illustration"].demo_scene, "cinematic-realism")],
    )
    assert same > 0.8
    assert other < 0.3
