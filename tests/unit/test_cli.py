from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from genscene import __version__


def run_cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "genscene", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={"GENSCENE_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin"},
        check=False,
    )


def test_cli_version_prints_package_version(tmp_path: Path) -> None:
    result = run_cli("--version", data_dir=tmp_path)
    assert result.returncode == 0 and __version__ in result.stdout


def test_cli_help_lists_commands(tmp_path: Path) -> None:
    result = run_cli("--help", data_dir=tmp_path)
    for command in ("serve", "db", "bench"):
        assert command in result.stdout


def test_cli_db_stats_json_shows_every_pragma_in_effect(tmp_path: Path) -> None:
    result = run_cli("db", "stats", "--json", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout.strip().splitlines()[-1])
    assert stats["pragmas"] == {
        "journal_mode": "wal",
        "synchronous": "NORMAL",
        "cache_size": -64000,
        "mmap_size": 268435456,
        "temp_store": "MEMORY",
        "page_size": 32768,
        "locking_mode": "normal",
        "busy_timeout": 30000,
        "auto_vacuum": "INCREMENTAL",
        "wal_autocheckpoint": 1000,
        "journal_size_limit": 67108864,
    }
    assert stats["tables"]["jobs"] == 0


def test_cli_db_optimize_json_reports_checkpoint(tmp_path: Path) -> None:
    result = run_cli("db", "optimize", "--json", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["wal_checkpoint"]["mode"] == "TRUNCATE"
    assert "pages_freed" in report["incremental_vacuum"]


def test_cli_bad_setting_clear_error_no_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "genscene", "db", "stats"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"GENSCENE_DATA_DIR": str(tmp_path), "GENSCENE_DB_PAGE_SIZE": "1000"},
        check=False,
    )
    assert result.returncode != 0
    assert "GENSCENE_DB_PAGE_SIZE" in result.stderr and "Traceback" not in result.stderr


def test_cli_token_prints_verifiable_stream_token(tmp_path: Path) -> None:
    import asyncio

    import jwt

    from genscene.db.database import Database
    from genscene.pipeline.jobs import JobStore

    run_cli("db", "stats", data_dir=tmp_path)  # creates the database and the secrets
    db = Database(tmp_path / "genscene.db")
    job = asyncio.run(JobStore(db).create("tts", {"text": "hi"}))
    db.close()
    result = run_cli("token", job.id, data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    secret = (tmp_path / "jwt_secret").read_text().strip()
    claims = jwt.decode(token, secret, algorithms=["HS256"], audience="genscene-sse")
    assert claims["sub"] == job.id and claims["scope"] == "job:events"
    missing = run_cli("token", "f" * 32, data_dir=tmp_path)
    assert missing.returncode != 0 and "no job" in missing.stderr


def test_cli_previews_generate_then_styles_fresh(tmp_path: Path) -> None:
    result = run_cli("previews", "generate", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert len(list((tmp_path / "previews").glob("*.json"))) == 7
    listing = run_cli("styles", "--json", data_dir=tmp_path)
    styles = json.loads(listing.stdout)["styles"]
    assert [s["preview"] for s in styles] == ["fresh"] * 7
    again = run_cli("previews", "generate", data_dir=tmp_path)
    assert "every preview is fresh" in again.stdout


def test_cli_render_storyboard_to_mp4_with_sidecars(tmp_path: Path) -> None:
    storyboard = {
        "title": "CLI",
        "style": "anime",
        "format": {"aspect": "1:1", "height": 144, "fps": 12},
        "subtitles": "soft",
        "scenes": [
            {"prompt": "character under cherry blossoms", "narration": "Hello there."},
            {"prompt": "robot in a city at night", "narration": "Goodbye.", "camera": "zoom-in"},
        ],
    }
    source = tmp_path / "board.json"
    source.write_text(json.dumps(storyboard))
    out = tmp_path / "out" / "clip.mp4"
    result = run_cli("render", str(source), "-o", str(out), data_dir=tmp_path / "data")
    assert result.returncode == 0, result.stderr
    assert out.stat().st_size > 1000
    for sidecar in ("clip.jpg", "clip.srt", "clip.vtt"):
        assert (out.parent / sidecar).exists()
    assert "Hello there." in (out.parent / "clip.srt").read_text()
    probe = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-show_entries",
            "stream=codec_name,width,height",
            "-of",
            "json",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    streams = json.loads(probe.stdout)["streams"]
    assert [s["codec_name"] for s in streams] == ["h264", "aac", "mov_text"]
    assert (streams[0]["width"], streams[0]["height"]) == (144, 144)


def test_cli_render_bad_storyboard_names_field(tmp_path: Path) -> None:
    source = tmp_path / "bad.json"
    source.write_text(json.dumps({"style": "anime", "scenes": [{"prompt": "x", "camera": "spin"}]}))
    result = run_cli("render", str(source), "-o", str(tmp_path / "o.mp4"), data_dir=tmp_path)
    assert result.returncode != 0
    assert "scenes[0].camera" in result.stderr and "Traceback" not in result.stderr
