"""The style preview cache on disk: one rendered demo frame per style, with JSON metadata.

Per style the cache holds a 1280x720 PNG, a small WebP thumbnail and `<style_id>.json`.
Image files are named after their content digest and written first, each through a temp
file and `os.replace`; the metadata is written last the same way. So a reader that finds
metadata always finds the whole image it names. A preview is fresh for `ttl_s` after it was
generated and stale at once when its style's content hash (or the renderer) changes.

Rendering is blocking CPU work: callers run `render_preview` in a worker thread or process
(the job runner's `preview` jobs), never on the event loop.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import io
import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PIL import Image, features

from genscene.errors import ValidationError
from genscene.pipeline.frames import FrameGenerator, SceneSpec, cover_crop, render_frame
from genscene.pipeline.jobs import JobContext
from genscene.pipeline.styles import Style, write_bytes_atomic

log = logging.getLogger(__name__)

PREVIEW_SIZE = (1280, 720)
THUMB_SIZE = (320, 180)
PREVIEW_SEED = 7
# Bump when the painter or the looks change how a style renders: cached previews of every
# style then turn stale, exactly as when a style's definition changes.
RENDERER_VERSION = 1
# Superseded image files are kept this long so a reader holding old metadata can finish.
SUPERSEDED_GRACE_S = 60.0
PNG_COMPRESS_LEVEL = 3  # level 6 is 2x slower at 720p for 1% smaller grainy frames

_STYLE_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_THUMB_FORMAT, _THUMB_EXT = ("WEBP", "webp") if features.check("webp") else ("JPEG", "jpg")

STATUSES = ("fresh", "stale", "missing", "generating")


def utc_now() -> datetime:
    """Return the current time, timezone-aware UTC."""
    return datetime.now(UTC)


def format_utc(moment: datetime) -> str:
    """Return `moment` as ISO 8601 UTC with a Z suffix, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class PreviewInfo:
    """A style's preview: its status now and, when an image exists, what it is and where."""

    style_id: str
    status: str  # fresh | stale | missing | generating
    style_hash: str | None = None  # the hash the cached image was rendered from
    generator: str | None = None
    width: int | None = None
    height: int | None = None
    render_ms: float | None = None
    generated_at: datetime | None = None
    expires_at: datetime | None = None
    image_path: Path | None = None
    thumb_path: Path | None = None
    etag: str | None = None  # content digest of the PNG; stable while the image is

    @property
    def has_image(self) -> bool:
        """Return whether an image file is cached (any status but a plain missing)."""
        return self.image_path is not None


class PreviewCache:
    """Previews of styles kept under `root`, fresh for `ttl_s` seconds."""

    def __init__(
        self,
        root: Path,
        ttl_s: int,
        *,
        now: Callable[[], datetime] = utc_now,
        size: tuple[int, int] = PREVIEW_SIZE,
        thumb_size: tuple[int, int] = THUMB_SIZE,
    ) -> None:
        if ttl_s <= 0:
            raise ValidationError("preview ttl_s must be positive", field="preview_ttl_s")
        self.root = Path(root)
        self.ttl_s = ttl_s
        self.now = now
        self.size = size
        self.thumb_size = thumb_size

    # Reading --------------------------------------------------------------------------

    def metadata_path(self, style_id: str) -> Path:
        """Return where the metadata of `style_id`'s preview lives."""
        if not _STYLE_ID_RE.match(style_id):
            raise ValidationError(f"invalid style id {style_id!r}", field="style_id")
        return self.root / f"{style_id}.json"

    def read_metadata(self, style_id: str) -> dict[str, Any] | None:
        """Return the stored metadata of `style_id`, or None if absent or unreadable."""
        try:
            data = json.loads(self.metadata_path(style_id).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            log.warning("unreadable preview metadata for %s; treating it as missing", style_id)
            return None
        return data if isinstance(data, dict) else None

    def status(self, style: Style, *, is_generating: bool = False) -> PreviewInfo:
        """Return the preview of `style` with its status now.

        missing: no metadata or no image file; stale: older than the TTL, or rendered from
        another definition of the style (or another renderer); otherwise fresh.
        `is_generating` (the caller knows a job is running) reports "generating" but keeps
        the current image, so a panel can show it meanwhile.
        """
        meta = self.read_metadata(style.id)
        info = self._info_from_metadata(style.id, meta) if meta else None
        if info is None or info.image_path is None or not info.image_path.exists():
            return PreviewInfo(style.id, "generating" if is_generating else "missing")
        if is_generating:
            status = "generating"
        elif (
            meta is None
            or info.expires_at is None
            or self.now() >= info.expires_at
            or info.style_hash != style.content_hash
            or meta.get("renderer_version") != RENDERER_VERSION
        ):
            status = "stale"
        else:
            status = "fresh"
        return _replace_status(info, status)

    def overview(
        self, styles: Iterable[Style], generating: Iterable[str] = ()
    ) -> list[PreviewInfo]:
        """Return the status of each style's preview; ids in `generating` have a job running."""
        busy = set(generating)
        return [self.status(style, is_generating=style.id in busy) for style in styles]

    def needs_render(self, style: Style) -> bool:
        """Return whether the preview of `style` is missing or stale."""
        return self.status(style).status in ("missing", "stale")

    def read_image(self, info: PreviewInfo, *, thumbnail: bool = False) -> bytes:
        """Return the bytes of the preview image (or thumbnail) `info` names."""
        path = info.thumb_path if thumbnail else info.image_path
        if path is None:
            raise FileNotFoundError(f"no cached preview for {info.style_id}")
        return path.read_bytes()

    # Writing --------------------------------------------------------------------------

    def render_preview(
        self,
        style: Style,
        generator: FrameGenerator | None = None,
        *,
        seed: int = PREVIEW_SEED,
    ) -> PreviewInfo:
        """Return the fresh preview after rendering `style`'s demo scene and storing it."""
        started = time.perf_counter()
        image = render_frame(SceneSpec(style.demo_scene), style, self.size, seed, generator)
        render_ms = (time.perf_counter() - started) * 1000.0
        name = generator.name if generator is not None else "procedural"
        return self.write_preview(style, image, generator=name, render_ms=render_ms)

    def approve(
        self, style: Style, image: Image.Image, *, generator: str = "approved"
    ) -> PreviewInfo:
        """Return the preview after storing an externally rendered or tuned `image` for `style`.

        Pass the style as approved (e.g. with its tuned look saved): the preview is fresh
        for that definition of the style.
        """
        if image.size != self.size or image.mode != "RGB":
            image = cover_crop(image, self.size)
        return self.write_preview(style, image, generator=generator, render_ms=None)

    def write_preview(
        self,
        style: Style,
        image: Image.Image,
        *,
        generator: str,
        render_ms: float | None,
    ) -> PreviewInfo:
        """Return the preview after writing image, thumbnail, then metadata, each atomically."""
        self.root.mkdir(parents=True, exist_ok=True)
        png = io.BytesIO()
        image.save(png, "PNG", compress_level=PNG_COMPRESS_LEVEL)
        png_bytes = png.getvalue()
        digest = hashlib.sha256(png_bytes).hexdigest()
        thumb = io.BytesIO()
        image.resize(self.thumb_size, Image.Resampling.BILINEAR, reducing_gap=2.0).save(
            thumb, _THUMB_FORMAT, quality=82
        )
        image_name = f"{style.id}-{digest[:16]}.png"
        thumb_name = f"{style.id}-{digest[:16]}.thumb.{_THUMB_EXT}"
        write_bytes_atomic(self.root / image_name, png_bytes)
        write_bytes_atomic(self.root / thumb_name, thumb.getvalue())
        generated = self.now().astimezone(UTC).replace(microsecond=0)
        meta = {
            "style_id": style.id,
            "style_hash": style.content_hash,
            "renderer_version": RENDERER_VERSION,
            "generator": generator,
            "width": image.width,
            "height": image.height,
            "render_ms": None if render_ms is None else round(render_ms, 1),
            "generated_at": format_utc(generated),
            "expires_at": format_utc(generated + timedelta(seconds=self.ttl_s)),
            "image_file": image_name,
            "thumb_file": thumb_name,
            "thumb_width": self.thumb_size[0],
            "thumb_height": self.thumb_size[1],
            "etag": digest,
            "image_bytes": len(png_bytes),
        }
        text = json.dumps(meta, indent=2) + "\n"
        write_bytes_atomic(self.metadata_path(style.id), text.encode("utf-8"))
        self._remove_superseded(style.id, {image_name, thumb_name})
        info = self._info_from_metadata(style.id, meta)
        if info is None:  # only if the metadata written just above were malformed
            raise ValidationError("could not record the preview", field="style_id")
        return _replace_status(info, "fresh")

    def _remove_superseded(self, style_id: str, keep: set[str]) -> None:
        """Delete this style's older image files once past the grace period (best effort)."""
        cutoff = time.time() - SUPERSEDED_GRACE_S
        for path in self.root.glob(f"{style_id}-*"):
            # The glob also matches longer ids sharing the prefix ("a" vs "a-b"): the
            # 16-hex-digit digest right after the id tells ours apart.
            rest = path.name[len(style_id) + 1 :]
            if path.name in keep or not re.match(r"^[0-9a-f]{16}\.", rest):
                continue
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
            except FileNotFoundError:
                continue

    def _info_from_metadata(self, style_id: str, meta: dict[str, Any]) -> PreviewInfo | None:
        try:
            generated = datetime.fromisoformat(str(meta["generated_at"]))
            image_name, thumb_name = str(meta["image_file"]), str(meta["thumb_file"])
            if "/" in image_name or "/" in thumb_name or meta.get("style_id") != style_id:
                return None
            render_ms = meta.get("render_ms")
            return PreviewInfo(
                style_id=style_id,
                status="missing",
                style_hash=str(meta["style_hash"]),
                generator=str(meta["generator"]),
                width=int(meta["width"]),
                height=int(meta["height"]),
                render_ms=None if render_ms is None else float(render_ms),
                generated_at=generated,
                # The TTL in force now decides, not the one the preview was written with.
                expires_at=generated + timedelta(seconds=self.ttl_s),
                image_path=self.root / image_name,
                thumb_path=self.root / thumb_name,
                etag=str(meta["etag"]),
            )
        except (KeyError, TypeError, ValueError):
            log.warning("malformed preview metadata for %s; treating it as missing", style_id)
            return None

    # API shape ------------------------------------------------------------------------

    @staticmethod
    def to_json(info: PreviewInfo, image_url: str | None) -> dict[str, Any]:
        """Return the API's preview object; `image_url` is dropped when there is no image."""
        return {
            "style_id": info.style_id,
            "status": info.status,
            "image_url": image_url if info.has_image else None,
            "generated_at": format_utc(info.generated_at) if info.generated_at else None,
            "expires_at": format_utc(info.expires_at) if info.expires_at else None,
            "width": info.width,
            "height": info.height,
        }


def _replace_status(info: PreviewInfo, status: str) -> PreviewInfo:
    return dataclasses.replace(info, status=status)


__all__ = [
    "PREVIEW_SEED",
    "PREVIEW_SIZE",
    "RENDERER_VERSION",
    "THUMB_SIZE",
    "PreviewCache",
    "PreviewInfo",
    "format_utc",
    "utc_now",
]


async def run_preview_job(ctx: JobContext) -> dict[str, Any]:
    """Return a preview job's result after rendering its style's demo scene into the cache."""
    settings = ctx.extras["settings"]
    catalogue = ctx.extras["catalogue"].get()
    style = catalogue.get(str(ctx.job.params.get("style_id", "")))
    cache = PreviewCache(settings.data_dir / "previews", settings.preview_ttl_s)
    await ctx.progress(0.1, "rendering", f"painting {style.name}'s demo scene")
    # Pillow and numpy work in a thread: the event loop keeps serving requests meanwhile.
    info = await asyncio.to_thread(cache.render_preview, style)
    await ctx.progress(0.95, "stored", None)
    return {
        "style_id": style.id,
        "image_url": f"/styles/{style.id}/preview/image",
        "generated_at": format_utc(info.generated_at) if info.generated_at else None,
        "render_ms": round(info.render_ms or 0.0, 1),
        "style_hash": info.style_hash,
    }
