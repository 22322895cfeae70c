"""Benchmark the seed's three claims about its SQLite PRAGMAs against `sqlite3.connect()` defaults.

The seed claims +300% concurrent read throughput, -50% write latency and -80% disk I/O.
Each claim is measured against plain `sqlite3.connect(path)` (rollback journal DELETE,
synchronous FULL, 4 KiB pages) in the same run, as paired alternating rounds (the order of
the configurations rotates every round) and judged on the median of the per-round ratios:

1. reads/s of point reads by primary key from 1, 2 and 4 reader processes while a writer
   process commits one small row at a fixed rate; holds if seed >= 4.0x defaults;
2. single-row commit latency p50/p99, each commit its own transaction; holds if the seed's
   p50 <= 0.5x defaults;
3. bytes written to the block layer (`/proc/self/io` write_bytes of the worker process,
   including the final checkpoint on close) for a fixed workload of small transactions;
   holds if seed <= 0.2x defaults.

A third configuration, `seed_4k`, is the seed with `page_size=4096`, to show what the 32 KiB
page costs or saves. The seed configurations go through the product's own code path
(`prepare_database` once per file, `open_connection` for every connection, explicit
`BEGIN IMMEDIATE ... COMMIT`); the workload SQL is identical for all three.

    python benchmarks/pragmas.py [--quick | --smoke] [--json] [--rounds N] [--dir PATH]

Importable without side effects: a notebook can load this file and call `run(...)`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import platform
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.context import ForkContext, SpawnContext
from pathlib import Path
from typing import Any, NamedTuple

REPO_ROOT = Path(__file__).resolve().parent.parent
try:
    import genscene  # noqa: F401
except ModuleNotFoundError:  # run from a checkout without `pip install -e .`
    sys.path.insert(0, str(REPO_ROOT))

from genscene.db.connect import (  # noqa: E402
    PragmaConfig,
    open_connection,
    prepare_database,
    read_pragmas,
)

CONFIG_NAMES: tuple[str, ...] = ("defaults", "seed", "seed_4k")
DEFAULT_BASE_DIR = REPO_ROOT / "data" / "bench-tmp"

READ_CLAIM = "+300% concurrent read throughput"
LATENCY_CLAIM = "-50% write latency"
DISK_CLAIM = "-80% disk I/O"
READ_TARGET = 4.0
LATENCY_TARGET = 0.5
DISK_TARGET = 0.2

_SCHEMA = (
    "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, payload TEXT NOT NULL,"
    " counter INTEGER NOT NULL DEFAULT 0, updated_at REAL NOT NULL)",
    "CREATE TABLE events (id INTEGER PRIMARY KEY, job_id INTEGER NOT NULL, seq INTEGER NOT NULL,"
    " type TEXT NOT NULL, data TEXT NOT NULL, created_at REAL NOT NULL)",
)
_INSERT_ITEM = "INSERT INTO items (id, name, payload, counter, updated_at) VALUES (?, ?, ?, 0, ?)"
_SELECT_ITEM = "SELECT id, name, payload, counter FROM items WHERE id = ?"
_INSERT_EVENT = "INSERT INTO events (job_id, seq, type, data, created_at) VALUES (?, ?, ?, ?, ?)"
_UPDATE_ITEM = "UPDATE items SET counter = counter + 1, payload = ?, updated_at = ? WHERE id = ?"
_PAYLOAD_CHARS = 120
_EVENT_DATA = '{"stage": "render", "progress": 0.%04d, "message": "frame %d of 2400 done"}'

Statement = tuple[str, tuple[Any, ...]]


class Sizes(NamedTuple):
    """How much work one mode does; every loop is bounded by a count and a time."""

    mode: str
    rounds: int
    rows: int
    reader_counts: tuple[int, ...]
    read_duration_s: float
    max_reads_per_reader: int
    writer_rate_hz: float
    latency_commits: int
    latency_max_s: float
    io_transactions: int
    io_inserts_per_tx: int
    io_updates_per_tx: int
    io_max_s: float
    child_timeout_s: float


SIZES: dict[str, Sizes] = {
    "smoke": Sizes(
        mode="smoke",
        rounds=1,
        rows=2_000,
        reader_counts=(1, 2, 4),
        read_duration_s=0.15,
        max_reads_per_reader=200_000,
        writer_rate_hz=200.0,
        latency_commits=30,
        latency_max_s=1.0,
        io_transactions=20,
        io_inserts_per_tx=2,
        io_updates_per_tx=2,
        io_max_s=1.0,
        child_timeout_s=15.0,
    ),
    "quick": Sizes(
        mode="quick",
        rounds=5,
        rows=20_000,
        reader_counts=(1, 2, 4),
        read_duration_s=0.6,
        max_reads_per_reader=2_000_000,
        writer_rate_hz=200.0,
        latency_commits=300,
        latency_max_s=3.0,
        io_transactions=300,
        io_inserts_per_tx=2,
        io_updates_per_tx=2,
        io_max_s=4.0,
        child_timeout_s=30.0,
    ),
    "full": Sizes(
        mode="full",
        rounds=5,
        rows=50_000,
        reader_counts=(1, 2, 4),
        read_duration_s=3.0,
        max_reads_per_reader=20_000_000,
        writer_rate_hz=200.0,
        latency_commits=1_000,
        latency_max_s=10.0,
        io_transactions=1_000,
        io_inserts_per_tx=2,
        io_updates_per_tx=2,
        io_max_s=15.0,
        child_timeout_s=60.0,
    ),
}


# -- configurations --------------------------------------------------------------------------


def pragma_config(name: str) -> PragmaConfig | None:
    """Return the product's PragmaConfig for a configuration name, None for stdlib defaults."""
    if name == "defaults":
        return None
    if name == "seed":
        return PragmaConfig()
    if name == "seed_4k":
        return PragmaConfig(page_size=4096)
    raise ValueError(f"unknown configuration {name!r}")


def connect_as(path: Path, name: str) -> sqlite3.Connection:
    """Return a connection opened the way configuration `name` opens every connection."""
    config = pragma_config(name)
    if config is None:
        return sqlite3.connect(str(path))
    return open_connection(path, config)


def commit_statements(conn: sqlite3.Connection, statements: Sequence[Statement]) -> None:
    """Return nothing after running `statements` as one committed transaction.

    Autocommit connections (the product's) get an explicit `BEGIN IMMEDIATE ... COMMIT`;
    stdlib-default connections get the stdlib's implicit BEGIN and `commit()`.
    """
    is_explicit = conn.isolation_level is None
    try:
        if is_explicit:
            conn.execute("BEGIN IMMEDIATE")
        for sql, params in statements:
            conn.execute(sql, params)
        if is_explicit:
            conn.execute("COMMIT")
        else:
            conn.commit()
    except sqlite3.Error:
        if conn.in_transaction:
            conn.rollback()
        raise


def _payload(rng: random.Random) -> str:
    return rng.randbytes(_PAYLOAD_CHARS // 2).hex()


def _event_row(seq: int) -> tuple[Any, ...]:
    return (1, seq, "progress", _EVENT_DATA % (seq % 10_000, seq), time.time())


def _fsync_path(path: Path) -> None:
    # Leave every page of the file clean, so the measured phase's writes are all counted
    # (write_bytes is charged when a clean page is dirtied, not when a dirty one is redirtied).
    for target in (path, path.parent):
        fd = os.open(target, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def create_database(path: Path, name: str, rows: int) -> None:
    """Return nothing after creating `path` with `rows` items, closed and fsynced."""
    config = pragma_config(name)
    if config is not None:
        prepare_database(path, config)
    conn = connect_as(path, name)
    try:
        rng = random.Random(1234)
        ts = time.time()
        statements: list[Statement] = [(sql, ()) for sql in _SCHEMA]
        statements += [
            (_INSERT_ITEM, (i, f"item-{i}", _payload(rng), ts)) for i in range(1, rows + 1)
        ]
        commit_statements(conn, statements)
    finally:
        conn.close()
    _fsync_path(path)


def _remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{path}{suffix}").unlink()


def read_back_pragmas(directory: Path, name: str) -> dict[str, Any]:
    """Return the PRAGMAs in effect on a fresh connection of configuration `name`."""
    path = directory / f"pragmas-{name}.db"
    create_database(path, name, rows=10)
    conn = connect_as(path, name)
    try:
        values = read_pragmas(conn)
        values["isolation_level"] = conn.isolation_level
    finally:
        conn.close()
    _remove_database(path)
    return values


# -- helpers ---------------------------------------------------------------------------------


def _percentile(sorted_values: Sequence[float], pct: float) -> float:
    # Nearest rank; the caller guarantees a non-empty, sorted sequence.
    index = min(len(sorted_values) - 1, max(0, round(pct / 100 * (len(sorted_values) - 1))))
    return sorted_values[index]


def _read_proc_io() -> dict[str, int]:
    try:
        text = Path("/proc/self/io").read_text()
    except OSError:
        return {}
    values: dict[str, int] = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        values[key.strip()] = int(value)
    return values


def filesystem_of(directory: Path) -> dict[str, str]:
    """Return the mount point, device and type of the filesystem holding `directory`."""
    target = str(directory.resolve())
    best = {"mount_point": "?", "device": "?", "type": "unknown"}
    try:
        lines = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return best
    best_len = -1
    for line in lines:
        parts = line.split()
        if len(parts) < 3:
            continue
        device, mount_point, fs_type = parts[0], parts[1], parts[2]
        prefix = mount_point.rstrip("/") + "/"
        if (target == mount_point or target.startswith(prefix)) and len(mount_point) > best_len:
            best = {"mount_point": mount_point, "device": device, "type": fs_type}
            best_len = len(mount_point)
    return best


def _mp_context() -> ForkContext | SpawnContext:
    # fork needs no importable module (works from a notebook cell); spawn is the fallback.
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


def _median(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def _rounded(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


# -- worker processes (module level so that both fork and spawn can run them) ----------------


def reader_worker(
    path: str,
    name: str,
    seed: int,
    id_max: int,
    duration_s: float,
    max_reads: int,
    start: Any,
    results: Any,
) -> None:
    """Return nothing; put {reads, elapsed_s, errors} on `results` after reading for duration_s."""
    conn = connect_as(Path(path), name)
    rng = random.Random(seed)
    ids = [rng.randint(1, id_max) for _ in range(4096)]
    for rid in ids[:1000]:  # warm the connection's statement and page caches
        conn.execute(_SELECT_ITEM, (rid,)).fetchone()
    results.put(("ready", seed))
    start.wait(timeout=30)
    reads = errors = 0
    t0 = time.perf_counter()
    deadline = t0 + duration_s
    now = t0
    while reads + errors < max_reads and now < deadline:
        try:
            conn.execute(_SELECT_ITEM, (ids[reads & 4095],)).fetchone()
            reads += 1
        except sqlite3.OperationalError:
            errors += 1  # "database is locked" after the busy timeout
        now = time.perf_counter()
    conn.close()
    results.put(("reader", {"reads": reads, "elapsed_s": now - t0, "errors": errors}))


def writer_worker(
    path: str, name: str, rate_hz: float, max_s: float, start: Any, stop: Any, results: Any
) -> None:
    """Return nothing; put the writer's commit count and latencies on `results` when stopped."""
    conn = connect_as(Path(path), name)
    results.put(("ready", -1))
    start.wait(timeout=30)
    interval_s = 1.0 / rate_hz
    latencies: list[float] = []
    errors = seq = 0
    t0 = time.perf_counter()
    next_t = t0
    while not stop.is_set() and time.perf_counter() - t0 < max_s:
        now = time.perf_counter()
        if next_t > now:
            time.sleep(next_t - now)
        # A fixed rate, not a backlog: a writer that falls behind does not burst to catch up.
        next_t = max(next_t + interval_s, time.perf_counter())
        begin = time.perf_counter()
        try:
            commit_statements(conn, [(_INSERT_EVENT, _event_row(seq))])
            latencies.append(time.perf_counter() - begin)
        except sqlite3.OperationalError:
            errors += 1
        seq += 1
    elapsed_s = time.perf_counter() - t0
    conn.close()
    latencies.sort()
    results.put(
        (
            "writer",
            {
                "commits": len(latencies),
                "errors": errors,
                "elapsed_s": elapsed_s,
                "p50_ms": _percentile(latencies, 50) * 1000 if latencies else None,
                "p99_ms": _percentile(latencies, 99) * 1000 if latencies else None,
            },
        )
    )


def disk_io_worker(path: str, name: str, sizes: dict[str, Any], results: Any) -> None:
    """Return nothing; put the write_bytes this process caused for the fixed workload."""
    results.put(("disk_io", measure_disk_io(Path(path), name, Sizes(**sizes))))


# -- the three measurements ------------------------------------------------------------------


def measure_reads(
    path: Path, name: str, readers: int, sizes: Sizes, ctx: ForkContext | SpawnContext
) -> dict[str, Any]:
    """Return reads/s of `readers` reader processes while one writer commits at a fixed rate."""
    results: Any = ctx.Queue()
    start = ctx.Event()
    stop = ctx.Event()
    procs = [
        ctx.Process(
            target=reader_worker,
            args=(
                str(path),
                name,
                1000 + i,
                sizes.rows,
                sizes.read_duration_s,
                sizes.max_reads_per_reader,
                start,
                results,
            ),
        )
        for i in range(readers)
    ]
    procs.append(
        ctx.Process(
            target=writer_worker,
            args=(
                str(path),
                name,
                sizes.writer_rate_hz,
                sizes.read_duration_s + 5.0,
                start,
                stop,
                results,
            ),
        )
    )
    for proc in procs:
        proc.start()
    try:
        for _ in procs:
            kind, _value = results.get(timeout=sizes.child_timeout_s)
            if kind != "ready":
                raise RuntimeError(f"unexpected message {kind!r} before start")
        start.set()
        reader_results = []
        for _ in range(readers):
            kind, value = results.get(timeout=sizes.read_duration_s + sizes.child_timeout_s)
            reader_results.append(value)
        stop.set()
        kind, writer = results.get(timeout=sizes.child_timeout_s)
    finally:
        stop.set()
        for proc in procs:
            proc.join(timeout=sizes.child_timeout_s)
            if proc.is_alive():
                proc.terminate()
                proc.join()
    per_reader = [r["reads"] / r["elapsed_s"] for r in reader_results if r["elapsed_s"] > 0]
    return {
        "readers": readers,
        "reads_per_s": sum(per_reader),
        "reader_errors": sum(r["errors"] for r in reader_results),
        "writer_commits_per_s": writer["commits"] / writer["elapsed_s"],
        "writer_errors": writer["errors"],
        "writer_p50_ms": writer["p50_ms"],
        "writer_p99_ms": writer["p99_ms"],
    }


def measure_latency(path: Path, name: str, sizes: Sizes) -> dict[str, Any]:
    """Return p50/p99/mean latency of single-row commits, each its own transaction."""
    conn = connect_as(path, name)
    try:
        for seq in range(10):  # warm-up: statement cache, journal/WAL file creation
            commit_statements(conn, [(_INSERT_EVENT, _event_row(seq))])
        latencies: list[float] = []
        t_end = time.perf_counter() + sizes.latency_max_s
        for seq in range(10, 10 + sizes.latency_commits):
            begin = time.perf_counter()
            commit_statements(conn, [(_INSERT_EVENT, _event_row(seq))])
            latencies.append(time.perf_counter() - begin)
            if time.perf_counter() > t_end:
                break
    finally:
        conn.close()
    latencies.sort()
    return {
        "commits": len(latencies),
        "p50_ms": _percentile(latencies, 50) * 1000,
        "p99_ms": _percentile(latencies, 99) * 1000,
        "mean_ms": statistics.fmean(latencies) * 1000,
    }


def measure_disk_io(path: Path, name: str, sizes: Sizes) -> dict[str, Any]:
    """Return bytes this process sent to the block layer for the fixed write workload.

    The workload is `io_transactions` small transactions of inserts and updates, then
    `close()`, which for WAL runs the final checkpoint and removes the WAL. Meant to run in
    its own process so that /proc/self/io counts nothing else.
    """
    rng = random.Random(99)
    before = _read_proc_io()
    t0 = time.perf_counter()
    conn = connect_as(path, name)
    transactions = seq = 0
    try:
        t_end = t0 + sizes.io_max_s
        for _ in range(sizes.io_transactions):
            statements: list[Statement] = []
            for _ in range(sizes.io_inserts_per_tx):
                statements.append((_INSERT_EVENT, _event_row(seq)))
                seq += 1
            for _ in range(sizes.io_updates_per_tx):
                item = rng.randint(1, sizes.rows)
                statements.append((_UPDATE_ITEM, (_payload(rng), time.time(), item)))
            commit_statements(conn, statements)
            transactions += 1
            if time.perf_counter() > t_end:
                break
    finally:
        conn.close()
    elapsed_s = time.perf_counter() - t0
    after = _read_proc_io()
    if not before or not after:
        return {"transactions": transactions, "write_bytes": None, "elapsed_s": elapsed_s}
    write_bytes = after["write_bytes"] - before["write_bytes"]
    cancelled = after["cancelled_write_bytes"] - before["cancelled_write_bytes"]
    return {
        "transactions": transactions,
        "write_bytes": write_bytes,
        "cancelled_write_bytes": cancelled,
        "bytes_per_transaction": write_bytes / transactions if transactions else None,
        "wchar": after["wchar"] - before["wchar"],
        "syscw": after["syscw"] - before["syscw"],
        "wal_left_bytes": _size_or_zero(Path(f"{path}-wal")),
        "elapsed_s": elapsed_s,
    }


def _size_or_zero(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _measure_disk_io_in_child(
    path: Path, name: str, sizes: Sizes, ctx: ForkContext | SpawnContext
) -> Any:
    results: Any = ctx.Queue()
    proc = ctx.Process(target=disk_io_worker, args=(str(path), name, sizes._asdict(), results))
    proc.start()
    try:
        _kind, value = results.get(timeout=sizes.io_max_s + sizes.child_timeout_s)
    finally:
        proc.join(timeout=sizes.child_timeout_s)
        if proc.is_alive():
            proc.terminate()
            proc.join()
    return value


# -- the run ---------------------------------------------------------------------------------


def _rotated(round_index: int) -> list[str]:
    shift = round_index % len(CONFIG_NAMES)
    return list(CONFIG_NAMES[shift:] + CONFIG_NAMES[:shift])


@contextlib.contextmanager
def _work_directory(directory: Path | None) -> Iterator[Path]:
    base = (directory if directory is not None else DEFAULT_BASE_DIR).resolve()
    created = [d for d in (base, *base.parents) if not d.exists()]
    base.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="pragmas-", dir=base))
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)
        for folder in created:  # deepest first; rmdir leaves anything someone else filled
            with contextlib.suppress(OSError):
                folder.rmdir()


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _run_round(
    work: Path, round_index: int, sizes: Sizes, ctx: ForkContext | SpawnContext
) -> dict[str, dict[str, Any]]:
    order = _rotated(round_index)
    measured: dict[str, dict[str, Any]] = {name: {"reads": {}} for name in CONFIG_NAMES}
    # One file per config for all reader counts: the writer only appends to `events`
    # (a few hundred rows per run), which leaves the `items` the readers read unchanged.
    read_paths = {name: work / f"reads-{name}-{round_index}.db" for name in order}
    for name in order:
        create_database(read_paths[name], name, sizes.rows)
    for readers in sizes.reader_counts:
        for name in order:
            measured[name]["reads"][readers] = measure_reads(
                read_paths[name], name, readers, sizes, ctx
            )
    for path in read_paths.values():
        _remove_database(path)
    for name in order:
        path = work / f"latency-{name}-{round_index}.db"
        create_database(path, name, sizes.rows)
        measured[name]["latency"] = measure_latency(path, name, sizes)
        _remove_database(path)
    for name in order:
        path = work / f"io-{name}-{round_index}.db"
        create_database(path, name, sizes.rows)
        measured[name]["disk_io"] = _measure_disk_io_in_child(path, name, sizes, ctx)
        _remove_database(path)
    return measured


def _summarise(
    rounds_data: list[dict[str, dict[str, Any]]], sizes: Sizes
) -> tuple[list[dict[str, Any]], dict[str, Any], dict[str, Any]]:
    def series(name: str, getter: Callable[[dict[str, Any]], float | None]) -> list[float | None]:
        return [getter(r[name]) for r in rounds_data]

    def paired(
        num: str, den: str, getter: Callable[[dict[str, Any]], float | None]
    ) -> list[float | None]:
        return [_ratio(getter(r[num]), getter(r[den])) for r in rounds_data]

    def reads_at(n: int) -> Callable[[dict[str, Any]], float | None]:
        return lambda m: m["reads"][n]["reads_per_s"]

    def latency_p50(m: dict[str, Any]) -> float | None:
        return float(m["latency"]["p50_ms"])

    def disk_bytes(m: dict[str, Any]) -> float | None:
        value = m["disk_io"]["write_bytes"]
        return None if value is None else float(value)

    # Reads: per reader count, medians of values and of paired per-round ratios.
    reads_detail: dict[str, Any] = {}
    for n in sizes.reader_counts:
        entry: dict[str, Any] = {}
        for name in CONFIG_NAMES:
            runs = [r[name]["reads"][n] for r in rounds_data]
            entry[name] = {
                "reads_per_s": _rounded(_median([x["reads_per_s"] for x in runs]), 1),
                "writer_commits_per_s": _rounded(
                    _median([x["writer_commits_per_s"] for x in runs]), 1
                ),
                "writer_p50_ms": _rounded(_median([x["writer_p50_ms"] for x in runs])),
                "writer_p99_ms": _rounded(_median([x["writer_p99_ms"] for x in runs])),
                "reader_errors": sum(x["reader_errors"] for x in runs),
                "writer_errors": sum(x["writer_errors"] for x in runs),
                "per_round_reads_per_s": [round(x["reads_per_s"], 1) for x in runs],
            }
        entry["ratio_seed_vs_defaults"] = _rounded(_median(paired("seed", "defaults", reads_at(n))))
        entry["ratio_seed_4k_vs_defaults"] = _rounded(
            _median(paired("seed_4k", "defaults", reads_at(n)))
        )
        entry["ratio_seed_4k_vs_seed"] = _rounded(_median(paired("seed_4k", "seed", reads_at(n))))
        reads_detail[str(n)] = entry

    latency_detail: dict[str, Any] = {}
    disk_detail: dict[str, Any] = {}
    for name in CONFIG_NAMES:
        lat_runs = [r[name]["latency"] for r in rounds_data]
        latency_detail[name] = {
            key: _rounded(_median([x[key] for x in lat_runs]), 4)
            for key in ("p50_ms", "p99_ms", "mean_ms")
        }
        latency_detail[name]["commits_per_round"] = lat_runs[0]["commits"]
        io_runs = [r[name]["disk_io"] for r in rounds_data]
        disk_detail[name] = {
            "write_bytes": _median([x["write_bytes"] for x in io_runs]),
            "cancelled_write_bytes": _median([x.get("cancelled_write_bytes") for x in io_runs]),
            "bytes_per_transaction": _rounded(
                _median([x.get("bytes_per_transaction") for x in io_runs]), 1
            ),
            "wchar": _median([x.get("wchar") for x in io_runs]),
            "write_syscalls": _median([x.get("syscw") for x in io_runs]),
            "wal_left_bytes": max(x.get("wal_left_bytes", 0) for x in io_runs),
            "elapsed_s": _rounded(_median([x["elapsed_s"] for x in io_runs])),
            "transactions": io_runs[0]["transactions"],
            "per_round_write_bytes": [x["write_bytes"] for x in io_runs],
        }

    claim_readers = max(sizes.reader_counts)
    read_ratios = paired("seed", "defaults", reads_at(claim_readers))
    best_n = max(
        sizes.reader_counts,
        key=lambda n: reads_detail[str(n)]["ratio_seed_vs_defaults"] or 0.0,
    )
    lat_ratios = paired("seed", "defaults", latency_p50)
    io_ratios = paired("seed", "defaults", disk_bytes)

    def claim(
        text: str,
        metric: str,
        unit: str,
        getter: Callable[[dict[str, Any]], float | None],
        ratios: list[float | None],
        target: float,
        comparison: str,
        digits: int,
    ) -> dict[str, Any]:
        ratio = _median(ratios)
        holds = ratio is not None and (ratio >= target if comparison == ">=" else ratio <= target)
        return {
            "claim": text,
            "metric": metric,
            "unit": unit,
            "seed": _rounded(_median(series("seed", getter)), digits),
            "defaults": _rounded(_median(series("defaults", getter)), digits),
            "ratio": _rounded(ratio, 4),
            "target_ratio": target,
            "comparison": f"seed/defaults {comparison} {target}",
            "holds": holds,
            "per_round_ratios": [_rounded(x, 4) for x in ratios],
        }

    read_claim = claim(
        READ_CLAIM,
        f"total point reads/s, {claim_readers} reader processes, writer at "
        f"{sizes.writer_rate_hz:g} commits/s",
        "reads/s",
        reads_at(claim_readers),
        read_ratios,
        READ_TARGET,
        ">=",
        1,
    )
    read_claim["basis"] = f"{claim_readers} readers"
    read_claim["best"] = {
        "readers": best_n,
        "ratio": reads_detail[str(best_n)]["ratio_seed_vs_defaults"],
    }
    claims = [
        read_claim,
        claim(
            LATENCY_CLAIM,
            "single-row commit latency p50 (each commit its own transaction)",
            "ms",
            latency_p50,
            lat_ratios,
            LATENCY_TARGET,
            "<=",
            4,
        ),
        claim(
            DISK_CLAIM,
            f"write_bytes for {sizes.io_transactions} transactions of "
            f"{sizes.io_inserts_per_tx} inserts + {sizes.io_updates_per_tx} updates, incl. close",
            "bytes",
            disk_bytes,
            io_ratios,
            DISK_TARGET,
            "<=",
            0,
        ),
    ]

    def vs(getter: Callable[[dict[str, Any]], float | None], target: float, op: str) -> Any:
        vs_defaults = _median(paired("seed_4k", "defaults", getter))
        holds = vs_defaults is not None and (
            vs_defaults >= target if op == ">=" else vs_defaults <= target
        )
        return {
            "seed_4k": _rounded(_median(series("seed_4k", getter)), 4),
            "vs_defaults": _rounded(vs_defaults, 4),
            "vs_seed": _rounded(_median(paired("seed_4k", "seed", getter)), 4),
            "claim_target": target,
            "would_hold": holds,
        }

    seed_4k = {
        "read_throughput": {
            "readers": claim_readers,
            **vs(reads_at(claim_readers), READ_TARGET, ">="),
        },
        "write_latency_p50_ms": vs(latency_p50, LATENCY_TARGET, "<="),
        "disk_io_write_bytes": vs(disk_bytes, DISK_TARGET, "<="),
    }
    details = {
        "read_throughput": reads_detail,
        "write_latency": latency_detail,
        "disk_io": disk_detail,
        "round_orders": [_rotated(index) for index in range(len(rounds_data))],
    }
    return claims, seed_4k, details


def _notes(filesystem: dict[str, str], details: dict[str, Any], sizes: Sizes) -> list[str]:
    notes = [
        "write_bytes counts page-cache pages the worker process dirtied (charged once per "
        "clean->dirty transition, so fsync-then-rewrite counts again); filesystem-journal and "
        "metadata writes (e.g. creating and deleting the rollback journal every transaction) "
        "are done by the kernel and not charged to the process, which understates defaults.",
        "seed and defaults values in claims are medians over rounds; ratios are medians of "
        "per-round paired ratios.",
    ]
    if filesystem["type"] in {"tmpfs", "ramfs"}:
        notes.append("databases were on tmpfs: write_bytes is 0 and the disk I/O claim is moot")
    for n, entry in details["read_throughput"].items():
        achieved = entry["defaults"]["writer_commits_per_s"]
        if achieved is not None and achieved < 0.95 * sizes.writer_rate_hz:
            notes.append(
                f"with {n} readers the defaults writer reached only {achieved} of "
                f"{sizes.writer_rate_hz:g} commits/s (readers' SHARED locks delay its EXCLUSIVE "
                "lock); fewer commits mean fewer reader cache invalidations, which favours "
                "defaults in the read ratio."
            )
    return notes


def run(
    quick: bool, rounds: int | None, directory: Path | None, *, smoke: bool = False
) -> dict[str, Any]:
    """Return the benchmark result (claims, seed_4k findings, details) as a JSON-ready dict.

    `quick` finishes in under a minute on two cores, `smoke` in a few seconds (tiny sizes,
    one round); `rounds` overrides the mode's round count; `directory` is where the temporary
    databases live (default: `data/bench-tmp` in the repository, which must not be tmpfs for
    the disk I/O claim to mean anything). Everything created is removed afterwards.
    """
    sizes = SIZES["smoke" if smoke else "quick" if quick else "full"]
    if rounds is not None:
        if rounds < 1:
            raise ValueError("rounds must be >= 1")
        sizes = sizes._replace(rounds=rounds)
    ctx = _mp_context()
    started = time.perf_counter()
    with _work_directory(directory) as work:
        filesystem = filesystem_of(work)
        configs = {name: read_back_pragmas(work, name) for name in CONFIG_NAMES}
        rounds_data = []
        for index in range(sizes.rounds):
            _log(f"pragmas: round {index + 1}/{sizes.rounds} ({', '.join(_rotated(index))})")
            rounds_data.append(_run_round(work, index, sizes, ctx))
    claims, seed_4k, details = _summarise(rounds_data, sizes)
    notes = _notes(filesystem, details, sizes)
    return {
        "benchmark": "pragmas",
        "mode": sizes.mode,
        "quick": quick or smoke,
        "rounds": sizes.rounds,
        "elapsed_s": round(time.perf_counter() - started, 2),
        "environment": {
            "sqlite_version": sqlite3.sqlite_version,
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "filesystem": filesystem,
            "start_method": ctx.get_start_method(),
        },
        "method": (
            "paired alternating rounds, configuration order rotated every round; each claim "
            "is judged on the median of per-round seed/defaults ratios"
        ),
        "sizes": sizes._asdict(),
        "configs": configs,
        "claims": claims,
        "seed_4k": seed_4k,
        "details": details,
        "notes": notes,
    }


# -- output ----------------------------------------------------------------------------------


def format_table(result: dict[str, Any]) -> str:
    """Return a human-readable summary of a `run()` result."""
    lines = [
        f"SQLite PRAGMA benchmark ({result['mode']}, {result['rounds']} rounds, "
        f"{result['elapsed_s']} s, SQLite {result['environment']['sqlite_version']}, "
        f"{result['environment']['filesystem']['type']})",
        "",
        f"{'config':<9} {'journal':<8} {'sync':<7} {'page':>6} {'cache':>7} {'mmap':>10}",
    ]
    for name, pragmas in result["configs"].items():
        lines.append(
            f"{name:<9} {pragmas['journal_mode']:<8} {pragmas['synchronous']:<7} "
            f"{pragmas['page_size']:>6} {pragmas['cache_size']:>7} {pragmas['mmap_size']:>10}"
        )
    lines += ["", f"{'claim':<34} {'defaults':>12} {'seed':>12} {'ratio':>8} {'target':>8} holds"]
    for c in result["claims"]:
        op = ">=" if ">=" in c["comparison"] else "<="
        lines.append(
            f"{c['claim']:<34} {c['defaults']:>12} {c['seed']:>12} {c['ratio']:>8} "
            f"{op + str(c['target_ratio']):>8} {'yes' if c['holds'] else 'NO'}"
        )
    reads = result["details"]["read_throughput"]
    lines += [
        "",
        f"{'readers':<8} {'defaults/s':>11} {'seed/s':>11} {'seed_4k/s':>11} "
        f"{'seed/def':>9} {'4k/def':>8} {'writer/s def,seed':>18}",
    ]
    for n, entry in reads.items():
        lines.append(
            f"{n:<8} {entry['defaults']['reads_per_s']:>11} {entry['seed']['reads_per_s']:>11} "
            f"{entry['seed_4k']['reads_per_s']:>11} {entry['ratio_seed_vs_defaults']:>9} "
            f"{entry['ratio_seed_4k_vs_defaults']:>8} "
            f"{entry['defaults']['writer_commits_per_s']:>8},"
            f"{entry['seed']['writer_commits_per_s']:>8}"
        )
    lat = result["details"]["write_latency"]
    disk = result["details"]["disk_io"]
    lines += ["", f"{'config':<9} {'p50 ms':>9} {'p99 ms':>9} {'write_bytes':>12} {'B/tx':>9}"]
    for name in CONFIG_NAMES:
        lines.append(
            f"{name:<9} {lat[name]['p50_ms']:>9} {lat[name]['p99_ms']:>9} "
            f"{disk[name]['write_bytes']!s:>12} {disk[name]['bytes_per_transaction']!s:>9}"
        )
    s4k = result["seed_4k"]
    lines += [
        "",
        "seed_4k vs defaults / vs seed: "
        f"reads {s4k['read_throughput']['vs_defaults']} / {s4k['read_throughput']['vs_seed']}, "
        f"p50 {s4k['write_latency_p50_ms']['vs_defaults']} / "
        f"{s4k['write_latency_p50_ms']['vs_seed']}, "
        f"bytes {s4k['disk_io_write_bytes']['vs_defaults']} / "
        f"{s4k['disk_io_write_bytes']['vs_seed']}",
    ]
    lines += [f"note: {note}" for note in result["notes"]]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Return the process exit code after running the benchmark from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="finish in under 60 s")
    size.add_argument("--smoke", action="store_true", help="tiny sizes, 1 round, a few seconds")
    parser.add_argument("--json", action="store_true", help="print the JSON result last")
    parser.add_argument("--rounds", type=int, default=None, help="override the round count")
    parser.add_argument("--dir", type=Path, default=None, help="where temp databases live")
    args = parser.parse_args(argv)
    result = run(args.quick, args.rounds, args.dir, smoke=args.smoke)
    print(format_table(result))
    if args.json:
        print(json.dumps(result, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
