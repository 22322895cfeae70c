"""Storyboard to video: prepare scenes (frames, narration), then compose them with FFmpeg.

Preparation runs concurrently within the CPU budget: frames in a process pool, speech in
eSpeak NG subprocesses bounded by a semaphore. Both are cached on disk by content hash, so
re-rendering after editing one scene repeats the work for that scene only. Composition
encodes the video in parts of a few scenes, two FFmpeg processes at a time, while another
process masters the sound; the parts and the sound are then joined without re-encoding (see
`genscene.pipeline.compose`). Progress comes from the parts' `-progress` output.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import dataclasses
import functools
import hashlib
import json
import logging
import math
import multiprocessing
import os
import shutil
import tempfile
import time
import uuid
import wave
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from genscene.errors import GenSceneError, JobFailedError, ValidationError
from genscene.pipeline import compose, subtitles
from genscene.pipeline.jobs import JobContext
from genscene.pipeline.looks import grade_array
from genscene.pipeline.media import MediaRef
from genscene.pipeline.process import (
    find_ffmpeg,
    probe_media,
    relevant_stderr,
    run_process,
)
from genscene.pipeline.scene_cache import claim_frame, prune_cache
from genscene.pipeline.storyboard import (
    MediaLookup,
    Scene,
    Storyboard,
    StoryboardLimits,
    parse_storyboard,
)
from genscene.pipeline.styles import Catalogue, CatalogueFile, Look, Style, load_catalogue
from genscene.pipeline.tts import TtsRequest, get_engine

log = logging.getLogger(__name__)

ProgressCallback = Callable[[float, str, str | None, dict[str, Any]], Awaitable[None]]
"""Receives (progress 0..1, stage, message, extra) as rendering advances."""

PADDING_S = 0.6  # silence after a scene's narration before the next scene takes over
MIN_AUTO_S = 2.0
TRANSITION_S = 0.5
MAX_SCENES_PER_PART = 3  # at 720p; fewer for larger frames (memory per FFmpeg process)
MAX_PARALLEL_PARTS = 2  # FFmpeg processes encoding parts at once (at most one per CPU)
CACHE_VERSION = 1
_PREPARE_SHARE = 0.3  # progress share of frames + narration; encoding takes the rest


@dataclass(frozen=True)
class CacheStats:
    """How many prepared frames and narrations came from the cache or were made fresh."""

    frame_hits: int = 0
    frame_misses: int = 0
    narration_hits: int = 0
    narration_misses: int = 0


@dataclass(frozen=True)
class OutputNames:
    """File names of a render's outputs inside its output folder."""

    video: str = "video.mp4"
    poster: str = "poster.jpg"
    srt: str = "subtitles.srt"
    vtt: str = "subtitles.vtt"

    @classmethod
    def beside(cls, video: Path) -> OutputNames:
        """Return names for `video` with poster, SRT and VTT next to it (`out.jpg`, ...)."""
        stem = video.stem
        return cls(video=video.name, poster=f"{stem}.jpg", srt=f"{stem}.srt", vtt=f"{stem}.vtt")


@dataclass(frozen=True)
class ComposeResult:
    """A finished render: output paths, duration and size, and cache statistics."""

    video: Path
    poster: Path
    srt: Path
    vtt: Path
    duration_s: float
    width: int
    height: int
    cache: CacheStats = field(default_factory=CacheStats)
    notes: tuple[str, ...] = ()

    def to_json(self, job_id: str) -> dict[str, Any]:
        """Return the SPEC's compose result with URLs under `/media/{job_id}/`."""
        base = f"/media/{job_id}"
        return {
            "video_url": f"{base}/{self.video.name}",
            "poster_url": f"{base}/{self.poster.name}",
            "srt_url": f"{base}/{self.srt.name}",
            "vtt_url": f"{base}/{self.vtt.name}",
            "duration_s": round(self.duration_s, 3),
            "width": self.width,
            "height": self.height,
        }


@dataclass(frozen=True)
class _Prepared:
    """What preparation produced: stills, narrations and clip lengths, by scene index."""

    frames: dict[int, Path]
    narrations: dict[int, _Narration]
    clip_durations_s: dict[int, float]
    stats: CacheStats
    clips_with_sound: frozenset[int] = frozenset()


@dataclass(frozen=True)
class _Narration:
    """A scene's spoken narration: mono 16-bit samples and the chunk each span holds."""

    samples: np.ndarray
    sample_rate: int
    chunks: tuple[tuple[str, int], ...]  # (text, samples)

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate


# -- the public entry points ------------------------------------------------------------


async def render_storyboard(
    storyboard: Storyboard | Mapping[str, Any],
    out_dir: Path,
    *,
    cache_dir: Path,
    on_progress: ProgressCallback | None = None,
    media_lookup: MediaLookup | None = None,
    seed: int = 0,
    names: OutputNames | None = None,
    catalogue: Catalogue | None = None,
    limits: StoryboardLimits | None = None,
    encode_settings: compose.EncodeSettings | None = None,
    frame_executor: concurrent.futures.Executor | None = None,
    cache_max_bytes: int | None = None,
) -> ComposeResult:
    """Return the finished render of `storyboard` (a Storyboard, or its JSON to validate).

    Outputs appear in `out_dir` only when everything succeeded; on failure or cancel no
    partial file is left behind and every FFmpeg process started here is killed. With
    `cache_max_bytes`, the scene cache is pruned to that size afterwards (either way).
    """
    names = names or OutputNames()
    limits = limits or StoryboardLimits()
    if catalogue is None:
        catalogue = await asyncio.to_thread(load_catalogue)
    if not isinstance(storyboard, Storyboard):
        storyboard = await asyncio.to_thread(
            parse_storyboard,
            storyboard,
            catalogue=catalogue,
            media_lookup=media_lookup,
            limits=limits,
            tts_engine=get_engine(),
        )
    report = _Reporter(on_progress)
    work = out_dir / f".compose-{uuid.uuid4().hex[:12]}"
    await asyncio.to_thread(work.mkdir, parents=True)
    try:
        return await _render(
            storyboard,
            out_dir,
            work,
            cache_dir=cache_dir,
            report=report,
            seed=seed,
            names=names,
            catalogue=catalogue,
            limits=limits,
            settings=encode_settings or compose.EncodeSettings(),
            executor=frame_executor,
        )
    finally:
        # Synchronous on purpose: a second cancel must not leave the work folder behind.
        shutil.rmtree(work, ignore_errors=True)
        if cache_max_bytes is not None:
            await _prune(cache_dir, cache_max_bytes)


async def _prune(cache_dir: Path, max_bytes: int) -> None:
    # A full or read-only disk must not turn a finished render into a failed one.
    try:
        usage = await asyncio.to_thread(prune_cache, cache_dir, max_bytes)
    except OSError as exc:
        log.warning("scene cache not pruned: %s", exc)
        return
    if usage.removed_entries:
        log.info(
            "scene cache pruned: %d entries (%.1f MiB) removed, %d left (%.1f MiB)",
            usage.removed_entries,
            usage.removed_bytes / 2**20,
            usage.entries,
            usage.bytes / 2**20,
        )


async def run_compose_job(ctx: JobContext) -> dict[str, Any]:
    """Return a compose job's SPEC result after rendering its storyboard into the job folder.

    From `ctx.extras`: `cache_dir` (default `<data>/cache`), `media_lookup` (a
    `MediaLookup`), `catalogue` (a Catalogue or a CatalogueFile, so approved looks apply),
    `storyboard_limits` or `settings` (its `storyboard_max_*` fields), and `seed`.
    """
    extras = ctx.extras
    cache_dir = Path(extras.get("cache_dir") or ctx.output_dir.parent.parent / "cache")
    media_lookup: MediaLookup | None = extras.get("media_lookup")
    source = extras.get("catalogue")
    catalogue: Catalogue | None = None
    if isinstance(source, CatalogueFile):
        catalogue = await asyncio.to_thread(source.get)
    elif isinstance(source, Catalogue):
        catalogue = source
    limits = extras.get("storyboard_limits")
    if limits is None and extras.get("settings") is not None:
        limits = StoryboardLimits.from_settings(extras["settings"])
    cache_mb = getattr(extras.get("settings"), "scene_cache_max_mb", None)

    async def progress(
        value: float, stage: str, message: str | None, extra: dict[str, Any]
    ) -> None:
        await ctx.progress(value, stage, message, **extra)

    result = await render_storyboard(
        ctx.job.params,
        ctx.output_dir,
        cache_dir=cache_dir,
        on_progress=progress,
        media_lookup=media_lookup,
        seed=int(extras.get("seed", 0)),
        catalogue=catalogue,
        limits=limits,
        cache_max_bytes=None if cache_mb is None else int(cache_mb) * 2**20,
    )
    for note in result.notes:
        await ctx.log(note)
    return result.to_json(ctx.job.id)


# -- orchestration ----------------------------------------------------------------------


class _Reporter:
    """Keeps reported progress monotonic and forwards it to the caller's callback."""

    def __init__(self, callback: ProgressCallback | None) -> None:
        self.callback = callback
        self.value = 0.0

    async def __call__(
        self, value: float, stage: str, message: str | None = None, **extra: Any
    ) -> None:
        self.value = max(self.value, min(1.0, value))
        if self.callback is not None:
            await self.callback(round(self.value, 4), stage, message, extra)


async def _render(
    storyboard: Storyboard,
    out_dir: Path,
    work: Path,
    *,
    cache_dir: Path,
    report: _Reporter,
    seed: int,
    names: OutputNames,
    catalogue: Catalogue,
    limits: StoryboardLimits,
    settings: compose.EncodeSettings,
    executor: concurrent.futures.Executor | None,
) -> ComposeResult:
    fmt = storyboard.format
    size = fmt.size
    max_line_chars = subtitles.line_chars_for(size)
    await report(0.0, "frames", f"preparing {len(storyboard.scenes)} scenes")
    prepared = await _prepare_scenes(
        storyboard,
        work=work,
        cache_dir=cache_dir,
        catalogue=catalogue,
        seed=seed,
        max_line_chars=max_line_chars,
        report=report,
        executor=executor,
    )
    narrations, stats = prepared.narrations, prepared.stats
    timeline, notes = await asyncio.to_thread(
        _plan_timeline, storyboard, prepared, catalogue, work, limits.max_scene_s
    )
    if timeline.duration_s > limits.max_total_s + 1e-6:
        raise ValidationError(
            f"the video would last {timeline.duration_s:.1f} s; the limit is "
            f"{limits.max_total_s:.0f} s",
            field="scenes",
        )
    starts_s = [frame / fmt.fps for frame in timeline.start_frames()]
    # A look that stamps a date in the bottom corner would sit under the subtitles.
    raised = [catalogue.get(scene.style).look.timestamp for scene in storyboard.scenes]
    cues = _cues(narrations, starts_s, max_line_chars, raised)
    total_samples = round(timeline.total_frames * compose.AUDIO_RATE / fmt.fps)
    narration_path = work / "narration.wav"
    await asyncio.to_thread(_write_narration_track, narrations, timeline, narration_path)
    srt, vtt = work / names.srt, work / names.vtt
    await asyncio.to_thread(srt.write_text, subtitles.format_srt(cues), "utf-8")
    await asyncio.to_thread(vtt.write_text, subtitles.format_vtt(cues), "utf-8")
    track = None
    if storyboard.subtitles == "burn" and cues:
        ass = work / "subtitles.ass"
        text = subtitles.format_ass(cues, size, max_line_chars=max_line_chars)
        await asyncio.to_thread(ass.write_text, text, "utf-8")
        fonts = Path(subtitles.FONT_DIR)
        has_fonts = await asyncio.to_thread(fonts.is_dir)
        track = compose.SubtitleTrack("burn", ass, fonts if has_fonts else None)
    elif storyboard.subtitles == "soft" and cues:
        track = compose.SubtitleTrack("soft", srt)
    music = storyboard.music
    mix = compose.AudioMix(
        narration=narration_path,
        total_samples=total_samples,
        music=music.media.path if music else None,
        music_volume=music.volume if music else 0.25,
        duck=music.duck if music else True,
        clips=_clip_sounds(storyboard, prepared, timeline),
    )
    video = work / names.video
    await _compose(timeline, mix, track, video, storyboard.title, settings, report, _PREPARE_SHARE)
    await report(0.985, "poster", "writing the poster frame")
    poster = work / names.poster
    await _run_ffmpeg(
        compose.build_poster_argv(
            find_ffmpeg().path, video, _poster_time_s(timeline, cues), poster
        ),
        "writing the poster",
        timeout_s=120,
    )
    finals = {}
    for partial in (video, poster, srt, vtt):
        final = out_dir / partial.name
        os.replace(partial, final)
        finals[partial.name] = final
    await report(1.0, "done", f"{timeline.duration_s:.1f} s video ready")
    return ComposeResult(
        video=finals[names.video],
        poster=finals[names.poster],
        srt=finals[names.srt],
        vtt=finals[names.vtt],
        duration_s=timeline.duration_s,
        width=size[0],
        height=size[1],
        cache=stats,
        notes=tuple(notes),
    )


# -- preparing scenes -----------------------------------------------------------------------


async def _prepare_scenes(
    storyboard: Storyboard,
    *,
    work: Path,
    cache_dir: Path,
    catalogue: Catalogue,
    seed: int,
    max_line_chars: int,
    report: _Reporter,
    executor: concurrent.futures.Executor | None,
) -> _Prepared:
    """Return each scene's frame (stills), clip length (clips) and narration, made concurrently."""
    size = storyboard.format.size
    frame_dir, narration_dir = cache_dir / "frames", cache_dir / "narration"
    await asyncio.to_thread(frame_dir.mkdir, parents=True, exist_ok=True)
    await asyncio.to_thread(narration_dir.mkdir, parents=True, exist_ok=True)
    # The render's own links to its frames: pruning the cache cannot pull them away.
    claimed_dir = work / "frames"
    await asyncio.to_thread(claimed_dir.mkdir, exist_ok=True)
    stills = [s for s in storyboard.scenes if s.media is None or s.media.kind == "image"]
    clips = [s for s in storyboard.scenes if s.media is not None and s.media.kind == "video"]
    spoken = [s for s in storyboard.scenes if s.narration]
    total = len(stills) + len(spoken) + len(clips)
    done = 0
    counts = {"frame_hits": 0, "frame_misses": 0, "narration_hits": 0, "narration_misses": 0}
    frames: dict[int, Path] = {}
    narrations: dict[int, _Narration] = {}
    clip_durations: dict[int, float] = {}
    clips_with_sound: set[int] = set()
    frame_jobs: dict[str, asyncio.Future[bool]] = {}
    narration_jobs: dict[str, asyncio.Future[tuple[_Narration, bool]]] = {}
    tts_slots = asyncio.Semaphore(os.cpu_count() or 2)
    loop = asyncio.get_running_loop()

    async def tick(stage: str, message: str, **extra: Any) -> None:
        nonlocal done
        done += 1
        await report(_PREPARE_SHARE * done / max(1, total), stage, message, **extra)

    async def prepare_frame(scene: Scene) -> None:
        style = catalogue.get(scene.style)
        key = await asyncio.to_thread(_frame_key, scene, style, size, seed)
        path = frame_dir / f"{key}.png"
        # Scenes that look the same share one render; only the first one counts as a miss.
        first = key not in frame_jobs
        if first:
            frame_jobs[key] = asyncio.ensure_future(
                _make_frame(loop, executor, scene, style, size, seed, path)
            )
        made = await frame_jobs[key] and first
        claimed = await asyncio.to_thread(claim_frame, path, claimed_dir)
        if claimed is None:
            # Pruned by another render between the check and the link: paint it again.
            made = await _make_frame(loop, executor, scene, style, size, seed, path)
            claimed = await asyncio.to_thread(claim_frame, path, claimed_dir)
            if claimed is None:
                raise JobFailedError(
                    f"scene {scene.index + 1}: its frame left the cache while in use",
                    field=scene.field,
                )
        counts["frame_misses" if made else "frame_hits"] += 1
        frames[scene.index] = claimed
        await tick(
            "frames",
            f"scene {scene.index + 1} frame {'rendered' if made else 'cached'}",
            scene=scene.index,
            cached=not made,
        )

    async def check_clip(scene: Scene) -> None:
        # Fail here, naming the scene, rather than deep inside a part's filter graph.
        assert scene.media is not None
        where = f"{scene.field}.media_id"
        try:
            info = await probe_media(scene.media.path)
        except GenSceneError as exc:
            raise JobFailedError(exc.message, field=where) from None
        kinds = {s.get("codec_type") for s in info.get("streams", [])}
        if "video" not in kinds:
            raise JobFailedError(f"media {scene.media.id} has no video stream", field=where)
        if "audio" in kinds:
            clips_with_sound.add(scene.index)
        with contextlib.suppress(KeyError, TypeError, ValueError):
            clip_durations[scene.index] = float(info["format"]["duration"])
        argv = compose.build_decode_check_argv(find_ffmpeg().path, scene.media.path)
        result = await run_process(argv, timeout_s=60, capture_stdout=False)
        if result.returncode != 0:
            raise JobFailedError(
                f"media {scene.media.id} does not decode: {relevant_stderr(result.stderr_tail)}",
                field=where,
            )
        await tick("frames", f"scene {scene.index + 1} clip checked", scene=scene.index)

    async def load_or_speak(chunks: list[str], key: str) -> tuple[_Narration, bool]:
        narration = await asyncio.to_thread(_load_narration, narration_dir, key)
        if narration is not None:
            return narration, False
        async with tts_slots:
            return await _synthesize(chunks, storyboard, narration_dir, key), True

    async def prepare_narration(scene: Scene) -> None:
        chunks = subtitles.chunk_narration(scene.narration, max_line_chars)
        key = _narration_key(chunks, storyboard)
        first = key not in narration_jobs
        if first:
            narration_jobs[key] = asyncio.ensure_future(load_or_speak(chunks, key))
        try:
            narration, spoken_now = await narration_jobs[key]
        except JobFailedError as exc:
            raise JobFailedError(exc.message, field=f"{scene.field}.narration") from None
        counts["narration_misses" if spoken_now and first else "narration_hits"] += 1
        narrations[scene.index] = narration
        await tick(
            "narration",
            f"scene {scene.index + 1} narration {narration.duration_s:.1f} s",
            scene=scene.index,
        )

    await _gather_or_cancel(
        [prepare_frame(s) for s in stills]
        + [check_clip(s) for s in clips]
        + [prepare_narration(s) for s in spoken]
    )
    return _Prepared(
        frames, narrations, clip_durations, CacheStats(**counts), frozenset(clips_with_sound)
    )


async def _gather_or_cancel(coroutines: Sequence[Awaitable[None]]) -> None:
    """Run `coroutines` together; on the first failure cancel the rest and raise it."""
    tasks = [asyncio.ensure_future(c) for c in coroutines]
    try:
        for finished in asyncio.as_completed(tasks):
            await finished
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


@functools.cache
def _renderer_fingerprint() -> str:
    """Return a hash of the frame painter and look code: a changed painter invalidates frames."""
    import genscene.pipeline.frames as frames_pkg
    import genscene.pipeline.looks as looks_module

    digest = hashlib.sha256()
    sources = sorted(Path(frames_pkg.__file__ or "").parent.glob("*.py"))
    sources.append(Path(looks_module.__file__ or ""))
    for source in sources:
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def _media_digest(media: MediaRef) -> str:
    if media.sha256:
        return media.sha256
    digest = hashlib.sha256()
    with media.path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _frame_key(scene: Scene, style: Style, size: tuple[int, int], seed: int) -> str:
    """Return the cache key of a scene's still: everything that changes its pixels."""
    payload = {
        "v": CACHE_VERSION,
        "renderer": _renderer_fingerprint(),
        # An uploaded image is painted from its bytes alone; its prompt is only a caption.
        "prompt": scene.prompt if scene.media is None else None,
        "style": style.content_hash,
        "size": list(size),
        "seed": seed,
        "media": _media_digest(scene.media) if scene.media is not None else None,
    }
    return _digest(payload)


def _narration_key(chunks: Sequence[str], storyboard: Storyboard) -> str:
    voice = storyboard.voice
    payload = {
        "v": CACHE_VERSION,
        "engine": voice.engine,
        "voice": voice.voice,
        "rate": voice.rate,
        "pitch": voice.pitch,
        "chunks": list(chunks),
    }
    return _digest(payload)


def _digest(payload: Mapping[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


async def _make_frame(
    loop: asyncio.AbstractEventLoop,
    executor: concurrent.futures.Executor | None,
    scene: Scene,
    style: Style,
    size: tuple[int, int],
    seed: int,
    path: Path,
) -> bool:
    """Return True after rendering the frame into `path`, False when it was cached."""
    if await asyncio.to_thread(path.exists):
        await asyncio.to_thread(os.utime, path)  # recently used: keep if the cache is pruned
        return False
    media_path = scene.media.path if scene.media is not None else None
    error = await loop.run_in_executor(
        executor or _frame_pool(),
        render_frame_file,
        scene.prompt,
        media_path,
        style,
        size,
        seed,
        str(path),
    )
    if error is not None:
        code, message = error
        where = f"{scene.field}.media_id" if scene.media is not None else scene.field
        if code == "invalid":
            raise ValidationError(message, field=where)
        raise JobFailedError(f"scene {scene.index + 1}: {message}", field=where)
    return True


def render_frame_file(
    prompt: str,
    media_path: Path | None,
    style: Style,
    size: tuple[int, int],
    seed: int,
    out_path: str,
) -> tuple[str, str] | None:
    """Return None after writing the scene's frame as PNG to `out_path`, or (code, message).

    Runs in a worker process; errors come back as values because GenSceneError does not
    survive pickling with its fields.
    """
    from PIL import UnidentifiedImageError

    from genscene.pipeline.frames import SceneSpec, render_frame

    try:
        image = render_frame(SceneSpec(prompt, media_path), style, size, seed)
    except GenSceneError as exc:
        return exc.code, exc.message
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        return "invalid", f"the scene's image cannot be read ({exc})"
    partial = f"{out_path}.{os.getpid()}.partial"
    try:
        # Level 1: a third of the encode time of the default for a few percent more bytes.
        image.save(partial, format="PNG", compress_level=1)
        os.replace(partial, out_path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(partial)
    return None


_POOL: concurrent.futures.ProcessPoolExecutor | None = None


def _frame_pool() -> concurrent.futures.ProcessPoolExecutor:
    """Return the shared frame-rendering process pool, one worker per CPU."""
    global _POOL
    if _POOL is None:
        # forkserver, not fork: the server process has threads (asyncio, SQLite) that a
        # forked child would inherit in whatever state they were.
        context = multiprocessing.get_context("forkserver")
        _POOL = concurrent.futures.ProcessPoolExecutor(
            max_workers=os.cpu_count() or 2, mp_context=context
        )
    return _POOL


def shutdown_frame_pool() -> None:
    """Stop the shared frame-rendering processes (at server shutdown; restarted on demand)."""
    global _POOL
    if _POOL is not None:
        _POOL.shutdown(wait=False, cancel_futures=True)
        _POOL = None


async def _synthesize(
    chunks: Sequence[str], storyboard: Storyboard, narration_dir: Path, key: str
) -> _Narration:
    """Return the narration spoken chunk by chunk (real per-chunk timing), now cached."""
    engine = get_engine(storyboard.voice.engine)
    voice = storyboard.voice
    temp = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="tts-", dir=narration_dir))
    try:
        paths = []
        for number, text in enumerate(chunks):
            request = TtsRequest(text=text, voice=voice.voice, rate=voice.rate, pitch=voice.pitch)
            result = await engine.synthesize(request, temp / f"{number}.wav")
            paths.append(result.path)
        return await asyncio.to_thread(_join_chunks, chunks, paths, narration_dir, key)
    finally:
        await asyncio.to_thread(shutil.rmtree, temp, True)


def _read_wav(path: Path) -> tuple[np.ndarray, int]:
    """Return (mono int16 samples, sample rate) of a PCM WAV file."""
    with wave.open(str(path), "rb") as handle:
        if handle.getsampwidth() != 2:
            raise JobFailedError(f"speech file {path.name} is not 16-bit PCM", field="voice")
        channels, rate = handle.getnchannels(), handle.getframerate()
        data = np.frombuffer(handle.readframes(handle.getnframes()), dtype="<i2")
    if channels > 1:
        data = data[: len(data) // channels * channels].reshape(-1, channels).mean(axis=1)
    return data.astype(np.int16), rate


def _join_chunks(
    chunks: Sequence[str], paths: Sequence[Path], narration_dir: Path, key: str
) -> _Narration:
    pieces, rates = [], set()
    for path in paths:
        samples, rate = _read_wav(path)
        pieces.append(samples)
        rates.add(rate)
    if len(rates) != 1:
        raise JobFailedError("speech chunks came back at different sample rates", field="voice")
    rate = rates.pop()
    narration = _Narration(
        samples=np.concatenate(pieces),
        sample_rate=rate,
        chunks=tuple((text, len(p)) for text, p in zip(chunks, pieces, strict=True)),
    )
    _store_narration(narration_dir, key, narration)
    return narration


def _store_narration(narration_dir: Path, key: str, narration: _Narration) -> None:
    # The WAV first, the JSON last: a JSON file means a complete entry.
    wav_path, meta_path = narration_dir / f"{key}.wav", narration_dir / f"{key}.json"
    tag = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    _write_wav(narration_dir / f".{key}.{tag}.wav", narration.samples, narration.sample_rate)
    os.replace(narration_dir / f".{key}.{tag}.wav", wav_path)
    meta = {"sample_rate": narration.sample_rate, "chunks": [list(c) for c in narration.chunks]}
    (narration_dir / f".{key}.{tag}.json").write_text(json.dumps(meta), "utf-8")
    os.replace(narration_dir / f".{key}.{tag}.json", meta_path)


def _load_narration(narration_dir: Path, key: str) -> _Narration | None:
    """Return the cached narration for `key`, or None (missing or unreadable entry)."""
    wav_path, meta_path = narration_dir / f"{key}.wav", narration_dir / f"{key}.json"
    try:
        meta = json.loads(meta_path.read_text("utf-8"))
        samples, rate = _read_wav(wav_path)
    except (OSError, ValueError, EOFError, wave.Error, JobFailedError):
        return None
    chunks = tuple((str(text), int(count)) for text, count in meta["chunks"])
    if rate != meta["sample_rate"] or sum(c for _, c in chunks) != len(samples):
        return None
    os.utime(meta_path)
    return _Narration(samples=samples, sample_rate=rate, chunks=chunks)


def _write_wav(path: Path, samples: np.ndarray, rate: int) -> None:
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(samples.astype("<i2").tobytes())


# -- timing -----------------------------------------------------------------------------


def _plan_timeline(
    storyboard: Storyboard,
    prepared: _Prepared,
    catalogue: Catalogue,
    work: Path,
    max_scene_s: float,
) -> tuple[compose.Timeline, list[str]]:
    """Return the timeline (frames per scene, transitions) and notes about adjustments.

    A scene lasts its duration including the transition into the next one. `auto` is the
    narration plus padding (at least MIN_AUTO_S; a video clip's own length if longer, up to
    `max_scene_s`) plus that transition, so no word is lost under a crossfade. An explicit
    duration too short for its narration is lengthened: a clipped sentence is worse than a
    longer scene.
    """
    frames, narrations = prepared.frames, prepared.narrations
    fps = storyboard.format.fps
    width, height = storyboard.format.size
    scenes = storyboard.scenes
    transition_frames = round(TRANSITION_S * fps)
    transitions = tuple(
        compose.Transition("none", 0)
        if scene.transition == "none"
        else compose.Transition(scene.transition, transition_frames)
        for scene in scenes[:-1]
    )
    notes: list[str] = []
    grades: dict[str, compose.ClipGrade] = {}
    out: list[compose.TimelineScene] = []
    for scene in scenes:
        tail = transitions[scene.index].frames if scene.index < len(transitions) else 0
        head = transitions[scene.index - 1].frames if scene.index > 0 else 0
        spoken = narrations[scene.index].duration_s if scene.index in narrations else 0.0
        needed = math.ceil((spoken + PADDING_S) * fps) + tail if spoken else 0
        if scene.duration_s is None:
            clip_s = min(prepared.clip_durations_s.get(scene.index, 0.0), max_scene_s)
            count = math.ceil(max(MIN_AUTO_S, spoken + PADDING_S, clip_s) * fps) + tail
        else:
            count = round(scene.duration_s * fps)
            if count < needed:
                notes.append(
                    f"scene {scene.index + 1}: lengthened from {scene.duration_s:g} s to "
                    f"{needed / fps:.2f} s to fit its narration"
                )
                count = needed
        count = max(count, head + tail + 1)
        style = catalogue.get(scene.style)
        letterbox = style.look.letterbox_aspect
        if scene.media is not None and scene.media.kind == "video":
            if style.id not in grades:
                grades[style.id] = _clip_grade(style.look, work / f"grade-{style.id}.cube")
            clip = compose.TimelineScene(
                scene.media.path,
                count,
                scene.camera,
                is_video=True,
                grade=grades[style.id],
                letterbox_aspect=letterbox,
            )
            out.append(clip)
        else:
            still = compose.TimelineScene(
                frames[scene.index], count, scene.camera, letterbox_aspect=letterbox
            )
            out.append(still)
    timeline = compose.Timeline(width, height, fps, tuple(out), transitions)
    return timeline, notes


def _clip_sounds(
    storyboard: Storyboard, prepared: _Prepared, timeline: compose.Timeline
) -> tuple[compose.ClipAudio, ...]:
    """Return the sound of each video clip that has some and is not muted, placed in time."""
    per_frame = compose.AUDIO_RATE / timeline.fps
    starts = timeline.start_frames()
    out = []
    for scene in storyboard.scenes:
        if scene.index not in prepared.clips_with_sound or scene.clip_volume <= 0:
            continue
        assert scene.media is not None
        out.append(
            compose.ClipAudio(
                scene.media.path,
                start_sample=round(starts[scene.index] * per_frame),
                samples=round(timeline.scenes[scene.index].frames * per_frame),
                volume=scene.clip_volume,
                fade_in=round(timeline.head_frames(scene.index) * per_frame),
                fade_out=round(timeline.tail_frames(scene.index) * per_frame),
            )
        )
    return tuple(out)


def _clip_grade(look: Look, lut_path: Path) -> compose.ClipGrade:
    """Return the look as FFmpeg filters for video clips, writing its grade as a .cube LUT."""
    size = 33
    axis = np.linspace(0.0, 1.0, size)
    # .cube lists red fastest, then green, then blue.
    b, g, r = np.meshgrid(axis, axis, axis, indexing="ij")
    graded = grade_array(np.stack([r.ravel(), g.ravel(), b.ravel()], axis=1), look)
    lines = [f"LUT_3D_SIZE {size}"] + [f"{x:.6f} {y:.6f} {z:.6f}" for x, y, z in graded]
    lut_path.write_text("\n".join(lines) + "\n", "utf-8")
    return compose.ClipGrade(lut_path=lut_path, vignette=look.vignette, grain=look.grain)


def _cues(
    narrations: Mapping[int, _Narration],
    starts_s: Sequence[float],
    max_line_chars: int,
    raised: Sequence[bool],
) -> list[subtitles.Cue]:
    timed: list[subtitles.TimedChunk] = []
    for index, narration in sorted(narrations.items()):
        position = starts_s[index]
        for text, count in narration.chunks:
            length = count / narration.sample_rate
            timed.append(subtitles.TimedChunk(position, position + length, text, raised[index]))
            position += length
    return subtitles.build_cues(timed, max_line_chars=max_line_chars)


def _write_narration_track(
    narrations: Mapping[int, _Narration], timeline: compose.Timeline, path: Path
) -> None:
    """Write one WAV with each scene's narration starting exactly at its scene's first frame.

    Start offsets are computed from frame numbers, not by adding durations, so rounding
    never accumulates: the last scene is as well aligned as the first.
    """
    fps = timeline.fps
    rates = {n.sample_rate for n in narrations.values()}
    if len(rates) > 1:
        raise JobFailedError("narrations came back at different sample rates", field="voice")
    rate = rates.pop() if rates else 22050
    track = np.zeros(math.ceil(timeline.total_frames * rate / fps), dtype=np.int32)
    starts = timeline.start_frames()
    for index, narration in narrations.items():
        begin = round(starts[index] * rate / fps)
        end = min(len(track), begin + len(narration.samples))
        track[begin:end] += narration.samples[: end - begin]
    _write_wav(path, np.clip(track, -32768, 32767).astype(np.int16), rate)


def _poster_time_s(timeline: compose.Timeline, cues: Sequence[subtitles.Cue]) -> float:
    """Return a moment in the first scene, free of subtitles when there is one."""
    fps = timeline.fps
    first = timeline.scenes[0]
    solo_end = (first.frames - timeline.tail_frames(0)) / fps
    middle = solo_end / 2
    covered = [(c.start_s, c.end_s) for c in cues if c.start_s < solo_end]
    if not any(start <= middle < end for start, end in covered):
        return middle
    candidate = max(end for _, end in covered) + 0.1
    return candidate if candidate < solo_end - 1 / fps else middle


# -- running FFmpeg ------------------------------------------------------------------------


async def _run_ffmpeg(argv: list[str], what: str, *, timeout_s: float | None = None) -> list[str]:
    """Return FFmpeg's stderr tail after a successful run; JobFailedError with it otherwise."""
    result = await run_process(argv, timeout_s=timeout_s, capture_stdout=False)
    if result.returncode != 0:
        raise JobFailedError(
            f"FFmpeg failed {what}: {relevant_stderr(result.stderr_tail)}", field=None
        )
    return result.stderr_tail


async def encode_timeline(
    timeline: compose.Timeline,
    mix: compose.AudioMix,
    output: Path,
    *,
    subtitles_track: compose.SubtitleTrack | None = None,
    title: str | None = None,
    settings: compose.EncodeSettings | None = None,
    on_progress: ProgressCallback | None = None,
) -> Path:
    """Return `output` after composing a prepared timeline and soundtrack into an MP4.

    The composition step alone (video parts, soundtrack, joining), for callers that bring
    their own frames and narration track: benchmarks, notebooks.
    `output` is written in place; use `render_storyboard` for the all-or-nothing outputs.
    """
    report = _Reporter(on_progress)
    await _compose(
        timeline,
        mix,
        subtitles_track,
        output,
        title,
        settings or compose.EncodeSettings(),
        report,
        0.0,
    )
    return output


async def _compose(
    timeline: compose.Timeline,
    mix: compose.AudioMix,
    track: compose.SubtitleTrack | None,
    video: Path,
    title: str | None,
    settings: compose.EncodeSettings,
    report: _Reporter,
    start: float,
) -> None:
    """Compose `timeline` and `mix` into the MP4 `video`.

    The video is encoded in parts, a few scenes each, up to one FFmpeg process per CPU at a
    time; meanwhile another process measures the soundtrack's loudness and encodes it. A
    last step joins the parts and the sound without re-encoding. Each part is one filter
    graph (decode, camera moves, transitions, burned subtitles) feeding x264 directly: no
    raw frames cross a pipe, and memory stays flat however many scenes there are.
    """
    await report(start, "encode", "starting FFmpeg", eta_s=None)
    parts_dir = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix=".parts-", dir=video.parent))
    try:
        audio = parts_dir / "audio.m4a"
        parts = await _video_and_audio(
            _encode_parts(timeline, track, parts_dir, settings, report, (start, 0.965)),
            _encode_audio(mix, audio, settings),
        )
        listing = parts_dir / "parts.txt"
        await asyncio.to_thread(listing.write_text, compose.concat_list(parts), "utf-8")
        await report(0.97, "encode", "joining the parts and the sound")
        await _run_ffmpeg(
            compose.build_mux_argv(
                find_ffmpeg().path,
                parts_list=listing,
                audio=audio,
                output=video,
                subtitles=track,
                title=title,
            ),
            "joining the video",
            timeout_s=600,
        )
    finally:
        shutil.rmtree(parts_dir, ignore_errors=True)  # synchronous: survives a second cancel


async def _video_and_audio(video: Awaitable[list[Path]], audio: Awaitable[None]) -> list[Path]:
    """Return the video parts, made while the sound is; on a failure cancel the other."""
    video_task, audio_task = asyncio.ensure_future(video), asyncio.ensure_future(audio)
    tasks = (video_task, audio_task)
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in tasks:
            if task.done() and task.exception() is not None:
                task.result()
        await audio_task
        return await video_task
    finally:
        for task in tasks:
            if not task.done():
                task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _measure_gain(mix: compose.AudioMix) -> float:
    """Return the gain (dB) that brings the soundtrack to TARGET_LUFS integrated."""
    tail = await _run_ffmpeg(
        compose.build_loudness_argv(find_ffmpeg().path, mix), "measuring loudness", timeout_s=600
    )
    return compose.loudness_gain_db(compose.parse_integrated_loudness(tail))


async def _encode_audio(
    mix: compose.AudioMix, output: Path, settings: compose.EncodeSettings
) -> None:
    mix = dataclasses.replace(mix, gain_db=await _measure_gain(mix))
    await _run_ffmpeg(
        compose.build_audio_argv(find_ffmpeg().path, mix, output, settings),
        "encoding the sound",
        timeout_s=max(600.0, 10.0 * mix.total_samples / compose.AUDIO_RATE),
    )


def _part_plan(timeline: compose.Timeline) -> list[tuple[tuple[compose.Segment, ...], int]]:
    """Return the timeline cut into parts, each with the frame it starts at."""
    pixels_ratio = (1280 * 720) / (timeline.width * timeline.height)
    per_part = max(2, min(MAX_SCENES_PER_PART, round(MAX_SCENES_PER_PART * pixels_ratio)))
    plan, first = [], 0
    for chunk in compose.plan_chunks(timeline, per_part):
        plan.append((chunk, first))
        first += sum(segment.frames for segment in chunk)
    return plan


async def _encode_parts(
    timeline: compose.Timeline,
    track: compose.SubtitleTrack | None,
    parts_dir: Path,
    settings: compose.EncodeSettings,
    report: _Reporter,
    span: tuple[float, float],
) -> list[Path]:
    """Return the encoded parts in order, made by up to one FFmpeg process per CPU at once.

    Progress (frames encoded over all parts, with an ETA) is reported within `span`.
    """
    ffmpeg_path = find_ffmpeg().path
    plan = _part_plan(timeline)
    total = timeline.total_frames
    fps = timeline.fps
    done_frames = [0] * len(plan)
    slots = asyncio.Semaphore(max(1, min(MAX_PARALLEL_PARTS, os.cpu_count() or 1)))
    started = time.monotonic()

    async def encode(number: int, chunk: tuple[compose.Segment, ...], first: int) -> Path:
        part = parts_dir / f"part{number:05d}.mp4"
        argv = compose.build_part_argv(
            ffmpeg_path,
            timeline,
            chunk,
            part,
            start_frame=first,
            subtitles=track,
            settings=settings,
        )
        parser = compose.ProgressParser()

        async def on_line(line: str) -> None:
            update = parser.feed(line)
            if update is None:
                return
            done_frames[number] = update.frame
            frames = sum(done_frames)
            elapsed = time.monotonic() - started
            rate = frames / elapsed if elapsed > 0 and frames > 0 else None
            eta = (total - frames) / rate if rate else None
            await report(
                span[0] + (span[1] - span[0]) * min(1.0, frames / total),
                "encode",
                f"{frames / fps:.1f} of {total / fps:.1f} s",
                out_time_s=round(frames / fps, 3),
                total_s=round(total / fps, 3),
                speed=round(rate / fps, 3) if rate else None,
                eta_s=round(max(0.0, eta), 1) if eta is not None else None,
            )

        async with slots:
            result = await run_process(
                argv,
                on_stdout_line=on_line,
                capture_stdout=False,
                timeout_s=max(600.0, 30.0 * total / fps),
            )
        if result.returncode != 0:
            raise JobFailedError(
                f"FFmpeg failed composing and encoding scenes (part {number + 1} of "
                f"{len(plan)}): " + relevant_stderr(result.stderr_tail)
            )
        expected = sum(segment.frames for segment in chunk)
        if done_frames[number] != expected:
            raise JobFailedError(
                f"FFmpeg encoded {done_frames[number]} frames of part {number + 1}; "
                f"it has {expected}"
            )
        return part

    parts: list[Path] = [Path()] * len(plan)

    async def keep(number: int, chunk: tuple[compose.Segment, ...], first: int) -> None:
        parts[number] = await encode(number, chunk, first)

    await _gather_or_cancel([keep(n, chunk, first) for n, (chunk, first) in enumerate(plan)])
    return parts


__all__ = [
    "CacheStats",
    "ComposeResult",
    "OutputNames",
    "ProgressCallback",
    "encode_timeline",
    "render_frame_file",
    "render_storyboard",
    "run_compose_job",
    "shutdown_frame_pool",
]
