"""The REST API's writes: only compositions of the console's services (no rule of their own). A write key acts
as ``ApiCaller.staff_principal()`` (the office role), so every check, audit row and data-version bump is the
console's. The caller (the route) runs each in one unit of work: a refusal rolls all of it back.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from client_profile.models import ApiIdempotency, Attendance, Attendee, Booking, Client, Family
from client_profile.services.errors import FieldErrors, Forbidden, InvalidField
from client_profile.services.integrations.api_keys import ApiCaller
from client_profile.services.people import families
from client_profile.services.schedule import enrolment, register


def _writer(caller: ApiCaller):
    if not caller.may_write:
        raise Forbidden("write with a read-only key")
    return caller.staff_principal()


def create_family(
    db: Session,
    caller: ApiCaller,
    *,
    name: object,
    email: object = "",
    full_name: object = "",
    phone: object = "",
    attendees: list[dict] | None = None,
) -> tuple[Family, list[Client], list[Attendee]]:
    """A family, its first client (when ``email`` is given) and its attendees, in one go. A refused attendee
    names its field as ``attendees[<n>].<field>``."""
    principal = _writer(caller)
    family = families.create_family(db, principal, name, email=email, full_name=full_name, phone=phone)
    made: list[Attendee] = []
    for n, child in enumerate(attendees or []):
        try:
            made.append(
                families.add_attendee(
                    db,
                    principal,
                    family.id,
                    first_name=child.get("first_name"),
                    last_name=child.get("last_name", ""),
                    birth_date=child.get("birth_date"),
                )
            )
        except FieldErrors as exc:
            raise FieldErrors({f"attendees[{n}].{k}": v for k, v in exc.fields.items()}) from None
    db.flush()
    clients = list(db.exec(select(Client).where(Client.family_id == family.id).order_by(Client.id)).all())
    return family, clients, made


def enrol(
    db: Session, caller: ApiCaller, attendee_id: object, class_id: object, from_date: object
) -> Booking:
    """The console's enrolment (services.schedule.enrolment.enrol): booking, attendances and term fee."""
    return enrolment.enrol(db, _writer(caller), attendee_id, class_id, from_date)


def mark_attendance(
    db: Session, caller: ApiCaller, session_id: object, attendee_id: object, state: object
) -> tuple[Attendance, bool]:
    """The register's mark (services.schedule.register.mark, with its edit window); returns the attendance row
    and whether it changed (marking the state it has changes nothing)."""
    done = register.mark(db, _writer(caller), session_id, attendee_id, state)
    row = db.get(Attendance, done.change.attendance_id)
    db.refresh(row)
    return row, done.change.changed


# ------------------------------------------------------------------------------------------------ idempotency

MAX_IDEMPOTENCY_KEY = 100


@dataclass(frozen=True, slots=True)
class Replay:
    status_code: int
    body: dict


def _idempotency_key(key: object) -> str:
    if not isinstance(key, str) or not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY or not key.isprintable():
        raise InvalidField(
            "Idempotency-Key", f"An Idempotency-Key is 1 to {MAX_IDEMPOTENCY_KEY} printable characters."
        )
    return key


def replay(db: Session, caller: ApiCaller, key: object, request_hash: str) -> Replay | None:
    """The stored answer of an earlier write with this key by this API key; None for a new key. The same key for
    another request (method, path or body) is refused."""
    _writer(caller)
    clean = _idempotency_key(key)
    row = db.exec(
        select(ApiIdempotency).where(ApiIdempotency.api_key_id == caller.key_id, ApiIdempotency.key == clean)
    ).first()
    if row is None:
        return None
    if row.request_hash != request_hash:
        raise InvalidField("Idempotency-Key", "This Idempotency-Key was used for another request.")
    return Replay(row.status_code, row.response)


def remember(
    db: Session, caller: ApiCaller, key: str, request_hash: str, status_code: int, body: dict
) -> None:
    """Store the answer in the write's own transaction (a second writer of the same key fails on the unique key
    and is answered from the first one's row)."""
    db.add(
        ApiIdempotency(
            api_key_id=caller.key_id,
            key=key,
            request_hash=request_hash,
            status_code=status_code,
            response=body,
        )
    )
    db.flush()
