from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from genscene.errors import ValidationError
from genscene.settings import Settings, describe_settings

ROOT = Path(__file__).resolve().parents[2]


def test_settings_from_env_reads_every_kind_of_value(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "GENSCENE_DATA_DIR": str(tmp_path),
            "GENSCENE_PORT": "9000",
            "GENSCENE_API_KEYS": "a, b ,,c",
            "GENSCENE_SSE_HEARTBEAT_S": "0.5",
            "GENSCENE_CORS_ORIGINS": "https://app.example.com",
            "GENSCENE_JWT_SECRET": "s3cret-s3cret-s3cret-s3cret-s3cret",
        }
    )
    assert settings.port == 9000
    assert settings.api_keys == ("a", "b", "c")
    assert settings.sse_heartbeat_s == 0.5
    assert settings.cors_origins == ("https://app.example.com",)
    assert settings.data_dir == tmp_path


def test_settings_missing_secrets_generated_once_with_mode_0600(tmp_path: Path) -> None:
    env = {"GENSCENE_DATA_DIR": str(tmp_path / "d")}
    first = Settings.from_env(env)
    second = Settings.from_env(env)
    assert first.api_keys == second.api_keys and len(first.api_keys[0]) > 30
    assert first.jwt_secret == second.jwt_secret and len(first.jwt_secret) >= 32
    for name in ("api_key", "jwt_secret"):
        mode = stat.S_IMODE((tmp_path / "d" / name).stat().st_mode)
        assert mode == 0o600


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("GENSCENE_PORT", "eighty"),
        ("GENSCENE_WORKERS", "0"),
        ("GENSCENE_DB_PAGE_SIZE", "3000"),
        ("GENSCENE_DB_SYNCHRONOUS", "sometimes"),
    ],
)
def test_settings_bad_value_error_names_variable(tmp_path: Path, variable: str, value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Settings.from_env({"GENSCENE_DATA_DIR": str(tmp_path), variable: value})
    assert caught.value.field == variable


def test_readme_settings_table_lists_every_setting() -> None:
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"`(GENSCENE_[A-Z0-9_]+)`", readme))
    for variable, _default, _description in describe_settings():
        assert variable in documented, f"{variable} missing from README settings table"


def test_nothing_but_settings_reads_environ() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "genscene").rglob("*.py")
        if path.name != "settings.py" and re.search(r"os\.environ|os\.getenv", path.read_text())
    ]
    assert offenders == []
