"""Demo data: one provider ("Little Otters Swim & Sport") with three logins that show every feature.

Dates are relative to the instant it is loaded (``now``, from client_profile.clock) so the demo always looks
alive: sessions that started before ``now`` are past, the rest (today's later ones too) are upcoming. Session
times are local times in the provider's timezone (Europe/Bratislava), stored as aware UTC. Whatever the weekday
and hour, Ema has a make-up to book and a full group to read about (see the sister classes in ``_build``).
The fixed facts (names, ages, amounts, counts)
are relied on by tests and by the demo walkthrough; change them only together with tests/unit/test_demo.py.

``load_demo`` is idempotent: when the demo provider exists it changes nothing. ``reset=True`` deletes every
row of the demo provider (and nothing of any other provider) and builds the demo again. The caller commits.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import delete, func, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, select

from client_profile import clock
from client_profile.integrations.invoice_pdf import FONT_DIR, logo_png
from client_profile.models import (
    ApiIdempotency,
    ApiKey,
    Attendance,
    AttendanceState,
    Attendee,
    AuditEntry,
    AuthSession,
    BankStatement,
    BankStatementLine,
    BenefitEvent,
    Booking,
    BookingShare,
    BookingShareEvent,
    BookingStatus,
    Charge,
    ChargeStatus,
    CheckoutAttempt,
    CheckoutAttemptItem,
    ClassGroup,
    ClassSession,
    Client,
    CreditEntry,
    CreditKind,
    DeletionRequest,
    Discount,
    EntryPass,
    EntryPassClass,
    EntryPassEntry,
    Family,
    FamilyMessage,
    ImportUpload,
    Invoice,
    InvoiceProfile,
    LoginRequest,
    MakeupCredit,
    MakeupCreditStatus,
    MessageTemplate,
    NotificationPreference,
    Order,
    OrderItem,
    OrderItemKind,
    OrderStatus,
    OutboxMessage,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Programme,
    ProgrammeKind,
    Provider,
    Refund,
    SessionStatus,
    StaffMember,
    StaffRole,
    TransferRequest,
    TransferRequestItem,
    WebhookDelivery,
    WebhookEndpoint,
    WhatsAppConsent,
)
from client_profile.services.errors import DomainError
from client_profile.services.money import billing, fees, payments
from client_profile.services.people.sharing import grant_share

DEMO_SLUG = "little-otters"
DEMO_NAME = "Little Otters Swim & Sport"
DEMO_TIMEZONE = "Europe/Bratislava"
CURRENCY = "EUR"

ANNA = "anna@example.com"
BEN = "ben@example.com"
PETER = "peter@example.com"
OFFICE = "office@example.com"
MARTINA = "martina@example.com"

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


@dataclass(frozen=True)
class DemoLogin:
    email: str
    who: str


@dataclass(frozen=True)
class DemoSummary:
    provider_id: int
    provider_slug: str
    provider_name: str
    created: bool  # False when the demo was already there and nothing changed
    counts: dict[str, int] = field(default_factory=dict)
    logins: tuple[DemoLogin, ...] = ()
    staff_logins: tuple[DemoLogin, ...] = ()


LOGINS = (
    DemoLogin(
        ANNA,
        "Anna Novak, parent of Ema (7) and Jakub (10): bookings, make-up credit, payments, benefits, orders",
    ),
    DemoLogin(BEN, "Ben Carter, parent of Lily (8), in the same swimming class as Ema; everything paid"),
    DemoLogin(PETER, "Peter Novak, Ema's grandfather: sees only Ema's shared swimming booking"),
)
STAFF_LOGINS = (
    DemoLogin(OFFICE, "the Little Otters office: owner of the console (staff, schedule, families, audit)"),
    DemoLogin(MARTINA, "Martina Kovacova, instructor of Swimming - Beginners Tuesday 16:00: her register"),
)


# --------------------------------------------------------------------------------------------- helpers


def _years_ago(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def _weekly(
    now: datetime, tz: ZoneInfo, weekday: int, start: time, past: int, upcoming: int
) -> tuple[list[date], list[date]]:
    """The days of the ``past`` weekly sessions (on ``weekday`` at local ``start``) that started before ``now``
    and of the ``upcoming`` ones that start at or after it (today's included when it has not started yet)."""
    today = now.astimezone(tz).date()
    nxt = today + timedelta(days=(weekday - today.weekday()) % 7)
    if datetime.combine(nxt, start, tzinfo=tz) < now:
        nxt += timedelta(weeks=1)
    return (
        [nxt - timedelta(weeks=i) for i in range(past, 0, -1)],
        [nxt + timedelta(weeks=i) for i in range(upcoming)],
    )


class _Builder:
    """Builds the demo inside one session; numbering follows the order in which rows are made."""

    def __init__(self, db: Session, now: datetime) -> None:
        self.db = db
        self.tz = ZoneInfo(DEMO_TIMEZONE)
        self.now = now.astimezone(UTC)
        self.today = self.now.astimezone(self.tz).date()
        self.provider: Provider | None = None
        self._charge_no = 0
        self._order_no = 0
        self._gateway_no = 0
        self._pending_invoices: list[tuple[datetime, Charge, Payment]] = []

    # -- primitives

    def at(self, day: date, clock: time) -> datetime:
        """A local wall-clock time in the provider's timezone, as aware UTC."""
        return datetime.combine(day, clock, tzinfo=self.tz).astimezone(UTC)

    def days(self, n: int) -> datetime:
        return self.now + timedelta(days=n)

    def add(self, *rows):
        self.db.add_all(rows)
        self.db.flush()
        return rows[0] if len(rows) == 1 else rows

    @property
    def pid(self) -> int:
        assert self.provider is not None and self.provider.id is not None
        return self.provider.id

    # -- catalogue

    def programme(self, name: str, kind: ProgrammeKind, price: int, description: str) -> Programme:
        return self.add(
            Programme(
                provider_id=self.pid,
                name=name,
                kind=kind,
                price_minor=price,
                currency=CURRENCY,
                description=description,
                created_at=self.days(-200),
            )
        )

    def klass(
        self,
        programme: Programme,
        name: str,
        weekday: int | None,
        start: time,
        minutes: int,
        *,
        venue: str,
        instructor: str,
        capacity: int,
        past: int = 0,
        upcoming: int = 0,
        dates: list[date] | None = None,
        extra_makeup: int = 0,
        makeup_group: str | None = None,
        online_link: str = "",
    ) -> tuple[ClassGroup, list[ClassSession], list[ClassSession]]:
        if dates is None:
            past_days, next_days = _weekly(self.now, self.tz, weekday, start, past, upcoming)
        else:
            past_days = [d for d in dates if self.at(d, start) < self.now]
            next_days = [d for d in dates if self.at(d, start) >= self.now]
        all_days = past_days + next_days
        group = self.add(
            ClassGroup(
                programme_id=programme.id,
                name=name,
                instructor=instructor,
                venue=venue,
                is_online=bool(online_link),
                online_link=online_link,
                weekday=weekday,
                start_time=start,
                duration_minutes=minutes,
                starts_on=all_days[0],
                ends_on=all_days[-1],
                capacity=capacity,
                extra_makeup_capacity=extra_makeup,
                makeup_group=makeup_group,
                created_at=self.days(-200),
            )
        )
        sessions = [
            ClassSession(
                class_id=group.id,
                starts_at=self.at(d, start),
                ends_at=self.at(d, start) + timedelta(minutes=minutes),
                status=SessionStatus.completed if d in past_days else SessionStatus.scheduled,
            )
            for d in all_days
        ]
        self.add(*sessions)
        return group, sessions[: len(past_days)], sessions[len(past_days) :]

    # -- people

    def family(self, name: str) -> Family:
        return self.add(Family(provider_id=self.pid, name=name, created_at=self.days(-180)))

    def client(self, email: str, full_name: str, family: Family | None, phone: str = "") -> Client:
        return self.add(
            Client(
                provider_id=self.pid,
                email=email,
                full_name=full_name,
                phone=phone,
                family_id=family.id if family else None,
                created_at=self.days(-180),
            )
        )

    def attendee(self, family: Family, first: str, last: str, age: int, extra_days: int) -> Attendee:
        born = _years_ago(self.today, age) - timedelta(days=extra_days)
        return self.add(
            Attendee(
                family_id=family.id,
                first_name=first,
                last_name=last,
                birth_date=born,
                created_at=self.days(-180),
            )
        )

    def booking(
        self,
        attendee: Attendee,
        group: ClassGroup,
        price: int,
        past: list[ClassSession],
        upcoming: list[ClassSession],
        states: list[AttendanceState] | None = None,
        status: BookingStatus = BookingStatus.active,
    ) -> tuple[Booking, list[Attendance]]:
        booking = self.add(
            Booking(
                provider_id=self.pid,
                attendee_id=attendee.id,
                class_id=group.id,
                status=status,
                starts_on=group.starts_on,
                ends_on=group.ends_on,
                price_minor=price,
                currency=CURRENCY,
                created_at=(past[0].starts_at if past else self.now) - timedelta(days=14),
            )
        )
        states = states or [AttendanceState.attended] * len(past)
        rows = []
        for session, state in zip(past, states, strict=True):
            changed = {
                AttendanceState.cancelled: session.starts_at - timedelta(days=2),
                AttendanceState.late_cancelled: session.starts_at - timedelta(hours=3),
            }.get(state, min(session.ends_at + timedelta(minutes=30), self.now))  # one in progress: now
            rows.append(
                Attendance(booking_id=booking.id, session_id=session.id, state=state, changed_at=changed)
            )
        rows += [
            Attendance(
                booking_id=booking.id,
                session_id=s.id,
                state=AttendanceState.scheduled,
                changed_at=booking.created_at,
            )
            for s in upcoming
        ]
        self.add(*rows)
        return booking, rows

    # -- money

    def charge(
        self,
        family: Family,
        description: str,
        amount: int,
        *,
        due: date | None,
        booking: Booking | None = None,
        order: Order | None = None,
        created_days: int = -30,
    ) -> Charge:
        self._charge_no += 1
        reference = f"{self.today.year}{self._charge_no:05d}"
        if booking is not None and order is None:  # a fee: priced with the family's discounts, like any fee
            fee = fees.create_booking_fee(
                self.db, booking, description, amount, reference, due, now=self.days(created_days)
            )
            assert fee is not None, "the demo's fees are never discounted to nothing"
            return fee
        return self.add(
            Charge(
                provider_id=self.pid,
                family_id=family.id,
                booking_id=booking.id if booking else None,
                order_id=order.id if order else None,
                description=description,
                amount_minor=amount,
                currency=CURRENCY,
                due_on=due,
                status=ChargeStatus.unpaid,
                reference=reference,
                created_at=self.days(created_days),
            )
        )

    def pay(self, charge: Charge, method: PaymentMethod, paid_days: int) -> Payment:
        """Marks the charge paid with one succeeded payment and issues its invoice (invoicing is on)."""
        paid_at = self.days(paid_days)
        gateway_id = None
        if method == PaymentMethod.card:
            self._gateway_no += 1
            gateway_id = f"cs_demo_{self.pid}_{self._gateway_no:04d}"
        payment = self.add(
            Payment(
                provider_id=self.pid,
                charge_id=charge.id,
                method=method,
                status=PaymentStatus.succeeded,
                amount_minor=charge.amount_minor,
                currency=charge.currency,
                gateway_id=gateway_id,
                created_at=paid_at - timedelta(minutes=3),
                succeeded_at=paid_at,
            )
        )
        # The one way a charge turns paid (its order too, and the credit a top-up buys).
        assert payments.mark_charge_paid(self.db, charge, paid_at)
        self._pending_invoices.append((paid_at, charge, payment))
        return payment

    def issue_invoices(self) -> None:
        """Invoices and receipts, numbered by the billing service in the order the payments came in."""
        for paid_at, charge, payment in sorted(self._pending_invoices, key=lambda t: (t[0], t[1].id)):
            billing.issue_documents(self.db, self.provider, charge, payment, issue_invoice=True, when=paid_at)
        self._pending_invoices = []
        self.db.flush()

    def order(
        self, family: Family, items: list[tuple[OrderItemKind, str, int, int]], created_days: int
    ) -> Order:
        self._order_no += 1
        total = sum(q * p for _, _, q, p in items)
        order = self.add(
            Order(
                provider_id=self.pid,
                family_id=family.id,
                number=f"O-{self.today.year}-{self._order_no:04d}",
                status=OrderStatus.unpaid,
                total_minor=total,
                currency=CURRENCY,
                created_at=self.days(created_days),
            )
        )
        self.add(
            *[
                OrderItem(order_id=order.id, kind=k, description=d, quantity=q, unit_price_minor=p)
                for k, d, q, p in items
            ]
        )
        return order


@lru_cache(maxsize=1)
def demo_logo_png() -> bytes:
    """A small generated logo (a wave in a circle and the name), resized like any uploaded logo (made once per
    process: it never changes)."""
    img = Image.new("RGBA", (900, 300), (255, 255, 255, 0))
    draw = ImageDraw.Draw(img)
    draw.ellipse((10, 10, 290, 290), fill=(14, 116, 144, 255))
    for dy in (0, 60):
        draw.arc((50, 90 + dy, 150, 170 + dy), 200, 340, fill="white", width=14)
        draw.arc((150, 90 + dy, 250, 170 + dy), 200, 340, fill="white", width=14)
    font = ImageFont.truetype(str(FONT_DIR / "DejaVuSans-Bold.ttf"), 92)
    draw.text((320, 40), "Little", font=font, fill=(14, 116, 144, 255))
    draw.text((320, 150), "Otters", font=font, fill=(14, 116, 144, 255))
    raw = io.BytesIO()
    img.save(raw, format="PNG")
    return logo_png(raw.getvalue())


# --------------------------------------------------------------------------------------------- the demo


def _build(db: Session, now: datetime) -> Provider:
    b = _Builder(db, now)
    d = b.days

    provider = b.provider = b.add(
        Provider(
            slug=DEMO_SLUG,
            name=DEMO_NAME,
            currency=CURRENCY,
            timezone=DEMO_TIMEZONE,
            language="en",
            contact_email="hello@little-otters.example",
            contact_phone="+421 900 123 456",
            website="https://little-otters.example",
            brand_color="#0e7490",
            makeups_enabled=True,
            makeup_from_cancelled=True,
            # Like Zooza's default: only a cancellation in time earns a make-up; a no-show does not.
            makeup_from_missed=False,
            makeup_validity_days=90,
            makeup_window_days=4,
            makeup_min_hours_before=2,
            makeup_extra_capacity=1,
            cancellation_deadline_hours=24,
            online_payment_enabled=True,
            invoicing_enabled=True,
            bank_account_name="Little Otters s.r.o.",
            bank_iban="SK31 1200 0000 1987 4263 7541",
            bank_bic="TATRSKBX",
            bank_reference_hint="Use the payment reference as the variable symbol.",
            invoice_address="Little Otters s.r.o., Hlavna 12, 811 01 Bratislava, Slovakia",
            livestream_enabled=True,
            created_at=d(-365),
        )
    )
    b.add(
        InvoiceProfile(
            provider_id=provider.id,
            legal_name="Little Otters s.r.o.",
            company_id="52 123 456",
            tax_id="2121234567",
            vat_id="SK2121234567",
            vat_payer=True,
            default_vat_rate_bp=2300,
            footer="Little Otters s.r.o., registered in the Business Register of the City Court "
            "Bratislava III, section Sro, file 123456/B.",
            logo_png=demo_logo_png(),
            updated_at=d(-365),
        )
    )

    # Catalogue --------------------------------------------------------------------------------------------
    swim = b.programme(
        "Swimming - Beginners",
        ProgrammeKind.course,
        12000,
        "Water confidence, floating and the first strokes, for children aged 5 to 9.",
    )
    swim_tue, swim_tue_past, swim_tue_next = b.klass(
        swim,
        "Beginners - Tuesday 16:00",
        TUE,
        time(16, 0),
        45,
        venue="City Pool, Lane 3",
        instructor="Martina Kovacova",
        capacity=8,
        past=5,
        upcoming=8,
        extra_makeup=1,
        makeup_group="beginners",
    )
    # Sister classes of the same programme (one make-up group), chosen so that the demo works whenever it is
    # loaded. Make-ups are offered for sessions starting in (now + 2 h, now + 4 days], and a make-up cancelled
    # less than 24 h before its start keeps the credit used. So at any instant Ema needs:
    #  - a sister session with free places between 24 h and 4 days ahead (bookable, and cancellable in time):
    #    the free groups meet Monday 16:00, Wednesday 17:00 and Saturday 10:00, at most 65 hours apart (66 h
    #    across a DST night), so every 72-hour stretch holds one, and the first of them is never more than
    #    4 days away either;
    #  - a full sister session in the window, to explain and queue for: two small groups the Horvath children
    #    fill, Tuesday 17:00 and Saturday 09:00, are 80 and 88 hours apart (89 h across a DST night), inside
    #    the 94 hours of the window whatever the hour.
    # A weekly class on one weekday alone is in a 4-day window only about half of the week; hence three free
    # groups and two full ones. tests/unit/test_demo_instants.py loads the demo at every weekday and hour that
    # matters, both DST weekends and New Year's Eve, and checks all of this through the make-up service.
    sister_classes = (
        ("Beginners - Monday 16:00", MON, time(16, 0), "Martina Kovacova", False),
        ("Beginners - Tuesday 17:00", TUE, time(17, 0), "Tomas Hudec", True),
        ("Beginners - Wednesday 17:00", WED, time(17, 0), "Tomas Hudec", False),
        ("Beginners - Saturday 09:00", SAT, time(9, 0), "Tomas Hudec", True),
        ("Beginners - Saturday 10:00", SAT, time(10, 0), "Martina Kovacova", False),
    )
    full_groups = []
    for name, weekday, start, instructor, full in sister_classes:
        group, past, upcoming = b.klass(
            swim,
            name,
            weekday,
            start,
            45,
            venue="City Pool, Lane 2",
            instructor=instructor,
            capacity=8,
            past=2,
            upcoming=6,
            extra_makeup=1,
            makeup_group="beginners",
        )
        if full:  # small and full, no extra make-up places: "all sessions full" and the waiting list
            group.capacity, group.extra_makeup_capacity, group.extra_makeup_mode = 3, 0, "replace"
            full_groups.append((group, past, upcoming))
    advanced = b.programme(
        "Swimming - Improvers",
        ProgrammeKind.course,
        13500,
        "Technique for all four strokes, for confident swimmers aged 8 to 12.",
    )
    b.klass(
        advanced,
        "Improvers - Wednesday 17:00",
        WED,
        time(17, 0),
        60,
        venue="City Pool, Lane 4",
        instructor="Peter Bartos",
        capacity=10,
        past=2,
        upcoming=6,
    )

    football = b.programme(
        "Football Juniors",
        ProgrammeKind.club,
        9000,
        "Ball skills and small-sided games for boys and girls aged 8 to 12.",
    )
    football_sat, football_past, football_next = b.klass(
        football,
        "Juniors - Saturday 10:00",
        SAT,
        time(10, 0),
        90,
        venue="Riverside Park, Pitch 2",
        instructor="Lukas Varga",
        capacity=16,
        past=4,
        upcoming=8,
    )

    chess = b.programme(
        "Chess Online",
        ProgrammeKind.course,
        6000,
        "Openings, tactics and friendly games in a live video class.",
    )
    chess_thu, chess_past, chess_next = b.klass(
        chess,
        "Chess Online - Thursday 17:00",
        THU,
        time(17, 0),
        60,
        venue="Online",
        instructor="Eva Horvathova",
        capacity=12,
        past=4,
        upcoming=8,
        online_link="https://meet.example.com/little-otters-chess",
    )

    camp = b.programme(
        "Summer Camp 2026",
        ProgrammeKind.camp,
        18000,
        "A week of swimming, games and trips, 9:00 to 15:00 every day.",
    )
    camp_monday = b.today - timedelta(days=b.today.weekday()) - timedelta(weeks=12)
    camp_group, camp_past, _ = b.klass(
        camp,
        "Summer Camp - week 1",
        None,
        time(9, 0),
        360,
        venue="Little Otters Clubhouse, Lakeside 4",
        instructor="Lukas Varga",
        capacity=20,
        dates=[camp_monday + timedelta(days=i) for i in range(5)],
    )

    open_swim = b.programme(
        "Open Swim",
        ProgrammeKind.event,
        1000,
        "Family swimming on Sunday afternoons; pay per entry or with an entry pass.",
    )
    _, open_past, _ = b.klass(
        open_swim,
        "Open Swim - Sunday 14:00",
        SUN,
        time(14, 0),
        90,
        venue="City Pool, all lanes",
        instructor="Lifeguard on duty",
        capacity=40,
        past=6,
        upcoming=4,
    )

    # The Novak family: Anna (login), Ema 7 and Jakub 10 ---------------------------------------------------
    novak = b.family("Novak")
    anna = b.client(ANNA, "Anna Novak", novak, phone="+421 905 111 222")
    ema = b.attendee(novak, "Ema", "Novak", 7, 100)
    jakub = b.attendee(novak, "Jakub", "Novak", 10, 200)
    # Family-wide discounts; each fee gets those valid when it was made (services.money.fees): the sibling discount
    # is on Ema's unpaid autumn fee and Jakub's football and chess fees, the early bird (it ended 30 days ago)
    # on the football, chess and summer camp fees, so paid fees show them on their invoices.
    b.add(
        Discount(
            provider_id=b.pid,
            family_id=novak.id,
            name="Sibling discount 10%",
            percent=10,
            currency=CURRENCY,
            valid_from=d(-60),
            valid_until=d(120),
            created_at=d(-60),
        ),
        Discount(
            provider_id=b.pid,
            family_id=novak.id,
            name="Early bird 5%",
            percent=5,
            currency=CURRENCY,
            valid_from=d(-200),
            valid_until=d(-30),
            created_at=d(-200),
        ),
    )

    A = AttendanceState
    ema_booking, ema_rows = b.booking(
        ema,
        swim_tue,
        12000,
        swim_tue_past,
        swim_tue_next,
        states=[A.attended, A.attended, A.missed, A.cancelled, A.attended],
    )
    cancelled_row = ema_rows[3]
    b.add(
        MakeupCredit(
            attendee_id=ema.id,
            booking_id=ema_booking.id,
            source_attendance_id=cancelled_row.id,
            status=MakeupCreditStatus.open,
            earned_at=cancelled_row.changed_at,
            expires_at=cancelled_row.changed_at + timedelta(days=provider.makeup_validity_days),
        )
    )
    b.charge(
        novak,
        "Autumn term fee",
        12000,
        due=b.today + timedelta(days=7),
        booking=ema_booking,
        created_days=-14,
    )

    horvath = b.family("Horvath")  # filled in by the provider, no login of their own; they swim twice a week
    for first, age in (("Adam", 6), ("Nina", 7), ("Olivia", 8)):
        kid = b.attendee(horvath, first, "Horvath", age, 30)
        for group, past, upcoming in full_groups:
            b.booking(kid, group, 12000, past, upcoming)

    football_booking, _ = b.booking(jakub, football_sat, 9000, football_past, football_next)
    b.pay(
        b.charge(
            novak,
            "Football Juniors - term fee",
            9000,
            due=b.today - timedelta(days=30),
            booking=football_booking,
            created_days=-45,
        ),
        PaymentMethod.card,
        -40,
    )
    chess_booking, _ = b.booking(jakub, chess_thu, 6000, chess_past, chess_next)
    b.pay(
        b.charge(
            novak,
            "Chess Online - term fee",
            6000,
            due=b.today - timedelta(days=20),
            booking=chess_booking,
            created_days=-35,
        ),
        PaymentMethod.bank_transfer,
        -25,
    )
    camp_booking, _ = b.booking(jakub, camp_group, 18000, camp_past, [], status=BookingStatus.ended)
    b.pay(
        b.charge(
            novak,
            "Summer Camp 2026 - week 1",
            18000,
            due=camp_monday - timedelta(days=14),
            booking=camp_booking,
            created_days=-120,
        ),
        PaymentMethod.card,
        (camp_monday - b.today).days - 20,
    )

    # Orders: an unpaid one, an entry pass paid by card, a camp day paid with prepaid credit.
    gear = b.order(
        novak,
        [(OrderItemKind.product, "Swim cap", 1, 800), (OrderItemKind.product, "Swim goggles", 1, 1000)],
        created_days=-3,
    )
    b.charge(
        novak,
        "Swim cap + goggles",
        gear.total_minor,
        due=b.today + timedelta(days=14),
        order=gear,
        created_days=-3,
    )

    pass_order = b.order(
        novak, [(OrderItemKind.entry_pass, "Open Swim 10 entries", 1, 9000)], created_days=-50
    )
    pass_charge = b.charge(
        novak,
        "Open Swim 10 entries",
        9000,
        due=b.today - timedelta(days=43),
        order=pass_order,
        created_days=-50,
    )
    b.pay(pass_charge, PaymentMethod.card, -50)
    pass_order.status, pass_order.paid_at = OrderStatus.paid, pass_charge.paid_at
    pass_item = db.exec(select(OrderItem).where(OrderItem.order_id == pass_order.id)).one()
    ten = b.add(
        EntryPass(
            provider_id=b.pid,
            family_id=novak.id,
            programme_id=open_swim.id,
            order_item_id=pass_item.id,
            name="Open Swim 10 entries",
            entries_total=10,
            valid_from=pass_charge.paid_at,
            expires_at=d(60),
            created_at=pass_charge.paid_at,
        )
    )
    used = [(ema, open_past[-4]), (jakub, open_past[-4]), (ema, open_past[-2]), (jakub, open_past[-1])]
    b.add(
        *[
            EntryPassEntry(
                entry_pass_id=ten.id,
                attendee_id=who.id,
                session_id=s.id,
                note="Open Swim",
                used_at=s.starts_at,
            )
            for who, s in used
        ]
    )
    five = b.add(
        EntryPass(
            provider_id=b.pid,
            family_id=novak.id,
            programme_id=open_swim.id,
            name="Open Swim 5 entries",
            entries_total=5,
            valid_from=d(-250),
            expires_at=d(-70),
            created_at=d(-250),
        )
    )
    b.add(
        *[
            EntryPassEntry(
                entry_pass_id=five.id, attendee_id=ema.id, note="Open Swim", used_at=d(-250 + 14 * i)
            )
            for i in range(1, 4)
        ]
    )

    # EUR 50 of prepaid credit bought as an order and paid by bank transfer: paying it adds the ledger entry
    # (payments.mark_charge_paid), the payment shows in the history with a receipt (no invoice: credit is
    # invoiced when it is used, like the camp day below).
    top_up = b.order(novak, [(OrderItemKind.credit_top_up, "Prepaid credit", 1, 5000)], created_days=-41)
    b.pay(
        b.charge(
            novak, "Credit top-up", 5000, due=b.today - timedelta(days=34), order=top_up, created_days=-41
        ),
        PaymentMethod.bank_transfer,
        -40,
    )
    camp_day = b.order(novak, [(OrderItemKind.service, "Camp day", 1, 3500)], created_days=-20)
    camp_day_charge = b.charge(
        novak, "Camp day", 3500, due=b.today - timedelta(days=20), order=camp_day, created_days=-20
    )
    b.pay(camp_day_charge, PaymentMethod.credit, -20)
    camp_day.status, camp_day.paid_at = OrderStatus.paid, camp_day_charge.paid_at
    b.add(
        CreditEntry(
            provider_id=b.pid,
            family_id=novak.id,
            kind=CreditKind.use,
            amount_minor=-3500,
            currency=CURRENCY,
            description=f"Order {camp_day.number}: Camp day",
            order_id=camp_day.id,
            charge_id=camp_day_charge.id,
            created_at=camp_day_charge.paid_at,
        )
    )

    # Staff: the office (owner) and Martina, who teaches the Tuesday beginners (her register in the console) ----
    b.add(
        StaffMember(provider_id=b.pid, email=OFFICE, full_name="Little Otters Office", role=StaffRole.owner)
    )
    martina = b.add(
        StaffMember(provider_id=b.pid, email=MARTINA, full_name="Martina Kovacova", role=StaffRole.instructor)
    )
    swim_tue.instructor_id = martina.id
    db.add(swim_tue)

    # The Carter family: Ben (login) and Lily 8, in Ema's swimming class, everything paid ------------------
    carter = b.family("Carter")
    b.client(BEN, "Ben Carter", carter, phone="+421 907 333 444")
    lily = b.attendee(carter, "Lily", "Carter", 8, 40)
    lily_booking, _ = b.booking(lily, swim_tue, 12000, swim_tue_past, swim_tue_next)
    b.pay(
        b.charge(
            carter,
            "Autumn term fee",
            12000,
            due=b.today - timedelta(days=10),
            booking=lily_booking,
            created_days=-30,
        ),
        PaymentMethod.card,
        -28,
    )

    # Peter Novak: Ema's grandfather, no family of his own; sees Ema's swimming through a share --------------
    b.client(PETER, "Peter Novak", None)
    share = grant_share(
        db, ema_booking.id, PETER, notify=True, can_pay=False, can_manage=False, created_by=anna.id
    )
    share.created_at = d(-10)

    b.issue_invoices()
    db.flush()
    return provider


def _delete_provider(db: Session, provider_id: int) -> None:
    """Deletes every row that belongs to one provider, children first (works on SQLite and PostgreSQL)."""
    families = sa_select(Family.id).where(Family.provider_id == provider_id)
    clients = sa_select(Client.id).where(Client.provider_id == provider_id)
    staff = sa_select(StaffMember.id).where(StaffMember.provider_id == provider_id)
    programmes = sa_select(Programme.id).where(Programme.provider_id == provider_id)
    classes = sa_select(ClassGroup.id).where(ClassGroup.programme_id.in_(programmes))
    bookings = sa_select(Booking.id).where(Booking.provider_id == provider_id)
    passes = sa_select(EntryPass.id).where(EntryPass.provider_id == provider_id)
    orders = sa_select(Order.id).where(Order.provider_id == provider_id)

    statements = [
        update(Attendance).where(Attendance.booking_id.in_(bookings)).values(makeup_credit_id=None),
        # What the console and the API leave behind (statements, messages, keys, webhooks): before the rows
        # they point at.
        delete(BankStatementLine).where(BankStatementLine.provider_id == provider_id),
        delete(BankStatement).where(BankStatement.provider_id == provider_id),
        delete(FamilyMessage).where(FamilyMessage.provider_id == provider_id),
        delete(MessageTemplate).where(MessageTemplate.provider_id == provider_id),
        delete(WebhookDelivery).where(WebhookDelivery.provider_id == provider_id),
        delete(WebhookEndpoint).where(WebhookEndpoint.provider_id == provider_id),
        delete(ApiIdempotency).where(
            ApiIdempotency.api_key_id.in_(sa_select(ApiKey.id).where(ApiKey.provider_id == provider_id))
        ),
        delete(ApiKey).where(ApiKey.provider_id == provider_id),
        delete(NotificationPreference).where(NotificationPreference.client_id.in_(clients)),
        delete(WhatsAppConsent).where(WhatsAppConsent.client_id.in_(clients)),
        delete(Invoice).where(Invoice.provider_id == provider_id),  # credit notes point at refunds
        delete(Refund).where(Refund.provider_id == provider_id),
        delete(Payment).where(Payment.provider_id == provider_id),
        delete(TransferRequestItem).where(
            TransferRequestItem.request_id.in_(
                sa_select(TransferRequest.id).where(TransferRequest.provider_id == provider_id)
            )
        ),
        delete(TransferRequest).where(TransferRequest.provider_id == provider_id),
        delete(CheckoutAttemptItem).where(
            CheckoutAttemptItem.attempt_id.in_(
                sa_select(CheckoutAttempt.id).where(CheckoutAttempt.provider_id == provider_id)
            )
        ),
        delete(CheckoutAttempt).where(CheckoutAttempt.provider_id == provider_id),
        delete(InvoiceProfile).where(InvoiceProfile.provider_id == provider_id),
        delete(CreditEntry).where(CreditEntry.provider_id == provider_id),
        delete(BenefitEvent).where(BenefitEvent.provider_id == provider_id),
        delete(EntryPassClass).where(EntryPassClass.entry_pass_id.in_(passes)),
        delete(EntryPassEntry).where(EntryPassEntry.entry_pass_id.in_(passes)),
        delete(EntryPass).where(EntryPass.provider_id == provider_id),
        delete(Charge).where(Charge.provider_id == provider_id),
        delete(OrderItem).where(OrderItem.order_id.in_(orders)),
        delete(Order).where(Order.provider_id == provider_id),
        delete(MakeupCredit).where(MakeupCredit.booking_id.in_(bookings)),
        delete(BookingShareEvent).where(BookingShareEvent.booking_id.in_(bookings)),
        delete(BookingShare).where(BookingShare.booking_id.in_(bookings)),
        delete(Attendance).where(Attendance.booking_id.in_(bookings)),
        delete(Booking).where(Booking.provider_id == provider_id),
        delete(ClassSession).where(ClassSession.class_id.in_(classes)),
        delete(ClassGroup).where(ClassGroup.programme_id.in_(programmes)),
        delete(Programme).where(Programme.provider_id == provider_id),
        delete(Discount).where(Discount.provider_id == provider_id),
        delete(AuditEntry).where(AuditEntry.provider_id == provider_id),
        delete(OutboxMessage).where(OutboxMessage.provider_id == provider_id),
        delete(LoginRequest).where(LoginRequest.provider_id == provider_id),
        delete(AuthSession).where(AuthSession.client_id.in_(clients)),
        delete(AuthSession).where(AuthSession.staff_id.in_(staff)),
        delete(ImportUpload).where(ImportUpload.provider_id == provider_id),
        delete(DeletionRequest).where(DeletionRequest.provider_id == provider_id),
        delete(StaffMember).where(StaffMember.provider_id == provider_id),
        delete(BookingShare).where(BookingShare.grantee_client_id.in_(clients)),
        delete(Client).where(Client.provider_id == provider_id),
        delete(Attendee).where(Attendee.family_id.in_(families)),
        delete(Family).where(Family.provider_id == provider_id),
        delete(Provider).where(Provider.id == provider_id),
    ]
    for stmt in statements:
        db.execute(stmt.execution_options(synchronize_session=False))
    db.expunge_all()


def _counts(db: Session, provider_id: int) -> dict[str, int]:
    def count(model, *where) -> int:
        return db.exec(select(func.count()).select_from(model).where(*where)).one()

    bookings = select(Booking.id).where(Booking.provider_id == provider_id)
    programmes = select(Programme.id).where(Programme.provider_id == provider_id)
    return {
        "clients": count(Client, Client.provider_id == provider_id),
        "families": count(Family, Family.provider_id == provider_id),
        "programmes": count(Programme, Programme.provider_id == provider_id),
        "classes": count(ClassGroup, ClassGroup.programme_id.in_(programmes)),
        "bookings": count(Booking, Booking.provider_id == provider_id),
        "attendances": count(Attendance, Attendance.booking_id.in_(bookings)),
        "charges": count(Charge, Charge.provider_id == provider_id),
        "invoices": count(Invoice, Invoice.provider_id == provider_id),
        "orders": count(Order, Order.provider_id == provider_id),
    }


def load_demo(
    db: Session, today: date | None = None, reset: bool = False, now: datetime | None = None
) -> DemoSummary:
    """Loads the Little Otters demo (idempotent). ``reset`` deletes the demo provider's rows and rebuilds.

    The demo is built as seen at ``now`` (aware; default: the app's clock). ``today`` alone means noon of that
    day in the demo provider's timezone. The caller commits.
    """
    if now is None:
        now = (
            datetime.combine(today, time(12, 0), tzinfo=ZoneInfo(DEMO_TIMEZONE))
            if today is not None
            else clock.utcnow()
        )
    elif now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    existing = db.exec(select(Provider).where(Provider.slug == DEMO_SLUG)).first()
    if existing is None:
        other = db.exec(select(Provider).order_by(Provider.id)).first()
        if other is not None:
            # The app serves the first provider (services.providers): demo rows next to real ones would be
            # invisible at best and confusing at worst.
            raise DomainError(
                f"This database already holds the provider {other.name!r} ({other.slug}); "
                "the demo is only loaded into an empty database. Nothing was changed."
            )
    created = False
    if existing is not None and reset:
        _delete_provider(db, existing.id)
        existing = None
    if existing is None:
        existing = _build(db, now)
        created = True
    return DemoSummary(
        provider_id=existing.id,
        provider_slug=existing.slug,
        provider_name=existing.name,
        created=created,
        counts=_counts(db, existing.id),
        logins=LOGINS,
        staff_logins=STAFF_LOGINS,
    )
