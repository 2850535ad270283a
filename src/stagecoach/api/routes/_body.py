"""Reading a JSON request body with HubSpot-shaped errors for anything malformed."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from stagecoach.api.errors import ApiError


async def json_object(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        body = json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "The request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object")
    return body
