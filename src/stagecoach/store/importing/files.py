"""Files kept beside the database (import files): under `STAGECOACH_DATA_DIR`, else next to
an SQLite database file (`<name>-files/`), else `./var/stagecoach-files` for PostgreSQL.

**[decision]** Import files live on disk rather than in the database: they are read as a
stream, many times faster than from a BLOB, and the database keeps only their location,
size and checksum (a resume refuses a file that changed)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Engine

MAX_UPLOAD_BYTES = 2 * 1024**3


class TooLarge(Exception):
    pass


def data_dir(engine: Engine) -> Path:
    configured = os.environ.get("STAGECOACH_DATA_DIR")
    if configured:
        return Path(configured)
    db = engine.url.database if engine.dialect.name == "sqlite" else None
    if db and db != ":memory:":
        p = Path(db).resolve()
        return p.parent / f"{p.stem}-files"
    return Path.cwd() / "var" / "stagecoach-files"


def save_upload(engine: Engine, account_id: int, src: BinaryIO, suffix: str = ".csv") -> Path:
    """Copy an uploaded file in blocks (memory stays flat whatever its size)."""
    folder = data_dir(engine) / "imports" / str(account_id)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{uuid.uuid4().hex}{suffix}"
    written = 0
    try:
        with target.open("wb") as out:
            while block := src.read(1 << 20):
                written += len(block)
                if written > MAX_UPLOAD_BYTES:
                    raise TooLarge(f"The file is larger than {MAX_UPLOAD_BYTES} bytes")
                out.write(block)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target


def copy_into(engine: Engine, account_id: int, source: Path) -> Path:
    with source.open("rb") as f:
        return save_upload(engine, account_id, f, source.suffix or ".csv")

