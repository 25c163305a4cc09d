"""Who may see and do what. Every query for client data is scoped here, so no caller can forget the scope, and
every staff right (the console) is decided here.

Clients: a principal sees the bookings of attendees in their own family, plus bookings shared with them (an active
BookingShare whose grantee is their client id). Another family's object and a missing object look the same.

Staff: a role grants capabilities (ROLE_CAPABILITIES); an instructor's register is limited to the classes they
teach (ClassGroup.instructor_id). Staff rules never accept a client Principal, and client rules never accept a
StaffPrincipal.
"""

from __future__ import annotations

import enum

from sqlalchemy import and_, or_
from sqlmodel import Session, select

from client_profile.models import (
    Attendance,
    Attendee,
    BankStatement,
    BankStatementLine,
    Booking,
    BookingShare,
    Charge,
    ClassGroup,
    ClassSession,
    Client,
    Discount,
    EntryPass,
    Family,
    MakeupCredit,
    Order,
    Payment,
    Programme,
)
from client_profile.models.staff import StaffRole
from client_profile.services.errors import Forbidden, NotFound
from client_profile.services.people.identity import Principal, StaffPrincipal


def shared_booking_ids(principal: Principal):
    """A subquery of the booking ids actively shared with this principal."""
    return select(BookingShare.booking_id).where(
        BookingShare.grantee_client_id == principal.client_id, BookingShare.revoked_at.is_(None)
    )


def _bookings_clause(principal: Principal, shared_ids):
    """The provider's bookings of the principal's family's attendees, plus the booking ids `shared_ids` selects.
    Over Booking alone (the family is a subquery), so a caller joins Attendee only when it needs its columns."""
    shared = Booking.id.in_(shared_ids)
    if principal.family_id is not None:
        own = Booking.attendee_id.in_(select(Attendee.id).where(Attendee.family_id == principal.family_id))
        shared = or_(own, shared)
    return and_(Booking.provider_id == principal.provider_id, shared)


def visible_bookings_clause(principal: Principal):
    """A WHERE clause over Booking: the bookings the principal may see (their family's and those shared with
    them), of their provider. Every query of client booking data uses it."""
    return _bookings_clause(principal, shared_booking_ids(principal))


def managed_bookings_clause(principal: Principal):
    """A WHERE clause over Booking: the bookings the principal may change (excuse sessions, book and cancel
    make-ups, join or leave a waiting list): their own family's, and bookings shared with them with the manage
    scope. A view-only or pay-only share sees a booking but may not change it."""
    return _bookings_clause(principal, shared_booking_ids(principal).where(BookingShare.can_manage.is_(True)))


def owned_bookings_clause(principal: Principal):
    """A WHERE clause over Booking: the bookings of the principal's own family (of their provider). Only these
    may be shared, and only their family sees and changes who they are shared with; a shared person never does
    (an always-false clause for a client without a family)."""
    if principal.family_id is None:
        return Booking.id.is_(None)
    return and_(
        Booking.provider_id == principal.provider_id,
        Booking.attendee_id.in_(select(Attendee.id).where(Attendee.family_id == principal.family_id)),
    )


def get_owned_booking(db: Session, principal: Principal, booking_id: object) -> Booking:
    """A booking of the principal's own family; NotFound otherwise (also a booking merely shared with them)."""
    if not is_id(booking_id):
        raise NotFound("booking")
    row = db.exec(select(Booking).where(Booking.id == booking_id, owned_bookings_clause(principal))).first()
    if row is None:
        raise NotFound("booking")
    return row


def get_owned_share(db: Session, principal: Principal, share_id: object) -> BookingShare:
    """A share of one of the principal's own family's bookings; NotFound otherwise (junk ids too)."""
    if not is_id(share_id):
        raise NotFound("share")
    row = db.exec(
        select(BookingShare)
        .join(Booking, Booking.id == BookingShare.booking_id)
        .where(BookingShare.id == share_id, owned_bookings_clause(principal))
    ).first()
    if row is None:
        raise NotFound("share")
    return row


def get_my_share(db: Session, principal: Principal, booking_id: object) -> BookingShare:
    """The principal's own active share of this booking (to leave it); NotFound otherwise."""
    if not is_id(booking_id):
        raise NotFound("share")
    row = db.exec(
        select(BookingShare).where(
            BookingShare.booking_id == booking_id,
            BookingShare.grantee_client_id == principal.client_id,
            BookingShare.revoked_at.is_(None),
        )
    ).first()
    if row is None:
        raise NotFound("share")
    return row


def invitations_clause(principal: Principal):
    """A WHERE clause over BookingShare joined to Booking: the pending invitations addressed to the principal's
    own address, of their provider (they may answer them; expiry is services.people.sharing's)."""
    return and_(
        BookingShare.grantee_email == principal.email,
        BookingShare.grantee_client_id.is_(None),
        BookingShare.revoked_at.is_(None),
        BookingShare.invite_token_hash.is_not(None),
        Booking.provider_id == principal.provider_id,
    )


def get_invitation(db: Session, principal: Principal, share_id: object) -> BookingShare:
    """A pending invitation to the principal's address; NotFound otherwise (junk ids too)."""
    if not is_id(share_id):
        raise NotFound("invitation")
    row = db.exec(
        select(BookingShare)
        .join(Booking, Booking.id == BookingShare.booking_id)
        .where(BookingShare.id == share_id, invitations_clause(principal))
    ).first()
    if row is None:
        raise NotFound("invitation")
    return row


def may_manage(db: Session, principal: Principal, booking: Booking) -> bool:
    """Whether the principal may change this (visible) booking: see managed_bookings_clause."""
    return (
        db.exec(
            select(Booking.id).where(
                Booking.id == booking.id,
                managed_bookings_clause(principal),
            )
        ).first()
        is not None
    )


def payable_charges_clause(principal: Principal):
    """A WHERE clause over Charge: what the principal may pay and whose documents they may download: their
    family's charges, plus the charges of bookings shared with them with the pay scope."""
    shared = shared_booking_ids(principal).where(BookingShare.can_pay.is_(True))
    clauses = [Charge.booking_id.in_(shared)]
    if principal.family_id is not None:
        clauses.append(Charge.family_id == principal.family_id)
    return (Charge.provider_id == principal.provider_id) & or_(*clauses)


def visible_charges_clause(principal: Principal):
    """A WHERE clause over Charge: what the principal may see is due, i.e. the payable charges plus those of
    any booking shared with them (a view-only sharer sees what is due and who pays it, but cannot pay it)."""
    return (Charge.provider_id == principal.provider_id) & or_(
        payable_charges_clause(principal), Charge.booking_id.in_(shared_booking_ids(principal))
    )


def visible_members_clause(principal: Principal):
    """A WHERE clause over Attendee: the principal's family members plus the attendees of bookings shared with
    them (a sharer sees that child's name and photo, never the rest of the family)."""
    shared = Attendee.id.in_(select(Booking.attendee_id).where(Booking.id.in_(shared_booking_ids(principal))))
    return (
        or_(Attendee.family_id == principal.family_id, shared) if principal.family_id is not None else shared
    )


def member_visible(db: Session, principal: Principal, attendee_id: int) -> bool:
    """Whether the principal may see this attendee (visible_members_clause)."""
    return (
        db.exec(
            select(Attendee.id).where(Attendee.id == attendee_id, visible_members_clause(principal))
        ).first()
        is not None
    )


def get_visible_booking(db: Session, principal: Principal, booking_id: object) -> Booking:
    """The booking if the principal may see it; NotFound otherwise (also for malformed ids)."""
    if not is_id(booking_id):
        raise NotFound("booking")
    row = db.exec(
        select(Booking).where(
            Booking.id == booking_id,
            visible_bookings_clause(principal),
        )
    ).first()
    if row is None:
        raise NotFound("booking")
    return row


# Ids are INTEGER columns (32-bit on PostgreSQL): a larger id is "not found", never a driver error
# ("integer out of range").
MAX_ID = 2**31


def is_id(value: object) -> bool:
    """Whether an id handed to a service is a real positive integer id (not a bool, float, string or junk)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < MAX_ID


def parse_id(value: object) -> int | None:
    """A positive int id from client input ("12" or 12); None for anything else (bools, floats, junk)."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 19:
        value = int(value)
    return value if is_id(value) else None


# ------------------------------------------------------------------------------------------------------ staff


class Capability(str, enum.Enum):
    """What a staff role may do in the console. Each console service checks exactly one of these."""

    staff = "staff"  # invite staff, change roles, deactivate
    settings = "settings"  # the provider's policies, holidays, invoice profile
    audit = "audit"  # read the audit log
    schedule = "schedule"  # programmes, classes, sessions (create, edit, move, cancel)
    people = "people"  # families, clients, attendees, enrolments, shared access, "view as client"
    money = "money"  # charges, payments, refunds, benefits
    messages = "messages"  # e-mail templates and messages to families
    register = "register"  # take attendance (an instructor: only in the classes they teach)


ROLE_CAPABILITIES: dict[StaffRole, frozenset[Capability]] = {
    StaffRole.owner: frozenset(Capability),
    StaffRole.office: frozenset(
        {
            Capability.schedule,
            Capability.people,
            Capability.money,
            Capability.messages,
            Capability.register,
        }
    ),
    StaffRole.instructor: frozenset({Capability.register}),
}

_CAPABILITY_WORDS = {
    Capability.staff: "manage staff",
    Capability.settings: "change the provider's settings",
    Capability.audit: "read the audit log",
    Capability.schedule: "change the schedule",
    Capability.people: "see or change families",
    Capability.money: "see or change money",
    Capability.messages: "send messages",
    Capability.register: "take attendance",
}


def _is_staff(principal: object) -> bool:
    return isinstance(principal, StaffPrincipal)


def staff_may(principal: object, capability: Capability) -> bool:
    """Whether this staff principal's role grants the capability. False for anything that is not a
    StaffPrincipal (a client principal, None, junk)."""
    if not _is_staff(principal):
        return False
    try:
        role = StaffRole(principal.role)  # type: ignore[union-attr]
    except ValueError:
        return False
    return capability in ROLE_CAPABILITIES[role]


def require_staff(principal: object, capability: Capability) -> StaffPrincipal:
    """The staff principal if its role grants the capability; Forbidden otherwise (NotFound for a non-staff
    principal: a client never learns what the console has)."""
    if not _is_staff(principal):
        raise NotFound("page")
    if not staff_may(principal, capability):
        raise Forbidden(_CAPABILITY_WORDS[capability])
    return principal  # type: ignore[return-value]


def register_classes_clause(principal: StaffPrincipal):
    """A WHERE clause over ClassGroup (joined to Programme): the classes whose register this staff member may
    take: every class of their provider for owner and office, only the classes they teach for an instructor."""
    require_staff(principal, Capability.register)
    clause = Programme.provider_id == principal.provider_id
    if not staff_may(principal, Capability.schedule):
        clause = and_(clause, ClassGroup.instructor_id == principal.staff_id)
    return clause


def _one(db: Session, what: str, raw_id: object, query):
    """The row ``query`` (a SELECT of one model, already scoped by the caller's clause) finds for this id;
    NotFound(what) for a malformed id and for a row outside the scope alike, so nobody learns which it was."""
    if not is_id(raw_id):
        raise NotFound(what)
    row = db.exec(query.where(query.column_descriptions[0]["entity"].id == raw_id)).first()
    if row is None:
        raise NotFound(what)
    return row


def get_register_session(db: Session, principal: StaffPrincipal, session_id: object) -> ClassSession:
    """The session if this staff member may take its register; NotFound otherwise (another class of an
    instructor looks like a missing one, also for malformed ids)."""
    clause = register_classes_clause(principal)
    query = (
        select(ClassSession)
        .join(ClassGroup, ClassGroup.id == ClassSession.class_id)
        .join(Programme, Programme.id == ClassGroup.programme_id)
        .where(clause)
    )
    return _one(db, "session", session_id, query)


def provider_classes_clause(principal: StaffPrincipal):
    """A WHERE clause over ClassGroup (joined to Programme): the classes of the staff member's provider."""
    return Programme.provider_id == principal.provider_id


def people_families_clause(principal: StaffPrincipal):
    """A WHERE clause over Family: the families a staff member with the people right may see and change (every
    family of their provider). Refuses (require_staff) anyone without that right, so no query can forget it."""
    require_staff(principal, Capability.people)
    return Family.provider_id == principal.provider_id


def people_bookings_clause(principal: StaffPrincipal):
    """A WHERE clause over Booking: the bookings (enrolments) a staff member with the people right may see and
    change: every booking of their provider."""
    require_staff(principal, Capability.people)
    return Booking.provider_id == principal.provider_id


def get_people_attendee(db: Session, principal: StaffPrincipal, attendee_id: object) -> Attendee:
    """An attendee of the provider's families for a staff member with the people right; NotFound otherwise
    (also for malformed ids)."""
    clause = people_families_clause(principal)
    query = select(Attendee).join(Family, Family.id == Attendee.family_id).where(clause)
    return _one(db, "attendee", attendee_id, query)


# ------------------------------------------------------------------------------------------------------ money


def money_families_clause(principal: StaffPrincipal):
    """A WHERE clause over Family: the families whose money (charges, discounts, orders) a staff member with the
    money right may see and change: every family of their provider. Refuses anyone without that right."""
    require_staff(principal, Capability.money)
    return Family.provider_id == principal.provider_id


def money_charges_clause(principal: StaffPrincipal):
    """A WHERE clause over Charge: the charges a staff member with the money right may see and change (every
    charge of their provider)."""
    require_staff(principal, Capability.money)
    return Charge.provider_id == principal.provider_id


def _money_owned(principal: StaffPrincipal, model):
    """A SELECT of ``model`` (a table with provider_id) limited to the staff member's provider, for the money
    right only."""
    require_staff(principal, Capability.money)
    return select(model).where(model.provider_id == principal.provider_id)


def get_money_family(db: Session, principal: StaffPrincipal, family_id: object) -> Family:
    """A family of the provider for a staff member with the money right; NotFound otherwise (also junk ids)."""
    return _one(db, "family", family_id, select(Family).where(money_families_clause(principal)))


def get_money_charge(db: Session, principal: StaffPrincipal, charge_id: object) -> Charge:
    """A charge of the provider for a staff member with the money right; NotFound otherwise (also junk ids)."""
    return _one(db, "charge", charge_id, select(Charge).where(money_charges_clause(principal)))


def get_money_attendee(
    db: Session, principal: StaffPrincipal, family_id: int, attendee_id: object
) -> Attendee:
    """An attendee of this family (of the provider) for a staff member with the money right; NotFound otherwise."""
    clause = money_families_clause(principal)
    query = (
        select(Attendee)
        .join(Family, Family.id == Attendee.family_id)
        .where(Attendee.family_id == family_id, clause)
    )
    return _one(db, "attendee", attendee_id, query)


def get_money_booking(db: Session, principal: StaffPrincipal, family_id: int, booking_id: object) -> Booking:
    """A booking of the provider of an attendee of this family, for a staff member with the money right;
    NotFound otherwise."""
    query = (
        _money_owned(principal, Booking)
        .join(Attendee, Attendee.id == Booking.attendee_id)
        .where(Attendee.family_id == family_id)
    )
    return _one(db, "booking", booking_id, query)


def get_money_discount(db: Session, principal: StaffPrincipal, discount_id: object) -> Discount:
    """A discount of the provider's families for a staff member with the money right; NotFound otherwise."""
    return _one(db, "discount", discount_id, _money_owned(principal, Discount))


def get_money_order(db: Session, principal: StaffPrincipal, order_id: object) -> Order:
    """An order of the provider for a staff member with the money right; NotFound otherwise."""
    return _one(db, "order", order_id, _money_owned(principal, Order))


def get_money_statement(db: Session, principal: StaffPrincipal, statement_id: object) -> BankStatement:
    """A bank statement of the staff member's provider, for the money right; NotFound otherwise (also for
    malformed ids and another provider's statement)."""
    return _one(db, "statement", statement_id, _money_owned(principal, BankStatement))


def get_money_statement_line(db: Session, principal: StaffPrincipal, line_id: object) -> BankStatementLine:
    """A line of one of the provider's bank statements, for the money right; NotFound otherwise."""
    return _one(db, "statement line", line_id, _money_owned(principal, BankStatementLine))


# ------------------------------------------------------------------------------------------------ API keys


def api_scope_clause(model: type, provider_id: int):
    """A WHERE clause over ``model`` alone (subqueries, no joins): the rows of one provider, the only scope of an
    API key (services.integrations.api_keys); another provider's row looks like a missing one. A table the API
    does not serve raises KeyError, so no query can go out unscoped."""
    programmes = select(Programme.id).where(Programme.provider_id == provider_id)
    classes = select(ClassGroup.id).where(ClassGroup.programme_id.in_(programmes))
    families = select(Family.id).where(Family.provider_id == provider_id)
    bookings = select(Booking.id).where(Booking.provider_id == provider_id)
    clauses = {
        Programme: Programme.provider_id == provider_id,
        ClassGroup: ClassGroup.programme_id.in_(programmes),
        ClassSession: ClassSession.class_id.in_(classes),
        Family: Family.provider_id == provider_id,
        Client: Client.provider_id == provider_id,
        Attendee: Attendee.family_id.in_(families),
        Booking: Booking.provider_id == provider_id,
        Attendance: Attendance.booking_id.in_(bookings),
        Charge: Charge.provider_id == provider_id,
        Payment: Payment.provider_id == provider_id,
        Order: Order.provider_id == provider_id,
        EntryPass: EntryPass.provider_id == provider_id,
        MakeupCredit: MakeupCredit.booking_id.in_(bookings),
    }
    return clauses[model]
