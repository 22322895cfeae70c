"""Text to speech. eSpeak NG is the built-in engine; others plug in through `TtsEngine`.

Requests are validated before any work starts, so a bad voice or an absurd rate is a clear
error naming the field rather than a failed job.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from genscene.errors import JobFailedError, ValidationError
from genscene.pipeline.compose import AUDIO_FORMATS, build_audio_convert_argv
from genscene.pipeline.jobs import JobContext
from genscene.pipeline.process import (
    find_espeak,
    find_ffmpeg,
    probe_duration_s,
    relevant_stderr,
    run_process,
)

RATE_RANGE = (80, 450)  # words per minute; eSpeak NG clamps outside this anyway
PITCH_RANGE = (0, 99)
DEFAULT_MAX_CHARS = 5000


@dataclass(frozen=True)
class Voice:
    id: str
    name: str
    language: str
    gender: str


@dataclass(frozen=True)
class TtsRequest:
    """What to say and how."""

    text: str
    voice: str = "en-us"
    rate: int = 165
    pitch: int = 50
    format: str = "wav"


@dataclass(frozen=True)
class TtsResult:
    path: Path
    duration_s: float
    format: str


class TtsEngine(Protocol):
    """A speech engine: lists voices, validates requests, speaks text to a file."""

    name: str

    def voices(self) -> list[Voice]: ...

    def validate(self, request: TtsRequest, *, max_chars: int = DEFAULT_MAX_CHARS) -> None: ...

    async def synthesize(self, request: TtsRequest, out_path: Path) -> TtsResult: ...


def parse_espeak_voices(listing: str) -> list[Voice]:
    """Return the voices in the output of `espeak-ng --voices`."""
    voices = []
    for line in listing.splitlines()[1:]:
        parts = line.split()
        if len(parts) < 5:
            continue
        _pty, language, age_gender, name = parts[0], parts[1], parts[2], parts[3]
        gender = {"M": "male", "F": "female"}.get(age_gender.split("/")[-1], "unknown")
        voices.append(
            Voice(
                id=language.lower(), name=name.replace("_", " "), language=language, gender=gender
            )
        )
    return voices


@functools.cache
def _espeak_listing(binary: str, kind: str) -> str:
    # Called once per process (cached); a few milliseconds, at start-up or in a worker thread.
    flag = "--voices=variant" if kind == "variant" else "--voices"
    return subprocess.run(
        [binary, flag], capture_output=True, text=True, timeout=20, check=True
    ).stdout


class EspeakEngine:
    """eSpeak NG through its command line: WAV out, MP3/Opus via FFmpeg on request."""

    name = "espeak-ng"

    def voices(self) -> list[Voice]:
        """Return the installed voices (language voices; variants combine as `en-us+f3`)."""
        return parse_espeak_voices(_espeak_listing(find_espeak().path, "language"))

    def variants(self) -> set[str]:
        """Return the variant names (`f3`, `klatt`, ...) that may follow a `+` in a voice id."""
        listing = _espeak_listing(find_espeak().path, "variant")
        names = set()
        for line in listing.splitlines()[1:]:
            parts = line.split()
            if len(parts) >= 5:
                names.add(parts[4].split("/")[-1].lower())
        return names

    def validate(self, request: TtsRequest, *, max_chars: int = DEFAULT_MAX_CHARS) -> None:
        """Raise ValidationError naming the field when `request` cannot be spoken."""
        validate_tts_request(request, self.voices(), self.variants(), max_chars=max_chars)

    def build_argv(self, request: TtsRequest, wav_path: Path) -> list[str]:
        """Return the eSpeak NG argv; the text itself goes on stdin, never on the command line."""
        return [
            find_espeak().path,
            "-v",
            request.voice,
            "-s",
            str(request.rate),
            "-p",
            str(request.pitch),
            "-b",
            "1",  # input is UTF-8
            "-w",
            str(wav_path),
            "--stdin",
        ]

    async def synthesize(self, request: TtsRequest, out_path: Path) -> TtsResult:
        """Return the spoken result, written to `out_path` only once it is complete."""
        out_path.parent.mkdir(parents=True, exist_ok=True)
        partial_wav = out_path.with_name(f".{out_path.stem}.partial.wav")
        # The real extension last: FFmpeg picks the container from it.
        partial_out = out_path.with_name(f".{out_path.stem}.partial{out_path.suffix}")
        try:
            result = await run_process(
                self.build_argv(request, partial_wav),
                stdin=request.text.encode("utf-8"),
                timeout_s=300,
            )
            if result.returncode != 0 or not partial_wav.exists():
                raise JobFailedError(
                    "eSpeak NG failed: " + relevant_stderr(result.stderr_tail), field="text"
                )
            if request.format == "wav":
                os.replace(partial_wav, out_path)
            else:
                argv = build_audio_convert_argv(
                    find_ffmpeg().path, partial_wav, partial_out, request.format
                )
                converted = await run_process(argv, timeout_s=300)
                if converted.returncode != 0:
                    raise JobFailedError(
                        "FFmpeg could not encode the speech: "
                        + relevant_stderr(converted.stderr_tail),
                        field="format",
                    )
                os.replace(partial_out, out_path)
        finally:
            partial_wav.unlink(missing_ok=True)
            partial_out.unlink(missing_ok=True)
        duration = await probe_duration_s(out_path)
        return TtsResult(path=out_path, duration_s=duration, format=request.format)


_VOICE_RE = re.compile(r"^[a-z0-9-]{2,32}(\+[a-z0-9_-]{1,32})?$", re.IGNORECASE)


def validate_tts_request(
    request: TtsRequest,
    voices: list[Voice],
    variants: set[str],
    *,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> None:
    """Raise ValidationError naming the field at fault; return None when `request` is valid."""
    if not isinstance(request.text, str) or not request.text.strip():
        raise ValidationError("text must not be empty", field="text")
    if len(request.text) > max_chars:
        raise ValidationError(f"text is longer than {max_chars} characters", field="text")
    if "\x00" in request.text:
        raise ValidationError("text contains a NUL character", field="text")
    if not isinstance(request.voice, str) or not _VOICE_RE.match(request.voice):
        raise ValidationError("voice is not a voice id such as 'en-us'", field="voice")
    base, _, variant = request.voice.lower().partition("+")
    if base not in {v.id for v in voices}:
        raise ValidationError(f"unknown voice {request.voice!r}", field="voice")
    if variant and variant not in variants:
        raise ValidationError(f"unknown voice variant {variant!r}", field="voice")
    for name, value, (low, high) in (
        ("rate", request.rate, RATE_RANGE),
        ("pitch", request.pitch, PITCH_RANGE),
    ):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(f"{name} must be an integer", field=name)
        if not low <= value <= high:
            raise ValidationError(f"{name} must be between {low} and {high}", field=name)
    if request.format not in AUDIO_FORMATS:
        raise ValidationError(f"format must be one of {sorted(AUDIO_FORMATS)}", field="format")


def get_engine(name: str = "espeak-ng") -> TtsEngine:
    """Return the TTS engine called `name`."""
    if name != "espeak-ng":
        raise ValidationError(f"unknown TTS engine {name!r}", field="engine")
    return EspeakEngine()


def tts_request_from_params(params: dict[str, object]) -> TtsRequest:
    """Return the TtsRequest described by a job's params (as validated at submission)."""
    return TtsRequest(
        text=str(params.get("text", "")),
        voice=str(params.get("voice", "en-us")),
        rate=int(params.get("rate", 165)),  # type: ignore[call-overload]
        pitch=int(params.get("pitch", 50)),  # type: ignore[call-overload]
        format=str(params.get("format", "wav")),
    )


async def run_tts_job(ctx: JobContext) -> dict[str, object]:
    """Return a TTS job's result (`audio_url`, `duration_s`) after speaking its text."""
    request = tts_request_from_params(ctx.job.params)
    engine = get_engine(str(ctx.job.params.get("engine", "espeak-ng")))
    await ctx.progress(0.05, "synthesizing", f"speaking with {engine.name} voice {request.voice}")
    out = ctx.output_dir / f"speech.{request.format}"
    result = await engine.synthesize(request, out)
    await ctx.progress(0.95, "finalizing", f"{result.duration_s:.2f} s of audio")
    return {
        "audio_url": f"/media/{ctx.job.id}/{out.name}",
        "duration_s": round(result.duration_s, 3),
        "format": result.format,
    }
