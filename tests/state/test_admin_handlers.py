"""The console's handlers called as every identity a hostile client can bring: no cookie, a client's cookie,
and each staff role. MATRIX lists every console handler with the arguments it is called with and the roles
that may use it; the inventory test fails when a console handler is missing here."""

from __future__ import annotations

import asyncio
import inspect
import io
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import reflex as rx
from PIL import Image
from reflex.istate.data import HeaderData, ReflexURL, RouterData
from sqlalchemy import func
from sqlmodel import select

from client_profile import clock
from client_profile import formatting as fmt
from client_profile.clock import today, utcnow
from client_profile.models import (
    Attendance,
    AttendanceState,
    Attendee,
    AuditEntry,
    BankStatement,
    BankStatementLine,
    Booking,
    Charge,
    ChargeStatus,
    ClassGroup,
    ClassSession,
    Client,
    DeletionRequest,
    Discount,
    EntryPass,
    Family,
    MakeupCredit,
    MessageTemplate,
    Payment,
    PaymentMethod,
    Programme,
    Provider,
    ProviderHoliday,
    Refund,
    SessionStatus,
    StaffMember,
)
from client_profile.models.base import as_utc
from client_profile.services.money import statements
from client_profile.services.people import auth, csv_import, sharing, staff
from client_profile.services.people.identity import StaffPrincipal
from client_profile.services.providers import current_provider
from client_profile.services.schedule import provider_sessions
from client_profile.state.admin.audit import AdminAuditState
from client_profile.state.admin.benefits import AdminBenefitsState
from client_profile.state.admin.deletions import AdminDeletionsState
from client_profile.state.admin.families import AdminFamiliesState, AdminFamilyState
from client_profile.state.admin.imports import AdminImportState
from client_profile.state.admin.integrations import AdminIntegrationsState
from client_profile.state.admin.messages import AdminMessagesState
from client_profile.state.admin.money import AdminFamilyMoneyState, AdminMoneyState
from client_profile.state.admin.payments import AdminChargeState, AdminCreditState
from client_profile.state.admin.register import AdminRegisterState, AdminTodayState
from client_profile.state.admin.schedule import AdminClassState, AdminScheduleState
from client_profile.state.admin.settings import AdminSettingsState
from client_profile.state.admin.shell import AdminShellState
from client_profile.state.admin.staff import AdminStaffState
from client_profile.state.admin.statements import AdminStatementsState, AdminStatementState
from tests.state.test_handlers import our_state_classes
from tests.statement_helpers import a_day, camt053, euros, staff_of, unpaid_of

ALL_STAFF = {"owner", "office", "instructor"}
PEOPLE = {"owner", "office"}
MONEY = {"owner", "office"}
SCHEDULE = {"owner", "office"}
MESSAGES = {"owner", "office"}  # Capability.messages; the texts are changed by the owner only
TZ = "Europe/Bratislava"  # the demo provider's
MARTINAS_CLASS = "Beginners - Tuesday 16:00"
OTHER_CLASS = "Beginners - Tuesday 17:00"  # not Martina's


def _martina(db) -> StaffMember:
    return db.exec(select(StaffMember).where(StaffMember.email == "martina@example.com")).one()


def _a_holiday(db) -> str:
    """A holiday to remove (added for the call)."""
    provider = db.exec(select(Provider)).one()
    db.add(ProviderHoliday(provider_id=provider.id, day=date(2027, 12, 24), name="Christmas Eve"))
    db.commit()
    return "2027-12-24"


def _an_api_key(db) -> int:
    """A live key to revoke (made by the CLI path, committed for the call)."""
    from client_profile.services.integrations.api_keys import create_key_as_operator

    row, _ = create_key_as_operator(db, "Old export", False)
    db.commit()
    return row.id


def _a_webhook(db) -> int:
    """A live webhook endpoint to stop (committed for the call)."""
    from client_profile.models import WebhookEndpoint

    row = WebhookEndpoint(
        provider_id=db.exec(select(Provider)).one().id,
        url="http://127.0.0.1:9/",
        secret_sealed="x",
        events="booking.*",
    )
    db.add(row)
    db.commit()
    return row.id


# The schedule's handlers act on the demo's classes: the Wednesday improvers (the class page's route) and
# the Tuesday beginners' sessions.
def _class(db, name: str = "Improvers - Wednesday 17:00") -> ClassGroup:
    return db.exec(select(ClassGroup).where(ClassGroup.name == name)).one()


def _future_session(db, name: str = "Beginners - Tuesday 16:00") -> ClassSession:
    """The class's last session (well ahead of now, scheduled)."""
    return db.exec(
        select(ClassSession)
        .where(ClassSession.class_id == _class(db, name).id, ClassSession.status == SessionStatus.scheduled)
        .order_by(ClassSession.starts_at.desc())
    ).first()


def _cancelled_session(db) -> tuple[int, int]:
    """A future session of the improvers, cancelled (and committed) for the restore handler."""
    session = _future_session(db, "Improvers - Wednesday 17:00")
    provider_sessions.cancel_session(db, session.id, "Pool closed")
    db.commit()
    return session.id, session.version


def _moved_args(db) -> tuple:
    session = _future_session(db)
    local = as_utc(session.starts_at).astimezone(ZoneInfo(TZ))
    later = (local + timedelta(hours=1)).strftime("%H:%M")
    return (
        {
            "session_id": str(session.id),
            "version": str(session.version),
            "day": local.date().isoformat(),
            "start_time": later,
            "venue": "",
        },
    )


def _days_ahead(n: int) -> str:
    return (clock.today(TZ) + timedelta(days=n)).isoformat()


def _new_class_form(db) -> dict:
    swimming = db.exec(select(Programme).where(Programme.id == _class(db).programme_id)).one()
    return {
        "programme_id": str(swimming.id),
        "name": "Adults - Friday 19:00",
        "weekday": "4",
        "start_time": "19:00",
        "duration_minutes": "60",
        "starts_on": _days_ahead(7),
        "ends_on": _days_ahead(60),
        "venue": "City pool",
        "is_online": "no",
        "online_link": "",
        "instructor_id": str(_martina(db).id),
        "capacity": "10",
        "extra_makeup_capacity": "0",
        "extra_makeup_mode": "",
        "makeup_group": "Adults",
        "dates": "",
    }


def _programme_form(db) -> dict:
    swimming = db.exec(select(Programme).where(Programme.id == _class(db).programme_id)).one()
    return {
        "id": str(swimming.id),
        "version": str(swimming.version),
        "name": swimming.name,
        "level": "5-9 years",
        "kind": "course",
        "price": "125.00",
        "makeups_enabled": "yes",
        "description": swimming.description,
    }


def _schedule_snapshot(db) -> tuple:
    """What the schedule holds: rows and their versions (a refused call changes none of it)."""
    return (
        db.exec(select(func.count(), func.sum(Programme.version)).select_from(Programme)).one(),
        db.exec(select(func.count(), func.sum(ClassGroup.version)).select_from(ClassGroup)).one(),
        db.exec(select(func.count(), func.sum(ClassSession.version)).select_from(ClassSession)).one(),
    )


def _a_statement(db) -> int:
    """A bank statement (imported once, by the owner): a transfer matching the Novaks' first unpaid charge, and
    one without a reference of the amount of their second (for a reference typed by hand)."""
    existing = db.exec(select(BankStatement)).first()
    if existing is not None:
        return existing.id
    first, second = unpaid_of(db, "Novak")[:2]
    data = camt053(
        ("B-1", euros(first.amount_minor), first.reference, "CRDT", a_day(), "Anna Novak"),
        ("B-2", euros(second.amount_minor), "", "CRDT", a_day(), "Anna Novak"),
    )
    result = statements.import_statement(db, staff_of(db), "november.xml", data)
    db.commit()
    return result.statement_id


def _hand_assignment(db) -> tuple:
    statement_id = _a_statement(db)
    line = db.exec(
        select(BankStatementLine).where(
            BankStatementLine.statement_id == statement_id, BankStatementLine.reference == ""
        )
    ).one()
    return ({"id": str(line.id), "reference": unpaid_of(db, "Novak")[1].reference},)


# The page each state is opened on (the class page reads its class from the route).
PATHS = {
    AdminStatementState: lambda db: f"/admin/money/statements/{_a_statement(db)}",
    AdminClassState: lambda db: f"/admin/classes/{_class(db).id}",
    AdminFamilyState: lambda db: f"/admin/families/{_carter(db).id}",  # (defined below)
    AdminFamilyMoneyState: lambda db: f"/admin/families/{_carter(db).id}/money",
    AdminRegisterState: lambda db: _register_path(db),  # (defined below)
    AdminChargeState: lambda db: f"/admin/charges/{_annas_unpaid(db).id}",  # (defined below)
    AdminCreditState: lambda db: f"/admin/families/{_novak(db).id}/credit",
    AdminBenefitsState: lambda db: f"/admin/families/{_novak(db).id}/benefits",  # (defined below)
}
# Handlers that change the schedule: allowed, each writes at least one audit row.
SCHEDULE_WRITES = {
    "create_programme",
    "create_class",
    "save_class",
    "add_session",
    "move_session",
    "cancel_session",
    "restore_session",
}


def _last_started_session(db, class_name: str) -> int:
    """The newest session of the class that has started by now (the demo's registers are open a week after)."""
    return db.exec(
        select(ClassSession.id)
        .join(ClassGroup, ClassGroup.id == ClassSession.class_id)
        .where(ClassGroup.name == class_name, ClassSession.starts_at <= utcnow())
        .order_by(ClassSession.starts_at.desc())
    ).first()


def _attendee(db, first_name: str) -> int:
    return db.exec(select(Attendee.id).where(Attendee.first_name == first_name)).first()


def _state_of(db, session_id: int, first_name: str) -> str:
    return db.exec(
        select(Attendance.state)
        .join(Booking, Booking.id == Attendance.booking_id)
        .join(Attendee, Attendee.id == Booking.attendee_id)
        .where(Attendance.session_id == session_id, Attendee.first_name == first_name)
    ).one()


def _register_path(db) -> str:
    return f"/admin/sessions/{_last_started_session(db, MARTINAS_CLASS)}"


def _week_around_today() -> dict:
    day = today("Europe/Bratislava")
    return {
        "from": (day - timedelta(days=7)).isoformat(),
        "to": (day + timedelta(days=7)).isoformat(),
        "class": "",
    }


def _carter(db) -> Family:
    return db.exec(select(Family).where(Family.name == "Carter")).one()


def _ben(db) -> Client:
    return db.exec(select(Client).where(Client.email == "ben@example.com")).one()


def _lily(db) -> Attendee:
    return db.exec(select(Attendee).where(Attendee.first_name == "Lily")).one()


def _lily_booking(db) -> Booking:
    return db.exec(select(Booking).where(Booking.attendee_id == _lily(db).id)).one()


def _today(db) -> str:
    return fmt.local(clock.utcnow(), current_provider(db).timezone).date().isoformat()


def _shared_lily(db) -> tuple[int, str]:
    """Lily's booking shared with a grandparent (for revoking)."""
    booking = _lily_booking(db)
    sharing.grant_share(db, booking.id, "granny@example.com")
    db.commit()
    return booking.id, "granny@example.com"


def _unpaid_charge_form(db) -> dict:
    """An unpaid fee of the demo (the Novaks'; the Carters have paid everything): its id and version, as its
    row's form sends."""
    charge = db.exec(
        select(Charge)
        .where(Charge.status == ChargeStatus.unpaid, Charge.order_id.is_(None))
        .order_by(Charge.id)
    ).first()
    return {"id": str(charge.id), "version": str(charge.version)}


def _carter_discount(db) -> int:
    """An active discount of the Carters (added for the call)."""
    carter = _carter(db)
    discount = Discount(provider_id=carter.provider_id, family_id=carter.id, name="Loyalty 5%", percent=5)
    db.add(discount)
    db.commit()
    return discount.id


def _annas_unpaid(db) -> Charge:
    """Anna's unpaid term fee (not an order)."""
    return db.exec(
        select(Charge)
        .join(Family, Family.id == Charge.family_id)
        .where(Family.name == "Novak", Charge.status == ChargeStatus.unpaid, Charge.order_id.is_(None))
        .order_by(Charge.id)
    ).first()


def _novak(db) -> Family:
    return db.exec(select(Family).where(Family.name == "Novak")).one()


def _transfer_payment(db) -> Payment:
    """A payment received by bank transfer for a fee (refunded by a recorded refund, no Stripe)."""
    return db.exec(
        select(Payment)
        .join(Charge, Charge.id == Payment.charge_id)
        .where(Payment.method == PaymentMethod.bank_transfer, Charge.order_id.is_(None))
        .order_by(Payment.id)
    ).first()


def _pending_refund(db) -> int:
    """A refund of 1.00 booked on a transfer payment and left pending (as a crash between its two steps would)."""
    payment = _transfer_payment(db)
    charge = db.get(Charge, payment.charge_id)
    payment.refunded_minor += 100
    refund = Refund(
        provider_id=charge.provider_id,
        charge_id=charge.id,
        payment_id=payment.id,
        amount_minor=100,
        method=payment.method,
        reason="Goodwill",
    )
    db.add(refund)
    db.commit()
    return refund.id


def _ema_booking(db) -> Booking:
    return db.exec(
        select(Booking)
        .join(Attendee, Attendee.id == Booking.attendee_id)
        .where(Attendee.first_name == "Ema", Attendee.family_id == _novak(db).id)
        .order_by(Booking.id)
    ).first()


def _novak_pass(db) -> EntryPass:
    return db.exec(select(EntryPass).where(EntryPass.name == "Open Swim 10 entries")).one()


def _a_granted_credit(db) -> MakeupCredit:
    """A fresh make-up credit of Ema's (granted, open, nothing queued for it), committed for the call."""
    booking = _ema_booking(db)
    credit = MakeupCredit(
        attendee_id=booking.attendee_id,
        booking_id=booking.id,
        earned_at=utcnow(),
        expires_at=utcnow() + timedelta(days=20),
        granted_reason="Pool closed",
    )
    db.add(credit)
    db.commit()
    return credit


def _pass_expiry_plus(db, days: int) -> str:
    entry_pass = _novak_pass(db)
    expiry = fmt.local(as_utc(entry_pass.expires_at), TZ).date()
    return (max(expiry, clock.today(TZ)) + timedelta(days=days)).isoformat()


def png(side: int = 80) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (side, side), (200, 120, 40)).save(out, "PNG")
    return out.getvalue()


def photo_files(data: bytes | None = None) -> list[rx.UploadFile]:
    return [rx.UploadFile(file=io.BytesIO(png() if data is None else data), path=Path("lily.png"))]


def _an_override(db) -> tuple[str, int]:
    """The owner's own text of the session-cancelled e-mail (for resetting it)."""
    provider = db.exec(select(Provider)).one()
    db.add(
        MessageTemplate(
            provider_id=provider.id, kind="session_cancelled", subject="Closed", body="*|CLASS|*", version=1
        )
    )
    db.commit()
    return "session_cancelled", 1


def _message_form(db) -> dict:
    return {
        "target": str(_class(db, MARTINAS_CLASS).id),
        "subject": "Pool closed today",
        "body": "Hello *|FIRST_NAME|*, no swimming for *|ATTENDEE|* today.",
        "token": "a-send-form-token-0001",
    }


# The CSV import: one new family with its client and child (an upload belongs to the staff member who sent it, so
# the upload is stored for the caller, BEFORE the call, and the page opened on it).
IMPORT_CSV = ",".join(csv_import.COLUMNS) + "\nHorvat,eva.horvat@example.com,,,,,Tomas,Horvat,2018-04-12,,\n"


def _import_fingerprint(db) -> tuple[str]:
    owner = db.exec(select(StaffMember).where(StaffMember.email == "office@example.com")).one()
    as_owner = StaffPrincipal(owner.id, owner.provider_id, 0, owner.email, "", "owner")
    return (csv_import.plan_import(db, as_owner, IMPORT_CSV).fingerprint,)


def _upload_for_the_caller(state, db) -> None:
    """Store the file for the staff member whose cookie the state carries (the owner for anyone else) and open the
    page of its dry run."""
    cookie = state.router.headers.cookie
    name, _, token = cookie.partition("=")
    caller = (
        auth.staff_principal_for_token(db, token) if name == auth.session_cookie_name(auth.STAFF) else None
    )
    if caller is None or not csv_import.may_import(caller):
        owner = db.exec(select(StaffMember).where(StaffMember.email == "office@example.com")).one()
        caller = StaffPrincipal(owner.id, owner.provider_id, 0, owner.email, "", "owner")
    key = csv_import.store_upload(db, caller, "families.csv", IMPORT_CSV.encode())
    db.commit()
    state.parent_state.router = RouterData(
        headers=HeaderData(cookie=cookie), url=ReflexURL(f"http://localhost:3000/admin/import/{key}")
    )


# handler -> (state, arguments given the db, the roles allowed)
def _a_deletion_request(db) -> tuple:
    """Anna's family asked for its data to be deleted (committed), for the provider to confirm."""
    anna = db.exec(select(Client).where(Client.email == "anna@example.com")).one()
    row = DeletionRequest(
        provider_id=anna.provider_id, family_id=anna.family_id, requested_by_client_id=anna.id
    )
    db.add(row)
    db.commit()
    return (row.id,)


MATRIX = {
    "load_admin_shell": (AdminShellState, lambda db: (), ALL_STAFF),
    "load_admin_staff": (AdminStaffState, lambda db: (), {"owner"}),
    "invite": (
        AdminStaffState,
        lambda db: ({"email": "new@example.com", "role": "office", "full_name": "New"},),
        {"owner"},
    ),
    "change_role": (AdminStaffState, lambda db: (_martina(db).id, "office", _martina(db).version), {"owner"}),
    "switch_active": (AdminStaffState, lambda db: (_martina(db).id, False, _martina(db).version), {"owner"}),
    "load_admin_audit": (AdminAuditState, lambda db: (), {"owner"}),
    "apply_filters": (AdminAuditState, lambda db: ({"family": "1", "class": "", "staff": ""},), {"owner"}),
    "load_admin_settings": (AdminSettingsState, lambda db: (), {"owner"}),
    "save_settings": (
        AdminSettingsState,
        lambda db: (
            {
                "group": "sessions",
                "cancellation_mode": "hours_before",
                "cancellation_deadline_hours": "12",
                "attendance_edit_days": "3",
                "livestream_enabled": "on",
            },
        ),
        {"owner"},
    ),
    "add_holiday": (
        AdminSettingsState,
        lambda db: ({"day": "2027-12-24", "name": "Christmas Eve"},),
        {"owner"},
    ),
    "remove_holiday": (AdminSettingsState, lambda db: (_a_holiday(db),), {"owner"}),
    "load_admin_integrations": (AdminIntegrationsState, lambda db: (), {"owner"}),
    "create_api_key": (
        AdminIntegrationsState,
        lambda db: ({"name": "Accounting", "write": "on"},),
        {"owner"},
    ),
    "revoke_api_key": (AdminIntegrationsState, lambda db: (_an_api_key(db),), {"owner"}),
    "add_webhook": (
        AdminIntegrationsState,
        lambda db: ({"url": "http://127.0.0.1:9/hooks", "booking": "on"},),  # tests allow private addresses
        {"owner"},
    ),
    "stop_webhook": (AdminIntegrationsState, lambda db: (_a_webhook(db),), {"owner"}),
    "load_admin_schedule": (AdminScheduleState, lambda db: (), SCHEDULE),
    "create_programme": (
        AdminScheduleState,
        lambda db: ({"name": "Diving", "kind": "course", "price": "90.00", "makeups_enabled": "yes"},),
        SCHEDULE,
    ),
    "create_class": (AdminScheduleState, lambda db: (_new_class_form(db),), SCHEDULE),
    "save_programme": (AdminScheduleState, lambda db: (_programme_form(db),), SCHEDULE),
    "load_admin_class": (AdminClassState, lambda db: (), SCHEDULE),
    "save_class": (
        AdminClassState,
        lambda db: ({"name": "Improvers - Wednesday 17:00", "capacity": "12"}, _class(db).version),
        SCHEDULE,
    ),
    "update_sessions": (AdminClassState, lambda db: (_class(db).version,), SCHEDULE),
    "add_session": (
        AdminClassState,
        lambda db: ({"day": _days_ahead(200), "start_time": "10:00", "duration_minutes": "", "venue": ""},),
        SCHEDULE,
    ),
    "move_session": (AdminClassState, _moved_args, SCHEDULE),
    "cancel_session": (
        AdminClassState,
        lambda db: (
            {
                "session_id": str(_future_session(db).id),
                "version": str(_future_session(db).version),
                "note": "Pool closed",
            },
        ),
        SCHEDULE,
    ),
    "restore_session": (AdminClassState, _cancelled_session, SCHEDULE),
    # The register: every role takes it (an instructor only in their own classes: tested below).
    "load_admin_today": (AdminTodayState, lambda db: (), ALL_STAFF),
    "find_register_sessions": (AdminTodayState, lambda db: (_week_around_today(),), ALL_STAFF),
    "load_admin_register": (AdminRegisterState, lambda db: (), ALL_STAFF),
    "mark_attendee": (
        AdminRegisterState,
        lambda db: (_last_started_session(db, MARTINAS_CLASS), _attendee(db, "Ema"), "missed"),
        ALL_STAFF,
    ),
    "mark_everyone_present": (
        AdminRegisterState,
        lambda db: (_last_started_session(db, MARTINAS_CLASS),),
        ALL_STAFF,
    ),
    # Families and enrolments (Capability.people: owner and office)
    "load_admin_families": (AdminFamiliesState, lambda db: (), PEOPLE),
    "search": (AdminFamiliesState, lambda db: ({"q": "carter"},), PEOPLE),
    "go_to_page": (AdminFamiliesState, lambda db: (1,), PEOPLE),
    "create_family": (
        AdminFamiliesState,
        lambda db: ({"name": "Smith", "email": "sam@example.com", "full_name": "Sam Smith", "phone": ""},),
        PEOPLE,
    ),
    "load_admin_family": (AdminFamilyState, lambda db: (), PEOPLE),
    "rename_family": (
        AdminFamilyState,
        lambda db: (
            {"id": str(_carter(db).id), "version": str(_carter(db).version), "name": "Carter-Jones"},
        ),
        PEOPLE,
    ),
    "save_client": (
        AdminFamilyState,
        lambda db: (
            {
                "id": str(_ben(db).id),
                "version": str(_ben(db).version),
                "email": "ben@example.com",
                "full_name": "Ben Carter",
                "phone": "+421 907 333 445",
                "reminders_opt_out": "on",
            },
        ),
        PEOPLE,
    ),
    "add_client": (
        AdminFamilyState,
        lambda db: ({"family_id": str(_carter(db).id), "email": "jo@example.com", "full_name": "Jo Carter"},),
        PEOPLE,
    ),
    "save_attendee": (
        AdminFamilyState,
        lambda db: (
            {
                "id": str(_lily(db).id),
                "version": str(_lily(db).version),
                "first_name": "Lily",
                "last_name": "Carter",
                "birth_date": "2018-04-01",
            },
        ),
        PEOPLE,
    ),
    "add_attendee": (
        AdminFamilyState,
        lambda db: ({"family_id": str(_carter(db).id), "first_name": "Max", "birth_date": ""},),
        PEOPLE,
    ),
    "open_photo": (AdminFamilyState, lambda db: (_lily(db).id, _lily(db).version), PEOPLE),
    "close_photo": (AdminFamilyState, lambda db: (), PEOPLE),
    "upload_photo": (AdminFamilyState, lambda db: (photo_files(),), PEOPLE),
    "remove_photo": (AdminFamilyState, lambda db: (_lily(db).id, _lily(db).version), PEOPLE),
    "enrol": (
        AdminFamilyState,
        lambda db: (
            {
                "attendee_id": str(_lily(db).id),
                "class_id": str(_class(db, "Juniors - Saturday 10:00").id),
                "from_date": _today(db),
            },
        ),
        PEOPLE,
    ),
    "end_enrolment": (
        AdminFamilyState,
        lambda db: (
            {
                "id": str(_lily_booking(db).id),
                "version": str(_lily_booking(db).version),
                "from_date": _today(db),
            },
        ),
        PEOPLE,
    ),
    "move_enrolment": (
        AdminFamilyState,
        lambda db: (
            {
                "id": str(_lily_booking(db).id),
                "version": str(_lily_booking(db).version),
                "class_id": str(_class(db, "Chess Online - Thursday 17:00").id),
                "from_date": _today(db),
            },
        ),
        PEOPLE,
    ),
    "grant_share": (
        AdminFamilyState,
        lambda db: ({"booking_id": str(_lily_booking(db).id), "email": "gran@example.com", "can_pay": "on"},),
        PEOPLE,
    ),
    "revoke_share": (AdminFamilyState, _shared_lily, PEOPLE),
    "view_as_client": (AdminFamilyState, lambda db: (_carter(db).id,), PEOPLE),
    "close_view": (AdminFamilyState, lambda db: (), PEOPLE),
    # Money (Capability.money: owner and office)
    "load_admin_money": (AdminMoneyState, lambda db: (), MONEY),
    "filter_charges": (
        AdminMoneyState,
        lambda db: ({"status": "overdue", "q": "car", "due_from": "", "due_to": ""},),
        MONEY,
    ),
    "load_family_money": (AdminFamilyMoneyState, lambda db: (), MONEY),
    "create_charge": (
        AdminFamilyMoneyState,
        lambda db: (
            {
                "family_id": str(_carter(db).id),
                "kind": "one_off",
                "attendee_id": str(_lily(db).id),
                "description": "Swim gala",
                "amount": "20.00",
            },
        ),
        MONEY,
    ),
    "save_charge": (
        AdminFamilyMoneyState,
        lambda db: (_unpaid_charge_form(db) | {"description": "Term fee", "due_on": _days_ahead(30)},),
        MONEY,
    ),
    "cancel_charge": (
        AdminFamilyMoneyState,
        lambda db: (_unpaid_charge_form(db) | {"reason": "Entered twice"},),
        MONEY,
    ),
    "create_discount": (
        AdminFamilyMoneyState,
        lambda db: ({"family_id": str(_carter(db).id), "name": "Loyalty", "kind": "percent", "value": "5"},),
        MONEY,
    ),
    "end_discount": (AdminFamilyMoneyState, lambda db: (_carter_discount(db),), MONEY),
    "delete_discount": (AdminFamilyMoneyState, lambda db: (_carter_discount(db),), MONEY),
    "create_order": (
        AdminFamilyMoneyState,
        lambda db: (
            {
                "family_id": str(_carter(db).id),
                "item1_kind": "product",
                "item1_description": "Swim cap",
                "item1_quantity": "1",
                "item1_price": "8.00",
            },
        ),
        MONEY,
    ),
    # Messages: e-mail texts (the owner changes them, the office reads them) and messages to families.
    "load_admin_messages": (AdminMessagesState, lambda db: (), MESSAGES),
    "open_template": (AdminMessagesState, lambda db: ("session_cancelled",), MESSAGES),
    "close_template": (AdminMessagesState, lambda db: (), MESSAGES),
    "redraft": (AdminMessagesState, lambda db: ("msg_body", "Hello *|FIRST_NAME|*"), MESSAGES),
    "save_template": (
        AdminMessagesState,
        lambda db: (
            {
                "kind": "session_cancelled",
                "version": "0",
                "subject": "Closed: *|CLASS|*",
                "body": "See *|PROFILE_URL|*",
            },
        ),
        {"owner"},
    ),
    "reset_template": (AdminMessagesState, _an_override, {"owner"}),
    "pick_target": (AdminMessagesState, lambda db: (str(_class(db, MARTINAS_CLASS).id),), MESSAGES),
    "send_message": (AdminMessagesState, lambda db: (_message_form(db),), MESSAGES),
    # Bank statements (Capability.money: owner and office); the upload is an HTTP route (tests/api).
    "load_admin_statements": (AdminStatementsState, lambda db: (), MONEY),
    "load_admin_statement": (AdminStatementState, lambda db: (), MONEY),
    "settle_matched": (AdminStatementState, lambda db: (), MONEY),
    "assign_reference": (AdminStatementState, _hand_assignment, MONEY),
    # Money in (Capability.money: owner and office)
    "load_admin_charge": (AdminChargeState, lambda db: (), MONEY),
    "record_payment": (
        AdminChargeState,
        lambda db: ({"charge_id": str(_annas_unpaid(db).id), "method": "cash", "received_on": _today(db)},),
        MONEY,
    ),
    "refund_payment": (
        AdminChargeState,
        lambda db: (
            {
                "payment_id": str(_transfer_payment(db).id),
                "amount": "1.00",
                "reason": "Goodwill",
                "round": "0",
            },
        ),
        MONEY,
    ),
    "resend_refund": (AdminChargeState, lambda db: (_pending_refund(db),), MONEY),
    "load_admin_credit": (AdminCreditState, lambda db: (), MONEY),
    "top_up_credit": (
        AdminCreditState,
        lambda db: (
            {
                "family_id": str(_novak(db).id),
                "amount": "20.00",
                "method": "cash",
                "received_on": _today(db),
                "round": "0",
            },
        ),
        MONEY,
    ),
    "adjust_credit": (
        AdminCreditState,
        lambda db: (
            {"family_id": str(_novak(db).id), "amount": "5.00", "reason": "Welcome gift", "round": "0"},
        ),
        MONEY,
    ),
    # Benefits (Capability.money: owner and office)
    "load_admin_benefits": (AdminBenefitsState, lambda db: (), MONEY),
    "create_entry_pass": (
        AdminBenefitsState,
        lambda db: (
            {
                "family_id": str(_novak(db).id),
                "name": "Summer swim 5",
                "entries": "5",
                "valid_from": _today(db),
                "valid_until": _days_ahead(60),
                "attendee_id": "",
                "accepts": "classes",
                f"class-{_class(db).id}": "on",
            },
        ),
        MONEY,
    ),
    "add_bonus_entries": (
        AdminBenefitsState,
        lambda db: (
            {
                "id": str(_novak_pass(db).id),
                "version": str(_novak_pass(db).version),
                "count": "2",
                "reason": "Pool closed twice",
            },
        ),
        MONEY,
    ),
    "extend_entry_pass": (
        AdminBenefitsState,
        lambda db: (
            {
                "id": str(_novak_pass(db).id),
                "version": str(_novak_pass(db).version),
                "until": _pass_expiry_plus(db, 30),
            },
        ),
        MONEY,
    ),
    "grant_makeup": (
        AdminBenefitsState,
        lambda db: (
            {"booking_id": str(_ema_booking(db).id), "book_by": _days_ahead(30), "reason": "Coach ill"},
        ),
        MONEY,
    ),
    "withdraw_makeup": (
        AdminBenefitsState,
        lambda db: ({"id": str(_a_granted_credit(db).id), "version": "0", "reason": "duplicate"},),
        MONEY,
    ),
    "extend_makeup": (
        AdminBenefitsState,
        lambda db: ({"id": str(_a_granted_credit(db).id), "version": "0", "book_by": _days_ahead(60)},),
        MONEY,
    ),
    # The CSV import (Capability.people)
    "load_admin_import": (AdminImportState, lambda db: (), PEOPLE),
    "import_rows": (AdminImportState, _import_fingerprint, PEOPLE),
    # My data: the families' deletion requests (Capability.people)
    "load_admin_deletions": (AdminDeletionsState, lambda db: (), PEOPLE),
    "confirm_deletion": (AdminDeletionsState, _a_deletion_request, PEOPLE),
}
# What the page does before a handler (the upload follows the attendee's Photo button).
BEFORE = {
    "upload_photo": lambda state, db: state.open_photo(_lily(db).id, _lily(db).version),
    "import_rows": _upload_for_the_caller,
}
# Audit rows an allowed call writes (the schedule's writes: at least one, SCHEDULE_WRITES).
AUDITED = {
    "invite": 1,
    "change_role": 1,
    "switch_active": 1,
    "save_settings": 1,
    "add_holiday": 1,
    "remove_holiday": 1,
    "create_api_key": 1,
    "revoke_api_key": 1,
    "add_webhook": 1,
    "stop_webhook": 1,
    "mark_attendee": 1,
    "save_programme": 1,
    "create_family": 2,  # the family and its first client
    "rename_family": 1,
    "save_client": 1,
    "add_client": 1,
    "save_attendee": 1,
    "add_attendee": 1,
    "upload_photo": 1,
    "remove_photo": 1,
    "enrol": 1,
    "end_enrolment": 1,
    "move_enrolment": 2,  # the old booking ended, the new one
    "grant_share": 1,
    "revoke_share": 1,
    "view_as_client": 1,
    "create_charge": 1,
    "save_charge": 1,
    "cancel_charge": 1,
    "create_discount": 1,
    "end_discount": 1,
    "delete_discount": 1,
    "create_order": 1,
    "save_template": 1,
    "reset_template": 1,
    "send_message": 1,
    "settle_matched": 1,  # the one matched transfer
    "assign_reference": 1,
    "record_payment": 1,
    "refund_payment": 1,
    "resend_refund": 1,
    "top_up_credit": 1,
    "adjust_credit": 1,
    "create_entry_pass": 1,
    "add_bonus_entries": 1,
    "extend_entry_pass": 1,
    "grant_makeup": 1,
    "withdraw_makeup": 1,
    "extend_makeup": 1,
    "import_rows": 4,  # the family, its client, the attendee, and the import itself
    "confirm_deletion": 1,
}
# Handlers that only change what the page shows (no reload, so a refusal leaves the page as it was).
VIEW_ONLY = {"open_photo", "close_photo", "close_view", "close_template", "redraft", "pick_target"}
# Refused handlers of a page the role may open (the office reads the e-mail texts but may not change them): the
# page stays open, with the refusal at its top.
PAGE_STAYS_OPEN = {"save_template": {"office"}, "reset_template": {"office"}}
# Handlers whose audit rows depend on the instant (who is still unmarked when "all present" is pressed).
UNCOUNTED = {"mark_everyone_present"}
# State vars that hold a family's or the schedule's data: empty for whoever may not see them.
PRIVATE_DATA = (
    "rows",
    "keys_list",
    "hooks",
    "clients",
    "attendees",
    "bookings",
    "seen_members",
    "seen_bookings",
    "seen_unpaid",
    "programmes",
    "sessions",
    "instructors",
    "charges",
    "discounts",
    "charge_payments",
    "charge_refunds",
    "documents",
    "savings",
    "ledger",
    "passes",
    "credits",
    "attendee_choices",
    "booking_choices",
    "class_choices",
    "requests",
)


def test_every_console_handler_is_in_the_matrix():
    found = {
        name
        for cls in our_state_classes()
        if cls.__module__.startswith("client_profile.state.admin.")
        for name in cls.event_handlers
        if name != "setvar"
    }
    assert found == set(MATRIX)


@pytest.fixture
def team(demo):
    staff.add_staff(demo, "desk@example.com", "office", "Dana Desk")
    demo.commit()
    return demo


def _cookie(db, who: str) -> str:
    if who == "nobody":
        return ""
    if who == "client":
        row = db.exec(select(Client).where(Client.email == "anna@example.com")).one()
        token, _ = auth.create_session(db, row.id, row.session_epoch)
        db.commit()
        return f"{auth.session_cookie_name()}={token}"
    email = {
        "owner": "office@example.com",
        "office": "desk@example.com",
        "instructor": "martina@example.com",
    }[who]
    row = db.exec(select(StaffMember).where(StaffMember.email == email)).one()
    token, _ = auth.create_session(db, row.id, row.session_epoch, area=auth.STAFF)
    db.commit()
    # A client cookie next to it changes nothing: the console reads only the staff cookie.
    return f"{auth.session_cookie_name(auth.STAFF)}={token}"


def _state(cls, cookie: str, path: str = "/admin"):
    root = rx.State(_reflex_internal_init=True)
    root.router = RouterData(headers=HeaderData(cookie=cookie), url=ReflexURL(f"http://localhost:3000{path}"))
    return root.get_substate(cls.get_full_name().split(".")[1:])


def _call(state, handler: str, *arguments):
    """A handler as Reflex calls it (an async one, such as an upload, run to its end)."""
    result = getattr(state, handler)(*arguments)
    return asyncio.run(result) if inspect.iscoroutine(result) else result


def _to_admin_login(result) -> bool:
    return isinstance(result, rx.event.EventSpec) and "/admin/to-login" in str(result)


@pytest.mark.parametrize("handler", sorted(MATRIX))
@pytest.mark.parametrize("who", ["nobody", "client", "instructor", "office", "owner"])
def test_each_handler_as_each_identity(team, handler, who):
    cls, args, allowed = MATRIX[handler]
    path = PATHS.get(cls, lambda db: "/admin")(team)
    arguments = args(team)  # (may commit a precondition, e.g. a cancelled session to restore)
    audit_before = len(team.exec(select(AuditEntry)).all())
    staff_before = [(m.email, m.role, m.is_active) for m in team.exec(select(StaffMember)).all()]
    schedule_before = _schedule_snapshot(team)
    state = _state(cls, _cookie(team, who), path)
    if handler in BEFORE:
        BEFORE[handler](state, team)
    team.rollback()
    result = _call(state, handler, *arguments)
    team.rollback()  # end the read transaction: see what the handler committed
    changed = [(m.email, m.role, m.is_active) for m in team.exec(select(StaffMember)).all()] != staff_before
    changed = changed or _schedule_snapshot(team) != schedule_before
    audit_after = len(team.exec(select(AuditEntry)).all())
    if who in ("nobody", "client"):
        assert _to_admin_login(result), result
        assert not changed and audit_after == audit_before
        return
    if who in allowed:
        assert state.error == "", state.error
        if handler in SCHEDULE_WRITES:
            assert changed and audit_after > audit_before
            assert state.message and not state.field_errors
        elif handler not in UNCOUNTED:
            assert audit_after == audit_before + AUDITED.get(handler, 0)
        if handler in ("invite", "change_role", "switch_active"):
            assert changed
        if handler == "mark_attendee":  # Ema was marked attended by the demo
            assert _state_of(team, arguments[0], "Ema") == AttendanceState.missed
    else:
        assert "does not allow" in state.error
        if handler not in VIEW_ONLY and who not in PAGE_STAYS_OPEN.get(handler, ()):
            assert state.refused  # the page shows only the refusal
        assert not changed and audit_after == audit_before
        for name in PRIVATE_DATA:
            assert getattr(state, name, []) == [], name
        assert getattr(state, "new_key", "") == getattr(state, "new_secret", "") == ""


@pytest.mark.parametrize("junk", [0, -1, 2**63, "1 OR 1=1", None, [], {}, 1.5, True])
def test_junk_arguments_change_nothing(team, junk):
    state = _state(AdminStaffState, _cookie(team, "owner"))
    before = [(m.email, m.role, m.is_active) for m in team.exec(select(StaffMember)).all()]
    martina_id = _martina(team).id
    team.rollback()
    for call in (
        lambda: state.change_role(junk, "office", 0),
        lambda: state.change_role(martina_id, junk, 0),
        lambda: state.switch_active(junk, False, 0),
        *([] if isinstance(junk, bool) else [lambda: state.switch_active(martina_id, junk, 0)]),
        lambda: state.invite(junk),
    ):
        call()
        assert state.error or state.field_errors  # a refused field shows under the field, not at the top
    team.rollback()  # end the read transaction: see what the handler committed
    assert [(m.email, m.role, m.is_active) for m in team.exec(select(StaffMember)).all()] == before


def test_the_owner_sees_the_team_and_an_invitation_appears(team):
    state = _state(AdminStaffState, _cookie(team, "owner"))
    assert state.load_admin_staff() is None
    assert {r.email for r in state.rows} == {"office@example.com", "martina@example.com", "desk@example.com"}
    state.invite({"email": "Coach@Example.com", "role": "instructor", "full_name": "Coach"})
    assert state.message == "coach@example.com was added as instructor and got an e-mail."
    assert "coach@example.com" in {r.email for r in state.rows}


def test_a_refused_form_says_which_field_and_the_next_action_clears_it(team):
    state = _state(AdminStaffState, _cookie(team, "owner"))
    state.invite({"email": "not-an-address", "role": "office"})
    assert set(state.field_errors) == {"email"} and "valid e-mail" in state.field_errors["email"]
    state.invite({"email": "ok@example.com", "role": "chief"})
    assert set(state.field_errors) == {"role"}
    state.invite({"email": "ok@example.com", "role": "office"})
    assert state.field_errors == {} and state.error == ""


# --------------------------------------------------------------------------------------------- the register


def test_martina_sees_only_her_class_on_today_and_in_the_finder(team):
    state = _state(AdminTodayState, _cookie(team, "instructor"))
    assert state.load_admin_today() is None and state.error == ""
    rows = state.today + state.week + state.to_finish
    assert {r.class_name for r in rows} <= {MARTINAS_CLASS}
    assert [c.name for c in state.classes] == [MARTINAS_CLASS]
    state.find_register_sessions(_week_around_today())
    assert state.error == "" and state.found and {r.class_name for r in state.found} == {MARTINAS_CLASS}
    other = team.exec(select(ClassGroup.id).where(ClassGroup.name == OTHER_CLASS)).one()
    team.rollback()
    state.find_register_sessions(_week_around_today() | {"class": str(other)})
    assert state.error == "This class was not found." and state.found == []
    # The owner finds every class, that one included.
    owner = _state(AdminTodayState, _cookie(team, "owner"))
    owner.find_register_sessions(_week_around_today() | {"class": str(other)})
    assert owner.error == "" and {r.class_name for r in owner.found} == {OTHER_CLASS}


@pytest.mark.parametrize(
    "junk", [{"from": "yesterday", "to": "", "class": ""}, {"from": "2026-01-01", "to": "2026-12-31"}]
)
def test_a_bad_range_is_refused_and_today_stays(team, junk):
    state = _state(AdminTodayState, _cookie(team, "office"))
    state.load_admin_today()
    week = list(state.week)
    state.find_register_sessions(junk)
    assert state.error and state.found == [] and state.week == week


def test_an_instructor_cannot_open_or_mark_another_class(team):
    other = _last_started_session(team, OTHER_CLASS)
    adam = _attendee(team, "Adam")  # a Horvath child in the 17:00 group
    before = _state_of(team, other, "Adam")
    audit_before = len(team.exec(select(AuditEntry)).all())
    team.rollback()
    state = _state(AdminRegisterState, _cookie(team, "instructor"), f"/admin/sessions/{other}")
    assert state.load_admin_register() is None
    assert state.not_found and state.class_name == "" and state.regulars == [] and state.guests == []
    for call in (
        lambda: state.mark_attendee(other, adam, "missed"),
        lambda: state.mark_everyone_present(other),
    ):
        call()
        assert state.error == "This session was not found."
        assert state.not_found and state.regulars == []
    team.rollback()
    assert _state_of(team, other, "Adam") == before
    assert len(team.exec(select(AuditEntry)).all()) == audit_before
    # The owner opens the same session.
    owner = _state(AdminRegisterState, _cookie(team, "owner"), f"/admin/sessions/{other}")
    owner.load_admin_register()
    assert not owner.not_found and owner.class_name == OTHER_CLASS and owner.error == ""


def test_martina_marks_her_register_and_all_present(team):
    sid = _last_started_session(team, MARTINAS_CLASS)
    ema, lily = _attendee(team, "Ema"), _attendee(team, "Lily")
    team.rollback()
    state = _state(AdminRegisterState, _cookie(team, "instructor"), f"/admin/sessions/{sid}")
    state.load_admin_register()
    assert state.class_name == MARTINAS_CLASS and state.editable and state.notice == ""
    assert {"Ema Novak", "Lily Carter"} <= {line.name for line in state.regulars}
    state.mark_attendee(sid, ema, "scheduled")
    state.mark_attendee(sid, lily, "scheduled")
    assert state.error == ""
    lines = {line.name: line for line in state.regulars}
    assert lines["Ema Novak"].state == lines["Lily Carter"].state == "scheduled"
    assert state.unmarked >= 2
    state.mark_attendee(sid, ema, "missed")
    assert {line.name: line.state for line in state.regulars}["Ema Novak"] == "missed"
    state.mark_everyone_present(sid)
    assert state.error == "" and state.message.startswith("Marked ")
    assert {line.name: line.state for line in state.regulars}["Lily Carter"] == "attended"
    assert {line.name: line.state for line in state.regulars}["Ema Novak"] == "missed"  # marked ones stay
    assert state.unmarked == 0 and state.marked == state.expected
    state.mark_attendee(sid, ema, "present")
    assert "must be one of" in state.error


@pytest.mark.parametrize("junk", [0, -1, 2**63, "1 OR 1=1", None, [], {}, 1.5, True])
def test_junk_register_arguments_change_nothing(team, junk):
    sid = _last_started_session(team, MARTINAS_CLASS)
    ema = _attendee(team, "Ema")
    audit_before = len(team.exec(select(AuditEntry)).all())
    team.rollback()
    state = _state(AdminRegisterState, _cookie(team, "owner"), f"/admin/sessions/{sid}")
    for call in (
        lambda: state.mark_attendee(junk, ema, "missed"),
        lambda: state.mark_attendee(sid, junk, "missed"),
        lambda: state.mark_attendee(sid, ema, junk),
        lambda: state.mark_everyone_present(junk),
    ):
        call()
        assert state.error
    team.rollback()
    assert len(team.exec(select(AuditEntry)).all()) == audit_before


# --------------------------------------------------------------------------------------------- messages


def test_the_office_reads_a_text_the_owner_edits_it_with_a_live_preview(team):
    office = _state(AdminMessagesState, _cookie(team, "office"))
    office.load_admin_messages()
    assert (
        office.error == "" and not office.may_edit and "session_cancelled" in {k.kind for k in office.kinds}
    )
    office.open_template("session_cancelled")
    assert office.edit_version == 0 and "*|CLASS|*" in office.edit_subject and office.preview_subject
    owner = _state(AdminMessagesState, _cookie(team, "owner"))
    owner.load_admin_messages()
    owner.open_template("session_cancelled")
    assert owner.may_edit
    owner.redraft("body", "Closed! <b>*|CLASS|*</b> *|PROFILE_URL|*")
    assert (
        "Closed! <b>Swimming (Beginners - Tuesday 16:00)</b> http://localhost:3000/login?email=anna%40"
        in (owner.preview_text)
    )
    owner.redraft("subject", "Hi *|NICKNAME|*")
    assert "*|NICKNAME|*" in owner.preview_problem
    # Saving the unknown tag is refused under the subject field, naming the tag; nothing is stored.
    owner.save_template(
        {"kind": "session_cancelled", "version": "0", "subject": "Hi *|NICKNAME|*", "body": "*|CLASS|*"}
    )
    assert owner.form_key == "template" and "*|NICKNAME|*" in owner.field_errors["subject"]
    owner.save_template(
        {"kind": "session_cancelled", "version": "0", "subject": "Closed", "body": "*|CLASS|*"}
    )
    assert (
        owner.error == ""
        and owner.edit_edited
        and owner.edit_version == 1
        and owner.message.startswith("Saved")
    )
    owner.reset_template("session_cancelled", 1)
    assert owner.error == "" and not owner.edit_edited and owner.edit_version == 0
    team.rollback()
    assert team.exec(select(MessageTemplate)).all() == []


def test_a_message_form_sent_twice_is_one_message(team):
    state = _state(AdminMessagesState, _cookie(team, "office"))
    state.load_admin_messages()
    target = str(_class(team, MARTINAS_CLASS).id)
    team.rollback()
    state.pick_target(target)
    assert " recipients: " in state.msg_audience and "anna@example.com" in state.msg_audience
    form = {
        "target": target,
        "subject": "Pool closed",
        "body": "Hi *|FIRST_NAME|*",
        "token": state.send_token,
    }
    state.send_message(form)
    assert state.error == "" and state.message.startswith("Queued for ")
    assert state.send_token != form["token"]
    state.send_message(form)  # a double click: the same form again
    assert state.error == "" and state.message == "This message was already sent; it was not sent again."
    assert len(state.sent) == 1 and {d.status for d in state.sent[0].deliveries} == {"queued"}
    state.send_message(form | {"token": state.send_token, "subject": "Bad\r\nBcc: x@example.com"})
    assert "one line" in state.field_errors["subject"] and len(state.sent) == 1


@pytest.mark.parametrize("junk", [0, -1, 2**63, "1 OR 1=1", None, [], {}, 1.5, True, "999999:1"])
def test_junk_message_arguments_change_nothing(team, junk):
    state = _state(AdminMessagesState, _cookie(team, "owner"))
    state.load_admin_messages()
    for call in (
        lambda: state.open_template(junk),
        lambda: state.reset_template(junk, junk),
        lambda: state.save_template(junk),
        lambda: state.save_template({"kind": junk, "version": junk, "subject": "x", "body": "y"}),
        lambda: state.send_message({"target": junk, "subject": "x", "body": "y", "token": "t" * 20}),
        lambda: state.send_message(junk),
        lambda: state.pick_target(junk),
        lambda: state.redraft(junk, junk),
    ):
        call()
    team.rollback()
    assert team.exec(select(MessageTemplate)).all() == []
    assert team.exec(select(func.count()).select_from(AuditEntry)).one() == 0 or all(
        e.action not in ("template.save", "template.reset", "message.send")
        for e in team.exec(select(AuditEntry)).all()
    )


def test_an_api_key_is_shown_once_then_listed_by_prefix_and_revoked(team):
    state = _state(AdminIntegrationsState, _cookie(team, "owner"))
    assert state.load_admin_integrations() is None and state.keys_list == []
    state.create_api_key({"name": "Accounting"})
    key = state.new_key
    assert key.startswith("cpk_") and "Copy it now" in state.message
    assert [(k.name, k.prefix, k.scope, k.last_used) for k in state.keys_list] == [
        ("Accounting", key[:12], "read", "")
    ]
    state.load_admin_integrations()
    assert state.new_key == ""  # never again
    state.create_api_key({"name": ""})
    assert state.new_key == "" and state.field_errors == {"name": state.field_errors["name"]}
    state.revoke_api_key(state.keys_list[0].id)
    assert state.keys_list[0].is_revoked and "revoked" in state.message


@pytest.mark.parametrize("junk", [0, -1, 2**63, "1 OR 1=1", None, [], {}, 1.5, True])
def test_junk_api_key_arguments_change_nothing(team, junk):
    state = _state(AdminIntegrationsState, _cookie(team, "owner"))
    audit_before = len(team.exec(select(AuditEntry)).all())
    team.rollback()
    state.revoke_api_key(junk)
    assert state.error
    state.create_api_key(junk)
    assert state.error or state.field_errors
    state.create_api_key({"name": junk, "write": junk})
    assert state.error or state.field_errors  # a junk write flag is refused too, never read as "read-only"
    team.rollback()
    assert len(team.exec(select(AuditEntry)).all()) == audit_before


def test_a_webhook_secret_is_shown_once_and_the_endpoint_listed_then_stopped(team):
    state = _state(AdminIntegrationsState, _cookie(team, "owner"))
    state.load_admin_integrations()
    state.add_webhook({"url": "http://127.0.0.1:9/hooks", "booking": "on", "payment": "on"})
    assert state.new_secret.startswith("whsec_"), state.error
    assert [(h.url, h.events) for h in state.hooks] == [("http://127.0.0.1:9/hooks", "booking.* payment.*")]
    state.load_admin_integrations()
    assert state.new_secret == ""
    state.add_webhook({"url": "ftp://example.com/", "booking": "on"})
    assert state.form_key == "webhook" and "url" in state.field_errors
    state.add_webhook({"url": "https://example.com/"})
    assert "events" in state.field_errors
    state.stop_webhook(state.hooks[0].id)
    assert state.hooks[0].is_disabled and "stopped" in state.message
