"""Canonical forms of identifying values: emails and company domains."""

from __future__ import annotations

import re

from stagecoach.domain.errors import ValidationError

_EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")

# Rule 27: free-mail domains never name a company.
FREE_MAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "yahoo.fr", "ymail.com",
    "hotmail.com", "hotmail.co.uk", "hotmail.fr", "outlook.com", "live.com", "msn.com",
    "aol.com", "icloud.com", "me.com", "mac.com", "protonmail.com", "proton.me",
    "gmx.com", "gmx.de", "gmx.net", "web.de", "mail.com", "mail.ru", "yandex.ru",
    "yandex.com", "zoho.com", "fastmail.com", "hey.com", "tutanota.com", "qq.com",
    "163.com", "126.com", "naver.com", "orange.fr", "free.fr", "laposte.net", "libero.it",
    "t-online.de", "comcast.net", "verizon.net", "att.net", "sbcglobal.net",
})


def email(value: str) -> str:
    v = value.strip().lower()
    if len(v) > 254 or not _EMAIL_RE.match(v):
        raise ValidationError(
            f"Email address {value[:100]!r} is invalid", code="INVALID_EMAIL",
            propertyName="email",
        )
    return v


def domain(value: str) -> str:
    v = value.strip().lower()
    v = re.sub(r"^[a-z]+://", "", v)
    v = v.split("/", 1)[0].split("?", 1)[0].split(":", 1)[0]
    if v.startswith("www."):
        v = v[4:]
    if not v or len(v) > 253 or not re.match(r"^[a-z0-9.-]+\.[a-z0-9-]{2,}$", v):
        raise ValidationError(
            f"Domain {value[:100]!r} is invalid", code="INVALID_DOMAIN", propertyName="domain"
        )
    return v


def company_domain_of(email_value: str) -> str | None:
    """The company domain an email implies, or None for free-mail addresses."""
    d = email_value.rsplit("@", 1)[-1]
    return None if d in FREE_MAIL_DOMAINS else d
