"""Uploaded media (images, audio, video) for storyboards: sniffed, checked, stored, found.

The type comes from the bytes, never from the file name, and the file must decode (Pillow
for images, ffprobe for audio and video) before it is accepted.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from genscene.db.database import Database
from genscene.errors import NotFoundError, ValidationError
from genscene.pipeline.jobs import utc_now_iso
from genscene.pipeline.process import probe_media


@dataclass(frozen=True)
class MediaRef:
    """An accepted upload."""

    id: str
    kind: str  # image | audio | video
    mime: str
    path: Path
    size_bytes: int
    filename: str | None = None
    sha256: str = ""
    created_at: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "mime": self.mime,
            "size_bytes": self.size_bytes,
            "filename": self.filename,
            "sha256": self.sha256,
            "created_at": self.created_at,
            "url": f"/media/uploads/{self.path.name}",
        }


# (mime, kind, extension) by leading bytes. Checked in order.
def sniff(head: bytes) -> tuple[str, str, str] | None:
    """Return (mime, kind, extension) recognised from the first bytes of a file, or None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", "image", "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", "image", "jpg"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp", "image", "webp"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif", "image", "gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio/wav", "audio", "wav"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg", "audio", "mp3"
    if head.startswith(b"OggS"):
        return "audio/ogg", "audio", "ogg"
    if head.startswith(b"fLaC"):
        return "audio/flac", "audio", "flac"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"M4A ", b"M4B "):
            return "audio/mp4", "audio", "m4a"
        if brand == b"qt  ":
            return "video/quicktime", "video", "mov"
        return "video/mp4", "video", "mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm", "video", "webm"
    return None


def _check_image(path: Path) -> None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image.verify()
        with Image.open(path) as image:
            image.load()  # verify() skips pixel data; a truncated file fails here
            if image.width < 16 or image.height < 16:
                raise ValidationError("image is smaller than 16x16 pixels", field="file")
            if image.width * image.height > 50_000_000:
                raise ValidationError("image is larger than 50 megapixels", field="file")
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ValidationError(f"image does not decode: {exc}", field="file") from None


class MediaStore:
    """Uploads kept under `media_dir/uploads`, indexed in the `media` table."""

    def __init__(self, db: Database, media_dir: Path) -> None:
        self.db = db
        self.root = media_dir / "uploads"

    async def save(self, data: bytes, filename: str | None = None) -> MediaRef:
        """Return the stored upload after sniffing and decoding `data`; ValidationError if bad."""
        if not data:
            raise ValidationError("file is empty", field="file")
        found = sniff(data[:64])
        if found is None:
            raise ValidationError(
                "file is not a supported image (PNG, JPEG, WebP, GIF), audio (WAV, MP3, Ogg, "
                "FLAC, M4A) or video (MP4, MOV, WebM)",
                field="file",
            )
        mime, kind, ext = found
        media_id = uuid.uuid4().hex
        self.root.mkdir(parents=True, exist_ok=True)
        final = self.root / f"{media_id}.{ext}"
        partial = self.root / f".{media_id}.{ext}.partial"
        digest = hashlib.sha256(data).hexdigest()
        try:
            await asyncio.to_thread(partial.write_bytes, data)
            if kind == "image":
                await asyncio.to_thread(_check_image, partial)
            else:
                await self._check_av(partial, kind)
            os.replace(partial, final)
        finally:
            partial.unlink(missing_ok=True)
        ref = MediaRef(
            id=media_id,
            kind=kind,
            mime=mime,
            path=final,
            size_bytes=len(data),
            filename=(filename or "")[:255] or None,
            sha256=digest,
            created_at=utc_now_iso(),
        )

        def insert(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO media (id, kind, mime, filename, size_bytes, sha256, path, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    ref.id,
                    ref.kind,
                    ref.mime,
                    ref.filename,
                    ref.size_bytes,
                    ref.sha256,
                    str(ref.path),
                    ref.created_at,
                ),
            )

        try:
            await self.db.awrite(insert)
        except BaseException:
            final.unlink(missing_ok=True)
            raise
        return ref

    async def _check_av(self, path: Path, kind: str) -> None:
        try:
            info = await probe_media(path)
        except Exception:
            raise ValidationError(f"{kind} does not decode", field="file") from None
        types = {s.get("codec_type") for s in info.get("streams", [])}
        wanted = "audio" if kind == "audio" else "video"
        if info.get("streams") and wanted not in types:
            raise ValidationError(f"file has no {wanted} stream", field="file")

    def lookup_sync(self, media_id: str) -> MediaRef | None:
        """Return the upload `media_id`, or None; reads on the calling thread."""
        row = self.db.read(
            lambda conn: conn.execute("SELECT * FROM media WHERE id = ?", (media_id,)).fetchone()
        )
        return _from_row(row) if row else None

    async def get(self, media_id: str) -> MediaRef:
        """Return the upload `media_id`; NotFoundError when unknown."""
        row = await self.db.aread(
            lambda conn: conn.execute("SELECT * FROM media WHERE id = ?", (media_id,)).fetchone()
        )
        if row is None:
            raise NotFoundError(f"no media {media_id}", field="media_id")
        return _from_row(row)


def _from_row(row: sqlite3.Row) -> MediaRef:
    return MediaRef(
        id=row["id"],
        kind=row["kind"],
        mime=row["mime"],
        path=Path(row["path"]),
        size_bytes=row["size_bytes"],
        filename=row["filename"],
        sha256=row["sha256"] or "",
        created_at=row["created_at"],
    )
