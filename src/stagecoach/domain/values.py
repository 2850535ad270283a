"""Property types and the conversion between wire strings and stored values.

On the wire every value is a string (api spec section 1). Stored values are typed JSON:
numbers as numbers, dates and datetimes as epoch milliseconds, everything else as strings,
so that the database can compare, sort and compute durations without parsing.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from stagecoach.domain.errors import ValidationError

MAX_STRING_LENGTH = 65_536
_INT_RE = re.compile(r"^-?\d{1,18}$")


class PropertyType(StrEnum):
    STRING = "string"
    NUMBER = "number"
    DATE = "date"
    DATETIME = "datetime"
    ENUMERATION = "enumeration"
    BOOL = "bool"


def _fail(name: str, value: str, kind: str) -> ValidationError:
    return ValidationError(
        f"Property values were not valid: {value[:80]!r} is not a valid {kind} for {name}",
        code="INVALID_" + kind.upper().replace(" ", "_"),
        propertyName=name,
    )


def ms_to_iso(ms: int) -> str:
    dt = datetime.fromtimestamp(ms // 1000, tz=UTC)
    # Not strftime: its %Y does not pad years before 1000 on every platform.
    return dt.isoformat(timespec="seconds")[:19] + f".{ms % 1000:03d}Z"


# Epoch ms of years 1 and 9999: anything outside cannot be written back as ISO.
_MIN_MS, _MAX_MS = -62_135_596_800_000, 253_402_300_799_999


def iso_to_ms(text: str) -> int:
    text = text.strip()
    if _INT_RE.match(text):
        ms = int(text)
    else:
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        dt = datetime.fromisoformat(text)
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        ms = int(round(dt.timestamp() * 1000))
    if not _MIN_MS <= ms <= _MAX_MS:
        raise ValueError(text)
    return ms


def parse_number(text: str) -> int | float:
    n = float(text)
    if math.isnan(n) or math.isinf(n):
        raise ValueError(text)
    if n.is_integer() and abs(n) < 2**53:
        return int(n)
    return n


def to_stored(name: str, ptype: PropertyType, wire: str) -> Any:
    """A non-empty wire string to its stored form; raises ValidationError when invalid."""
    if len(wire) > MAX_STRING_LENGTH:
        raise ValidationError(
            f"The value of {name} is longer than {MAX_STRING_LENGTH} characters",
            code="VALUE_TOO_LONG",
            propertyName=name,
        )
    try:
        if ptype is PropertyType.NUMBER:
            return parse_number(wire)
        if ptype is PropertyType.DATETIME:
            return iso_to_ms(wire)
        if ptype is PropertyType.DATE:
            if _INT_RE.match(wire.strip()):
                ms = iso_to_ms(wire)
            else:
                d = date.fromisoformat(wire.strip()[:10])
                ms = int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp() * 1000)
            return ms - ms % 86_400_000
    except (ValueError, OverflowError, OSError):
        raise _fail(name, wire, ptype.value) from None
    if ptype is PropertyType.BOOL:
        low = wire.strip().lower()
        if low not in ("true", "false"):
            raise _fail(name, wire, "bool")
        return low
    return wire


def to_wire(ptype: PropertyType, stored: Any) -> str | None:
    if stored is None:
        return None
    if ptype is PropertyType.DATETIME:
        return ms_to_iso(int(stored))
    if ptype is PropertyType.DATE:
        return ms_to_iso(int(stored))[:10]
    if ptype is PropertyType.NUMBER:
        if isinstance(stored, float) and stored.is_integer():
            return str(int(stored))
        return str(stored)
    return str(stored)


def is_decimal(text: str) -> bool:
    """ASCII digits only: `str.isdigit` also accepts '²' and other digits `int` refuses."""
    return text.isascii() and text.isdigit()


INT64_MAX = 2**63 - 1


def whole_number(raw: str, name: str, *, low: int = 0, high: int = INT64_MAX) -> int:
    """A whole number from the wire within [low, high] (by default what a BIGINT column
    holds), else a ValidationError naming `name`: never a value the database overflows on."""
    text = raw.strip()
    digits = text[1:] if text.startswith("-") else text
    if not is_decimal(digits) or len(digits) > 19 or not low <= int(text) <= high:
        raise ValidationError(f"{name} must be a whole number from {low} to {high}",
                              code="INVALID_INTEGER", propertyName=name)
    return int(text)
