"""The e-mails the app sends, one declaration per kind (KINDS), and the provider's own texts for them.

Rules (docs/architecture.md "Message templates"):
- A kind has a built-in subject and body in merge-tag form (today's text), the tags it allows, the tags it needs
  (a login mail without its code or link is refused) and sample values for the preview.
- A provider that never edits a kind gets exactly today's mail: with no stored override the renderer's own
  built-in e-mail is sent (``render`` calls its ``default``). With an override, the override's subject and body
  are filled in (integrations/email_templates.py ``template_email``: the text as typed, the HTML part generated
  with every value escaped, a URL value a link).
- A subject is one line: CR/LF (or any control character) is refused on save and again when rendering (values
  are flattened to one line first, so a hostile name cannot add a header).
- Unknown tags, and tags the kind does not allow, are refused on save with a field error naming the tag.
- *|PROFILE_URL|* is BASE_URL + /login?email=<the recipient's address, url-encoded>: the login page with the
  address filled in. Never a token or a code.
- Only the owner edits (Capability.settings); whoever may send messages (Capability.messages) may view them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from client_profile.integrations.email_templates import (
    TAG_RE,
    HeaderInjection,
    RenderedEmail,
    fill_subject,
    fill_text,
    template_email,
)
from client_profile.models import MessageTemplate, Provider, utcnow
from client_profile.services.errors import DomainError, FieldErrors, NotFound, StaleEdit
from client_profile.services.people.access import Capability, require_staff, staff_may
from client_profile.services.people.audit import claim_version, record
from client_profile.services.people.identity import StaffPrincipal
from client_profile.settings import get_settings

SUBJECT_MAX = 200
BODY_MAX = 5000


@dataclass(frozen=True)
class Tag:
    description: str
    sample: str
    url: bool = False  # a link: clickable in the HTML part


TAGS: dict[str, Tag] = {
    "PROFILE_URL": Tag(
        "the login page with the recipient's e-mail filled in",
        "https://portal.example/login?email=",
        url=True,
    ),
    "FIRST_NAME": Tag("the recipient's first name", "Anna"),
    "ATTENDEE": Tag("the child (attendee) the message is about", "Ema"),
    "CLASS": Tag("the course and class", "Swimming (Beginners - Tuesday 16:00)"),
    "SESSION_TIME": Tag("the session's day and time", "Tue 8 Dec 16:00"),
    "AMOUNT_DUE": Tag("what the family still has to pay", "EUR 75.00"),
    "PROVIDER": Tag("your organisation's name", "Little Otters"),
    "LOGIN_CODE": Tag("the 6-digit login code", "123 456"),
    "LOGIN_LINK": Tag("the one-time login link", "https://portal.example/auth/link/SAMPLE", url=True),
    "MINUTES": Tag("how long the code and link are valid", "10"),
    "CONSOLE_URL": Tag("the console's login page", "https://portal.example/admin/login", url=True),
    "INVITED_BY": Tag("who added the staff member", "Olga Owner"),
    "ROLE": Tag("the staff member's role", "office"),
    "DEADLINE": Tag("the last day to book the make-up", "Tue 22 Dec 2026"),
    "BENEFITS_URL": Tag("the make-ups page", "https://portal.example/benefits", url=True),
    "OFFER_LINK": Tag(
        "the link confirming the offered place", "https://portal.example/offer/SAMPLE", url=True
    ),
    "OFFER_UNTIL": Tag("until when the place is held", "Mon 7 Dec 18:00"),
    "BOOKING_URL": Tag("the booking's page", "https://portal.example/bookings/1", url=True),
    "NOTE": Tag("the note given with the cancellation", "The pool is closed for repairs."),
    "VENUE": Tag("where the session takes place", "City pool"),
    "ACCOUNT_URL": Tag("the account page (reminder settings)", "https://portal.example/account", url=True),
    "AMOUNT_PAID": Tag("the amount received", "EUR 75.00"),
    "SHARED_BY": Tag("who shared the booking", "Anna Novak"),
    "DESCRIPTION": Tag("what the charge is for", "Swimming, Beginners - term fee"),
    "DUE_DATE": Tag("the day a charge is due", "Tue 15 Dec 2026"),
    "PAYMENTS_URL": Tag("the payments page", "https://portal.example/payments", url=True),
    "RECEIPT_URL": Tag(
        "the receipt (or the payments page)", "https://portal.example/documents/1.pdf", url=True
    ),
    "LIVESTREAM_URL": Tag("the livestream link", "https://meet.example/swim", url=True),
    "ACCESS": Tag("what the shared person may do", "see the booking and get its messages, and pay its items"),
    "INVITE_LINK": Tag(
        "the single-use invitation link (7 days)", "https://portal.example/invitation/SAMPLE", url=True
    ),
}
URL_TAGS = frozenset(name for name, tag in TAGS.items() if tag.url)
_FAMILY = ("PROVIDER", "FIRST_NAME", "PROFILE_URL")
_REMINDER_FOOTER = (
    "You get this reminder from *|PROVIDER|*. Turn reminders on or off in your account: *|ACCOUNT_URL|*"
)


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    subject: str
    body: str
    tags: tuple[str, ...]
    required: tuple[str, ...] = ()
    sent: bool = True  # False: declared for a feature that does not send it yet
    to_staff: bool = False


def _kind(key, label, subject, body, tags, required=(), **flags) -> Kind:
    return Kind(key, label, subject, body, tuple(tags), tuple(required), **flags)


KINDS: dict[str, Kind] = {
    k.key: k
    for k in (
        _kind(
            "login",
            "Login code (families)",
            "Your login code for *|PROVIDER|*",
            "Log in to *|PROVIDER|*\n\nYour login code is: *|LOGIN_CODE|*\n\nEnter it on the page where you "
            "asked to log in, or open this link on that device:\n*|LOGIN_LINK|*\n\nThe code and the link "
            "expire in *|MINUTES|* minutes and work once.\nIf you did not ask to log in, ignore this e-mail: "
            "nobody can log in without it.",
            (*_FAMILY, "LOGIN_CODE", "LOGIN_LINK", "MINUTES"),
            ("LOGIN_CODE", "LOGIN_LINK"),
        ),
        _kind(
            "staff_login",
            "Login code (staff)",
            "Your login code for *|PROVIDER|*",
            "Log in to *|PROVIDER|*\n\nYour login code is: *|LOGIN_CODE|*\n\nEnter it on the page where you "
            "asked to log in, or open this link on that device:\n*|LOGIN_LINK|*\n\nThe code and the link "
            "expire in *|MINUTES|* minutes and work once.\nIf you did not ask to log in, ignore this e-mail: "
            "nobody can log in without it.",
            ("PROVIDER", "FIRST_NAME", "LOGIN_CODE", "LOGIN_LINK", "MINUTES"),
            ("LOGIN_CODE", "LOGIN_LINK"),
            to_staff=True,
        ),
        _kind(
            "staff_invite",
            "Staff invitation",
            "You were added to the *|PROVIDER|* console",
            "*|INVITED_BY|* added you to the *|PROVIDER|* console as *|ROLE|*.\n\nLog in with this e-mail "
            "address (no password: we send you a code):\n\n*|CONSOLE_URL|*",
            ("PROVIDER", "FIRST_NAME", "INVITED_BY", "ROLE", "CONSOLE_URL"),
            ("CONSOLE_URL",),
            to_staff=True,
        ),
        _kind(
            "makeup_earned",
            "Make-up to book",
            "*|ATTENDEE|* has a make-up session to book",
            "Hello *|FIRST_NAME|*,\n\n*|ATTENDEE|*'s *|CLASS|* session on *|SESSION_TIME|* was excused in "
            "time, so *|ATTENDEE|* can make it up in another session of the same course.\n\nChoose a session "
            "and book it by *|DEADLINE|* on the Benefits page: you see the sessions with free places and can "
            "book with one tap.\n\nBook a make-up: *|BENEFITS_URL|*\n\n" + _REMINDER_FOOTER,
            (*_FAMILY, "ATTENDEE", "CLASS", "SESSION_TIME", "DEADLINE", "BENEFITS_URL", "ACCOUNT_URL"),
        ),
        _kind(
            "makeup_expiring",
            "Make-up expiring",
            "*|ATTENDEE|*'s make-up expires on *|DEADLINE|*",
            "Hello *|FIRST_NAME|*,\n\n*|ATTENDEE|* still has a make-up session to book for *|CLASS|* (for the "
            "session on *|SESSION_TIME|*).\n\nBook it by *|DEADLINE|*: after that day the make-up can no "
            "longer be used. The Benefits page shows the sessions with free places.\n\nBook a make-up: "
            "*|BENEFITS_URL|*\n\n" + _REMINDER_FOOTER,
            (*_FAMILY, "ATTENDEE", "CLASS", "SESSION_TIME", "DEADLINE", "BENEFITS_URL", "ACCOUNT_URL"),
        ),
        _kind(
            "waitlist_offer",
            "Waiting list: a place is free",
            "A make-up place is free for *|ATTENDEE|*: *|SESSION_TIME|*",
            "Hello *|FIRST_NAME|*,\n\nA place has become free in *|CLASS|* on *|SESSION_TIME|*, and it is "
            "held for *|ATTENDEE|* until *|OFFER_UNTIL|*.\n\nConfirm it with this link. If you do not confirm "
            "by then, the place goes to the next person in the queue and your make-up stays available.\n\n"
            "Confirm the place: *|OFFER_LINK|*\n\n" + _REMINDER_FOOTER,
            (*_FAMILY, "ATTENDEE", "CLASS", "SESSION_TIME", "OFFER_UNTIL", "OFFER_LINK", "ACCOUNT_URL"),
            ("OFFER_LINK",),
        ),
        _kind(
            "session_cancelled",
            "Session cancelled",
            "*|CLASS|* on *|SESSION_TIME|* is cancelled",
            "Hello *|FIRST_NAME|*,\n\n*|PROVIDER|* has cancelled the session of *|CLASS|* on "
            "*|SESSION_TIME|*.\n\n*|NOTE|*\n\nSee the booking: *|BOOKING_URL|*",
            (*_FAMILY, "ATTENDEE", "CLASS", "SESSION_TIME", "NOTE", "BOOKING_URL", "ACCOUNT_URL"),
        ),
        _kind(
            "session_restored",
            "Session takes place after all",
            "*|CLASS|* on *|SESSION_TIME|* takes place after all",
            "Hello *|FIRST_NAME|*,\n\nThe session of *|CLASS|* on *|SESSION_TIME|* that was cancelled takes "
            "place after all.\n\nSee the booking: *|BOOKING_URL|*",
            (*_FAMILY, "ATTENDEE", "CLASS", "SESSION_TIME", "BOOKING_URL", "ACCOUNT_URL"),
        ),
        _kind(
            "session_moved",
            "Session moved",
            "*|CLASS|* has moved to *|SESSION_TIME|*",
            "Hello *|FIRST_NAME|*,\n\nThe session of *|CLASS|* you have a place in now takes place on "
            "*|SESSION_TIME|* (*|VENUE|*).\n\nIf the new time does not suit you, you can excuse the session "
            "on its booking page: *|BOOKING_URL|*",
            (*_FAMILY, "ATTENDEE", "CLASS", "SESSION_TIME", "VENUE", "BOOKING_URL", "ACCOUNT_URL"),
        ),
        _kind(
            "payment_received",
            "Payment received",
            "We received your payment of *|AMOUNT_PAID|*",
            "Hello *|FIRST_NAME|*,\n\nThank you: we received *|AMOUNT_PAID|* for *|DESCRIPTION|*. Still to pay: "
            "*|AMOUNT_DUE|*.\n\nYour receipt: *|RECEIPT_URL|*\n\nYour profile: *|PROFILE_URL|*",
            (*_FAMILY, "AMOUNT_PAID", "AMOUNT_DUE", "ATTENDEE", "CLASS", "DESCRIPTION", "RECEIPT_URL"),
        ),
        _kind(
            "charge_due",
            "New charge to pay",
            "New charge: *|DESCRIPTION|* (*|AMOUNT_DUE|*)",
            "Hello *|FIRST_NAME|*,\n\n*|PROVIDER|* has added a charge: *|DESCRIPTION|*, *|AMOUNT_DUE|*, due by "
            "*|DUE_DATE|*.\n\nPay or see your payments: *|PAYMENTS_URL|*\n\nYour profile: *|PROFILE_URL|*",
            (*_FAMILY, "AMOUNT_DUE", "ATTENDEE", "CLASS", "DESCRIPTION", "DUE_DATE", "PAYMENTS_URL"),
        ),
        _kind(
            "livestream_changed",
            "Livestream link added or changed",
            "*|CLASS|* on *|SESSION_TIME|*: the livestream link",
            "Hello *|FIRST_NAME|*,\n\n*|ATTENDEE|*'s session of *|CLASS|* on *|SESSION_TIME|* has a new "
            "livestream link: *|LIVESTREAM_URL|*\n\nSee the booking: *|BOOKING_URL|*\n\n" + _REMINDER_FOOTER,
            (*_FAMILY, "ATTENDEE", "CLASS", "SESSION_TIME", "LIVESTREAM_URL", "BOOKING_URL", "ACCOUNT_URL"),
        ),
        _kind(
            "shared_access",
            "Shared access",
            "*|SHARED_BY|* shared *|ATTENDEE|*'s booking with you",
            "Hello *|FIRST_NAME|*,\n\n*|SHARED_BY|* shared *|ATTENDEE|*'s booking in *|CLASS|* with you at "
            "*|PROVIDER|*: you may *|ACCESS|*.\n\nAccept or decline the invitation here (log in with this "
            "e-mail address; the link works once, for 7 days):\n*|INVITE_LINK|*\n\nYour profile: "
            "*|PROFILE_URL|*",
            (*_FAMILY, "SHARED_BY", "ATTENDEE", "CLASS", "ACCESS", "INVITE_LINK"),
            ("INVITE_LINK",),
        ),
        _kind(
            "shared_access_granted",
            "Shared access (granted by the provider)",
            "*|SHARED_BY|* shared *|ATTENDEE|*'s booking with you",
            "Hello *|FIRST_NAME|*,\n\n*|SHARED_BY|* shared *|ATTENDEE|*'s booking in *|CLASS|* with you at "
            "*|PROVIDER|*: you may *|ACCESS|*.\n\nLog in with this e-mail address to see it: *|PROFILE_URL|*",
            (*_FAMILY, "SHARED_BY", "ATTENDEE", "CLASS", "ACCESS"),
        ),
        _kind(
            "shared_access_changed",
            "Shared access changed",
            "Your access to *|ATTENDEE|*'s booking has changed",
            "Hello *|FIRST_NAME|*,\n\n*|SHARED_BY|* changed what you may do with *|ATTENDEE|*'s booking in "
            "*|CLASS|* at *|PROVIDER|*: you may now *|ACCESS|*.\n\nYour profile: *|PROFILE_URL|*",
            (*_FAMILY, "SHARED_BY", "ATTENDEE", "CLASS", "ACCESS"),
        ),
        _kind(
            "shared_access_revoked",
            "Shared access ended",
            "You no longer have access to *|ATTENDEE|*'s booking",
            "Hello *|FIRST_NAME|*,\n\n*|SHARED_BY|* ended your access to *|ATTENDEE|*'s booking in *|CLASS|* "
            "at *|PROVIDER|*. You no longer see it or get its messages.\n\nYour profile: *|PROFILE_URL|*",
            (*_FAMILY, "SHARED_BY", "ATTENDEE", "CLASS"),
        ),
        _kind(
            "family_message",
            "Message to families (a class or a session)",
            "",
            "",
            (*_FAMILY, "ATTENDEE", "CLASS", "SESSION_TIME", "AMOUNT_DUE"),
        ),
    )
}
EDITABLE = tuple(k for k in KINDS if k != "family_message")  # the family message is written each time


def profile_url(email: str) -> str:
    """The login page with the address filled in (no token, no code: a link anyone may forward safely)."""
    return f"{get_settings().base_url}/login?email={quote(email or '', safe='')}"


def samples(kind: Kind) -> dict[str, str]:
    values = {name: TAGS[name].sample for name in kind.tags}
    if "PROFILE_URL" in values:
        values["PROFILE_URL"] = profile_url("anna@example.com")
    return values


# ------------------------------------------------------------------------------------------------ checks


def _kind_of(key: object) -> Kind:
    if not isinstance(key, str) or key not in KINDS:
        raise NotFound("message kind")
    return KINDS[key]


def check(kind_key: object, subject: object, body: object) -> tuple[str, str]:
    """The subject and body if they may be saved for this kind; FieldErrors naming what is wrong otherwise."""
    kind = _kind_of(kind_key)
    errors: dict[str, str] = {}
    subject_text = subject if isinstance(subject, str) else ""
    body_text = (body if isinstance(body, str) else "").replace("\r\n", "\n").strip()
    if any(c in subject_text for c in "\r\n") or any(ord(c) < 32 or ord(c) == 127 for c in subject_text):
        errors["subject"] = "The subject must be one line (no line breaks)."
    subject_text = subject_text.strip()
    if not subject_text and "subject" not in errors:
        errors["subject"] = "Write a subject."
    elif len(subject_text) > SUBJECT_MAX:
        errors["subject"] = f"The subject is too long (at most {SUBJECT_MAX} characters)."
    if not body_text:
        errors["body"] = "Write the message."
    elif len(body_text) > BODY_MAX:
        errors["body"] = f"The message is too long (at most {BODY_MAX} characters)."
    elif any((ord(c) < 32 and c not in "\n\t") or ord(c) == 127 for c in body_text):
        errors["body"] = "The message contains a control character."
    for name, text in (("subject", subject_text), ("body", body_text)):
        if name in errors:
            continue
        unknown = [m for m in dict.fromkeys(TAG_RE.findall(text)) if m not in kind.tags]
        if unknown:
            names = ", ".join(f"*|{u}|*" for u in unknown)
            errors[name] = f"Unknown tag {names}: this message can use {_tag_list(kind)}."
    missing = [t for t in kind.required if f"*|{t}|*" not in f"{subject_text}\n{body_text}"]
    if missing and "body" not in errors:
        errors["body"] = f"This message must contain {', '.join(f'*|{t}|*' for t in missing)}."
    if errors:
        raise FieldErrors(errors)
    return subject_text, body_text


def _tag_list(kind: Kind) -> str:
    return ", ".join(f"*|{t}|*" for t in kind.tags)


# ------------------------------------------------------------------------------------------------ rendering


def override_for(db: Session, provider_id: int, kind: str) -> MessageTemplate | None:
    return db.execute(
        select(MessageTemplate).where(
            MessageTemplate.provider_id == provider_id, MessageTemplate.kind == kind
        )
    ).scalar_one_or_none()


def fill(provider: Provider, subject: str, body: str, values: dict[str, str]) -> RenderedEmail:
    """A subject and body filled in with the values, as the e-mail (text and escaped HTML)."""
    return template_email(
        provider_name=provider.name,
        brand_color=provider.brand_color,
        subject=subject,
        body=body,
        values={"PROVIDER": provider.name, **values},
        url_tags=URL_TAGS,
    )


def render(
    db: Session,
    provider: Provider,
    kind: str,
    values: dict[str, str],
    default: Callable[[], RenderedEmail],
) -> RenderedEmail:
    """The one way an e-mail of a declared kind is made: the provider's override filled with ``values``, or
    the built-in e-mail (``default()``) when there is none."""
    if kind not in KINDS:
        raise ValueError(f"undeclared message kind {kind!r}")
    override = override_for(db, provider.id, kind)
    if override is None:
        return default()
    return fill(provider, override.subject, override.body, values)


# ------------------------------------------------------------------------------------------------ the console


@dataclass(frozen=True, slots=True)
class TemplateRow:
    kind: str
    label: str
    edited: bool
    sent: bool
    to_staff: bool


@dataclass(frozen=True, slots=True)
class TemplateForm:
    kind: str
    label: str
    subject: str
    body: str
    version: int  # 0: no override stored (the built-in text is shown)
    edited: bool
    tags: list[str]  # "*|NAME|* – what it is"
    required: str  # "*|LOGIN_CODE|*, *|LOGIN_LINK|*" or ""
    sent: bool


@dataclass(frozen=True, slots=True)
class Preview:
    subject: str
    text: str
    problem: str  # why it could not be saved as it is ("" when fine)


def require_view(principal: object) -> StaffPrincipal:
    """The texts and the messages page are for whoever may send messages (owner, office)."""
    return require_staff(principal, Capability.messages)


def may_edit(principal: StaffPrincipal) -> bool:
    """Whether this staff member may change the texts (the owner); others with the messages right read them."""
    return staff_may(principal, Capability.settings)


def _version(value: object) -> object:
    """A form's version ("3") as a number; anything else is left for the version check to refuse."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 10:
        return int(value)
    return value


def template_rows(db: Session, principal: StaffPrincipal) -> list[TemplateRow]:
    require_staff(principal, Capability.messages)
    edited = set(
        db.execute(
            select(MessageTemplate.kind).where(MessageTemplate.provider_id == principal.provider_id)
        ).scalars()
    )
    return [
        TemplateRow(k.key, k.label, k.key in edited, k.sent, k.to_staff)
        for k in (KINDS[key] for key in EDITABLE)
    ]


def template_form(db: Session, principal: StaffPrincipal, kind_key: object) -> TemplateForm:
    require_staff(principal, Capability.messages)
    if kind_key not in EDITABLE:
        raise NotFound("message kind")
    kind = KINDS[kind_key]  # type: ignore[index]
    row = override_for(db, principal.provider_id, kind.key)
    return TemplateForm(
        kind=kind.key,
        label=kind.label,
        subject=row.subject if row else kind.subject,
        body=row.body if row else kind.body,
        version=row.version if row else 0,
        edited=row is not None,
        tags=[f"*|{t}|* – {TAGS[t].description}" for t in kind.tags],
        required=", ".join(f"*|{t}|*" for t in kind.required),
        sent=kind.sent,
    )


def preview(principal: StaffPrincipal, provider: Provider, kind_key: object, subject: object, body: object):
    """The message as the sample recipient would get it (text part), and why it could not be saved, if so."""
    require_staff(principal, Capability.messages)
    kind = _kind_of(kind_key)
    problem = ""
    try:
        check(kind.key, subject, body)
    except FieldErrors as exc:
        problem = str(exc)
    values = {"PROVIDER": provider.name, **samples(kind)}
    subject_text = subject if isinstance(subject, str) else ""
    body_text = body if isinstance(body, str) else ""
    try:
        shown_subject = fill_subject(subject_text.replace("\r", " ").replace("\n", " "), values)
    except HeaderInjection:
        shown_subject = ""
    return Preview(shown_subject, fill_text(body_text.strip(), values), problem)


def save_template(
    db: Session, principal: StaffPrincipal, kind_key: object, subject: object, body: object, version: object
) -> MessageTemplate:
    """The owner's text for a kind (version 0: there was no override when the form was opened)."""
    require_staff(principal, Capability.settings)
    if kind_key not in EDITABLE:
        raise NotFound("message kind")
    subject_text, body_text = check(kind_key, subject, body)
    version = _version(version)
    row = override_for(db, principal.provider_id, kind_key)  # type: ignore[arg-type]
    before = {"subject": row.subject, "body": row.body} if row else {}
    if row is None:
        if version != 0:
            raise StaleEdit("template")
        row = MessageTemplate(provider_id=principal.provider_id, kind=kind_key, subject="", version=1)
        try:
            with db.begin_nested():
                row.subject, row.body = subject_text, body_text
                row.updated_by_id, row.updated_at = principal.staff_id, utcnow()
                db.add(row)
                db.flush()
        except IntegrityError:
            raise StaleEdit("template") from None
    else:
        claim_version(db, MessageTemplate, row.id, version, "template")
        db.refresh(row)
        row.subject, row.body = subject_text, body_text
        row.updated_by_id, row.updated_at = principal.staff_id, utcnow()
        db.add(row)
        db.flush()
    record(
        db,
        principal,
        action="template.save",
        entity="message_template",
        entity_id=row.id,
        summary=f"E-mail template '{KINDS[kind_key].label}' saved",  # type: ignore[index]
        before=before,
        after={"subject": subject_text, "body": body_text},
    )
    return row


def reset_template(db: Session, principal: StaffPrincipal, kind_key: object, version: object) -> Kind:
    """Back to the built-in text: the override is deleted."""
    require_staff(principal, Capability.settings)
    if kind_key not in EDITABLE:
        raise NotFound("message kind")
    row = override_for(db, principal.provider_id, kind_key)  # type: ignore[arg-type]
    if row is None:
        raise DomainError("This message already uses the built-in text.")
    claim_version(db, MessageTemplate, row.id, _version(version), "template")
    record(
        db,
        principal,
        action="template.reset",
        entity="message_template",
        entity_id=row.id,
        summary=f"E-mail template '{KINDS[kind_key].label}' reset to the built-in text",  # type: ignore[index]
        before={"subject": row.subject, "body": row.body},
    )
    db.delete(row)
    db.flush()
    return KINDS[kind_key]  # type: ignore[index]
