"""Rule 34 as pure planning: column mapping and what each row writes."""

from __future__ import annotations

import pytest

from stagecoach.domain import imports as rules
from stagecoach.domain.catalog import Catalog
from stagecoach.domain.errors import ValidationError
from stagecoach.domain.imports import ColumnSpec, RowError, RowPlan
from stagecoach.domain.objects import ObjectType
from stagecoach.domain.settings import AutomationSettings
from stagecoach.domain.stages import StageSet

C, CO = ObjectType.CONTACT, ObjectType.COMPANY
CATALOG = Catalog(1, StageSet.default(), AutomationSettings(), ())


def plan(header: list[str], cells: list[str], default: str | None = None,
         ot: ObjectType = C) -> RowPlan | RowError:
    mapping = rules.build_mapping(CATALOG, ot, header, None, default)
    return rules.plan_row(CATALOG, mapping, 7, cells)


def test_headers_map_by_internal_name_or_label() -> None:
    m = rules.build_mapping(CATALOG, C, ["Email", "First Name", "lifecyclestage",
                                         "Company Domain"], None, None)
    assert [(c.property, c.to) for c in m.columns] == [
        ("email", None), ("firstname", None), ("lifecyclestage", None), ("domain", CO)]


def test_stage_label_resolves_case_insensitively() -> None:
    p = plan(["email", "lifecyclestage"], ["a@x.test", "  sales QUALIFIED lead "])
    assert isinstance(p, RowPlan) and p.properties["lifecyclestage"] == "salesqualifiedlead"


def test_unknown_stage_is_an_error_row_not_the_default() -> None:
    p = plan(["email", "lifecyclestage"], ["a@x.test", "Wizard"], default="lead")
    assert isinstance(p, RowError)
    assert (p.row, p.column, p.value) == (7, "lifecyclestage", "Wizard")


def test_default_stage_fills_only_rows_without_a_stage() -> None:
    p = plan(["email", "lifecyclestage"], ["a@x.test", ""], default="Lead")
    assert isinstance(p, RowPlan) and p.properties["lifecyclestage"] == "lead"


def test_empty_cells_are_left_out() -> None:
    p = plan(["email", "firstname", "lastname"], ["a@x.test", "", " "])
    assert isinstance(p, RowPlan) and p.properties == {"email": "a@x.test"}


def test_email_is_the_contact_key_and_record_id_wins() -> None:
    p = plan(["email", "Record ID"], ["A@X.test", "42"])
    assert isinstance(p, RowPlan) and (p.match_by, p.key) == ("hs_object_id", "42")
    assert p.properties["email"] == "a@x.test"


def test_domain_is_the_company_key() -> None:
    p = plan(["domain", "name"], ["https://www.Acme.test/x", "Acme"], ot=CO)
    assert isinstance(p, RowPlan) and (p.match_by, p.key) == ("domain", "acme.test")


def test_wrong_width_is_an_error_and_an_empty_line_is_blank() -> None:
    assert isinstance(plan(["email", "firstname"], ["a@x.test"]), RowError)
    blank = plan(["email", "firstname"], [""])
    assert isinstance(blank, RowPlan) and blank.blank


def test_unknown_columns_are_refused_by_name() -> None:
    with pytest.raises(ValidationError) as err:
        rules.build_mapping(CATALOG, C, ["email", "shoe size"], None, None)
    assert "shoe size" in err.value.message


def test_read_only_properties_cannot_be_imported() -> None:
    with pytest.raises(ValidationError):
        rules.build_mapping(CATALOG, C, ["email", "createdate"], None, None)


def test_mapped_columns_must_exist_and_map_once() -> None:
    with pytest.raises(ValidationError):
        rules.build_mapping(CATALOG, C, ["email"], [ColumnSpec("Mail", "email", C)], None)
    with pytest.raises(ValidationError):
        rules.build_mapping(CATALOG, C, ["a", "b"], [ColumnSpec("a", "email", C),
                                                     ColumnSpec("b", "email", C)], None)


def test_passes_split_where_a_record_key_repeats() -> None:
    plans = [RowPlan(1, "email", "a"), RowPlan(2, "email", "b"), RowPlan(3, "email", "a"),
             RowPlan(4, None, None)]
    assert [[p.row for p in group] for group in rules.passes(plans)] == [[1, 2], [3, 4]]
