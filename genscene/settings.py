"""The one Settings object, built once from GENSCENE_* environment variables.

Nothing else in the package reads `os.environ`. Every field is listed in README.md (a test
checks that), with its variable and default.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path

from genscene.errors import ValidationError

ENV_PREFIX = "GENSCENE_"


@dataclass(frozen=True)
class Settings:
    """Runtime configuration. Field `x` is read from `GENSCENE_X`."""

    data_dir: Path = Path("data")
    host: str = "127.0.0.1"
    port: int = 8000
    api_keys: tuple[str, ...] = ()
    jwt_secret: str = ""
    jwt_ttl_s: int = 3600
    jwt_issuer: str = "genscene"
    jwt_audience: str = "genscene-sse"
    jwt_private_key_file: str = ""
    jwt_previous_secrets: tuple[str, ...] = ()
    jwt_public_key_files: tuple[str, ...] = ()
    sse_heartbeat_s: float = 30.0
    sse_idle_timeout_s: float = 300.0
    sse_send_timeout_s: float = 10.0
    sse_retry_ms: int = 3000
    sse_max_per_token: int = 5
    sse_max_per_client: int = 100
    cors_origins: tuple[str, ...] = ()
    cors_origin_regex: str = ""
    workers: int = 2
    preview_ttl_s: int = 86400
    scene_cache_max_mb: int = 2048
    styles_file: str = ""
    storyboard_max_scenes: int = 200
    storyboard_max_total_s: float = 600.0
    storyboard_max_narration_chars: int = 2000
    max_job_attempts: int = 3
    max_upload_bytes: int = 200 * 1024 * 1024
    max_request_bytes: int = 2 * 1024 * 1024
    max_tts_chars: int = 5000
    log_level: str = "INFO"
    # SQLite. Each PRAGMA is a setting; defaults are the seed's production values.
    db_journal_mode: str = "WAL"
    db_synchronous: str = "NORMAL"
    db_cache_size: int = -64000
    db_mmap_size: int = 268435456
    db_temp_store: str = "MEMORY"
    db_page_size: int = 32768
    db_locking_mode: str = "NORMAL"
    db_busy_timeout_ms: int = 30000
    db_auto_vacuum: str = "INCREMENTAL"
    db_wal_autocheckpoint: int = 1000
    db_journal_size_limit: int = 64 * 1024 * 1024
    db_pool_size: int = 0
    db_optimize_interval_s: float = 3600.0
    db_group_commit_max: int = 256

    @property
    def db_path(self) -> Path:
        """Return the SQLite database file inside the data dir."""
        return self.data_dir / "genscene.db"

    @property
    def media_dir(self) -> Path:
        """Return the folder holding job outputs and uploads."""
        return self.data_dir / "media"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Return Settings read from `environ` (default: the process environment).

        A missing API key or JWT secret is generated once and kept in the data dir (0600).
        """
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is None or raw == "":
                continue
            values[f.name] = _parse(f.name, str(f.type), raw)
        settings = cls(**values)  # type: ignore[arg-type]
        settings.validate()
        return settings.with_secrets()

    def validate(self) -> None:
        """Raise ValidationError naming the setting when a value is out of range."""
        positive = {
            "port": self.port,
            "jwt_ttl_s": self.jwt_ttl_s,
            "sse_heartbeat_s": self.sse_heartbeat_s,
            "sse_idle_timeout_s": self.sse_idle_timeout_s,
            "sse_send_timeout_s": self.sse_send_timeout_s,
            "sse_max_per_token": self.sse_max_per_token,
            "sse_max_per_client": self.sse_max_per_client,
            "workers": self.workers,
            "preview_ttl_s": self.preview_ttl_s,
            "max_job_attempts": self.max_job_attempts,
            "db_page_size": self.db_page_size,
            "db_group_commit_max": self.db_group_commit_max,
            "storyboard_max_scenes": self.storyboard_max_scenes,
            "storyboard_max_total_s": self.storyboard_max_total_s,
            "storyboard_max_narration_chars": self.storyboard_max_narration_chars,
        }
        for name, value in positive.items():
            if value <= 0:
                raise ValidationError(f"{name} must be positive", field=_env_name(name))
        if self.scene_cache_max_mb < 0:
            raise ValidationError(
                "scene_cache_max_mb must be 0 or more", field=_env_name("scene_cache_max_mb")
            )
        if self.db_page_size & (self.db_page_size - 1) or not 512 <= self.db_page_size <= 65536:
            raise ValidationError(
                "db_page_size must be a power of two from 512 to 65536",
                field=_env_name("db_page_size"),
            )
        choices = {
            "db_journal_mode": {"WAL", "DELETE", "TRUNCATE", "PERSIST", "MEMORY"},
            "db_synchronous": {"OFF", "NORMAL", "FULL", "EXTRA"},
            "db_temp_store": {"DEFAULT", "FILE", "MEMORY"},
            "db_locking_mode": {"NORMAL", "EXCLUSIVE"},
            "db_auto_vacuum": {"NONE", "FULL", "INCREMENTAL"},
        }
        for name, allowed in choices.items():
            if str(getattr(self, name)).upper() not in allowed:
                raise ValidationError(
                    f"{name} must be one of {sorted(allowed)}", field=_env_name(name)
                )

    def with_secrets(self) -> Settings:
        """Return a copy whose API key and JWT secret are set, generating them if missing."""
        updates: dict[str, object] = {}
        if not self.api_keys:
            key = _load_or_create_secret(self.data_dir / "api_key", "gs_")
            updates["api_keys"] = (key,)
        if not self.jwt_secret:
            updates["jwt_secret"] = _load_or_create_secret(self.data_dir / "jwt_secret", "")
        return replace(self, **updates) if updates else self  # type: ignore[arg-type]

    @property
    def api_key_file(self) -> Path:
        """Return where a generated API key is kept."""
        return self.data_dir / "api_key"


def _env_name(field_name: str) -> str:
    return ENV_PREFIX + field_name.upper()


def _parse(name: str, type_name: str, raw: str) -> object:
    try:
        if type_name == "Path":
            return Path(raw)
        if type_name == "int":
            return int(raw)
        if type_name == "float":
            return float(raw)
        if type_name.startswith("tuple"):
            return tuple(item.strip() for item in raw.split(",") if item.strip())
        return raw
    except ValueError:
        raise ValidationError(
            f"{_env_name(name)} is not a valid {type_name}: {raw!r}", field=_env_name(name)
        ) from None


def _load_or_create_secret(path: Path, prefix: str) -> str:
    """Return the secret stored at `path`, creating it (mode 0600) on first use."""
    if path.exists():
        value = path.read_text().strip()
        if value:
            return value
    path.parent.mkdir(parents=True, exist_ok=True)
    value = prefix + secrets.token_urlsafe(32)
    # O_EXCL: two processes starting at once must not overwrite each other's secret.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return value


SETTING_DOCS: dict[str, str] = {
    "data_dir": "Folder for the database, media, previews and generated secrets.",
    "host": "Interface `genscene serve` binds to.",
    "port": "Port `genscene serve` listens on.",
    "api_keys": "Comma list of API keys; one is generated into `data/api_key` if empty.",
    "jwt_secret": "HS256 secret for stream tokens; generated into `data/jwt_secret` if empty.",
    "jwt_ttl_s": "Lifetime of a stream token, seconds.",
    "jwt_issuer": "`iss` claim of stream tokens.",
    "jwt_audience": "`aud` claim of stream tokens.",
    "jwt_private_key_file": "PEM private key (P-256 for ES256, Ed25519 for EdDSA) to sign "
    "stream tokens instead of the HS256 secret.",
    "jwt_previous_secrets": "Comma list of earlier HS256 secrets that still verify (rotation).",
    "jwt_public_key_files": "Comma list of PEM public keys that still verify (rotation).",
    "sse_heartbeat_s": "Seconds of silence before an SSE heartbeat.",
    "sse_idle_timeout_s": "An SSE connection with no job event for this long is closed.",
    "sse_send_timeout_s": "A client that does not read for this long is dropped (slow consumer).",
    "sse_retry_ms": "`retry:` sent to EventSource clients: reconnect delay, milliseconds.",
    "sse_max_per_token": "Most concurrent streams one token may open (429 beyond).",
    "sse_max_per_client": "Most concurrent streams one client address may open (429 beyond).",
    "cors_origins": "Comma list of allowed CORS origins.",
    "cors_origin_regex": "Regex of further allowed origins (e.g. subdomains).",
    "workers": "Concurrent job workers.",
    "preview_ttl_s": "How long a style preview stays fresh, seconds.",
    "scene_cache_max_mb": (
        "Size limit of the scene cache (prepared frames and narrations, MiB); least recently "
        "used entries are removed after each render. 0 keeps nothing between renders."
    ),
    "styles_file": "Style catalogue JSON (empty: the packaged one); notebooks approve looks "
    "into it.",
    "storyboard_max_scenes": "Most scenes a storyboard may have.",
    "storyboard_max_total_s": "Longest total video a storyboard may ask for, seconds.",
    "storyboard_max_narration_chars": "Longest narration of one scene, characters.",
    "max_job_attempts": "A job interrupted this many times fails instead of re-queueing.",
    "max_upload_bytes": "Largest accepted media upload.",
    "max_request_bytes": "Largest accepted JSON request body.",
    "max_tts_chars": "Longest text a TTS job accepts.",
    "log_level": "Python logging level.",
    "db_journal_mode": "PRAGMA journal_mode.",
    "db_synchronous": "PRAGMA synchronous.",
    "db_cache_size": "PRAGMA cache_size (negative = KiB).",
    "db_mmap_size": "PRAGMA mmap_size, bytes.",
    "db_temp_store": "PRAGMA temp_store.",
    "db_page_size": "PRAGMA page_size (applied on creation; an existing file is converted).",
    "db_locking_mode": "PRAGMA locking_mode.",
    "db_busy_timeout_ms": "PRAGMA busy_timeout, milliseconds.",
    "db_auto_vacuum": "PRAGMA auto_vacuum (applied on creation or by conversion).",
    "db_wal_autocheckpoint": "PRAGMA wal_autocheckpoint, pages.",
    "db_journal_size_limit": "PRAGMA journal_size_limit, bytes: bounds the WAL after checkpoints.",
    "db_pool_size": "Reader connection pool size; 0 = one thread-local connection per thread.",
    "db_optimize_interval_s": "Seconds between automatic optimisations (0 = never).",
    "db_group_commit_max": "Most queued writes the writer commits in one transaction.",
}


def describe_settings() -> list[tuple[str, str, str]]:
    """Return (variable, default, description) for every setting, in declaration order."""
    defaults = Settings()
    rows = []
    for f in fields(Settings):
        value = getattr(defaults, f.name)
        if isinstance(value, tuple):
            shown = ",".join(value) or "(empty)"
        elif value == "":
            shown = "(empty)"
        else:
            shown = str(value)
        rows.append((_env_name(f.name), shown, SETTING_DOCS[f.name]))
    return rows


__all__ = ["Settings", "describe_settings"]
