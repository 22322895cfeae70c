"""The studio page at `/`: one server-rendered shell; plain JavaScript modules do the rest."""

from __future__ import annotations

from quart import Blueprint, Response, render_template

from genscene import __version__
from genscene.web.openapi import doc

bp = Blueprint("studio", __name__)

# Everything the page needs comes from this server: no inline script, style or handler.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' blob: data:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


@bp.get("/")
@doc(
    "The studio page: style gallery, storyboard editor, live job view, jobs and monitor",
    tag="studio",
    responses={200: "HTML page"},
)
async def studio_page() -> Response:
    html = await render_template("studio.html", version=__version__)
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-cache"
    return response
