"""The console's document downloads (/admin/documents/<id>.pdf): any invoice, receipt or credit note of the
provider's charges for a staff session with the money right; no session, a client session, an instructor, another
provider's or a missing document and junk ids are the same plain 404 (never a redirect, nothing echoed). The
client route keeps refusing a staff session."""

from __future__ import annotations

from sqlmodel import select
from starlette.testclient import TestClient

from client_profile.models import (
    Charge,
    Client,
    Family,
    Invoice,
    InvoiceKind,
    Payment,
    PaymentMethod,
    Provider,
    StaffMember,
)
from client_profile.services.money import console_payments as cp
from client_profile.services.people import auth
from client_profile.services.people.identity import StaffPrincipal

URL = "/admin/documents/{}.pdf"


def _cookie(db, email: str, area=auth.STAFF) -> dict[str, str]:
    model = StaffMember if area is auth.STAFF else Client
    row = db.exec(select(model).where(model.email == email)).one()
    token, _ = auth.create_session(db, row.id, row.session_epoch, area=area)
    db.commit()
    return {auth.session_cookie_name(area): token}


def _get(api, path: str, cookies: dict[str, str] | None = None):
    with TestClient(api, base_url="http://localhost:3000", cookies=cookies or {}) as c:
        return c.get(path, follow_redirects=False)


def _doc(db, kind: InvoiceKind = InvoiceKind.receipt) -> Invoice:
    return db.exec(select(Invoice).where(Invoice.kind == kind).order_by(Invoice.id)).first()


def _is_not_found(r) -> bool:
    return r.status_code == 404 and r.text == "Not found" and "location" not in r.headers


def test_the_office_downloads_any_document_of_the_provider(api, demo):
    for kind in (InvoiceKind.invoice, InvoiceKind.receipt):
        doc = _doc(demo, kind)
        r = _get(api, URL.format(doc.id), _cookie(demo, "office@example.com"))
        assert r.status_code == 200 and r.content.startswith(b"%PDF")
        assert r.headers["content-type"] == "application/pdf"
        assert r.headers["cache-control"] == "private, no-store"
        assert f'filename="{kind.value}-' in r.headers["content-disposition"]


def test_everyone_else_gets_the_same_404(api, demo):
    doc = _doc(demo)
    assert _is_not_found(_get(api, URL.format(doc.id)))
    assert _is_not_found(_get(api, URL.format(doc.id), _cookie(demo, "anna@example.com", auth.CLIENT)))
    assert _is_not_found(_get(api, URL.format(doc.id), _cookie(demo, "martina@example.com")))  # instructor
    office = _cookie(demo, "office@example.com")
    for junk in ("0", "-1", "abc", "9999999", str(2**63), "1%20OR%201=1"):
        r = _get(api, URL.format(junk), office)
        assert _is_not_found(r) and "OR" not in r.text
    # The client route takes no staff session.
    assert _get(api, f"/documents/{doc.id}.pdf", office).status_code == 401


def test_another_providers_document_is_not_found(api, demo):
    other = Provider(slug="other", name="Other")
    demo.add(other)
    demo.flush()
    fam = Family(provider_id=other.id, name="Stranger")
    demo.add(fam)
    demo.flush()
    charge = Charge(
        provider_id=other.id, family_id=fam.id, description="Theirs", amount_minor=100, reference="X1"
    )
    demo.add(charge)
    demo.flush()
    doc = Invoice(
        provider_id=other.id, charge_id=charge.id, year=2026, sequence=1, number="2026-0001", total_minor=100
    )
    demo.add(doc)
    demo.commit()
    assert _is_not_found(_get(api, URL.format(doc.id), _cookie(demo, "office@example.com")))


def test_a_credit_note_downloads_after_a_refund(api, demo):
    kind = InvoiceKind.credit_note
    member = demo.exec(select(StaffMember).where(StaffMember.email == "office@example.com")).one()
    staff = StaffPrincipal(
        member.id, member.provider_id, 1, member.email, member.full_name, member.role.value
    )
    payment = demo.exec(
        select(Payment).where(Payment.method == PaymentMethod.bank_transfer).order_by(Payment.id)
    ).first()
    payment_id = payment.id
    demo.rollback()
    done = cp.refund_payment(staff, payment_id, "5.00", "Goodwill")
    demo.rollback()
    note = demo.exec(select(Invoice).where(Invoice.kind == kind)).one()
    assert note.number == done.credit_note
    r = _get(api, URL.format(note.id), _cookie(demo, "office@example.com"))
    assert (
        r.status_code == 200
        and r.content.startswith(b"%PDF")
        and 'filename="credit_note-CN-' in r.headers["content-disposition"]
    )
