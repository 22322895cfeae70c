"""The PRAGMA benchmark runs end to end in smoke mode and reports every claim it must."""

from __future__ import annotations

import importlib.util
import inspect
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "benchmarks" / "pragmas.py"
CLAIMS = {
    "+300% concurrent read throughput": 4.0,
    "-50% write latency": 0.5,
    "-80% disk I/O": 0.2,
}


@pytest.fixture(scope="module")
def smoke_result(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Return the JSON object printed on the last line of a `--smoke --json` run."""
    # pytest's tmp dir is on the same filesystem as the repository here; the benchmark
    # reports the filesystem type, and write_bytes is only asserted positive off tmpfs.
    work = tmp_path_factory.mktemp("bench-pragmas")
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--smoke", "--json", "--dir", str(work)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    result["_work_dir_entries"] = sorted(p.name for p in work.iterdir())
    return result


def test_smoke_run_json_last_line_has_header_fields(smoke_result: dict[str, Any]) -> None:
    assert smoke_result["benchmark"] == "pragmas"
    assert smoke_result["quick"] is True
    assert smoke_result["rounds"] == 1
    env = smoke_result["environment"]
    assert env["sqlite_version"].count(".") == 2
    assert env["cpu_count"] >= 1
    assert env["filesystem"]["type"]


def test_smoke_run_claims_have_positive_ratios_and_boolean_holds(
    smoke_result: dict[str, Any],
) -> None:
    claims = {c["claim"]: c for c in smoke_result["claims"]}
    assert set(claims) == set(CLAIMS)
    for text, target in CLAIMS.items():
        claim = claims[text]
        assert isinstance(claim["ratio"], float)
        assert claim["ratio"] > 0
        assert claim["target_ratio"] == target
        assert isinstance(claim["holds"], bool)
        assert claim["seed"] > 0
        assert claim["defaults"] > 0


def test_smoke_run_holds_agrees_with_ratio_and_target(smoke_result: dict[str, Any]) -> None:
    claims = {c["claim"]: c for c in smoke_result["claims"]}
    reads = claims["+300% concurrent read throughput"]
    assert reads["holds"] == (reads["ratio"] >= 4.0)
    for text in ("-50% write latency", "-80% disk I/O"):
        assert claims[text]["holds"] == (claims[text]["ratio"] <= claims[text]["target_ratio"])


def test_smoke_run_configs_read_back_show_journal_and_page_size(
    smoke_result: dict[str, Any],
) -> None:
    configs = smoke_result["configs"]
    assert configs["defaults"]["journal_mode"] == "delete"
    assert configs["defaults"]["synchronous"] == "FULL"
    assert configs["seed"]["journal_mode"] == "wal"
    assert configs["seed"]["page_size"] == 32768
    assert configs["seed"]["synchronous"] == "NORMAL"
    assert configs["seed_4k"]["journal_mode"] == "wal"
    assert configs["seed_4k"]["page_size"] == 4096


def test_smoke_run_seed_4k_reports_ratios_against_both(smoke_result: dict[str, Any]) -> None:
    seed_4k = smoke_result["seed_4k"]
    assert set(seed_4k) == {"read_throughput", "write_latency_p50_ms", "disk_io_write_bytes"}
    for entry in seed_4k.values():
        assert entry["vs_defaults"] > 0
        assert entry["vs_seed"] > 0


def test_smoke_run_details_cover_every_reader_count(smoke_result: dict[str, Any]) -> None:
    reads = smoke_result["details"]["read_throughput"]
    assert set(reads) == {"1", "2", "4"}
    for entry in reads.values():
        for name in ("defaults", "seed", "seed_4k"):
            assert entry[name]["reads_per_s"] > 0
            assert entry[name]["writer_commits_per_s"] > 0
    latency = smoke_result["details"]["write_latency"]
    for name in ("defaults", "seed", "seed_4k"):
        assert 0 < latency[name]["p50_ms"] <= latency[name]["p99_ms"]


def test_smoke_run_disk_io_on_real_disk_counts_bytes(smoke_result: dict[str, Any]) -> None:
    if smoke_result["environment"]["filesystem"]["type"] in {"tmpfs", "ramfs"}:
        pytest.skip("write_bytes is 0 on tmpfs")
    disk = smoke_result["details"]["disk_io"]
    for name in ("defaults", "seed", "seed_4k"):
        assert disk[name]["write_bytes"] > 0
        assert disk[name]["wal_left_bytes"] == 0


def test_smoke_run_work_directory_is_cleaned_up(smoke_result: dict[str, Any]) -> None:
    assert smoke_result["_work_dir_entries"] == []


def _load_module() -> Any:
    spec = importlib.util.spec_from_file_location("bench_pragmas_under_test", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_module_import_from_file_exposes_run_without_running(tmp_path: Path) -> None:
    before = set(Path(tmp_path).iterdir())
    module = _load_module()
    assert callable(module.run)
    assert list(inspect.signature(module.run).parameters)[:3] == ["quick", "rounds", "directory"]
    assert set(Path(tmp_path).iterdir()) == before


def test_round_order_each_round_rotated_every_config_once() -> None:
    module = _load_module()
    orders = [module._rotated(i) for i in range(3)]
    assert [order[0] for order in orders] == ["defaults", "seed", "seed_4k"]
    for order in orders:
        assert sorted(order) == ["defaults", "seed", "seed_4k"]
