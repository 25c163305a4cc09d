"""Benefits in the console (services.money.console_benefits): who may use it, entry passes (create, bonus entries,
extend; which sessions a pass covers), make-up credits (grant, withdraw, extend; a granted credit books a make-up
like an earned one), the audit rows and the history the family reads in Benefits."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlmodel import func, select

from client_profile.models import (
    AttendanceState,
    BenefitEvent,
    ClassGroup,
    ClassSession,
    EntryPass,
    EntryPassEntry,
    MakeupCredit,
    MakeupCreditStatus,
    MakeupWaitlistEntry,
    SessionStatus,
    WaitlistStatus,
)
from client_profile.models.staff import AuditEntry
from client_profile.services.errors import DomainError, FieldErrors, Forbidden, NotFound, StaleEdit
from client_profile.services.money import benefits
from client_profile.services.money import console_benefits as cb
from client_profile.services.schedule import enrolment, makeups
from tests.families_helpers import NOW, TODAY, build, local


@pytest.fixture
def w(db):
    return build(db)


def count(db, model, *where) -> int:
    return db.exec(select(func.count()).select_from(model).where(*where)).one()


def booking_of_ema(db, w):
    booking = enrolment.enrol(db, w.owner, w.ema.id, w.beginners.id, TODAY.isoformat(), now=NOW)
    db.commit()
    return booking


def a_pass(db, w, **kw) -> EntryPass:
    args = {
        "name": "Open Swim 10",
        "entries": 10,
        "valid_from": "2027-03-01",
        "valid_until": "2027-06-30",
        "now": NOW,
    }
    args.update(kw)
    p = cb.create_pass(db, w.office, w.novak.id, **args)
    db.commit()
    return p


def future_session(w, cls: ClassGroup) -> ClassSession:
    return next(s for s in w.sessions[cls.id] if s.status == SessionStatus.scheduled)


# ------------------------------------------------------------------------------------------------ who


def test_only_money_staff_of_the_provider(db, w):
    for refused in w.refused:
        with pytest.raises((Forbidden, NotFound)):
            cb.family_benefits(db, refused, w.novak.id, now=NOW)
    with pytest.raises(Forbidden):
        cb.create_pass(
            db, w.instructor, w.novak.id, name="X", entries=1, valid_from="", valid_until="2027-04-01"
        )
    for junk in (w.other_family.id, "1", True, 2**40, None, -3, 1.0):
        with pytest.raises(NotFound):
            cb.family_benefits(db, w.owner, junk, now=NOW)
    view = cb.family_benefits(db, w.office, w.novak.id, now=NOW)
    assert view.family_name == "Novak" and view.passes == [] and view.credits == []
    assert [a.label for a in view.attendees] == ["Ema Novak", "Jakub Novak"]
    assert "Diving" not in " ".join(c.label for c in view.classes)


def test_foreign_and_malformed_ids_change_nothing(db, w):
    p = a_pass(db, w)
    other = EntryPass(
        provider_id=w.other_provider.id,
        family_id=w.other_family.id,
        name="Theirs",
        entries_total=5,
        valid_from=NOW,
        expires_at=NOW + timedelta(days=30),
    )
    db.add(other)
    db.commit()
    for pid in (other.id, "1", True, 2**40, None):
        with pytest.raises(NotFound):
            cb.add_bonus_entries(db, w.office, pid, 0, count=1, reason="x", now=NOW)
        with pytest.raises(NotFound):
            cb.extend_credit(db, w.office, pid, 0, book_by="2027-05-01", now=NOW)
    with pytest.raises(NotFound):
        cb.grant_credit(db, w.office, 999_999, book_by="2027-05-01", reason="x", now=NOW)
    with pytest.raises(FieldErrors):
        cb.grant_credit(db, w.office, "junk", book_by="2027-05-01", reason="x", now=NOW)
    with pytest.raises(FieldErrors) as refused:
        cb.create_pass(
            db, w.office, w.novak.id, name="X", entries=2, valid_from="", valid_until="2027-04-01",
            attendee_id=w.lily.id,
        )  # fmt: skip
    assert "attendee_id" in refused.value.fields
    with pytest.raises(FieldErrors) as refused:
        cb.create_pass(
            db, w.office, w.novak.id, name="X", entries=2, valid_from="", valid_until="2027-04-01",
            accepts="classes", class_ids=[w.other_class.id],
        )  # fmt: skip
    assert "class_ids" in refused.value.fields
    db.rollback()
    assert count(db, EntryPass) == 2 and db.get(EntryPass, p.id).entries_total == 10


# ------------------------------------------------------------------------------------------------ passes


def test_create_pass_checks_every_field_and_writes_nothing_on_bad_input(db, w):
    with pytest.raises(FieldErrors) as refused:
        cb.create_pass(
            db, w.office, w.novak.id, name=" ", entries="0", valid_from="yesterday", valid_until="2020-01-01",
            accepts="some",
        )  # fmt: skip
    assert set(refused.value.fields) == {"name", "entries", "valid_from", "valid_until", "accepts"}
    with pytest.raises(FieldErrors) as refused:
        cb.create_pass(
            db, w.office, w.novak.id, name="P", entries=3, valid_from="2027-05-01", valid_until="2027-04-01",
            accepts="programme", programme_id="7",
        )  # fmt: skip
    assert set(refused.value.fields) == {"valid_until", "programme_id"}
    db.rollback()
    assert count(db, EntryPass) == 0 and count(db, BenefitEvent) == 0 and count(db, AuditEntry) == 0


def test_create_bonus_extend_are_audited_and_in_the_history(db, w):
    p = a_pass(db, w, attendee_id=w.ema.id, accepts="programme", programme_id=w.beginners.programme_id)
    assert p.attendee_id == w.ema.id and p.version == 0
    cb.add_bonus_entries(db, w.office, p.id, 0, count="2", reason="Pool closed twice", now=NOW)
    db.commit()
    with pytest.raises(StaleEdit):  # the same form again: its version is old
        cb.add_bonus_entries(db, w.office, p.id, 0, count=2, reason="Pool closed twice", now=NOW)
    db.rollback()
    with pytest.raises(FieldErrors) as refused:
        cb.extend_pass(db, w.office, p.id, 1, until="2027-06-30", now=NOW)
    assert "until" in refused.value.fields
    cb.extend_pass(db, w.office, p.id, 1, until="2027-07-31", now=NOW + timedelta(days=1))
    db.commit()
    p = db.get(EntryPass, p.id)
    assert p.entries_total == 12 and p.version == 2
    view = cb.family_benefits(db, w.office, w.novak.id, now=NOW)
    item = view.passes[0]
    assert (item.total, item.left, item.holder, item.accepts) == (12, 12, "Ema", "Programme: Swimming")
    assert item.validity == "1 Mar 2027 – 31 Jul 2027" and item.status == "active"
    assert [h.text for h in item.history] == [
        "Expiry extended by the provider to 31 Jul 2027",
        "2 bonus entries added by the provider: Pool closed twice",
        "Pass added by the provider: 10 entries, valid 1 Mar 2027 – 30 Jun 2027",
    ]
    assert item.history[0].by == "office"
    actions = db.exec(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["benefits.pass.create", "benefits.pass.bonus", "benefits.pass.extend"]


def test_pass_covers_only_what_it_accepts(db, w):
    beginners, advanced = future_session(w, w.beginners), future_session(w, w.advanced)
    family = a_pass(db, w)  # any class
    swimming = a_pass(db, w, accepts="programme", programme_id=w.beginners.programme_id)
    advanced_only = a_pass(db, w, accepts="classes", class_ids=[w.advanced.id])
    jakubs = a_pass(db, w, attendee_id=w.jakub.id)
    assert benefits.accepted_in(db, [family, swimming, advanced_only]) == {
        family.id: "Any class",
        swimming.id: "Programme: Swimming",
        advanced_only.id: "Classes: Advanced - Thursday 17:00",
    }
    assert cb.pass_covers(db, family, beginners.id, w.ema.id, NOW) == ""
    assert cb.pass_covers(db, family, advanced.id, w.ema.id, NOW) == ""
    assert cb.pass_covers(db, swimming, beginners.id, w.ema.id, NOW) == ""
    assert "another programme" in cb.pass_covers(db, swimming, advanced.id, w.ema.id, NOW)
    assert cb.pass_covers(db, advanced_only, advanced.id, w.ema.id, NOW) == ""
    assert "not accepted in Beginners" in cb.pass_covers(db, advanced_only, beginners.id, w.ema.id, NOW)
    assert "another attendee" in cb.pass_covers(db, jakubs, beginners.id, w.ema.id, NOW)
    assert cb.pass_covers(db, jakubs, beginners.id, w.jakub.id, NOW) == ""
    assert "another family" in cb.pass_covers(db, family, beginners.id, w.lily.id, NOW)
    assert "not found" in cb.pass_covers(db, family, "1", w.ema.id, NOW)
    late = w.sessions[w.beginners.id][-1]  # 27 April: after a pass valid until 20 March
    short = a_pass(db, w, valid_until="2027-03-20")
    assert "not valid on the day" in cb.pass_covers(db, short, late.id, w.ema.id, NOW)
    assert "expired" in cb.pass_covers(db, short, beginners.id, w.ema.id, NOW + timedelta(days=30))
    # the one function that takes an entry applies the same rule
    with pytest.raises(DomainError):
        cb.use_entry(db, advanced_only, beginners.id, w.ema.id, NOW)
    one = a_pass(db, w, entries=1)
    cb.use_entry(db, one, beginners.id, w.ema.id, NOW)
    db.commit()
    assert count(db, EntryPassEntry, EntryPassEntry.entry_pass_id == one.id) == 1
    assert "no entries left" in cb.pass_covers(db, one, advanced.id, w.ema.id, NOW)


# ------------------------------------------------------------------------------------------------ credits


def test_grant_checks_input_and_a_granted_credit_books_a_makeup(db, w):
    booking = booking_of_ema(db, w)
    with pytest.raises(FieldErrors) as refused:
        cb.grant_credit(db, w.office, booking.id, book_by="2027-03-01", reason="", now=NOW)
    assert set(refused.value.fields) == {"book_by", "reason"}
    credit = cb.grant_credit(db, w.office, booking.id, book_by="2027-04-10", reason="Pool closed", now=NOW)
    db.commit()
    assert credit.source_attendance_id is None and credit.granted_by_staff_id == w.office.staff_id
    assert credit.status == MakeupCreditStatus.open and credit.attendee_id == w.ema.id
    # a second Swimming class on Friday: the engine offers its session for the granted credit
    friday = ClassGroup(
        programme_id=w.beginners.programme_id,
        name="Beginners - Friday 16:00",
        weekday=4,
        start_time=time(16, 0),
        duration_minutes=45,
        starts_on=date(2027, 2, 1),
        ends_on=date(2027, 4, 30),
        capacity=3,
    )
    db.add(friday)
    db.flush()
    session = ClassSession(
        class_id=friday.id,
        starts_at=local(date(2027, 3, 12), time(16, 0)),
        ends_at=local(date(2027, 3, 12), time(16, 45)),
    )
    db.add(session)
    db.commit()
    offers = makeups.offers_for(db, w.client, w.provider, credit.id, NOW)
    assert offers.bookable and [o.session_id for o in offers.offers] == [session.id]
    assert offers.earned_from == "the provider (granted)"
    attendance = makeups.book_makeup(db, w.client, w.provider, credit.id, session.id, NOW)
    db.commit()
    assert attendance.state == AttendanceState.makeup and attendance.makeup_credit_id == credit.id
    assert db.get(MakeupCredit, credit.id).status == MakeupCreditStatus.used
    # a used credit cannot be withdrawn
    with pytest.raises(DomainError, match="already used"):
        cb.withdraw_credit(db, w.office, credit.id, 0, reason="duplicate", now=NOW)


def test_withdraw_rules(db, w):
    booking = booking_of_ema(db, w)
    credit = cb.grant_credit(db, w.office, booking.id, book_by="2027-04-10", reason="Pool closed", now=NOW)
    held = cb.grant_credit(db, w.office, booking.id, book_by="2027-04-10", reason="Coach ill", now=NOW)
    session = future_session(w, w.advanced)
    db.add(
        MakeupWaitlistEntry(
            credit_id=credit.id, session_id=session.id, attendee_id=w.ema.id, status=WaitlistStatus.waiting
        )
    )
    db.add(
        MakeupWaitlistEntry(
            credit_id=held.id,
            session_id=session.id,
            attendee_id=w.ema.id,
            status=WaitlistStatus.offered,
            offer_expires_at=NOW + timedelta(hours=5),
        )
    )
    db.commit()
    with pytest.raises(FieldErrors):
        cb.withdraw_credit(db, w.office, credit.id, 0, reason="  ", now=NOW)
    with pytest.raises(DomainError, match="waiting-list place is held"):
        cb.withdraw_credit(db, w.office, held.id, 0, reason="duplicate", now=NOW)
    db.rollback()
    cb.withdraw_credit(db, w.office, credit.id, 0, reason="duplicate", now=NOW)
    db.commit()
    credit = db.get(MakeupCredit, credit.id)
    assert credit.status == MakeupCreditStatus.void and credit.version == 1
    queued = db.exec(select(MakeupWaitlistEntry).where(MakeupWaitlistEntry.credit_id == credit.id)).one()
    assert queued.status == WaitlistStatus.withdrawn
    with pytest.raises(DomainError, match="already withdrawn"):
        cb.withdraw_credit(db, w.office, credit.id, 1, reason="duplicate", now=NOW)
    db.rollback()
    with pytest.raises(DomainError, match="Only an open"):
        cb.extend_credit(db, w.office, credit.id, 1, book_by="2027-05-01", now=NOW)
    db.rollback()
    items = {c.id: c for c in cb.family_benefits(db, w.office, w.novak.id, now=NOW).credits}
    assert items[credit.id].status == "withdrawn" and not items[credit.id].can_withdraw
    assert items[held.id].status == "available" and not items[held.id].can_withdraw
    assert items[credit.id].history[0].text == "Make-up credit withdrawn by the provider: duplicate"
    assert items[held.id].origin == "Granted: Coach ill"


def test_extend_an_expired_unused_credit_opens_it_again(db, w):
    booking = booking_of_ema(db, w)
    credit = cb.grant_credit(db, w.office, booking.id, book_by="2027-03-15", reason="Pool closed", now=NOW)
    db.commit()
    later = NOW + timedelta(days=10)  # 20 March: the credit has expired unused
    with pytest.raises(DomainError, match="expired"):
        cb.withdraw_credit(db, w.office, credit.id, 0, reason="x", now=later)
    db.rollback()
    with pytest.raises(FieldErrors):
        cb.extend_credit(db, w.office, credit.id, 0, book_by="2027-03-15", now=NOW)
    db.rollback()
    cb.extend_credit(db, w.office, credit.id, 0, book_by="2027-04-05", now=later)
    db.commit()
    with pytest.raises(StaleEdit):  # the same form again
        cb.extend_credit(db, w.office, credit.id, 0, book_by="2027-04-06", now=later)
    db.rollback()
    credit = db.get(MakeupCredit, credit.id)
    assert credit.status == MakeupCreditStatus.open and credit.version == 1
    assert benefits.makeup_status(credit, later) == "available"
    texts = [e.text for e in db.exec(select(BenefitEvent).order_by(BenefitEvent.id.desc())).all()]
    assert texts == [
        "Book-by date extended by the provider to 5 Apr 2027",
        "Make-up credit granted by the provider: Pool closed. Book by 15 Mar 2027",
    ]


def test_the_family_reads_the_history_in_benefits_without_staff_names(db, w):
    booking = booking_of_ema(db, w)
    p = a_pass(db, w)
    cb.add_bonus_entries(db, w.owner, p.id, 0, count=1, reason="Sorry for the cold water", now=NOW)
    credit = cb.grant_credit(
        db, w.office, booking.id, book_by="2027-04-10", reason="Pool closed", now=NOW + timedelta(hours=1)
    )
    cb.withdraw_credit(db, w.office, credit.id, 0, reason="duplicate", now=NOW + timedelta(hours=2))
    db.commit()
    view = benefits.benefits_view(db, w.client, w.provider, NOW + timedelta(hours=3))
    assert [(h.subject, h.text) for h in view.history] == [
        ("Make-up credit · Ema", "Make-up credit withdrawn by the provider: duplicate"),
        ("Make-up credit · Ema", "Make-up credit granted by the provider: Pool closed. Book by 10 Apr 2027"),
        ("Open Swim 10", "1 bonus entry added by the provider: Sorry for the cold water"),
        ("Open Swim 10", "Pass added by the provider: 10 entries, valid 1 Mar 2027 – 30 Jun 2027"),
    ]
    assert all(h.when == "10 Mar 2027" for h in view.history)
    shown = " ".join(f"{h.subject} {h.text}" for h in view.history)
    assert "office" not in shown and "owner" not in shown
    assert [m.status for m in view.makeups] == ["withdrawn"]
    assert [(p.name, p.accepts, p.holder) for p in view.passes] == [("Open Swim 10", "Any class", "")]
    assert view.makeups[0].earned_from == "Granted by Otters: Pool closed"
    # another family sees none of it
    other = benefits.benefits_view(
        db, w.client.__class__(w.ben.id, w.provider.id, w.carter.id, 1, w.ben.email, ""), w.provider, NOW
    )
    assert other.history == [] and other.makeups == []


def test_a_create_or_grant_form_sent_twice_adds_one(db, w):
    booking = booking_of_ema(db, w)
    seen = cb.family_benefits(db, w.office, w.novak.id, now=NOW).last_event
    assert seen == 0
    grant = {"book_by": "2027-04-10", "reason": "Pool closed", "seen": seen, "now": NOW}
    cb.grant_credit(db, w.office, booking.id, **grant)
    db.commit()
    with pytest.raises(StaleEdit):
        cb.grant_credit(db, w.office, booking.id, **grant)
    db.rollback()
    seen = cb.family_benefits(db, w.office, w.novak.id, now=NOW).last_event
    assert seen > 0
    form = {
        "name": "P",
        "entries": 2,
        "valid_from": "",
        "valid_until": "2027-04-01",
        "seen": seen,
        "now": NOW,
    }
    cb.create_pass(db, w.office, w.novak.id, **form)
    db.commit()
    for stale in (seen, "1", [], True):
        with pytest.raises(StaleEdit):
            cb.create_pass(db, w.office, w.novak.id, **(form | {"seen": stale}))
        db.rollback()
    assert count(db, MakeupCredit) == 1 and count(db, EntryPass) == 1
