from __future__ import annotations

import hmac
from dataclasses import replace
from typing import Any

import pytest

from genscene.settings import Settings
from genscene.web import auth
from genscene.web.app import create_app
from tests.conftest import TEST_API_KEY

from .conftest import AUTH


async def test_api_without_key_401_in_error_shape(client: Any) -> None:
    response = await client.get("/api/jobs")
    assert response.status_code == 401
    body = await response.get_json()
    assert body["error"]["code"] == "unauthorized" and body["error"]["field"] is None
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_api_wrong_key_401(client: Any) -> None:
    response = await client.get("/api/jobs", headers={"X-API-Key": TEST_API_KEY + "x"})
    assert response.status_code == 401
    assert (await response.get_json())["error"]["message"] == "the API key is not valid"


@pytest.mark.parametrize(
    "headers",
    [{"X-API-Key": TEST_API_KEY}, {"Authorization": f"Bearer {TEST_API_KEY}"}],
)
async def test_api_right_key_either_header_200(client: Any, headers: dict[str, str]) -> None:
    response = await client.get("/api/jobs", headers=headers)
    assert response.status_code == 200
    assert await response.get_json() == {"jobs": [], "next_cursor": None}


async def test_public_routes_need_no_key(client: Any) -> None:
    for path in ("/health", "/openapi.json", "/docs", "/"):
        response = await client.get(path)
        assert response.status_code == 200, path


def test_key_matches_compares_every_key_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[bytes] = []
    real = hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        calls.append(b)
        return real(a, b)

    monkeypatch.setattr(auth.hmac, "compare_digest", counting)
    keys = ("first-key", "second-key", "third-key")
    assert auth.key_matches("first-key", keys) is True
    assert len(calls) == 3  # no early exit on the first match
    calls.clear()
    assert auth.key_matches("nope", keys) is False
    assert len(calls) == 3


@pytest.fixture
async def cors_client(settings: Settings) -> Any:
    configured = replace(
        settings,
        cors_origins=("https://studio.example.com",),
        cors_origin_regex=r"https://[a-z0-9-]+\.genscene\.dev",
    )
    app = create_app(configured)
    async with app.test_app() as test_app:
        yield test_app.test_client()


@pytest.mark.parametrize(
    "origin", ["https://studio.example.com", "https://preview-42.genscene.dev"]
)
async def test_cors_allowed_origin_gets_headers(cors_client: Any, origin: str) -> None:
    response = await cors_client.get("/health", headers={"Origin": origin})
    assert response.headers["Access-Control-Allow-Origin"] == origin
    assert "Origin" in response.headers["Vary"]


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example.com",
        "https://genscene.dev.evil.com",
        "https://x.genscene.dev:8443",
        "http://studio.example.com",
        "null",
    ],
)
async def test_cors_foreign_origin_gets_no_headers(cors_client: Any, origin: str) -> None:
    response = await cors_client.get("/health", headers={"Origin": origin})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


async def test_cors_preflight_allowed_answers_204_with_methods(cors_client: Any) -> None:
    response = await cors_client.options(
        "/api/tts",
        headers={
            "Origin": "https://studio.example.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, x-api-key",
        },
    )
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "https://studio.example.com"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "X-API-Key" in response.headers["Access-Control-Allow-Headers"]


async def test_cors_preflight_foreign_origin_no_allow_headers(cors_client: Any) -> None:
    response = await cors_client.options(
        "/api/tts",
        headers={"Origin": "https://evil.example.com", "Access-Control-Request-Method": "POST"},
    )
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Methods" not in response.headers


async def test_auth_key_never_needed_for_preflight_or_leaked(client: Any) -> None:
    response = await client.get("/api/jobs", headers=AUTH)
    text = (await response.get_data()).decode()
    assert TEST_API_KEY not in text
