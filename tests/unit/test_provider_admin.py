"""services.provider_admin (provider, policies, holidays, invoice profile) and payments.record_bank_transfer."""

from __future__ import annotations

import io
from datetime import date, time, timedelta

import pytest
from PIL import Image
from sqlmodel import select

from client_profile.clock import utcnow
from client_profile.models import (
    Charge,
    ChargeStatus,
    Family,
    Invoice,
    InvoiceKind,
    InvoiceProfile,
    Order,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Provider,
    ProviderHoliday,
)
from client_profile.services import provider_admin as admin
from client_profile.services.demo import load_demo
from client_profile.services.errors import DomainError
from client_profile.services.money.payments import record_bank_transfer


@pytest.fixture
def provider(db):
    p = admin.create_provider(
        db, "otters", "Otters Club", "EUR", "Europe/Bratislava", "en", " Hello@Example.COM "
    )
    db.add_all([Family(provider_id=p.id, name="Novak"), Family(provider_id=p.id, name="Horvath")])
    db.commit()
    return p


def versions(db) -> list[int]:
    db.expire_all()
    return [f.data_version for f in db.exec(select(Family).order_by(Family.id)).all()]


def provider_row(db) -> dict:
    db.expire_all()
    return db.exec(select(Provider)).one().model_dump()


# ------------------------------------------------------------------------------------------- create


def test_create_provider_normalises_and_refuses_a_second(db, provider):
    assert (
        provider.slug,
        provider.name,
        provider.currency,
        provider.timezone,
        provider.language,
        provider.contact_email,
    ) == ("otters", "Otters Club", "EUR", "Europe/Bratislava", "en", "hello@example.com")
    with pytest.raises(DomainError, match="already exists.*one provider per installation"):
        admin.create_provider(db, "other", "Other", "EUR", "UTC", "en", "")
    assert len(db.exec(select(Provider)).all()) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("Bad Slug", "X", "EUR", "UTC", "en", ""), "slug"),
        (("-x", "X", "EUR", "UTC", "en", ""), "slug"),
        (("x", "  ", "EUR", "UTC", "en", ""), "name cannot be empty"),
        (("x", "X", "eur", "UTC", "en", ""), "3-letter"),
        (("x", "X", "EURO", "UTC", "en", ""), "3-letter"),
        (("x", "X", "EUR", "Mars/Olympus", "en", ""), "time zone"),
        (("x", "X", "EUR", "../etc/passwd", "en", ""), "time zone"),
        (("x", "X", "EUR", "UTC", "english", ""), "language"),
        (("x", "X", "EUR", "UTC", "en", "not-an-email"), "e-mail"),
    ],
)
def test_create_provider_validation_writes_nothing(db, clean_db, args, message):
    with pytest.raises(DomainError, match=message):
        admin.create_provider(db, *args)
    db.rollback()
    assert db.exec(select(Provider)).all() == []


def test_the_demo_provider_blocks_create_with_a_hint(db):
    load_demo(db)
    db.commit()
    with pytest.raises(DomainError, match="demo"):
        admin.create_provider(db, "real", "Real", "EUR", "UTC", "en", "")


def test_without_a_provider_the_messages_say_how_to_create_it(db, clean_db):
    for call in (
        lambda: admin.update_provider(db, makeups_enabled="no"),
        lambda: admin.show_provider(db),
        lambda: admin.add_holiday(db, "2026-12-24"),
        lambda: admin.set_invoice_profile(db, footer="x"),
    ):
        with pytest.raises(DomainError, match="provider create"):
            call()


# ------------------------------------------------------------------------------------------- update


def test_update_parses_text_values_and_bumps_every_family(db, provider):
    before = versions(db)
    changes = admin.update_provider(
        db,
        makeups_enabled="no",
        makeup_from_missed="off",
        livestream_enabled="TRUE",
        online_payment_enabled="on",
        makeup_validity_days="120",
        makeup_window_days=7,
        cancellation_mode="day_before_at",
        cancellation_day_before_time="18:30",
        makeup_expiry_mode="carry_over",
        brand_color="#0E7490",
        bank_iban="sk31 1200 0000 1987 4263 7541",
        bank_bic="tatrskbx",
        bank_account_name="  Otters s.r.o. ",
        contact_email="INFO@example.com",
        website="https://otters.example",
        currency="CZK",
        timezone="Europe/Prague",
        language="sk",
    )
    db.commit()
    row = provider_row(db)
    assert row["makeups_enabled"] is False and row["makeup_from_missed"] is False
    assert row["livestream_enabled"] is True and row["online_payment_enabled"] is True
    assert row["makeup_validity_days"] == 120 and row["makeup_window_days"] == 7
    assert row["cancellation_mode"] == "day_before_at" and row["cancellation_day_before_time"] == time(18, 30)
    assert row["makeup_expiry_mode"] == "carry_over" and row["brand_color"] == "#0e7490"
    assert row["bank_iban"] == "SK3112000000198742637541" and row["bank_bic"] == "TATRSKBX"
    assert row["bank_account_name"] == "Otters s.r.o." and row["contact_email"] == "info@example.com"
    assert (row["currency"], row["timezone"], row["language"]) == ("CZK", "Europe/Prague", "sk")
    assert {c.field for c in changes} >= {"makeups_enabled", "bank_iban", "currency"}
    assert "livestream_enabled" not in {c.field for c in changes}  # it was on already
    assert versions(db) == [v + 1 for v in before]


def test_an_unchanged_value_does_not_bump(db, provider):
    before = versions(db)
    assert admin.update_provider(db, makeups_enabled="yes", currency="EUR") == []
    db.commit()
    assert versions(db) == before


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"bogus": "1"}, "Unknown provider field: bogus. Allowed: name, currency"),
        ({"slug": "x"}, "Unknown provider field: slug"),
        ({}, "at least one field"),
        ({"makeups_enabled": "maybe"}, "yes or no"),
        ({"makeups_enabled": ""}, "yes or no"),
        ({"makeup_validity_days": "0"}, "from 1 to 3660"),
        ({"makeup_validity_days": "yes"}, "whole number"),
        ({"makeup_validity_days": True}, "whole number"),
        ({"makeup_window_days": "-1"}, "whole number"),
        ({"makeup_window_days": "2.5"}, "whole number"),
        ({"makeup_waitlist_offer_hours": "0"}, "from 1 to 720"),
        ({"makeup_extra_capacity": "1001"}, "from 0 to 1000"),
        ({"cancellation_deadline_hours": "abc"}, "whole number"),
        ({"makeup_expiry_mode": "never"}, "days, class_end, carry_over"),
        ({"cancellation_mode": "whenever"}, "hours_before, day_before_at"),
        ({"cancellation_mode": "day_before_at"}, "needs cancellation_day_before_time"),
        ({"cancellation_day_before_time": "25:00"}, "HH:MM"),
        ({"cancellation_day_before_time": "6pm"}, "HH:MM"),
        ({"currency": "eur"}, "3-letter"),
        ({"currency": "E1R"}, "3-letter"),
        ({"timezone": "Europe/Atlantis"}, "time zone"),
        ({"language": ""}, "language"),
        ({"brand_color": "teal"}, "#rrggbb"),
        ({"brand_color": "#12345"}, "#rrggbb"),
        ({"bank_iban": "SK31 1200 0000 1987 4263 7542"}, "not a valid IBAN"),
        ({"bank_iban": "GB82WEST1234569876543"}, "not a valid IBAN"),  # one digit short of a real one
        ({"bank_iban": "1234"}, "not a valid IBAN"),
        ({"bank_bic": "TATR"}, "BIC"),
        ({"contact_email": "nope"}, "e-mail"),
        ({"website": "javascript:alert(1)"}, "http"),
        ({"website": "https://user:pw@example.com"}, "http"),
        ({"name": ""}, "cannot be empty"),
        ({"name": "x" * 201}, "too long"),
        ({"bank_reference_hint": "a\x00b"}, "control characters"),
        ({"makeups_enabled": "no", "makeup_validity_days": "0"}, "from 1 to 3660"),  # all or nothing
    ],
)
def test_update_validation_changes_nothing(db, provider, fields, message):
    before_row, before_versions = provider_row(db), versions(db)
    with pytest.raises(DomainError, match=message):
        admin.update_provider(db, **fields)
    db.commit()
    assert provider_row(db) == before_row
    assert versions(db) == before_versions


def test_valid_ibans_and_clearing(db, provider):
    for iban in ("GB82 WEST 1234 5698 7654 32", "DE89370400440532013000", "sk3112000000198742637541"):
        admin.update_provider(db, bank_iban=iban)
        assert admin.iban_is_valid(provider_row(db)["bank_iban"])
    admin.update_provider(db, bank_iban="", bank_bic="", cancellation_day_before_time="")
    row = provider_row(db)
    assert row["bank_iban"] == "" and row["bank_bic"] == "" and row["cancellation_day_before_time"] is None


def test_day_before_at_with_a_time_already_set(db, provider):
    admin.update_provider(db, cancellation_day_before_time="17:00")
    admin.update_provider(db, cancellation_mode="day_before_at")
    assert provider_row(db)["cancellation_mode"] == "day_before_at"
    with pytest.raises(DomainError, match="needs cancellation_day_before_time"):
        admin.update_provider(db, cancellation_day_before_time="")


# ------------------------------------------------------------------------------------------- holidays


def test_holidays_add_remove_and_bump(db, provider):
    before = versions(db)
    holiday = admin.add_holiday(db, "2026-12-24", " Christmas Eve ")
    db.commit()
    assert (holiday.day, holiday.name) == (date(2026, 12, 24), "Christmas Eve")
    assert versions(db) == [v + 1 for v in before]
    admin.add_holiday(db, date(2026, 12, 25))
    with pytest.raises(DomainError, match="already a holiday"):
        admin.add_holiday(db, "2026-12-24", "again")
    assert admin.show_provider(db)["holidays"] == [("2026-12-24", "Christmas Eve"), ("2026-12-25", "")]
    admin.remove_holiday(db, "2026-12-24")
    db.commit()
    assert versions(db) == [v + 3 for v in before]
    assert [h.day for h in db.exec(select(ProviderHoliday)).all()] == [date(2026, 12, 25)]
    with pytest.raises(DomainError, match="not a holiday"):
        admin.remove_holiday(db, "2026-12-24")
    for bad in ("2026-02-30", "24.12.2026", "", "2026-1-1"):
        with pytest.raises(DomainError, match="YYYY-MM-DD"):
            admin.add_holiday(db, bad)
    with pytest.raises(DomainError, match="too long"):
        admin.add_holiday(db, "2026-12-31", "x" * 101)
    db.rollback()
    assert len(db.exec(select(ProviderHoliday)).all()) == 1


# -------------------------------------------------------------------------------------- invoice profile


def test_invoice_profile_fields_and_vat_rate(db, provider):
    changes = admin.set_invoice_profile(
        db,
        legal_name="Otters s.r.o.",
        company_id="12345678",
        vat_id="sk 2020123456",
        vat_payer="yes",
        default_vat_rate="20.5 %",
        footer="Thank you",
    )
    db.commit()
    profile = db.exec(select(InvoiceProfile)).one()
    assert (
        profile.legal_name,
        profile.vat_id,
        profile.vat_payer,
        profile.default_vat_rate_bp,
        profile.footer,
    ) == ("Otters s.r.o.", "SK2020123456", True, 2050, "Thank you")
    assert {c.field for c in changes} >= {"default_vat_rate_bp", "vat_payer"}
    admin.set_invoice_profile(db, default_vat_rate="23")
    assert db.exec(select(InvoiceProfile)).one().default_vat_rate_bp == 2300
    assert admin.show_provider(db)["invoice_profile"]["default_vat_rate"] == "23 %"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"default_vat_rate": "101"}, "percentage"),
        ({"default_vat_rate": "-1"}, "percentage"),
        ({"default_vat_rate": "20.125"}, "at most 2 decimals"),
        ({"default_vat_rate": "NaN"}, "percentage"),
        ({"default_vat_rate": "abc"}, "percentage"),
        ({"vat_payer": "yes"}, "VAT id"),
        ({"vat_payer": "sure"}, "yes or no"),
        ({"logo_png": "x"}, "Unknown invoice profile field: logo_png. Allowed: legal_name"),
        ({"footer": "x" * 501}, "too long"),
    ],
)
def test_invoice_profile_validation_changes_nothing(db, provider, fields, message):
    admin.set_invoice_profile(db, footer="kept")
    db.commit()
    with pytest.raises(DomainError, match=message):
        admin.set_invoice_profile(db, **fields)
    db.rollback()
    rows = db.exec(select(InvoiceProfile)).all()
    assert [(r.footer, r.vat_payer, r.default_vat_rate_bp) for r in rows] == [("kept", False, 0)]


def _png(width: int, height: int, mode: str = "RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), (200, 30, 30, 128) if mode == "RGBA" else (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def test_logo_is_resized_to_an_opaque_png_and_can_be_removed(db, provider):
    assert admin.set_logo(db, _png(1800, 300)) == (450, 75)
    db.commit()
    stored = db.exec(select(InvoiceProfile)).one().logo_png
    with Image.open(io.BytesIO(stored)) as img:
        assert (img.format, img.mode, img.size) == ("PNG", "RGB", (450, 75))
    assert admin.show_provider(db)["invoice_profile"]["logo"] == "450 x 75 px PNG"
    for bad, message in (
        (b"", "empty"),
        (b"not a picture at all", "not a picture"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 50, "not a picture"),
        (b"x" * (admin.LOGO_MAX_BYTES + 1), "larger than 5 MB"),
    ):
        with pytest.raises(DomainError, match=message):
            admin.set_logo(db, bad)
        db.rollback()
    assert db.exec(select(InvoiceProfile)).one().logo_png == stored
    assert admin.set_logo(db, None) is None
    db.commit()
    assert db.exec(select(InvoiceProfile)).one().logo_png is None


def test_show_provider(db, provider):
    info = admin.show_provider(db)
    assert info["provider"]["slug"] == "otters" and info["provider"]["currency"] == "EUR"
    assert set(admin.PROVIDER_FIELDS) <= set(info["provider"])
    assert info["families"] == 2 and info["holidays"] == []
    assert info["invoice_profile"]["logo"] == "none" and info["invoice_profile"]["vat_payer"] is False


# ------------------------------------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("120.00", "EUR", 12000),
        ("120", "EUR", 12000),
        ("120.5", "EUR", 12050),
        (" 0.01 ", "EUR", 1),
        ("1500", "HUF", 1500),
        ("19.99", "USD", 1999),
        ("12345678.91", "EUR", 1234567891),
    ],
)
def test_parse_amount(text, currency, minor):
    assert admin.parse_amount(text, currency) == minor


@pytest.mark.parametrize(
    ("text", "currency", "message"),
    [
        ("120.005", "EUR", "more decimals"),
        ("1500.5", "HUF", "more decimals"),
        ("0", "EUR", "more than zero"),
        ("0.00", "EUR", "more than zero"),
        ("-5", "EUR", "positive number"),
        ("1,00", "EUR", "with a dot"),
        ("1e3", "EUR", "positive number"),
        ("", "EUR", "positive number"),
        ("NaN", "EUR", "positive number"),
        (12.5, "EUR", "positive number"),  # a float is refused outright
    ],
)
def test_parse_amount_refuses(text, currency, message):
    with pytest.raises(DomainError, match=message):
        admin.parse_amount(text, currency)


# ------------------------------------------------------------------------------------------- bank transfer


@pytest.fixture
def demo(db):
    load_demo(db)
    db.commit()
    term = db.exec(
        select(Charge).where(Charge.description == "Autumn term fee", Charge.status == ChargeStatus.unpaid)
    ).one()
    gear = db.exec(select(Charge).where(Charge.description == "Swim cap + goggles")).one()
    return term, gear


def _state(db) -> tuple:
    db.expire_all()
    return (
        db.exec(select(Charge.id, Charge.status, Charge.paid_at).order_by(Charge.id)).all(),
        len(db.exec(select(Payment)).all()),
        len(db.exec(select(Invoice)).all()),
        versions(db),
    )


def test_bank_transfer_pays_once_and_issues_documents(db, demo):
    term, _ = demo
    invoices_before = db.exec(select(Invoice.number).where(Invoice.kind == InvoiceKind.invoice)).all()
    version_before = db.get(Family, term.family_id).data_version
    done = record_bank_transfer(db, f" {term.reference} ", 10800)
    db.commit()
    db.expire_all()
    charge = db.get(Charge, term.id)
    assert charge.status == ChargeStatus.paid and charge.paid_at is not None
    payment = db.exec(select(Payment).where(Payment.charge_id == term.id)).one()
    assert (payment.method, payment.status, payment.amount_minor, payment.currency) == (
        PaymentMethod.bank_transfer,
        PaymentStatus.succeeded,
        10800,
        "EUR",
    )
    docs = db.exec(select(Invoice).where(Invoice.charge_id == term.id).order_by(Invoice.id)).all()
    assert [d.kind for d in docs] == [InvoiceKind.invoice, InvoiceKind.receipt]
    assert done.documents == [d.number for d in docs] and done.charge_id == term.id
    assert docs[0].number not in invoices_before and docs[0].content["total"] == 10800
    assert "Bank transfer" in " ".join(docs[0].content["notes_after"])
    assert db.get(Family, term.family_id).data_version == version_before + 1

    before = _state(db)
    for key in (term.reference, str(term.id)):
        with pytest.raises(DomainError, match="already paid"):
            record_bank_transfer(db, key, 10800)
        db.rollback()
    assert _state(db) == before


def test_bank_transfer_amount_must_match(db, demo):
    term, _ = demo
    before = _state(db)
    for wrong in (10799, 10801, 12000, 0):
        with pytest.raises(DomainError, match=r"EUR 108\.00.*nothing was recorded"):
            record_bank_transfer(db, term.reference, wrong)
        db.rollback()
    assert _state(db) == before


def test_bank_transfer_by_charge_id_pays_the_order(db, demo):
    _, gear = demo
    record_bank_transfer(db, str(gear.id), gear.amount_minor)
    db.commit()
    db.expire_all()
    assert db.get(Charge, gear.id).status == ChargeStatus.paid
    assert db.get(Order, gear.order_id).status == OrderStatus.paid


def test_bank_transfer_unknown_cancelled_and_dates(db, demo):
    term, gear = demo
    before = _state(db)
    for key in ("NOPE", "999999", "", "-1"):
        with pytest.raises(DomainError, match="not found"):
            record_bank_transfer(db, key, 100)
        db.rollback()
    in_two_days = utcnow().date() + timedelta(days=2)
    with pytest.raises(DomainError, match="future"):
        record_bank_transfer(db, term.reference, 10800, received_on=in_two_days)
    db.rollback()
    gear_row = db.get(Charge, gear.id)
    gear_row.status = ChargeStatus.cancelled
    db.add(gear_row)
    db.flush()
    with pytest.raises(DomainError, match="cancelled"):
        record_bank_transfer(db, gear.reference, gear.amount_minor)
    db.rollback()
    assert _state(db) == before

    received = utcnow().date() - timedelta(days=5)
    record_bank_transfer(db, term.reference, 10800, received_on=received)
    db.commit()
    db.expire_all()
    payment = db.exec(select(Payment).where(Payment.charge_id == term.id)).one()
    assert abs((payment.succeeded_at.date() - received).days) <= 1
    receipt = db.exec(
        select(Invoice).where(Invoice.charge_id == term.id, Invoice.kind == InvoiceKind.receipt)
    ).one()
    assert ("Payment received", received.isoformat()) in [tuple(d) for d in receipt.content["dates"]]


def test_bank_transfer_without_invoicing_issues_nothing(db, demo):
    term, _ = demo
    admin.update_provider(db, invoicing_enabled="no")
    done = record_bank_transfer(db, term.reference, 10800)
    db.commit()
    assert done.documents == []
    assert db.exec(select(Invoice).where(Invoice.charge_id == term.id)).all() == []
    assert db.get(Charge, term.id).status == ChargeStatus.paid


def _request_for_term_and_gear(db, term, gear) -> str:
    """The reference Anna's payments page gives for paying both unpaid items in one transfer."""
    from client_profile.models import Client
    from client_profile.services.money.payments import transfer_instructions
    from client_profile.services.people.identity import Principal
    from client_profile.services.providers import current_provider

    anna = db.exec(select(Client).where(Client.email == "anna@example.com")).one()
    who = Principal(anna.id, anna.provider_id, anna.family_id, 0, anna.email, anna.full_name)
    return transfer_instructions(db, who, current_provider(db), [term.id, gear.id]).reference


def test_a_transfer_request_is_settled_whole_and_once(db, demo):
    """One transfer with the request's reference pays every item it covers, exactly once; a wrong amount, an
    item paid another way meanwhile, or a repeat changes nothing."""
    from client_profile.models import TransferRequest

    term, gear = demo
    reference = _request_for_term_and_gear(db, term, gear)
    db.commit()
    before = _state(db)
    for amount in (10800, 12599, 12601, 13800):
        with pytest.raises(DomainError, match="does not match"):
            record_bank_transfer(db, reference, amount)
        db.rollback()
    assert _state(db) == before
    done = record_bank_transfer(db, reference, 12600)
    db.commit()
    db.expire_all()
    assert set(done.charge_ids) == {term.id, gear.id} and done.reference == reference
    assert {db.get(Charge, i).status for i in (term.id, gear.id)} == {ChargeStatus.paid}
    assert sorted(
        p.amount_minor for p in db.exec(select(Payment).where(Payment.charge_id.in_([term.id, gear.id])))
    ) == [1800, 10800]
    assert (
        db.exec(select(TransferRequest).where(TransferRequest.reference == reference)).one().status == "paid"
    )
    after = _state(db)
    with pytest.raises(DomainError, match="already paid"):
        record_bank_transfer(db, reference, 12600)
    db.rollback()
    assert _state(db) == after


def test_a_transfer_request_whose_item_was_paid_another_way_is_refused(db, demo):
    term, gear = demo
    reference = _request_for_term_and_gear(db, term, gear)
    record_bank_transfer(db, gear.reference, 1800)  # the gear was paid on its own meanwhile
    db.commit()
    before = _state(db)
    with pytest.raises(DomainError, match="was paid another way"):
        record_bank_transfer(db, reference, 12600)
    db.rollback()
    assert _state(db) == before
