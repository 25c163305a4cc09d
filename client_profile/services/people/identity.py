"""Who is acting: e-mail normalisation (done once, at write time) and the Principal handed to services."""

from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from client_profile.services.errors import DomainError

MAX_EMAIL_LENGTH = 254


@dataclass(frozen=True, slots=True)
class Principal:
    """The logged-in identity, resolved from the session cookie on the server for every request/event."""

    client_id: int
    provider_id: int
    family_id: int | None
    session_id: int
    email: str
    full_name: str
    # services.people.changes.version_expression at the moment of the session lookup (one query for both).
    data_version: int = -1


def normalize_email(raw: object) -> str:
    """One rule for every address we store or look up: trimmed, IDNA/lower-cased domain, case-folded ASCII
    local part; non-ASCII local parts, quoted parts and IP literals are refused (docs/security.md AUTH-9).

    Raises DomainError with a message fit for the form.
    """
    if not isinstance(raw, str):
        raise DomainError("Please enter your e-mail address.")
    text = raw.strip()
    if not text:
        raise DomainError("Please enter your e-mail address.")
    if len(text) > MAX_EMAIL_LENGTH or any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise DomainError("Please enter a valid e-mail address.")
    try:
        result = validate_email(
            text,
            check_deliverability=False,
            allow_quoted_local=False,
            allow_domain_literal=False,
            allow_smtputf8=False,
        )
    except EmailNotValidError:
        raise DomainError("Please enter a valid e-mail address.") from None
    local = result.local_part
    domain = result.ascii_domain.lower()
    return f"{local.lower()}@{domain}"


@dataclass(frozen=True, slots=True)
class StaffPrincipal:
    """A logged-in staff member (the console), resolved from the staff session cookie on the server. Never
    accepted where a client Principal is expected, and the other way round: the two areas do not mix."""

    staff_id: int
    provider_id: int
    session_id: int
    email: str
    full_name: str
    role: str  # models.StaffRole value: "owner", "office" or "instructor"
