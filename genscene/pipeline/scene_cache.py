"""The scene cache on disk: prepared frames and narrations, kept under a size limit.

Layout (under the cache folder): `frames/<key>.png`, one file an entry, and
`narration/<key>.wav` + `narration/<key>.json`, two files an entry (the JSON is written last
and marks a complete entry). Using an entry touches its modification time, so pruning removes
the least recently used entries first.

Pruning never breaks a render in flight: a render hard-links the frames it uses into its own
work folder before encoding (see `claim_frame`), and reads narrations into memory. Leftovers
of interrupted writes (names starting with a dot or ending in `.partial`, and folders of
speech being synthesised) are removed once they are an hour old.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

STALE_TEMP_S = 3600.0


@dataclass(frozen=True)
class CacheUsage:
    """Entries and bytes in the cache, and what a prune removed."""

    entries: int
    bytes: int
    removed_entries: int = 0
    removed_bytes: int = 0

    def to_json(self) -> dict[str, int]:
        return {
            "entries": self.entries,
            "bytes": self.bytes,
            "removed_entries": self.removed_entries,
            "removed_bytes": self.removed_bytes,
        }


@dataclass(frozen=True)
class _Entry:
    files: tuple[Path, ...]  # the marker file (touched on use) first
    size: int
    used: float


def _is_temporary(name: str) -> bool:
    return name.startswith(".") or name.endswith(".partial")


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except FileNotFoundError:
        return None


def _entries(cache_dir: Path, now: float) -> list[_Entry]:
    """Return the cache's complete entries; remove temporary leftovers that are stale."""
    entries: list[_Entry] = []
    for folder in (cache_dir / "frames", cache_dir / "narration"):
        if not folder.is_dir():
            continue
        for item in folder.iterdir():
            # Entries are files; a folder is a speech synthesis in progress (or abandoned).
            if item.is_dir() or _is_temporary(item.name):
                info = _stat(item)
                if info is not None and now - info.st_mtime > STALE_TEMP_S:
                    if item.is_dir():
                        shutil.rmtree(item, ignore_errors=True)
                    else:
                        item.unlink(missing_ok=True)
                continue
            if item.suffix == ".png":
                info = _stat(item)
                if info is not None:
                    entries.append(_Entry((item,), info.st_size, info.st_mtime))
            elif item.suffix == ".json":
                wav = item.with_suffix(".wav")
                meta, audio = _stat(item), _stat(wav)
                if meta is not None:
                    size = meta.st_size + (audio.st_size if audio is not None else 0)
                    entries.append(_Entry((item, wav), size, meta.st_mtime))
            elif item.suffix == ".wav" and not item.with_suffix(".json").exists():
                # A WAV without its JSON is an incomplete entry: count it so it can go.
                info = _stat(item)
                if info is not None:
                    entries.append(_Entry((item,), info.st_size, info.st_mtime))
    return entries


def cache_usage(cache_dir: Path) -> CacheUsage:
    """Return how many entries and bytes the cache holds."""
    entries = _entries(cache_dir, time.time())
    return CacheUsage(len(entries), sum(e.size for e in entries))


def prune_cache(cache_dir: Path, max_bytes: int) -> CacheUsage:
    """Remove least recently used entries until the cache holds at most `max_bytes`.

    Safe to run while other renders (in this or another process) use the cache.
    """
    entries = sorted(_entries(cache_dir, time.time()), key=lambda e: e.used)
    total = sum(e.size for e in entries)
    removed = removed_bytes = 0
    for entry in entries:
        if total <= max_bytes:
            break
        # The marker goes first: a half-removed narration then reads as missing.
        for path in entry.files:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        total -= entry.size
        removed += 1
        removed_bytes += entry.size
    return CacheUsage(len(entries) - removed, total, removed, removed_bytes)


def claim_frame(cached: Path, work_dir: Path) -> Path | None:
    """Return a path to `cached` inside `work_dir` that pruning cannot take away.

    A hard link where the file system allows it, else a copy. Returns None when the cache
    entry vanished first (pruned meanwhile): the caller renders it again.
    """
    target = work_dir / cached.name
    if target.exists():
        return target
    try:
        os.link(cached, target)
    except FileNotFoundError:
        return None
    except FileExistsError:
        pass
    except OSError:
        # Another file system, or links not allowed: copy instead.
        try:
            shutil.copyfile(cached, target)
        except FileNotFoundError:
            return None
    return target


__all__ = ["CacheUsage", "cache_usage", "claim_frame", "prune_cache"]
