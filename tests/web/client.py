"""Signing in to the web app through its own pages, for HTTP-level tests."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from stagecoach.api.app import create_app
from stagecoach.library import Stagecoach

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def client(sc: Stagecoach, base_url: str = "http://testserver") -> TestClient:
    return TestClient(create_app(sc), base_url=base_url, follow_redirects=False)


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def sign_in(c: TestClient, email: str, password: str = PASSWORD) -> str:
    """Signs in and returns the CSRF token of the signed-in session."""
    token = csrf_of(c.get("/login").text)
    r = c.post("/login", data={"email": email, "password": password, "csrf_token": token})
    assert r.status_code == 303, r.text[:500]
    page = c.get("/contacts")
    assert page.status_code == 200
    return csrf_of(page.text)
