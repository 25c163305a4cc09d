"""services/money/statements.py: import, matching, settling exactly once (also when the statement is uploaded
twice and when two clerks confirm at once), hand assignment, rights."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event
from sqlmodel import Session, func, select

from client_profile.db import get_engine, unit_of_work
from client_profile.models import (
    AuditEntry,
    BankStatement,
    BankStatementLine,
    Charge,
    ChargeStatus,
    Payment,
    PaymentMethod,
    Provider,
    StaffMember,
    StaffRole,
    StatementLineStatus,
    TransferRequest,
    TransferRequestStatus,
)
from client_profile.services.errors import DomainError, FieldErrors, Forbidden, NotFound
from client_profile.services.money import payments
from client_profile.services.money import statements as st
from client_profile.services.people.identity import StaffPrincipal
from tests.payment_helpers import principal
from tests.statement_helpers import a_day, camt053, euros, new_charge, staff_of, unpaid_of

ANNA = "anna@example.com"


def _count(db, model, *where) -> int:
    return db.exec(select(func.count()).select_from(model).where(*where)).one()


def _bank_payments(db, charge_id: int) -> int:
    return _count(db, Payment, Payment.charge_id == charge_id, Payment.method == PaymentMethod.bank_transfer)


def _statement(db, *entries) -> st.ImportResult:
    result = st.import_statement(db, staff_of(db), "november.xml", camt053(*entries))
    db.commit()
    return result


def _outcomes(db, statement_id: int) -> list[str]:
    return [row.outcome for row in st.statement_view(db, staff_of(db), statement_id).rows]


def test_a_matched_transfer_is_shown_then_settled_once_through_the_cli_path(demo):
    charge = unpaid_of(demo)[0]
    result = _statement(
        demo, ("B-1", euros(charge.amount_minor), charge.reference, "CRDT", a_day(), "Anna Novak")
    )
    assert (result.added, result.skipped) == (1, 0)
    view = st.statement_view(demo, staff_of(demo), result.statement_id)
    assert view.matched_count == 1 and view.rows[0].outcome == "matched"
    assert charge.reference in view.rows[0].note and "Novak" in view.rows[0].note
    assert charge.status == ChargeStatus.unpaid  # nothing is paid before the clerk confirms

    done = st.settle_matched(demo, staff_of(demo), result.statement_id)
    demo.commit()
    assert (done.settled, done.refused) == (1, ())
    demo.refresh(charge)
    assert charge.status == ChargeStatus.paid
    assert charge.paid_at is not None and charge.paid_at.date() <= a_day()
    assert _bank_payments(demo, charge.id) == 1
    line = demo.exec(select(BankStatementLine)).one()
    assert (line.status, line.charge_id, line.settled_reference) == (
        StatementLineStatus.settled,
        charge.id,
        charge.reference,
    )
    assert _count(demo, AuditEntry, AuditEntry.action == "settle_statement_line") == 1
    assert _count(demo, AuditEntry, AuditEntry.action == "import_statement") == 1
    row = st.statement_view(demo, staff_of(demo), result.statement_id).rows[0]
    assert row.outcome == "settled" and row.href == f"/admin/charges/{charge.id}"


def test_a_statement_imported_twice_settles_once(demo):
    charge = unpaid_of(demo)[0]
    entry = ("B-1", euros(charge.amount_minor), charge.reference, "CRDT", a_day(), "Anna Novak")
    first = _statement(demo, entry)
    again = _statement(demo, entry)
    assert (again.statement_id, again.added, again.skipped) == (first.statement_id, 0, 1)
    assert _count(demo, BankStatement) == 1 and _count(demo, BankStatementLine) == 1
    st.settle_matched(demo, staff_of(demo), first.statement_id)
    demo.commit()
    # Uploaded once more after settling: still nothing new, and nothing left to settle.
    assert _statement(demo, entry).added == 0
    with pytest.raises(DomainError, match="nothing to settle"):
        st.settle_matched(demo, staff_of(demo), first.statement_id)
    demo.rollback()
    assert _bank_payments(demo, charge.id) == 1
    # A later statement that repeats the line among new ones stores only the new one.
    other = unpaid_of(demo)[0]
    mixed = _statement(demo, entry, ("B-2", euros(other.amount_minor), "1", "CRDT", a_day(), "X"))
    assert (mixed.added, mixed.skipped) == (1, 1) and mixed.statement_id != first.statement_id


def test_each_outcome(demo):
    unpaid = unpaid_of(demo)
    paid = demo.exec(select(Charge).where(Charge.status == ChargeStatus.paid)).first()
    result = _statement(
        demo,
        ("B-1", euros(unpaid[0].amount_minor), unpaid[0].reference, "CRDT", a_day(), "Anna"),
        ("B-2", euros(unpaid[1].amount_minor + 100), unpaid[1].reference, "CRDT", a_day(), "Anna"),
        ("B-3", euros(paid.amount_minor), paid.reference, "CRDT", a_day(), "Ben"),
        ("B-4", "10.00", "999999", "CRDT", a_day(), "Nobody"),
        ("B-5", "10.00", new_charge(demo, 1000, "303000001").reference, "DBIT", a_day(), "Pool"),
    )
    assert _outcomes(demo, result.statement_id) == [
        "matched",
        "amount_differs",
        "already_paid",
        "unknown",
        "outgoing",
    ]
    view = st.statement_view(demo, staff_of(demo), result.statement_id)
    assert "transfer is EUR" in view.rows[1].note
    assert view.rows[4].amount.startswith("-EUR") and not view.rows[4].assignable
    done = st.settle_matched(demo, staff_of(demo), result.statement_id)
    demo.commit()
    assert done.settled == 1
    for charge in [unpaid[1], demo.exec(select(Charge).where(Charge.reference == "303000001")).one()]:
        demo.refresh(charge)
        assert charge.status == ChargeStatus.unpaid  # the amount differs; money going out pays nothing
    assert _outcomes(demo, result.statement_id)[:2] == ["settled", "amount_differs"]


def test_a_combined_payment_request_is_matched_and_pays_every_item(demo):
    charges = unpaid_of(demo)[:2]
    request = payments.transfer_request_for(demo, principal(demo, ANNA), charges)
    demo.commit()
    total = sum(c.amount_minor for c in charges)
    result = _statement(demo, ("B-1", euros(total), request.reference, "CRDT", a_day(), "Anna"))
    assert _outcomes(demo, result.statement_id) == ["matched"]
    st.settle_matched(demo, staff_of(demo), result.statement_id)
    demo.commit()
    demo.refresh(request)
    assert request.status == TransferRequestStatus.paid
    for charge in charges:
        demo.refresh(charge)
        assert charge.status == ChargeStatus.paid and _bank_payments(demo, charge.id) == 1


def test_a_clerk_assigns_an_unmatched_line_by_typing_a_reference(demo):
    charge = unpaid_of(demo)[0]
    result = _statement(
        demo, ("B-1", euros(charge.amount_minor), "", "CRDT", a_day(), "Anna (forgot the VS)")
    )
    line = demo.exec(select(BankStatementLine)).one()
    assert _outcomes(demo, result.statement_id) == ["unknown"]
    with pytest.raises(FieldErrors) as refused:
        st.assign_line(demo, staff_of(demo), line.id, "999999")
    assert "No charge" in refused.value.fields["reference"]
    demo.rollback()
    with pytest.raises(FieldErrors, match="Type the payment reference"):
        st.assign_line(demo, staff_of(demo), line.id, "  ")
    demo.rollback()
    recorded = st.assign_line(demo, staff_of(demo), line.id, f" 0{charge.reference} ")
    demo.commit()
    assert recorded.charge_ids == (charge.id,)
    demo.refresh(charge)
    assert charge.status == ChargeStatus.paid
    with pytest.raises(DomainError, match="settled already"):
        st.assign_line(demo, staff_of(demo), line.id, charge.reference)
    demo.rollback()
    assert _bank_payments(demo, charge.id) == 1


def test_a_wrong_amount_typed_by_hand_pays_nothing(demo):
    charges = unpaid_of(demo)
    _statement(demo, ("B-1", euros(charges[0].amount_minor + 1), "", "CRDT", a_day(), "Anna"))
    line = demo.exec(select(BankStatementLine)).one()
    with pytest.raises(FieldErrors, match="the transfer is"):
        st.assign_line(demo, staff_of(demo), line.id, charges[0].reference)
    demo.rollback()
    demo.refresh(line)
    assert line.status == StatementLineStatus.open and _bank_payments(demo, charges[0].id) == 0


def test_rights_and_ids(demo):
    charge = unpaid_of(demo)[0]
    result = _statement(demo, ("B-1", euros(charge.amount_minor), charge.reference, "CRDT", a_day(), "Anna"))
    line = demo.exec(select(BankStatementLine)).one()
    martina = staff_of(demo, "martina@example.com")  # an instructor
    for call in (
        lambda: st.import_statement(demo, martina, "x.xml", camt053()),
        lambda: st.list_statements(demo, martina),
        lambda: st.statement_view(demo, martina, result.statement_id),
        lambda: st.settle_matched(demo, martina, result.statement_id),
        lambda: st.assign_line(demo, martina, line.id, charge.reference),
    ):
        with pytest.raises(Forbidden):
            call()
    for junk in (0, -1, 2**63, "1", None, 1.5, True):
        with pytest.raises(NotFound):
            st.statement_view(demo, staff_of(demo), junk)
        with pytest.raises(NotFound):
            st.assign_line(demo, staff_of(demo), junk, charge.reference)
    for who in (None, principal(demo, ANNA)):
        with pytest.raises(NotFound):
            st.list_statements(demo, who)
    # Another provider's owner sees none of it.
    other = Provider(slug="other", name="Other", timezone="Europe/Bratislava", currency="EUR")
    demo.add(other)
    demo.flush()
    member = StaffMember(
        provider_id=other.id, email="boss@other.example", full_name="Boss", role=StaffRole.owner
    )
    demo.add(member)
    demo.flush()
    stranger = StaffPrincipal(member.id, other.id, 0, member.email, "Boss", "owner")
    assert st.list_statements(demo, stranger) == []
    with pytest.raises(NotFound):
        st.statement_view(demo, stranger, result.statement_id)
    with pytest.raises(NotFound):
        st.settle_matched(demo, stranger, result.statement_id)
    with pytest.raises(NotFound):
        st.assign_line(demo, stranger, line.id, charge.reference)
    demo.rollback()
    assert _bank_payments(demo, charge.id) == 0


def test_an_unreadable_file_stores_nothing(demo):
    with pytest.raises(st.StatementRefused, match="not well-formed"):
        st.import_statement(demo, staff_of(demo), "x.xml", b"<Document>")
    with pytest.raises(st.StatementRefused, match="larger than 2 MB"):
        st.import_statement(demo, staff_of(demo), "x.csv", b"x" * (st.MAX_BYTES + 1))
    demo.rollback()
    assert _count(demo, BankStatement) == 0 and _count(demo, AuditEntry) == 0


def _together(n: int, work) -> list:
    """`work()` in n threads released at once; what each returned or raised."""
    barrier, results = threading.Barrier(n), [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work()
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_two_clerks_confirming_at_once_settle_each_line_once(demo):
    charges = [new_charge(demo, 1000 + i, f"30300000{i}") for i in range(1, 4)]
    result = _statement(
        demo,
        *[
            (f"B-{i}", euros(c.amount_minor), c.reference, "CRDT", a_day(), "Anna")
            for i, c in enumerate(charges)
        ],
    )
    clerk = staff_of(demo)

    def confirm():
        with unit_of_work(immediate=True) as db:
            return st.settle_matched(db, clerk, result.statement_id)

    outcomes = _together(4, confirm)
    settled = [o.settled for o in outcomes if isinstance(o, st.SettleResult)]
    assert sum(settled) == 3, outcomes
    assert all(isinstance(o, st.SettleResult) or "nothing to settle" in str(o) for o in outcomes), outcomes
    with Session(get_engine()) as db:
        for charge in charges:
            assert _bank_payments(db, charge.id) == 1
            assert db.get(Charge, charge.id).status == ChargeStatus.paid
        assert _count(db, AuditEntry, AuditEntry.action == "settle_statement_line") == 3
        assert _count(db, BankStatementLine, BankStatementLine.status == StatementLineStatus.settled) == 3


def test_the_same_file_uploaded_twice_at_once_is_stored_once(demo):
    charge = unpaid_of(demo)[0]
    data = camt053(("B-1", euros(charge.amount_minor), charge.reference, "CRDT", a_day(), "Anna"))
    clerk = staff_of(demo)

    def upload():
        for attempt in range(3):  # as the upload route does: a unique-key race is retried
            try:
                with unit_of_work(immediate=True) as db:
                    return st.import_statement(db, clerk, "same.xml", data)
            except Exception:
                if attempt == 2:
                    raise
        return None

    results = _together(3, upload)
    assert all(isinstance(r, st.ImportResult) for r in results), results
    assert sorted(r.added for r in results) == [0, 0, 1]
    with Session(get_engine()) as db:
        assert _count(db, BankStatementLine) == 1 and _count(db, BankStatement) == 1


def test_a_request_paid_meanwhile_is_not_settled_again(demo):
    charges = unpaid_of(demo)[:2]
    request = payments.transfer_request_for(demo, principal(demo, ANNA), charges)
    demo.commit()
    total = sum(c.amount_minor for c in charges)
    result = _statement(demo, ("B-1", euros(total), request.reference, "CRDT", a_day(), "Anna"))
    payments.record_bank_transfer(demo, request.reference, total)  # the CLI, in between
    demo.commit()
    assert _outcomes(demo, result.statement_id) == ["already_paid"]
    with pytest.raises(DomainError, match="nothing to settle"):
        st.settle_matched(demo, staff_of(demo), result.statement_id)
    demo.rollback()
    assert _count(demo, TransferRequest, TransferRequest.status == TransferRequestStatus.paid) == 1
    assert all(_bank_payments(demo, c.id) == 1 for c in charges)


def _queries(db, work) -> int:
    seen = []

    def count(*_args) -> None:
        seen.append(1)

    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_the_statement_page_costs_the_same_queries_for_3_or_30_lines(demo):
    unpaid = unpaid_of(demo)

    def statement(n: int, tag: str) -> int:
        entries = [
            (
                f"{tag}-{i}",
                euros(unpaid[i % 2].amount_minor + i % 3),
                unpaid[i % 2].reference,
                "CRDT",
                a_day(),
                "A",
            )
            for i in range(n)
        ]
        return _statement(demo, *entries).statement_id

    small, large = statement(3, "S"), statement(30, "L")
    demo.rollback()
    clerk = staff_of(demo)
    assert _queries(demo, lambda: st.statement_view(demo, clerk, small)) == _queries(
        demo, lambda: st.statement_view(demo, clerk, large)
    )


def test_the_file_name_is_kept_without_folders(demo):
    charge = unpaid_of(demo)[0]
    data = camt053(("B-1", euros(charge.amount_minor), charge.reference, "CRDT", a_day(), "Anna"))
    result = st.import_statement(demo, staff_of(demo), "C:\\Users\\office\\Nov\x00ember  2026.xml", data)
    assert demo.get(BankStatement, result.statement_id).file_name == "November 2026.xml"
