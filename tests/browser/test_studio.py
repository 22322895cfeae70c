"""The studio page in headless Chromium against a real server: gallery, editor, live job view,
jobs list, monitor; no console errors anywhere; page weight; phone width."""

from __future__ import annotations

import json
import math
import posixpath
import re
import struct
import subprocess
import time
import wave
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import Locator, Page, expect

from genscene.settings import Settings
from tests.browser.conftest import PHONE, Studio, start_server
from tests.conftest import TEST_API_KEY
from tests.web.conftest import LiveServer

pytestmark = pytest.mark.browser

JOB_ROOT = ".page[data-job-id]"
MAX_PAGE_WEIGHT_BYTES = 300 * 1024
# The only console error a test may cause on purpose: Chromium logs every 4xx response of a
# fetch, and the field-error test makes the API answer 422.
EXPECTED_422 = r"Failed to load resource: the server responded with a status of 422"
# Chromium's own log line when the server cuts a stream mid-response (the test does that).
DROPPED_STREAM = r"net::ERR_(INCOMPLETE_CHUNKED_ENCODING|EMPTY_RESPONSE|CONNECTION_(RESET|CLOSED))"


def scene(page: Page, index: int) -> Locator:
    return page.locator("#scene-list > li").nth(index)


def job_dataset(page: Page) -> dict[str, str]:
    found: dict[str, str] = page.evaluate(f"({{...document.querySelector('{JOB_ROOT}').dataset}})")
    return found


def wait_for_job_state(page: Page, state: str, timeout_ms: int = 60_000) -> None:
    page.wait_for_function(
        f"() => document.querySelector('{JOB_ROOT}')?.dataset.state === '{state}'",
        timeout=timeout_ms,
    )


def received_seqs(page: Page) -> list[int]:
    raw = job_dataset(page).get("received", "")
    return [int(x) for x in raw.split(",") if x]


def stored_seqs(server: LiveServer, job_id: str) -> list[int]:
    return [e.seq for e in server.call(server.services.store.events(job_id, limit=10_000))]


def wait_for_api_job(studio: Studio, job_id: str, timeout_s: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job: dict[str, Any] = studio.api("GET", f"/api/jobs/{job_id}").json()
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish")


def long_storyboard(scene_count: int = 8) -> dict[str, Any]:
    settings_ = [
        ("city at sunset with dramatic light", "The sun sets over the city.", "zoom-in"),
        ("forest at night with rain", "Rain falls in the dark forest.", "pan-left"),
        ("robot in a workshop", "A small robot wakes up.", "zoom-out"),
        ("market street with people", "The market is busy today.", "pan-right"),
        ("castle on a hill under clouds", "A castle stands on the hill.", "zoom-in"),
        ("beach at dawn with waves", "Morning comes to the beach.", "static"),
        ("snowy mountain village", "Snow covers the village.", "pan-left"),
        ("desert road at noon", "The road runs into the desert.", "zoom-out"),
    ]
    return {
        "title": "Resume test",
        "style": "documentary-grit",
        "format": {"aspect": "16:9", "height": 480, "fps": 30},
        "scenes": [
            {"prompt": p, "narration": n, "duration": 3, "camera": c, "transition": "dissolve"}
            for p, n, c in settings_[:scene_count]
        ],
    }


def test_studio_page_is_self_contained_under_a_strict_content_security_policy(
    studio: Studio,
) -> None:
    response = studio.api("GET", "/", headers={})
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    html = response.text
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assets = re.findall(r'(?:src|href)="(/static/[^"?]+)', html)
    assert any(a.endswith("app.js") for a in assets) and any(a.endswith(".css") for a in assets)
    seen: set[str] = set()
    while assets:  # every module the page imports, transitively
        asset = assets.pop()
        if asset in seen:
            continue
        seen.add(asset)
        fetched = studio.api("GET", asset)
        assert fetched.status_code == 200, asset
        body = fetched.text
        assert "https://" not in body and "http://" not in body.replace(
            "http://www.w3.org/2000/svg", ""
        ), asset
        for module in re.findall(r'from "(\.{1,2}/[^"]+\.js)"', body):
            assets.append(posixpath.normpath(posixpath.join(posixpath.dirname(asset), module)))
    assert len([a for a in seen if a.endswith(".js")]) >= 8
    assert "<script>" not in html and " on" + "click=" not in html


def test_gallery_generates_and_shows_seven_rendered_previews(studio: Studio) -> None:
    page = studio.page
    studio.goto("styles")
    cards = page.locator(".style-card")
    expect(cards).to_have_count(7)
    expect(page.locator('.style-card[data-status="missing"]')).to_have_count(7)
    expect(page.locator(".style-card .swatch").first).to_be_visible()
    assert page.locator(".style-card").first.locator(".keywords li").count() >= 3

    noir = page.locator('.style-card[data-style-id="film-noir"]')
    expect(noir.locator(".badge")).to_have_text("No preview")
    # A missing preview's own button queues that style only; the page follows the job by
    # polling the overview.
    noir.get_by_role("button", name="Generate preview").click()
    expect(noir).to_have_attribute("data-status", "fresh", timeout=30_000)
    expect(page.locator('.style-card[data-status="missing"]')).to_have_count(6)
    # The toolbar's button queues every missing one.
    page.click("#generate-missing")
    expect(page.locator('.style-card[data-status="fresh"]')).to_have_count(7, timeout=60_000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.style-card img')]"
        ".filter(img => img.complete && img.naturalWidth > 0).length === 7",
        timeout=20_000,
    )
    expect(page.locator(".summary")).to_have_text("7 of 7 previews ready.")
    assert page.locator(".regenerate:visible").count() == 0

    page.click('.chip[data-category="vintage"]')
    expect(page.locator(".style-card:visible")).to_have_count(2)
    expect(page.locator('.chip[data-category="vintage"]')).to_have_attribute("aria-pressed", "true")
    page.click('.chip[data-category="all"]')
    expect(page.locator(".style-card:visible")).to_have_count(7)
    studio.screenshot("styles")
    studio.assert_no_console_errors()


def write_test_image(path: Path) -> Path:
    Image.new("RGB", (320, 180), (40, 90, 160)).save(path)
    return path


def write_test_music(path: Path, seconds: float = 3.0, rate: int = 22050) -> Path:
    samples = (
        int(8000 * math.sin(2 * math.pi * 220 * n / rate)) for n in range(int(seconds * rate))
    )
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"".join(struct.pack("<h", s) for s in samples))
    return path


def test_editor_builds_two_scene_storyboard_followed_live_until_video_plays(
    server: LiveServer, studio_factory: Callable[..., Studio], tmp_path: Path
) -> None:
    studio = studio_factory(server, with_key=False)
    page = studio.page
    studio.goto("new")
    # The key is entered once, in the dialog, and kept in localStorage, never in a URL.
    page.click("#key-button")
    page.fill("#key-input", TEST_API_KEY)
    page.click("#key-save")
    expect(page.locator("#key-dialog")).not_to_be_visible()
    expect(page.locator("#key-button")).to_have_attribute("data-has-key", "true")
    assert page.evaluate("localStorage.getItem('genscene.apiKey')") == TEST_API_KEY

    page.fill("#sb-title", "Browser test")
    page.click('label[for="sb-style-anime"]')
    page.select_option("#sb-aspect", "16:9")
    page.select_option("#sb-height", "240")
    expect(page.locator("#sb-voice option")).not_to_have_count(1)  # voices loaded
    page.select_option("#sb-voice", "en-us")
    first = scene(page, 0)
    first.get_by_label("Visual prompt").fill("robot in a city at night")
    first.get_by_label("Narration", exact=True).fill("Hello from the first scene.")
    first.get_by_label("Camera").select_option("zoom-in")
    page.click("#add-scene")
    second = scene(page, 1)
    expect(second.get_by_label("Visual prompt")).to_be_focused()
    second.get_by_label("Visual prompt").fill("forest at dawn")
    second.get_by_label("Narration", exact=True).fill("And goodbye.")
    second.get_by_label("Scene 2 duration mode").select_option("seconds")
    second.get_by_label("Scene 2 duration in seconds").fill("2")
    second.get_by_label("Transition to next").select_option("none")
    second.get_by_label("Own image or clip (optional)").set_input_files(
        write_test_image(tmp_path / "still.png")
    )
    expect(second.locator(".upload-thumb")).to_be_visible()
    page.set_input_files("#sb-music", write_test_music(tmp_path / "music.wav"))
    expect(page.locator(".music-field .upload-name")).to_contain_text("music.wav")
    expect(page.locator("#sb-music-volume")).to_be_visible()

    # Reorder there and back, by keyboard.
    page.get_by_role("button", name="Move scene 2 up").focus()
    page.keyboard.press("Enter")
    expect(scene(page, 0).get_by_label("Visual prompt")).to_have_value("forest at dawn")
    page.get_by_role("button", name="Move scene 1 down").focus()
    page.keyboard.press("Enter")
    expect(scene(page, 0).get_by_label("Visual prompt")).to_have_value("robot in a city at night")

    unlabelled = page.evaluate(
        """[...document.querySelectorAll('main input, main select, main textarea')]
        .filter(el => !(el.labels?.length || el.getAttribute('aria-label')))
        .map(el => el.outerHTML)"""
    )
    assert unlabelled == []
    studio.screenshot("new-video")

    page.click("#submit-storyboard")
    page.wait_for_url(re.compile(r"#/jobs/[0-9a-f]+$"))
    job_id = page.url.rsplit("/", 1)[1]
    assert TEST_API_KEY not in page.url
    expect(page.locator(".connection")).to_have_text(re.compile("Live|Stream complete"))
    wait_for_job_state(page, "complete")
    data = job_dataset(page)
    assert data["status"] == "succeeded"
    assert received_seqs(page) == stored_seqs(server, job_id)
    expect(page.locator(".progress")).to_have_attribute("aria-valuenow", "100")
    assert page.locator("#job-log .log-progress").count() >= 5

    page.wait_for_function(
        "() => document.querySelector('#result-video')?.readyState >= 2", timeout=20_000
    )
    job = studio.api("GET", f"/api/jobs/{job_id}").json()
    result = job["result"]
    duration = page.evaluate("document.querySelector('#result-video').duration")
    assert abs(duration - result["duration_s"]) <= 0.1
    assert result["height"] == 240
    assert [s["prompt"] for s in job["params"]["scenes"]] == [
        "robot in a city at night",
        "forest at dawn",
    ]
    assert job["params"]["style"] == "anime"
    assert job["params"]["scenes"][1]["duration"] == 2
    assert job["params"]["scenes"][1]["media_id"]
    assert job["params"]["music"]["media_id"]
    track = page.locator("#result-video track")
    expect(track).to_have_attribute("kind", "subtitles")
    expect(track).to_have_attribute("src", result["vtt_url"])
    links = {
        kind: page.get_attribute(f'[data-download="{kind}"]', "href")
        for kind in ("video", "srt", "vtt", "poster")
    }
    assert links == {
        "video": result["video_url"],
        "srt": result["srt_url"],
        "vtt": result["vtt_url"],
        "poster": result["poster_url"],
    }
    for url in links.values():
        assert studio.api("GET", url).status_code == 200, url
    studio.screenshot("job")
    studio.assert_no_console_errors()


def test_editor_shows_api_field_errors_beside_the_field_they_name(studio: Studio) -> None:
    page = studio.page
    studio.allow_console_error(EXPECTED_422)
    studio.goto("new")
    scene(page, 0).get_by_label("Visual prompt").fill("a lighthouse in a storm")
    page.click("#add-scene")
    second = scene(page, 1)
    second.get_by_label("Visual prompt").fill("calm sea at night")
    narration = second.get_by_label("Narration", exact=True)
    narration.fill("word " * 401)  # 2,005 characters; the form counts but lets it through
    expect(second.locator(".counter")).to_have_class(re.compile("over"))

    page.click("#submit-storyboard")
    error = second.locator(".field-error").filter(has_text="scenes[1].narration")
    expect(error).to_be_visible()
    expect(error).to_contain_text("longer than 2000 characters")
    expect(narration).to_have_attribute("aria-invalid", "true")
    described_by = narration.get_attribute("aria-describedby") or ""
    assert error.get_attribute("id") in described_by.split()
    # Beside the field: in the narration's own field box, not only in the summary.
    assert narration.evaluate(
        "(el, id) => el.closest('.field').contains(document.getElementById(id))",
        error.get_attribute("id"),
    )
    expect(narration).to_be_focused()
    expect(page.locator(".error-summary")).to_contain_text("scenes[1].narration")
    assert page.url.endswith("#/new")
    studio.screenshot("new-video-field-error")

    narration.fill("Short again.")
    expect(narration).not_to_have_attribute("aria-invalid", "true")
    expect(error).to_be_hidden()

    # A value the form lets through, the API rejects, and the page points at.
    first = scene(page, 0)
    first.get_by_label("Scene 1 duration mode").select_option("seconds")
    first.get_by_label("Scene 1 duration in seconds").fill("0.5")
    page.click("#submit-storyboard")
    duration_error = first.locator(".field-duration .field-error")
    expect(duration_error).to_contain_text("scenes[0].duration")
    expect(first.get_by_label("Scene 1 duration in seconds")).to_have_attribute(
        "aria-invalid", "true"
    )
    assert [e for e in studio.console_errors if "422" in e], "the API was expected to say 422"
    studio.assert_no_console_errors()


def test_editor_exports_and_imports_storyboard_json(studio: Studio, tmp_path: Path) -> None:
    page = studio.page
    studio.goto("new")
    page.fill("#sb-title", "Round trip")
    page.click('label[for="sb-style-film-noir"]')
    scene(page, 0).get_by_label("Visual prompt").fill("detective in a dark street with rain")
    scene(page, 0).get_by_label("Narration", exact=True).fill("The city never sleeps.")
    with page.expect_download() as download:
        page.click("#export-json")
    exported = json.loads(Path(download.value.path()).read_text())
    assert exported["title"] == "Round trip"
    assert exported["style"] == "film-noir"
    assert exported["scenes"][0]["narration"] == "The city never sleeps."
    assert download.value.suggested_filename == "round-trip.json"

    page.click("#reset-storyboard")
    expect(page.locator("#sb-title")).to_have_value("")
    exported["scenes"].append({**exported["scenes"][0], "prompt": "rooftop at midnight"})
    exported["format"]["aspect"] = "9:16"
    file = tmp_path / "storyboard.json"
    file.write_text(json.dumps(exported))
    page.set_input_files("#import-json", str(file))
    expect(page.locator("#sb-title")).to_have_value("Round trip")
    expect(page.locator("#scene-list > li")).to_have_count(2)
    expect(scene(page, 1).get_by_label("Visual prompt")).to_have_value("rooftop at midnight")
    expect(page.locator("#sb-aspect")).to_have_value("9:16")
    expect(page.locator("#sb-style-film-noir")).to_be_checked()
    studio.assert_no_console_errors()


def test_editor_clip_sound_slider_for_a_video_scene_reaches_the_storyboard(
    studio: Studio, tmp_path: Path
) -> None:
    clip = tmp_path / "clip.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=160x120:rate=25:duration=1",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=1",
            "-pix_fmt",
            "yuv420p",
            "-shortest",
            "-y",
            str(clip),
        ],
        check=True,
    )
    page = studio.page
    studio.goto("new")
    first = scene(page, 0)
    first.get_by_label("Visual prompt").fill("a clip from the beach")
    expect(first.get_by_label("Clip sound")).to_have_count(0)  # no video, no slider
    first.get_by_label("Own image or clip (optional)").set_input_files(str(clip))
    slider = first.get_by_label("Clip sound")
    expect(slider).to_be_visible()
    expect(slider).to_have_value("1")
    slider.fill("0")
    expect(first.locator(".upload-status output")).to_have_text("0%")
    with page.expect_download() as download:
        page.click("#export-json")
    board = json.loads(Path(download.value.path()).read_text())
    assert board["scenes"][0]["clip_volume"] == 0
    assert board["scenes"][0]["media_id"]
    # The API takes what the editor builds.
    assert studio.api("POST", "/api/compose", json=board).status_code == 202
    first.get_by_role("button", name="Remove the uploaded file of scene 1").click()
    expect(first.get_by_label("Clip sound")).to_have_count(0)
    with page.expect_download() as download:
        page.click("#export-json")
    assert "clip_volume" not in json.loads(Path(download.value.path()).read_text())["scenes"][0]
    studio.assert_no_console_errors()


def test_job_stream_cut_by_the_server_resumes_without_losing_or_repeating_events(
    server: LiveServer, studio: Studio
) -> None:
    page = studio.page
    studio.allow_console_error(DROPPED_STREAM)
    response = studio.api("POST", "/api/compose", json=long_storyboard())
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    studio.goto(f"jobs/{job_id}")
    page.wait_for_function(
        f"() => {{ const d = document.querySelector('{JOB_ROOT}')?.dataset;"
        " return d && d.state === 'live' && Number(d.lastSeq) >= 3; }",
        timeout=30_000,
    )
    assert job_dataset(page)["connections"] == "1"

    def drop_every_stream() -> None:
        for conn in list(server.services.sse.connections.values()):
            if conn.task is not None:
                conn.task.cancel()

    server.loop.call_soon_threadsafe(drop_every_stream)
    page.wait_for_function(
        f"() => Number(document.querySelector('{JOB_ROOT}').dataset.connections) >= 2",
        timeout=20_000,
    )
    assert studio.api("GET", f"/api/jobs/{job_id}").json()["status"] == "running", (
        "the stream must be cut while the job is still running"
    )
    wait_for_job_state(page, "complete", timeout_ms=90_000)
    data = job_dataset(page)
    assert data["status"] == "succeeded"
    assert data["duplicates"] == "0"
    stored = stored_seqs(server, job_id)
    assert stored == list(range(1, len(stored) + 1))
    assert received_seqs(page) == stored  # every event once, in order, across the drop
    resumed = page.locator("#job-log .log-stream", has_text="resuming after event")
    expect(resumed).to_have_count(1)
    resumed_after = int(re.findall(r"\d+", resumed.inner_text())[-1])
    assert 3 <= resumed_after < stored[-1]
    page.wait_for_function("() => document.querySelector('#result-video')?.readyState >= 1")
    studio.assert_no_console_errors()


def test_job_stream_renews_an_expired_token_and_resumes(
    browser_settings: Settings, studio_factory: Callable[..., Studio]
) -> None:
    live = start_server(replace(browser_settings, jwt_ttl_s=2), scripted=True)
    try:
        studio = studio_factory(live)
        job_id = live.create_job("compose", steps=25, interval_s=0.2)
        studio.goto(f"jobs/{job_id}")
        wait_for_job_state(studio.page, "complete", timeout_ms=30_000)
        data = job_dataset(studio.page)
        assert data["status"] == "succeeded"
        assert int(data["connections"]) >= 2  # at least one token renewal
        stored = stored_seqs(live, job_id)
        assert received_seqs(studio.page) == stored == list(range(1, len(stored) + 1))
        expect(
            studio.page.locator("#job-log .log-stream", has_text="Token expired").first
        ).to_be_visible()
        studio.assert_no_console_errors()
    finally:
        live.stop()


def test_jobs_list_filters_paginates_and_links_to_job_views(studio: Studio) -> None:
    page = studio.page
    ids = []
    for n in range(5):
        response = studio.api("POST", "/api/tts", json={"text": f"Number {n}."})
        assert response.status_code == 202
        ids.append(response.json()["id"])
    for job_id in ids:
        assert wait_for_api_job(studio, job_id)["status"] == "succeeded"

    studio.goto("jobs")
    rows = page.locator(".jobs-table tbody tr")
    expect(rows).to_have_count(5)
    studio.screenshot("jobs")

    studio.goto("jobs?limit=2")
    expect(rows).to_have_count(2)
    seen = [rows.nth(i).get_attribute("data-job-id") for i in range(2)]
    expect(page.locator("#jobs-prev")).to_be_disabled()
    page.click("#jobs-next")
    expect(page.locator(".page-info")).to_have_text("Page 2")
    expect(rows).to_have_count(2)
    seen += [rows.nth(i).get_attribute("data-job-id") for i in range(2)]
    page.click("#jobs-next")
    expect(page.locator(".page-info")).to_have_text("Page 3")
    expect(rows).to_have_count(1)
    seen.append(rows.first.get_attribute("data-job-id"))
    expect(page.locator("#jobs-next")).to_be_disabled()
    assert seen == list(reversed(ids))  # newest first, each exactly once
    page.click("#jobs-prev")
    expect(page.locator(".page-info")).to_have_text("Page 2")

    page.click('.chip[data-status="failed"]')
    expect(page.locator(".empty")).to_contain_text("No jobs match")
    page.click('.chip[data-status="succeeded"]')
    expect(rows).to_have_count(2)
    page.select_option("#jobs-kind", "compose")
    expect(page.locator(".empty")).to_be_visible()
    page.select_option("#jobs-kind", "tts")
    expect(rows).to_have_count(2)

    rows.first.get_by_role("link").click()
    page.wait_for_url(re.compile(f"#/jobs/{ids[-1]}$"))
    wait_for_job_state(page, "complete")
    expect(page.locator(".result-panel audio")).to_have_count(1)
    studio.assert_no_console_errors()


def test_monitor_shows_pragmas_in_effect_and_refreshes_live(studio: Studio) -> None:
    page = studio.page
    studio.goto("monitor")
    journal = page.locator('[data-pragma="journal_mode"] .pragma-value')
    expect(journal).to_have_text("wal")
    expect(page.locator('[data-pragma="page_size"] .pragma-value')).to_have_text("32768")
    expect(page.locator('[data-pragma="synchronous"] .pragma-value')).to_have_text("NORMAL")
    expect(page.locator("#monitor-pragmas")).to_contain_text("All PRAGMAs as configured")
    expect(page.locator('[data-metric="queue-depth"]')).to_have_text("0")
    expect(page.locator('[data-metric="sse-active"]')).to_be_visible()
    expect(page.locator('#monitor-latency tr[data-kind="read"]')).to_be_visible()
    expect(page.locator("#monitor-latency")).to_contain_text("p95")

    page.click("#optimise")
    expect(page.locator(".optimise-result .notice-success")).to_contain_text("Optimised in")
    page.wait_for_function(
        "() => Number(document.querySelector('.page[data-page=monitor]').dataset.refreshed) >= 3",
        timeout=15_000,
    )
    studio.screenshot("monitor")
    studio.assert_no_console_errors()


def test_every_page_weighs_under_300_kb_and_fits_a_phone(
    server: LiveServer, studio: Studio, studio_factory: Callable[..., Studio]
) -> None:
    response = studio.api(
        "POST",
        "/api/compose",
        json={
            "title": "Phone check",
            "style": "retro-vhs-90s",
            "format": {"aspect": "9:16", "height": 240, "fps": 24},
            "scenes": [{"prompt": "90s family home video", "narration": "Say cheese!"}],
        },
    )
    job_id = response.json()["id"]
    assert wait_for_api_job(studio, job_id)["status"] == "succeeded"
    routes = ["styles", "new", "jobs", f"jobs/{job_id}", "monitor"]
    for route in routes:
        studio.goto(route)
        studio.page.wait_for_load_state("networkidle")
    weight = studio.weight_bytes()
    total = sum(weight.values())
    print(f"page weight without media over {len(routes)} pages: {total} bytes {weight}")
    assert 0 < total < MAX_PAGE_WEIGHT_BYTES
    assert weight.get("document", 0) > 0 and weight.get("script", 0) > 0
    studio.assert_no_console_errors()

    phone = studio_factory(server, viewport=PHONE)
    for route in routes:
        phone.goto(route)
        if route.startswith("jobs/"):
            wait_for_job_state(phone.page, "complete")
        else:
            phone.page.wait_for_load_state("networkidle")
        overflow = phone.page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{route} scrolls sideways on a phone by {overflow}px"
        name = "job" if route.startswith("jobs/") else route
        phone.screenshot(f"{name}-phone")
    phone.assert_no_console_errors()
