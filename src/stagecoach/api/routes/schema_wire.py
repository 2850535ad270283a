"""Small wire helpers shared by the schema routes: query booleans, times."""

from __future__ import annotations

from stagecoach.api.errors import ApiError
from stagecoach.domain.values import ms_to_iso


def query_bool(name: str, raw: str | None, default: bool = False) -> bool:
    """Booleans in queries arrive as true/True/false/False (api spec section 1)."""
    if raw is None or raw == "":
        return default
    low = raw.strip().lower()
    if low not in ("true", "false"):
        raise ApiError(400, f"Query parameter {name} is true or false, not {raw!r}")
    return low == "true"


def iso(ms: int | None) -> str | None:
    return ms_to_iso(ms) if ms is not None else None
