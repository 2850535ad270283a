"""Automation spec rule 78: `companySyncScope` allContacts makes rule 21's sync reach every
contact associated with the company, not only those whose primary company it is, for
automation's changes and manual ones, on association, and when applied to existing
records."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.helpers import CO, UI, Acct, C, drain


def test_all_contacts_follow_a_company_they_are_associated_with(acct: Acct) -> None:
    acct.settings(syncWithPrimaryCompany=True, companySyncScope="allContacts")
    x, y = acct.company(), acct.company()
    secondary = acct.contact(stage="subscriber")
    acct.associate(C, secondary, CO, y, (1,))
    acct.associate(C, secondary, CO, x)  # unlabelled: x is not its primary company
    acct.set_stage(CO, x, "customer", UI)
    assert acct.stage(C, secondary) == "customer"


def test_a_contact_associated_with_a_company_takes_its_stage_forward_only(acct: Acct) -> None:
    acct.settings(syncWithPrimaryCompany=True, companySyncScope="allContacts")
    x = acct.company(stage="opportunity")
    behind, ahead = acct.contact(stage="lead"), acct.contact(stage="evangelist")
    acct.associate(C, behind, CO, x)
    acct.associate(C, ahead, CO, x)
    assert acct.stage(C, behind) == "opportunity"
    assert acct.stage(C, ahead) == "evangelist"


def test_the_primary_scope_leaves_other_associated_contacts_alone(acct: Acct) -> None:
    acct.settings(syncWithPrimaryCompany=True, companySyncScope="primary")
    x = acct.company()
    other = acct.contact(stage="subscriber")
    acct.associate(C, other, CO, x)
    acct.set_stage(CO, x, "customer", UI)
    assert acct.stage(C, other) == "subscriber"


def test_applying_the_scope_moves_existing_associated_contacts(acct: Acct, client: TestClient
                                                               ) -> None:
    x = acct.company(stage="customer")
    other = acct.contact(stage="lead")
    acct.associate(C, other, CO, x)
    acct.settings(syncWithPrimaryCompany=True)
    assert acct.stage(C, other) == "lead"  # the primary scope: x is not its primary
    job = client.post("/lifecycle/v1/settings/apply", json={"companySyncScope": "allContacts"})
    assert job.status_code in (200, 202), job.text
    drain(acct.sc)
    assert acct.stage(C, other) == "customer"
    assert client.get("/lifecycle/v1/settings").json()["companySyncScope"] == "allContacts"


def test_an_unknown_scope_is_refused(client: TestClient) -> None:
    r = client.patch("/lifecycle/v1/settings", json={"companySyncScope": "everyone"})
    assert r.status_code == 400 and "allContacts" in r.json()["message"]
