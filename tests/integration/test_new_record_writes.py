"""A new record is inserted with everything its creation derives (first stage and its dates,
rule 27's company, `associatedcompanyid`, association counts), each under the source that
set it, and nothing is lost against the general association path."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from stagecoach.domain.sources import SourceType
from stagecoach.services.integrity.verify import verify
from stagecoach.store.records import associations as assoc_store
from stagecoach.store.records import history
from tests.helpers import CO, Acct, C
from tests.integration.imports_helpers import by_email, run_import, write


def _versions(acct: Acct, ot: object, rid: int) -> list[tuple[str, str | None, str, str | None]]:
    with acct.ctx_readonly() as ctx:
        rows = history.for_records(ctx.conn, acct.id, ot, [rid])  # type: ignore[arg-type]
    return [(r.property, r.value, r.source_type, r.source_id) for r in rows]


def test_an_imported_contact_has_one_version_per_property_each_under_its_source(
        acct: Acct, tmp_path: Path) -> None:
    f = write(tmp_path / "a.csv", "email,firstname,lifecyclestage\nann@acme.test,Ann,lead\n")
    imp = run_import(acct, f)
    row = by_email(acct, "ann@acme.test")["ann@acme.test"]
    versions = _versions(acct, C, row.id)
    assert Counter(p for p, *_ in versions) == Counter(
        ["email", "firstname", "lifecyclestage", "associatedcompanyid",
         "num_associated_deals"])
    by_prop = {p: (v, st, sid) for p, v, st, sid in versions}
    for prop in ("email", "firstname", "lifecyclestage"):
        assert by_prop[prop][1:] == (SourceType.IMPORT.value, str(imp.id))
    company = row.values["associatedcompanyid"]
    assert by_prop["associatedcompanyid"] == (
        str(company), SourceType.LIFECYCLE_AUTOMATION.value, "company_by_domain")
    assert by_prop["num_associated_deals"] == ("0", SourceType.CALCULATED.value,
                                               "association_count")
    # The stage's derived dates were written with the row, at its creation.
    assert row.values["hs_lifecyclestage_lead_date"] == row.created_at
    assert row.values["hs_v2_date_entered_lead"] == row.created_at
    assert row.updated_at == row.created_at
    assert acct.values(CO, int(company))["num_associated_contacts"] == 1
    assert list(verify(acct.sc.engine, [acct.id])) == []


def test_a_company_column_wins_primary_over_the_email_domain_company(
        acct: Acct, tmp_path: Path) -> None:
    named = acct.company(domain="named.test", name="Named")
    f = write(tmp_path / "a.csv", "email,Company Domain\nbob@mailco.test,named.test\n")
    imp = run_import(acct, f)
    assert (imp.created, imp.errors) == (1, 0)
    row = by_email(acct, "bob@mailco.test")["bob@mailco.test"]
    assert row.values["associatedcompanyid"] == named
    with acct.ctx_readonly() as ctx:
        linked = assoc_store.of_records(ctx.conn, acct.id, C, [row.id], CO)[row.id]
        by_domain = next(c for c in linked if c != named)
        assert acct.values(CO, by_domain)["domain"] == "mailco.test"
        assert 1 in linked[named] and 1 not in linked[by_domain]
        assert assoc_store.current_primaries(ctx.conn, acct.id, C, 1, [row.id]) == {
            row.id: named}
    assert acct.values(CO, named)["num_associated_contacts"] == 1
    assert acct.values(CO, by_domain)["num_associated_contacts"] == 1


def test_the_same_company_named_twice_is_associated_once(acct: Acct, tmp_path: Path) -> None:
    f = write(tmp_path / "a.csv", "email,Company Domain\ncy@same.test,same.test\n")
    run_import(acct, f)
    row = by_email(acct, "cy@same.test")["cy@same.test"]
    company = int(row.values["associatedcompanyid"])
    with acct.ctx_readonly() as ctx:
        linked = assoc_store.of_records(ctx.conn, acct.id, C, [row.id], CO)[row.id]
    assert list(linked) == [company]
    assert acct.values(CO, company)["num_associated_contacts"] == 1


def test_a_new_company_made_primary_of_an_existing_contact_demotes_its_old_primary(
        acct: Acct) -> None:
    old = acct.company(domain="old.test", name="Old")
    cid = acct.contact(email="dee@gmail.com")
    acct.associate(C, cid, CO, old, (1,))
    new = acct.create(CO, {"domain": "new.test", "name": "New"}, assoc=[(C, cid, (2,))])
    assert acct.values(C, cid)["associatedcompanyid"] == new
    with acct.ctx_readonly() as ctx:
        assert assoc_store.current_primaries(ctx.conn, acct.id, C, 1, [cid]) == {cid: new}
        linked = assoc_store.of_records(ctx.conn, acct.id, C, [cid], CO)[cid]
    assert 1 not in linked[old] and 1 in linked[new]
    assert acct.values(CO, new)["num_associated_contacts"] == 1
    assert acct.values(CO, old)["num_associated_contacts"] == 1
