"""Rule 34: imports create or update, match by key, move forward only, and lose nothing."""

from __future__ import annotations

from pathlib import Path

from stagecoach.domain.imports import ColumnSpec
from stagecoach.services.records import reads
from stagecoach.store.importing.imports import State
from tests.helpers import CO, Acct, C, D
from tests.integration.imports_helpers import by_email, error_rows, run_import, write


def test_import_creates_contacts_with_their_stages(acct: Acct, tmp_path: Path) -> None:
    f = write(tmp_path / "a.csv", "email,firstname,lifecyclestage\n"
                                  "a@example.test,Ann,lead\nb@example.test,Bob,customer\n")
    imp = run_import(acct, f)
    assert imp.state is State.DONE
    assert (imp.created, imp.updated, imp.errors, imp.total_rows) == (2, 0, 0, 2)
    found = by_email(acct, "a@example.test", "b@example.test")
    assert found["a@example.test"].stage == "lead"
    assert found["b@example.test"].stage == "customer"
    assert found["a@example.test"].values["firstname"] == "Ann"


def test_stage_column_accepts_labels_and_values_case_insensitively(acct: Acct,
                                                                   tmp_path: Path) -> None:
    f = write(tmp_path / "a.csv", "Email,Lifecycle Stage\n"
                                  "a@example.test,marketing qualified lead\n"
                                  "b@example.test,SALESQUALIFIEDLEAD\n"
                                  "c@example.test, Opportunity \n")
    imp = run_import(acct, f)
    assert imp.errors == 0
    found = by_email(acct, "a@example.test", "b@example.test", "c@example.test")
    assert [found[e].stage for e in ("a@example.test", "b@example.test", "c@example.test")] == [
        "marketingqualifiedlead", "salesqualifiedlead", "opportunity"]


def test_unknown_stage_makes_an_error_row_while_every_other_row_is_applied(
        acct: Acct, tmp_path: Path) -> None:
    f = write(tmp_path / "a.csv", "email,lifecyclestage\n"
                                  "a@example.test,lead\nb@example.test,wizard\nc@example.test,\n")
    imp = run_import(acct, f, default_stage="subscriber")
    assert (imp.created, imp.errors) == (2, 1)
    errs = error_rows(acct, imp.id)
    assert [(e.row_number, e.column_name, e.invalid_value) for e in errs] == [
        (2, "lifecyclestage", "wizard")]
    assert "not a lifecycle stage" in errs[0].reason
    assert errs[0].raw_row == ["b@example.test", "wizard"]
    found = by_email(acct, "a@example.test", "b@example.test", "c@example.test")
    assert "b@example.test" not in found  # never a silent fallback to the default
    assert found["c@example.test"].stage == "subscriber"


def test_default_stage_applies_only_to_rows_without_a_stage(acct: Acct, tmp_path: Path) -> None:
    f = write(tmp_path / "a.csv", "email,lifecyclestage\na@example.test,\nb@example.test,lead\n")
    run_import(acct, f, default_stage="Subscriber")
    found = by_email(acct, "a@example.test", "b@example.test")
    assert found["a@example.test"].stage == "subscriber"
    assert found["b@example.test"].stage == "lead"


def test_empty_cell_means_no_change(acct: Acct, tmp_path: Path) -> None:
    cid = acct.contact(email="keep@example.test", firstname="Kim", lastname="Old", stage="lead")
    f = write(tmp_path / "a.csv", "email,firstname,lastname,lifecyclestage\n"
                                  "keep@example.test,,New,\n")
    imp = run_import(acct, f)
    assert (imp.updated, imp.errors) == (1, 0)
    values = acct.values(C, cid)
    assert values["firstname"] == "Kim"
    assert values["lastname"] == "New"
    assert values["lifecyclestage"] == "lead"


def test_existing_records_move_forward_only(acct: Acct, tmp_path: Path) -> None:
    ahead = acct.contact(email="ahead@example.test", stage="customer")
    behind = acct.contact(email="behind@example.test", stage="subscriber")
    f = write(tmp_path / "a.csv", "email,lifecyclestage\n"
                                  "AHEAD@example.test,lead\nbehind@example.test,lead\n")
    imp = run_import(acct, f)
    assert (imp.created, imp.updated, imp.errors) == (0, 2, 0)
    assert acct.stage(C, ahead) == "customer"
    assert acct.stage(C, behind) == "lead"
    with acct.ctx_readonly() as ctx:
        hist = reads.history_of(ctx, C, [behind])[behind]
    assert hist["lifecyclestage"][0].source_type == "IMPORT"
    assert hist["lifecyclestage"][0].source_id == str(imp.id)


def test_contacts_match_by_record_id(acct: Acct, tmp_path: Path) -> None:
    cid = acct.contact(email="id@example.test", stage="subscriber")
    f = write(tmp_path / "a.csv", f"Record ID,firstname,lifecyclestage\n{cid},Ida,lead\n"
                                  "999999999,Ghost,lead\n")
    imp = run_import(acct, f)
    assert (imp.updated, imp.errors, imp.created) == (1, 1, 0)
    assert acct.values(C, cid)["firstname"] == "Ida"
    assert acct.stage(C, cid) == "lead"
    errs = error_rows(acct, imp.id)
    assert errs[0].row_number == 2 and errs[0].error_type == "UNKNOWN_OBJECT_ID"


def test_companies_match_by_domain(acct: Acct, tmp_path: Path) -> None:
    co = acct.company(domain="acme.test", name="Acme", stage="lead")
    f = write(tmp_path / "c.csv", "domain,name,lifecyclestage\n"
                                  "https://www.ACME.test/,Acme Inc,customer\nnew.test,New,\n")
    imp = run_import(acct, f, CO)
    assert (imp.created, imp.updated, imp.errors) == (1, 1, 0)
    assert acct.values(CO, co)["name"] == "Acme Inc"
    assert acct.stage(CO, co) == "customer"


def test_deals_match_by_record_id(acct: Acct, tmp_path: Path) -> None:
    deal = acct.create(D, {"dealname": "Old"})
    f = write(tmp_path / "d.csv", f"hs_object_id,dealname\n{deal},Renamed\n,Brand new\n")
    imp = run_import(acct, f, D)
    assert (imp.created, imp.updated) == (1, 1)
    assert acct.values(D, deal)["dealname"] == "Renamed"


def test_company_domain_column_associates_contacts_creating_missing_companies(
        acct: Acct, tmp_path: Path) -> None:
    existing = acct.company(domain="known.test", name="Known")
    f = write(tmp_path / "a.csv", "email,Company Domain\n"
                                  "a@gmail.com,known.test\nb@gmail.com,fresh.test\n")
    imp = run_import(acct, f)
    assert (imp.created, imp.errors) == (2, 0)
    found = by_email(acct, "a@gmail.com", "b@gmail.com")
    assert found["a@gmail.com"].values["associatedcompanyid"] == existing
    fresh = found["b@gmail.com"].values["associatedcompanyid"]
    assert acct.values(CO, int(fresh))["domain"] == "fresh.test"


def test_new_contacts_join_their_email_domain_company(acct: Acct, tmp_path: Path) -> None:
    f = write(tmp_path / "a.csv", "email\nx@globex.test\ny@globex.test\n")
    run_import(acct, f)
    found = by_email(acct, "x@globex.test", "y@globex.test")
    companies = {found[e].values["associatedcompanyid"] for e in found}
    assert len(companies) == 1


def test_a_file_naming_a_record_twice_applies_its_rows_in_order(acct: Acct,
                                                                tmp_path: Path) -> None:
    f = write(tmp_path / "a.csv", "email,firstname,lifecyclestage\n"
                                  "twice@example.test,First,lead\n"
                                  "TWICE@example.test,Second,opportunity\n")
    imp = run_import(acct, f)
    assert (imp.created, imp.updated, imp.errors) == (1, 1, 0)
    row = by_email(acct, "twice@example.test")["twice@example.test"]
    assert row.values["firstname"] == "Second"
    assert row.stage == "opportunity"


def test_invalid_values_make_error_rows_naming_their_column(acct: Acct, tmp_path: Path) -> None:
    f = write(tmp_path / "a.csv", "email,hs_lead_status\n"
                                  "not-an-email,NEW\nok@example.test,BOGUS\nfine@example.test,OPEN\n")
    imp = run_import(acct, f)
    assert (imp.created, imp.errors) == (1, 2)
    errs = error_rows(acct, imp.id)
    assert [(e.row_number, e.column_name) for e in errs] == [(1, "email"),
                                                              (2, "hs_lead_status")]


def test_api_column_mappings_ignore_unmapped_columns(acct: Acct, tmp_path: Path) -> None:
    f = write(tmp_path / "a.csv", "E-mail address,Ignored,Stage\nm@example.test,zzz,Lead\n")
    imp = run_import(acct, f, specs=[
        ColumnSpec("E-mail address", "email", C), ColumnSpec("Ignored", None, C),
        ColumnSpec("Stage", "lifecyclestage", C)])
    assert (imp.created, imp.errors) == (1, 0)
    assert by_email(acct, "m@example.test")["m@example.test"].stage == "lead"


def test_counters_add_up_over_many_chunks(acct: Acct, tmp_path: Path) -> None:
    lines = ["email,lifecyclestage"] + [
        f"c{i}@example.test,{'wizard' if i % 97 == 0 else 'lead'}" for i in range(1, 1001)]
    f = write(tmp_path / "a.csv", "\n".join(lines) + "\n")
    imp = run_import(acct, f, chunk_rows=128)
    assert imp.total_rows == imp.next_row == 1000
    assert imp.errors == 1000 // 97
    assert imp.created == 1000 - imp.errors
    assert [e.row_number for e in error_rows(acct, imp.id)] == list(range(97, 1001, 97))


def test_companies_match_by_record_id_and_move_forward_only(acct: Acct, tmp_path: Path
                                                            ) -> None:
    ahead = acct.company(domain="ahead.test", stage="customer")
    behind = acct.company(domain="behind.test", stage="subscriber")
    f = write(tmp_path / "c.csv", f"Record ID,name,lifecyclestage\n{ahead},Ahead,lead\n"
                                  f"{behind},Behind,lead\n")
    imp = run_import(acct, f, CO)
    assert (imp.created, imp.updated, imp.errors) == (0, 2, 0)
    assert (acct.values(CO, ahead)["name"], acct.stage(CO, ahead)) == ("Ahead", "customer")
    assert (acct.values(CO, behind)["name"], acct.stage(CO, behind)) == ("Behind", "lead")


def test_an_unknown_stage_label_of_an_existing_record_is_an_error_row_that_changes_nothing(
        acct: Acct, tmp_path: Path) -> None:
    cid = acct.contact(email="kept@example.test", firstname="Kim", stage="lead")
    f = write(tmp_path / "a.csv", "email,firstname,lifecyclestage\n"
                                  "kept@example.test,Changed,Champion\n")
    imp = run_import(acct, f, default_stage="customer")
    assert (imp.updated, imp.errors) == (0, 1)
    assert [(e.row_number, e.column_name) for e in error_rows(acct, imp.id)] == [
        (1, "lifecyclestage")]
    assert acct.values(C, cid)["firstname"] == "Kim"
    assert acct.stage(C, cid) == "lead"
