"""Bank statements in the console: import a camt.053 or CSV file, match its incoming transfers to payment
references (a charge's, or a combined transfer request's), and settle the matched ones exactly once.

Rules (docs/domain.md "Bank statements"):
- Only staff with the money right (services/people/access.py); every id is checked against their provider.
- A line is stored once per provider (its dedupe key: the bank's transaction id or a hash of the line), so the
  same statement uploaded twice stores nothing new and settles nothing twice.
- What a line matches is worked out when it is shown and again when it is settled (a charge may have been paid
  another way in between): matched (reference found, unpaid, the exact amount and currency), amount differs,
  already paid, unknown reference; money going out is listed and never settled.
- Settling a line: in one unit of work (a savepoint per line when several are settled at once) the line turns
  open -> settled with one conditional UPDATE, then `payments.record_bank_transfer` (the CLI's `paid` command)
  pays what the reference names, and an audit row is written. Of two clerks confirming at once, one settles
  each line; the other's UPDATE finds it settled and skips it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, select

from client_profile import formatting as fmt
from client_profile.clock import today as clock_today
from client_profile.integrations.bank_statements import (
    ParsedStatement,
    StatementError,
    normalise_reference,
    parse_statement,
)
from client_profile.models import (
    BankStatement,
    BankStatementLine,
    Charge,
    ChargeStatus,
    Family,
    Provider,
    StaffMember,
    StatementFormat,
    StatementLineStatus,
    TransferRequest,
    TransferRequestItem,
    TransferRequestStatus,
    utcnow,
)
from client_profile.models.base import as_utc
from client_profile.services.errors import DomainError, InvalidField
from client_profile.services.money import payments
from client_profile.services.people import audit
from client_profile.services.people.access import (
    Capability,
    get_money_statement,
    get_money_statement_line,
    require_staff,
)
from client_profile.services.people.identity import StaffPrincipal

UPLOAD_PATH = "/admin/money/statements/upload"  # the upload route (api/admin/statements.py)
MAX_BYTES = 2 * 1024 * 1024  # the largest statement file accepted (the upload route checks it before reading)
LIST_SIZE = 50


class StatementRefused(DomainError):
    """The uploaded file cannot be read as a statement (the message says why)."""


# ------------------------------------------------------------------------------------------------- import


@dataclass(frozen=True)
class ImportResult:
    statement_id: int  # the new statement, or (nothing new) the one that already holds the file's first line
    added: int
    skipped: int


def read_file(data: bytes, file_name: str = "") -> ParsedStatement:
    """The parsed statement, or StatementRefused (too large, empty, not camt.053 or CSV, a bad row)."""
    if len(data) > MAX_BYTES:
        raise StatementRefused(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    try:
        return parse_statement(data, file_name)
    except StatementError as exc:
        raise StatementRefused(str(exc)) from exc


def import_statement(
    db: Session, principal: StaffPrincipal, file_name: str, data: bytes, now: datetime | None = None
) -> ImportResult:
    """Store the file's lines that this provider does not hold yet, as one new statement. A file whose every
    line is stored already adds nothing (no statement either): the result names the statement holding it."""
    principal = require_staff(principal, Capability.money)
    parsed = read_file(data, file_name)
    now = now or utcnow()
    keys = [line.dedupe_key for line in parsed.lines]
    existing: dict[str, int] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        existing.update(
            db.exec(
                select(BankStatementLine.dedupe_key, BankStatementLine.statement_id).where(
                    BankStatementLine.provider_id == principal.provider_id,
                    BankStatementLine.dedupe_key.in_(chunk),
                )
            ).all()
        )
    new = [line for line in parsed.lines if line.dedupe_key not in existing]
    if not new:
        return ImportResult(existing[keys[0]], 0, len(keys))
    statement = BankStatement(
        provider_id=principal.provider_id,
        file_name=_base_name(file_name),
        format=StatementFormat(parsed.format),
        account=parsed.account,
        uploaded_by_id=principal.staff_id,
        uploaded_at=now,
        line_count=len(new),
        skipped_count=len(keys) - len(new),
    )
    db.add(statement)
    db.flush()
    position = {line.dedupe_key: i for i, line in enumerate(parsed.lines, start=1)}
    db.add_all(
        [
            BankStatementLine(
                provider_id=principal.provider_id,
                statement_id=statement.id,
                position=position[line.dedupe_key],
                dedupe_key=line.dedupe_key,
                booked_on=line.booked_on,
                amount_minor=line.amount_minor,
                currency=line.currency,
                reference=line.reference,
                counterparty=line.counterparty,
                counterparty_account=line.counterparty_account,
                message=line.message,
                bank_id=line.bank_id,
                status=StatementLineStatus.open if line.incoming else StatementLineStatus.outgoing,
            )
            for line in new
        ]
    )
    db.flush()
    audit.record(
        db,
        principal,
        action="import_statement",
        entity="bank_statement",
        entity_id=statement.id,
        summary=f"Bank statement {statement.file_name or statement.id} imported: {len(new)} new lines"
        + (f", {statement.skipped_count} imported before" if statement.skipped_count else ""),
        after={"format": parsed.format, "lines": len(new), "skipped": statement.skipped_count},
        now=now,
    )
    return ImportResult(statement.id, len(new), statement.skipped_count)


def _base_name(file_name: object) -> str:
    """The file's own name as the browser sent it, without any folder, on one line."""
    name = str(file_name or "").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in " ".join(name.split()) if ch.isprintable())[:200]


# ------------------------------------------------------------------------------------------------ matching

MATCHED, AMOUNT_DIFFERS, ALREADY_PAID, UNKNOWN, OUTGOING, SETTLED = (
    "matched",
    "amount_differs",
    "already_paid",
    "unknown",
    "outgoing",
    "settled",
)
OUTCOME_LABELS = {
    MATCHED: "Matched",
    AMOUNT_DIFFERS: "Amount differs",
    ALREADY_PAID: "Already paid",
    UNKNOWN: "Unknown reference",
    OUTGOING: "Outgoing",
    SETTLED: "Settled",
}


@dataclass(frozen=True)
class Match:
    outcome: str
    note: str
    charge_ids: tuple[int, ...] = ()
    family_id: int = 0


def _href(found: Match) -> str:
    """Where a line's row links: the console page of the one charge it pays, or its family's page when it pays a
    combined request of several charges."""
    if len(found.charge_ids) == 1:
        return f"/admin/charges/{found.charge_ids[0]}"
    return f"/admin/families/{found.family_id}" if found.family_id else ""


@dataclass
class _Known:
    """What a set of references names, for one provider, fetched in a constant number of queries."""

    requests: dict[str, TransferRequest]
    request_charges: dict[int, list[Charge]]
    charges: dict[str, Charge]
    by_id: dict[int, Charge]
    families: dict[int, str]


def _known(db: Session, provider_id: int, references: set[str], charge_ids: set[int] = frozenset()) -> _Known:
    references = {r for r in references if r}
    requests, request_charges, charges, by_id = {}, {}, {}, {}
    if references:
        requests = {
            r.reference: r
            for r in db.exec(
                select(TransferRequest).where(
                    TransferRequest.provider_id == provider_id, TransferRequest.reference.in_(references)
                )
            ).all()
        }
        charges = {
            c.reference: c
            for c in db.exec(
                select(Charge).where(Charge.provider_id == provider_id, Charge.reference.in_(references))
            ).all()
        }
    if requests:
        for request_id, charge in db.exec(
            select(TransferRequestItem.request_id, Charge)
            .join(Charge, Charge.id == TransferRequestItem.charge_id)
            .where(TransferRequestItem.request_id.in_([r.id for r in requests.values()]))
            .order_by(Charge.id)
        ).all():
            request_charges.setdefault(request_id, []).append(charge)
    if charge_ids:
        by_id = {
            c.id: c
            for c in db.exec(
                select(Charge).where(Charge.provider_id == provider_id, Charge.id.in_(charge_ids))
            )
        }
    family_ids = {c.family_id for c in [*charges.values(), *by_id.values()]}
    family_ids |= {c.family_id for group in request_charges.values() for c in group}
    families = (
        dict(db.exec(select(Family.id, Family.name).where(Family.id.in_(family_ids))).all())
        if family_ids
        else {}
    )
    return _Known(requests, request_charges, charges, by_id, families)


def _judge(known: _Known, reference: str, amount_minor: int, currency: str) -> Match:
    reference = normalise_reference(reference)
    if not reference:
        return Match(UNKNOWN, "The transfer carries no payment reference.")
    request = known.requests.get(reference)
    if request is not None:
        charges = known.request_charges.get(request.id, [])
        label = f"the combined payment request {reference} ({len(charges)} items)"
        if request.status == TransferRequestStatus.paid:
            return Match(
                ALREADY_PAID,
                f"The combined payment request {reference} is paid already.",
                (),
                request.family_id,
            )
    else:
        charge = known.charges.get(reference)
        if charge is None:
            return Match(UNKNOWN, f"No charge or payment request has the reference {reference}.")
        charges, label = [charge], f"{charge.description} ({reference})"
    if not charges:
        return Match(UNKNOWN, f"The payment request {reference} has no items.")
    family_id, ids = charges[0].family_id, tuple(c.id for c in charges)
    if any(c.status == ChargeStatus.paid for c in charges):
        return Match(ALREADY_PAID, f"{label} is paid already.", ids, family_id)
    if any(c.status != ChargeStatus.unpaid for c in charges):
        return Match(ALREADY_PAID, f"{label} is cancelled.", ids, family_id)
    total, due_currency = sum(c.amount_minor for c in charges), charges[0].currency
    if due_currency != currency or total != amount_minor:
        return Match(
            AMOUNT_DIFFERS,
            f"{label} is {fmt.money(total, due_currency)}; the transfer is {fmt.money(amount_minor, currency)}.",
            ids,
            family_id,
        )
    family = known.families.get(family_id)
    return Match(MATCHED, f"Pays {label}" + (f" · {family}." if family else "."), ids, family_id)


def match_reference(db: Session, provider_id: int, reference: str, amount_minor: int, currency: str) -> Match:
    """What a transfer of `amount_minor` with this reference would pay, for one provider: a combined transfer
    request first (its reference names several charges), then a charge."""
    reference = normalise_reference(reference)
    return _judge(_known(db, provider_id, {reference}), reference, amount_minor, currency)


def _line_matches(db: Session, provider_id: int, lines: list[BankStatementLine]) -> dict[int, Match]:
    """Each line's outcome, in a constant number of queries whatever the statement's length."""
    known = _known(
        db,
        provider_id,
        {normalise_reference(x.reference) for x in lines if x.status == StatementLineStatus.open},
        {x.charge_id for x in lines if x.status == StatementLineStatus.settled and x.charge_id},
    )
    found = {}
    for line in lines:
        if line.status == StatementLineStatus.outgoing:
            found[line.id] = Match(OUTGOING, "Money going out: listed, not a payment.")
        elif line.status == StatementLineStatus.settled:
            charge = known.by_id.get(line.charge_id)
            what = f"{charge.description} ({line.settled_reference})" if charge else line.settled_reference
            found[line.id] = Match(
                SETTLED,
                f"Settled: paid {what}.",
                (charge.id,) if charge else (),
                charge.family_id if charge else 0,
            )
        else:
            found[line.id] = _judge(known, line.reference, line.amount_minor, line.currency)
    return found


# ------------------------------------------------------------------------------------------------- views


@dataclass(frozen=True, slots=True)
class StatementRow:
    id: int
    uploaded: str
    file_name: str
    kind: str  # "camt.053" or "CSV"
    account: str
    lines: int
    settled: int
    uploaded_by: str
    href: str


@dataclass(frozen=True, slots=True)
class LineRow:
    id: int
    position: int
    day: str
    amount: str
    incoming: bool
    counterparty: str
    counterparty_account: str
    message: str
    reference: str
    outcome: str  # MATCHED, AMOUNT_DIFFERS, ...
    outcome_label: str
    note: str
    href: str  # the charge it matched or paid (its family, for a combined request; "" when none)
    href_label: str  # what that link says
    assignable: bool  # open and incoming: a reference may be typed for it


@dataclass(frozen=True)
class StatementView:
    id: int = 0
    title: str = ""
    uploaded: str = ""
    summary: str = ""
    matched_count: int = 0
    matched_total: str = ""
    rows: tuple[LineRow, ...] = ()


def _kind(fmt_value: StatementFormat | str) -> str:
    return "camt.053" if str(getattr(fmt_value, "value", fmt_value)) == "camt053" else "CSV"


def _at(provider: Provider | None, instant: datetime) -> str:
    tz = provider.timezone if provider is not None else "UTC"
    local = fmt.local(as_utc(instant), tz)
    return f"{fmt.day_label(local.date())} {local:%H:%M}"


def list_statements(db: Session, principal: StaffPrincipal) -> list[StatementRow]:
    """The provider's newest statements, with how many of their lines are settled."""
    principal = require_staff(principal, Capability.money)
    provider = db.get(Provider, principal.provider_id)
    settled = (
        select(BankStatementLine.statement_id, func.count().label("n"))
        .where(
            BankStatementLine.provider_id == principal.provider_id,
            BankStatementLine.status == StatementLineStatus.settled,
        )
        .group_by(BankStatementLine.statement_id)
        .subquery()
    )
    rows = db.exec(
        select(BankStatement, settled.c.n, StaffMember.full_name, StaffMember.email)
        .join(settled, settled.c.statement_id == BankStatement.id, isouter=True)
        .join(StaffMember, StaffMember.id == BankStatement.uploaded_by_id, isouter=True)
        .where(BankStatement.provider_id == principal.provider_id)
        .order_by(BankStatement.id.desc())
        .limit(LIST_SIZE)
    ).all()
    return [
        StatementRow(
            id=s.id,
            uploaded=_at(provider, s.uploaded_at),
            file_name=s.file_name or f"Statement {s.id}",
            kind=_kind(s.format),
            account=s.account,
            lines=s.line_count,
            settled=n or 0,
            uploaded_by=name or email or "",
            href=f"/admin/money/statements/{s.id}",
        )
        for s, n, name, email in rows
    ]


def statement_view(db: Session, principal: StaffPrincipal, statement_id: object) -> StatementView:
    statement = get_money_statement(db, principal, statement_id)
    provider = db.get(Provider, principal.provider_id)
    lines = db.exec(
        select(BankStatementLine)
        .where(BankStatementLine.statement_id == statement.id)
        .order_by(BankStatementLine.position, BankStatementLine.id)
    ).all()
    rows, matched, matched_total, currencies = [], 0, 0, set()
    counts: dict[str, int] = {}
    outcomes = _line_matches(db, principal.provider_id, list(lines))
    for line in lines:
        found = outcomes[line.id]
        counts[found.outcome] = counts.get(found.outcome, 0) + 1
        if found.outcome == MATCHED:
            matched += 1
            matched_total += line.amount_minor
            currencies.add(line.currency)
        rows.append(
            LineRow(
                id=line.id,
                position=line.position,
                day=fmt.day_label(line.booked_on),
                amount=fmt.money(
                    line.amount_minor if line.status != StatementLineStatus.outgoing else -line.amount_minor,
                    line.currency,
                ),
                incoming=line.status != StatementLineStatus.outgoing,
                counterparty=line.counterparty,
                counterparty_account=line.counterparty_account,
                message=line.message,
                reference=line.reference,
                outcome=found.outcome,
                outcome_label=OUTCOME_LABELS[found.outcome],
                note=found.note,
                href=_href(found),
                href_label="Open the charge" if len(found.charge_ids) == 1 else "Open the family",
                assignable=line.status == StatementLineStatus.open,
            )
        )
    summary = ", ".join(f"{counts[k]} {OUTCOME_LABELS[k].lower()}" for k in OUTCOME_LABELS if counts.get(k))
    if statement.skipped_count:
        summary += f"; {statement.skipped_count} lines of the file were imported before"
    total = fmt.money(matched_total, currencies.pop()) if len(currencies) == 1 else ""
    return StatementView(
        id=statement.id,
        title=statement.file_name or f"Statement {statement.id}",
        uploaded=f"{_kind(statement.format)}, uploaded {_at(provider, statement.uploaded_at)}"
        + (f" · account {statement.account}" if statement.account else ""),
        summary=summary,
        matched_count=matched,
        matched_total=total,
        rows=tuple(rows),
    )


# ------------------------------------------------------------------------------------------------ settling


@dataclass(frozen=True)
class SettleResult:
    settled: int
    refused: tuple[str, ...] = ()


def _claim(
    db: Session, line: BankStatementLine, reference: str, principal: StaffPrincipal, now: datetime
) -> bool:
    """open -> settled, once: of two concurrent settlements of the same line exactly one gets True."""
    return bool(
        db.execute(
            update(BankStatementLine)
            .where(BankStatementLine.id == line.id, BankStatementLine.status == StatementLineStatus.open)
            .values(
                status=StatementLineStatus.settled,
                settled_reference=reference,
                settled_by_id=principal.staff_id,
                settled_at=now,
            )
        ).rowcount
    )


def _settle_claimed(
    db: Session, principal: StaffPrincipal, line: BankStatementLine, reference: str, now: datetime
) -> payments.BankTransferRecorded:
    """The claimed line pays what `reference` names (checked again now), through the CLI's own path."""
    found = match_reference(db, principal.provider_id, reference, line.amount_minor, line.currency)
    if found.outcome != MATCHED:
        raise InvalidField("reference", found.note)
    provider = db.get(Provider, principal.provider_id)
    received_on = line.booked_on if line.booked_on <= clock_today(provider.timezone) else None
    recorded = payments.record_bank_transfer(
        db, normalise_reference(reference), line.amount_minor, received_on=received_on, now=now
    )
    # record_bank_transfer looks the reference up for the operator's CLI; it must have paid what this
    # provider's reference names, or nothing at all (the caller's transaction rolls back).
    if set(recorded.charge_ids) != set(found.charge_ids):
        raise DomainError("The reference names another record; nothing was recorded.")
    db.execute(
        update(BankStatementLine).where(BankStatementLine.id == line.id).values(charge_id=recorded.charge_id)
    )
    audit.record(
        db,
        principal,
        action="settle_statement_line",
        entity="bank_statement_line",
        entity_id=line.id,
        summary=f"Bank transfer of {recorded.amount} settled {recorded.description} ({recorded.reference})",
        after={
            "reference": recorded.reference,
            "charges": list(recorded.charge_ids),
            "statement": line.statement_id,
        },
        family_id=recorded.family_id,
        now=now,
    )
    return recorded


def settle_matched(
    db: Session, principal: StaffPrincipal, statement_id: object, now: datetime | None = None
) -> SettleResult:
    """Settle every line of the statement that matches now. Each line in its own savepoint: a line that
    cannot be settled any more (paid another way meanwhile) stays open and is named in `refused`; a line
    another clerk settled meanwhile is skipped."""
    statement = get_money_statement(db, principal, statement_id)
    now = now or utcnow()
    lines = db.exec(
        select(BankStatementLine)
        .where(
            BankStatementLine.statement_id == statement.id,
            BankStatementLine.status == StatementLineStatus.open,
        )
        .order_by(BankStatementLine.id)
    ).all()
    settled, refused = 0, []
    outcomes = _line_matches(
        db, principal.provider_id, list(lines)
    )  # checked again per line, after its claim
    for line in lines:
        if outcomes[line.id].outcome != MATCHED:
            continue
        try:
            with db.begin_nested():
                if not _claim(db, line, line.reference, principal, now):
                    continue  # settled by someone else meanwhile
                _settle_claimed(db, principal, line, line.reference, now)
            settled += 1
        except DomainError as exc:
            refused.append(f"Line {line.position}: {exc}")
    if not settled and not refused:
        raise DomainError("There is nothing to settle: no line matches an unpaid charge now.")
    return SettleResult(settled, tuple(refused))


def assign_line(
    db: Session, principal: StaffPrincipal, line_id: object, reference: object, now: datetime | None = None
) -> payments.BankTransferRecorded:
    """Settle one open line against the reference a clerk typed (a charge's or a combined request's)."""
    line = get_money_statement_line(db, principal, line_id)
    typed = normalise_reference(str(reference)[:40]) if isinstance(reference, str | int) else ""
    if not typed or isinstance(reference, bool):
        raise InvalidField("reference", "Type the payment reference of an unpaid charge.")
    if line.status == StatementLineStatus.outgoing:
        raise DomainError("Money going out cannot pay a charge.")
    now = now or utcnow()
    if not _claim(db, line, typed, principal, now):
        raise DomainError("This line is settled already.")
    return _settle_claimed(db, principal, line, typed, now)
