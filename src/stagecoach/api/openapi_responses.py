"""What every operation of `/openapi.json` answers: the success bodies and the errors in
HubSpot's shape (api spec sections 1, 2, 9), in place of FastAPI's 422 `HTTPValidationError`,
which this API never sends (validation errors are 400, api/errors.py).

The routes parse their own input, so FastAPI cannot infer their responses; this module
describes them once, by path, and the schemathesis test holds the server to it."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from stagecoach.domain.objects import ObjectType
from stagecoach.domain.reports import ReportKind

REF = "#/components/schemas/"


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": REF + name}


def _obj(required: list[str], props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": props}


def _list_of(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": item}


_STR = {"type": "string"}
_INT = {"type": "integer"}
_BOOL = {"type": "boolean"}
_TIME = {"type": "string", "format": "date-time"}
_OPT_TIME = {"type": ["string", "null"], "format": "date-time"}
_NUMERIC_ID = {"type": "string", "pattern": "^[0-9]+$"}
_NULLABLE_STR = {"type": ["string", "null"]}
_RATIO = {"type": ["number", "null"]}
_PAGING = _obj(["next"], {"next": _obj(["after"], {"after": _STR, "link": _STR})})
_RESULTS = {"type": "array"}

SCHEMAS: dict[str, dict[str, Any]] = {
    "Error": _obj(["status", "message", "correlationId", "category"], {
        "status": {"const": "error"},
        "message": _STR,
        "correlationId": {"type": "string", "format": "uuid"},
        "category": _STR,
        "errors": _list_of(_obj(["message"], {
            "message": _STR, "code": _STR,
            "context": {"type": "object",
                        "additionalProperties": {"type": "array"}}})),
    }),
    "BatchError": _obj(["status", "category", "message", "context"], {
        "status": {"const": "error"}, "category": _STR, "message": _STR,
        "context": {"type": "object", "additionalProperties": _list_of(_STR)},
        "id": _NULLABLE_STR, "links": {"type": "object"},
        "errors": _list_of(_obj(["message"], {"message": _STR, "code": _STR})),
    }),
    "HistoryEntry": _obj(["value", "timestamp", "sourceType"], {
        "value": _NULLABLE_STR, "timestamp": _TIME, "sourceType": _STR,
        "sourceId": _NULLABLE_STR, "sourceLabel": _NULLABLE_STR,
        "updatedByUserId": {"type": ["integer", "null"]}}),
    "Record": _obj(["id", "properties", "createdAt", "updatedAt", "archived"], {
        "id": _NUMERIC_ID,
        "properties": {"type": "object", "additionalProperties": _NULLABLE_STR},
        "propertiesWithHistory": {"type": "object",
                                  "additionalProperties": _list_of(_ref("HistoryEntry"))},
        "associations": {"type": "object", "additionalProperties": _obj(["results"], {
            "results": _list_of(_obj(["id", "type"], {"id": _STR, "type": _STR})),
            "paging": _PAGING})},
        "createdAt": _TIME, "updatedAt": _TIME, "archived": _BOOL, "archivedAt": _TIME,
        "new": _BOOL,
    }),
    "RecordPage": _obj(["results"], {"results": _list_of(_ref("Record")),
                                     "paging": _PAGING}),
    "SearchPage": _obj(["total", "results"], {"total": _INT,
                                              "results": _list_of(_ref("Record")),
                                              "paging": _PAGING}),
    "BatchResult": _obj(["status", "results", "startedAt", "completedAt"], {
        "status": {"const": "COMPLETE"}, "results": _RESULTS, "startedAt": _TIME,
        "completedAt": _TIME, "requestedAt": _TIME,
        "errors": _list_of(_ref("BatchError")), "numErrors": _INT}),
    "AssociationPage": _obj(["results"], {
        "results": _list_of(_obj(["toObjectId", "associationTypes"], {
            "toObjectId": _INT,
            "associationTypes": _list_of(_obj(["category", "typeId"], {
                "category": _STR, "typeId": _INT, "label": _NULLABLE_STR}))})),
        "paging": _PAGING}),
    "AssociationLabels": _obj(["fromObjectTypeId", "fromObjectId", "toObjectTypeId",
                               "toObjectId", "labels"], {
        "fromObjectTypeId": _STR, "fromObjectId": _INT, "toObjectTypeId": _STR,
        "toObjectId": _INT, "labels": _list_of(_STR)}),
    "AssociationTypes": _obj(["results"], {"results": _list_of(_obj(
        ["category", "typeId"], {"category": _STR, "typeId": _INT,
                                 "label": _NULLABLE_STR}))}),
    "Property": _obj(["name", "label", "type", "fieldType"], {
        "name": _STR, "label": _STR, "type": _STR, "fieldType": _STR,
        "groupName": _STR, "options": _list_of({"type": "object"}),
        "archived": _BOOL}),
    "Properties": _obj(["results"], {"results": _list_of(_ref("Property"))}),
    "PipelineStage": _obj(["id", "label", "displayOrder", "metadata", "archived"], {
        "id": _STR, "label": _STR, "displayOrder": _INT,
        "metadata": _obj(["isClosed", "probability"], {"isClosed": _STR,
                                                       "probability": _STR}),
        "createdAt": _OPT_TIME, "updatedAt": _OPT_TIME, "archived": _BOOL}),
    "PipelineStages": _obj(["results"], {"results": _list_of(_ref("PipelineStage"))}),
    "Pipeline": _obj(["id", "label", "displayOrder", "stages", "archived"], {
        "id": _STR, "label": _STR, "displayOrder": _INT,
        "stages": _list_of(_ref("PipelineStage")),
        "createdAt": _OPT_TIME, "updatedAt": _OPT_TIME, "archived": _BOOL}),
    "Pipelines": _obj(["results"], {"results": _list_of(_ref("Pipeline"))}),
    "Settings": _obj(["createDefault", "dealCreated", "dealWon", "syncWithPrimaryCompany",
                      "autoAssociateCompaniesByDomain", "apiBackwardWrites",
                      "pipelineStageRules"], {
        "syncWithPrimaryCompany": _BOOL, "autoAssociateCompaniesByDomain": _BOOL,
        "apiBackwardWrites": _STR, "pipelineStageRules": _RESULTS}),
    "LifecycleStage": _obj(["value", "label", "position"], {
        "value": _STR, "label": _STR, "position": _INT,
        "recordCounts": {"type": "object", "additionalProperties": _INT}}),
    "LifecycleStages": _obj(["results"], {"results": _list_of(_ref("LifecycleStage"))}),
    "StageDeleted": _obj(["value", "moved"], {"value": _STR, "replacement": _NULLABLE_STR,
                                              "moved": {"type": "object"}}),
    "FunnelRecords": _obj(["stage", "total", "results"], {
        "stage": _STR, "total": _INT, "results": _list_of(_obj(["id"], {"id": _STR})),
        "paging": _obj(["next"], {"next": _obj(["after"], {"after": _STR})})}),
    "Report": {"oneOf": [
        _obj(["mode", "objectType", "steps"], {
            "mode": _STR, "objectType": _STR, "steps": _list_of(_obj(
                ["stage", "count", "nextStepConversion", "cumulativeConversion"], {
                    "stage": _STR, "count": _INT, "nextStepConversion": _RATIO,
                    "cumulativeConversion": _RATIO})),
            "breakdown": _RESULTS}),
        _obj(["objectType", "stages"], {"objectType": _STR, "stages": _RESULTS,
                                        "breakdown": _RESULTS}),
        _obj(["interval", "objectType", "series"], {
            "interval": _STR, "objectType": _STR, "series": _RESULTS,
            "breakdown": _RESULTS}),
    ]},
    "Form": _obj(["id", "name", "kind", "fields"], {
        "id": _STR, "name": _STR, "kind": {"enum": ["subscription", "lead"]},
        "fields": _list_of(_obj(["name"], {"name": _STR, "label": _STR,
                                           "required": _BOOL}))}),
    "Forms": _obj(["results"], {"results": _list_of(_ref("Form"))}),
    "FormSubmitted": _obj(["inlineMessage"], {"inlineMessage": _STR}),
    "TrackedContact": _obj(["id", "created"], {"id": _NUMERIC_ID, "created": _BOOL}),
    "Import": _obj(["id", "state"], {"id": _STR, "state": _STR}),
    "Imports": _obj(["results"], {"results": _list_of(_ref("Import"))}),
    "ImportErrors": _obj(["results"], {"results": _RESULTS}),
    "Demoted": _obj(["objectType", "id", "from", "to", "reason"], {
        "objectType": _STR, "id": _NUMERIC_ID, "from": _NULLABLE_STR, "to": _STR,
        "reason": _STR}),
    "Explanation": _obj(["objectType", "id", "stage", "chain", "blockedWrites"], {
        "objectType": _STR, "id": _NUMERIC_ID, "stage": _NULLABLE_STR, "chain": _RESULTS,
        "blockedWrites": _RESULTS}),
    "Timeline": _obj(["objectType", "id", "property", "stage", "changes", "stays"], {
        "objectType": _STR, "id": _NUMERIC_ID, "property": _STR, "stage": _NULLABLE_STR,
        "changes": _RESULTS, "stays": _RESULTS,
        "asOf": _obj(["timestamp", "existed", "stage"], {
            "timestamp": _TIME, "existed": _BOOL, "stage": _NULLABLE_STR})}),
    "Preview": _obj(["total", "results"], {"total": _INT, "results": _list_of(_obj(
        ["objectType", "id", "from", "to"], {"objectType": _STR, "id": _STR,
                                             "from": _NULLABLE_STR, "to": _NULLABLE_STR}))}),
    "Job": _obj(["id", "state"], {"id": _STR, "state": _STR, "processed": _INT,
                                  "total": {"type": ["integer", "null"]}}),
    "Health": {"type": "object"},
}

# Success bodies by (method, path pattern): the first match wins.
_SUCCESS: list[tuple[str, str, str | None]] = [
    ("GET", r"^/health$", "Health"),
    ("POST", r"^/crm/v3/objects/[^/]+/search$", "SearchPage"),
    ("POST", r"^/crm/v3/objects/[^/]+/batch/archive$", None),
    ("POST", r"^/crm/v3/objects/[^/]+/batch/", "BatchResult"),
    ("GET", r"^/crm/v3/objects/\{[^/]+\}$", "RecordPage"),
    ("*", r"^/crm/v3/objects/", "Record"),
    ("PUT", r"^/crm/v4/objects/.*/associations/default/", "BatchResult"),
    ("PUT", r"^/crm/v4/objects/", "AssociationLabels"),
    ("GET", r"^/crm/v4/objects/", "AssociationPage"),
    ("GET", r"^/crm/v4/associations/.*/labels$", "AssociationTypes"),
    ("POST", r"^/crm/v4/associations/.*/batch/", "BatchResult"),
    ("GET", r"^/crm/v3/properties/\{object_type\}$", "Properties"),
    ("*", r"^/crm/v3/properties/", "Property"),
    ("GET", r"^/crm/v3/pipelines/\{object_type\}$", "Pipelines"),
    ("GET", r"^/crm/v3/pipelines/.*/stages$", "PipelineStages"),
    ("*", r"^/crm/v3/pipelines/.*/stages", "PipelineStage"),
    ("*", r"^/crm/v3/pipelines/", "Pipeline"),
    ("*", r"^/lifecycle/v1/settings$", "Settings"),
    ("POST", r"^/lifecycle/v1/settings/preview$", "Preview"),
    ("POST", r"^/lifecycle/v1/settings/apply$", "Job"),
    ("GET", r"^/lifecycle/v1/jobs/", "Job"),
    ("GET", r"^/lifecycle/v1/stages$", "LifecycleStages"),
    ("DELETE", r"^/lifecycle/v1/stages/", "StageDeleted"),
    ("*", r"^/lifecycle/v1/stages", "LifecycleStage"),
    ("*", r"^/lifecycle/v1/reports/funnel/records$", "FunnelRecords"),
    ("*", r"^/lifecycle/v1/reports/", "Report"),
    ("GET", r"^/lifecycle/v1/forms$", "Forms"),
    ("*", r"^/lifecycle/v1/forms", "Form"),
    ("POST", r"^/submissions/", "FormSubmitted"),
    ("POST", r"^/lifecycle/v1/events/", "TrackedContact"),
    ("GET", r"^/crm/v3/imports/?$", "Imports"),
    ("GET", r"^/crm/v3/imports/.*/errors$", "ImportErrors"),
    ("*", r"^/crm/v3/imports", "Import"),
    ("POST", r"^/lifecycle/v1/.*/demote$", "Demoted"),
    ("GET", r"^/lifecycle/v1/.*/explain$", "Explanation"),
    ("GET", r"^/lifecycle/v1/.*/timeline$", "Timeline"),
]

_RATE_HEADERS = {
    "X-HubSpot-RateLimit-Interval-Milliseconds": "The length of the rate-limit window.",
    "X-HubSpot-RateLimit-Max": "Requests allowed per token in the window.",
    "X-HubSpot-RateLimit-Remaining": "Requests left in the current window.",
    "X-HubSpot-RateLimit-Daily": "Requests allowed per account per day (when configured).",
    "X-HubSpot-RateLimit-Daily-Remaining": "Requests left today (when configured).",
}
_OBJECT_TYPE_PARAMS = ("object_type", "ft", "tt")
_PUBLIC = (r"^/health$", r"^/submissions/")
_CSV_REPORTS = r"^/lifecycle/v1/reports/\{kind\}$"


def _success_schema(method: str, path: str) -> str | None:
    for m, pattern, name in _SUCCESS:
        if m in ("*", method) and re.search(pattern, path):
            return name
    return None


def _error(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"description": description, "content": {
        "application/json": {"schema": _ref("Error")}}}
    if headers:
        out["headers"] = headers
    return out


def _error_statuses(method: str, path: str, op: dict[str, Any]) -> dict[str, str]:
    public = any(re.search(p, path) for p in _PUBLIC)
    out: dict[str, str] = {}
    if path == "/health":
        return out
    out["400"] = "Invalid input (VALIDATION_ERROR)."
    if not public:
        out["401"] = "Missing or unknown token (INVALID_AUTHENTICATION)."
        out["403"] = "The token lacks a scope (MISSING_SCOPES)."
    if "{" in path:
        out["404"] = "No such object type, record or definition (OBJECT_NOT_FOUND)."
    if method != "GET":
        out["409"] = "A conflict with existing data or a concurrent request (CONFLICT)."
    if "requestBody" in op or method in ("POST", "PUT", "PATCH"):
        out["413"] = "The request body is too large (PAYLOAD_TOO_LARGE)."
    if not public:
        out["429"] = "Rate limit reached (RATE_LIMITS); see Retry-After."
    return out


def _object_type_names() -> list[str]:
    return [n for ot in ObjectType for n in (ot.plural, ot.singular, ot.type_id)]


def describe(doc: dict[str, Any]) -> dict[str, Any]:
    """The document FastAPI builds, with the real responses of every operation."""
    components = doc.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    components.update(SCHEMAS)
    rate_headers = {k: {"description": v, "schema": {"type": "integer"}}
                    for k, v in _RATE_HEADERS.items()}
    for path, ops in doc.get("paths", {}).items():
        for method_lower, op in ops.items():
            method = method_lower.upper()
            for param in op.get("parameters", ()):
                if param.get("in") != "path":
                    continue
                # Other names are answered 404 like any unknown path.
                if param["name"] in _OBJECT_TYPE_PARAMS:
                    deals_only = path.startswith("/crm/v3/pipelines/")
                    param["schema"] = {"type": "string", "enum": [
                        n for n in _object_type_names()
                        if not deals_only or ObjectType.parse(n) is ObjectType.DEAL]}
                elif param["name"] == "kind":
                    param["schema"] = {"type": "string", "enum": [k.value for k in ReportKind]}
            responses: dict[str, Any] = op.setdefault("responses", {})
            responses.pop("422", None)
            name = _success_schema(method, path)
            for status, resp in responses.items():
                if not status.startswith("2"):
                    continue
                if status == "204":
                    resp.pop("content", None)
                    continue
                schema = _ref(name) if name is not None else {"type": "object"}
                content: dict[str, Any] = {"application/json": {"schema": schema}}
                if re.search(_CSV_REPORTS, path):
                    content["text/csv"] = {"schema": {"type": "string"}}
                resp["content"] = content
                if path != "/health" and not any(re.search(p, path) for p in _PUBLIC):
                    resp["headers"] = rate_headers
            for status, text in _error_statuses(method, path, op).items():
                headers = None
                if status == "429":
                    headers = {"Retry-After": {"required": True, "schema": {
                        "type": "integer"}, "description": "Seconds until the window ends."},
                        **rate_headers}
                responses.setdefault(status, _error(text, headers))
    return doc


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = describe(get_openapi(
                title=app.title, version=app.version, routes=app.routes,
                description=app.description))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
