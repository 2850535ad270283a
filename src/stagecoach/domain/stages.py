"""The account's ordered stage set and what "forward" means in it (lifecycle spec section 1)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

from stagecoach.domain.errors import ValidationError

DEFAULT_STAGES: tuple[tuple[str, str], ...] = (
    ("subscriber", "Subscriber"),
    ("lead", "Lead"),
    ("marketingqualifiedlead", "Marketing Qualified Lead"),
    ("salesqualifiedlead", "Sales Qualified Lead"),
    ("opportunity", "Opportunity"),
    ("customer", "Customer"),
    ("evangelist", "Evangelist"),
    ("other", "Other"),
)

# Internal values become parts of property names ("hs_v2_date_entered_<value>"), so they are
# restricted to what a property name may contain.
_VALUE_RE = re.compile(r"^[a-z0-9_]{1,64}$")
MAX_LABEL_LENGTH = 100


@dataclass(frozen=True)
class Stage:
    value: str
    label: str


@dataclass(frozen=True)
class StageSet:
    stages: tuple[Stage, ...]

    @classmethod
    def default(cls) -> StageSet:
        return cls(tuple(Stage(v, label) for v, label in DEFAULT_STAGES))

    @classmethod
    def of(cls, pairs: Iterable[tuple[str, str]]) -> StageSet:
        return cls(tuple(Stage(v, label) for v, label in pairs))

    def __iter__(self) -> Iterator[Stage]:
        return iter(self.stages)

    def __len__(self) -> int:
        return len(self.stages)

    def __contains__(self, value: object) -> bool:
        return isinstance(value, str) and value in self._positions

    @cached_property
    def _positions(self) -> dict[str, int]:
        # Looked up for every stage value written and read: a dict, not a scan.
        out: dict[str, int] = {}
        for i, s in enumerate(self.stages):
            out.setdefault(s.value, i)
        return out

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(s.value for s in self.stages)

    @property
    def first(self) -> str:
        return self.stages[0].value

    @property
    def last(self) -> str:
        return self.stages[-1].value

    def ord(self, value: str | None) -> int:
        """Position of a stage; an empty value is below every stage."""
        if value is None or value == "":
            return -1
        # A value that is no longer in the set (e.g. written before a delete) sorts lowest
        # among real stages so that any forward write can repair it.
        return self._positions.get(value, -1)

    def is_forward(self, current: str | None, target: str) -> bool:
        return self.ord(target) > self.ord(current)

    def after(self, value: str) -> tuple[str, ...]:
        """The stages strictly after `value` in the current order."""
        i = self.ord(value)
        return tuple(s.value for s in self.stages[i + 1 :])

    def before(self, value: str) -> tuple[str, ...]:
        i = self.ord(value)
        return tuple(s.value for s in self.stages[: max(i, 0)])

    def label(self, value: str) -> str:
        for s in self.stages:
            if s.value == value:
                return s.label
        return value

    def require(self, value: str) -> str:
        if value not in self:
            raise ValidationError(
                f"{value!r} is not a lifecycle stage. Allowed options for lifecyclestage: "
                + ", ".join(self.values),
                code="INVALID_OPTION",
                propertyName="lifecyclestage",
                allowedOptions=list(self.values),
            )
        return value

    def resolve(self, text: str) -> str | None:
        """Internal value or label, case-insensitively (imports, forms); None when unknown."""
        key = text.strip().casefold()
        for s in self.stages:
            if s.value.casefold() == key or s.label.casefold() == key:
                return s.value
        return None

    def reordered(self, values: Sequence[str]) -> StageSet:
        if sorted(values) != sorted(self.values):
            raise ValidationError(
                "A reorder must name every stage exactly once",
                code="INVALID_STAGE_ORDER",
                expected=list(self.values),
            )
        by_value = {s.value: s for s in self.stages}
        return StageSet(tuple(by_value[v] for v in values))


def check_stage_value(value: str) -> str:
    if not _VALUE_RE.match(value):
        raise ValidationError(
            "A stage's internal value is 1 to 64 characters of a-z, 0-9 and _",
            code="INVALID_STAGE_VALUE",
            value=value,
        )
    return value


def check_stage_label(label: str) -> str:
    label = label.strip()
    if not label or len(label) > MAX_LABEL_LENGTH:
        raise ValidationError(
            f"A stage label is 1 to {MAX_LABEL_LENGTH} characters",
            code="INVALID_STAGE_LABEL",
        )
    return label
