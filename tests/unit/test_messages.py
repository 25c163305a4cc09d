"""E-mail templates (services/notifications/templates.py) and messages to families
(services/notifications/family_messages.py): checks on save, rendering with hostile values, the override used
by the real mails through the outbox and a real SMTP server, recipients, idempotency, rights and audit."""

from __future__ import annotations

import json
import re
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import select

from client_profile.clock import utcnow
from client_profile.db import unit_of_work
from client_profile.integrations.email_templates import HeaderInjection, fill_subject, template_email
from client_profile.models import (
    Attendee,
    AuditEntry,
    Booking,
    BookingStatus,
    ClassGroup,
    ClassSession,
    Client,
    FamilyMessage,
    MessageTemplate,
    OutboxMessage,
    Provider,
    SessionStatus,
    StaffMember,
)
from client_profile.services.errors import DomainError, FieldErrors, Forbidden, StaleEdit
from client_profile.services.notifications import (
    family_messages,
    outbox,
    reminders,
    session_changes,
    templates,
)
from client_profile.services.people import staff
from client_profile.services.people.identity import StaffPrincipal
from client_profile.services.schedule import provider_sessions
from tests.login_helpers import http_client, make_client, override_env
from tests.reminder_helpers import NOW, build_world, make_credit
from tests.smtp_helpers import smtp_server as running_smtp

EMAS_CLASS = "Beginners - Tuesday 16:00"
OTHER_CLASS = "Beginners - Tuesday 17:00"


def _staff(db, email: str) -> StaffPrincipal:
    m = db.exec(select(StaffMember).where(StaffMember.email == email)).one()
    return StaffPrincipal(m.id, m.provider_id, 0, m.email, m.full_name, m.role.value)


@pytest.fixture
def owner(demo):
    return demo, _staff(demo, "office@example.com")


@pytest.fixture
def office(demo):
    staff.add_staff(demo, "desk@example.com", "office", "Dana Desk")
    demo.commit()
    return _staff(demo, "desk@example.com")


@pytest.fixture
def smtp():
    with (
        running_smtp() as (inbox, port),
        override_env(
            SMTP_HOST="127.0.0.1",
            SMTP_PORT=str(port),
            SMTP_SECURITY="none",
            SMTP_USERNAME="",
            SMTP_PASSWORD="",
            SMTP_TIMEOUT_SECONDS="5",
            MAIL_FROM="Little Otters <hello@otters.example>",
        ),
    ):
        yield inbox


def _class(db, name: str = EMAS_CLASS) -> ClassGroup:
    return db.exec(select(ClassGroup).where(ClassGroup.name == name)).one()


def _next_session(db, name: str = EMAS_CLASS) -> ClassSession:

    return db.exec(
        select(ClassSession)
        .where(
            ClassSession.class_id == _class(db, name).id,
            ClassSession.status == SessionStatus.scheduled,
            ClassSession.starts_at > utcnow(),
        )
        .order_by(ClassSession.starts_at)
    ).first()


def _bodies(msg) -> tuple[str, str]:
    return (
        msg.get_body(preferencelist=("plain",)).get_content(),
        msg.get_body(preferencelist=("html",)).get_content(),
    )


# ------------------------------------------------------------------------------------------------ checks


def test_an_unknown_tag_is_refused_naming_it():
    with pytest.raises(FieldErrors) as err:
        templates.check("waitlist_offer", "Hi *|FIRSTNAME|*", "*|OFFER_LINK|*")
    assert set(err.value.fields) == {"subject"} and "*|FIRSTNAME|*" in err.value.fields["subject"]
    # A tag that exists but not for this kind is refused too (no login code in a reminder).
    with pytest.raises(FieldErrors) as err:
        templates.check("makeup_earned", "Make-up", "Your code: *|LOGIN_CODE|*")
    assert "*|LOGIN_CODE|*" in err.value.fields["body"]


def test_a_login_template_without_its_code_or_link_is_refused():
    with pytest.raises(FieldErrors) as err:
        templates.check("login", "Log in", "Click here: *|LOGIN_LINK|*")
    assert "*|LOGIN_CODE|*" in err.value.fields["body"]
    with pytest.raises(FieldErrors) as err:
        templates.check("waitlist_offer", "A place", "Hello *|FIRST_NAME|*")
    assert "*|OFFER_LINK|*" in err.value.fields["body"]
    assert templates.check("login", " Log in ", "Code *|LOGIN_CODE|*\r\n*|LOGIN_LINK|*\n") == (
        "Log in",
        "Code *|LOGIN_CODE|*\n*|LOGIN_LINK|*",
    )


@pytest.mark.parametrize("subject", ["Hi\r\nBcc: all@example.com", "Hi\nthere", "Hi\rthere", "Hi\x00"])
def test_a_subject_with_a_line_break_is_refused_on_save(subject):
    with pytest.raises(FieldErrors) as err:
        templates.check("session_cancelled", subject, "Cancelled: *|CLASS|*")
    assert "one line" in err.value.fields["subject"]


def test_hostile_values_are_escaped_in_html_and_cannot_add_a_header():
    hostile = {
        "FIRST_NAME": '<script>alert(1)</script>"\r\nBcc: evil@example.com',
        "CLASS": "<b>Swim</b> & <img src=x onerror=alert(1)>",
        "PROFILE_URL": 'https://portal.example/login?email=a%40b"><script>x</script>',
        "BOOKING_URL": "javascript:alert(1)",
    }
    mail = template_email(
        provider_name="<Otters>",
        brand_color="red;background:url(x)",
        subject="News for *|FIRST_NAME|*",
        body="Hello *|FIRST_NAME|*,\n\n*|CLASS|* <i>is</i> closed.\n\n*|PROFILE_URL|*\n*|BOOKING_URL|*",
        values=hostile,
        url_tags=templates.URL_TAGS,
    )
    assert "\r" not in mail.subject and "\n" not in mail.subject
    assert mail.subject.startswith("News for <script>alert(1)</script>")  # a header is text, never HTML
    for raw in ("<script>", "<b>", "<img", "<i>", 'a%40b">', "<Otters>", "url(x)"):
        assert raw not in mail.html, raw
    assert "&lt;script&gt;" in mail.html and "&lt;i&gt;is&lt;/i&gt;" in mail.html
    assert 'href="https://portal.example/login?email=a%40b&quot;&gt;&lt;script&gt;' in mail.html
    assert 'href="javascript' not in mail.html  # only http(s) values become links
    assert "<b>Swim</b>" in mail.text  # the text part is text: the value as it is
    # A subject that would still carry a line break is refused when rendering.
    with pytest.raises(HeaderInjection):
        fill_subject("Hi\r\nBcc: x@example.com", {})


def test_the_profile_url_carries_the_address_url_encoded_and_nothing_else():
    url = templates.profile_url("a+b&c=d@example.com")
    assert url == "http://localhost:3000/login?email=a%2Bb%26c%3Dd%40example.com"
    kinds_with_it = [k for k in templates.KINDS.values() if "PROFILE_URL" in k.tags]
    assert not any(k.to_staff for k in kinds_with_it)


def test_the_login_page_fills_in_the_address_from_the_link(clean_db):
    make_client()
    page = http_client().get("/login", params={"email": 'ann@example.com"><script>x</script>'}).text
    assert 'value="ann@example.com&quot;&gt;&lt;script&gt;x&lt;/script&gt;"' in page
    assert "<script>x" not in page
    assert 'value="ben@example.com"' in http_client().get("/login?email=ben%40example.com").text


# ------------------------------------------------------------------------------------------------ storing


def test_the_owner_saves_resets_and_every_change_is_versioned_and_audited(owner, office):
    db, p = owner
    form = templates.template_form(db, p, "session_cancelled")
    assert (
        form.version == 0 and not form.edited and form.subject == templates.KINDS["session_cancelled"].subject
    )
    # The office sees the form but may not save.
    assert templates.template_form(db, office, "session_cancelled").body == form.body
    with pytest.raises(Forbidden):
        templates.save_template(db, office, "session_cancelled", "x", "y", 0)
    row = templates.save_template(db, p, "session_cancelled", "Closed: *|CLASS|*", "See *|PROFILE_URL|*", 0)
    db.commit()
    assert row.version == 1
    # A form opened before that save is stale.
    with pytest.raises(StaleEdit):
        templates.save_template(db, p, "session_cancelled", "Again", "See *|PROFILE_URL|*", 0)
    db.rollback()
    templates.save_template(db, p, "session_cancelled", "Closed today: *|CLASS|*", "See *|PROFILE_URL|*", 1)
    db.commit()
    assert templates.template_form(db, p, "session_cancelled").version == 2
    with pytest.raises(StaleEdit):
        templates.reset_template(db, p, "session_cancelled", 1)
    db.rollback()
    templates.reset_template(db, p, "session_cancelled", 2)
    db.commit()
    assert db.exec(select(MessageTemplate)).all() == []
    with pytest.raises(DomainError):
        templates.reset_template(db, p, "session_cancelled", 2)
    actions = db.exec(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-3:] == ["template.save", "template.save", "template.reset"]
    last_save = db.exec(
        select(AuditEntry).where(AuditEntry.action == "template.save").order_by(AuditEntry.id.desc())
    ).first()
    assert json.loads(last_save.after_json) == {"subject": "Closed today: *|CLASS|*"}
    rows = {r.kind: r for r in templates.template_rows(db, office)}
    assert not rows["session_cancelled"].edited and rows["payment_received"].sent and rows["charge_due"].sent
    assert "family_message" not in rows


def test_a_template_is_only_for_its_provider_and_junk_kinds_are_refused(owner):
    db, p = owner
    for junk in ("nope", None, 1, "family_message", ["login"]):
        with pytest.raises(DomainError):
            templates.save_template(db, p, junk, "Hi", "Body", 0)
    db.rollback()
    other = Provider(slug="other", name="Other")
    db.add(other)
    db.flush()
    db.add(MessageTemplate(provider_id=other.id, kind="login", subject="X", body="*|LOGIN_CODE|*", version=1))
    db.commit()
    assert templates.override_for(db, p.provider_id, "login") is None
    assert not {r.kind: r for r in templates.template_rows(db, p)}["login"].edited


# ------------------------------------------------------------------------------------------------ rendering


def test_no_override_sends_the_built_in_text(owner):
    db, _ = owner
    provider = db.exec(select(Provider)).one()
    built_in = template_email(provider_name="x", brand_color=None, subject="Built in", body="b", values={})
    assert templates.render(db, provider, "login", {}, lambda: built_in) is built_in


def test_the_real_login_mail_uses_the_owners_text(clean_db, smtp):
    provider_id, _ = make_client("ann@example.com")

    with unit_of_work() as db:
        db.add(
            MessageTemplate(
                provider_id=provider_id,
                kind="login",
                subject="Welcome back, *|FIRST_NAME|*",
                body="Code: *|LOGIN_CODE|*\n\nOr tap *|LOGIN_LINK|*\n\nYour page: *|PROFILE_URL|*",
                version=1,
            )
        )
    assert http_client().post("/auth/request", data={"email": "ann@example.com"}).status_code == 303
    assert outbox.process_due() == 1
    msg = smtp.wait_for("ann@example.com", 0)
    text, html = _bodies(msg)
    assert msg["Subject"] == "Welcome back, Ann"
    code = smtp.code_in(msg)
    assert f"Code: {code[:3]} {code[3:]}" in text and "http://localhost:3000/auth/link/" in text
    assert "Your page: http://localhost:3000/login?email=ann%40example.com" in text
    assert '<a href="http://localhost:3000/auth/link/' in html


def test_a_session_cancelled_mail_uses_the_owners_text_through_the_outbox(owner, smtp):
    db, p = owner
    templates.save_template(
        db,
        p,
        "session_cancelled",
        "No swimming: *|SESSION_TIME|*",
        "Dear *|FIRST_NAME|*, *|ATTENDEE|*'s *|CLASS|* is off.\n\n*|NOTE|*\n\nYour profile: *|PROFILE_URL|*",
        0,
    )
    session = _next_session(db)
    provider_sessions.cancel_session(db, session.id, "Pool closed <today>")
    queued = session_changes.notify_session_changed(db, session.id, session_changes.CANCELLED)
    db.commit()
    assert queued >= 2
    outbox.process_due(now=utcnow() + timedelta(minutes=3))  # after the grace period (NOTIFY_GRACE_SECONDS)
    msg = smtp.wait_for("anna@example.com", 0)
    text, html = _bodies(msg)
    assert msg["Subject"].startswith("No swimming: ")
    assert "Dear Anna, Ema's Swimming - Beginners (Beginners - Tuesday 16:00) is off." in text
    assert "Your profile: http://localhost:3000/login?email=anna%40example.com" in text
    assert "Pool closed &lt;today&gt;" in html and "<today>" not in html


# ------------------------------------------------------------------------------------------------ families


def _emails(people) -> list[str]:
    return [r.email for r in people]


def test_recipients_of_a_class_and_of_a_session(owner):
    db, p = owner
    group, other = _class(db), _class(db, OTHER_CLASS)
    people = family_messages.recipients(db, p.provider_id, group.id, None)
    assert "anna@example.com" in _emails(people) and "ben@example.com" in _emails(people)
    assert len(set(_emails(people))) == len(people)  # each client once
    assert "peter@example.com" not in _emails(people)  # a sharer is not family
    anna = next(r for r in people if r.email == "anna@example.com")
    assert anna.attendees == "Ema"
    # Every recipient's family has an active booking in this class; the other class's list is its own.
    in_class = set(
        db.exec(
            select(Client.id)
            .join(Attendee, Attendee.family_id == Client.family_id)
            .join(Booking, Booking.attendee_id == Attendee.id)
            .where(Booking.class_id == group.id, Booking.status == BookingStatus.active)
        ).all()
    )
    assert {r.client_id for r in people} <= in_class
    football = family_messages.recipients(db, p.provider_id, _class(db, "Juniors - Saturday 10:00").id, None)
    assert "anna@example.com" in _emails(football) and "ben@example.com" not in _emails(football)
    assert next(r for r in football if r.email == "anna@example.com").attendees == "Jakub"
    # A session: its attendees' families only; an excused place is left out.
    session = _next_session(db)
    in_session = family_messages.recipients(db, p.provider_id, group.id, session.id)
    assert set(_emails(in_session)) <= set(_emails(people)) and "anna@example.com" in _emails(in_session)
    # Another provider's id finds nobody; a session of another class finds nobody.
    assert family_messages.recipients(db, p.provider_id + 999, group.id, None) == []
    assert family_messages.recipients(db, p.provider_id, other.id, session.id) == []


def _send_form(db, **extra) -> dict:
    return {
        "target": str(_class(db).id),
        "subject": "Pool closed today",
        "body": "Dear *|FIRST_NAME|*, no swimming for *|ATTENDEE|* today. *|PROFILE_URL|*",
        "token": secrets.token_urlsafe(16),
    } | extra


def test_a_message_to_the_class_reaches_each_family_once_and_sending_twice_adds_nothing(owner, smtp):
    db, p = owner
    form = _send_form(db)
    message, created = family_messages.send(db, p, form)
    db.commit()
    expected = family_messages.recipients(db, p.provider_id, _class(db).id, None)
    assert created and message.recipients == len(expected)
    again, created_again = family_messages.send(db, p, dict(form))
    db.commit()
    assert again.id == message.id and not created_again
    assert db.exec(select(func.count()).select_from(FamilyMessage)).one() == 1
    rows = db.exec(select(OutboxMessage).where(OutboxMessage.kind == "family_message")).all()
    assert sorted(r.recipient_client_id for r in rows) == sorted(r.client_id for r in expected)
    [sent] = family_messages.sent_messages(db, p)
    assert {d.status for d in sent.deliveries} == {"queued"}
    outbox.process_due()
    msg = smtp.wait_for("anna@example.com", 0)
    text, _html = _bodies(msg)
    assert msg["Subject"] == "Pool closed today"
    assert (
        "Dear Anna, no swimming for Ema today. http://localhost:3000/login?email=anna%40example.com" in text
    )
    db.rollback()  # end the read transaction: see what the worker committed
    [sent] = family_messages.sent_messages(db, p)
    assert {d.status for d in sent.deliveries} == {"sent"} and sent.counts.startswith(f"{len(expected)} sent")
    assert (
        db.exec(select(AuditEntry).where(AuditEntry.action == "message.send")).one().class_id == _class(db).id
    )


def test_a_message_is_refused_for_bad_input_and_changes_nothing(owner, office, demo):
    db, p = owner
    other = Provider(slug="other", name="Other")
    db.add(other)
    db.commit()
    for form, field in (
        (_send_form(db, target="999999"), "target"),
        (_send_form(db, target=f"{_class(db).id}:{_next_session(db, OTHER_CLASS).id}"), "target"),
        (_send_form(db, target="1 OR 1=1"), "target"),
        (_send_form(db, subject="Hi\r\nBcc: x@example.com"), "subject"),
        (_send_form(db, body="*|LOGIN_CODE|*"), "body"),
    ):
        with pytest.raises(FieldErrors) as err:
            family_messages.send(db, p, form)
        assert field in err.value.fields
    with pytest.raises(DomainError):
        family_messages.send(db, p, _send_form(db, token="x"))
    db.rollback()
    assert db.exec(select(func.count()).select_from(OutboxMessage)).one() == 0
    assert db.exec(select(func.count()).select_from(FamilyMessage)).one() == 0
    # The office may send; an instructor may not.
    family_messages.send(db, office, _send_form(db))
    with pytest.raises(Forbidden):
        family_messages.send(db, _staff(db, "martina@example.com"), _send_form(db))


def test_the_targets_are_the_providers_classes_and_their_next_sessions(owner):
    db, p = owner
    found = family_messages.targets(db, p)
    labels = [t.label for t in found]
    assert any(label.endswith(f"({EMAS_CLASS}): all families") for label in labels)
    session = _next_session(db)
    assert f"{_class(db).id}:{session.id}" in {t.value for t in found}
    assert db.exec(select(Client)).first() is not None


def test_a_hostile_name_reaches_nobody_else_and_adds_no_header_through_the_outbox(owner, smtp):
    db, p = owner
    anna = db.exec(select(Client).where(Client.email == "anna@example.com")).one()
    anna.full_name = "<script>alert(1)</script>\r\nBcc: evil@example.com"
    db.add(anna)
    db.commit()
    form = _send_form(
        db,
        subject="News for *|FIRST_NAME|* (*|SESSION_TIME|*)",
        body="Hello *|FIRST_NAME|*,\n\nStill to pay: *|AMOUNT_DUE|*.",
    )
    family_messages.send(db, p, form)
    db.commit()
    outbox.process_due()
    msg = smtp.wait_for("anna@example.com", 0)
    envelope = next(e for e in smtp.envelopes if "anna@example.com" in e.rcpt_tos)
    assert envelope.rcpt_tos == ["anna@example.com"]
    assert msg["Bcc"] is None and "evil@example.com" not in str(msg["To"])
    assert msg["Subject"].startswith("News for <script>alert(1)</script> Bcc: (")  # one line, plain text
    assert re.search(r"\(\w{3} \d+ \w{3}, \d\d:\d\d\)$", msg["Subject"])  # the class's next session
    text, html = _bodies(msg)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert re.search(r"Still to pay: EUR \d+\.\d\d\.", text)


def test_a_make_up_reminder_uses_the_owners_text_through_the_outbox(db, smtp):

    world = build_world(db)
    db.add(
        MessageTemplate(
            provider_id=world.provider_id,
            kind="makeup_earned",
            subject="*|ATTENDEE|* may catch up by *|DEADLINE|*",
            body="Hi *|FIRST_NAME|*,\n\n*|ATTENDEE|* missed *|CLASS|* on *|SESSION_TIME|*.\n\n"
            "Book here: *|BENEFITS_URL|* or log in: *|PROFILE_URL|*",
            version=1,
        )
    )
    db.commit()
    reminders.notify_makeup_earned(db, make_credit(db, world, 0), NOW)
    db.commit()
    assert outbox.process_due() == 3
    msg = smtp.wait_for("tom@example.com", 0)
    text, html = _bodies(msg)
    assert msg["Subject"].startswith("Ema may catch up by ")
    assert text.replace("\r\n", "\n").startswith("Hi Tom,\n\nEma missed Swimming - Beginners (")
    assert (
        "Book here: http://localhost:3000/benefits or log in: http://localhost:3000/login?email=tom%40"
        in text
    )
    assert 'href="http://localhost:3000/benefits"' in html
