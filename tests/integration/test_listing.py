"""The index-page queries (store/records/listing.py): chip counts, search, filters, sort, paging."""

from __future__ import annotations

from stagecoach.domain.objects import ObjectType
from stagecoach.store.records import listing, saved_views
from stagecoach.store.records.listing import NO_STAGE, ListQuery
from tests.helpers import Acct

C, CO = ObjectType.CONTACT, ObjectType.COMPANY


def _page(acct: Acct, q: ListQuery) -> listing.ListPage:
    with acct.ctx_readonly() as ctx:
        return listing.list_page(ctx.conn, acct.id, q, ctx.catalog.stages)


def _people(acct: Acct) -> dict[str, int]:
    ids = {}
    for name, stage, status in (
        ("Ada Lovelace", "lead", "NEW"), ("Alan Turing", "lead", "OPEN"),
        ("Grace Hopper", "customer", "NEW"), ("Edsger Dijkstra", None, None),
        ("Barbara Liskov", "subscriber", None),
    ):
        first, last = name.split()
        props = {"firstname": first, "lastname": last, "email": f"{first.lower()}@example.org"}
        if status:
            props["hs_lead_status"] = status
        ids[first] = acct.contact(stage, **props)
    return ids


def test_chip_counts_are_per_stage_and_ignore_the_stage_filter(acct: Acct) -> None:
    _people(acct)
    page = _page(acct, ListQuery(C, stages=("lead",)))
    assert page.stage_counts == {"lead": 2, "customer": 1, "subscriber": 1, NO_STAGE: 1}
    assert page.total == 2
    assert page.unfiltered_total == 5
    assert {r.values["firstname"] for r in page.rows} == {"Ada", "Alan"}


def test_stage_filter_can_select_records_without_a_stage(acct: Acct) -> None:
    _people(acct)
    page = _page(acct, ListQuery(C, stages=(NO_STAGE, "customer")))
    assert {r.values["firstname"] for r in page.rows} == {"Edsger", "Grace"}
    assert page.total == 2


def test_search_matches_names_and_email_case_insensitively_and_counts_follow(acct: Acct
                                                                             ) -> None:
    _people(acct)
    page = _page(acct, ListQuery(C, text="TURING"))
    assert [r.values["firstname"] for r in page.rows] == ["Alan"]
    assert page.stage_counts == {"lead": 1}
    assert [r.values["firstname"] for r in _page(acct, ListQuery(C, text="grace@")).rows] == [
        "Grace"]


def test_search_treats_like_wildcards_literally(acct: Acct) -> None:
    _people(acct)
    assert _page(acct, ListQuery(C, text="%")).total == 0
    assert _page(acct, ListQuery(C, text="_")).total == 0


def test_companies_are_searched_by_name_and_domain(acct: Acct) -> None:
    acct.company("lead", name="Globex", domain="globex.example")
    acct.company("customer", name="Initech", domain="initech.example")
    assert [r.values["name"] for r in _page(acct, ListQuery(CO, text="initech.ex")).rows] == [
        "Initech"]
    assert [r.values["name"] for r in _page(acct, ListQuery(CO, text="glo")).rows] == ["Globex"]


def test_lead_status_filter(acct: Acct) -> None:
    _people(acct)
    page = _page(acct, ListQuery(C, lead_status="NEW"))
    assert {r.values["firstname"] for r in page.rows} == {"Ada", "Grace"}
    assert page.stage_counts == {"lead": 1, "customer": 1}


def test_sort_by_stage_follows_the_stage_order_not_the_alphabet(acct: Acct) -> None:
    _people(acct)
    page = _page(acct, ListQuery(C, sort="lifecyclestage"))
    # An empty stage is below every stage (lifecycle spec, section 1).
    assert [r.stage for r in page.rows] == [None, "subscriber", "lead", "lead", "customer"]
    page = _page(acct, ListQuery(C, sort="-lifecyclestage"))
    assert [r.stage for r in page.rows] == ["customer", "lead", "lead", "subscriber", None]


def test_sort_by_name_and_by_email(acct: Acct) -> None:
    _people(acct)
    names = [r.values["firstname"] for r in _page(acct, ListQuery(C, sort="name")).rows]
    assert names == ["Ada", "Alan", "Barbara", "Edsger", "Grace"]
    emails = [r.values["email"] for r in _page(acct, ListQuery(C, sort="-email")).rows]
    assert emails == sorted(emails, reverse=True)


def test_pages_cover_every_record_once_newest_first(acct: Acct) -> None:
    made = [acct.contact("lead", email=f"p{i}@example.org") for i in range(7)]
    seen = []
    for n in (1, 2, 3):
        page = _page(acct, ListQuery(C, page=n, per_page=3))
        assert page.total == 7
        seen += [r.id for r in page.rows]
    assert seen == list(reversed(made))


def test_archived_records_and_other_accounts_are_not_listed(acct: Acct) -> None:
    from stagecoach.services.records import records

    keep = acct.contact("lead", email="keep@example.org")
    gone = acct.contact("lead", email="gone@example.org")
    acct.in_unit(lambda ctx: records.archive(ctx, C, [gone]))
    other = Acct.new(acct.sc)
    other.contact("lead", email="other@example.org")
    page = _page(acct, ListQuery(C))
    assert [r.id for r in page.rows] == [keep]
    assert page.stage_counts == {"lead": 1}


def test_views_referring_to_a_stage_are_named(acct: Acct) -> None:
    def make(ctx):  # type: ignore[no-untyped-def]
        saved_views.insert(ctx.conn, acct.id, C, "Hot leads", None, ["lead", "opportunity"],
                           "", None, ["name"], "-createdate", ctx.now)
        saved_views.insert(ctx.conn, acct.id, CO, "Mine", 7, ["lead"], "x", None, ["name"],
                           "name", ctx.now)
        saved_views.insert(ctx.conn, acct.id, C, "Customers", None, ["customer"], "", None,
                           ["name"], "name", ctx.now)

    acct.in_unit(make)
    with acct.ctx_readonly() as ctx:
        assert saved_views.views_referring_to_stage(ctx.conn, acct.id, "lead") == [
            "Hot leads", "Mine"]
        assert saved_views.views_referring_to_stage(ctx.conn, acct.id, "evangelist") == []
        visible = saved_views.visible_to(ctx.conn, acct.id, CO, 8)
        assert visible == []  # another user's personal view is not visible


def test_search_finds_names_with_accents_and_ignores_property_names(acct: Acct) -> None:
    jose = acct.contact("lead", firstname="José", lastname="Núñez", email="jn@example.org")
    acct.contact("lead", firstname="Plain", email="plain@example.org", hs_lead_status="NEW")
    assert [r.id for r in _page(acct, ListQuery(C, text="josé")).rows] == [jose]
    assert [r.id for r in _page(acct, ListQuery(C, text="NÚÑ")).rows] == [jose]
    # "firstname" is a key of every record's JSON, never a value: no match.
    assert _page(acct, ListQuery(C, text="firstname")).total == 0


def test_a_page_costs_two_statements_whatever_the_filters(acct: Acct) -> None:
    from sqlalchemy import event

    for i in range(30):
        acct.contact("lead" if i % 2 else "customer", email=f"q{i}@example.org")
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(acct.sc.engine, "before_cursor_execute", count)
    try:
        for q in (ListQuery(C), ListQuery(C, stages=("lead",), sort="email", page=2, per_page=5),
                  ListQuery(C, text="q1", lead_status="NEW")):
            statements.clear()
            with acct.ctx_readonly() as ctx:
                statements.clear()  # loading the catalog is not the page's cost
                listing.list_page(ctx.conn, acct.id, q, ctx.catalog.stages)
                assert len(statements) == 2, statements
    finally:
        event.remove(acct.sc.engine, "before_cursor_execute", count)
