from __future__ import annotations

import asyncio
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from genscene.pipeline.styles import CATALOGUE_PATH, load_catalogue, save_look
from genscene.settings import Settings
from genscene.web.app import create_app

from .conftest import AUTH

STYLE_IDS = [
    "cinematic-realism",
    "stylized-3d",
    "anime",
    "documentary-grit",
    "film-noir",
    "retro-vhs-90s",
    "fantasy-illustration",
]


@pytest.mark.parametrize("prefix", ["", "/api"])
async def test_styles_catalogue_seven_styles_in_spec_shape(client: Any, prefix: str) -> None:
    response = await client.get(f"{prefix}/styles")
    assert response.status_code == 200
    styles = (await response.get_json())["styles"]
    assert [s["id"] for s in styles] == STYLE_IDS
    for style in styles:
        assert set(style) == {
            "id",
            "name",
            "category",
            "description",
            "palette",
            "keywords",
            "demo_scene",
            "preview_url",
        }
        assert style["preview_url"] is None  # nothing rendered yet
    noir = await (await client.get(f"{prefix}/styles/film-noir")).get_json()
    assert noir["name"] == "Film Noir" and noir["category"] == "vintage"


async def test_styles_routing_static_paths_not_shadowed(client: Any) -> None:
    categories = await (await client.get("/styles/categories")).get_json()
    assert [c["id"] for c in categories["categories"]] == [
        "realistic",
        "animated",
        "vintage",
        "artistic",
    ]
    assert categories["categories"][2]["styles"] == ["film-noir", "retro-vhs-90s"]
    overview = await (await client.get("/styles/previews/overview")).get_json()
    assert [p["style_id"] for p in overview["previews"]] == STYLE_IDS
    assert {p["status"] for p in overview["previews"]} == {"missing"}
    vintage = await (await client.get("/api/styles/previews/vintage")).get_json()
    assert [p["style_id"] for p in vintage["previews"]] == ["film-noir", "retro-vhs-90s"]


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/styles/watercolour", "style_id"),
        ("/styles/previews/baroque", "category"),
        ("/styles/previews/preview", "category"),
        ("/styles/anime/preview/poster", "variant"),
        ("/styles/anime/preview/image", "style_id"),
    ],
)
async def test_styles_unknown_404_names_field(client: Any, path: str, field: str) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert (await response.get_json())["error"]["field"] == field


async def wait_previews(client: Any, statuses: set[str], timeout: float = 60) -> list[Any]:
    async with asyncio.timeout(timeout):
        while True:
            body = await (await client.get("/styles/previews/overview")).get_json()
            if {p["status"] for p in body["previews"]} <= statuses:
                previews: list[Any] = body["previews"]
                return previews
            await asyncio.sleep(0.1)


async def test_generate_all_renders_missing_once_then_serves_images(client: Any) -> None:
    assert (await client.post("/styles/previews/generate-all")).status_code == 401
    first = await client.post("/styles/previews/generate-all", headers=AUTH)
    assert first.status_code == 202
    jobs = (await first.get_json())["jobs"]
    assert sorted(j["params"]["style_id"] for j in jobs) == sorted(STYLE_IDS)
    assert all(j["kind"] == "preview" and j["created"] for j in jobs)
    again = await (await client.post("/styles/previews/generate-all", headers=AUTH)).get_json()
    unfinished = [j for j in again["jobs"] if j["status"] in ("queued", "running")]
    assert all(not j["created"] for j in unfinished)  # in flight: no duplicate jobs
    previews = await wait_previews(client, {"fresh"})
    for preview in previews:
        assert preview["width"] == 1280 and preview["height"] == 720
        assert preview["image_url"] == f"/styles/{preview['style_id']}/preview/image"
        assert preview["generated_at"].endswith("Z") and preview["expires_at"].endswith("Z")
    image = await client.get("/styles/film-noir/preview/image")
    assert image.status_code == 200 and image.headers["Content-Type"] == "image/png"
    data = await image.get_data()
    from io import BytesIO

    assert Image.open(BytesIO(data)).size == (1280, 720)
    etag = image.headers["ETag"]
    cached = await client.get("/styles/film-noir/preview/image", headers={"If-None-Match": etag})
    assert cached.status_code == 304
    thumb = await client.get("/styles/film-noir/preview/thumb")
    assert thumb.status_code == 200 and len(await thumb.get_data()) < len(data) / 5
    styles = (await (await client.get("/styles")).get_json())["styles"]
    assert all(s["preview_url"] for s in styles)
    nothing = await (await client.post("/styles/previews/generate-all", headers=AUTH)).get_json()
    assert nothing["jobs"] == []  # all fresh
    forced = await (
        await client.post("/styles/previews/generate-all?force=true", headers=AUTH)
    ).get_json()
    assert len(forced["jobs"]) == 7
    await wait_previews(client, {"fresh"})


async def test_preview_stale_at_once_when_style_changes(settings: Settings, tmp_path: Path) -> None:
    catalogue_file = tmp_path / "styles.json"
    shutil.copy(CATALOGUE_PATH, catalogue_file)
    app = create_app(replace(settings, styles_file=str(catalogue_file)))
    async with app.test_app() as test_app:
        client = test_app.test_client()
        await client.post("/styles/previews/generate-all", headers=AUTH)
        await wait_previews(client, {"fresh"})
        noir = load_catalogue(catalogue_file).get("film-noir")
        save_look("film-noir", noir.look.with_changes(grain=noir.look.grain + 0.05), catalogue_file)
        overview = await (await client.get("/styles/previews/overview")).get_json()
        status = {p["style_id"]: p["status"] for p in overview["previews"]}
        assert status["film-noir"] == "stale"
        assert {s for k, s in status.items() if k != "film-noir"} == {"fresh"}
        regen = await (await client.post("/styles/previews/generate-all", headers=AUTH)).get_json()
        assert [j["params"]["style_id"] for j in regen["jobs"]] == ["film-noir"]


async def test_generate_one_style_single_job_no_duplicate(client: Any) -> None:
    assert (await client.post("/styles/anime/preview/generate")).status_code == 401
    first = await client.post("/styles/anime/preview/generate", headers=AUTH)
    assert first.status_code == 202
    (job,) = (await first.get_json())["jobs"]
    assert job["params"]["style_id"] == "anime"
    again = await (await client.post("/styles/anime/preview/generate", headers=AUTH)).get_json()
    if again["jobs"][0]["status"] in ("queued", "running"):
        assert again["jobs"][0]["id"] == job["id"] and not again["jobs"][0]["created"]
    missing = await client.post("/styles/sepia/preview/generate", headers=AUTH)
    assert missing.status_code == 404
    async with asyncio.timeout(30):
        while True:
            preview = await (await client.get("/styles/anime/preview")).get_json()
            if preview["status"] == "fresh":
                break
            await asyncio.sleep(0.1)
    assert preview["image_url"] == "/styles/anime/preview/image"
