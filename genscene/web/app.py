"""The Quart application factory."""

from __future__ import annotations

from collections.abc import Callable

from quart import Quart

from genscene.settings import Settings
from genscene.web import database_api, docs, health, jobs_api, media_api, sse, studio, styles_api
from genscene.web.auth import CorsPolicy
from genscene.web.errors import register_error_handlers
from genscene.web.services import Services


def create_app(
    settings: Settings,
    *,
    services_factory: Callable[[Settings], Services] | None = None,
    shutdown_grace_s: float = 10.0,
) -> Quart:
    """Return the app for `settings`; its services start and stop with the server."""
    app = Quart(__name__)
    app.config["GENSCENE_SETTINGS"] = settings
    app.config["MAX_CONTENT_LENGTH"] = max(settings.max_upload_bytes, settings.max_request_bytes)
    app.config["JSON_SORT_KEYS"] = False
    app.url_map.merge_slashes = False  # "//" is never silently rewritten under /media
    app.json.sort_keys = False  # type: ignore[attr-defined]
    factory = services_factory or Services.build

    @app.before_serving
    async def start_services() -> None:
        svc = factory(settings)
        app.extensions["genscene"] = svc
        await svc.start()

    @app.after_serving
    async def stop_services() -> None:
        svc: Services | None = app.extensions.pop("genscene", None)
        if svc is not None:
            await svc.stop(shutdown_grace_s)

    register_error_handlers(app)
    CorsPolicy(settings.cors_origins, settings.cors_origin_regex).install(app)
    for blueprint in (
        health.bp,
        jobs_api.bp,
        media_api.bp,
        database_api.bp,
        sse.bp,
        docs.bp,
        studio.bp,
    ):
        app.register_blueprint(blueprint)
    app.register_blueprint(styles_api.bp)
    # The seed's clients call the catalogue under /api/styles...; both paths are served.
    app.register_blueprint(styles_api.bp, url_prefix="/api", name="api_styles")

    return app
