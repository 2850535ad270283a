"""Form definitions and their submissions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, or_, select, update

from stagecoach.domain.forms import FormDef, FormField, FormKind
from stagecoach.store.core import ids
from stagecoach.store.schema import form_submissions, forms

F = forms.c
S = form_submissions.c


@dataclass(frozen=True)
class StoredForm:
    form: FormDef
    created_at: int
    updated_at: int


def _row_to_form(row: Any) -> StoredForm:
    return StoredForm(
        FormDef(row.id, row.name, FormKind(row.kind),
                tuple(FormField(f["name"], f["label"], bool(f["required"])) for f in row.fields),
                row.contact_stage, row.company_stage),
        row.created_at, row.updated_at)


def _fields_json(form: FormDef) -> list[dict[str, Any]]:
    return [{"name": f.name, "label": f.label, "required": f.required} for f in form.fields]


def insert_form(conn: Connection, account_id: int, form: FormDef, now: int) -> None:
    conn.execute(insert(forms).values(
        account_id=account_id, id=form.id, name=form.name, kind=form.kind.value,
        fields=_fields_json(form), contact_stage=form.contact_stage,
        company_stage=form.company_stage, created_at=now, updated_at=now))


def update_form(conn: Connection, account_id: int, form: FormDef, now: int) -> None:
    conn.execute(update(forms).where(F.account_id == account_id, F.id == form.id).values(
        name=form.name, kind=form.kind.value, fields=_fields_json(form),
        contact_stage=form.contact_stage, company_stage=form.company_stage, updated_at=now))


def get(conn: Connection, account_id: int, form_id: str, *, lock: bool = False
        ) -> StoredForm | None:
    q = select(forms).where(F.account_id == account_id, F.id == form_id)
    if lock and conn.dialect.name == "postgresql":
        q = q.with_for_update()
    row = conn.execute(q).first()
    return _row_to_form(row) if row else None


def list_forms(conn: Connection, account_id: int) -> list[StoredForm]:
    rows = conn.execute(select(forms).where(F.account_id == account_id)
                        .order_by(F.created_at, F.id))
    return [_row_to_form(r) for r in rows]


def delete_form(conn: Connection, account_id: int, form_id: str) -> bool:
    return conn.execute(delete(forms).where(F.account_id == account_id, F.id == form_id)
                        ).rowcount > 0


def forms_referring_to_stage(conn: Connection, account_id: int, value: str) -> list[str]:
    """Names of the forms whose default stage is `value` (rule 39 refuses deleting it)."""
    rows = conn.execute(
        select(F.id, F.name).where(F.account_id == account_id,
                                   or_(F.contact_stage == value, F.company_stage == value))
        .order_by(F.name))
    return [f"form {r.name!r} ({r.id})" for r in rows]


def insert_submission(
    conn: Connection, account_id: int, form_id: str, submitted_at: int, page_uri: str | None,
    page_name: str | None, values: Mapping[str, str], contact_id: int | None, op_id: int,
) -> int:
    sid = ids.take_one(conn, account_id, "form_submission")
    conn.execute(insert(form_submissions).values(
        account_id=account_id, form_id=form_id, id=sid, submitted_at=submitted_at,
        page_uri=page_uri, page_name=page_name, values=dict(values), contact_id=contact_id,
        op_id=op_id))
    return sid


def submissions(conn: Connection, account_id: int, form_id: str) -> list[Any]:
    return list(conn.execute(select(form_submissions).where(
        S.account_id == account_id, S.form_id == form_id).order_by(S.id)))
