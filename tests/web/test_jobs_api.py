from __future__ import annotations

import asyncio
import io
import wave
from typing import Any

import httpx
import pytest
from quart import Quart

from .conftest import AUTH, LiveServer


async def wait_job(client: Any, job_id: str, timeout: float = 20) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            job: dict[str, Any] = await (
                await client.get(f"/api/jobs/{job_id}", headers=AUTH)
            ).get_json()
            if job["status"] in ("succeeded", "failed", "cancelled"):
                return job
            await asyncio.sleep(0.05)


async def test_post_tts_202_job_with_location(client: Any) -> None:
    response = await client.post("/api/tts", json={"text": "Hello studio"}, headers=AUTH)
    assert response.status_code == 202
    job = await response.get_json()
    assert response.headers["Location"] == f"/api/jobs/{job['id']}"
    assert job["kind"] == "tts" and job["status"] == "queued"
    assert job["params"] == {
        "text": "Hello studio",
        "voice": "en-us",
        "rate": 165,
        "pitch": 50,
        "format": "wav",
        "engine": "espeak-ng",
    }
    assert set(job) >= {
        "id",
        "kind",
        "status",
        "progress",
        "stage",
        "created_at",
        "started_at",
        "finished_at",
        "params",
        "result",
        "error",
    }
    done = await wait_job(client, job["id"])
    assert done["status"] == "succeeded"
    assert done["result"]["audio_url"] == f"/media/{job['id']}/speech.wav"
    assert done["result"]["duration_s"] > 0.3
    assert done["finished_at"].endswith("Z")


@pytest.mark.e2e
def test_tts_job_over_http_wav_fetched_with_range(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.base_url, headers=AUTH, timeout=10) as http:
        created = http.post("/api/tts", json={"text": "A playable file, fetched in parts."})
        assert created.status_code == 202
        job_id = created.json()["id"]
        for _ in range(200):
            job = http.get(f"/api/jobs/{job_id}").json()
            if job["status"] in ("succeeded", "failed"):
                break
            import time

            time.sleep(0.05)
        assert job["status"] == "succeeded", job
        url = job["result"]["audio_url"]
        whole = http.get(url)
        assert whole.status_code == 200
        assert whole.headers["content-type"] == "audio/wav"
        assert whole.headers["accept-ranges"] == "bytes"
        with wave.open(io.BytesIO(whole.content)) as wav:
            seconds = wav.getnframes() / wav.getframerate()
        assert seconds == pytest.approx(job["result"]["duration_s"], abs=0.01)
        part = http.get(url, headers={"Range": "bytes=0-43"})
        assert part.status_code == 206
        assert part.headers["content-range"] == f"bytes 0-43/{len(whole.content)}"
        assert part.content == whole.content[:44] and part.content[:4] == b"RIFF"
        tail = http.get(url, headers={"Range": "bytes=-100"})
        assert tail.status_code == 206 and tail.content == whole.content[-100:]
        beyond = http.get(url, headers={"Range": f"bytes={len(whole.content) + 10}-"})
        assert beyond.status_code == 416


async def test_jobs_pagination_and_filters(client: Any, app: Quart) -> None:
    svc = app.extensions["genscene"]
    ids = [(await svc.store.create("compose", {"n": i})).id for i in range(5)]
    await svc.store.request_cancel(ids[0])
    pages, cursor = [], None
    while True:
        query = "/api/jobs?kind=compose&limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = await (await client.get(query, headers=AUTH)).get_json()
        pages.append([j["id"] for j in body["jobs"]])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [i for p in pages for i in p] == list(reversed(ids))
    cancelled = await (await client.get("/api/jobs?status=cancelled", headers=AUTH)).get_json()
    assert [j["id"] for j in cancelled["jobs"]] == [ids[0]]


async def test_cancel_queued_job_returns_cancelled(client: Any, app: Quart) -> None:
    svc = app.extensions["genscene"]
    job = await svc.store.create("compose", {})  # no compose worker yet: stays queued
    response = await client.post(f"/api/jobs/{job.id}/cancel", headers=AUTH)
    assert response.status_code == 200
    assert (await response.get_json())["status"] == "cancelled"


async def test_voices_lists_engine_voices(client: Any) -> None:
    body = await (await client.get("/api/voices")).get_json()
    assert body["engine"] == "espeak-ng"
    assert {
        "id": "en-us",
        "name": "English (America)",
        "language": "en-us",
        "gender": "male",
    } in body["voices"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"scenes": [{"prompt": "x"}]}, "style"),
        ({"style": "pastel", "scenes": [{"prompt": "x"}]}, "style"),
        ({"style": "anime", "scenes": []}, "scenes"),
        (
            {"style": "anime", "scenes": [{"prompt": "x", "transition": "spin"}]},
            "scenes[0].transition",
        ),
        (
            {"style": "anime", "scenes": [{"prompt": "x"}, {"prompt": "y", "duration": -1}]},
            "scenes[1].duration",
        ),
        (
            {"style": "anime", "format": {"aspect": "2:1"}, "scenes": [{"prompt": "x"}]},
            "format.aspect",
        ),
        (
            {"style": "anime", "scenes": [{"prompt": "x", "media_id": "f" * 32}]},
            "scenes[0].media_id",
        ),
        (
            {"style": "anime", "voice": {"voice": "xx-none"}, "scenes": [{"prompt": "x"}]},
            "voice.voice",
        ),
        (
            {"style": "anime", "scenes": [{"prompt": "x", "narration": "n" * 2001}]},
            "scenes[0].narration",
        ),
    ],
)
async def test_compose_bad_storyboard_422_names_path(client: Any, body: Any, field: str) -> None:
    response = await client.post("/api/compose", json=body, headers=AUTH)
    assert response.status_code == 422
    assert (await response.get_json())["error"]["field"] == field


@pytest.mark.e2e
def test_compose_job_over_http_outputs_served(live_server: LiveServer) -> None:
    storyboard = {
        "title": "HTTP",
        "style": "film-noir",
        "format": {"aspect": "16:9", "height": 144, "fps": 12},
        "scenes": [
            {"prompt": "detective in a dark street with rain", "narration": "Rain again."},
            {"prompt": "city at night", "narration": "Always rain.", "transition": "none"},
        ],
    }
    import time

    with httpx.Client(base_url=live_server.base_url, headers=AUTH, timeout=10) as http:
        created = http.post("/api/compose", json=storyboard)
        assert created.status_code == 202
        job_id = created.json()["id"]
        for _ in range(600):
            job = http.get(f"/api/jobs/{job_id}").json()
            if job["status"] in ("succeeded", "failed"):
                break
            time.sleep(0.1)
        assert job["status"] == "succeeded", job["error"]
        result = job["result"]
        assert (result["width"], result["height"]) == (256, 144)
        video = http.get(result["video_url"], headers={"Range": "bytes=0-11"})
        assert video.status_code == 206 and video.content[4:8] == b"ftyp"
        assert http.get(result["video_url"]).headers["content-type"] == "video/mp4"
        vtt = http.get(result["vtt_url"])
        assert vtt.text.startswith("WEBVTT") and "Rain again." in vtt.text
        assert http.get(result["poster_url"]).headers["content-type"] == "image/jpeg"
        assert "Always rain." in http.get(result["srt_url"]).text
