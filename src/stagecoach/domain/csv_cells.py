"""Cells of every CSV Stagecoach writes, made safe to open in a spreadsheet (issue 20).

A cell that begins with `=`, `+`, `-` or `@` (or a tab or carriage return before one) is a
formula to Excel, LibreOffice and Google Sheets: `=HYPERLINK(...)` in a contact's name would
run when someone opens an export. Such a cell is written with a leading `'`, which the
spreadsheet shows as text. A plain number (`-5`, `+3.2`) is not a formula and stays as is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START) \
            and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [safe_cell(c) for c in row]
