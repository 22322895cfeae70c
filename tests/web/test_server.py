from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from genscene.web.server import redact
from tests.conftest import TEST_API_KEY

from .conftest import AUTH, LiveServer, free_port


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ('127.0.0.1 "GET /api/jobs/x/events-stream?token=eyJhbGciOi.abc.def 1.1" 200', "eyJ"),
        ('127.0.0.1 "GET /x?a=1&api_key=sekrit&b=2 1.1" 200', "sekrit"),
        ("headers: {'authorization': 'Bearer sekrit-token'}", "sekrit-token"),
        ("X-API-Key: sekrit", "sekrit"),
    ],
)
def test_redact_removes_secrets(line: str, secret: str) -> None:
    cleaned = redact(line)
    assert secret not in cleaned and "***" in cleaned


def test_live_access_log_redacts_token(
    live_server: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="hypercorn.access")
    httpx.get(f"{live_server.base_url}/health?token=very-secret-token&api_key={TEST_API_KEY}")
    time.sleep(0.2)
    access = [r.getMessage() for r in caplog.records if r.name == "hypercorn.access"]
    assert any("/health" in line for line in access)
    assert not any("very-secret-token" in line or TEST_API_KEY in line for line in access)


def test_live_server_real_http_client_round_trip(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.base_url, timeout=10) as http:
        assert http.get("/health").json()["database"]["journal_mode"] == "wal"
        assert http.get("/api/jobs").status_code == 401
        assert http.get("/api/jobs", headers=AUTH).json() == {"jobs": [], "next_cursor": None}


def test_serve_sigterm_stops_cleanly_and_requeues_running_job(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "GENSCENE_DATA_DIR": str(tmp_path),
        "GENSCENE_API_KEYS": TEST_API_KEY,
        "GENSCENE_WORKERS": "1",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "genscene", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(base + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.05)
        long_text = "This narration is long enough to keep the speech engine busy. " * 60
        job = httpx.post(
            base + "/api/tts", json={"text": long_text, "format": "opus"}, headers=AUTH
        ).json()
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=40)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr
    import sqlite3

    row = (
        sqlite3.connect(tmp_path / "genscene.db")
        .execute("SELECT status FROM jobs WHERE id = ?", (job["id"],))
        .fetchone()
    )
    assert row[0] in ("succeeded", "queued")  # finished in the grace period, or re-queued
