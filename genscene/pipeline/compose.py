"""FFmpeg command building. The only module that imports ffmpeg-python.

Commands are built as data (argv lists) so tests can compare them exactly; they are run by
`genscene.pipeline.process.run_process`.

A video is composed by three kinds of FFmpeg process:

* parts (`build_part_argv`), each a few consecutive scenes: one filter graph decodes every
  still once, holds it with `loop` (no re-decoding, no copies), moves the camera with
  `perspective` (sub-pixel exact, so Ken Burns moves do not jitter), joins scenes with
  `xfade`, burns subtitles on the timeline's clock and feeds x264 directly, writing a
  video-only MP4 with `-progress pipe:1`. Two run at a time;
* the soundtrack (`build_audio_argv`): narration, ducked music and clip sound, loudness gain
  and a limiter, encoded to AAC while the parts are made;
* the join (`build_mux_argv`): the parts through the concat demuxer plus the soundtrack (and
  a soft subtitle track), nothing re-encoded, `+faststart`.

Within a part, the timeline is cut into segments: each scene's body (frames no transition
touches) and each transition (the tail of one scene crossed with the head of the next).
Static bodies pass frame references through untouched; only transition and camera frames
cost pixel work. Parts keep memory flat however many scenes there are: FFmpeg keeps every
filter's frame pool until its graph is torn down, so one graph for 200 scenes would hold
200 scenes' worth of buffers. `build_frames_argv` (raw frames out) and `build_encode_argv`
(raw frames in) split the same work across a pipe; benchmarks and tests use them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import ffmpeg

AUDIO_FORMATS: dict[str, dict[str, str]] = {
    "wav": {"acodec": "pcm_s16le"},
    "mp3": {"acodec": "libmp3lame", "audio_bitrate": "128k"},
    "opus": {"acodec": "libopus", "audio_bitrate": "48k", "format": "ogg"},
}

AUDIO_RATE = 48000
TARGET_LUFS = -16.0
TRUE_PEAK_LIMIT = 0.84  # about -1.5 dBFS
MAX_GAIN_DB = 30.0
ZOOM_FACTOR = 1.15  # how far zoom-in / zoom-out travel over a scene
PAN_ZOOM = 1.15  # pans look through a window this much smaller than the frame
# Editors' words: a fade dips through black, a dissolve blends one picture into the next
# (xfade's own "dissolve" is a pixel-noise effect nobody means by the word).
TRANSITIONS: dict[str, str] = {
    "fade": "fadeblack",
    "dissolve": "fade",
    "wipe-left": "wipeleft",
    "slide-up": "slideup",
}
CAMERAS = ("static", "zoom-in", "zoom-out", "pan-left", "pan-right")
# xfade in FFmpeg 5.1 takes no 4:2:0 input; converting only transition frames keeps static
# bodies free of per-frame colour conversion.
XFADE_PIX_FMT = "yuv444p"


def build_audio_convert_argv(ffmpeg_path: str, source: Path, target: Path, fmt: str) -> list[str]:
    """Return the argv that converts `source` audio to `fmt` (wav, mp3, opus) at `target`."""
    options = AUDIO_FORMATS[fmt]
    stream = ffmpeg.input(str(source)).output(str(target), **options)
    argv: list[str] = stream.compile(cmd=ffmpeg_path, overwrite_output=True)
    return [*_quiet(argv[0]), *argv[1:]]


def _quiet(ffmpeg_path: str) -> list[str]:
    """Return the argv prefix every command shares: no banner, no stdin, errors only."""
    return [ffmpeg_path, "-hide_banner", "-nostdin", "-loglevel", "error"]


# -- timeline ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ClipGrade:
    """A style's look for video clips: the colour grade as a 3D LUT, vignette and grain.

    Stills are graded by the frame renderer; clips get this cheap FFmpeg equivalent.
    """

    lut_path: Path | None = None
    vignette: float = 0.0
    grain: float = 0.0


@dataclass(frozen=True)
class TimelineScene:
    """One scene as the composer sees it: a picture, a length in frames and a camera move.

    `letterbox_aspect` (0 = none) redraws the style's bars after the camera move, which
    would otherwise slide and scale the bars baked into the still.
    """

    source: Path
    frames: int
    camera: str = "static"
    is_video: bool = False
    grade: ClipGrade | None = None
    letterbox_aspect: float = 0.0


@dataclass(frozen=True)
class Transition:
    """How one scene hands over to the next: an xfade kind over `frames`, or a cut."""

    kind: str = "none"
    frames: int = 0


@dataclass(frozen=True)
class Segment:
    """A run of output frames: a scene's body, or the transition into scene `scene`."""

    kind: Literal["body", "xfade"]
    scene: int
    frames: int


@dataclass(frozen=True)
class Timeline:
    """Scenes and the transitions between them (`transitions[i]` joins scene i and i+1)."""

    width: int
    height: int
    fps: int
    scenes: tuple[TimelineScene, ...]
    transitions: tuple[Transition, ...] = field(default=())

    def __post_init__(self) -> None:
        if not self.scenes:
            raise ValueError("a timeline needs at least one scene")
        if len(self.transitions) != len(self.scenes) - 1:
            raise ValueError("a timeline needs one transition between each pair of scenes")
        if self.width % 2 or self.height % 2:
            raise ValueError("frame sides must be even for yuv420p")
        for index, scene in enumerate(self.scenes):
            if scene.camera not in CAMERAS:
                raise ValueError(f"scene {index}: unknown camera {scene.camera!r}")
            if self.head_frames(index) + self.tail_frames(index) >= scene.frames:
                raise ValueError(f"scene {index} is shorter than its transitions")
        for transition in self.transitions:
            if transition.kind != "none" and transition.kind not in TRANSITIONS:
                raise ValueError(f"unknown transition {transition.kind!r}")
            if (transition.kind == "none") != (transition.frames == 0):
                raise ValueError("a cut has no frames and a transition has some")

    def head_frames(self, index: int) -> int:
        """Return how many of scene `index`'s first frames overlap the previous scene."""
        return self.transitions[index - 1].frames if index > 0 else 0

    def tail_frames(self, index: int) -> int:
        """Return how many of scene `index`'s last frames overlap the next scene."""
        return self.transitions[index].frames if index < len(self.transitions) else 0

    @property
    def total_frames(self) -> int:
        """Return the number of frames in the composed video."""
        return sum(s.frames for s in self.scenes) - sum(t.frames for t in self.transitions)

    @property
    def duration_s(self) -> float:
        """Return the composed video's duration in seconds."""
        return self.total_frames / self.fps

    def start_frames(self) -> list[int]:
        """Return the output frame at which each scene starts (its head included)."""
        starts, position = [], 0
        for index, scene in enumerate(self.scenes):
            starts.append(position)
            position += scene.frames - self.tail_frames(index)
        return starts

    def segments(self) -> list[Segment]:
        """Return the timeline as body and transition segments, in output order."""
        out: list[Segment] = []
        for index, scene in enumerate(self.scenes):
            if index > 0 and self.head_frames(index):
                out.append(Segment("xfade", index, self.head_frames(index)))
            body = scene.frames - self.head_frames(index) - self.tail_frames(index)
            out.append(Segment("body", index, body))
        return out


def plan_chunks(timeline: Timeline, max_scenes: int = 8) -> list[tuple[Segment, ...]]:
    """Return the segments grouped into chunks touching at most about `max_scenes` scenes.

    A chunk is cut only before a scene's body, so each part's graph is small and a
    transition never straddles two parts.
    """
    chunks: list[tuple[Segment, ...]] = []
    current: list[Segment] = []
    scenes: set[int] = set()
    for segment in timeline.segments():
        if segment.kind == "body" and current and len(scenes) >= max_scenes:
            chunks.append(tuple(current))
            current, scenes = [], set()
        current.append(segment)
        scenes.update(_segment_scenes(segment))
    chunks.append(tuple(current))
    return chunks


def _segment_scenes(segment: Segment) -> tuple[int, ...]:
    if segment.kind == "xfade":
        return (segment.scene - 1, segment.scene)
    return (segment.scene,)


# -- escaping ---------------------------------------------------------------------------


def escape_filter_value(value: str) -> str:
    """Return `value` escaped for use as a filter option inside a -filter_complex graph.

    Two levels, as FFmpeg parses them: the option parser (`\\ ' :`), then the graph parser
    (`\\ ' [ ] , ;`). Paths with spaces, quotes, colons or commas survive both.
    """
    level1 = re.sub(r"([\\':])", r"\\\1", value)
    return re.sub(r"([\\'\[\],;])", r"\\\1", level1)


def _num(value: float) -> str:
    """Return a short, exact-enough decimal for a filter argument (stable for tests)."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


# -- composing frames -----------------------------------------------------------------------


def camera_expressions(camera: str, frames: int, first_frame: int) -> dict[str, str]:
    """Return `perspective` corner expressions for a camera move over a scene of `frames`.

    The source rectangle shown at scene frame k is computed from k = in - 1 + first_frame
    (`in` counts frames entering the filter from 1), in floating point: the picture moves by
    fractions of a pixel per frame instead of snapping to whole pixels as zoompan does.
    Zooms are exponential, so the apparent speed stays constant.
    """
    offset = first_frame - 1
    u = f"(in{offset:+d})/{max(1, frames - 1)}" if offset else f"in/{max(1, frames - 1)}"
    if camera in ("zoom-in", "zoom-out"):
        rate = _num(math.log(ZOOM_FACTOR))
        # c = visible fraction of the frame: 1 -> 1/ZOOM_FACTOR when zooming in.
        c = f"exp(-{rate}*{u})" if camera == "zoom-in" else f"exp({rate}*({u}-1))"
        left, right = f"W*(1-{c})/2", f"W*(1+{c})/2"
        top, bottom = f"H*(1-{c})/2", f"H*(1+{c})/2"
    elif camera in ("pan-left", "pan-right"):
        slack = _num(1 - 1 / PAN_ZOOM)
        seen = _num(1 / PAN_ZOOM)
        # The window travels right for pan-right (the picture slides left), and back.
        along = u if camera == "pan-right" else f"(1-{u})"
        left = f"W*{slack}*{along}"
        right = f"W*({slack}*{along}+{seen})"
        top = f"H*{_num((1 - 1 / PAN_ZOOM) / 2)}"
        bottom = f"H*{_num((1 + 1 / PAN_ZOOM) / 2)}"
    else:
        raise ValueError(f"no camera move for {camera!r}")
    # perspective's corners: 0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right.
    return {
        "x0": left,
        "y0": top,
        "x1": right,
        "y1": top,
        "x2": left,
        "y2": bottom,
        "x3": right,
        "y3": bottom,
    }


def _perspective(camera: str, frames: int, first_frame: int) -> str:
    corners = camera_expressions(camera, frames, first_frame)
    args = ":".join(f"{key}={value}" for key, value in corners.items())
    return f"perspective={args}:interpolation=linear:eval=frame"


def _fit(width: int, height: int) -> str:
    # Cover then centre-crop, converting with the BT.709 matrix the encoder declares.
    return (
        f"scale={width}:{height}:force_original_aspect_ratio=increase"
        f":out_color_matrix=bt709:out_range=tv,crop={width}:{height},setsar=1"
    )


def _fit_graded(grade: ClipGrade | None, width: int, height: int) -> list[str]:
    """Return filters fitting a video clip to the frame, graded by `grade` when given."""
    if grade is None:
        return [_fit(width, height), "format=yuv420p"]
    # The grade is an RGB LUT: apply it in planar RGB, then convert once with BT.709.
    out = [
        f"scale={width}:{height}:force_original_aspect_ratio=increase",
        f"crop={width}:{height}",
        "setsar=1",
        "format=gbrp",
    ]
    if grade.lut_path is not None:
        out.append(f"lut3d=file={escape_filter_value(str(grade.lut_path))}:interp=tetrahedral")
    if grade.vignette > 0:
        out.append(f"vignette=angle={_num(0.2 + 0.6 * grade.vignette)}")
    if grade.grain > 0:
        out.append(f"noise=alls={round(4 + 18 * grade.grain)}:allf=t")
    return [*out, "scale=out_color_matrix=bt709:out_range=tv", "format=yuv420p"]


def _letterbox_filters(aspect: float, width: int, height: int) -> list[str]:
    # Same rule as the still renderer: only landscape frames wider than `aspect` get bars.
    if aspect <= 0 or not 1.3 <= width / height < aspect:
        return []
    bar = round((height - width / aspect) / 2)
    return [
        f"drawbox=x=0:y=0:w=iw:h={bar}:color=black:t=fill",
        f"drawbox=x=0:y=ih-{bar}:w=iw:h={bar}:color=black:t=fill",
    ]


def _scene_parts(timeline: Timeline, chunk: Sequence[Segment]) -> dict[int, dict[str, str]]:
    """Return, per scene, the parts (head, body, tail) the chunk needs, with their labels."""
    parts: dict[int, dict[str, str]] = {}
    for segment in chunk:
        if segment.kind == "body":
            parts.setdefault(segment.scene, {})["body"] = f"b{segment.scene}"
        else:
            parts.setdefault(segment.scene - 1, {})["tail"] = f"t{segment.scene - 1}"
            parts.setdefault(segment.scene, {})["head"] = f"h{segment.scene}"
    return parts


def _part_range(timeline: Timeline, index: int, part: str) -> tuple[int, int]:
    frames = timeline.scenes[index].frames
    head, tail = timeline.head_frames(index), timeline.tail_frames(index)
    if part == "head":
        return 0, head
    if part == "tail":
        return frames - tail, frames
    return head, frames - tail


def build_frames_graph(timeline: Timeline, chunk: Sequence[Segment]) -> tuple[list[str], str]:
    """Return (input arguments, filter graph) composing one chunk of segments.

    The graph's output pad is `[v]`: the chunk's frames in order, yuv420p, `timeline.fps`.
    """
    fps, width, height = timeline.fps, timeline.width, timeline.height
    parts = _scene_parts(timeline, chunk)
    order = sorted(parts)
    inputs: list[str] = []
    chains: list[str] = []
    for input_index, scene_index in enumerate(order):
        scene = timeline.scenes[scene_index]
        needed = {part: _part_range(timeline, scene_index, part) for part in parts[scene_index]}
        low = min(start for start, _ in needed.values())
        high = max(end for _, end in needed.values())
        labels = [parts[scene_index][part] for part in ("head", "body", "tail") if part in needed]
        ranges = [needed[part] for part in ("head", "body", "tail") if part in needed]
        is_xfade = [part != "body" for part in ("head", "body", "tail") if part in needed]
        source = f"[{input_index}:v]"
        if scene.is_video:
            # Read only what the scene shows, plus a little slack for the decoder.
            inputs += ["-t", _num(high / fps + 0.5), "-i", str(scene.source)]
            prep = [
                "setpts=PTS-STARTPTS",
                f"fps={fps}",
                *_fit_graded(scene.grade, width, height),
                f"tpad=stop_mode=clone:stop_duration={_num(high / fps)}",
                f"trim=start_frame={low}:end_frame={high}",
                f"settb=1/{fps}",
                "setpts=N",
            ]
            moving = True
        else:
            inputs += ["-framerate", str(fps), "-i", str(scene.source)]
            prep = [_fit(width, height), "format=yuv420p"]
            moving = scene.camera != "static"
            if moving:
                prep += [f"loop=loop={high - low - 1}:size=1", f"settb=1/{fps}", "setpts=N"]
        if scene.camera != "static":
            prep.append(_perspective(scene.camera, scene.frames, low))
        if moving:
            prep += _letterbox_filters(scene.letterbox_aspect, width, height)
        part_steps: list[list[str]] = []
        for (start, end), for_xfade in zip(ranges, is_xfade, strict=True):
            steps: list[str] = []
            if moving:
                # One continuous stream cut into parts; trims count from `low`.
                if (start, end) != (low, high):
                    steps += [f"trim=start_frame={start - low}:end_frame={end - low}", "setpts=N"]
                if for_xfade:
                    steps.append(f"format={XFADE_PIX_FMT}")
            else:
                # A still: convert once, then repeat the same frame by reference.
                if for_xfade:
                    steps.append(f"format={XFADE_PIX_FMT}")
                steps += [f"loop=loop={end - start - 1}:size=1", f"settb=1/{fps}", "setpts=N"]
            part_steps.append(steps)
        if len(labels) == 1:
            chains.append(source + ",".join(prep + part_steps[0]) + f"[{labels[0]}]")
            continue
        split = f",split={len(labels)}" if len(labels) > 1 else ""
        pads = [f"[p{scene_index}_{n}]" for n in range(len(labels))]
        chains.append(source + ",".join(prep) + split + "".join(pads))
        for pad, label, steps in zip(pads, labels, part_steps, strict=True):
            chains.append(pad + ",".join(steps) + f"[{label}]")
    outputs: list[str] = []
    for segment in chunk:
        if segment.kind == "body":
            outputs.append(f"[b{segment.scene}]")
            continue
        transition = timeline.transitions[segment.scene - 1]
        duration = _num(transition.frames / fps)
        chains.append(
            f"[t{segment.scene - 1}][h{segment.scene}]"
            f"xfade=transition={TRANSITIONS[transition.kind]}:duration={duration}:offset=0,"
            f"format=yuv420p[x{segment.scene}]"
        )
        outputs.append(f"[x{segment.scene}]")
    if len(outputs) == 1:
        chains.append(f"{outputs[0]}null[v]")
    else:
        chains.append("".join(outputs) + f"concat=n={len(outputs)}:v=1:a=0[v]")
    return inputs, ";".join(chains)


def build_frames_argv(
    ffmpeg_path: str, timeline: Timeline, chunk: Sequence[Segment], output: str
) -> list[str]:
    """Return the producer argv writing one chunk's raw yuv420p frames to `output`.

    `output` is a path (the encoder's pipe, or a file); frames carry no container.
    """
    inputs, graph = build_frames_graph(timeline, chunk)
    return [
        *_quiet(ffmpeg_path),
        *inputs,
        "-filter_complex",
        graph,
        "-map",
        "[v]",
        # Timestamps are exact already; never let FFmpeg duplicate or drop a frame.
        "-fps_mode",
        "passthrough",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "yuv420p",
        "-y",
        output,
    ]


# -- audio ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClipAudio:
    """A video clip's own sound, placed where its scene starts (in samples at AUDIO_RATE).

    It plays from the clip's start for `samples` (silence after the clip ends), fades in and
    out over the scene's transitions, and is ducked under the narration.
    """

    source: Path
    start_sample: int
    samples: int
    volume: float = 1.0
    fade_in: int = 0
    fade_out: int = 0


@dataclass(frozen=True)
class AudioMix:
    """The soundtrack: a narration track (already placed in time), optional music, and the
    sound of video clips."""

    narration: Path
    total_samples: int
    music: Path | None = None
    music_volume: float = 0.25
    duck: bool = True
    gain_db: float = 0.0
    clips: tuple[ClipAudio, ...] = ()

    @property
    def input_count(self) -> int:
        """Return how many inputs the soundtrack adds to an FFmpeg command."""
        return 1 + (self.music is not None) + len(self.clips)


def _audio_inputs(mix: AudioMix) -> list[str]:
    args = ["-i", str(mix.narration)]
    if mix.music is not None:
        args += ["-stream_loop", "-1", "-i", str(mix.music)]
    for clip in mix.clips:
        # Read only what the scene plays, plus a little slack for the decoder.
        args += ["-t", _num(clip.samples / AUDIO_RATE + 0.5), "-i", str(clip.source)]
    return args


def _clip_chain(clip: ClipAudio, index: int, total: int, layout: str) -> str:
    steps = [
        "asetpts=PTS-STARTPTS",
        f"aresample={AUDIO_RATE}",
        layout,
        f"volume={_num(clip.volume)}",
        f"atrim=end_sample={clip.samples}",
        f"apad=whole_len={clip.samples}",
    ]
    if clip.fade_in:
        steps.append(f"afade=t=in:start_sample=0:nb_samples={clip.fade_in}")
    if clip.fade_out:
        start = clip.samples - clip.fade_out
        steps.append(f"afade=t=out:start_sample={start}:nb_samples={clip.fade_out}")
    if clip.start_sample:
        steps.append(f"adelay=delays={clip.start_sample}S:all=1")
    steps += [f"apad=whole_len={total}", f"atrim=end_sample={total}"]
    return f"[{index}:a]" + ",".join(steps)


def _audio_mix_graph(mix: AudioMix, first_input: int) -> str:
    """Return graph chains ending in `[mix]`: narration (+ music and clip sound, ducked under
    the narration) at 48 kHz stereo."""
    total = mix.total_samples
    layout = f"aformat=sample_fmts=fltp:sample_rates={AUDIO_RATE}:channel_layouts=stereo"
    # apad + atrim pin the track to exactly the video's length in samples: no drift.
    narration = (
        f"[{first_input}:a]aresample={AUDIO_RATE},{layout},"
        f"apad=whole_len={total},atrim=end_sample={total}"
    )
    chains: list[str] = []
    beds: list[tuple[str, bool]] = []  # (label, ducked under the narration)
    if mix.music is not None:
        fade = min(total // 2, 2 * AUDIO_RATE)
        chains.append(
            f"[{first_input + 1}:a]aresample={AUDIO_RATE},{layout},volume={_num(mix.music_volume)},"
            f"atrim=end_sample={total},"
            f"afade=t=out:start_sample={total - fade}:nb_samples={fade}[music]"
        )
        beds.append(("music", mix.duck))
    if mix.clips:
        first_clip = first_input + 1 + (mix.music is not None)
        labels = [f"[clip{n}]" for n in range(len(mix.clips))]
        for n, clip in enumerate(mix.clips):
            chains.append(_clip_chain(clip, first_clip + n, total, layout) + labels[n])
        if len(labels) > 1:
            chains.append(
                "".join(labels) + f"amix=inputs={len(labels)}:duration=first"
                ":dropout_transition=0:normalize=0[clips]"
            )
            beds.append(("clips", True))
        else:
            beds.append(("clip0", True))
    if not beds:
        return f"{narration}[mix]"
    ducked = [label for label, duck in beds if duck]
    keys = ["key"] if len(ducked) == 1 else [f"key{n}" for n in range(len(ducked))]
    if ducked:
        narration += f",asplit={len(ducked) + 1}[narr]" + "".join(f"[{k}]" for k in keys)
    else:
        narration += "[narr]"
    mixed = ["[narr]"]
    for label, duck in beds:
        if not duck:
            mixed.append(f"[{label}]")
            continue
        key = keys[ducked.index(label)]
        out = "ducked" if len(ducked) == 1 else f"ducked_{label}"
        # The narration keys a compressor on the bed: it dips while someone speaks.
        chains.append(
            f"[{label}][{key}]sidechaincompress=threshold=0.02:ratio=8:attack=15:release=400[{out}]"
        )
        mixed.append(f"[{out}]")
    amix = f"amix=inputs={len(mixed)}:duration=first:dropout_transition=0:normalize=0[mix]"
    return ";".join([narration, *chains, "".join(mixed) + amix])


def build_loudness_argv(ffmpeg_path: str, mix: AudioMix) -> list[str]:
    """Return the argv that measures the mixed soundtrack's integrated loudness (EBU R128).

    Its stderr ends with ebur128's summary; `parse_integrated_loudness` reads it.
    """
    return [
        ffmpeg_path,
        "-hide_banner",
        "-nostdin",
        "-nostats",
        *_audio_inputs(mix),
        "-filter_complex",
        _audio_mix_graph(mix, 0) + ";[mix]ebur128=framelog=verbose[out]",
        "-map",
        "[out]",
        "-f",
        "null",
        "-",
    ]


_LOUDNESS_RE = re.compile(r"^\s*I:\s+(-?(?:\d+(?:\.\d+)?|inf))\s+LUFS")


def parse_integrated_loudness(stderr_lines: Sequence[str]) -> float | None:
    """Return the integrated loudness (LUFS) in ebur128's summary, or None for silence."""
    value: float | None = None
    for line in stderr_lines:
        match = _LOUDNESS_RE.match(line)
        if match:
            value = float(match.group(1))
    if value is None or not math.isfinite(value) or value < -69.0:
        return None
    return value


def loudness_gain_db(measured_lufs: float | None, target_lufs: float = TARGET_LUFS) -> float:
    """Return the gain that brings `measured_lufs` to `target_lufs` (0 for silence), capped."""
    if measured_lufs is None:
        return 0.0
    return round(max(-MAX_GAIN_DB, min(MAX_GAIN_DB, target_lufs - measured_lufs)), 2)


def _audio_master_graph(mix: AudioMix, first_input: int) -> str:
    # Loudness by measured gain, then a look-ahead limiter for peaks. loudnorm's one-pass
    # mode misses the target by several LU on clips of a few seconds, and its linear mode
    # gives up whenever peaks would clip; this lands within a fraction of a LU either way.
    layout = f"aformat=sample_fmts=fltp:sample_rates={AUDIO_RATE}:channel_layouts=stereo"
    return (
        _audio_mix_graph(mix, first_input)
        + f";[mix]volume={_num(mix.gain_db)}dB,"
        + f"alimiter=limit={_num(TRUE_PEAK_LIMIT)}:level=0:latency=1,{layout}[a]"
    )


# -- encoder ----------------------------------------------------------------------------


@dataclass(frozen=True)
class EncodeSettings:
    """x264 / AAC settings of the output."""

    preset: str = "veryfast"
    crf: int = 23
    audio_bitrate: str = "160k"


@dataclass(frozen=True)
class SubtitleTrack:
    """Subtitles for the encoder: `burn` an ASS file into the picture, or a `soft` SRT track."""

    mode: Literal["burn", "soft"]
    path: Path
    fonts_dir: Path | None = None
    language: str = "eng"


def build_encode_argv(
    ffmpeg_path: str,
    *,
    frames: str,
    timeline: Timeline,
    audio: AudioMix,
    output: Path,
    subtitles: SubtitleTrack | None = None,
    title: str | None = None,
    settings: EncodeSettings | None = None,
) -> list[str]:
    """Return the encoder argv: raw frames from `frames` + soundtrack -> MP4 at `output`.

    Progress goes to stdout as `-progress` key=value blocks (see `ProgressParser`).
    """
    settings = settings or EncodeSettings()
    size = f"{timeline.width}x{timeline.height}"
    args = [
        *_quiet(ffmpeg_path),
        "-f",
        "rawvideo",
        "-pix_fmt",
        "yuv420p",
        "-video_size",
        size,
        "-framerate",
        str(timeline.fps),
        "-i",
        frames,
        *_audio_inputs(audio),
    ]
    next_input = 1 + audio.input_count
    graph = _audio_master_graph(audio, 1)
    video_map = "0:v"
    if subtitles is not None and subtitles.mode == "burn":
        graph = f"[0:v]{_ass_filter(subtitles)}[v];{graph}"
        video_map = "[v]"
    if subtitles is not None and subtitles.mode == "soft":
        args += ["-i", str(subtitles.path)]
    args += ["-filter_complex", graph, "-map", video_map, "-map", "[a]"]
    if subtitles is not None and subtitles.mode == "soft":
        args += [
            "-map",
            f"{next_input}:s",
            "-c:s",
            "mov_text",
            "-metadata:s:s:0",
            f"language={subtitles.language}",
        ]
    args += [*_x264_args(settings), "-c:a", "aac", "-b:a", settings.audio_bitrate]
    if title:
        args += ["-metadata", f"title={title}"]
    return [*args, "-movflags", "+faststart", *_mp4_with_progress(output)]


def _x264_args(settings: EncodeSettings) -> list[str]:
    # BT.709 flags match the matrix the frames were converted with (see `_fit`).
    return [
        "-c:v",
        "libx264",
        "-preset",
        settings.preset,
        "-crf",
        str(settings.crf),
        "-pix_fmt",
        "yuv420p",
        "-colorspace",
        "bt709",
        "-color_primaries",
        "bt709",
        "-color_trc",
        "bt709",
        "-color_range",
        "tv",
    ]


def _mp4_with_progress(output: Path) -> list[str]:
    # `-progress pipe:1` blocks on stdout for ProgressParser; no stats on stderr.
    return ["-progress", "pipe:1", "-nostats", "-f", "mp4", "-y", str(output)]


def _ass_filter(track: SubtitleTrack) -> str:
    ass = f"ass=filename={escape_filter_value(str(track.path))}"
    if track.fonts_dir is not None:
        ass += f":fontsdir={escape_filter_value(str(track.fonts_dir))}"
    return ass


def build_part_argv(
    ffmpeg_path: str,
    timeline: Timeline,
    chunk: Sequence[Segment],
    output: Path,
    *,
    start_frame: int,
    subtitles: SubtitleTrack | None = None,
    settings: EncodeSettings | None = None,
) -> list[str]:
    """Return the argv that composes one chunk and encodes it: a video-only MP4 part.

    Parts are joined by `build_mux_argv` without re-encoding. `start_frame` is where the
    chunk starts in the timeline: burned subtitles are drawn at the timeline's times.
    Progress goes to stdout as `-progress` blocks.
    """
    settings = settings or EncodeSettings()
    inputs, graph = build_frames_graph(timeline, chunk)
    video = "[v]"
    if subtitles is not None and subtitles.mode == "burn":
        shift = _num(start_frame / timeline.fps)
        graph += f";[v]setpts=PTS+{shift}/TB,{_ass_filter(subtitles)},setpts=PTS-STARTPTS[vs]"
        video = "[vs]"
    return [
        *_quiet(ffmpeg_path),
        *inputs,
        "-filter_complex",
        graph,
        "-map",
        video,
        "-fps_mode",
        "passthrough",
        *_x264_args(settings),
        "-an",
        *_mp4_with_progress(output),
    ]


def build_audio_argv(
    ffmpeg_path: str, mix: AudioMix, output: Path, settings: EncodeSettings | None = None
) -> list[str]:
    """Return the argv that mixes and masters the soundtrack into an AAC file at `output`."""
    settings = settings or EncodeSettings()
    return [
        *_quiet(ffmpeg_path),
        *_audio_inputs(mix),
        "-filter_complex",
        _audio_master_graph(mix, 0),
        "-map",
        "[a]",
        "-c:a",
        "aac",
        "-b:a",
        settings.audio_bitrate,
        "-f",
        "mp4",
        "-y",
        str(output),
    ]


def concat_list(parts: Sequence[Path]) -> str:
    """Return an FFmpeg concat-demuxer list naming `parts` in order."""
    return "".join("file '" + str(part).replace("'", "'\\''") + "'\n" for part in parts)


def build_mux_argv(
    ffmpeg_path: str,
    *,
    parts_list: Path,
    audio: Path,
    output: Path,
    subtitles: SubtitleTrack | None = None,
    title: str | None = None,
) -> list[str]:
    """Return the argv that joins the video parts and the soundtrack into the final MP4.

    Nothing is re-encoded; a `soft` subtitle track becomes mov_text; `+faststart`.
    """
    args = [
        *_quiet(ffmpeg_path),
        "-f",
        "concat",
        "-safe",
        "0",
        "-i",
        str(parts_list),
        "-i",
        str(audio),
    ]
    maps = ["-map", "0:v", "-map", "1:a"]
    if subtitles is not None and subtitles.mode == "soft":
        args += ["-i", str(subtitles.path)]
        maps += ["-map", "2:s", "-c:s", "mov_text"]
        maps += ["-metadata:s:s:0", f"language={subtitles.language}"]
    args += [*maps, "-c:v", "copy", "-c:a", "copy"]
    if title:
        args += ["-metadata", f"title={title}"]
    return [*args, "-movflags", "+faststart", "-f", "mp4", "-y", str(output)]


def build_decode_check_argv(ffmpeg_path: str, media: Path) -> list[str]:
    """Return the argv that decodes the first video frame of `media` and discards it."""
    return [
        *_quiet(ffmpeg_path),
        "-xerror",
        "-i",
        str(media),
        "-map",
        "0:v:0",
        "-frames:v",
        "1",
        "-f",
        "null",
        "-",
    ]


def build_poster_argv(ffmpeg_path: str, video: Path, at_s: float, output: Path) -> list[str]:
    """Return the argv that writes the frame of `video` at `at_s` seconds as a JPEG."""
    return [
        *_quiet(ffmpeg_path),
        "-ss",
        _num(at_s),
        "-i",
        str(video),
        "-frames:v",
        "1",
        "-q:v",
        "3",
        "-f",
        "image2",
        "-c:v",
        "mjpeg",
        "-update",
        "1",
        "-y",
        str(output),
    ]


# -- progress ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EncodeProgress:
    """One `-progress` block: media time written, frames, speed (x realtime), finished?"""

    out_time_s: float
    frame: int
    speed: float | None
    done: bool


class ProgressParser:
    """Reads FFmpeg `-progress` output line by line; a block ends with `progress=...`."""

    def __init__(self) -> None:
        self._values: dict[str, str] = {}

    def feed(self, line: str) -> EncodeProgress | None:
        """Return the finished block's progress when `line` ends one, else None."""
        key, sep, value = line.strip().partition("=")
        if not sep:
            return None
        self._values[key] = value.strip()
        if key != "progress":
            return None
        values, self._values = self._values, {}
        return EncodeProgress(
            out_time_s=_out_time_s(values),
            frame=_int_or_zero(values.get("frame")),
            speed=_speed(values.get("speed")),
            done=values.get("progress") == "end",
        )


def _out_time_s(values: dict[str, str]) -> float:
    # out_time_ms is in microseconds too (a long-standing FFmpeg quirk); out_time is text.
    for key in ("out_time_us", "out_time_ms"):
        raw = values.get(key, "")
        if raw.lstrip("-").isdigit():
            return max(0.0, int(raw) / 1_000_000)
    match = re.match(r"^(\d+):(\d+):(\d+(?:\.\d+)?)$", values.get("out_time", ""))
    if match:
        hours, minutes, seconds = match.groups()
        return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    return 0.0


def _int_or_zero(raw: str | None) -> int:
    return int(raw) if raw is not None and raw.isdigit() else 0


def _speed(raw: str | None) -> float | None:
    if raw is None:
        return None
    try:
        value = float(raw.rstrip("x"))
    except ValueError:
        return None
    return value if value > 0 and math.isfinite(value) else None
