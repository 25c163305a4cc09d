"""The owner's settings in the console (services.provider_admin console section): one group at a time, all
fields refused together with their messages or all applied, versions, holidays, audit."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from client_profile.models import AuditEntry, Provider, ProviderHoliday, StaffMember
from client_profile.services import provider_admin as pa
from client_profile.services.errors import DomainError, FieldErrors, Forbidden, InvalidField, StaleEdit
from client_profile.services.people.identity import StaffPrincipal


def _staff(db, email: str) -> StaffPrincipal:
    m = db.exec(select(StaffMember).where(StaffMember.email == email)).one()
    return StaffPrincipal(m.id, m.provider_id, 0, m.email, m.full_name, m.role.value)


@pytest.fixture
def owner(demo):
    return demo, _staff(demo, "office@example.com")


def _form(db, principal, group):
    view = pa.settings_view(db, principal)
    return {name: view.values[name] for name in pa.SETTINGS_GROUPS[group]}, view.version


def test_the_owner_changes_a_group_and_it_is_audited(owner):
    db, p = owner
    form, version = _form(db, p, "makeups")
    assert form["makeups_enabled"] == "yes"
    form.update(makeup_window_days="7", makeup_waitlist_enabled="")  # an unticked switch is empty/absent
    changes = pa.change_settings(db, p, "makeups", form, version)
    db.commit()
    assert {c.field for c in changes} == {"makeup_window_days", "makeup_waitlist_enabled"}
    provider = db.exec(select(Provider)).one()
    assert (provider.makeup_window_days, provider.makeup_waitlist_enabled, provider.version) == (7, False, 1)
    entry = db.exec(select(AuditEntry).where(AuditEntry.action == "settings.makeups")).one()
    assert json.loads(entry.after_json) == {"makeup_window_days": 7, "makeup_waitlist_enabled": False}
    # The same form again changes nothing and needs no version.
    assert pa.change_settings(db, p, "makeups", form, version) == []


def test_bad_fields_are_refused_together_and_nothing_changes(owner):
    db, p = owner
    form, version = _form(db, p, "organisation")
    form.update(timezone="Mars/Olympus", currency="EURO", name="", brand_color="teal")
    with pytest.raises(FieldErrors) as err:
        pa.change_settings(db, p, "organisation", form, version)
    assert set(err.value.fields) == {"timezone", "currency", "name", "brand_color"}
    db.rollback()
    assert db.exec(select(Provider)).one().timezone == "Europe/Bratislava"


def test_a_stale_settings_form_is_refused(owner):
    db, p = owner
    form, version = _form(db, p, "sessions")
    pa.change_settings(db, p, "sessions", {**form, "attendance_edit_days": "3"}, version)
    db.commit()
    with pytest.raises(StaleEdit):
        pa.change_settings(db, p, "sessions", {**form, "attendance_edit_days": "5"}, version)
    db.rollback()
    assert db.exec(select(Provider)).one().attendance_edit_days == 3


def test_day_before_mode_needs_its_time(owner):
    db, p = owner
    form, version = _form(db, p, "sessions")
    with pytest.raises(DomainError, match="cancellation_day_before_time"):
        pa.change_settings(db, p, "sessions", {**form, "cancellation_mode": "day_before_at"}, version)


def test_holidays_from_the_console(owner):
    db, p = owner
    pa.add_console_holiday(db, p, "2027-12-24", "Christmas Eve")
    db.commit()
    assert [h.day for h in pa.settings_view(db, p).holidays][-1] == "2027-12-24"
    with pytest.raises(InvalidField) as err:
        pa.add_console_holiday(db, p, "2027-12-24")
    assert err.value.field == "day"
    db.rollback()
    with pytest.raises(InvalidField):
        pa.add_console_holiday(db, p, "not a day")
    db.rollback()
    pa.remove_console_holiday(db, p, "2027-12-24")
    db.commit()
    assert not db.exec(select(ProviderHoliday).where(ProviderHoliday.name == "Christmas Eve")).all()
    assert [e.action for e in db.exec(select(AuditEntry).order_by(AuditEntry.id)).all()][-2:] == [
        "holiday.add",
        "holiday.remove",
    ]


@pytest.mark.parametrize("group", [None, "", "secrets", 3, ["makeups"]])
def test_unknown_groups_are_refused(owner, group):
    db, p = owner
    with pytest.raises(DomainError, match="Unknown settings form"):
        pa.change_settings(db, p, group, {}, 0)


def test_only_owners_change_settings(demo):
    martina = _staff(demo, "martina@example.com")
    office = StaffPrincipal(martina.staff_id, martina.provider_id, 0, "x@example.com", "X", "office")
    for who in (martina, office):
        with pytest.raises(Forbidden):
            pa.settings_view(demo, who)
        with pytest.raises(Forbidden):
            pa.change_settings(demo, who, "makeups", {}, 0)
        with pytest.raises(Forbidden):
            pa.add_console_holiday(demo, who, "2027-12-24")
