"""My data: the step-up code, the export's contents per person, the deletion request and the anonymisation."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import timedelta

import pytest
from sqlmodel import SQLModel, select

from client_profile.integrations.crypto import unseal
from client_profile.models import (
    Attendee,
    AuditEntry,
    AuthSession,
    Booking,
    Client,
    DeletionRequest,
    Invoice,
    OutboxMessage,
    StaffMember,
    WhatsAppConsent,
    utcnow,
)
from client_profile.services.demo import load_demo
from client_profile.services.errors import DomainError, NotFound
from client_profile.services.notifications import outbox
from client_profile.services.people import auth, my_data, sharing
from client_profile.services.people.identity import Principal, StaffPrincipal


def login(db, email: str) -> tuple[str, Principal]:
    client = db.exec(select(Client).where(Client.email == email)).one()
    token, _ = auth.create_session(db, client.id, client.session_epoch)
    db.commit()
    return token, auth.principal_for_token(db, token)


def step_up_code(db) -> str:
    row = db.exec(
        select(OutboxMessage).where(OutboxMessage.kind == "step_up").order_by(OutboxMessage.id.desc())
    ).first()
    return json.loads(unseal(row.payload["_sealed"]))["code"]


def stepped_up(db, email: str) -> tuple[str, Principal]:
    token, principal = login(db, email)
    auth.request_step_up(db, principal)
    db.commit()
    auth.verify_step_up(db, principal, step_up_code(db))
    db.commit()
    return token, principal


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _json(files, name):
    return json.loads(files[name])


def test_the_export_of_annas_family_contains_ema_and_jakub_and_nothing_of_bens(demo):
    _, anna = stepped_up(demo, "anna@example.com")
    name, data = my_data.export_zip(demo, anna)
    assert name.startswith("my-data-") and name.endswith(".zip")
    files = unzip(data)
    assert set(my_data.JSON_FILES) <= set(files)
    assert any(n.startswith("invoices/") and n.endswith(".pdf") for n in files)
    assert all(files[n].startswith(b"%PDF") for n in files if n.startswith("invoices/"))
    assert sorted(a["first_name"] for a in _json(files, "attendees.json")) == ["Ema", "Jakub"]
    assert _json(files, "family.json")["name"]
    assert "anna@example.com" in [c["email"] for c in _json(files, "clients.json")]
    assert _json(files, "bookings.json") and _json(files, "charges.json") and _json(files, "attendance.json")
    assert _json(files, "payments.json") and _json(files, "orders.json")["orders"]
    assert _json(files, "shares.json")["given"]  # Anna shared Ema's swimming with Peter
    everything = b"".join(v for k, v in files.items() if k.endswith(".json")).decode()
    for sentinel in ("Lily", "Carter", "ben@example.com"):
        assert sentinel not in everything
    # No secrets: no hashes, no sealed payloads.
    assert "_sealed" not in everything and "token_hash" not in everything and "code_hash" not in everything
    # Dates are ISO.
    booking = _json(files, "bookings.json")[0]
    assert re.match(r"\d{4}-\d{2}-\d{2}T", booking["created_at"])


def test_peters_export_holds_only_the_shared_booking(demo):
    _, peter = stepped_up(demo, "peter@example.com")
    files = unzip(my_data.export_zip(demo, peter)[1])
    assert _json(files, "family.json") is None
    assert [c["email"] for c in _json(files, "clients.json")] == ["peter@example.com"]
    assert [a["first_name"] for a in _json(files, "attendees.json")] == ["Ema"]
    bookings = _json(files, "bookings.json")
    assert len(bookings) == 1
    assert {a["booking_id"] for a in _json(files, "attendance.json")} <= {bookings[0]["id"]}
    assert {c["booking_id"] for c in _json(files, "charges.json")} <= {bookings[0]["id"]}
    assert _json(files, "orders.json") == {"orders": [], "order_items": []}
    benefits = _json(files, "benefits.json")
    assert benefits["entry_passes"] == [] and benefits["discounts"] == [] and benefits["credit_ledger"] == []
    assert _json(files, "shares.json")["given"] == [] and len(_json(files, "shares.json")["received"]) == 1
    everything = b"".join(v for k, v in files.items() if k.endswith(".json")).decode()
    for other in ("Jakub", "anna@example.com", "Lily", "Carter"):
        assert other not in everything
    assert not [n for n in files if n.startswith("invoices/")]  # a view-only share pays nothing
    assert _json(files, "payments.json") == []


def test_without_step_up_or_after_it_ran_out_the_export_is_refused(demo):
    _, anna = login(demo, "anna@example.com")
    with pytest.raises(auth.StepUpRequired):
        my_data.export_zip(demo, anna)
    _, anna = stepped_up(demo, "anna@example.com")
    later = utcnow() + timedelta(minutes=6)
    with pytest.raises(auth.StepUpRequired):
        my_data.export_zip(demo, anna, later)
    # The grant belongs to the session that entered the code, not to the client.
    _, other_tab = login(demo, "anna@example.com")
    with pytest.raises(auth.StepUpRequired):
        my_data.export_zip(demo, other_tab)


def test_step_up_code_rules(demo):
    _, anna = login(demo, "anna@example.com")
    with pytest.raises(DomainError, match="expired or was used up"):
        auth.verify_step_up(demo, anna, "123456")  # nothing asked for yet
    auth.request_step_up(demo, anna)
    demo.commit()
    with pytest.raises(DomainError, match="wait a minute"):
        auth.request_step_up(demo, anna)
    code = step_up_code(demo)
    for bad in ("12345", "abcdef", None, ["1"], "x" * 100):
        with pytest.raises(DomainError):
            auth.verify_step_up(demo, anna, bad)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    with pytest.raises(DomainError, match="4 tries left"):
        auth.verify_step_up(demo, anna, wrong)
    # Another session of the same client cannot use this session's code.
    _, other = login(demo, "anna@example.com")
    with pytest.raises(DomainError, match="expired or was used up"):
        auth.verify_step_up(demo, other, code)
    auth.verify_step_up(demo, anna, code)
    demo.commit()
    assert auth.step_up_until(demo, anna) is not None and auth.step_up_until(demo, other) is None
    with pytest.raises(DomainError, match="expired or was used up"):
        auth.verify_step_up(demo, anna, code)  # single use
    # A step-up code is no login: no login page flow can use it.
    assert auth.step_up_until(demo, anna, utcnow() + timedelta(minutes=6)) is None


def test_a_step_up_code_expires_after_ten_minutes(demo):
    _, anna = login(demo, "anna@example.com")
    auth.request_step_up(demo, anna)
    demo.commit()
    with pytest.raises(DomainError, match="expired or was used up"):
        auth.verify_step_up(demo, anna, step_up_code(demo), utcnow() + timedelta(minutes=11))


def _staff(db, role: str = "owner") -> StaffPrincipal:
    staff = db.exec(select(StaffMember).where(StaffMember.role == role)).first()
    return StaffPrincipal(
        staff_id=staff.id,
        provider_id=staff.provider_id,
        session_id=0,
        email=staff.email,
        full_name=staff.full_name,
        role=str(getattr(staff.role, "value", staff.role)),
    )


def test_a_deletion_request_ends_the_familys_sessions_and_tells_the_provider(demo):
    token, anna = stepped_up(demo, "anna@example.com")
    peter_token, _ = login(demo, "peter@example.com")
    with pytest.raises(DomainError, match="Only a member of the family"):
        my_data.request_deletion(demo, auth.principal_for_token(demo, peter_token))
    _, anna_fresh = login(demo, "anna@example.com")
    with pytest.raises(auth.StepUpRequired):
        my_data.request_deletion(demo, anna_fresh)
    demo.rollback()
    request_id = my_data.request_deletion(demo, anna)
    demo.commit()
    assert auth.principal_for_token(demo, token) is None
    assert (
        demo.exec(
            select(AuthSession).where(
                AuthSession.client_id == anna.client_id, AuthSession.revoked_at.is_(None)
            )
        ).all()
        == []
    )
    assert auth.principal_for_token(demo, peter_token) is not None  # not of the family
    mail = demo.exec(select(OutboxMessage).where(OutboxMessage.kind == "deletion_request")).one()
    assert mail.payload["family_id"] == anna.family_id and mail.recipient_client_id is None
    assert demo.exec(select(AuditEntry).where(AuditEntry.action == "family.deletion_request")).one()
    pending = my_data.pending_deletions(demo, _staff(demo))
    assert [(p.request_id, p.family_id) for p in pending] == [(request_id, anna.family_id)]


def _all_text(db) -> str:
    """Every string value of every table, except the frozen content of the kept documents."""
    chunks = []
    with db.get_bind().connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            for row in conn.execute(table.select()).mappings():
                for key, value in row.items():
                    if table.name == "invoice" and key == "content":
                        continue
                    if value is not None and not isinstance(value, (bytes, int, float)):
                        chunks.append(f"{table.name}.{key}={value}")
    return "\n".join(chunks)


def test_confirmation_anonymises_the_family_and_keeps_its_invoices(demo):
    _, anna = stepped_up(demo, "anna@example.com")
    documents_before = {d.id: d.number for d in demo.exec(select(Invoice)).all()}
    request_id = my_data.request_deletion(demo, anna)
    demo.commit()
    anna_phone = demo.get(Client, anna.client_id).phone
    assert anna_phone
    # Records other features keep about her: a WhatsApp consent (its number and text) and a share she granted
    # (its history names her address).
    demo.add(WhatsAppConsent(client_id=anna.client_id, phone=anna_phone, text="Anna Novak agrees"))
    emas = demo.exec(
        select(Booking).join(Attendee, Attendee.id == Booking.attendee_id).where(Attendee.first_name == "Ema")
    ).first()
    sharing.grant_share(demo, emas.id, "grandma@example.com", created_by=anna.client_id)
    demo.commit()
    text_before = _all_text(demo)
    assert "anna@example.com" in text_before and "Jakub" in text_before
    with pytest.raises(NotFound):
        my_data.confirm_deletion(demo, _staff(demo), "junk")
    my_data.confirm_deletion(demo, _staff(demo), request_id)
    demo.commit()
    after = _all_text(demo)
    for personal in ("anna@example.com", "Anna Novak", "Jakub", r"\bEma\b", re.escape(anna_phone)):
        hits = [line for line in after.splitlines() if re.search(personal, line)]
        assert not hits, (personal, hits[:5])
    demo.expire_all()
    assert {d.id: d.number for d in demo.exec(select(Invoice)).all()} == documents_before
    assert all(d.content for d in demo.exec(select(Invoice)).all())
    assert demo.get(DeletionRequest, request_id).confirmed_at is not None
    assert my_data.pending_deletions(demo, _staff(demo)) == []
    with pytest.raises(NotFound):
        my_data.confirm_deletion(demo, _staff(demo), request_id)  # only once
    # Nobody can log in to the family with the old address any more: no account has it.
    assert demo.exec(select(Client).where(Client.email == "anna@example.com")).first() is None
    auth.request_login(demo, "anna@example.com", "1.2.3.4", "ua")
    demo.commit()
    assert demo.exec(select(OutboxMessage).where(OutboxMessage.kind == "login")).all() == []
    # Ben's family is untouched.
    assert "ben@example.com" in after and "Lily" in after


def test_an_instructor_cannot_list_or_confirm(demo):
    _, anna = stepped_up(demo, "anna@example.com")
    request_id = my_data.request_deletion(demo, anna)
    demo.commit()
    instructor = _staff(demo, "instructor")
    with pytest.raises(DomainError):
        my_data.pending_deletions(demo, instructor)
    with pytest.raises(DomainError):
        my_data.confirm_deletion(demo, instructor, request_id)
    assert demo.get(DeletionRequest, request_id).confirmed_at is None


def test_the_demo_reset_removes_deletion_requests_too(demo):

    _, anna = stepped_up(demo, "anna@example.com")
    my_data.request_deletion(demo, anna)
    demo.commit()
    load_demo(demo, reset=True)
    demo.commit()
    assert demo.exec(select(DeletionRequest)).all() == []


def test_the_step_up_and_deletion_mails_render_for_their_recipients(demo):
    _, anna = login(demo, "anna@example.com")
    auth.request_step_up(demo, anna)
    demo.commit()
    row = demo.exec(select(OutboxMessage).where(OutboxMessage.kind == "step_up")).one()
    code = step_up_code(demo)
    mail = outbox._RENDERERS["step_up"](demo, row, {"code": code})
    assert mail.to == "anna@example.com" and code[:3] in mail.text and "link" not in mail.text.lower()
    _, anna = stepped_up(demo, "ben@example.com")
    my_data.request_deletion(demo, anna)
    demo.commit()
    row = demo.exec(select(OutboxMessage).where(OutboxMessage.kind == "deletion_request")).one()
    mail = outbox._RENDERERS["deletion_request"](demo, row, {})
    assert mail.to == "hello@little-otters.example" and "/admin/families" in mail.text
    assert "Carter" not in mail.text and "ben@example.com" not in mail.text
