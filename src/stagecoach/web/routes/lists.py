"""`/contacts` and `/companies`: stage chips with counts, search, sort, paging, saved
views and creating a record."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from stagecoach.domain.errors import DomainError
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.values import is_decimal
from stagecoach.services.core.context import Ctx
from stagecoach.services.records import records
from stagecoach.services.records.records import NewRecord
from stagecoach.store.records import listing, saved_views
from stagecoach.store.records.listing import NO_STAGE, ListQuery
from stagecoach.web import columns, pages
from stagecoach.web import session as sessions
from stagecoach.web.common import flash_redirect, page_type, posted, run, text, ui_source
from stagecoach.web.routing import WebError, WebRoute

router = APIRouter(route_class=WebRoute)
PER_PAGE_CHOICES = (25, 50, 100)


@dataclass(frozen=True)
class ListState:
    """What the address of an index page says: filter, columns, sort, page."""

    stages: tuple[str, ...]
    q: str
    lead_status: str
    sort: str
    page: int
    per_page: int
    columns: tuple[str, ...]
    view: int | None
    custom_columns: bool = False  # columns chosen in the address rather than by default

    def url(self, base: str, **changes: Any) -> str:
        data = {**self.__dict__, **changes}
        params: list[tuple[str, str]] = [("stage", s) for s in data["stages"]]
        for key in ("q", "lead_status"):
            if data[key]:
                params.append((key, data[key]))
        if data["sort"] != "-createdate":
            params.append(("sort", data["sort"]))
        if data["page"] > 1:
            params.append(("page", str(data["page"])))
        if data["per_page"] != PER_PAGE_CHOICES[0]:
            params.append(("per_page", str(data["per_page"])))
        if data["view"] is not None:
            params.append(("view", str(data["view"])))
        if data["custom_columns"] and data["view"] is None:
            params += [("col", c) for c in data["columns"]]
        return base + ("?" + urlencode(params) if params else "")

    def toggled_stage(self, stage: str) -> tuple[str, ...]:
        return tuple(s for s in self.stages if s != stage) if stage in self.stages else (
            *self.stages, stage)


def _int(value: str | None, default: int, low: int, high: int) -> int:
    try:
        return max(low, min(high, int(value or default)))
    except ValueError:
        return default


def _state(request: Request, ot: ObjectType, view: saved_views.SavedView | None) -> ListState:
    """The page's state: what the address says, over the saved view's values when a view
    is open (so sorting or paging inside a view keeps its filter)."""
    qp = request.query_params
    per_page = _int(qp.get("per_page"), PER_PAGE_CHOICES[0], 1, listing.MAX_PER_PAGE)
    page = _int(qp.get("page"), 1, 1, 1_000_000)
    stages = (tuple(dict.fromkeys(qp.getlist("stage"))) if "stage" in qp or view is None
              else view.stages)
    q = qp.get("q", view.query if view else "")[:200].strip()
    lead_status = qp.get("lead_status", (view.lead_status or "") if view else "")[:64]
    sort = qp.get("sort", view.sort if view else "-createdate")
    if sort.lstrip("-") not in set(columns.keys(ot)):
        sort = "-createdate"
    if qp.getlist("col"):
        cols = columns.clean(ot, qp.getlist("col"))
    else:
        cols = columns.clean(ot, list(view.columns)) if view else columns.DEFAULT[ot]
    return ListState(stages, q, lead_status, sort, page, per_page, cols,
                     view.id if view else None, bool(qp.getlist("col")))


def _kind(request: Request) -> str:
    return request.url.path.split("/")[1]


@router.get("/contacts")
@router.get("/companies")
def index(request: Request) -> Response:
    kind = _kind(request)
    ot = page_type(kind)
    session = sessions.require(request)
    view_param = request.query_params.get("view", "")

    def load(ctx: Ctx) -> dict[str, Any]:
        view = None
        if is_decimal(view_param) and len(view_param) < 19:
            view = saved_views.get(ctx.conn, ctx.account_id, int(view_param))
            if view is None or view.object_type is not ot or (
                    view.owner_user_id not in (None, session.user.user_id)):
                raise WebError(404, "This saved view does not exist")
        state = _state(request, ot, view)
        query = ListQuery(ot, state.stages, state.q, state.lead_status or None, state.sort,
                          state.sort.lstrip("-") in columns.NUMBERS, state.page,
                          state.per_page)
        page = listing.list_page(ctx.conn, ctx.account_id, query, ctx.catalog.stages)
        lead_def = ctx.catalog.definition(ot, "hs_lead_status")
        return {
            "state": state, "page": page, "view": view,
            "views": saved_views.visible_to(ctx.conn, ctx.account_id, ot, session.user.user_id),
            "stages": list(ctx.catalog.stages),
            "lead_statuses": [(o.value, o.label) for o in lead_def.options] if lead_def else [],
        }

    data = run(request, session, load, readonly=True)
    state, page = data["state"], data["page"]
    pages_total = max(1, -(-page.total // state.per_page))
    return pages.render(request, "list.html", {
        **data, "kind": kind, "ot": ot, "base": f"/{kind}", "pages_total": pages_total,
        "columns": [(c, columns.label(ot, c)) for c in state.columns],
        "all_columns": columns.AVAILABLE[ot], "NO_STAGE": NO_STAGE,
        "display_name": lambda r: columns.display_name(ot, r.values, r.id),
        "stage_label": {s.value: s.label for s in data["stages"]},
        "lead_label": dict(data["lead_statuses"]), "DATES": columns.DATES,
        "per_page_choices": PER_PAGE_CHOICES,
    }, session, section=kind)


@router.post("/contacts")
@router.post("/companies")
async def create(request: Request) -> Response:
    kind = _kind(request)
    ot = page_type(kind)
    session, form = await posted(request)
    fields = (("firstname", "lastname", "email") if ot is ObjectType.CONTACT
              else ("name", "domain"))
    props: dict[str, str | None] = {f: text(form, f, 254) for f in fields if text(form, f)}
    stage = text(form, "lifecyclestage", 64)
    if stage:
        props["lifecyclestage"] = stage  # a stage chosen in the form wins (rule 18)
    if not props:
        return flash_redirect(request, session, f"/{kind}", "error",
                              f"Give the new {ot.singular} at least one property.")

    def make(ctx: Ctx) -> tuple[int | None, DomainError | None]:
        # CRM_UI: with the create-default setting off, the first stage (rule 18a).
        result = records.create(ctx, ot, [NewRecord(props)], ui_source(session))[0]
        return result.record_id, result.error

    record_id, error = run(request, session, make)
    if error is not None or record_id is None:
        return flash_redirect(request, session, f"/{kind}", "error",
                              error.message if error else "The record was not created.")
    return flash_redirect(request, session, f"/{kind}/{record_id}", "ok",
                          f"{ot.singular.capitalize()} created.")


@router.post("/contacts/views")
@router.post("/companies/views")
async def save_view(request: Request) -> Response:
    kind = _kind(request)
    ot = page_type(kind)
    session, form = await posted(request)
    name = text(form, "name", 100)
    if not name:
        return flash_redirect(request, session, f"/{kind}", "error", "A view needs a name.")
    shared = form.get("shared") == "on"
    stages = [str(s)[:64] for s in form.getlist("stage")]
    cols = columns.clean(ot, [str(c) for c in form.getlist("col")])
    sort = text(form, "sort", 120) or "-createdate"
    if sort.lstrip("-") not in columns.keys(ot):
        sort = "-createdate"

    def save(ctx: Ctx) -> int:
        unknown = [s for s in stages if s != NO_STAGE and s not in ctx.catalog.stages]
        if unknown:
            raise WebError(400, "Unknown lifecycle stage", ", ".join(unknown))
        return saved_views.insert(ctx.conn, ctx.account_id, ot, name,
                                  None if shared else session.user.user_id, stages,
                                  text(form, "q", 200), text(form, "lead_status", 64) or None,
                                  cols, sort, ctx.now)

    view_id = run(request, session, save)
    return flash_redirect(request, session, f"/{kind}?view={view_id}", "ok",
                          f"View “{name}” saved{' and shared with the account' if shared else ''}.")


@router.post("/contacts/views/{view_id}/delete")
@router.post("/companies/views/{view_id}/delete")
async def delete_view(request: Request, view_id: int) -> Response:
    kind = _kind(request)
    ot = page_type(kind)
    session, _ = await posted(request)

    def remove(ctx: Ctx) -> str:
        view = saved_views.get(ctx.conn, ctx.account_id, view_id)
        if view is None or view.object_type is not ot:
            raise WebError(404, "This saved view does not exist")
        mine = view.owner_user_id == session.user.user_id
        if not (mine or (view.shared and session.is_admin)):
            raise WebError(403, "Not yours to delete",
                           "Only its owner, or an admin for a shared view, can delete it.")
        saved_views.remove(ctx.conn, ctx.account_id, view_id)
        return view.name

    name = run(request, session, remove)
    return flash_redirect(request, session, f"/{kind}", "ok", f"View “{name}” deleted.")
