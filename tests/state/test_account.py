"""The account page's handlers: reminder preferences of the logged-in client only, hostile input refused with a
clear message and nothing changed, no session -> login."""

from __future__ import annotations

import pytest
from sqlmodel import select

from client_profile.models import Client
from client_profile.services.errors import DomainError
from client_profile.services.people.account import normalize_whatsapp_phone
from tests.login_helpers import override_env
from tests.state.test_handlers import HOSTILE, cookie_for, is_redirect_to_login, snapshot, states

META = {"WHATSAPP_PROVIDER": "meta", "META_ACCESS_TOKEN": "t", "META_PHONE_NUMBER_ID": "1"}


def _client(db, email: str) -> Client:
    db.commit()  # end this session's read snapshot: the handlers write through their own units of work
    db.expire_all()
    return db.exec(select(Client).where(Client.email == email)).one()


def _prefs(db, email: str) -> tuple:
    c = _client(db, email)
    return c.reminders_opt_out, c.whatsapp_opt_in, c.whatsapp_phone


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("+420 601 234 567", "+420601234567"),
        ("00420601234567", "+420601234567"),
        ("+1 (650) 555-1234", "+16505551234"),
        (" +44 7700.900.123 ", "+447700900123"),
    ],
)
def test_phone_numbers_are_normalised_to_e164(raw, expected):
    assert normalize_whatsapp_phone(raw) == expected


@pytest.mark.parametrize(
    "raw,message",
    [
        ("", "enter your mobile number"),
        ("0601 234 567", "Start the number with +"),
        ("+420 601 ABC", "only digits"),
        ("+0601234567", "not a valid international number"),
        ("+42", "not a valid international number"),
        ("+1234567890123456", "not a valid international number"),
        ("+４２０６０１２３４５６７", "only digits"),
        ("+" + "1" * 50, "too long"),
        (None, "enter your mobile number"),
        (["+420601234567"], "enter your mobile number"),
    ],
)
def test_bad_numbers_get_a_clear_message(raw, message):
    with pytest.raises(DomainError, match=message):
        normalize_whatsapp_phone(raw)


def test_anna_turns_email_reminders_off_and_on_and_opts_in_to_whatsapp(demo):
    _, s = states(cookie_for(demo, "anna@example.com"), "/account")
    page = s["AccountState"]
    with override_env(**META):
        assert page.load_account() is None
        assert page.loaded and page.email == "anna@example.com" and page.email_reminders
        assert page.whatsapp_available and not page.whatsapp_opt_in
        assert page.toggle_email_reminders(False) is None
        assert not page.email_reminders and page.message == "Reminder e-mails are off."
        assert _prefs(demo, "anna@example.com")[0] is True
        assert page.toggle_email_reminders(True) is None and page.email_reminders
        assert page.save_whatsapp({"phone": "+420 601 234 567"}) is None
        assert page.whatsapp_opt_in and page.whatsapp_phone == "+420601234567" and page.error == ""
        assert _prefs(demo, "anna@example.com") == (False, True, "+420601234567")
        # A bad number: a clear message, the stored number stays.
        assert page.save_whatsapp({"phone": "601 234"}) is None
        assert "Start the number with +" in page.error and page.whatsapp_phone == "+420601234567"
        assert _prefs(demo, "anna@example.com") == (False, True, "+420601234567")
        assert page.stop_whatsapp() is None
        assert not page.whatsapp_opt_in and page.whatsapp_phone == ""
        assert _prefs(demo, "anna@example.com") == (False, False, "")
    # Ben's preferences were never touched.
    assert _prefs(demo, "ben@example.com") == (False, False, "")


def test_whatsapp_opt_in_is_refused_when_the_installation_has_no_whatsapp(demo):
    _, s = states(cookie_for(demo, "anna@example.com"), "/account")
    page = s["AccountState"]
    page.load_account()
    assert not page.whatsapp_available
    page.save_whatsapp({"phone": "+420601234567"})
    assert page.error == "WhatsApp reminders are not offered here."
    assert _prefs(demo, "anna@example.com") == (False, False, "")


def test_hostile_arguments_change_nothing(demo):
    _, s = states(cookie_for(demo, "anna@example.com"), "/account")
    page = s["AccountState"]
    with override_env(**META):
        page.load_account()
        before = _prefs(demo, "anna@example.com")
        for value in HOSTILE + ["true", "false", 1, 0]:
            if value is True:
                continue
            page.toggle_email_reminders(value)
            assert page.error == "Please choose on or off.", value
            page.save_whatsapp(value)  # not a form dict
            assert page.error, value
            page.save_whatsapp({"phone": value})
            assert page.error, value
            assert _prefs(demo, "anna@example.com") == before
        page.save_whatsapp({"phone": "+420601234567", "client_id": 2, "email": "ben@example.com"})
        assert page.email == "anna@example.com" and _prefs(demo, "ben@example.com") == (False, False, "")
    assert "Lily" not in snapshot(page) and "ben@example.com" not in snapshot(page)


@pytest.mark.parametrize("cookie", [None, "", "cp_session=not-a-token", "cp_session=" + "A" * 43])
def test_account_handlers_without_a_session_send_to_login_and_change_nothing(demo, cookie):
    _, s = states(cookie, "/account")
    page = s["AccountState"]
    before = _prefs(demo, "anna@example.com")
    with override_env(**META):
        for call in (
            page.load_account,
            lambda: page.toggle_email_reminders(False),
            lambda: page.save_whatsapp({"phone": "+420601234567"}),
            page.stop_whatsapp,
        ):
            assert is_redirect_to_login(call())
    assert not page.loaded and page.email == ""
    assert _prefs(demo, "anna@example.com") == before


def test_a_tab_whose_cookie_changes_shows_the_new_client_only(demo):
    from reflex.istate.data import HeaderData, RouterData

    root, s = states(cookie_for(demo, "anna@example.com"), "/account")
    page = s["AccountState"]
    page.load_account()
    root.router = RouterData(headers=HeaderData(cookie=cookie_for(demo, "ben@example.com")))
    page.toggle_email_reminders(False)
    assert page.email == "ben@example.com"
    assert _prefs(demo, "ben@example.com")[0] is True and _prefs(demo, "anna@example.com")[0] is False


# ------------------------------------------------------------------------------------ messages per kind


def _off(db, email: str) -> set[str]:
    from client_profile.models import NotificationPreference

    client = _client(db, email)
    return {
        p.kind
        for p in db.exec(
            select(NotificationPreference).where(
                NotificationPreference.client_id == client.id, NotificationPreference.enabled.is_(False)
            )
        ).all()
    }


def test_anna_turns_one_kind_off_and_on_and_mandatory_kinds_stay_on(demo):
    _, s = states(cookie_for(demo, "anna@example.com"), "/account")
    page = s["NoticeState"]
    assert page.load_notices() is None and page.loaded
    kinds = {sw.kind: sw for sw in page.switches}
    assert kinds["session_changed"].on and not kinds["session_changed"].mandatory
    assert kinds["payment_received"].mandatory and kinds["charge_due"].mandatory and kinds["login"].on
    assert page.toggle_notice("session_changed", False) is None and page.error == ""
    assert not {sw.kind: sw for sw in page.switches}["session_changed"].on
    assert _off(demo, "anna@example.com") == {"session_changed"}
    assert _off(demo, "peter@example.com") == set()  # only hers
    page.toggle_notice("payment_received", False)
    assert page.error == "These messages cannot be turned off."
    assert page.toggle_notice("session_changed", True) is None
    assert _off(demo, "anna@example.com") == set()


def test_notice_handlers_refuse_hostile_arguments_and_need_a_session(demo):
    _, s = states(cookie_for(demo, "anna@example.com"), "/account")
    page = s["NoticeState"]
    page.load_notices()
    for kind in HOSTILE + ["login", "charge_due", "SESSION_CHANGED", "session_changed "]:
        page.toggle_notice(kind, False)
        assert page.error in ("Unknown kind of message.", "These messages cannot be turned off."), kind
    for on in HOSTILE + ["false", 0, 1]:
        if on is True:
            continue
        page.toggle_notice("session_changed", on)
        assert page.error == "Please choose on or off.", on
    assert _off(demo, "anna@example.com") == set()
    for cookie in (None, "cp_session=" + "A" * 43):
        _, other = states(cookie, "/account")
        assert is_redirect_to_login(other["NoticeState"].load_notices())
        assert is_redirect_to_login(other["NoticeState"].toggle_notice("session_changed", False))
    assert _off(demo, "anna@example.com") == set()


def test_whatsapp_consent_is_recorded_with_its_time_and_text_and_kept_after_opting_out(demo):
    from client_profile.models import WhatsAppConsent

    _, s = states(cookie_for(demo, "anna@example.com"), "/account")
    page = s["AccountState"]
    with override_env(**META):
        page.load_account()
        prompt = page.whatsapp_consent_prompt
        assert "WhatsApp" in prompt and page.whatsapp_consent == ""
        page.save_whatsapp({"phone": "+420 601 234 567"})
        page.save_whatsapp({"phone": "+420601234567"})  # the same number again: no second record
        assert prompt in page.whatsapp_consent and "+420601234567" in page.whatsapp_consent
        page.stop_whatsapp()
        assert "Withdrawn on" in page.whatsapp_consent
    demo.commit()
    [row] = demo.exec(select(WhatsAppConsent)).all()
    assert (row.phone, row.text) == ("+420601234567", prompt)
    assert row.given_at is not None and row.withdrawn_at is not None
    assert row.client_id == _client(demo, "anna@example.com").id
