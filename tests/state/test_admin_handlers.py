"""The console's handlers called as every identity a hostile client can bring: no cookie, a client's cookie,
and each staff role. MATRIX lists every console handler with the arguments it is called with and the roles
that may use it; the inventory test fails when a console handler is missing here."""

from __future__ import annotations

import asyncio
import inspect
import io
from pathlib import Path

import pytest
import reflex as rx
from PIL import Image
from reflex.istate.data import HeaderData, ReflexURL, RouterData
from sqlmodel import select

from client_profile import clock
from client_profile import formatting as fmt
from client_profile.models import Attendee, AuditEntry, Booking, ClassGroup, Client, Family, StaffMember
from client_profile.services.people import auth, sharing, staff
from client_profile.services.providers import current_provider
from client_profile.state.admin.audit import AdminAuditState
from client_profile.state.admin.families import AdminFamiliesState, AdminFamilyState
from client_profile.state.admin.shell import AdminShellState
from client_profile.state.admin.staff import AdminStaffState
from tests.state.test_handlers import our_state_classes

ADMIN_STATES = (AdminShellState, AdminStaffState, AdminAuditState, AdminFamiliesState, AdminFamilyState)
ALL_STAFF = {"owner", "office", "instructor"}
PEOPLE = {"owner", "office"}


def _martina(db) -> StaffMember:
    return db.exec(select(StaffMember).where(StaffMember.email == "martina@example.com")).one()


def _carter(db) -> Family:
    return db.exec(select(Family).where(Family.name == "Carter")).one()


def _ben(db) -> Client:
    return db.exec(select(Client).where(Client.email == "ben@example.com")).one()


def _lily(db) -> Attendee:
    return db.exec(select(Attendee).where(Attendee.first_name == "Lily")).one()


def _lily_booking(db) -> Booking:
    return db.exec(select(Booking).where(Booking.attendee_id == _lily(db).id)).one()


def _class(db, name: str) -> ClassGroup:
    return db.exec(select(ClassGroup).where(ClassGroup.name == name)).one()


def _today(db) -> str:
    return fmt.local(clock.utcnow(), current_provider(db).timezone).date().isoformat()


def _shared_lily(db) -> tuple[int, str]:
    """Lily's booking shared with a grandparent (for revoking)."""
    booking = _lily_booking(db)
    sharing.grant_share(db, booking.id, "granny@example.com")
    db.commit()
    return booking.id, "granny@example.com"


def png(side: int = 80) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (side, side), (200, 120, 40)).save(out, "PNG")
    return out.getvalue()


def photo_files(data: bytes | None = None) -> list[rx.UploadFile]:
    return [rx.UploadFile(file=io.BytesIO(png() if data is None else data), path=Path("lily.png"))]


# handler -> (state, arguments given the db, the roles allowed)
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
}
# The address a state's page is at (the family page reads its family from it).
ROUTES = {AdminFamilyState: lambda db: f"/admin/families/{_carter(db).id}"}
# What the page does before a handler (the upload follows the attendee's Photo button).
BEFORE = {"upload_photo": lambda state, db: state.open_photo(_lily(db).id, _lily(db).version)}
# Audit rows an allowed call writes.
AUDITED = {
    "invite": 1,
    "change_role": 1,
    "switch_active": 1,
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
}
# State vars that hold a family's data: empty for whoever may not see it.
FAMILY_DATA = ("rows", "clients", "attendees", "bookings", "seen_members", "seen_bookings", "seen_unpaid")


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
    staff_before = [(m.email, m.role, m.is_active) for m in team.exec(select(StaffMember)).all()]
    path = ROUTES[cls](team) if cls in ROUTES else "/admin"
    state = _state(cls, _cookie(team, who), path)
    arguments = args(team)
    audit_before = len(team.exec(select(AuditEntry)).all())
    if handler in BEFORE:
        BEFORE[handler](state, team)
    team.rollback()
    result = _call(state, handler, *arguments)
    team.rollback()  # end the read transaction: see what the handler committed
    changed = [(m.email, m.role, m.is_active) for m in team.exec(select(StaffMember)).all()] != staff_before
    if who in ("nobody", "client"):
        assert _to_admin_login(result), result
        assert not changed and len(team.exec(select(AuditEntry)).all()) == audit_before
        return
    if who in allowed:
        assert state.error == "", state.error
        if handler in ("invite", "change_role", "switch_active"):
            assert changed
        assert len(team.exec(select(AuditEntry)).all()) == audit_before + AUDITED.get(handler, 0)
    else:
        assert "does not allow" in state.error
        assert not changed and len(team.exec(select(AuditEntry)).all()) == audit_before
        for name in FAMILY_DATA:
            assert getattr(state, name, []) == [], name


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
        assert state.error
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
