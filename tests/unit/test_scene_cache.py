"""The scene cache's size limit: least recently used first, temp leftovers, safe claims."""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path

import pytest

from genscene.pipeline import scene_cache
from genscene.pipeline.scene_cache import CacheUsage, cache_usage, claim_frame, prune_cache


def put(path: Path, size: int, used: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    os.utime(path, (used, used))
    return path


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    """Three frames and two narrations, used at distinct times (oldest first)."""
    root = tmp_path / "cache"
    now = time.time()
    put(root / "frames" / "a.png", 1000, now - 500)
    put(root / "narration" / "n1.wav", 3000, now - 400)
    put(root / "narration" / "n1.json", 100, now - 400)
    put(root / "frames" / "b.png", 1000, now - 300)
    put(root / "narration" / "n2.wav", 2000, now - 200)
    put(root / "narration" / "n2.json", 100, now - 200)
    put(root / "frames" / "c.png", 1000, now - 100)
    return root


def names(root: Path) -> set[str]:
    return {p.name for p in root.rglob("*") if p.is_file()}


def test_usage_counts_a_narration_as_one_entry_of_two_files(cache: Path) -> None:
    assert cache_usage(cache) == CacheUsage(entries=5, bytes=8200)


def test_prune_removes_least_recently_used_until_under_the_limit(cache: Path) -> None:
    usage = prune_cache(cache, max_bytes=3500)
    # a (1000) and n1 (3100) go: 8200 -> 4100 -> still over; b (1000) goes: 3100 <= 3500.
    assert usage == CacheUsage(entries=2, bytes=3100, removed_entries=3, removed_bytes=5100)
    assert names(cache) == {"n2.wav", "n2.json", "c.png"}
    assert cache_usage(cache) == CacheUsage(entries=2, bytes=3100)


def test_prune_under_the_limit_removes_nothing(cache: Path) -> None:
    before = names(cache)
    assert prune_cache(cache, max_bytes=10_000).removed_entries == 0
    assert names(cache) == before


def test_prune_to_zero_empties_the_cache(cache: Path) -> None:
    usage = prune_cache(cache, max_bytes=0)
    assert usage == CacheUsage(entries=0, bytes=0, removed_entries=5, removed_bytes=8200)
    assert names(cache) == set()


def test_touching_an_entry_keeps_it(cache: Path) -> None:
    os.utime(cache / "frames" / "a.png")  # what a cache hit does
    prune_cache(cache, max_bytes=1000)
    assert names(cache) == {"a.png"}


def test_wav_without_its_json_is_an_incomplete_entry_and_can_go(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    put(root / "narration" / "orphan.wav", 500, time.time() - 10)
    assert cache_usage(root) == CacheUsage(entries=1, bytes=500)
    prune_cache(root, max_bytes=0)
    assert names(root) == set()


def test_stale_temporary_files_are_removed_fresh_ones_kept(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    old = time.time() - scene_cache.STALE_TEMP_S - 60
    put(root / "frames" / "k.png.123.partial", 700, old)
    put(root / "narration" / ".k.123-ab.wav", 700, old)
    put(root / "narration" / "tts-stale" / "0.wav", 10, old)
    os.utime(root / "narration" / "tts-stale", (old, old))
    put(root / "frames" / "fresh.png.9.partial", 700, time.time())
    put(root / "narration" / "tts-fresh" / "0.wav", 10, time.time())
    usage = prune_cache(root, max_bytes=10_000)
    # Temporary files are not entries: they never count toward the limit.
    assert usage == CacheUsage(entries=0, bytes=0)
    left = sorted(str(p.relative_to(root)) for p in root.rglob("*"))
    assert left == [
        "frames",
        "frames/fresh.png.9.partial",
        "narration",
        "narration/tts-fresh",
        "narration/tts-fresh/0.wav",
    ]


def test_missing_cache_folder_is_empty(tmp_path: Path) -> None:
    assert prune_cache(tmp_path / "nothing", 0) == CacheUsage(0, 0)


def test_claim_frame_hard_links_so_a_prune_cannot_take_it(tmp_path: Path) -> None:
    cached = put(tmp_path / "cache" / "frames" / "k.png", 1234, time.time())
    work = tmp_path / "work"
    work.mkdir()
    claimed = claim_frame(cached, work)
    assert claimed == work / "k.png"
    assert claimed.stat().st_ino == cached.stat().st_ino
    assert cached.stat().st_nlink == 2
    prune_cache(tmp_path / "cache", 0)
    assert not cached.exists()
    assert claimed.read_bytes() == b"x" * 1234
    # Claiming again (two scenes, one frame) returns the same path.
    assert claim_frame(cached, work) == claimed


def test_claim_frame_of_a_pruned_entry_returns_none(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    assert claim_frame(tmp_path / "gone.png", work) is None


def test_claim_frame_copies_across_file_systems(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cached = put(tmp_path / "k.png", 99, time.time())
    work = tmp_path / "work"
    work.mkdir()

    def cross_device(src: object, dst: object) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(scene_cache.os, "link", cross_device)
    claimed = claim_frame(cached, work)
    assert claimed is not None
    assert claimed.read_bytes() == b"x" * 99
    assert claimed.stat().st_ino != cached.stat().st_ino
