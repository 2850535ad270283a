"""Every response carries the security headers of issue 20 (point 7); the API's docs page,
which would load scripts from a CDN, is off unless the operator turns it on."""

from __future__ import annotations

from fastapi.testclient import TestClient

from stagecoach.api.app import create_app
from stagecoach.library import Stagecoach


def test_api_answers_carry_nosniff_referrer_policy_and_a_self_only_csp(
        client: TestClient) -> None:
    r = client.get("/crm/v3/objects/contacts")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert "server" not in r.headers
    assert "strict-transport-security" not in r.headers


def test_pages_cannot_be_framed_but_the_hosted_form_page_can(client: TestClient) -> None:
    login = client.get("/login")
    assert "frame-ancestors 'none'" in login.headers["content-security-policy"]
    form = client.get("/forms/nope/view", params={"portalId": "1"})
    assert "frame-ancestors *" in form.headers["content-security-policy"]
    assert "x-frame-options" not in form.headers


def test_hsts_and_the_docs_page_are_the_operators_choice(sc: Stagecoach,
                                                         monkeypatch: object) -> None:
    with TestClient(create_app(sc, worker=False)) as plain:
        assert plain.get("/docs").status_code == 404
        assert plain.get("/openapi.json").status_code == 200
    monkeypatch.setenv("STAGECOACH_HSTS", "on")  # type: ignore[attr-defined]
    monkeypatch.setenv("STAGECOACH_API_DOCS", "on")  # type: ignore[attr-defined]
    with TestClient(create_app(sc, worker=False)) as chosen:
        r = chosen.get("/docs")
        assert r.status_code == 200
        assert r.headers["strict-transport-security"].startswith("max-age=")
