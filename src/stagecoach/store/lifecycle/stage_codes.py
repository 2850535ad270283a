"""One-character codes of an account's lifecycle stage values, for `stage_paths`.

A code is handed out once per value and never reused, so paths written before a stage was
deleted or renamed still read the same. Codes avoid every pattern metacharacter of GLOB
(`*?[]`) and LIKE (`%_\\`) so a path can be matched by a pattern built from codes.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, select

from stagecoach.store.schema import stage_codes

C = stage_codes.c
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def code_for(n: int) -> str:
    """The n-th code: alphanumerics first, then letters beyond ASCII (one character
    each, never a metacharacter)."""
    return _ALPHABET[n] if n < len(_ALPHABET) else chr(0x100 + n)


def load(conn: Connection, account_id: int) -> dict[str, str]:
    return {r.stage: r.code for r in conn.execute(
        select(C.stage, C.code).where(C.account_id == account_id))}


def ensure(conn: Connection, account_id: int, values: Iterable[str]) -> None:
    """Give every value without a code the next free one."""
    have = load(conn, account_id)
    new = [v for v in dict.fromkeys(values) if v not in have]
    if new:
        n = len(have)
        conn.execute(stage_codes.insert(), [
            {"account_id": account_id, "stage": v, "code": code_for(n + i)}
            for i, v in enumerate(new)])
