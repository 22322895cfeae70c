"""Finding and running external programs (FFmpeg, ffprobe, eSpeak NG) without blocking.

Commands arrive here as argv lists built elsewhere (as data); this module only runs them, in
their own process group so that a cancel kills the whole tree, and captures a bounded tail of
stderr for error messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import re
import shutil
import signal
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from genscene.errors import DependencyError, JobFailedError

STDERR_TAIL_LINES = 40


@dataclass(frozen=True)
class Tool:
    """An external program: where it is and what version it reports."""

    name: str
    path: str
    version: str


@functools.cache
def find_ffmpeg() -> Tool:
    """Return the FFmpeg binary: Debian's on PATH, else the one in the imageio-ffmpeg wheel."""
    path = shutil.which("ffmpeg")
    if path is None:
        try:
            import imageio_ffmpeg

            path = str(imageio_ffmpeg.get_ffmpeg_exe())
        except Exception as exc:  # the wheel raises RuntimeError when it has no binary
            raise DependencyError(
                "FFmpeg not found: install the `ffmpeg` package (make setup does)",
                field="ffmpeg",
            ) from exc
    return Tool("ffmpeg", path, _version(path, ["-version"], r"ffmpeg version (\S+)"))


@functools.cache
def find_ffprobe() -> Tool | None:
    """Return ffprobe when installed (the imageio-ffmpeg wheel has none), else None."""
    path = shutil.which("ffprobe")
    if path is None:
        return None
    return Tool("ffprobe", path, _version(path, ["-version"], r"ffprobe version (\S+)"))


@functools.cache
def find_espeak() -> Tool:
    """Return the eSpeak NG binary."""
    path = shutil.which("espeak-ng")
    if path is None:
        raise DependencyError(
            "eSpeak NG not found: install the `espeak-ng` package (make setup does)",
            field="espeak-ng",
        )
    return Tool(
        "espeak-ng", path, _version(path, ["--version"], r"eSpeak NG text-to-speech: (\S+)")
    )


def _version(path: str, args: list[str], pattern: str) -> str:
    import subprocess

    try:
        out = subprocess.run(
            [path, *args], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DependencyError(f"{Path(path).name} does not run: {exc}", field=path) from exc
    match = re.search(pattern, out)
    return match.group(1) if match else out.splitlines()[0] if out else "unknown"


@dataclass(frozen=True)
class ProcessResult:
    returncode: int
    stdout: bytes
    stderr_tail: list[str]


async def run_process(
    argv: Sequence[str],
    *,
    stdin: bytes | None = None,
    timeout_s: float | None = None,
    on_stdout_line: Callable[[str], Awaitable[None] | None] | None = None,
    capture_stdout: bool = True,
) -> ProcessResult:
    """Return the result of running `argv` to completion, in its own process group.

    If the awaiting task is cancelled or the timeout passes, the whole process group is
    killed before the exception propagates. stdout lines go to `on_stdout_line` when given
    (FFmpeg's `-progress pipe:1`); only the last lines of stderr are kept.
    """
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
    )
    tail: deque[str] = deque(maxlen=STDERR_TAIL_LINES)
    chunks: list[bytes] = []

    async def pump_stdout() -> None:
        assert proc.stdout is not None
        async for raw in proc.stdout:
            if on_stdout_line is not None:
                outcome = on_stdout_line(raw.decode("utf-8", "replace").rstrip("\n"))
                if asyncio.iscoroutine(outcome):
                    await outcome
            if capture_stdout:
                chunks.append(raw)

    async def pump_stderr() -> None:
        assert proc.stderr is not None
        async for raw in proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip()
            if line:
                tail.append(line)

    async def feed() -> None:
        if stdin is not None and proc.stdin is not None:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                proc.stdin.write(stdin)
                await proc.stdin.drain()
            proc.stdin.close()

    try:
        async with asyncio.timeout(timeout_s):
            await asyncio.gather(feed(), pump_stdout(), pump_stderr())
            returncode = await proc.wait()
    except BaseException:
        kill_process_group(proc.pid)
        with contextlib.suppress(ProcessLookupError, asyncio.CancelledError):
            await asyncio.shield(proc.wait())
        raise
    return ProcessResult(returncode, b"".join(chunks), list(tail))


def kill_process_group(pid: int) -> None:
    """Kill the process group led by `pid`; a group already gone is fine."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def relevant_stderr(lines: list[str], limit: int = 6) -> str:
    """Return the stderr lines that explain a failure (errors first, else the last lines)."""
    keywords = ("error", "invalid", "no such", "failed", "unable", "not found", "cannot")
    picked = [line for line in lines if any(k in line.lower() for k in keywords)]
    return "\n".join((picked or lines)[-limit:])


async def probe_media(path: Path) -> dict[str, Any]:
    """Return ffprobe's JSON (format and streams) for `path`."""
    tool = find_ffprobe()
    if tool is None:
        return await _probe_with_ffmpeg(path)
    result = await run_process(
        [
            tool.path,
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
            str(path),
        ],
        timeout_s=60,
    )
    if result.returncode != 0:
        raise JobFailedError(
            f"cannot read media {path.name}: {relevant_stderr(result.stderr_tail)}",
            field="media",
        )
    data: dict[str, Any] = json.loads(result.stdout or b"{}")
    return data


async def _probe_with_ffmpeg(path: Path) -> dict[str, Any]:
    # Fallback when only the imageio-ffmpeg binary exists: `ffmpeg -i` prints the duration.
    result = await run_process([find_ffmpeg().path, "-hide_banner", "-i", str(path)], timeout_s=60)
    text = "\n".join(result.stderr_tail)
    match = re.search(r"Duration: (\d+):(\d+):(\d+\.\d+)", text)
    if not match:
        raise JobFailedError(f"cannot read media {path.name}", field="media")
    hours, minutes, seconds = match.groups()
    duration = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    return {"format": {"duration": str(duration)}, "streams": []}


async def probe_duration_s(path: Path) -> float:
    """Return the duration of a media file in seconds, as measured by ffprobe."""
    info = await probe_media(path)
    try:
        return float(info["format"]["duration"])
    except (KeyError, ValueError, TypeError):
        raise JobFailedError(f"media {path.name} has no duration", field="media") from None
