"""Uploads (`POST /api/media`) and serving job outputs and uploads under `/media/`."""

from __future__ import annotations

import asyncio
import mimetypes
from pathlib import Path

from quart import Blueprint, Response, jsonify, request, send_file

from genscene.errors import NotFoundError, PayloadTooLargeError, ValidationError
from genscene.web.auth import require_api_key
from genscene.web.context import services, settings
from genscene.web.openapi import doc

bp = Blueprint("media", __name__)

CONTENT_TYPES = {
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".mov": "video/quicktime",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".wav": "audio/wav",
    ".mp3": "audio/mpeg",
    ".opus": "audio/ogg",
    ".ogg": "audio/ogg",
    ".flac": "audio/flac",
    ".m4a": "audio/mp4",
    ".srt": "application/x-subrip; charset=utf-8",
    ".vtt": "text/vtt; charset=utf-8",
    ".json": "application/json",
}

UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"}},
            }
        }
    },
}


@bp.post("/api/media")
@doc(
    "Upload an image, audio or video file for storyboards",
    tag="media",
    request_body=UPLOAD_BODY,
    responses={
        201: "Stored",
        401: "No or bad API key",
        413: "Too large",
        415: "Not multipart",
        422: "Not a supported or decodable file",
    },
)
@require_api_key
async def upload() -> tuple[Response, int]:
    from genscene.errors import UnsupportedMediaTypeError

    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaTypeError(
            "upload the file as multipart/form-data in a field named 'file'",
            field="Content-Type",
        )
    limit = settings().max_upload_bytes
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLargeError(f"upload is larger than {limit} bytes", field="file")
    files = await request.files
    storage = files.get("file")
    if storage is None:
        raise ValidationError("a multipart field named 'file' is required", field="file")
    data = storage.read()
    if len(data) > limit:
        raise PayloadTooLargeError(f"upload is larger than {limit} bytes", field="file")
    ref = await services().media.save(data, storage.filename)
    return jsonify(ref.to_json()), 201


def resolve_media_path(media_dir: Path, subpath: str) -> Path:
    """Return the file under `media_dir` named by `subpath`; NotFoundError if outside or absent.

    Only two levels are served (`<job id or uploads>/<file>`), names starting with a dot
    (partial files) are never served, and the resolved path must stay inside `media_dir`.
    """
    parts = subpath.split("/")
    if len(parts) != 2 or any(p in ("", ".", "..") or p.startswith(".") for p in parts):
        raise NotFoundError("no such media file", field="path")
    if any("\\" in p or "\x00" in p for p in parts):
        raise NotFoundError("no such media file", field="path")
    root = media_dir.resolve()
    candidate = (root / parts[0] / parts[1]).resolve()
    if root not in candidate.parents or not candidate.is_file():
        raise NotFoundError("no such media file", field="path")
    return candidate


@bp.get("/media/<path:subpath>")
@doc(
    "Serve a job output or an upload (HTTP Range supported)",
    tag="media",
    responses={
        200: "The file",
        206: "Part of the file",
        404: "No such file",
        416: "Range not satisfiable",
    },
)
async def serve_media(subpath: str) -> Response:
    path = resolve_media_path(settings().media_dir, subpath)
    mime = CONTENT_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]
    mimetype = mime or "application/octet-stream"
    if "Range" not in request.headers:
        response = await send_file(path, mimetype=mimetype, conditional=True)
    else:
        response = await _range_response(path, mimetype)
    response.headers["Accept-Ranges"] = "bytes"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response


async def _range_response(path: Path, mimetype: str) -> Response:
    """Return a 206 for one satisfiable byte range (suffix ranges included), else 416.

    Quart's own range handling fails on suffix ranges (`bytes=-500`), which players use
    to read an MP4's index, so ranges are resolved here with werkzeug's parser.
    """
    size = (await asyncio.to_thread(path.stat)).st_size
    wanted = request.range
    resolved = None
    if wanted is not None and wanted.units == "bytes" and len(wanted.ranges) == 1:
        resolved = wanted.range_for_length(size)
    if resolved is None:
        response = Response("", status=416)
        response.headers["Content-Range"] = f"bytes */{size}"
        return response
    start, stop = resolved
    response = await send_file(path, mimetype=mimetype, conditional=False)
    await response.response.make_conditional(start, stop)  # type: ignore[attr-defined]
    response.status_code = 206
    response.content_length = stop - start
    response.headers["Content-Range"] = f"bytes {start}-{stop - 1}/{size}"
    return response
