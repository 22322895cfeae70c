from __future__ import annotations

import asyncio
import multiprocessing
import sqlite3
import threading
from pathlib import Path

import pytest

from genscene.db.connect import PragmaConfig, open_connection, prepare_database, read_pragmas
from genscene.db.database import Database
from genscene.db.schema import schema_version


def test_prepare_new_file_every_pragma_in_effect(tmp_path: Path) -> None:
    config = PragmaConfig()
    report = prepare_database(tmp_path / "new.db", config)
    assert report.created and not report.converted
    conn = open_connection(tmp_path / "new.db", config)
    assert read_pragmas(conn) == config.expected()
    assert read_pragmas(conn)["page_size"] == 32768
    assert read_pragmas(conn)["auto_vacuum"] == "INCREMENTAL"
    conn.close()


def test_prepare_old_default_file_converted_with_data_kept(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = sqlite3.connect(path)
    old.execute("CREATE TABLE t (x INTEGER)")
    old.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(5000)])
    old.commit()
    old.execute("PRAGMA journal_mode=WAL")
    old.close()
    report = prepare_database(path, PragmaConfig())
    assert report.converted
    assert report.before["page_size"] == 4096 and report.before["auto_vacuum"] == "NONE"
    assert report.after["page_size"] == 32768
    assert report.after["auto_vacuum"] == "INCREMENTAL"
    assert report.after["journal_mode"] == "wal"
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*), sum(x) FROM t").fetchone() == (5000, sum(range(5000)))
    conn.close()


def test_prepare_custom_page_size_setting_takes_effect(tmp_path: Path) -> None:
    config = PragmaConfig(page_size=4096, auto_vacuum="NONE", synchronous="FULL")
    db = Database(tmp_path / "c.db", config)
    try:
        pragmas = db.read_pragmas()
        assert pragmas["page_size"] == 4096
        assert pragmas["auto_vacuum"] == "NONE"
        assert pragmas["synchronous"] == "FULL"
    finally:
        db.close()


def test_database_migrations_create_tables_once(db: Database, tmp_path: Path) -> None:
    tables = db.stats()["tables"]
    assert {"jobs", "job_events", "media", "schema_migrations"} <= set(tables)
    assert db.read(schema_version) == 2
    db.close()
    again = Database(tmp_path / "test.db")
    try:
        assert again.stats()["tables"]["schema_migrations"] == 2
    finally:
        again.close()


def test_transaction_error_rolls_back(db: Database) -> None:
    with db.transaction() as conn:
        conn.execute("CREATE TABLE t (x INTEGER)")
    with pytest.raises(RuntimeError), db.transaction() as conn:
        conn.execute("INSERT INTO t VALUES (1)")
        raise RuntimeError("boom")
    assert db.read(lambda c: c.execute("SELECT count(*) FROM t").fetchone()[0]) == 0


def test_write_unit_failure_rolls_back_alone_in_group(db: Database) -> None:
    db.write(lambda c: c.execute("CREATE TABLE t (x INTEGER UNIQUE)"))
    futures = [
        db.submit(lambda c, i=i: c.execute("INSERT INTO t VALUES (?)", (i % 3,))) for i in range(6)
    ]
    outcomes = []
    for future in futures:
        try:
            future.result()
            outcomes.append("ok")
        except sqlite3.IntegrityError:
            outcomes.append("dup")
    assert outcomes.count("ok") == 3
    assert db.read(lambda c: sorted(r[0] for r in c.execute("SELECT x FROM t"))) == [0, 1, 2]


async def test_awrite_many_units_grouped_into_few_transactions(db: Database) -> None:
    db.write(lambda c: c.execute("CREATE TABLE t (x INTEGER)"))
    before = db.performance()["group_commit"]["transactions"]
    await asyncio.gather(
        *[db.awrite(lambda c, i=i: c.execute("INSERT INTO t VALUES (?)", (i,))) for i in range(500)]
    )
    after = db.performance()["group_commit"]
    assert await db.aread(lambda c: c.execute("SELECT count(*) FROM t").fetchone()[0]) == 500
    assert after["transactions"] - before < 100
    assert after["largest"] > 1


def _hammer_reads(path: str, seconds: float, errors: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    import time

    conn = open_connection(path, PragmaConfig())
    end = time.monotonic() + seconds
    count = 0
    try:
        while time.monotonic() < end:
            conn.execute("SELECT count(*) FROM t").fetchone()
            count += 1
    except sqlite3.OperationalError as exc:
        errors.put(str(exc))
    errors.put(count)


def test_concurrent_readers_and_writer_never_locked(db: Database) -> None:
    db.write(lambda c: c.execute("CREATE TABLE t (x INTEGER)"))
    errors: multiprocessing.Queue = multiprocessing.get_context("fork").Queue()  # type: ignore[type-arg]
    readers = [
        multiprocessing.get_context("fork").Process(
            target=_hammer_reads, args=(str(db.path), 1.5, errors)
        )
        for _ in range(3)
    ]
    thread_errors: list[str] = []

    def thread_reads() -> None:
        try:
            for _ in range(300):
                db.read(lambda c: c.execute("SELECT max(x) FROM t").fetchone())
        except sqlite3.OperationalError as exc:
            thread_errors.append(str(exc))

    threads = [threading.Thread(target=thread_reads) for _ in range(4)]
    for proc in readers:
        proc.start()
    for thread in threads:
        thread.start()
    for i in range(300):
        db.write(lambda c, i=i: c.execute("INSERT INTO t VALUES (?)", (i,)))
    for thread in threads:
        thread.join()
    for proc in readers:
        proc.join()
    results = [errors.get(timeout=5) for _ in readers]
    assert all(isinstance(r, int) and r > 0 for r in results), results
    assert thread_errors == []
    assert db.performance()["busy"]["errors"] == 0


def test_optimize_reports_checkpoint_and_vacuum(db: Database) -> None:
    db.write(lambda c: c.execute("CREATE TABLE t (x BLOB)"))
    db.write(lambda c: c.executemany("INSERT INTO t VALUES (?)", [(b"x" * 4000,)] * 200))
    db.write(lambda c: c.execute("DELETE FROM t"))
    report = db.optimize()
    assert report["incremental_vacuum"]["pages_freed"] > 0
    assert report["wal_checkpoint"]["busy"] is False
    assert report["bytes_after"]["wal"] == 0
    perf = db.performance()
    assert perf["last_optimize"]["at"] == report["at"]
    assert perf["queries"]["write"]["count"] >= 3
    assert perf["queries"]["write"]["p99_ms"] is not None


def test_stats_shows_pragmas_read_back_and_sizes(db: Database) -> None:
    stats = db.stats()
    assert stats["pragmas_match"] is True
    assert stats["pragmas"]["journal_mode"] == "wal"
    assert stats["size_bytes"] > 0
    assert stats["connections"]["writer_alive"] is True
    assert stats["sqlite_version"] == sqlite3.sqlite_version


def test_pool_reads_use_bounded_connections(tmp_path: Path) -> None:
    db = Database(tmp_path / "p.db", pool_size=2)
    try:
        results = []
        threads = [
            threading.Thread(
                target=lambda: results.append(
                    db.read(lambda c: c.execute("SELECT 1").fetchone()[0])
                )
            )
            for _ in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results == [1] * 8
        assert db.open_connections == 3  # two pooled readers and the writer
    finally:
        db.close()


def test_close_closes_every_connection(tmp_path: Path) -> None:
    db = Database(tmp_path / "x.db")
    db.read(lambda c: c.execute("SELECT 1").fetchone())
    assert db.open_connections >= 2
    db.close()
    assert db.open_connections == 0
    with pytest.raises(RuntimeError):
        db.read(lambda c: c.execute("SELECT 1"))


async def test_periodic_optimize_runs_and_stops(db: Database) -> None:
    from genscene.db.database import run_periodic_optimize

    stop = asyncio.Event()
    task = asyncio.create_task(run_periodic_optimize(db, 0.05, stop))
    async with asyncio.timeout(5):
        while db.performance()["last_optimize"] is None:
            await asyncio.sleep(0.02)
    stop.set()
    await asyncio.wait_for(task, 2)
    assert db.performance()["last_optimize"]["wal_checkpoint"]["mode"] == "TRUNCATE"
