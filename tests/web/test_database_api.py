from __future__ import annotations

from typing import Any

from .conftest import AUTH


async def test_database_stats_pragmas_in_effect(client: Any) -> None:
    response = await client.get("/api/database/stats", headers=AUTH)
    assert response.status_code == 200
    stats = await response.get_json()
    assert stats["pragmas"]["journal_mode"] == "wal"
    assert stats["pragmas"]["page_size"] == 32768
    assert stats["pragmas_match"] is True
    assert stats["tables"]["jobs"] == 0
    assert stats["connections"]["open"] >= 2


async def test_database_performance_counts_queries(client: Any) -> None:
    await client.get("/api/jobs", headers=AUTH)
    perf = await (await client.get("/api/database/performance", headers=AUTH)).get_json()
    assert perf["queries"]["read"]["count"] >= 1
    assert perf["queries"]["write"]["count"] >= 1
    assert perf["queries"]["read"]["p99_ms"] is not None
    assert {"waits", "wait_ms_total", "errors"} <= set(perf["busy"])


async def test_database_optimize_needs_key_then_reports(client: Any) -> None:
    assert (await client.post("/api/database/optimize")).status_code == 401
    response = await client.post("/api/database/optimize", headers=AUTH)
    assert response.status_code == 200
    report = await response.get_json()
    assert report["wal_checkpoint"]["mode"] == "TRUNCATE"
    perf = await (await client.get("/api/database/performance", headers=AUTH)).get_json()
    assert perf["last_optimize"]["at"] == report["at"]
