"""/crm/v3/pipelines/deals: deal pipelines and their stages in HubSpot's v3 shape."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from stagecoach.api import unit
from stagecoach.api.auth import principal, require, schema_scope
from stagecoach.api.errors import ApiError
from stagecoach.api.routes.schema_wire import iso
from stagecoach.domain.objects import ObjectType
from stagecoach.services.auth.accounts import Principal
from stagecoach.services.catalog import pipeline_stages, pipelines
from stagecoach.services.catalog.pipeline_input import StageSpec
from stagecoach.services.catalog.pipelines import PipelineSpec, PipelineView, StageView

router = APIRouter(prefix="/crm/v3/pipelines", tags=["pipelines"])


class StageIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: str | None = Field(default=None, max_length=64)
    label: str | None = Field(default=None, max_length=200)
    displayOrder: int | None = Field(default=None, ge=-1_000_000, le=1_000_000)
    metadata: dict[str, Any] | None = None
    archived: bool | None = None

    def spec(self) -> StageSpec:
        return StageSpec(self.id, self.label, self.displayOrder, self.metadata)


class PipelineIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    label: str | None = Field(default=None, max_length=200)
    displayOrder: int | None = Field(default=None, ge=-1_000_000, le=1_000_000)
    stages: list[StageIn] | None = Field(default=None, max_length=100)
    archived: bool | None = None

    def spec(self) -> PipelineSpec:
        return PipelineSpec(self.label, self.displayOrder,
                            None if self.stages is None else [s.spec() for s in self.stages])


def _caller(request: Request, object_type: str, write: bool) -> Principal:
    principal(request)  # 401 before anything about the path
    if ObjectType.parse(object_type) is not ObjectType.DEAL:
        raise ApiError(404, f"Stagecoach has pipelines for deals only, not {object_type}",
                       "OBJECT_NOT_FOUND")
    return require(request, schema_scope(ObjectType.DEAL, write))


def stage_json(s: StageView) -> dict[str, Any]:
    return {
        "id": s.id,
        "label": s.label,
        "displayOrder": s.display_order,
        "metadata": {"isClosed": "true" if s.is_closed else "false",
                     "probability": str(float(s.probability))},
        "createdAt": iso(s.created_at),
        "updatedAt": iso(s.updated_at),
        "archived": False,
        "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
    }


def pipeline_json(p: PipelineView) -> dict[str, Any]:
    return {
        "id": p.id,
        "label": p.label,
        "displayOrder": p.display_order,
        "stages": [stage_json(s) for s in p.stages],
        "createdAt": iso(p.created_at),
        "updatedAt": iso(p.updated_at),
        "archived": False,
    }


@router.get("/{object_type}")
def list_pipelines(request: Request, object_type: str) -> dict[str, Any]:
    p = _caller(request, object_type, False)
    found = unit.run(request, p.account_id, pipelines.list_all, readonly=True)
    return {"results": [pipeline_json(x) for x in found]}


@router.post("/{object_type}", status_code=201)
def create_pipeline(request: Request, object_type: str, body: PipelineIn) -> dict[str, Any]:
    p = _caller(request, object_type, True)
    made = unit.run(request, p.account_id, lambda ctx: pipelines.create(ctx, body.spec()))
    return pipeline_json(made)


@router.get("/{object_type}/{pipeline_id}")
def get_pipeline(request: Request, object_type: str, pipeline_id: str) -> dict[str, Any]:
    p = _caller(request, object_type, False)
    return pipeline_json(unit.run(request, p.account_id,
                                  lambda ctx: pipelines.get(ctx, pipeline_id), readonly=True))


@router.patch("/{object_type}/{pipeline_id}")
def update_pipeline(request: Request, object_type: str, pipeline_id: str, body: PipelineIn
                    ) -> dict[str, Any]:
    p = _caller(request, object_type, True)
    if body.stages is not None:
        raise ApiError(400, "A pipeline's stages change under /stages; PATCH takes label, "
                            "displayOrder and archived")

    def run(ctx):  # type: ignore[no-untyped-def]
        if body.archived:
            # Archiving through PATCH is a delete, under the same checks.
            view = pipelines.get(ctx, pipeline_id)
            pipelines.delete(ctx, pipeline_id)
            return view
        return pipelines.update(ctx, pipeline_id, body.spec())

    out = pipeline_json(unit.run(request, p.account_id, run))
    out["archived"] = bool(body.archived)
    return out


@router.put("/{object_type}/{pipeline_id}")
def replace_pipeline(request: Request, object_type: str, pipeline_id: str, body: PipelineIn
                     ) -> dict[str, Any]:
    p = _caller(request, object_type, True)
    return pipeline_json(unit.run(request, p.account_id,
                                  lambda ctx: pipelines.replace(ctx, pipeline_id, body.spec())))


@router.delete("/{object_type}/{pipeline_id}", status_code=204)
def delete_pipeline(request: Request, object_type: str, pipeline_id: str) -> Response:
    p = _caller(request, object_type, True)
    unit.run(request, p.account_id, lambda ctx: pipelines.delete(ctx, pipeline_id))
    return Response(status_code=204)


@router.get("/{object_type}/{pipeline_id}/stages")
def list_stages(request: Request, object_type: str, pipeline_id: str) -> dict[str, Any]:
    p = _caller(request, object_type, False)
    view = unit.run(request, p.account_id, lambda ctx: pipelines.get(ctx, pipeline_id),
                    readonly=True)
    return {"results": [stage_json(s) for s in view.stages]}


@router.post("/{object_type}/{pipeline_id}/stages", status_code=201)
def create_stage(request: Request, object_type: str, pipeline_id: str, body: StageIn
                 ) -> dict[str, Any]:
    p = _caller(request, object_type, True)
    made = unit.run(request, p.account_id,
                    lambda ctx: pipeline_stages.create(ctx, pipeline_id, body.spec()))
    return stage_json(made)


@router.get("/{object_type}/{pipeline_id}/stages/{stage_id}")
def get_stage(request: Request, object_type: str, pipeline_id: str, stage_id: str
              ) -> dict[str, Any]:
    p = _caller(request, object_type, False)
    return stage_json(unit.run(
        request, p.account_id, lambda ctx: pipelines.get_stage(ctx, pipeline_id, stage_id),
        readonly=True))


@router.patch("/{object_type}/{pipeline_id}/stages/{stage_id}")
def update_stage(request: Request, object_type: str, pipeline_id: str, stage_id: str,
                 body: StageIn) -> dict[str, Any]:
    p = _caller(request, object_type, True)
    if body.id is not None and body.id != stage_id:
        raise ApiError(400, "A stage's id cannot be changed")

    def run(ctx):  # type: ignore[no-untyped-def]
        if body.archived:
            view = pipelines.get_stage(ctx, pipeline_id, stage_id)
            pipeline_stages.delete(ctx, pipeline_id, stage_id)
            return view
        return pipeline_stages.update(ctx, pipeline_id, stage_id, body.spec())

    out = stage_json(unit.run(request, p.account_id, run))
    out["archived"] = bool(body.archived)
    return out


@router.put("/{object_type}/{pipeline_id}/stages/{stage_id}")
def replace_stage(request: Request, object_type: str, pipeline_id: str, stage_id: str,
                  body: StageIn) -> dict[str, Any]:
    p = _caller(request, object_type, True)
    return stage_json(unit.run(
        request, p.account_id,
        lambda ctx: pipeline_stages.replace(ctx, pipeline_id, stage_id, body.spec())))


@router.delete("/{object_type}/{pipeline_id}/stages/{stage_id}", status_code=204)
def delete_stage(request: Request, object_type: str, pipeline_id: str, stage_id: str
                 ) -> Response:
    p = _caller(request, object_type, True)
    unit.run(request, p.account_id,
             lambda ctx: pipeline_stages.delete(ctx, pipeline_id, stage_id))
    return Response(status_code=204)
