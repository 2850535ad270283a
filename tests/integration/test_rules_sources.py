"""Lifecycle spec §6: where stages come from besides the settings (rules 30 and 32; rules 28,
29 and 31 are in test_forms.py, test_tracking_events.py and test_rules_automation.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from stagecoach.domain.sources import Source, SourceType
from tests.helpers import API, CO, UI, Acct, C, source, stage_history
from tests.integration.imports_helpers import by_email, run_import, write

WRITERS = {"person": UI, "import": source(SourceType.IMPORT, "import-1"),
           "workflow": source(SourceType.WORKFLOWS, "wf-1"), "api": API}


# Rules 30 and 32 -------------------------------------------------------------------------

@pytest.mark.parametrize("stage", ["marketingqualifiedlead", "salesqualifiedlead",
                                   "evangelist", "other"])
@pytest.mark.parametrize("writer", list(WRITERS))
def test_people_imports_workflows_and_the_api_set_qualified_evangelist_and_other(
        acct: Acct, writer: str, stage: str) -> None:
    cid = acct.contact(stage="lead")
    acct.set_stage(C, cid, stage, WRITERS[writer])
    assert acct.stage(C, cid) == stage
    assert stage_history(acct, C, cid)[0].source_type == WRITERS[writer].type.value


def test_an_import_sets_evangelist_and_other(acct: Acct, tmp_path: Path) -> None:
    fan = acct.contact(email="fan@example.test", stage="customer")
    f = write(tmp_path / "a.csv", "email,lifecyclestage\nfan@example.test,Evangelist\n"
                                  "misc@example.test,other\n")
    imp = run_import(acct, f)
    assert (imp.created, imp.updated, imp.errors) == (1, 1, 0)
    assert acct.stage(C, fan) == "evangelist"
    assert by_email(acct, "misc@example.test")["misc@example.test"].stage == "other"


# Rule 29 ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", [SourceType.INTEGRATION, SourceType.SALESFORCE])
def test_a_contact_created_by_an_integration_sync_is_a_lead(acct: Acct, kind: SourceType
                                                            ) -> None:
    cid = acct.create(C, {"email": "synced@example.test"}, source=Source(kind, "salesforce"))
    assert acct.stage(C, cid) == "lead"
    assert stage_history(acct, C, cid)[0].source_type == kind.value


def test_an_integration_sync_lead_wins_over_the_create_setting_but_not_a_sent_stage(
        acct: Acct) -> None:
    acct.settings(createDefault={"enabled": True, "stage": "subscriber"})
    sync = Source(SourceType.INTEGRATION, "salesforce")
    plain = acct.create(C, {"email": "a@example.test"}, source=sync)
    sent = acct.create(C, {"email": "b@example.test", "lifecyclestage": "customer"},
                       source=sync)
    company = acct.create(CO, {"name": "Synced Inc"}, source=sync)
    assert (acct.stage(C, plain), acct.stage(C, sent)) == ("lead", "customer")
    assert acct.stage(CO, company) == "subscriber"  # rule 29 names contacts only
