"""The style catalogue and its previews (served at /styles/... and /api/styles/...).

Static segments win over converters in the URL map, so `/styles/categories` and
`/styles/previews/...` are never taken for a style id.
"""

from __future__ import annotations

import asyncio
from typing import Any

from quart import Blueprint, Response, jsonify, request

from genscene.errors import NotFoundError
from genscene.pipeline.previews import PreviewCache, PreviewInfo
from genscene.pipeline.styles import Catalogue, Style
from genscene.web.auth import require_api_key
from genscene.web.context import services
from genscene.web.openapi import doc
from genscene.web.requests import query_bool

bp = Blueprint("styles", __name__)


def _catalogue() -> Catalogue:
    return services().catalogue.get()


def image_url(style_id: str, *, thumbnail: bool = False) -> str:
    """Return the URL the preview image (or thumbnail) of `style_id` is served at."""
    return f"/styles/{style_id}/preview/{'thumb' if thumbnail else 'image'}"


async def _previews(styles: list[Style]) -> list[PreviewInfo]:
    svc = services()
    generating = {str(p.get("style_id")) for p in await svc.store.active_params("preview")}
    # Reading metadata files: a thread, not the event loop.
    return await asyncio.to_thread(svc.previews.overview, styles, generating)


def _preview_json(info: PreviewInfo) -> dict[str, Any]:
    body = PreviewCache.to_json(info, image_url(info.style_id) if info.has_image else None)
    body["thumbnail_url"] = image_url(info.style_id, thumbnail=True) if info.has_image else None
    return body


async def _style_json(style: Style) -> dict[str, Any]:
    (info,) = await _previews([style])
    return style.to_json(image_url(style.id) if info.has_image else None)


@bp.get("/styles")
@doc("The catalogue of seven styles", tag="styles")
async def list_styles() -> Response:
    styles = _catalogue().all()
    infos = {i.style_id: i for i in await _previews(styles)}
    return jsonify(
        {"styles": [s.to_json(image_url(s.id) if infos[s.id].has_image else None) for s in styles]}
    )


@bp.get("/styles/categories")
@doc("Style categories with their styles", tag="styles")
async def categories() -> Response:
    return jsonify(
        {
            "categories": [
                {"id": cat_id, "name": name, "styles": ids}
                for cat_id, name, ids in _catalogue().categories()
            ]
        }
    )


@bp.get("/styles/previews/overview")
@doc("Every style's preview status and image URL", tag="styles")
async def previews_overview() -> Response:
    infos = await _previews(_catalogue().all())
    return jsonify({"previews": [_preview_json(i) for i in infos]})


@bp.post("/styles/previews/generate-all")
@doc(
    "Queue preview jobs for missing or stale previews (?force=true: all)",
    tag="styles",
    params=[{"name": "force", "in": "query", "schema": {"type": "boolean"}}],
    responses={
        202: "The jobs (new or already queued)",
        401: "No or bad API key",
        422: "Invalid parameter",
    },
)
@require_api_key
async def generate_all() -> tuple[Response, int]:
    force = query_bool("force")
    svc = services()
    jobs = []
    for info in await _previews(_catalogue().all()):
        if not force and info.status == "fresh":
            continue
        job, created = await svc.store.create_unless_active(
            "preview", {"style_id": info.style_id, "force": force}, "style_id"
        )
        jobs.append({**job.to_json(), "created": created})
    svc.runner.notify()
    return jsonify({"jobs": jobs}), 202


@bp.post("/styles/<style_id>/preview/generate")
@doc(
    "Queue a preview job for one style (no duplicate while one is queued or running)",
    tag="styles",
    responses={
        202: "The job (new or already queued)",
        401: "No or bad API key",
        404: "Unknown style",
    },
)
@require_api_key
async def generate_one(style_id: str) -> tuple[Response, int]:
    style = _catalogue().get(style_id)
    svc = services()
    job, created = await svc.store.create_unless_active(
        "preview", {"style_id": style.id, "force": True}, "style_id"
    )
    svc.runner.notify()
    return jsonify({"jobs": [{**job.to_json(), "created": created}]}), 202


@bp.get("/styles/previews/<category>")
@doc("Previews of one category", tag="styles", responses={200: "Previews", 404: "Unknown"})
async def previews_by_category(category: str) -> Response:
    infos = await _previews(_catalogue().in_category(category))
    return jsonify({"previews": [_preview_json(i) for i in infos]})


@bp.get("/styles/<style_id>")
@doc("One style", tag="styles", responses={200: "The style", 404: "Unknown style"})
async def get_style(style_id: str) -> Response:
    return jsonify(await _style_json(_catalogue().get(style_id)))


@bp.get("/styles/<style_id>/preview")
@doc("One style's preview metadata", tag="styles", responses={200: "Preview", 404: "Unknown style"})
async def get_preview(style_id: str) -> Response:
    (info,) = await _previews([_catalogue().get(style_id)])
    return jsonify(_preview_json(info))


@bp.get("/styles/<style_id>/preview/<variant>")
@doc(
    "The preview image (`image`: 1280x720 PNG) or thumbnail (`thumb`), with an ETag",
    tag="styles",
    responses={200: "Image", 304: "Not modified", 404: "Unknown style or no preview yet"},
)
async def get_preview_image(style_id: str, variant: str) -> Response:
    if variant not in ("image", "thumb"):
        raise NotFoundError("no such preview variant (image or thumb)", field="variant")
    style = _catalogue().get(style_id)
    svc = services()
    info = await asyncio.to_thread(svc.previews.status, style)
    if not info.has_image:
        raise NotFoundError(f"no preview of {style_id} yet", field="style_id")
    etag = f"{info.etag}-{variant}"
    if request.if_none_match.contains(etag):
        response = Response("", status=304)
    else:
        try:
            data = await asyncio.to_thread(
                svc.previews.read_image, info, thumbnail=variant == "thumb"
            )
        except FileNotFoundError:  # replaced by a newer render between status and read
            raise NotFoundError(
                f"preview of {style_id} is being replaced", field="style_id"
            ) from None
        path = info.thumb_path if variant == "thumb" else info.image_path
        suffix = path.suffix.lower() if path is not None else ".png"
        mimetype = {".png": "image/png", ".webp": "image/webp", ".jpg": "image/jpeg"}.get(
            suffix, "application/octet-stream"
        )
        response = Response(data, mimetype=mimetype)
    response.set_etag(etag)
    # Revalidate often: a new render changes the ETag at once (new hash, force).
    response.cache_control.public = True
    response.cache_control.max_age = 60
    return response
