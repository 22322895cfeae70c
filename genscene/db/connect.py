"""Every SQLite PRAGMA is applied here, in an order that takes effect.

Two kinds of PRAGMA exist. File-level ones (`page_size`, `auto_vacuum`, `journal_mode`) are
stored in the database file: `page_size` and `auto_vacuum` only take effect before the first
table is written, or through a VACUUM run outside WAL mode. Connection-level ones
(`synchronous`, `cache_size`, `mmap_size`, ...) must be set on every new connection.
`prepare_database` handles the first kind once per file; `open_connection` the second.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from genscene.settings import Settings

_SYNCHRONOUS = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}
_TEMP_STORE = {0: "DEFAULT", 1: "FILE", 2: "MEMORY"}
_AUTO_VACUUM = {0: "NONE", 1: "FULL", 2: "INCREMENTAL"}


@dataclass(frozen=True)
class PragmaConfig:
    """The PRAGMA values to apply; defaults are the seed's production settings."""

    journal_mode: str = "WAL"
    synchronous: str = "NORMAL"
    cache_size: int = -64000
    mmap_size: int = 268435456
    temp_store: str = "MEMORY"
    page_size: int = 32768
    locking_mode: str = "NORMAL"
    busy_timeout_ms: int = 30000
    auto_vacuum: str = "INCREMENTAL"
    wal_autocheckpoint: int = 1000
    journal_size_limit: int = 64 * 1024 * 1024

    @classmethod
    def from_settings(cls, settings: Settings) -> PragmaConfig:
        """Return the PRAGMA values configured in `settings`."""
        return cls(
            journal_mode=settings.db_journal_mode.upper(),
            synchronous=settings.db_synchronous.upper(),
            cache_size=settings.db_cache_size,
            mmap_size=settings.db_mmap_size,
            temp_store=settings.db_temp_store.upper(),
            page_size=settings.db_page_size,
            locking_mode=settings.db_locking_mode.upper(),
            busy_timeout_ms=settings.db_busy_timeout_ms,
            auto_vacuum=settings.db_auto_vacuum.upper(),
            wal_autocheckpoint=settings.db_wal_autocheckpoint,
            journal_size_limit=settings.db_journal_size_limit,
        )

    def expected(self) -> dict[str, Any]:
        """Return the values `read_pragmas` should report once this config is in effect."""
        return {
            "journal_mode": self.journal_mode.lower(),
            "synchronous": self.synchronous,
            "cache_size": self.cache_size,
            "mmap_size": self.mmap_size,
            "temp_store": self.temp_store,
            "page_size": self.page_size,
            "locking_mode": self.locking_mode.lower(),
            "busy_timeout": self.busy_timeout_ms,
            "auto_vacuum": self.auto_vacuum,
            "wal_autocheckpoint": self.wal_autocheckpoint,
            "journal_size_limit": self.journal_size_limit,
        }


@dataclass(frozen=True)
class PrepareReport:
    """What `prepare_database` found and did."""

    created: bool
    converted: bool
    before: dict[str, Any]
    after: dict[str, Any]


def _scalar(conn: sqlite3.Connection, sql: str) -> Any:
    row = conn.execute(sql).fetchone()
    return row[0] if row else None


def read_pragmas(conn: sqlite3.Connection) -> dict[str, Any]:
    """Return the PRAGMA values in effect on `conn`, read back from SQLite."""
    return {
        "journal_mode": str(_scalar(conn, "PRAGMA journal_mode")).lower(),
        "synchronous": _SYNCHRONOUS.get(_scalar(conn, "PRAGMA synchronous"), "?"),
        "cache_size": _scalar(conn, "PRAGMA cache_size"),
        "mmap_size": _scalar(conn, "PRAGMA mmap_size"),
        "temp_store": _TEMP_STORE.get(_scalar(conn, "PRAGMA temp_store"), "?"),
        "page_size": _scalar(conn, "PRAGMA page_size"),
        "locking_mode": str(_scalar(conn, "PRAGMA locking_mode")).lower(),
        "busy_timeout": _scalar(conn, "PRAGMA busy_timeout"),
        "auto_vacuum": _AUTO_VACUUM.get(_scalar(conn, "PRAGMA auto_vacuum"), "?"),
        "wal_autocheckpoint": _scalar(conn, "PRAGMA wal_autocheckpoint"),
        "journal_size_limit": _scalar(conn, "PRAGMA journal_size_limit"),
    }


def _apply_connection_pragmas(conn: sqlite3.Connection, config: PragmaConfig) -> None:
    # Values are validated enums/ints (Settings.validate), so formatting them in is safe.
    conn.execute(f"PRAGMA synchronous={config.synchronous}")
    conn.execute(f"PRAGMA cache_size={int(config.cache_size)}")
    conn.execute(f"PRAGMA mmap_size={int(config.mmap_size)}")
    conn.execute(f"PRAGMA temp_store={config.temp_store}")
    conn.execute(f"PRAGMA locking_mode={config.locking_mode}")
    conn.execute(f"PRAGMA wal_autocheckpoint={int(config.wal_autocheckpoint)}")
    conn.execute(f"PRAGMA journal_size_limit={int(config.journal_size_limit)}")


def open_connection(
    path: Path | str, config: PragmaConfig, *, check_same_thread: bool = False
) -> sqlite3.Connection:
    """Return a connection in autocommit mode with the connection-level PRAGMAs applied.

    Autocommit (`isolation_level=None`) so that transactions are explicit: every write
    begins with `BEGIN IMMEDIATE` and takes the write lock up front instead of upgrading
    from a read lock mid-transaction (which fails with SQLITE_BUSY, ignoring busy_timeout).
    """
    conn = sqlite3.connect(
        str(path), isolation_level=None, check_same_thread=check_same_thread, timeout=0
    )
    conn.row_factory = sqlite3.Row
    # busy_timeout first: everything after may need to wait for another connection.
    conn.execute(f"PRAGMA busy_timeout={int(config.busy_timeout_ms)}")
    _apply_connection_pragmas(conn, config)
    return conn


def prepare_database(path: Path | str, config: PragmaConfig) -> PrepareReport:
    """Return a report after making the file-level PRAGMAs of `config` true for `path`.

    A new file gets `page_size` and `auto_vacuum` before anything is written, then the
    journal mode. An existing file with another page size or auto-vacuum mode is converted:
    leave WAL, set both, VACUUM (which rewrites the file with them), then return to WAL.
    Must run before other connections are opened (conversion needs the file to itself).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), isolation_level=None, timeout=0)
    try:
        conn.execute(f"PRAGMA busy_timeout={int(config.busy_timeout_ms)}")
        before = read_pragmas(conn)
        is_new = _scalar(conn, "PRAGMA page_count") == 0
        needs_conversion = not is_new and (
            before["page_size"] != config.page_size or before["auto_vacuum"] != config.auto_vacuum
        )
        if is_new or needs_conversion:
            if before["journal_mode"] == "wal":
                # page_size cannot change while in WAL mode.
                conn.execute("PRAGMA journal_mode=DELETE")
            conn.execute(f"PRAGMA page_size={int(config.page_size)}")
            conn.execute(f"PRAGMA auto_vacuum={config.auto_vacuum}")
            if needs_conversion:
                conn.execute("VACUUM")
        mode = _scalar(conn, f"PRAGMA journal_mode={config.journal_mode}")
        if str(mode).lower() != config.journal_mode.lower():
            raise RuntimeError(f"journal_mode={config.journal_mode} did not take effect: {mode}")
        if is_new:
            # Writing the schema-less header now fixes page_size/auto_vacuum in the file.
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("CREATE TABLE IF NOT EXISTS _genscene_meta (key TEXT PRIMARY KEY, value)")
            conn.execute("COMMIT")
        after = read_pragmas(conn)
    finally:
        conn.close()
    return PrepareReport(created=is_new, converted=needs_conversion, before=before, after=after)
