"""Finding records by the identifier a request names: the record id, or a unique property
(`idProperty`: a contact's email, a company's domain)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from sqlalchemy import func, select

from stagecoach.domain import normalize
from stagecoach.domain.errors import ValidationError
from stagecoach.domain.objects import ObjectType
from stagecoach.services.core.context import Ctx
from stagecoach.store.records.records import account_scope
from stagecoach.store.schema import records

R = records.c
ID_PROPERTIES = {
    ObjectType.CONTACT: ("hs_object_id", "email"),
    ObjectType.COMPANY: ("hs_object_id", "domain"),
    ObjectType.DEAL: ("hs_object_id",),
}


_ID_RE = re.compile(r"^[0-9]{1,18}$")


def numeric_id(raw: object) -> int | None:
    """A record id from its wire form (ASCII digits only), or None."""
    text = str(raw).strip()
    return int(text) if _ID_RE.match(text) else None


def check_id_property(ot: ObjectType, id_property: str | None) -> str:
    name = (id_property or "hs_object_id").strip() or "hs_object_id"
    if name not in ID_PROPERTIES[ot]:
        raise ValidationError(
            f"idProperty {name!r} cannot identify {ot.plural}; use one of "
            + ", ".join(ID_PROPERTIES[ot]),
            code="INVALID_ID_PROPERTY", idProperty=name)
    return name


def key_of(id_property: str, raw: str) -> str:
    """The canonical form a value is stored and matched in."""
    text = str(raw).strip()
    if id_property == "email":
        return text.lower()
    if id_property == "domain":
        try:
            return normalize.domain(text)
        except ValidationError:
            return text.lower()
    return text


def resolve(ctx: Ctx, ot: ObjectType, id_property: str, raws: Sequence[str]
            ) -> dict[str, int]:
    """Raw identifier -> id of the live record it names (the oldest when a domain is
    shared), for those that name one."""
    if id_property == "hs_object_id":
        numbers = {r: numeric_id(r) for r in raws}
        wanted = {r: n for r, n in numbers.items() if n is not None}
        live = set(ctx.conn.execute(
            select(R.id).where(account_scope(ctx.account_id, ot), R.archived.is_(False),
                               R.id.in_(sorted(set(wanted.values())))
                               )).scalars()) if wanted else set()
        return {r: i for r, i in wanted.items() if i in live}
    keys = {r: key_of(id_property, r) for r in raws}
    if not keys:
        return {}
    col = R[id_property]
    found = dict(ctx.conn.execute(
        select(col, func.min(R.id)).where(account_scope(ctx.account_id, ot),
                                          R.archived.is_(False),
                                          col.in_(sorted(set(keys.values()))))
        .group_by(col)).all())
    return {r: int(found[k]) for r, k in keys.items() if k in found}


def merged_into(ctx: Ctx, ot: ObjectType, ids: Iterable[int]) -> dict[int, int]:
    """For merged-away records: id -> the surviving record (a merge repoints earlier
    merges at the new survivor, so there are no chains to follow)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = ctx.conn.execute(
        select(R.id, R.merged_into).where(account_scope(ctx.account_id, ot),
                                          R.id.in_(wanted), R.merged_into.is_not(None)))
    return {r.id: r.merged_into for r in rows}
