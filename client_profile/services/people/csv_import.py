"""CSV import of families, clients, attendees and enrolments (docs/decisions.md "CSV import").

One row per attendee, with its family's first client (matched by e-mail), an optional second guardian and an
optional enrolment. Three steps, one code path:

- ``parse``: bytes -> rows (UTF-8 with or without BOM, comma or semicolon, a header naming the columns; caps on
  size and rows). A broken file is one error and no rows.
- ``plan_import`` (the dry run): every row is carried out by the families and enrolment services themselves, inside
  a savepoint that is rolled back at the end, so the dry run applies exactly the validation and rules the console
  applies (e-mail taken, a full class, a start day the register can no longer take, a row that depends on an
  earlier row of the file), and the database is left untouched. Each row runs in its own nested savepoint, so a
  broken row is reported (every error with its row and column) and the next row starts clean.
- ``apply_import``: the same run, kept only when no row has an error (all or nothing) and, when the caller names
  the dry run it showed (``expected``, its fingerprint), only when the plan is still that one. One audit row for the
  import, next to the rows the services write.

Matching, so re-importing a file changes nothing: a family by its client's e-mail (the family name must agree), a
second guardian by e-mail within that family, an attendee by first name, last name and birth date within the
family (case and spacing ignored), an enrolment by an active booking of the attendee in the class on the start
day. The import creates; it never edits or ends anything that exists.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, select

from client_profile import formatting as fmt
from client_profile.models import (
    Attendee,
    Booking,
    ClassGroup,
    Client,
    Family,
    ImportUpload,
    Programme,
    Provider,
    utcnow,
)
from client_profile.models.base import as_utc
from client_profile.services.errors import DomainError, FieldErrors, NotFound
from client_profile.services.people import audit, families
from client_profile.services.people.access import (
    Capability,
    provider_classes_clause,
    require_staff,
    staff_may,
)
from client_profile.services.people.identity import StaffPrincipal, normalize_email
from client_profile.services.providers import current_provider
from client_profile.services.schedule import enrolment

MAX_BYTES = 1_000_000
MAX_ROWS = 5000
UPLOAD_MINUTES = 60  # how long an uploaded file waits for "Import"
MAX_FILENAME = 200

# The columns, in the template's order. Required columns must be in the header; the others may be left out.
COLUMNS = (
    "family_name",
    "client_email",
    "client_name",
    "phone",
    "guardian2_email",
    "guardian2_name",
    "attendee_first_name",
    "attendee_last_name",
    "birth_date",
    "class",
    "start_date",
)
REQUIRED = ("family_name", "client_email", "attendee_first_name", "attendee_last_name", "birth_date")

# What each service's field is called in the file.
_FAMILY_COLUMNS = {
    "name": "family_name",
    "email": "client_email",
    "full_name": "client_name",
    "phone": "phone",
}
_GUARDIAN_COLUMNS = {"email": "guardian2_email", "full_name": "guardian2_name", "phone": "phone"}
_ATTENDEE_COLUMNS = {
    "first_name": "attendee_first_name",
    "last_name": "attendee_last_name",
    "birth_date": "birth_date",
}
_ENROL_COLUMNS = {"from_date": "start_date", "class_id": "class"}

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DOTTED_DAY = re.compile(r"^(\d{1,2})\.\s*(\d{1,2})\.\s*(\d{4})$")  # 1.5.2019, 01.05.2019, 1. 5. 2019
_FORMULA_START = ("=", "+", "-", "@")
_OPERATOR = "operator (client-profile import)"


class ImportRefused(DomainError):
    """An import was not applied: the file has errors, or the data changed since the dry run. ``plan`` is the
    new plan, to show."""

    def __init__(self, message: str, plan: ImportPlan) -> None:
        super().__init__(message)
        self.plan = plan


# ------------------------------------------------------------------------------------------------ views


@dataclass(frozen=True)
class CellError:
    row: int  # the spreadsheet's row number (the header is row 1); 0: the file as a whole
    column: str  # the header's name of the column, "" for the row or the file
    message: str


@dataclass(frozen=True)
class RowOutcome:
    row: int
    family: str
    attendee: str
    status: str  # "new" (something is created), "unchanged", "error"
    outcome: str  # "New family, new attendee, enrolled in Swimming / Beginners from 2027-03-16"
    problems: tuple[str, ...]  # "birth_date: Enter the date as ..." (each error of the row)


@dataclass(frozen=True)
class ImportPlan:
    rows: list[RowOutcome]
    errors: list[CellError]
    families: int = 0  # created
    clients: int = 0
    attendees: int = 0
    enrolments: int = 0
    unchanged: int = 0  # rows that change nothing
    fingerprint: str = ""  # the plan's identity: what "Import" must still find at apply time
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changes(self) -> int:
        return self.families + self.clients + self.attendees + self.enrolments

    def summary(self) -> str:
        guardians = self.clients - self.families  # clients beyond each new family's first
        return (
            f"{len(self.rows)} rows: {self.families} new families, {self.attendees} new attendees, "
            f"{self.enrolments} new enrolments, {guardians} new second guardians, {self.unchanged} unchanged, "
            f"{len(self.errors)} errors"
        )


@dataclass
class _Row:
    number: int
    cells: dict[str, str]
    problem: str = ""  # what is wrong with the row as a whole (more cells than the header)

    def get(self, column: str) -> str:
        return self.cells.get(column, "")


@dataclass
class _Run:
    """What one pass over the rows found so far."""

    principal: StaffPrincipal
    now: datetime
    classes: dict[int, tuple[ClassGroup, Programme]]
    class_names: dict[str, list[int]]
    outcomes: list[RowOutcome] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    families: int = 0
    clients: int = 0
    attendees: int = 0
    enrolments: int = 0
    family_rows: dict[int, int] = field(default_factory=dict)  # family id created -> the row that created it


# ------------------------------------------------------------------------------------------------ parsing


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _unescape(cell: str) -> str:
    """A cell as data: trimmed, and the apostrophe the template puts before = + - @ (so no spreadsheet runs it as a
    formula) taken off again."""
    text = cell.strip()
    if len(text) > 1 and text[0] == "'" and text[1] in _FORMULA_START:
        return text[1:]
    return text


def escape_cell(value: str) -> str:
    """A value written into a CSV for spreadsheets: data, never a formula (a leading = + - @ gets an apostrophe)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _header_name(cell: str) -> str:
    return re.sub(r"[\s\-]+", "_", cell.strip().lower())


def parse(data: bytes | str) -> tuple[list[_Row], list[CellError]]:
    """The file's data rows (blank lines skipped), or no rows and the one error that makes the file unusable."""

    def refuse(message: str) -> tuple[list[_Row], list[CellError]]:
        return [], [CellError(0, "", message)]

    if isinstance(data, str):
        data = data.encode("utf-8")
    if not isinstance(data, bytes | bytearray):
        return refuse("Choose a CSV file to import.")
    if len(data) > MAX_BYTES:
        return refuse(f"The file is too large: at most {MAX_BYTES // 1_000_000} MB ({MAX_ROWS} rows).")
    try:
        text = bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError:
        return refuse("The file is not UTF-8 text: save it from the spreadsheet as 'CSV UTF-8'.")
    if "\x00" in text:
        return refuse("The file is not a CSV text file.")
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        return refuse("The file is empty: the first row must name the columns (download the template).")
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = iter(reader)
        header = [_header_name(c) for c in next(records)]
        unknown = [h for h in header if h and h not in COLUMNS]
        missing = [c for c in REQUIRED if c not in header]
        twice = sorted({h for h in header if h and header.count(h) > 1})
        if unknown or missing or twice or "" in header:
            parts = []
            if missing:
                parts.append("missing " + ", ".join(missing))
            if unknown:
                parts.append("unknown " + ", ".join(unknown))
            if twice:
                parts.append("given twice " + ", ".join(twice))
            if "" in header:
                parts.append("a column without a name")
            return refuse(
                "The first row must name the columns ("
                + "; ".join(parts)
                + "). The columns are: "
                + ", ".join(COLUMNS)
                + " (download the template)."
            )
        rows: list[_Row] = []
        for number, record in enumerate(records, start=2):
            if not any(cell.strip() for cell in record):
                continue
            if len(rows) >= MAX_ROWS:
                return refuse(f"The file has more than {MAX_ROWS} rows: split it into smaller files.")
            problem = ""
            if len(record) > len(header) and any(c.strip() for c in record[len(header) :]):
                problem = f"The row has {len(record)} cells, the header {len(header)}."
            cells = {name: _unescape(record[i]) if i < len(record) else "" for i, name in enumerate(header)}
            rows.append(_Row(number, cells, problem))
    except csv.Error as exc:
        return refuse(f"The file is not a valid CSV file (row {reader.line_num}: {exc}).")
    return rows, []


def parse_day(text: str) -> date | None:
    """A date as YYYY-MM-DD or D.M.YYYY (how Slovak and Czech spreadsheets write it); None when it is neither."""
    text = text.strip()
    try:
        if _ISO_DAY.match(text):
            return date.fromisoformat(text)
        if m := _DOTTED_DAY.match(text):
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        return None
    return None


# ------------------------------------------------------------------------------------------------ the run


def _classes(db: Session, principal: StaffPrincipal) -> tuple[dict, dict]:
    rows = db.exec(
        select(ClassGroup, Programme)
        .join(Programme, Programme.id == ClassGroup.programme_id)
        .where(provider_classes_clause(principal))
    ).all()
    by_id = {c.id: (c, p) for c, p in rows}
    by_name: dict[str, list[int]] = {}
    for c, p in rows:
        by_name.setdefault(_fold(f"{p.name} / {c.name}"), []).append(c.id)
    return by_id, by_name


def class_label(cls: ClassGroup, programme: Programme) -> str:
    return f"{programme.name} / {cls.name}"


def _find_class(run: _Run, text: str) -> tuple[ClassGroup | None, str]:
    """The class a cell names (its id, or "Programme / Class"), or None and why not."""
    if text.isascii() and text.isdigit() and len(text) < 12:
        found = run.classes.get(int(text))
        if found is None:
            return None, f"There is no class with the id {text}."
        return found[0], ""
    ids = run.class_names.get(_fold(text), [])
    if len(ids) > 1:
        return (
            None,
            f"Several classes are called {text!r}: give the class id instead ({', '.join(map(str, ids))}).",
        )
    if not ids:
        return None, (
            f"There is no class {text!r}: give the class id or 'Programme / Class' as the import page lists them."
        )
    return run.classes[ids[0]][0], ""


def _field_errors(errors: dict[str, str], exc: DomainError, columns: dict[str, str], default: str) -> None:
    fields = exc.fields if isinstance(exc, FieldErrors) else {"": str(exc)}
    for key, message in fields.items():
        errors.setdefault(columns.get(key, default), message)


def _same_name(attendee: Attendee, first: str, last: str) -> bool:
    return _fold(attendee.first_name) == _fold(first) and _fold(attendee.last_name) == _fold(last)


def _one_row(db: Session, run: _Run, row: _Row, seen: dict[tuple, int], emails: dict[str, tuple]) -> None:
    principal, now = run.principal, run.now
    errors: dict[str, str] = {"": row.problem} if row.problem else {}
    done: list[str] = []
    created = {"families": 0, "clients": 0, "attendees": 0, "enrolments": 0}
    family_name, email_text = row.get("family_name"), row.get("client_email")
    first, last = row.get("attendee_first_name"), row.get("attendee_last_name")
    attendee_label = " ".join(f"{first} {last}".split())

    # --- the cells only the import reads (its date formats, the class, the e-mail it matches by)
    birth_text = row.get("birth_date")
    birth = parse_day(birth_text) if birth_text else None
    if birth_text and birth is None:
        errors["birth_date"] = "Enter the date as YYYY-MM-DD or D.M.YYYY, e.g. 2019-05-01 or 1.5.2019."
    cls = None
    class_text, start_text = row.get("class"), row.get("start_date")
    start = parse_day(start_text) if start_text else None
    if class_text:
        cls, why = _find_class(run, class_text)
        if why:
            errors["class"] = why
        if not start_text:
            errors["start_date"] = "Enter the first day of the enrolment."
        elif start is None:
            errors["start_date"] = "Enter the date as YYYY-MM-DD or D.M.YYYY, e.g. 2027-03-01."
    elif start_text:
        errors["class"] = "Name the class this start date is for (or leave the start date empty)."
    email = ""
    if not email_text:
        errors["client_email"] = "Enter the client's e-mail: the import finds the family by it."
    else:
        try:
            email = normalize_email(email_text)
        except DomainError as exc:
            errors["client_email"] = str(exc)
    guardian_text, guardian_name = row.get("guardian2_email"), row.get("guardian2_name")
    if guardian_name and not guardian_text:
        errors["guardian2_email"] = "Enter the second guardian's e-mail (or leave their name empty)."

    # --- the same row twice in the file; one e-mail with two family names
    if email:
        key = (email, _fold(first), _fold(last), birth, cls.id if cls else None)
        if key in seen:
            errors.setdefault("", f"The same attendee{' and class' if cls else ''} as in row {seen[key]}.")
        else:
            seen[key] = row.number
        if email in emails and _fold(emails[email][1]) != _fold(family_name):
            errors.setdefault(
                "family_name", f"Row {emails[email][0]} gives {email} the family {emails[email][1]!r}."
            )
        emails.setdefault(email, (row.number, family_name))

    # --- the family, by its client's e-mail
    family = None
    client = (
        db.exec(
            select(Client).where(Client.provider_id == principal.provider_id, Client.email == email)
        ).first()
        if email
        else None
    )
    if client is not None and client.family_id is not None:
        family = db.get(Family, client.family_id)
        if _fold(family.name) != _fold(family_name):
            errors.setdefault("family_name", f"{email} is a client of the {family.name} family.")
        origin = run.family_rows.get(family.id)
        done.append(f"family from row {origin}" if origin else "family exists")
    elif "client_email" not in errors:
        try:
            family = families.create_family(
                db,
                principal,
                family_name,
                email=email_text,
                full_name=row.get("client_name"),
                phone=row.get("phone"),
            )
            run.family_rows[family.id] = row.number
            created["families"] += 1
            created["clients"] += 1
            done.append("new family")
        except DomainError as exc:
            _field_errors(errors, exc, _FAMILY_COLUMNS, "family_name")

    # --- a second guardian (another client of the family)
    if family is not None and guardian_text:
        try:
            guardian_email = normalize_email(guardian_text)
        except DomainError as exc:
            errors["guardian2_email"] = str(exc)
            guardian_email = ""
        if guardian_email:
            other = db.exec(
                select(Client).where(
                    Client.provider_id == principal.provider_id, Client.email == guardian_email
                )
            ).first()
            if other is None or other.family_id != family.id:
                try:
                    families.add_client(
                        db, principal, family.id, email=guardian_text, full_name=guardian_name
                    )
                    created["clients"] += 1
                    done.append("new second guardian")
                except DomainError as exc:
                    _field_errors(errors, exc, _GUARDIAN_COLUMNS, "guardian2_email")

    # --- the attendee, by name and birth date within the family (checked on a stand-in family when the family
    # itself was refused, so its own errors are reported too; the row is rolled back either way)
    attendee = None
    home = family
    if home is None:
        home = families.create_family(db, principal, "Import check")
    if family is not None:
        for candidate in db.exec(select(Attendee).where(Attendee.family_id == family.id)).all():
            if _same_name(candidate, first, last) and candidate.birth_date == birth:
                attendee = candidate
                done.append("attendee exists")
                break
    if attendee is None:
        try:
            attendee = families.add_attendee(
                db, principal, home.id, first_name=first, last_name=last, birth_date=birth, now=now
            )
            created["attendees"] += 1
            done.append("new attendee")
        except DomainError as exc:
            _field_errors(errors, exc, _ATTENDEE_COLUMNS, "attendee_first_name")

    # --- the enrolment
    if attendee is not None and cls is not None and start is not None:
        programme = run.classes[cls.id][1]
        label = class_label(cls, programme)
        active = db.exec(
            select(Booking.id).where(
                Booking.attendee_id == attendee.id, Booking.class_id == cls.id, *enrolment.active_on(start)
            )
        ).first()
        if active is not None:
            done.append(f"already enrolled in {label}")
        else:
            try:
                enrolment.enrol(db, principal, attendee.id, cls.id, start, now=now)
                created["enrolments"] += 1
                done.append(f"enrolled in {label} from {start.isoformat()}")
            except DomainError as exc:
                _field_errors(errors, exc, _ENROL_COLUMNS, "class")

    problems = tuple(f"{column}: {message}" if column else message for column, message in errors.items())
    run.errors.extend(CellError(row.number, column, message) for column, message in errors.items())
    if errors:
        status = "error"
    else:
        status = "new" if any(created.values()) else "unchanged"
        run.families += created["families"]
        run.clients += created["clients"]
        run.attendees += created["attendees"]
        run.enrolments += created["enrolments"]
    text = ", ".join(done) if not errors else "Not imported"
    run.outcomes.append(
        RowOutcome(row.number, family_name, attendee_label, status, text[:1].upper() + text[1:], problems)
    )
    if errors:
        raise _RowFailed


class _RowFailed(Exception):
    """Rolls a row's savepoint back."""


def _fingerprint(data: bytes, outcomes: list[RowOutcome], errors: list[CellError]) -> str:
    body = json.dumps(
        [
            hashlib.sha256(data).hexdigest(),
            [[o.row, o.status, o.outcome, list(o.problems)] for o in outcomes],
            [[e.row, e.column, e.message] for e in errors],
        ],
        ensure_ascii=False,
    )
    return hashlib.sha256(body.encode()).hexdigest()[:32]


def _run(
    db: Session,
    principal: StaffPrincipal,
    data: bytes | str,
    now: datetime | None,
    keep: bool,
    expected: str | None = None,
) -> ImportPlan:
    """Parse, then carry out every row in a savepoint; keep it only when ``keep``, no row failed and the plan is
    the ``expected`` one (when given)."""
    require_staff(principal, Capability.people)
    raw = (
        data.encode("utf-8")
        if isinstance(data, str)
        else bytes(data)
        if isinstance(data, bytes | bytearray)
        else b""
    )
    rows, errors = parse(data)
    if not rows and not errors:
        errors = [CellError(0, "", "The file has a header but no rows to import.")]
    if any(e.row == 0 for e in errors):
        return ImportPlan([], errors, fingerprint=_fingerprint(raw, [], errors))
    classes, class_names = _classes(db, principal)
    run = _Run(principal, now or utcnow(), classes, class_names, errors=list(errors))
    seen: dict[tuple, int] = {}
    emails: dict[str, tuple] = {}
    outer = db.begin_nested()
    try:
        for row in rows:
            try:
                with db.begin_nested():
                    _one_row(db, run, row, seen, emails)
            except _RowFailed:
                pass
            # Each row queries what it needs afresh: a session holding every row's objects would make each
            # ORM UPDATE (a family's data version) scan them all, quadratic over a big file.
            db.expunge_all()
    except BaseException:
        outer.rollback()
        raise
    outcomes = sorted(run.outcomes, key=lambda o: o.row)
    errors_sorted = sorted(
        run.errors, key=lambda e: (e.row, COLUMNS.index(e.column) if e.column in COLUMNS else -1)
    )
    fingerprint = _fingerprint(raw, outcomes, errors_sorted)
    kept = keep and not run.errors and expected in (None, fingerprint)
    if kept:
        outer.commit()
    else:
        outer.rollback()
    return ImportPlan(
        rows=outcomes,
        errors=errors_sorted,
        families=run.families,
        clients=run.clients,
        attendees=run.attendees,
        enrolments=run.enrolments,
        unchanged=sum(1 for o in outcomes if o.status == "unchanged"),
        fingerprint=fingerprint,
        applied=kept,
    )


def plan_import(
    db: Session, principal: StaffPrincipal, data: bytes | str, *, now: datetime | None = None
) -> ImportPlan:
    """The dry run: what importing ``data`` would do, row by row, and every error. Writes nothing."""
    return _run(db, principal, data, now, keep=False)


def apply_import(
    db: Session,
    principal: StaffPrincipal,
    data: bytes | str,
    *,
    expected: str | None = None,
    filename: str = "",
    now: datetime | None = None,
) -> ImportPlan:
    """Import ``data``: everything or nothing. ImportRefused (with the new plan) when a row has an error, or when
    ``expected`` (the fingerprint of the dry run shown) is not what the data gives now. The caller commits."""
    plan = _run(db, principal, data, now, keep=True, expected=expected)
    if plan.errors:
        raise ImportRefused(
            f"Nothing was imported: the file has {len(plan.errors)} error{'s' if len(plan.errors) != 1 else ''}.",
            plan,
        )
    if not plan.applied:
        raise ImportRefused(
            "Nothing was imported: the data changed since the dry run. Check the new dry run, then import.",
            plan,
        )
    if not plan.changes:  # every row unchanged: nothing to record
        return plan
    audit.record(
        db,
        principal,
        action="families.import",
        entity="import",
        entity_id=None,
        summary=f"Imported {filename or 'a CSV file'}: {plan.summary()}"[:300],
        after={
            "file": filename,
            "rows": len(plan.rows),
            "families": plan.families,
            "clients": plan.clients,
            "attendees": plan.attendees,
            "enrolments": plan.enrolments,
            "unchanged": plan.unchanged,
        },
        now=now,
    )
    return plan


# ------------------------------------------------------------------------------------------------ template


def template_csv(db: Session, principal: StaffPrincipal, *, now: datetime | None = None) -> str:
    """The template: the header and two example rows (UTF-8 with a BOM, semicolons, as SK/CZ Excel opens it;
    the import reads commas too). Cells that a spreadsheet would take for a formula get an apostrophe."""
    require_staff(principal, Capability.people)
    by_id, _ = _classes(db, principal)
    example_class = start = ""
    if by_id:  # the provider's first class, from the provider's today
        cls, programme = by_id[min(by_id)]
        example_class = class_label(cls, programme)
        start = (
            fmt.local(now or utcnow(), db.get(Provider, principal.provider_id).timezone).date().isoformat()
        )
    rows = [
        list(COLUMNS),
        [
            "Novak",
            "jana.novak@example.com",
            "Jana Novak",
            "+421 900 123 456",
            "peter.novak@example.com",
            "Peter Novak",
            "Ema",
            "Novak",
            "2019-05-01",
            example_class,
            start,
        ],
        ["Novak", "jana.novak@example.com", "", "", "", "", "Jakub", "Novak", "3.2.2016", "", ""],
    ]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for row in rows:
        writer.writerow([escape_cell(cell) for cell in row])
    return "\ufeff" + out.getvalue()


def class_choices(db: Session, principal: StaffPrincipal) -> list[tuple[int, str]]:
    """(id, "Programme / Class") of the provider's classes, for the import page's list."""
    require_staff(principal, Capability.people)
    by_id, _ = _classes(db, principal)
    return sorted(
        ((i, class_label(c, p)) for i, (c, p) in by_id.items()), key=lambda t: (t[1].casefold(), t[0])
    )


# ------------------------------------------------------------------------------------------------ uploads


@dataclass(frozen=True)
class UploadView:
    token: str
    filename: str
    applied: bool
    summary: str


def may_import(principal: object) -> bool:
    """Whether this identity may import (the people right): the upload route asks before reading the body."""
    return staff_may(principal, Capability.people)


def store_upload(
    db: Session, principal: StaffPrincipal, filename: object, data: bytes, *, now: datetime | None = None
) -> str:
    """Keep an uploaded file for its dry run and import (UPLOAD_MINUTES); returns its random id. Expired uploads of
    the provider are deleted on the way."""
    require_staff(principal, Capability.people)
    if not isinstance(data, bytes | bytearray) or not data:
        raise DomainError("Choose a CSV file to import.")
    if len(data) > MAX_BYTES:
        raise DomainError(f"The file is too large: at most {MAX_BYTES // 1_000_000} MB.")
    now = now or utcnow()
    db.execute(
        delete(ImportUpload).where(
            ImportUpload.provider_id == principal.provider_id, ImportUpload.expires_at < now
        )
    )
    name = filename if isinstance(filename, str) else ""
    name = "".join(ch for ch in name.replace("\\", "/").rsplit("/", 1)[-1] if ch.isprintable())[:MAX_FILENAME]
    token = secrets.token_urlsafe(24)
    db.add(
        ImportUpload(
            token=token,
            provider_id=principal.provider_id,
            staff_id=principal.staff_id,
            filename=name,
            content=bytes(data),
            created_at=now,
            expires_at=now + timedelta(minutes=UPLOAD_MINUTES),
        )
    )
    db.flush()
    return token


def _upload(db: Session, principal: StaffPrincipal, token: object, now: datetime | None) -> ImportUpload:
    """The staff member's own upload of their provider, not expired; NotFound otherwise (also for junk)."""
    require_staff(principal, Capability.people)
    if not isinstance(token, str) or not 16 <= len(token) <= 64 or not re.fullmatch(r"[A-Za-z0-9_-]+", token):
        raise NotFound("import")
    row = db.exec(
        select(ImportUpload).where(
            ImportUpload.token == token,
            ImportUpload.provider_id == principal.provider_id,
            ImportUpload.staff_id == principal.staff_id,
        )
    ).first()
    if row is None or as_utc(row.expires_at) < (now or utcnow()):
        raise NotFound("import")
    return row


def upload_plan(
    db: Session, principal: StaffPrincipal, token: object, *, now: datetime | None = None
) -> tuple[UploadView, ImportPlan]:
    """The upload and its dry run (planned afresh: what importing it would do now; none once it is imported)."""
    row = _upload(db, principal, token, now)
    view = UploadView(row.token, row.filename, row.applied_at is not None, row.summary)
    if view.applied:  # imported: its page shows the summary, not a plan that is now "unchanged" everywhere
        return view, ImportPlan([], [])
    return view, plan_import(db, principal, row.content, now=now)


def apply_upload(
    db: Session, principal: StaffPrincipal, token: object, fingerprint: object, *, now: datetime | None = None
) -> ImportPlan:
    """Import the upload, only if its dry run is still the one with ``fingerprint`` (ImportRefused otherwise);
    an upload is imported once."""
    row = _upload(db, principal, token, now)
    if row.applied_at is not None:
        raise DomainError("This file was imported already.")
    if not isinstance(fingerprint, str) or not fingerprint:
        raise DomainError("Look at the dry run first, then import.")
    plan = apply_import(db, principal, row.content, expected=fingerprint, filename=row.filename, now=now)
    row.applied_at = now or utcnow()
    row.summary = plan.summary()[:300]
    db.add(row)
    db.flush()
    return plan


def operator_principal(db: Session) -> StaffPrincipal:
    """The CLI's identity for `client-profile import`: the installation's provider with every right, no staff
    member (its audit rows name the operator, as other operator commands' do)."""
    provider = current_provider(db)
    return StaffPrincipal(
        staff_id=None,  # type: ignore[arg-type]  # an operator, not a staff member
        provider_id=provider.id,
        session_id=0,
        email=_OPERATOR,
        full_name=_OPERATOR,
        role="owner",
    )
