"""Forms (lifecycle spec rule 33, api spec section 7): definitions and what a submission
writes. Pure."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from stagecoach.domain.errors import ValidationError
from stagecoach.domain.stages import StageSet

MAX_NAME = 200
MAX_FIELDS = 100
MAX_VALUE = 10_000
STAGE_FIELD = "lifecyclestage"
_FIELD_NAME_RE = re.compile(r"^[a-z0-9_]{1,100}$")


class FormKind(StrEnum):
    SUBSCRIPTION = "subscription"
    LEAD = "lead"

    @property
    def stage(self) -> str:
        """The stage the kind implies (rules 28-29)."""
        return "subscriber" if self is FormKind.SUBSCRIPTION else "lead"


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    required: bool


@dataclass(frozen=True)
class FormDef:
    id: str
    name: str
    kind: FormKind
    fields: tuple[FormField, ...]
    contact_stage: str | None = None
    company_stage: str | None = None

    def field(self, name: str) -> FormField | None:
        return next((f for f in self.fields if f.name == name), None)


def _invalid(message: str, **context: Any) -> ValidationError:
    return ValidationError(message, code="INVALID_FORM", **context)


def parse_definition(
    body: Mapping[str, Any], stages: StageSet, *, form_id: str, base: FormDef | None = None
) -> FormDef:
    """A form from its wire shape; with `base`, the keys given replace the base's (PATCH)."""
    if not isinstance(body, Mapping):
        raise _invalid("A form is a JSON object")
    unknown = set(body) - {"id", "name", "kind", "fields", "lifecycleStages"}
    if unknown:
        raise _invalid(f"Unknown keys: {', '.join(sorted(unknown))}")
    name = body.get("name", base.name if base else None)
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        raise _invalid(f"name is required: 1 to {MAX_NAME} characters")
    kind_raw = body.get("kind", base.kind.value if base else None)
    try:
        kind = FormKind(kind_raw)
    except ValueError:
        raise _invalid("kind is one of subscription, lead", kind=str(kind_raw)) from None
    fields = _fields(body["fields"]) if "fields" in body else (base.fields if base else ())
    contact_stage, company_stage = (
        _stages(body["lifecycleStages"], stages) if "lifecycleStages" in body
        else ((base.contact_stage, base.company_stage) if base else (None, None))
    )
    return FormDef(form_id, name.strip(), kind, fields, contact_stage, company_stage)


def _fields(raw: Any) -> tuple[FormField, ...]:
    if not isinstance(raw, list) or len(raw) > MAX_FIELDS:
        raise _invalid(f"fields is a list of at most {MAX_FIELDS} fields")
    out: list[FormField] = []
    for f in raw:
        if not isinstance(f, Mapping):
            raise _invalid("Each field is an object {name, label, required}")
        name, label, required = f.get("name"), f.get("label", f.get("name")), f.get("required",
                                                                                    False)
        if not isinstance(name, str) or not _FIELD_NAME_RE.match(name):
            raise _invalid("A field name is a property name (a-z, 0-9, _)", name=str(name))
        if not isinstance(label, str) or len(label) > MAX_NAME:
            raise _invalid(f"A field label is a string of at most {MAX_NAME} characters")
        if not isinstance(required, bool):
            raise _invalid("A field's required is true or false", name=name)
        if any(o.name == name for o in out):
            raise _invalid(f"Field {name!r} is listed twice", name=name)
        out.append(FormField(name, label, required))
    if not any(f.name == "email" for f in out):
        raise _invalid("A form needs an email field: submissions are matched by email")
    return tuple(out)


def _stages(raw: Any, stages: StageSet) -> tuple[str | None, str | None]:
    if raw is None:
        return None, None
    if not isinstance(raw, list) or len(raw) != 2:
        raise _invalid('lifecycleStages has two entries, for objectTypeId "0-1" and "0-2"')
    by_type: dict[str, str] = {}
    for entry in raw:
        if not isinstance(entry, Mapping) or entry.get("objectTypeId") not in ("0-1", "0-2"):
            raise _invalid('Each lifecycleStages entry is {objectTypeId: "0-1"|"0-2", value}')
        value = entry.get("value")
        if not isinstance(value, str):
            raise _invalid("A lifecycleStages value is a stage's internal value")
        by_type[entry["objectTypeId"]] = stages.require(value)
    if set(by_type) != {"0-1", "0-2"}:
        raise _invalid('lifecycleStages has one entry for "0-1" and one for "0-2"')
    return by_type["0-1"], by_type["0-2"]


def to_wire(form: FormDef, created_at: str | None = None, updated_at: str | None = None
            ) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": form.id, "name": form.name, "kind": form.kind.value,
        "fields": [{"name": f.name, "label": f.label, "required": f.required}
                   for f in form.fields],
    }
    if form.contact_stage is not None:
        out["lifecycleStages"] = [{"objectTypeId": "0-1", "value": form.contact_stage},
                                  {"objectTypeId": "0-2", "value": form.company_stage}]
    if created_at is not None:
        out["createdAt"] = created_at
        out["updatedAt"] = updated_at
    return out


@dataclass(frozen=True)
class Submission:
    """What a submission writes onto the contact: its properties (the stage apart) and the
    stage it brings."""
    properties: dict[str, str]
    stage: str


def field_error(message: str, code: str, name: str) -> ValidationError:
    return ValidationError(message, code=code, fieldName=name)


def plan_submission(form: FormDef, fields: Sequence[tuple[str, str]], stages: StageSet
                    ) -> Submission:
    """Check the submitted (name, value) pairs against the form and choose the stage.

    Stage order (rule 33): a valid `lifecyclestage` value sent with the submission,
    accepted whether or not the form lists it; else the form's default; else the kind's
    stage. The stage is the contact's (objectTypeId 0-1); the company default only matters
    for companies a form creates, which Stagecoach's forms do not.
    """
    values: dict[str, str] = {}
    sent_stage: str | None = None
    for name, value in fields:
        if len(value) > MAX_VALUE:
            raise field_error(f"Field {name!r} is longer than {MAX_VALUE} characters",
                              "FIELD_TOO_LONG", name)
        if name == STAGE_FIELD:
            if value.strip():
                resolved = stages.resolve(value)
                if resolved is None:
                    raise ValidationError(
                        f"{value[:100]!r} is not a lifecycle stage. Allowed options: "
                        + ", ".join(stages.values),
                        code="INVALID_OPTION", propertyName=STAGE_FIELD,
                        allowedOptions=list(stages.values))
                sent_stage = resolved
            continue
        if form.field(name) is None:
            raise field_error(f"Field {name!r} is not in the form definition",
                              "FIELD_NOT_IN_FORM_DEFINITION", name)
        values[name] = value
    for f in form.fields:
        if f.required and not values.get(f.name, "").strip():
            raise field_error(f"Required field {f.name!r} is missing", "REQUIRED_FIELD_MISSING",
                              f.name)
    if not values.get("email", "").strip():
        raise field_error("A submission needs an email", "REQUIRED_FIELD_MISSING", "email")
    stage = sent_stage or form.contact_stage or form.kind.stage
    if stage not in stages:
        # The kind's stage was deleted or renamed away: fall back to the first stage so a
        # submission is never lost (a deleted stage that a form names is refused, rule 39).
        stage = stages.first
    return Submission({k: v for k, v in values.items() if v.strip()}, stage)
