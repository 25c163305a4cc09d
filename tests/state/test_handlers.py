"""Reflex event handlers called the way a hostile client can call them: any handler, any arguments, with or
without a session cookie. Identity must come from the cookie, every id must be checked, and no other family's
data may ever reach a state var.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import pkgutil

import pytest
import reflex as rx
from reflex.istate.data import HeaderData, ReflexURL, RouterData
from sqlmodel import select

import client_profile.state
from client_profile.models import Attendee, Booking, Client
from client_profile.services.people import auth
from client_profile.services.people.identity import Principal
from client_profile.state.account import AccountState
from client_profile.state.booking import BookingState
from client_profile.state.calendar import CalendarState
from client_profile.state.home import HomeState
from client_profile.state.lists import BenefitsState, BookingsState
from client_profile.state.makeups import MakeupsState
from client_profile.state.my_data import MyDataState
from client_profile.state.notices import NoticeState
from client_profile.state.orders import OrdersState
from client_profile.state.shell import ShellState

APP_STATES = [
    HomeState,
    ShellState,
    BookingsState,
    BenefitsState,
    OrdersState,
    BookingState,
    CalendarState,
    MakeupsState,
    AccountState,
    MyDataState,
    NoticeState,
]
# Every public handler of every state of ours (found by our_state_classes, not listed by hand), on purpose: a
# new handler or a new State class must be added here (and to a hostile-call test) before the suite passes, so
# nobody adds an endpoint without thinking about who may call it.
KNOWN_HANDLERS = {
    "TabOwner": set(),
    "PaymentsState": {
        "load_payments",
        "refresh",
        "select_member",
        "toggle_item",
        "show_bank_transfer",
        "hide_bank_transfer",
        "pay_online",
    },
    "OrderState": {"load_order", "refresh", "show_bank_transfer", "pay_online"},
    "HomeState": {"load_home", "select_member", "refresh"},
    "ShellState": {"load_shell"},
    "BookingsState": {"load_bookings", "refresh"},
    "BenefitsState": {"load_benefits", "refresh"},
    "OrdersState": {"load_orders", "refresh"},
    "BookingState": {
        "load_booking",
        "refresh",
        "show_tab",
        "show_sessions",
        "start_cancel",
        "close_cancel",
        "dialog_changed",
        "confirm_cancel",
        "sign_back_up",
        "cancel_makeup",
        "open_share",
        "edit_share",
        "close_share",
        "share_dialog_changed",
        "save_share",
        "revoke_share",
        "resend_invitation",
        "leave_share",
    },
    "InvitationState": {"load_invitation", "accept_invitation", "decline_invitation"},
    "InvitationsState": {"load_invitations", "accept_shared", "decline_shared"},
    "MakeupsState": {
        "load_makeups",
        "refresh",
        "choose",
        "close_confirm",
        "dialog_changed",
        "confirm_booking",
        "join_waitlist",
        "leave_waitlist",
        "accept_offer",
    },
    "CalendarState": {"load_calendar", "regenerate_feed", "switch_feed"},
    "AccountState": {"load_account", "toggle_email_reminders", "save_whatsapp", "stop_whatsapp"},
    "MyDataState": {"load_my_data", "send_code", "confirm_code", "request_deletion"},
    "NoticeState": {"load_notices", "toggle_notice"},
    # The console (state/admin): every handler also in test_admin_handlers.MATRIX, called as every role.
    "AdminShellState": {"load_admin_shell"},
    "AdminStaffState": {"load_admin_staff", "invite", "change_role", "switch_active"},
    "AdminAuditState": {"load_admin_audit", "apply_filters"},
    "AdminStatementsState": {"load_admin_statements"},
    "AdminStatementState": {"load_admin_statement", "settle_matched", "assign_reference"},
    "AdminSettingsState": {"load_admin_settings", "save_settings", "add_holiday", "remove_holiday"},
    "AdminIntegrationsState": {
        "load_admin_integrations",
        "create_api_key",
        "revoke_api_key",
        "add_webhook",
        "stop_webhook",
    },
    "AdminScheduleState": {"load_admin_schedule", "create_programme", "save_programme", "create_class"},
    "AdminClassState": {
        "load_admin_class",
        "save_class",
        "update_sessions",
        "add_session",
        "move_session",
        "cancel_session",
        "restore_session",
    },
    "AdminTodayState": {"load_admin_today", "find_register_sessions"},
    "AdminRegisterState": {"load_admin_register", "mark_attendee", "mark_everyone_present"},
    "AdminFamiliesState": {"load_admin_families", "search", "go_to_page", "create_family"},
    "AdminFamilyState": {
        "load_admin_family",
        "rename_family",
        "save_client",
        "add_client",
        "save_attendee",
        "add_attendee",
        "open_photo",
        "close_photo",
        "upload_photo",
        "remove_photo",
        "enrol",
        "end_enrolment",
        "move_enrolment",
        "grant_share",
        "revoke_share",
        "view_as_client",
        "close_view",
    },
    "AdminMoneyState": {"load_admin_money", "filter_charges"},
    "AdminFamilyMoneyState": {
        "load_family_money",
        "create_charge",
        "save_charge",
        "cancel_charge",
        "create_discount",
        "end_discount",
        "delete_discount",
        "create_order",
    },
    "AdminMessagesState": {
        "load_admin_messages",
        "open_template",
        "close_template",
        "redraft",
        "save_template",
        "reset_template",
        "pick_target",
        "send_message",
    },
    "AdminChargeState": {"load_admin_charge", "record_payment", "refund_payment", "resend_refund"},
    "AdminCreditState": {"load_admin_credit", "top_up_credit", "adjust_credit"},
    "AdminBenefitsState": {
        "load_admin_benefits",
        "create_entry_pass",
        "add_bonus_entries",
        "extend_entry_pass",
        "grant_makeup",
        "withdraw_makeup",
        "extend_makeup",
    },
    "AdminImportState": {"load_admin_import", "import_rows"},
    "AdminDeletionsState": {"load_admin_deletions", "confirm_deletion"},
}
# Strings that only exist in the Carter family's data.
BEN_SENTINELS = ("Lily", "Carter", "ben@example.com")


def cookie_for(db, email: str) -> str:
    client = db.exec(select(Client).where(Client.email == email)).one()
    token, _ = auth.create_session(db, client.id, client.session_epoch)
    db.commit()
    return f"{auth.session_cookie_name()}={token}"


def states(cookie: str | None, path: str = "/"):
    root = rx.State(_reflex_internal_init=True)
    root.router = RouterData(
        headers=HeaderData(cookie=cookie or ""), url=ReflexURL(f"http://localhost:3000{path}")
    )
    return root, {cls.__name__: root.get_substate(cls.get_full_name().split(".")[1:]) for cls in APP_STATES}


def snapshot(state) -> str:
    """Everything a state would send to the browser (its public vars), as text."""
    data = {}
    for name in state.base_vars:
        if not name.startswith("_"):
            value = getattr(state, name)
            data[name] = (
                [dataclasses.asdict(v) if dataclasses.is_dataclass(v) else v for v in value]
                if isinstance(value, list)
                else value
            )
    return json.dumps(data, default=str)


def is_redirect_to_login(result) -> bool:
    """state.session.to_login(): to /login through the in-app bridge page /to-login (pages/login_bridge.py)."""
    return isinstance(result, rx.event.EventSpec) and ("/to-login" in str(result) or "/login" in str(result))


def our_state_classes() -> list[type[rx.State]]:
    """Every State class the app defines: each module of client_profile.state imported, then the whole tree of
    Reflex states walked (the same walk as state/guard.py), so a new State class cannot escape the inventory."""
    for module in pkgutil.walk_packages(client_profile.state.__path__, "client_profile.state."):
        importlib.import_module(module.name)
    found, todo = [], list(rx.State.get_substates())
    while todo:
        cls = todo.pop()
        todo.extend(cls.get_substates())
        if cls.__module__.startswith("client_profile."):
            found.append(cls)
    return found


def test_handler_inventory_is_known():
    classes = our_state_classes()
    assert len({cls.__name__ for cls in classes}) == len(classes)  # names are the keys below
    found = {
        cls.__name__: {n for n in cls.event_handlers if not n.startswith("set_") and n != "setvar"}
        for cls in classes
    }
    assert found == KNOWN_HANDLERS
    for cls in classes:  # no client-callable setters for anything
        assert not [n for n in cls.event_handlers if n.startswith("set_")], cls.__name__


def test_anna_loads_home_and_switches_between_her_children(demo):
    _, s = states(cookie_for(demo, "anna@example.com"))
    home = s["HomeState"]
    assert home.load_home() is None
    assert [m.first_name for m in home.members] == ["Ema", "Jakub"]
    ema, jakub = (m.id for m in home.members)
    assert home.selected_member_id == ema
    assert [b.programme for b in home.active_bookings] == ["Swimming - Beginners"]
    # The service's tuples (the browser gets both as arrays).
    assert [list(p) for p in home.unpaid[0].discount_parts] == [
        ["Full price", "EUR 120.00"],
        ["Sibling discount 10%", "-EUR 12.00"],
    ]
    assert list(home.unpaid[1].discount_parts) == []
    family_before = (home.family_discounts, home.unpaid_orders, home.credit_balance, snapshot_unpaid(home))
    assert home.select_member(jakub) is None
    assert home.selected_member_id == jakub
    assert {b.programme for b in home.active_bookings} == {"Football Juniors", "Chess Online"}
    assert [b.programme for b in home.past_bookings] == ["Summer Camp 2026"]
    # Family-level sections do not change when switching.
    assert (
        home.family_discounts,
        home.unpaid_orders,
        home.credit_balance,
        snapshot_unpaid(home),
    ) == family_before
    assert home.select_member(str(ema)) is None and home.selected_member_id == ema


def snapshot_unpaid(home) -> list:
    return [dataclasses.asdict(u) for u in home.unpaid]


def _ben_attendee_ids(db) -> list[object]:
    """Ben's attendee (Lily), as an int and as the string a crafted event could carry."""
    lily = db.exec(select(Attendee).where(Attendee.first_name == "Lily")).one()
    return [lily.id, str(lily.id)]


HOSTILE = [
    0,
    -1,
    2**63,
    2**64,
    1.5,
    "1 OR 1=1",
    "../../etc/passwd",
    None,
    [],
    {},
    {"$ne": ""},
    True,
    "",
    "x" * 10000,
]


def test_anna_cannot_reach_bens_data_through_any_handler(demo):
    cookie = cookie_for(demo, "anna@example.com")
    ben_ids = _ben_attendee_ids(demo)
    _, s = states(cookie)
    s["HomeState"].load_home()
    for ident in ben_ids + HOSTILE:
        before = s["HomeState"].selected_member_id
        s["HomeState"].select_member(ident)
        assert s["HomeState"].selected_member_id == before
        assert s["HomeState"].error in ("", "This family member was not found.")
    s["ShellState"].load_shell()
    s["BookingsState"].load_bookings()
    s["BenefitsState"].load_benefits()
    s["OrdersState"].load_orders()
    s["NoticeState"].load_notices()
    s["NoticeState"].toggle_notice("session_changed", False)  # her own switch only
    s["NoticeState"].toggle_notice("session_changed", True)
    for name, state in s.items():
        text = snapshot(state)
        for sentinel in BEN_SENTINELS:
            assert sentinel not in text, f"{sentinel} leaked into {name}"
    # And the loads really ran: Anna's own data is there.
    assert "Ema" in snapshot(s["HomeState"]) and "Open Swim 10 entries" in snapshot(s["BenefitsState"])


@pytest.mark.parametrize(
    "cookie", [None, "", "cp_session=", "cp_session=not-a-token", "cp_session=" + "A" * 43, "other=1"]
)
def test_without_a_valid_session_every_handler_sends_to_login_and_loads_nothing(demo, cookie):
    _, s = states(cookie)
    calls = [
        s["HomeState"].load_home,
        s["ShellState"].load_shell,
        s["BookingsState"].load_bookings,
        s["BenefitsState"].load_benefits,
        s["OrdersState"].load_orders,
        s["NoticeState"].load_notices,
        lambda: s["NoticeState"].toggle_notice("session_changed", False),
    ]
    for call in calls:
        assert is_redirect_to_login(call())
    assert is_redirect_to_login(s["HomeState"].select_member(1))
    for state in s.values():
        assert "Ema" not in snapshot(state) and "Novak" not in snapshot(state)


def test_a_stolen_tab_without_the_cookie_gets_nothing_more(demo):
    """The tab token is client-chosen; state keyed by it must not act as a login (docs/decisions.md "The
    identity is re-derived on every event")."""
    root, s = states(cookie_for(demo, "anna@example.com"))
    home = s["HomeState"]
    home.load_home()
    jakub = home.members[1].id
    root.router = RouterData(headers=HeaderData(cookie=""))  # same state, new socket without the cookie
    assert is_redirect_to_login(home.select_member(jakub))
    assert home.selected_member_id != jakub


def test_logout_everywhere_stops_open_tabs_at_their_next_event(demo):
    anna_cookie = cookie_for(demo, "anna@example.com")
    _, tab1 = states(anna_cookie)
    _, tab2 = states(cookie_for(demo, "anna@example.com"))
    tab1["HomeState"].load_home()
    tab2["HomeState"].load_home()
    token = anna_cookie.split("=", 1)[1]
    principal: Principal = auth.principal_for_token(demo, token)
    auth.logout_everywhere(demo, principal)
    demo.commit()
    jakub = tab2["HomeState"].members[1].id
    assert is_redirect_to_login(tab2["HomeState"].select_member(jakub))
    assert is_redirect_to_login(tab1["HomeState"].load_home())


def test_a_different_login_on_the_same_tab_never_reuses_the_previous_data(demo):
    root, s = states(cookie_for(demo, "anna@example.com"))
    home = s["HomeState"]
    home.load_home()
    ema = home.members[0].id
    root.router = RouterData(headers=HeaderData(cookie=cookie_for(demo, "ben@example.com")))
    result = home.select_member(ema)
    assert not is_redirect_to_login(result) and result is not None  # a reload for Ben instead
    assert home.members == [] and "Ema" not in snapshot(home)
    home.load_home()
    assert [m.first_name for m in home.members] == ["Lily"]


def test_peter_switching_to_an_attendee_of_a_revoked_share_reloads(demo):
    from client_profile.models import BookingShare, utcnow

    _, s = states(cookie_for(demo, "peter@example.com"))
    home = s["HomeState"]
    home.load_home()
    assert [m.first_name for m in home.members] == ["Ema"]
    ema = home.members[0].id
    share = demo.exec(select(BookingShare)).one()
    share.revoked_at = utcnow()
    demo.add(share)
    demo.commit()
    assert home.select_member(ema) is not None  # a reload, not a switch from stale data
    home.load_home()
    assert home.members == [] and home.active_bookings == []


def test_open_pages_reload_only_when_their_family_data_changed(demo):
    from client_profile.models import Attendee as A
    from client_profile.services.people.changes import bump_families

    _, s = states(cookie_for(demo, "anna@example.com"))
    home, ben_s = s["HomeState"], states(cookie_for(demo, "ben@example.com"))[1]["HomeState"]
    assert home.refresh("tick") is None and not home.loaded  # nothing before the first load
    home.load_home()
    ben_s.load_home()
    ema = demo.exec(select(A).where(A.first_name == "Ema")).one()
    assert home.refresh("tick") is None
    ema.first_name = "Emma"
    demo.add(ema)
    bump_families(demo, [ema.family_id])
    demo.commit()
    home.refresh("tick")
    assert [m.first_name for m in home.members] == ["Emma", "Jakub"]
    before, seen = snapshot(ben_s), ben_s._seen_version
    ben_s.refresh("tick")  # another family's change does not reload Ben's page
    assert snapshot(ben_s) == before and ben_s._seen_version == seen


def _booking_of(db, first_name: str, programme: str = "Swimming - Beginners") -> int:
    from client_profile.models import ClassGroup, Programme

    return db.exec(
        select(Booking.id)
        .join(Attendee, Attendee.id == Booking.attendee_id)
        .join(ClassGroup, ClassGroup.id == Booking.class_id)
        .join(Programme, Programme.id == ClassGroup.programme_id)
        .where(Attendee.first_name == first_name, Programme.name == programme)
    ).one()


def _upcoming_attendance(db, booking_id: int) -> int:
    from client_profile.models import Attendance, ClassSession, utcnow

    return db.exec(
        select(Attendance.id)
        .join(ClassSession, ClassSession.id == Attendance.session_id)
        .where(Attendance.booking_id == booking_id, ClassSession.starts_at > utcnow())
        .order_by(ClassSession.starts_at)
    ).all()[1]


def test_booking_page_excuse_and_sign_back_up(demo):
    booking_id = _booking_of(demo, "Ema")
    _, s = states(cookie_for(demo, "anna@example.com"), f"/bookings/{booking_id}")
    page = s["BookingState"]
    assert page.load_booking() is None and not page.not_found
    assert (page.programme, page.attendee, page.open_credits) == ("Swimming - Beginners", "Ema", 1)
    assert len(page.attended) == 3 and len(page.missed) == 2 and page.upcoming
    target = page.upcoming[1].attendance_id
    page.start_cancel(target)
    assert page.cancel_open and page.cancel_allowed and "make-up credit" in page.cancel_message
    page.confirm_cancel({"reason": "illness", "note": "cold"})
    assert not page.cancel_open and "make-up credit" in page.message
    assert page.open_credits == 2 and any(
        r.attendance_id == target and r.can_sign_back_up for r in page.upcoming
    )  # stays listed, with its undo
    page.confirm_cancel({"reason": "illness"})  # nothing pending any more: no second change
    assert page.open_credits == 2
    page.sign_back_up(target)
    assert page.error == "" and page.open_credits == 1
    assert any(r.attendance_id == target for r in page.upcoming)


def test_booking_page_of_another_family_is_not_found_and_nothing_leaks(demo):
    bens = _booking_of(demo, "Lily")
    lily_attendance = _upcoming_attendance(demo, bens)
    for path in (f"/bookings/{bens}", "/bookings/999999", "/bookings/abc", "/bookings/-1", "/bookings/"):
        _, s = states(cookie_for(demo, "anna@example.com"), path)
        page = s["BookingState"]
        page.load_booking()
        assert page.not_found, path
        for handler in (page.start_cancel, page.sign_back_up):
            for ident in (lily_attendance, str(lily_attendance), *HOSTILE):
                handler(ident)
                assert not page.cancel_open
        page.confirm_cancel({"reason": "", "note": ""})
        text = snapshot(page)
        assert not any(x in text for x in BEN_SENTINELS), path
    from client_profile.models import Attendance, AttendanceState

    assert demo.get(Attendance, lily_attendance).state == AttendanceState.scheduled


def test_peter_sees_the_shared_booking_but_cannot_excuse(demo):
    booking_id = _booking_of(demo, "Ema")
    _, s = states(cookie_for(demo, "peter@example.com"), f"/bookings/{booking_id}")
    page = s["BookingState"]
    page.load_booking()
    assert not page.not_found and page.shared_with_me and not page.can_manage
    page.start_cancel(page.upcoming[1].attendance_id)
    assert not page.cancel_open and "shared access" in page.error


# --------------------------------------------------------------------------------------------- calendar feed


def test_calendar_card_shows_annas_feed_and_makes_a_new_link(demo):
    from client_profile.services.schedule import calendar as calendar_service

    _, s = states(cookie_for(demo, "anna@example.com"))
    cal = s["CalendarState"]
    assert cal.load_calendar() is None
    assert cal.has_family and cal.enabled
    assert cal.feed_url.startswith("http://localhost:3000/calendar/") and cal.feed_url.endswith(".ics")
    assert cal.webcal_url == "webcal://" + cal.feed_url.removeprefix("http://")
    assert cal.google_url.startswith("https://calendar.google.com/calendar/render?cid=webcal%3A%2F%2F")
    old_key = cal.feed_url.rsplit("/", 1)[1].removesuffix(".ics")
    assert cal.regenerate_feed() is None
    assert cal.feed_url and cal.feed_url.rsplit("/", 1)[1].removesuffix(".ics") != old_key
    assert "old link has stopped working" in cal.message
    demo.expire_all()
    assert calendar_service.family_for_token(demo, old_key) is None

    assert cal.switch_feed(False) is None
    assert not cal.enabled and cal.feed_url == "" and cal.webcal_url == "" and cal.google_url == ""
    for bad in ("true", 1, None, [], {"enabled": True}, "x" * 10000):
        assert cal.switch_feed(bad) is None
        assert not cal.enabled and cal.error == "Choose on or off for the calendar feed."
    assert cal.switch_feed(True) is None and cal.enabled and cal.feed_url and cal.error == ""
    assert "Lily" not in snapshot(cal) and "Carter" not in snapshot(cal)


def test_calendar_for_peter_is_empty_and_changes_nothing(demo):
    from client_profile.models import Family

    versions = {f.id: (f.calendar_feed_seq, f.calendar_feed_enabled) for f in demo.exec(select(Family))}
    _, s = states(cookie_for(demo, "peter@example.com"))
    cal = s["CalendarState"]
    cal.load_calendar()
    assert not cal.has_family and cal.feed_url == ""
    cal.regenerate_feed()
    cal.switch_feed(False)
    assert cal.feed_url == "" and cal.error == "This calendar feed was not found."
    demo.expire_all()
    assert {
        f.id: (f.calendar_feed_seq, f.calendar_feed_enabled) for f in demo.exec(select(Family))
    } == versions


@pytest.mark.parametrize("cookie", [None, "", "cp_session=not-a-token"])
def test_calendar_handlers_without_a_session_send_to_login_and_change_nothing(demo, cookie):
    from client_profile.models import Family

    before = {f.id: (f.calendar_feed_seq, f.calendar_feed_enabled) for f in demo.exec(select(Family))}
    _, s = states(cookie)
    cal = s["CalendarState"]
    for call in (cal.load_calendar, cal.regenerate_feed, lambda: cal.switch_feed(False)):
        assert is_redirect_to_login(call())
        assert cal.feed_url == "" and not cal.has_family
    demo.expire_all()
    assert {f.id: (f.calendar_feed_seq, f.calendar_feed_enabled) for f in demo.exec(select(Family))} == before


def test_calendar_state_on_a_tab_whose_cookie_changes_to_another_family(demo):
    root, s = states(cookie_for(demo, "anna@example.com"))
    cal = s["CalendarState"]
    cal.load_calendar()
    anna_url = cal.feed_url
    root.router = RouterData(headers=HeaderData(cookie=cookie_for(demo, "ben@example.com")))
    cal.regenerate_feed()  # acts for Ben: Anna's link still works
    from client_profile.services.schedule import calendar as calendar_service

    demo.expire_all()
    assert cal.feed_url != anna_url
    assert (
        calendar_service.family_for_token(demo, anna_url.rsplit("/", 1)[1].removesuffix(".ics")) is not None
    )
