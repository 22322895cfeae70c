from __future__ import annotations

from typing import Any

import pytest
from quart import Quart

from genscene.settings import Settings
from genscene.web.app import create_app

from .conftest import AUTH


def assert_error_shape(body: Any) -> dict[str, Any]:
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert {"code", "message", "field"} <= set(error)
    assert isinstance(error["code"], str) and isinstance(error["message"], str)
    assert "Traceback" not in error["message"]
    return error


async def test_400_invalid_json_names_body(client: Any) -> None:
    response = await client.post(
        "/api/tts", data=b"{not json", headers={**AUTH, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert assert_error_shape(await response.get_json())["field"] == "body"


async def test_404_unknown_route_and_unknown_job(client: Any) -> None:
    for path in ("/nothing-here", "/api/jobs/" + "0" * 32, "/api/jobs/not-an-id"):
        response = await client.get(path, headers=AUTH)
        assert response.status_code == 404, path
        assert_error_shape(await response.get_json())


async def test_405_wrong_method_lists_allowed(client: Any) -> None:
    response = await client.delete("/api/jobs", headers=AUTH)
    assert response.status_code == 405
    assert assert_error_shape(await response.get_json())["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


async def test_409_cancel_finished_job(client: Any, app: Quart) -> None:
    svc = app.extensions["genscene"]
    job = await svc.store.create("tts", {"text": "x"})
    await svc.store.request_cancel(job.id)
    response = await client.post(f"/api/jobs/{job.id}/cancel", headers=AUTH)
    assert response.status_code == 409
    assert assert_error_shape(await response.get_json())["field"] == "job_id"


async def test_413_body_over_limit(client: Any, settings: Settings) -> None:
    big = b'{"text": "' + b"a" * (settings.max_request_bytes + 10) + b'"}'
    response = await client.post(
        "/api/tts", data=big, headers={**AUTH, "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert assert_error_shape(await response.get_json())["code"] == "too_large"


async def test_415_not_json_names_content_type(client: Any) -> None:
    response = await client.post("/api/tts", data=b"text=hi", headers=AUTH)
    assert response.status_code == 415
    assert assert_error_shape(await response.get_json())["field"] == "Content-Type"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "text"),
        ({"text": 5}, "text"),
        ({"text": "hi", "speed": 2}, "speed"),
        ({"text": "hi", "rate": "fast"}, "rate"),
        ({"text": "hi", "rate": 9999}, "rate"),
        ({"text": "hi", "voice": "klingon"}, "voice"),
        ({"text": "hi", "format": "aiff"}, "format"),
        ({"text": "hi", "engine": "polly"}, "engine"),
        ([1, 2], "body"),
    ],
)
async def test_422_bad_tts_field_named(client: Any, body: Any, field: str) -> None:
    response = await client.post("/api/tts", json=body, headers=AUTH)
    assert response.status_code == 422
    assert assert_error_shape(await response.get_json())["field"] == field


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=done", "status"),
        ("kind=video", "kind"),
        ("limit=0", "limit"),
        ("limit=x", "limit"),
        ("cursor=%%%", "cursor"),
    ],
)
async def test_422_bad_query_parameter_named(client: Any, query: str, field: str) -> None:
    response = await client.get(f"/api/jobs?{query}", headers=AUTH)
    assert response.status_code == 422
    assert assert_error_shape(await response.get_json())["field"] == field


async def test_500_unexpected_error_has_request_id_no_trace(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(settings)

    @app.get("/boom")
    async def boom() -> str:
        raise RuntimeError("database password is hunter2")

    async with app.test_app() as test_app:
        response = await test_app.test_client().get("/boom")
    assert response.status_code == 500
    error = assert_error_shape(await response.get_json())
    assert error["code"] == "internal" and len(error["request_id"]) == 16
    assert "hunter2" not in error["message"]
    assert error["request_id"] in caplog.text


async def test_503_health_names_missing_dependency(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from genscene.pipeline import process

    real_which = process.shutil.which
    monkeypatch.setattr(
        process.shutil, "which", lambda name: None if name == "espeak-ng" else real_which(name)
    )
    process.find_espeak.cache_clear()
    try:
        response = await client.get("/health")
    finally:
        process.find_espeak.cache_clear()
    assert response.status_code == 503
    body = await response.get_json()
    assert body["problems"] == ["espeak_ng"]
    assert body["espeak_ng"]["ok"] is False and body["ffmpeg"]["ok"] is True
