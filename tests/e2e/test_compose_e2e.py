"""Compose end to end: real FFmpeg and eSpeak NG, outputs checked with ffprobe and pixels."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from PIL import Image

from genscene.errors import JobCancelledError, JobFailedError, ValidationError
from genscene.pipeline import compose, motion
from genscene.pipeline.jobs import Job, JobContext
from genscene.pipeline.media import MediaRef
from genscene.pipeline.render import (
    CacheStats,
    render_storyboard,
    run_compose_job,
)
from genscene.pipeline.scene_cache import prune_cache
from genscene.pipeline.styles import CatalogueFile

pytestmark = pytest.mark.e2e

FFMPEG = "ffmpeg"


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A frame/narration cache shared by the module's renders (they reuse scenes)."""
    return tmp_path_factory.mktemp("cache")


def board(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Night shift",
        "style": "film-noir",
        "format": {"aspect": "16:9", "height": 360, "fps": 30},
        "subtitles": "burn",
        "scenes": [
            {
                "prompt": "detective in a dark street with rain",
                "narration": "The city never sleeps.",
                "duration": 3,
                "camera": "zoom-in",
                "transition": "fade",
            },
            {
                "prompt": "city at sunset",
                "narration": "Neither do I.",
                "duration": 2.5,
                "camera": "pan-left",
                "style": "cinematic-realism",
            },
        ],
    }
    data.update(changes)
    return data


def probe(path: Path) -> dict[str, dict[str, Any]]:
    """Return ffprobe's streams by type (frames counted), plus the format."""
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-count_frames",
            "-show_streams",
            "-show_format",
            "-of",
            "json",
            str(path),
        ],
        capture_output=True,
        check=True,
    ).stdout
    info = json.loads(out)
    streams = {s["codec_type"]: s for s in info["streams"]}
    return {**streams, "format": info["format"]}


def loudness_lufs(path: Path) -> float | None:
    result = subprocess.run(
        [
            FFMPEG,
            "-hide_banner",
            "-nostats",
            "-i",
            str(path),
            "-af",
            "ebur128=framelog=verbose",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return compose.parse_integrated_loudness(result.stderr.splitlines())


def gray_frame(path: Path, at_s: float, size: tuple[int, int]) -> np.ndarray:
    raw = subprocess.run(
        [
            FFMPEG,
            "-v",
            "error",
            "-ss",
            str(at_s),
            "-i",
            str(path),
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "gray",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, np.uint8).reshape(size[1], size[0]).astype(np.float64)


def audio_samples(path: Path) -> np.ndarray:
    raw = subprocess.run(
        [FFMPEG, "-v", "error", "-i", str(path), "-ac", "1", "-ar", "48000", "-f", "f32le", "-"],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, "<f4")


def srt_cues(text: str) -> list[tuple[str, str]]:
    """Return (start timestamp, text) per cue of an SRT file."""
    cues = []
    for block in text.strip().split("\n\n"):
        lines = block.splitlines()
        cues.append((lines[1].split(" --> ")[0], " ".join(lines[2:])))
    return cues


def top_level_atoms(path: Path) -> list[str]:
    """Return the MP4's top-level box types in file order."""
    data = path.read_bytes()
    atoms, position = [], 0
    while position + 8 <= len(data):
        size = int.from_bytes(data[position : position + 4], "big")
        atoms.append(data[position + 4 : position + 8].decode("latin-1"))
        if size == 1:
            size = int.from_bytes(data[position + 8 : position + 16], "big")
        if size < 8:
            break
        position += size
    return atoms


def ffmpeg_pids_mentioning(text: str) -> list[int]:
    pids = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            cmdline = Path(entry.path, "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "ffmpeg" in cmdline and text in cmdline:
            pids.append(int(entry.name))
    return pids


def make_clip(path: Path, seconds: float, tone_hz: int | None = None) -> Path:
    """Write a 320x240 25 fps test-pattern clip, with a sine tone as its sound if asked."""
    argv = [FFMPEG, "-v", "error", "-f", "lavfi", "-i"]
    argv.append(f"testsrc2=size=320x240:rate=25:duration={seconds}")
    if tone_hz is not None:
        argv += [
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency={tone_hz}:sample_rate=48000:duration={seconds}",
        ]
        argv += ["-c:a", "aac", "-shortest"]
    subprocess.run([*argv, "-pix_fmt", "yuv420p", "-y", str(path)], check=True)
    return path


async def test_render_storyboard_16x9_burn_exact_frames_loudness_outputs(
    tmp_path: Path, cache_dir: Path
) -> None:
    out = tmp_path / "job"
    result = await render_storyboard(board(), out, cache_dir=cache_dir)
    assert sorted(p.name for p in out.iterdir()) == [
        "poster.jpg",
        "subtitles.srt",
        "subtitles.vtt",
        "video.mp4",
    ]
    info = probe(result.video)
    video, audio = info["video"], info["audio"]
    assert (video["codec_name"], video["pix_fmt"]) == ("h264", "yuv420p")
    assert (video["width"], video["height"]) == (640, 360)
    # 3 s + 2.5 s scenes overlapping by a 0.5 s crossfade: 150 frames.
    assert int(video["nb_read_frames"]) == 150
    assert abs(float(video["duration"]) - 5.0) < 1 / 30
    assert audio["codec_name"] == "aac"
    assert abs(float(audio["duration"]) - 5.0) < 1 / 30
    atoms = top_level_atoms(result.video)
    assert atoms.index("moov") < atoms.index("mdat")  # +faststart: playable while loading
    lufs = loudness_lufs(result.video)
    assert lufs is not None and abs(lufs - -16.0) < 1.0
    assert result.duration_s == pytest.approx(5.0)
    assert (result.width, result.height) == (640, 360)
    with Image.open(result.poster) as poster:
        assert (poster.format, poster.size) == ("JPEG", (640, 360))
    srt = srt_cues(result.srt.read_text())
    assert srt == [
        ("00:00:00,000", "The city never sleeps."),
        ("00:00:02,500", "Neither do I."),
    ]
    vtt = result.vtt.read_text()
    assert vtt.startswith("WEBVTT\n")
    assert "00:00:02.500 --> " in vtt and "Neither do I." in vtt
    assert result.to_json("abc") == {
        "video_url": "/media/abc/video.mp4",
        "poster_url": "/media/abc/poster.jpg",
        "srt_url": "/media/abc/subtitles.srt",
        "vtt_url": "/media/abc/subtitles.vtt",
        "duration_s": 5.0,
        "width": 640,
        "height": 360,
    }


@pytest.mark.parametrize(
    ("aspect", "subtitles", "size"),
    [("9:16", "soft", (136, 240)), ("1:1", "none", (240, 240)), ("4:5", "burn", (192, 240))],
)
async def test_render_storyboard_aspect_size_and_subtitle_track(
    tmp_path: Path, cache_dir: Path, aspect: str, subtitles: str, size: tuple[int, int]
) -> None:
    data = board(
        format={"aspect": aspect, "height": 240, "fps": 25},
        subtitles=subtitles,
        scenes=[{"prompt": "futuristic robot", "narration": "Hi there.", "duration": 2}],
    )
    result = await render_storyboard(data, tmp_path, cache_dir=cache_dir)
    info = probe(result.video)
    assert (info["video"]["width"], info["video"]["height"]) == size
    assert int(info["video"]["nb_read_frames"]) == 50
    assert ("subtitle" in info) == (subtitles == "soft")
    if subtitles == "soft":
        assert info["subtitle"]["codec_name"] == "mov_text"
    assert "Hi there." in result.srt.read_text()


async def test_render_burned_subtitles_change_pixels_only_where_text_sits(
    tmp_path: Path, cache_dir: Path
) -> None:
    scene = {"prompt": "futuristic robot", "narration": "The city never sleeps.", "duration": 3}
    data = board(style="stylized-3d", scenes=[scene])
    burned = await render_storyboard(data, tmp_path / "burn", cache_dir=cache_dir)
    data["subtitles"] = "none"
    plain = await render_storyboard(data, tmp_path / "none", cache_dir=cache_dir)
    with_text = gray_frame(burned.video, 1.0, (640, 360))
    without = gray_frame(plain.video, 1.0, (640, 360))
    difference = np.abs(with_text - without)
    band, sky = difference[290:350, :].mean(), difference[:180, :].mean()
    # Text in the subtitle band; elsewhere only encoder noise.
    assert band > 3.0 and band > 5 * sky


async def test_burned_subtitles_in_later_parts_follow_the_timeline_clock(
    tmp_path: Path, cache_dir: Path
) -> None:
    # Six 2 s scenes at 240p are encoded as two parts of three. Scene 4 (the first of part
    # two) is silent: if a part drew its subtitles on its own clock from 0, scene 1's cue
    # would appear there.
    narrations = ["One two three.", "Four five six.", "Seven eight.", "", "Nine ten.", "End."]
    scenes = [
        {"prompt": "city at sunset", "narration": text, "duration": 2, "transition": "none"}
        for text in narrations
    ]
    data = board(format={"aspect": "16:9", "height": 240, "fps": 25}, scenes=scenes)
    burned = await render_storyboard(data, tmp_path / "burn", cache_dir=cache_dir)
    data["subtitles"] = "none"
    plain = await render_storyboard(data, tmp_path / "none", cache_dir=cache_dir)
    size = (426, 240)

    def text_in_band(at_s: float) -> float:
        difference = np.abs(
            gray_frame(burned.video, at_s, size) - gray_frame(plain.video, at_s, size)
        )
        return float(difference[190:235, :].mean())

    silent = text_in_band(6.5)  # scene 4, part two: no cue
    assert silent < 0.3
    for at_s in (0.5, 2.5, 8.5, 10.5):  # scenes 1 and 2 (part one), 5 and 6 (part two)
        assert text_in_band(at_s) > max(0.5, 3 * silent), at_s


async def test_render_music_looped_and_ducked_under_narration(
    tmp_path: Path, cache_dir: Path
) -> None:
    music = tmp_path / "tone.wav"
    subprocess.run(
        [
            FFMPEG,
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=5000:duration=3",
            "-y",
            str(music),
        ],
        check=True,
    )
    ref = MediaRef("m1", "audio", "audio/wav", music, music.stat().st_size)
    data = board(
        music={"media_id": "m1", "volume": 0.5, "duck": True},
        subtitles="none",
        scenes=[
            {
                "prompt": "city at sunset",
                "narration": "The city never sleeps, and neither do I, not tonight.",
                "duration": 8,
            }
        ],
    )
    result = await render_storyboard(
        data, tmp_path / "out", cache_dir=cache_dir, media_lookup={"m1": ref}.get
    )
    samples = audio_samples(result.video)

    def tone(start_s: float, end_s: float) -> float:
        window = samples[int(start_s * 48000) : int(end_s * 48000)]
        spectrum = np.abs(np.fft.rfft(window * np.hanning(len(window))))
        freqs = np.fft.rfftfreq(len(window), 1 / 48000)
        return float(spectrum[np.abs(freqs - 5000) < 20].max())

    while_speaking, after = tone(0.4, 1.6), tone(4.5, 5.8)
    # The 3 s tone still sounds at 4.5-5.8 s (looped) and is >= 6 dB louder there.
    assert after > 2 * while_speaking
    lufs = loudness_lufs(result.video)
    assert lufs is not None and abs(lufs - -16.0) < 1.0


@pytest.mark.parametrize("how", ["task_cancel", "job_cancelled_error"])
async def test_render_cancel_mid_encode_no_partial_files_ffmpeg_gone(
    tmp_path: Path, cache_dir: Path, how: str
) -> None:
    out = tmp_path / "job"
    scenes = [
        {"prompt": "detective in a dark street with rain", "duration": 20, "camera": c}
        for c in ("zoom-in", "zoom-out", "pan-right")
    ]
    data = board(format={"aspect": "16:9", "height": 240, "fps": 30}, scenes=scenes)
    seen: list[str] = []

    async def on_progress(value: float, stage: str, message: str | None, extra: dict[str, Any]):
        seen.append(stage)
        if stage == "encode" and extra.get("out_time_s", 0) > 0:
            assert ffmpeg_pids_mentioning(str(out)), "the encoder should be running now"
            if how == "task_cancel":
                asyncio.current_task().cancel()  # type: ignore[union-attr]
            else:
                raise JobCancelledError("cancelled on request")

    task = asyncio.ensure_future(
        render_storyboard(data, out, cache_dir=cache_dir, on_progress=on_progress)
    )
    expected = asyncio.CancelledError if how == "task_cancel" else JobCancelledError
    with pytest.raises(expected):
        await task
    assert "encode" in seen
    assert not out.exists() or list(out.iterdir()) == []
    assert ffmpeg_pids_mentioning(str(out)) == []
    assert list(tmp_path.rglob(".parts-*")) == []


async def test_render_encoder_rejects_option_job_failed_with_stderr(
    tmp_path: Path, cache_dir: Path
) -> None:
    out = tmp_path / "job"
    with pytest.raises(JobFailedError) as caught:
        await render_storyboard(
            board(),
            out,
            cache_dir=cache_dir,
            encode_settings=compose.EncodeSettings(preset="no-such-preset"),
        )
    assert "FFmpeg failed composing and encoding scenes (part 1 of" in caught.value.message
    assert "no-such-preset" in caught.value.message  # x264's own stderr line
    assert not out.exists() or list(out.iterdir()) == []


async def test_render_producer_bad_filter_job_failed_with_stderr(
    tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = compose.build_part_argv

    def broken(*args: Any, **kwargs: Any) -> list[str]:
        argv = original(*args, **kwargs)
        index = argv.index("-filter_complex") + 1
        argv[index] = argv[index].replace("setsar=1", "nosuchfilter=1", 1)
        return argv

    monkeypatch.setattr(compose, "build_part_argv", broken)
    with pytest.raises(JobFailedError) as caught:
        await render_storyboard(board(), tmp_path / "job", cache_dir=cache_dir)
    assert "failed composing and encoding scenes (part 1 of 1)" in caught.value.message
    assert "nosuchfilter" in caught.value.message
    assert ffmpeg_pids_mentioning(str(tmp_path)) == []


@pytest.fixture
def garbage(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "upload.bin"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(2048))
    yield path


@pytest.mark.parametrize(("kind", "error"), [("image", ValidationError), ("video", JobFailedError)])
async def test_render_corrupt_upload_fails_naming_scene_media(
    tmp_path: Path, cache_dir: Path, garbage: Path, kind: str, error: type[Exception]
) -> None:
    ref = MediaRef("up1", kind, "x/y", garbage, garbage.stat().st_size)
    data = board(scenes=[{"media_id": "up1", "narration": "Look at this."}])
    with pytest.raises(error) as caught:
        await render_storyboard(
            data, tmp_path / "job", cache_dir=cache_dir, media_lookup={"up1": ref}.get
        )
    assert caught.value.field == "scenes[0].media_id"  # type: ignore[attr-defined]
    assert not (tmp_path / "job").exists() or list((tmp_path / "job").iterdir()) == []


async def test_render_video_clip_scene_padded_and_graded_monochrome(
    tmp_path: Path, cache_dir: Path
) -> None:
    clip = make_clip(tmp_path / "clip.mp4", 1)
    ref = MediaRef("c1", "video", "video/mp4", clip, clip.stat().st_size)
    data = board(
        subtitles="none",
        scenes=[{"media_id": "c1", "duration": 2, "camera": "zoom-in", "narration": ""}],
    )
    result = await render_storyboard(
        data, tmp_path / "job", cache_dir=cache_dir, media_lookup={"c1": ref}.get
    )
    info = probe(result.video)
    assert int(info["video"]["nb_read_frames"]) == 60  # the 1 s clip held to fill 2 s
    raw = subprocess.run(
        [
            FFMPEG,
            "-v",
            "error",
            "-ss",
            "1.5",
            "-i",
            str(result.video),
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "yuv444p",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    planes = np.frombuffer(raw, np.uint8).reshape(3, 360, 640).astype(np.int16)
    # testsrc2 is saturated colour; film noir's grade leaves only grey.
    assert np.abs(planes[1:] - 128).mean() < 3
    assert planes[0].std() > 10


def tone_level(samples: np.ndarray, start_s: float, end_s: float, hz: float = 1000.0) -> float:
    """Return the RMS amplitude of the `hz` tone in [start_s, end_s) of 48 kHz mono samples."""
    part = samples[round(start_s * 48000) : round(end_s * 48000)].astype(np.float64)
    spectrum = np.fft.rfft(part * np.hanning(len(part)))
    freqs = np.fft.rfftfreq(len(part), 1 / 48000)
    band = np.abs(spectrum[(freqs > hz - 15) & (freqs < hz + 15)])
    # Hann window: coherent gain 0.5; a sine of amplitude A peaks at A * N / 4.
    return float(np.sqrt((band**2).sum()) * 4 / len(part) / np.sqrt(2))


async def test_render_clip_sound_kept_ducked_under_narration_and_muted_on_request(
    tmp_path: Path, cache_dir: Path
) -> None:
    clip = make_clip(tmp_path / "beep.mp4", 3, tone_hz=1000)
    ref = MediaRef("beep", "video", "video/mp4", clip, clip.stat().st_size)
    data = board(
        subtitles="none",
        format={"aspect": "16:9", "height": 144, "fps": 25},
        scenes=[
            {"prompt": "city at sunset", "narration": "", "duration": 2, "transition": "none"},
            {
                "media_id": "beep",
                "narration": "Listen to this.",
                "duration": 3,
                "transition": "none",
            },
            {"media_id": "beep", "narration": "", "duration": 2, "clip_volume": 0},
        ],
    )
    result = await render_storyboard(
        data, tmp_path / "job", cache_dir=cache_dir, media_lookup={"beep": ref}.get
    )
    assert abs(result.duration_s - 7.0) < 1e-9
    samples = audio_samples(result.video)
    assert abs(len(samples) / 48000 - 7.0) < 0.05
    silent_still = tone_level(samples, 0.2, 1.8)
    under_voice = tone_level(samples, 2.15, 2.6)
    clip_alone = tone_level(samples, 3.8, 4.9)
    muted_clip = tone_level(samples, 5.2, 6.8)
    # The clip's tone plays in its scene, from its first frame, and nowhere else.
    assert clip_alone > 0.05
    assert silent_still < clip_alone / 100
    assert muted_clip < clip_alone / 100
    # While the narrator speaks the clip dips (sidechain ducking) by at least 6 dB.
    assert clip_alone / 20 < under_voice < clip_alone / 2
    assert np.abs(samples[round(5.2 * 48000) : round(6.8 * 48000)]).max() < 0.01


async def test_render_edit_one_scene_reuses_cached_others(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    scenes = [
        {"prompt": f"city at sunset number {i}", "narration": f"Scene number {i}.", "duration": 2}
        for i in range(3)
    ]
    data = board(format={"aspect": "16:9", "height": 144, "fps": 24}, scenes=scenes)
    first = await render_storyboard(data, tmp_path / "a", cache_dir=cache)
    assert first.cache == CacheStats(frame_misses=3, narration_misses=3)
    scenes[1] = {**scenes[1], "prompt": "wizard in a magical library"}
    scenes[2] = {**scenes[2], "narration": "A different ending."}
    second = await render_storyboard(data, tmp_path / "b", cache_dir=cache)
    assert second.cache == CacheStats(
        frame_hits=2, frame_misses=1, narration_hits=2, narration_misses=1
    )
    assert "A different ending." in second.srt.read_text()


async def test_cache_pruned_to_zero_mid_render_render_still_succeeds(tmp_path: Path) -> None:
    # Another render (or process) empties the cache after this one prepared its scenes and
    # before FFmpeg reads them: the render's frames are its own links, so nothing is lost.
    cache = tmp_path / "cache"
    data = board(format={"aspect": "16:9", "height": 144, "fps": 24})
    pruned: list[int] = []

    async def on_progress(value: float, stage: str, message: str | None, _: object) -> None:
        if stage == "encode" and not pruned:  # reported before any FFmpeg process starts
            pruned.append(prune_cache(cache, 0).removed_entries)

    result = await render_storyboard(
        data, tmp_path / "a", cache_dir=cache, on_progress=on_progress, cache_max_bytes=0
    )
    assert pruned == [4]  # two frames and two narrations were gone before the encode
    assert int(probe(result.video)["video"]["nb_read_frames"]) == round(result.duration_s * 24)
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == sorted(
        ["video.mp4", "poster.jpg", "subtitles.srt", "subtitles.vtt"]
    )
    assert [p for p in cache.rglob("*") if p.is_file()] == []
    again = await render_storyboard(data, tmp_path / "b", cache_dir=cache, cache_max_bytes=0)
    assert again.cache == CacheStats(frame_misses=2, narration_misses=2)


async def test_run_compose_job_prunes_the_cache_to_the_setting(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    ctx = JobContext(
        job=compose_job(board(format={"aspect": "16:9", "height": 144, "fps": 24})),
        store=FakeStore(),  # type: ignore[arg-type]
        output_dir=tmp_path / "media" / JOB_ID,
        extras={"cache_dir": cache, "settings": SimpleNamespace(scene_cache_max_mb=0)},
    )
    result = await run_compose_job(ctx)
    assert (tmp_path / "media" / JOB_ID / "video.mp4").stat().st_size > 0
    assert result["duration_s"] > 0
    assert [p for p in cache.rglob("*") if p.is_file()] == []


async def test_render_many_scenes_narration_onset_drift_under_one_frame(
    tmp_path: Path, cache_dir: Path
) -> None:
    scenes = [{"prompt": "city at sunset", "narration": "Go.", "duration": 2} for _ in range(20)]
    data = board(
        format={"aspect": "16:9", "height": 144, "fps": 30}, subtitles="none", scenes=scenes
    )
    result = await render_storyboard(data, tmp_path / "job", cache_dir=cache_dir)
    info = probe(result.video)
    # 20 scenes of 60 frames, 19 crossfades of 15: 915 frames.
    assert int(info["video"]["nb_read_frames"]) == 915
    samples = np.abs(audio_samples(result.video))
    threshold = samples.max() * 0.1
    offsets = []
    for index in range(20):
        start = index * 45 / 30
        window = samples[int(start * 48000) : int((start + 1.2) * 48000)]
        offsets.append(np.argmax(window > threshold) / 48000)
    assert max(offsets) - min(offsets) < 1 / 30


class FakeStore:
    """Enough of JobStore for a JobContext: records progress, never cancels."""

    def __init__(self) -> None:
        self.progress: list[tuple[float, str, dict[str, Any] | None]] = []
        self.logs: list[str] = []

    async def report_progress(
        self,
        job_id: str,
        progress: float,
        stage: str,
        message: str | None,
        extra: dict[str, Any] | None,
    ) -> bool:
        self.progress.append((progress, stage, extra))
        return False

    async def log(self, job_id: str, message: str, level: str = "info") -> None:
        self.logs.append(message)


JOB_ID = "0123456789abcdef0123456789abcdef"


def compose_job(params: dict[str, Any]) -> Job:
    return Job(
        id=JOB_ID,
        kind="compose",
        status="running",
        progress=0.0,
        stage=None,
        message=None,
        params=params,
        result=None,
        error=None,
        attempts=1,
        cancel_requested=False,
        created_at="2024-01-01T00:00:00Z",
        started_at=None,
        finished_at=None,
        updated_at=None,
    )


async def test_run_compose_job_spec_result_and_progress_stages(
    tmp_path: Path, cache_dir: Path
) -> None:
    job_id = JOB_ID
    store = FakeStore()
    output_dir = tmp_path / "media" / job_id
    ctx = JobContext(
        job=compose_job(board(format={"aspect": "16:9", "height": 240, "fps": 30})),
        store=store,  # type: ignore[arg-type]
        output_dir=output_dir,
        extras={"cache_dir": cache_dir, "catalogue": CatalogueFile()},
    )
    result = await run_compose_job(ctx)
    assert result == {
        "video_url": f"/media/{job_id}/video.mp4",
        "poster_url": f"/media/{job_id}/poster.jpg",
        "srt_url": f"/media/{job_id}/subtitles.srt",
        "vtt_url": f"/media/{job_id}/subtitles.vtt",
        "duration_s": 5.0,
        "width": 426,
        "height": 240,
    }
    assert all((output_dir / url.rsplit("/", 1)[1]).is_file() for url in list(result.values())[:4])
    values = [value for value, _, _ in store.progress]
    assert values == sorted(values) and values[-1] == 1.0
    stages = {stage for _, stage, _ in store.progress}
    assert {"frames", "narration", "encode", "done"} <= stages
    encode_extras = [extra for _, stage, extra in store.progress if stage == "encode" and extra]
    assert any(extra.get("eta_s") is not None for extra in encode_extras)


async def test_run_compose_job_settings_limits_applied(tmp_path: Path) -> None:
    settings = SimpleNamespace(storyboard_max_scenes=1)
    ctx = JobContext(
        job=compose_job(board()),
        store=FakeStore(),  # type: ignore[arg-type]
        output_dir=tmp_path / "media" / JOB_ID,
        extras={"cache_dir": tmp_path / "cache", "settings": settings},
    )
    with pytest.raises(ValidationError) as caught:
        await run_compose_job(ctx)
    assert caught.value.field == "scenes"


@pytest.mark.parametrize("camera", ["zoom-in", "pan-right"])
def test_camera_move_subpixel_smooth_no_jitter(tmp_path: Path, camera: str) -> None:
    size, frames = (640, 360), 60
    points = [(160, 100), (480, 260), (250, 220)]
    still = tmp_path / "dots.png"
    motion.draw_dots(size, points).save(still)
    timeline = compose.Timeline(*size, 30, (compose.TimelineScene(still, frames, camera),), ())
    argv = compose.build_frames_argv(FFMPEG, timeline, timeline.segments(), "pipe:1")
    luma = motion.luma_frames(subprocess.run(argv, capture_output=True, check=True).stdout, size)
    assert len(luma) == frames
    zoom = compose.PAN_ZOOM
    travelled = 0.0
    for x0, y0 in points:
        # Where frame 0 shows the dot: unchanged for a zoom-in, magnified for a pan.
        x, y = (x0, y0) if camera == "zoom-in" else (x0 * zoom, (y0 - 180 * (1 - 1 / zoom)) * zoom)
        path = motion.track_dot(luma, (x, y))
        # zoompan, snapping its window to whole pixels, strays by more than 1 px here.
        assert motion.path_jitter(path) < 0.05
        travelled = max(travelled, float(np.abs(path[-1] - path[0]).max()))
    assert travelled > 10
