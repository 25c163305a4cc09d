"""Home, Benefits and Orders views over the demo data, and the access scope they share."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlmodel import select

from client_profile.models import Attendee, Booking, BookingShare, utcnow
from client_profile.services import home
from client_profile.services.errors import NotFound
from client_profile.services.money import benefits, orders
from client_profile.services.people.access import get_visible_booking, member_visible, parse_id
from client_profile.services.providers import current_provider
from tests.login_helpers import principal_of as principal


def test_anna_home_shows_her_family_and_the_unpaid_fee_first(demo):
    view = home.home_view(demo, principal(demo, "anna@example.com"), current_provider(demo))
    assert [m.first_name for m in view.members] == ["Ema", "Jakub"]
    assert [m.age for m in view.members] == [7, 10]
    programmes = {b.programme for b in view.bookings}
    assert {"Swimming - Beginners", "Football Juniors", "Chess Online", "Summer Camp 2026"} <= programmes
    assert not any(b.shared_with_me for b in view.bookings)
    past = [b.programme for b in view.bookings if not b.is_active]
    assert past == ["Summer Camp 2026"]
    swim = next(b for b in view.bookings if b.programme == "Swimming - Beginners")
    assert swim.next_session.startswith("Tue ") and swim.next_session.endswith("16:00")
    chess = next(b for b in view.bookings if b.programme == "Chess Online")
    assert chess.is_online and chess.place == "Online"
    assert [(u.description, u.amount, u.attendee) for u in view.unpaid][0] == (
        "Autumn term fee",
        "EUR 108.00",
        "Ema",
    )
    assert view.unpaid[0].discounts == "Full price EUR 120.00 · Sibling discount 10% -EUR 12.00"
    assert view.unpaid[1].attendee == ""  # an order is for the whole family
    assert "Swim cap + goggles" in {u.description for u in view.unpaid}
    assert view.unpaid_total == "EUR 126.00"
    assert view.unpaid[1].discounts == ""  # orders get no discounts
    assert view.bank is not None and view.bank.iban
    assert view.family_discounts == ["Sibling discount 10%"]
    assert view.unpaid_orders == 1
    assert view.credit_balance == "EUR 15.00"


def test_ben_never_sees_the_novaks(demo):
    view = home.home_view(demo, principal(demo, "ben@example.com"), current_provider(demo))
    assert [m.first_name for m in view.members] == ["Lily"]
    assert {b.programme for b in view.bookings} == {"Swimming - Beginners"}
    assert view.unpaid == [] and view.unpaid_total == ""


def test_peter_sees_only_the_shared_booking_and_cannot_pay_it(demo):
    peter = principal(demo, "peter@example.com")
    assert peter.family_id is None
    view = home.home_view(demo, peter, current_provider(demo))
    assert [m.first_name for m in view.members] == ["Ema"]
    assert [(b.programme, b.shared_with_me) for b in view.bookings] == [("Swimming - Beginners", True)]
    assert view.unpaid == [] and not view.has_family and view.family_discounts == []


def test_a_revoked_share_hides_everything_at_once(demo):
    peter = principal(demo, "peter@example.com")
    share = demo.exec(select(BookingShare).where(BookingShare.grantee_client_id == peter.client_id)).one()
    ema = demo.exec(select(Attendee).where(Attendee.first_name == "Ema")).one()
    assert member_visible(demo, peter, ema.id)
    share.revoked_at = utcnow()
    demo.add(share)
    demo.commit()
    assert not member_visible(demo, peter, ema.id)
    assert home.home_view(demo, peter, current_provider(demo)).bookings == []
    with pytest.raises(NotFound):
        get_visible_booking(demo, peter, share.booking_id)


def test_a_share_with_pay_scope_shows_that_bookings_charge(demo):
    peter = principal(demo, "peter@example.com")
    share = demo.exec(select(BookingShare).where(BookingShare.grantee_client_id == peter.client_id)).one()
    share.can_pay = True
    demo.add(share)
    demo.commit()
    view = home.home_view(demo, peter, current_provider(demo))
    assert [u.description for u in view.unpaid] == ["Autumn term fee"]


def test_foreign_and_missing_bookings_look_the_same(demo):
    anna = principal(demo, "anna@example.com")
    lily = demo.exec(select(Attendee).where(Attendee.first_name == "Lily")).one()
    bens_booking = demo.exec(select(Booking).where(Booking.attendee_id == lily.id)).one()
    messages = set()
    for bad in (bens_booking.id, 10**9, 0, -1, True, "1", None, 1.5, [1], {"id": 1}, 2**64):
        with pytest.raises(NotFound) as exc:
            get_visible_booking(demo, anna, bad)
        messages.add(str(exc.value))
    assert len(messages) == 1
    own = demo.exec(select(Booking).join(Attendee).where(Attendee.first_name == "Ema")).first()
    assert get_visible_booking(demo, anna, own.id).id == own.id


@pytest.mark.parametrize(
    "value,expected",
    [
        (5, 5),
        ("7", 7),
        (0, None),
        (-3, None),
        (True, None),
        ("1 OR 1=1", None),
        ("", None),
        (None, None),
        (1.0, None),
        ("１２", None),
        (2**63, None),
    ],
)
def test_parse_id(value, expected):
    assert parse_id(value) == expected


def test_benefits_answer_the_parents_questions(demo):
    view = benefits.benefits_view(demo, principal(demo, "anna@example.com"), current_provider(demo))
    assert [(m.attendee, m.status) for m in view.makeups] == [("Ema", "available")]
    assert view.makeups[0].detail.startswith("Book by ")
    assert {(d.name, d.status, d.scope) for d in view.discounts} == {
        ("Sibling discount 10%", "active", "Family"),
        ("Early bird 5%", "expired", "Family"),
    }
    by_name = {p.name: p for p in view.passes}
    assert (by_name["Open Swim 10 entries"].remaining, by_name["Open Swim 10 entries"].status) == (
        6,
        "active",
    )
    assert any(p.status == "expired" for p in view.passes)
    assert view.credit_balance == "EUR 15.00"
    assert {e.amount for e in view.ledger} == {"EUR 50.00", "-EUR 35.00"}


def test_benefits_of_a_shared_person_are_only_the_shared_bookings(demo):
    view = benefits.benefits_view(demo, principal(demo, "peter@example.com"), current_provider(demo))
    assert [m.attendee for m in view.makeups] == ["Ema"]
    assert view.discounts == [] and view.passes == [] and view.ledger == [] and not view.has_family


def test_orders_split_unpaid_and_paid_with_items(demo):
    view = orders.orders_view(demo, principal(demo, "anna@example.com"), current_provider(demo))
    assert [(o.total, o.status) for o in view.unpaid] == [("EUR 18.00", "unpaid")]
    assert view.unpaid[0].lines
    assert sorted(o.total for o in view.paid) == [
        "EUR 35.00",
        "EUR 50.00",
        "EUR 90.00",
    ]  # the top-up is an order
    assert orders.orders_view(demo, principal(demo, "ben@example.com"), current_provider(demo)).unpaid == []


def test_home_view_issues_a_constant_number_of_queries(demo, engine):
    """No N+1: the number of statements does not grow with the number of bookings."""
    anna = principal(demo, "anna@example.com")
    provider = current_provider(demo)

    def count() -> int:
        statements = []

        def listener(conn, cur, stmt, *a):
            if stmt.lstrip().upper().startswith("SELECT"):
                statements.append(stmt)

        event.listen(engine, "before_cursor_execute", listener)
        try:
            home.home_view(demo, anna, provider)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    before = count()
    ema = demo.exec(select(Booking).join(Attendee).where(Attendee.first_name == "Ema")).first()
    from client_profile.models import ClassGroup

    for i in range(5):
        cls = ClassGroup(
            programme_id=demo.get(ClassGroup, ema.class_id).programme_id, name=f"Extra {i}", capacity=5
        )
        demo.add(cls)
        demo.flush()
        demo.add(Booking(provider_id=provider.id, attendee_id=ema.attendee_id, class_id=cls.id))
    demo.commit()
    assert count() == before


def test_without_card_payment_the_prompt_says_bank_transfer_and_why(demo):
    """Issue: "Pay now" promised online payment that the payments page then did not offer, with no reason."""
    from client_profile.integrations.stripe_gateway import gateway
    from client_profile.services.money.payments import online_payment_note, payments_view
    from tests.login_helpers import override_env

    anna, provider = principal(demo, "anna@example.com"), current_provider(demo)
    with override_env(STRIPE_SECRET_KEY=None, CLIENT_PROFILE_ENV="development"):
        assert home.home_view(demo, anna, provider).online_payment is False
        note = payments_view(demo, anna, provider, gateway()).online_note
        assert "STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET" in note  # whoever tries the app learns how
    with override_env(STRIPE_SECRET_KEY=None, CLIENT_PROFILE_ENV="production", SMTP_HOST="127.0.0.1"):
        assert online_payment_note(provider, None) == (
            "Card payment is not available at the moment. Please pay by bank transfer."
        )
    with override_env(STRIPE_SECRET_KEY="sk_test_x", STRIPE_WEBHOOK_SECRET="whsec_x"):
        assert home.home_view(demo, anna, provider).online_payment is True
        assert online_payment_note(provider, gateway()) == ""
        provider.online_payment_enabled = False
        assert home.home_view(demo, anna, provider).online_payment is False
        assert online_payment_note(provider, gateway()) == f"{provider.name} takes payments by bank transfer."
