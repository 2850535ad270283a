"""Sessions in signed cookies with a database-held secret, and CSRF on every form."""

from __future__ import annotations

import itertools
import re

from sqlalchemy import update

from stagecoach.domain.objects import ObjectType
from stagecoach.library import Stagecoach
from stagecoach.services.auth import accounts
from stagecoach.store.core import db
from stagecoach.store.schema import accounts as accounts_table
from tests.web.client import PASSWORD, client, csrf_of, sign_in

C = ObjectType.CONTACT
_n = itertools.count(1)


def _account(sc: Stagecoach, name: str = "Acme") -> tuple[int, str]:
    email = f"user{next(_n)}@sessions.test"
    made = sc.create_account(name, email, PASSWORD)
    return made.account_id, email


def test_every_page_asks_for_login_without_a_session(sc: Stagecoach) -> None:
    c = client(sc)
    for path in ("/contacts", "/companies", "/deals", "/settings/lifecycle", "/contacts/1"):
        r = c.get(path)
        assert r.status_code == 303
        assert r.headers["location"].startswith("/login?next=")


def test_session_cookie_is_httponly_lax_and_secure_only_over_https(sc: Stagecoach) -> None:
    _, email = _account(sc)
    for base, secure in (("http://testserver", False), ("https://testserver", True)):
        c = client(sc, base)
        token = csrf_of(c.get("/login").text)
        r = c.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
        cookie = next(h for h in r.headers.get_list("set-cookie")
                      if h.startswith("sc_session="))
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie
        assert ("Secure" in cookie) is secure


def test_header_shows_the_account_name(sc: Stagecoach) -> None:
    _, email = _account(sc, "Northwind Traders")
    c = client(sc)
    sign_in(c, email)
    assert "Northwind Traders" in c.get("/contacts").text


def test_wrong_password_is_refused_with_401(sc: Stagecoach) -> None:
    _, email = _account(sc)
    c = client(sc)
    token = csrf_of(c.get("/login").text)
    r = c.post("/login", data={"email": email, "password": "nope nope nope",
                               "csrf_token": token})
    assert r.status_code == 401
    assert "sc_session" not in r.cookies


def test_a_tampered_session_cookie_is_refused(sc: Stagecoach) -> None:
    _, email = _account(sc)
    c = client(sc)
    sign_in(c, email)
    value = c.cookies["sc_session"]
    c.cookies.set("sc_session", value[:-3] + ("aaa" if not value.endswith("aaa") else "bbb"))
    assert c.get("/contacts").status_code == 303


def test_a_cookie_relabelled_with_another_account_is_refused(sc: Stagecoach) -> None:
    _, email = _account(sc)
    other_id, _ = _account(sc)
    c = client(sc)
    sign_in(c, email)
    _, _, payload = c.cookies["sc_session"].partition(".")
    c.cookies.set("sc_session", f"{other_id}.{payload}")
    assert c.get("/contacts").status_code == 303


def test_a_session_is_valid_in_every_server_process(sc: Stagecoach) -> None:
    """The secret is in the database: a second app instance (another process) accepts the
    cookie the first one issued."""
    _, email = _account(sc)
    first = client(sc)
    sign_in(first, email)
    second = client(Stagecoach(engine=sc.engine, upgrade=False))
    second.cookies.set("sc_session", first.cookies["sc_session"])
    assert second.get("/contacts").status_code == 200


def test_rotating_the_account_secret_signs_everyone_out(sc: Stagecoach) -> None:
    account_id, email = _account(sc)
    c = client(sc)
    sign_in(c, email)
    with db.transaction(sc.engine) as conn:
        conn.execute(update(accounts_table).where(accounts_table.c.account_id == account_id)
                     .values(web_secret="f" * 64))
    assert c.get("/contacts").status_code == 303


def test_logout_ends_the_session(sc: Stagecoach) -> None:
    _, email = _account(sc)
    c = client(sc)
    token = sign_in(c, email)
    assert c.post("/logout", data={"csrf_token": token}).status_code == 303
    assert c.get("/contacts").status_code == 303


def test_a_post_without_the_csrf_token_is_refused_and_writes_nothing(sc: Stagecoach) -> None:
    account_id, email = _account(sc)
    c = client(sc)
    sign_in(c, email)
    r = c.post("/contacts", data={"email": "nobody@example.org"})
    assert r.status_code == 403
    r = c.post("/contacts", data={"email": "nobody@example.org", "csrf_token": "forged"})
    assert r.status_code == 403
    assert "nobody@example.org" not in c.get("/contacts").text
    with sc.unit(account_id, readonly=True) as ctx:
        from stagecoach.store.records import records
        assert records.find_by(ctx.conn, account_id, C, "email", ["nobody@example.org"]) == {}


def test_a_csrf_token_of_another_session_is_refused(sc: Stagecoach) -> None:
    _, email = _account(sc)
    _, other_email = _account(sc)
    mine, theirs = client(sc), client(sc)
    sign_in(mine, email)
    their_token = sign_in(theirs, other_email)
    assert mine.post("/contacts", data={"email": "x@example.org",
                                        "csrf_token": their_token}).status_code == 403


def test_login_form_needs_its_csrf_token(sc: Stagecoach) -> None:
    _, email = _account(sc)
    c = client(sc)
    c.get("/login")
    r = c.post("/login", data={"email": email, "password": PASSWORD})
    assert r.status_code == 403


def test_a_user_of_two_accounts_chooses_which_one(sc: Stagecoach) -> None:
    first_id, email = _account(sc, "First Account")
    second = sc.create_account("Second Account", f"other{next(_n)}@sessions.test", PASSWORD)
    with db.transaction(sc.engine) as conn:
        accounts.create_user(conn, second.account_id, email, PASSWORD, "member", 0)
    c = client(sc)
    token = csrf_of(c.get("/login").text)
    r = c.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 200
    assert "Choose an account" in r.text
    assert "First Account" in r.text and "Second Account" in r.text
    choice = re.search(rf'name="choice" value="({second.account_id}\.[^"]+)"', r.text)
    assert choice is not None
    r = c.post("/login/account", data={"choice": choice.group(1), "csrf_token": token})
    assert r.status_code == 303
    assert "Second Account" in c.get("/contacts").text
    # A forged choice (another account id on the same token) is refused.
    forged = f"{first_id}.{choice.group(1).partition('.')[2]}"
    c2 = client(sc)
    token2 = csrf_of(c2.get("/login").text)
    assert c2.post("/login/account", data={"choice": forged, "csrf_token": token2}
                   ).status_code == 401


def test_login_never_redirects_to_another_site(sc: Stagecoach) -> None:
    _, email = _account(sc)
    c = client(sc)
    token = csrf_of(c.get("/login").text)
    r = c.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token,
                               "next": "//evil.example/steal"})
    assert r.headers["location"] == "/contacts"


def test_members_see_settings_read_only_and_cannot_save(sc: Stagecoach) -> None:
    account_id, _ = _account(sc)
    member = f"member{next(_n)}@sessions.test"
    with db.transaction(sc.engine) as conn:
        accounts.create_user(conn, account_id, member, PASSWORD, "member", 0)
    c = client(sc)
    token = sign_in(c, member)
    page = c.get("/settings/lifecycle").text
    assert "read-only" in page and "Save settings" not in page
    r = c.post("/settings/lifecycle", data={"csrf_token": token,
                                            "syncWithPrimaryCompany": "on"})
    assert r.status_code == 403
    with sc.unit(account_id, readonly=True) as ctx:
        assert ctx.catalog.settings.sync_with_primary_company is False
