"""A realistic demo account, written day by day through the service layer so that its
history, causes and derived dates are real (twelve months of a B2B sales funnel)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from stagecoach.domain.objects import ObjectType
from stagecoach.domain.sources import Source, SourceType
from stagecoach.library import Stagecoach
from stagecoach.services.auth.accounts import NewAccount
from stagecoach.services.core.context import Ctx
from stagecoach.services.core.writes import ItemWrite
from stagecoach.services.lifecycle import settings
from stagecoach.services.records import records
from stagecoach.services.records.records import NewRecord

C, CO, D = ObjectType.CONTACT, ObjectType.COMPANY, ObjectType.DEAL
DAY = 86_400_000
DEMO_EMAIL = "demo@stagecoach.test"
DEMO_PASSWORD = "stagecoach-demo"

_PREFIXES = ("Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne",
             "Wonka", "Tyrell", "Cyberdyne", "Soylent", "Massive", "Gringotts", "Oscorp",
             "Aperture", "Black Mesa", "Monarch", "Dunder", "Pied Piper", "Nakatomi", "Virtucon",
             "Prestige", "Sterling", "Blue Sun", "Ollivander", "Vehement", "Zorg", "Sirius",
             "Bluth", "Krusty", "Duff", "Lacuna", "Abstergo", "Rekall", "Weyland", "Yoyodyne")
_SUFFIXES = ("Labs", "Systems", "Logistics", "Foods", "Analytics", "Health", "Energy", "Media",
             "Robotics", "Capital", "Textiles", "Software", "Bio", "Studios", "Freight")
_INDUSTRIES = ("Software", "Logistics", "Retail", "Healthcare", "Energy", "Finance", "Media",
               "Manufacturing", "Education")
_FIRST = ("Ada", "Grace", "Alan", "Katherine", "Linus", "Margaret", "Dennis", "Barbara", "Ken",
          "Frances", "Edsger", "Radia", "Tim", "Hedy", "Guido", "Sophie", "John", "Shafi",
          "Donald", "Lynn", "Yukihiro", "Anita", "Brian", "Joan", "Niklaus", "Mary", "Leslie",
          "Jean", "Bjarne", "Carol", "Ivan", "Susan", "Rasmus", "Fran", "James", "Elena")
_LAST = ("Lovelace", "Hopper", "Turing", "Johnson", "Torvalds", "Hamilton", "Ritchie",
         "Liskov", "Thompson", "Allen", "Dijkstra", "Perlman", "Berners-Lee", "Lamarr", "Rossum",
         "Wilson", "McCarthy", "Goldwasser", "Knuth", "Conway", "Matsumoto", "Borg",
         "Kernighan", "Clarke", "Wirth", "Shaw", "Lamport", "Sammet", "Stroustrup", "Shaw",
         "Sutherland", "Kare", "Lerdorf", "Bilas", "Gosling", "Petrova")
_FREE = ("gmail.com", "outlook.com", "yahoo.com", "icloud.com")
_ORIGINS = ("ORGANIC_SEARCH", "PAID_SEARCH", "EMAIL_MARKETING", "SOCIAL_MEDIA", "REFERRALS",
            "DIRECT_TRAFFIC", "OFFLINE")

UI = Source(SourceType.CRM_UI, None, "web app", user_id=1)
API = Source(SourceType.API, "demo-sync", "Billing sync")
WORKFLOW = Source(SourceType.WORKFLOWS, "wf-lead-scoring", "Lead scoring workflow")


@dataclass
class DemoSize:
    contacts: int = 3000
    companies: int = 300
    days: int = 365


@dataclass
class _State:
    rng: random.Random
    companies: list[int] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    contacts: list[int] = field(default_factory=list)
    stage: dict[int, str | None] = field(default_factory=dict)
    open_deals: dict[int, str] = field(default_factory=dict)  # deal id -> stage id
    seq: int = 0


def build(sc: Stagecoach, size: DemoSize = DemoSize(), now: int | None = None,
          progress: Callable[[int, int], None] | None = None) -> NewAccount:
    end = now if now is not None else sc.clock()
    start = end - size.days * DAY
    account = sc.create_account("Northwind Demo", DEMO_EMAIL, DEMO_PASSWORD, now=start)
    state = _State(random.Random(20261122))
    with sc.unit(account.account_id, start) as ctx:
        settings.patch(ctx, {
            "syncWithPrimaryCompany": True,
            "pipelineStageRules": [{"pipelineId": "default", "stageId": "contractsent",
                                    "lifecycleStage": "salesqualifiedlead"}],
        })
        _companies(ctx, state, size.companies)
    per_day = size.contacts / size.days
    for day in range(size.days):
        at = start + day * DAY + 9 * 3_600_000
        with sc.unit(account.account_id, at) as ctx:
            _day(ctx, state, per_day)
        if progress:
            progress(day + 1, size.days)
    return account


def _companies(ctx: Ctx, st: _State, n: int) -> None:
    inputs = []
    for i in range(n):
        prefix = _PREFIXES[i % len(_PREFIXES)]
        suffix = _SUFFIXES[(i // len(_PREFIXES)) % len(_SUFFIXES)]
        name = f"{prefix} {suffix}"
        generation = i // (len(_PREFIXES) * len(_SUFFIXES))
        domain = name.lower().replace(" ", "") + f"{generation or ''}.example"
        st.domains.append(domain)
        inputs.append(NewRecord({
            "name": name, "domain": domain, "industry": st.rng.choice(_INDUSTRIES),
            "numberofemployees": str(st.rng.choice((12, 40, 85, 250, 900, 4000))),
            "city": st.rng.choice(("Oslo", "Stockholm", "Berlin", "Austin", "Lyon", "Leeds")),
        }))
    for chunk in range(0, len(inputs), 100):
        made = records.create(ctx, CO, inputs[chunk:chunk + 100], API)
        st.companies.extend(r.record_id for r in made if r.record_id is not None)


def _day(ctx: Ctx, st: _State, per_day: float) -> None:
    rng = st.rng
    count = int(per_day) + (1 if rng.random() < per_day % 1 else 0)
    _new_contacts(ctx, st, count)
    _progress_contacts(ctx, st)
    _deals(ctx, st)


def _new_contacts(ctx: Ctx, st: _State, count: int) -> None:
    rng = st.rng
    by_source: dict[SourceType, list[NewRecord]] = {}
    for _ in range(count):
        st.seq += 1
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        domain = rng.choice(_FREE) if rng.random() < 0.15 else rng.choice(st.domains)
        email = f"{first}.{last}{st.seq}@{domain}".lower().replace("-", "")
        props: dict[str, str | None] = {"firstname": first, "lastname": last, "email": email,
                                        "hs_analytics_source": rng.choice(_ORIGINS)}
        kind = rng.choices((SourceType.FORM, SourceType.IMPORT, SourceType.CRM_UI,
                            SourceType.INTEGRATION), (55, 20, 15, 10))[0]
        stage = None
        if kind is SourceType.FORM:
            stage = rng.choice(("subscriber", "subscriber", "lead"))
        elif kind is SourceType.INTEGRATION:
            stage = "lead"
        elif kind is SourceType.IMPORT:
            props["lifecyclestage"] = rng.choice(("subscriber", "lead", "marketingqualifiedlead"))
        by_source.setdefault(kind, []).append(NewRecord(props, (), stage))
    for kind, inputs in by_source.items():
        source = {SourceType.FORM: Source(kind, "form-newsletter", "Newsletter form"),
                  SourceType.IMPORT: Source(kind, "import-trade-show", "Trade show import"),
                  SourceType.CRM_UI: UI,
                  SourceType.INTEGRATION: Source(kind, "salesforce", "Salesforce sync")}[kind]
        made = records.create(ctx, C, inputs, source)
        st.contacts.extend(r.record_id for r in made if r.record_id is not None)


def _progress_contacts(ctx: Ctx, st: _State) -> None:
    """Scoring moves some leads up; sales qualifies some; a few statuses change."""
    rng = st.rng
    if not st.contacts:
        return
    sample = rng.sample(st.contacts, min(len(st.contacts), 12))
    loaded = _load(ctx, C, sample)  # walked in the sample's order, like _deals
    current = {rid: loaded[rid].stage for rid in sample if rid in loaded}
    scoring, qualifying, status = [], [], []
    for rid, stage in current.items():
        if stage in ("subscriber", None) and rng.random() < 0.35:
            scoring.append(ItemWrite(rid, {"lifecyclestage": "lead"}))
        elif stage == "lead" and rng.random() < 0.4:
            scoring.append(ItemWrite(rid, {"lifecyclestage": "marketingqualifiedlead"}))
        elif stage == "marketingqualifiedlead" and rng.random() < 0.45:
            qualifying.append(ItemWrite(rid, {"lifecyclestage": "salesqualifiedlead",
                                              "hs_lead_status": "IN_PROGRESS"}))
        elif stage == "customer" and rng.random() < 0.08:
            qualifying.append(ItemWrite(rid, {"lifecyclestage": "evangelist"}))
        elif stage in ("lead", "marketingqualifiedlead") and rng.random() < 0.3:
            status.append(ItemWrite(rid, {"hs_lead_status": rng.choice(
                ("NEW", "OPEN", "ATTEMPTED_TO_CONTACT", "CONNECTED", "BAD_TIMING"))}))
        elif stage == "salesqualifiedlead" and rng.random() < 0.03:
            # An occasional manual correction: a person moves a record back.
            qualifying.append(ItemWrite(rid, {"lifecyclestage": "lead",
                                              "hs_lead_status": "UNQUALIFIED"}))
    records.update_many(ctx, C, scoring, WORKFLOW)
    records.update_many(ctx, C, qualifying + status, UI)


# What the demo company sells: (amount, what a deal is named after).
_PLANS = ((1200, "Starter plan"), (4800, "Team plan"), (9900, "Business plan"),
          (15000, "Onboarding package"), (24000, "Enterprise plan"),
          (60000, "Multi-year enterprise agreement"))


def _deals(ctx: Ctx, st: _State) -> None:
    rng = st.rng
    pipeline = ctx.catalog.pipeline("default")
    assert pipeline is not None
    order = [s.id for s in pipeline.stages if not s.is_closed]
    # New deals for a few sales-qualified contacts.
    # In the sample's order, not the database's: the demo is the same whatever the plan.
    sample = rng.sample(st.contacts, min(len(st.contacts), 40))
    loaded = _load(ctx, C, sample)
    sqls = [rid for rid in sample if rid in loaded and loaded[rid].stage == "salesqualifiedlead"]
    for rid in sqls[: rng.randint(0, 3)]:
        contact = _load(ctx, C, [rid])[rid].values
        company = contact.get("associatedcompanyid")
        assoc = [(C, rid, ())] + ([(CO, int(company), ())] if company else [])
        amount, plan = rng.choice(_PLANS)
        buyer = (_load(ctx, CO, [int(company)])[int(company)].values.get("name") if company
                 else None) or f"{contact.get('firstname', '')} {contact.get('lastname', '')}"
        made = records.create(ctx, D, [NewRecord({"dealname": f"{buyer.strip()} – {plan}",
                                                  "amount": str(amount),
                                                  "dealstage": order[0]}, assoc)], UI)
        if made[0].record_id is not None:
            st.open_deals[made[0].record_id] = order[0]
    # Open deals move along, and some close.
    moves = []
    for did, stage in list(st.open_deals.items()):
        if rng.random() > 0.12:
            continue
        i = order.index(stage)
        if i + 1 < len(order):
            nxt = order[i + 1]
        else:
            nxt = "closedwon" if rng.random() < 0.55 else "closedlost"
        if i >= 2 and rng.random() < 0.1:
            nxt = "closedlost"
        moves.append(ItemWrite(did, {"dealstage": nxt}))
        if nxt in ("closedwon", "closedlost"):
            del st.open_deals[did]
        else:
            st.open_deals[did] = nxt
    records.update_many(ctx, D, moves, UI)


def _load(ctx: Ctx, ot: ObjectType, ids: list[int]):  # type: ignore[no-untyped-def]
    from stagecoach.store.records import records as store

    return store.load(ctx.conn, ctx.account_id, ot, ids)
