"""FFmpeg command building. The only module that imports ffmpeg-python.

Commands are built as data (argv lists) so tests can compare them exactly; they are run by
`genscene.pipeline.process.run_process`.
"""

from __future__ import annotations

from pathlib import Path

import ffmpeg

AUDIO_FORMATS: dict[str, dict[str, str]] = {
    "wav": {"acodec": "pcm_s16le"},
    "mp3": {"acodec": "libmp3lame", "audio_bitrate": "128k"},
    "opus": {"acodec": "libopus", "audio_bitrate": "48k", "format": "ogg"},
}


def build_audio_convert_argv(ffmpeg_path: str, source: Path, target: Path, fmt: str) -> list[str]:
    """Return the argv that converts `source` audio to `fmt` (wav, mp3, opus) at `target`."""
    options = AUDIO_FORMATS[fmt]
    stream = ffmpeg.input(str(source)).output(str(target), **options)
    argv: list[str] = stream.compile(cmd=ffmpeg_path, overwrite_output=True)
    return [argv[0], "-hide_banner", "-nostdin", "-loglevel", "error", *argv[1:]]
