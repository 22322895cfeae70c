from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

WRK_OUTPUT = """Running 3s test @ http://127.0.0.1:8000/api/jobs/x
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     7.40ms    4.16ms  58.31ms   88.10%
  Latency Distribution
     50%  650.00us
     75%    7.84ms
     90%   10.12ms
     99%    1.50s
  6512 requests in 3.00s, 3.10MB read
  Non-2xx or 3xx responses: 12
Requests/sec:   2168.22
Transfer/sec:      1.03MB
"""


def test_bench_api_parse_wrk_units_converted_to_ms() -> None:
    spec = importlib.util.spec_from_file_location("bench_api", ROOT / "benchmarks" / "api.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    figures = module.parse_wrk(WRK_OUTPUT)
    assert figures["requests_per_s"] == 2168.22
    assert figures["p50_ms"] == 0.65
    assert figures["p75_ms"] == 7.84
    assert figures["p99_ms"] == 1500.0
    assert figures["non_2xx"] == 12
