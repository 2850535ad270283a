"""The record page's explain panel: services/lifecycle/explain.py's chain and blocked writes."""

from __future__ import annotations

import html
import itertools

from stagecoach.domain.objects import ObjectType
from stagecoach.domain.sources import Source, SourceType
from stagecoach.library import Stagecoach
from tests.helpers import Acct
from tests.web.client import PASSWORD, client, sign_in

C, CO = ObjectType.CONTACT, ObjectType.COMPANY
_n = itertools.count(1)


def test_the_panel_walks_the_chain_to_the_company_with_a_sentence_per_step(
        sc: Stagecoach) -> None:
    made = sc.create_account("Explain Inc", f"explain{next(_n)}@explain.test", PASSWORD)
    acct = Acct(sc, made.account_id)
    c = client(sc)
    sign_in(c, made.admin_email)
    acct.settings(syncWithPrimaryCompany=True)
    co = acct.company(stage="lead")
    cid = acct.contact(stage="subscriber")
    acct.associate(C, cid, CO, co, (1,))
    acct.set_stage(CO, co, "salesqualifiedlead", Source(SourceType.CRM_UI, None, "web app"))
    acct.set_stage(C, cid, "lead")  # backward from the API: refused (rule 6)
    page = html.unescape(c.get(f"/contacts/{cid}").text)
    panel = page[page.index('data-testid="explain"'):]
    chain = panel[panel.index('data-testid="explain-chain"'):panel.index("</ol>")]
    assert chain.count("<li>") == 2
    assert f'href="/companies/{co}"' in chain and "company_sync" in chain
    assert "moved to Sales Qualified Lead" in chain
    assert "Sales Qualified Lead" in panel[panel.index('data-testid="explain-summary"'):]
    blocked = panel[panel.index('data-testid="blocked-writes"'):]
    assert "lead" in blocked.lower() and "No write was refused" not in blocked
