"""Shared fixtures: settings and databases in a temporary folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from genscene.db.connect import PragmaConfig
from genscene.db.database import Database
from genscene.settings import Settings

TEST_API_KEY = "test-key-0123456789"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Return settings with data in a temporary folder and a known API key."""
    return Settings.from_env(
        {
            "GENSCENE_DATA_DIR": str(tmp_path / "data"),
            "GENSCENE_API_KEYS": TEST_API_KEY,
            "GENSCENE_JWT_SECRET": "test-secret-that-is-long-enough-for-hs256",
            "GENSCENE_WORKERS": "2",
            "GENSCENE_DB_OPTIMIZE_INTERVAL_S": "0",
        }
    )


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    """Return a migrated database with the production PRAGMAs, closed afterwards."""
    database = Database(tmp_path / "test.db", PragmaConfig())
    yield database
    database.close()
