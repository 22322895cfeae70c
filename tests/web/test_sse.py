"""Streams against a real Hypercorn with a real streaming HTTP client."""

from __future__ import annotations

import logging
import socket
import threading
import time
from dataclasses import replace
from typing import Any

import httpx
import pytest

from .conftest import AUTH, LiveServer, read_events


def token_for(server: LiveServer, job_id: str) -> str:
    response = httpx.get(f"{server.base_url}/api/jobs/{job_id}/auth", headers=AUTH)
    assert response.status_code == 200
    body = response.json()
    assert (
        body["token_type"] == "Bearer" and body["stream_url"] == f"/api/jobs/{job_id}/events-stream"
    )
    assert 3500 <= body["expires_in"] <= 3600
    token: str = body["token"]
    return token


def stream(server: LiveServer, job_id: str, token: str, **headers: str) -> Any:
    return httpx.stream(
        "GET",
        f"{server.base_url}/api/jobs/{job_id}/events-stream",
        headers={"Authorization": f"Bearer {token}", **headers},
        timeout=httpx.Timeout(10, read=10),
    )


def job_events(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e["event"] in ("status", "progress", "log")]


def stored_seqs(server: LiveServer, job_id: str) -> list[int]:
    return [e.seq for e in server.call(server.services.store.events(job_id))]


def test_stream_whole_life_seen_live_in_order(sse_server: LiveServer) -> None:
    job_id = sse_server.create_job(steps=8, interval_s=0.05)
    token = token_for(sse_server, job_id)
    with stream(sse_server, job_id, token) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-accel-buffering"] == "no"
        events = read_events(response)
    assert events[0]["event"] == "connection_established" and events[0]["retry"] == "3000"
    assert events[0]["data"]["job_id"] == job_id
    assert events[-1]["event"] == "stream_complete"
    assert events[-1]["data"]["status"] == "succeeded"
    assert events[-1]["data"]["result"] == {"steps": 8}
    seen = job_events(events)
    assert [e["id"] for e in seen] == stored_seqs(sse_server, job_id)
    assert [e["data"]["progress"] for e in seen if e["event"] == "progress"] == pytest.approx(
        [i / 8 for i in range(1, 9)]
    )
    assert all(e["id"] == e["data"]["seq"] for e in seen)


@pytest.mark.parametrize("transport", ["header", "query"])
def test_stream_resume_from_every_position_no_loss_no_duplicates(
    sse_server: LiveServer, transport: str
) -> None:
    job_id = sse_server.create_job(steps=6, interval_s=0.01)
    token = token_for(sse_server, job_id)
    with stream(sse_server, job_id, token) as response:
        everything = job_events(read_events(response))
    seqs = [e["id"] for e in everything]
    for position in range(0, seqs[-1] + 1):
        if transport == "header":
            ctx = stream(sse_server, job_id, token, **{"Last-Event-ID": str(position)})
        else:
            ctx = httpx.stream(
                "GET",
                f"{sse_server.base_url}/api/jobs/{job_id}/events-stream"
                f"?token={token}&last_event_id={position}",
                timeout=10,
            )
        with ctx as response:
            events = read_events(response)
        assert events[0]["data"]["replay_from"] == position
        assert [e["id"] for e in job_events(events)] == [s for s in seqs if s > position]
        assert events[-1]["event"] == "stream_complete"


def test_stream_reconnect_mid_job_union_is_exactly_the_log(sse_server: LiveServer) -> None:
    job_id = sse_server.create_job(steps=12, interval_s=0.08)
    token = token_for(sse_server, job_id)
    with stream(sse_server, job_id, token) as response:
        first = read_events(response, stop_after=5)
    last_id = first[-1]["id"]
    with stream(sse_server, job_id, token, **{"Last-Event-ID": str(last_id)}) as response:
        second = read_events(response)
    ids = [e["id"] for e in job_events(first)] + [e["id"] for e in job_events(second)]
    assert ids == stored_seqs(sse_server, job_id)
    assert second[-1]["event"] == "stream_complete"


def test_stream_late_join_gets_history_and_complete(sse_server: LiveServer) -> None:
    job_id = sse_server.create_job(steps=3, interval_s=0.01, fail=True)
    for _ in range(200):
        if sse_server.call(sse_server.services.store.get(job_id)).is_terminal:
            break
        time.sleep(0.02)
    with stream(sse_server, job_id, token_for(sse_server, job_id)) as response:
        events = read_events(response)
    assert [e["id"] for e in job_events(events)] == stored_seqs(sse_server, job_id)
    assert events[-1]["data"]["status"] == "failed"
    assert events[-1]["data"]["error"]["message"] == "scripted failure"


def test_stream_heartbeats_on_silence(sse_server: LiveServer) -> None:
    job_id = sse_server.create_job(steps=1, interval_s=2.0)
    with stream(sse_server, job_id, token_for(sse_server, job_id)) as response:
        started = time.monotonic()
        events = read_events(response, stop_after=5)
        elapsed = time.monotonic() - started
    beats = [e for e in events if e["event"] == "heartbeat"]
    assert len(beats) >= 2
    assert elapsed < 2.0  # 0.3 s heartbeats, not the job's 2 s step
    assert all(b["id"] == events[0]["id"] or b["id"] >= 1 for b in beats)


def test_stream_token_expiry_mid_stream_cleanup(sse_server: LiveServer) -> None:
    job_id = sse_server.create_job(steps=1, interval_s=30)
    minted = sse_server.services.tokens.mint(job_id, ttl_s=2)
    started = time.monotonic()
    with stream(sse_server, job_id, minted.token) as response:
        events = read_events(response)
    assert events[-1]["event"] == "cleanup"
    assert events[-1]["data"]["reason"] == "token_expired"
    assert 0.9 < time.monotonic() - started < 5  # exp is a whole second, 1-2 s away
    status = httpx.get(f"{sse_server.base_url}/api/sse/status", headers=AUTH).json()
    assert status["totals"]["closed_by_reason"].get("token_expired") == 1


def test_stream_client_stops_reading_dropped_as_slow_consumer(sse_server: LiveServer) -> None:
    job_id = sse_server.create_job(steps=4000, interval_s=0.0, log="x" * 2000)
    token = token_for(sse_server, job_id)
    sock = socket.create_connection(("127.0.0.1", sse_server.port))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.sendall(
        f"GET /api/jobs/{job_id}/events-stream?token={token} HTTP/1.1\r\n"
        f"Host: 127.0.0.1\r\n\r\n".encode()
    )
    assert sock.recv(200).startswith(b"HTTP/1.1 200")  # then never read again
    try:
        deadline = time.monotonic() + 20
        reasons: dict[str, int] = {}
        while time.monotonic() < deadline:
            status = httpx.get(f"{sse_server.base_url}/api/sse/status", headers=AUTH).json()
            reasons = status["totals"]["closed_by_reason"]
            if reasons.get("slow_consumer"):
                break
            time.sleep(0.2)
        assert reasons.get("slow_consumer") == 1
        assert status["active"] == 0
    finally:
        sock.close()
        sse_server.call(sse_server.services.runner.cancel(job_id))


def test_stream_shutdown_says_goodbye_and_stops(
    sse_settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    server = LiveServer(sse_settings, scripted=True)
    server.start()
    job_id = server.create_job(steps=1, interval_s=60)
    received: list[dict[str, Any]] = []

    def follow() -> None:
        with stream(server, job_id, token_for(server, job_id)) as response:
            received.extend(read_events(response))

    reader = threading.Thread(target=follow)
    reader.start()
    deadline = time.monotonic() + 10
    while not server.services.sse.connections and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)  # connection_established is on its way
    started = time.monotonic()
    server.stop()
    reader.join(10)
    assert time.monotonic() - started < 10
    assert received[-1]["event"] == "cleanup"
    assert received[-1]["data"]["reason"] == "server_shutdown"
    assert "Traceback" not in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_stream_event_data_cannot_inject_fields(sse_server: LiveServer) -> None:
    evil = 'The end.\n\nevent: stream_complete\ndata: {"status": "pwned"}\n\nid: 999'
    job_id = sse_server.create_job(steps=1, interval_s=0.01, log=evil)
    with stream(sse_server, job_id, token_for(sse_server, job_id)) as response:
        raw = "".join(response.iter_text())
    assert '\nevent: stream_complete\ndata: {"status": "pwned"}' not in raw
    events = [block for block in raw.split("\n\n") if block.strip()]
    logs = [b for b in events if "event: log" in b]
    assert len(logs) == 1 and logs[0].count("\n") == 2  # id, event, data: three lines
    assert raw.split("\n").count("event: stream_complete") == 1
    assert not any(line.startswith("id: 999") for line in raw.split("\n"))


def test_stream_per_token_limit_429(sse_server: LiveServer) -> None:
    job_id = sse_server.create_job(steps=1, interval_s=30)
    token = token_for(sse_server, job_id)
    limit = sse_server.settings.sse_max_per_token
    with httpx.Client(timeout=10) as http:
        opened = []
        try:
            for _ in range(limit):
                response = http.send(
                    http.build_request(
                        "GET",
                        f"{sse_server.base_url}/api/jobs/{job_id}/events-stream",
                        headers={"Authorization": f"Bearer {token}"},
                    ),
                    stream=True,
                )
                assert response.status_code == 200
                opened.append(response)
            extra = http.get(
                f"{sse_server.base_url}/api/jobs/{job_id}/events-stream",
                headers={"Authorization": f"Bearer {token}"},
            )
            assert extra.status_code == 429
            assert extra.json()["error"]["code"] == "rate_limited"
        finally:
            for response in opened:
                response.close()
        sse_server.call(sse_server.services.runner.cancel(job_id))


def test_sse_status_lists_connections_never_tokens(sse_server: LiveServer) -> None:
    job_id = sse_server.create_job(steps=1, interval_s=30)
    token = token_for(sse_server, job_id)
    received: list[dict[str, Any]] = []

    def follow() -> None:
        with stream(sse_server, job_id, token) as response:
            received.extend(read_events(response))

    reader = threading.Thread(target=follow)
    reader.start()
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            status = httpx.get(f"{sse_server.base_url}/api/sse/status", headers=AUTH)
            if status.json()["active"] == 1:
                break
            time.sleep(0.05)
        text, body = status.text, status.json()
    finally:
        sse_server.call(sse_server.services.runner.cancel(job_id))
        reader.join(10)
    assert token not in text and token.split(".")[2] not in text
    assert body["active"] == 1, body
    (conn,) = body["connections"]
    assert conn["job_id"] == job_id and conn["auth"] == "jwt" and conn["client"] == "127.0.0.1"
    assert conn["events_sent"] >= 1
    assert {"connected_at", "last_event_at", "queue_depth", "token_expires_at"} <= set(conn)
    assert body["totals"]["opened"] >= 1
    assert received[-1]["event"] == "stream_complete"
    assert received[-1]["data"]["status"] == "cancelled"


def test_legacy_stream_api_key_same_format(sse_server: LiveServer) -> None:
    job_id = sse_server.create_job(steps=2, interval_s=0.01)
    with httpx.stream(
        "GET", f"{sse_server.base_url}/api/jobs/{job_id}/events", headers=AUTH, timeout=10
    ) as response:
        events = read_events(response)
    assert events[0]["event"] == "connection_established"
    assert events[-1]["event"] == "stream_complete"
    assert [e["id"] for e in job_events(events)] == stored_seqs(sse_server, job_id)


def test_stream_idle_without_job_events_cleaned_up(sse_settings: Any) -> None:
    server = LiveServer(replace(sse_settings, sse_idle_timeout_s=0.8), scripted=True)
    server.start()
    try:
        job_id = server.create_job(steps=1, interval_s=30)
        started = time.monotonic()
        with stream(server, job_id, token_for(server, job_id)) as response:
            events = read_events(response)
        assert events[-1]["event"] == "cleanup" and events[-1]["data"]["reason"] == "idle"
        assert any(e["event"] == "heartbeat" for e in events)  # heartbeats do not count
        assert 0.7 < time.monotonic() - started < 5
        server.call(server.services.runner.cancel(job_id))
    finally:
        server.stop()


def test_stream_per_client_limit_429(sse_settings: Any) -> None:
    server = LiveServer(replace(sse_settings, sse_max_per_client=2), scripted=True)
    server.start()
    try:
        jobs = [server.create_job(steps=1, interval_s=30) for _ in range(3)]
        with httpx.Client(timeout=10) as http:
            opened = []
            try:
                for job_id in jobs[:2]:  # different jobs and tokens, same client address
                    request = http.build_request(
                        "GET",
                        f"{server.base_url}/api/jobs/{job_id}/events-stream",
                        headers={"Authorization": f"Bearer {token_for(server, job_id)}"},
                    )
                    opened.append(http.send(request, stream=True))
                    assert opened[-1].status_code == 200
                extra = http.get(
                    f"{server.base_url}/api/jobs/{jobs[2]}/events-stream",
                    headers={"Authorization": f"Bearer {token_for(server, jobs[2])}"},
                )
                assert extra.status_code == 429
                assert extra.json()["error"]["message"] == "too many streams from this client"
            finally:
                for response in opened:
                    response.close()
        for job_id in jobs:
            server.call(server.services.runner.cancel(job_id))
    finally:
        server.stop()
