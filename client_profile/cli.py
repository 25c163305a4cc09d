"""The admin CLI: ``client-profile migrate | demo | prepare | worker | share | unshare | photo | sessions |
attendance | cancel-session | restore-session | set-link | provider | holiday | invoice-profile | paid |
import | api-key``.

Exit codes: 0 success, 1 the action failed (the message says why and nothing was changed), 2 bad usage.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import re
import signal
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from client_profile.settings import PROJECT_ROOT

ALEMBIC_INI = PROJECT_ROOT / "alembic.ini"
ALEMBIC_DIR = PROJECT_ROOT / "alembic"
# Several app processes may start at once (`make run`, containers): one migrates, the others wait.
_MIGRATION_LOCK_ID = 0x636C6970  # "clip"


class CliError(Exception):
    """A failure with a message for the operator; exits with status 1."""


def _out(message: str) -> None:
    print(message, flush=True)


# --------------------------------------------------------------------------------------------- migrate


def _alembic_config():
    from alembic.config import Config

    if not ALEMBIC_INI.is_file():
        raise CliError(f"Cannot find {ALEMBIC_INI}: run the CLI from a complete checkout of Client Profile.")
    cfg = Config(str(ALEMBIC_INI))
    # Absolute, so the command works from any working directory.
    cfg.set_main_option("script_location", str(ALEMBIC_DIR))
    return cfg


@contextmanager
def _exclusive() -> Iterator[None]:
    """Serialises the schema/demo commands of several processes started at once (`make run`, containers,
    replicas): a PostgreSQL advisory lock, or an exclusive lock on a file named after the SQLite database."""
    from sqlalchemy.engine import make_url

    from client_profile.db import get_engine

    engine = get_engine()
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.exec_driver_sql(f"SELECT pg_advisory_lock({_MIGRATION_LOCK_ID})")
            conn.commit()
            try:
                yield
            finally:
                conn.exec_driver_sql(f"SELECT pg_advisory_unlock({_MIGRATION_LOCK_ID})")
                conn.commit()
        return
    database = make_url(str(engine.url)).database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:" or database.startswith("file:"):
        yield
        return
    try:
        import fcntl
    except ImportError:  # not POSIX: no cross-process lock, run unguarded
        yield
        return
    # In the temp dir, keyed by the database's path: nothing new next to the database or in the checkout.
    key = hashlib.sha256(str(Path(database).resolve()).encode()).hexdigest()[:24]
    with open(Path(tempfile.gettempdir()) / f"client-profile-{key}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def migrate() -> str:
    """Upgrades the database to the newest migration; returns the revision it is at afterwards.

    Callers that may run concurrently wrap it in ``_exclusive()``.
    """
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import inspect

    from alembic import command
    from client_profile.db import get_engine

    cfg = _alembic_config()
    with get_engine().connect() as conn:
        tables = set(inspect(conn).get_table_names())
        if "alembic_version" not in tables and "provider" in tables:
            raise CliError(
                "The database has Client Profile tables but no migration history (made without "
                "Alembic?). Back it up, then run `alembic stamp head` once if the schema is "
                "current, or start from an empty database."
            )
        conn.rollback()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        conn.commit()
        revision = MigrationContext.configure(conn).get_current_revision()
        conn.rollback()
    return revision or "base"


def _cmd_migrate(_args: argparse.Namespace) -> int:
    with _exclusive():
        revision = migrate()
    _out(f"Database is up to date (revision {revision}).")
    return 0


# --------------------------------------------------------------------------------------------- demo


def _print_demo(summary) -> None:
    from client_profile.settings import get_settings

    verb = "Loaded" if summary.created else "Already loaded (nothing changed; use --reset to rebuild)"
    _out(f"{verb}: demo provider {summary.provider_name!r} ({summary.provider_slug}).")
    if summary.counts:
        _out("  " + ", ".join(f"{n} {k}" for k, n in summary.counts.items()))
    _out("Log in with one of these e-mail addresses (no password; a code and a link are e-mailed):")
    for login in summary.logins:
        _out(f"  {login.email:<20} {login.who}")
    if summary.staff_logins:
        _out("The provider console is at /admin; staff log in there the same way:")
        for login in summary.staff_logins:
            _out(f"  {login.email:<20} {login.who}")
    settings = get_settings()
    if settings.dev_mailbox_enabled:
        _out(
            f"No SMTP_HOST: login e-mails stay local, at {settings.base_url}/dev/mailbox "
            f"and in {settings.dev_mailbox_dir}"
        )
    _out(f"Open {settings.base_url}")


def _cmd_demo(args: argparse.Namespace) -> int:
    from client_profile.db import unit_of_work
    from client_profile.services.demo import load_demo

    with _exclusive():
        migrate()
        with unit_of_work() as db:
            summary = load_demo(db, reset=args.reset)
    _print_demo(summary)
    return 0


def _cmd_prepare(_args: argparse.Namespace) -> int:
    from sqlalchemy.exc import IntegrityError
    from sqlmodel import select

    from client_profile.db import unit_of_work
    from client_profile.models import Provider
    from client_profile.services.demo import load_demo

    try:
        with _exclusive():
            revision = migrate()
            with unit_of_work() as db:
                provider = db.exec(select(Provider).order_by(Provider.id)).first()
                summary = None if provider is not None else load_demo(db)
    except IntegrityError:
        # Only without a cross-process lock (e.g. a non-POSIX host with SQLite).
        # Another process loaded the demo between our check and our insert: the database is prepared.
        _out("Database ready; the demo was loaded by another process.")
        return 0
    if summary is None:
        _out(f"Database ready (revision {revision}); provider {provider.name!r} exists, no demo loaded.")
    else:
        _out(f"Database ready (revision {revision}); the database was empty, so the demo was loaded.")
        _print_demo(summary)
    return 0


# --------------------------------------------------------------------------------------------- worker


def _cmd_worker(args: argparse.Namespace) -> int:
    from client_profile.settings import get_settings

    try:
        from client_profile.worker import run_worker
    except ModuleNotFoundError as exc:
        if exc.name != "client_profile.services.notifications.outbox":
            raise
        raise CliError(
            "The outbox worker (client_profile.services.notifications.outbox) is not part of this build."
        ) from None
    poll = args.poll_seconds if args.poll_seconds is not None else get_settings().outbox_poll_seconds

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        _out(f"Outbox worker running (poll every {poll:g} s); stop with Ctrl+C or SIGTERM.")
        await run_worker(stop, poll)

    asyncio.run(run())
    _out("Outbox worker stopped.")
    return 0


# --------------------------------------------------------------------------------------------- sharing


def _scope(share) -> str:
    parts = ["view"]
    if share.notify:
        parts.append("notifications")
    if share.can_pay:
        parts.append("pay")
    if share.can_manage:
        parts.append("manage")
    return ", ".join(parts)


def _cmd_share(args: argparse.Namespace) -> int:
    from client_profile.db import unit_of_work
    from client_profile.services.people.sharing import grant_share

    with unit_of_work() as db:
        share = grant_share(
            db,
            args.booking_id,
            args.email,
            notify=not args.no_notify,
            can_pay=args.pay,
            can_manage=args.manage,
        )
        text = f"Booking {share.booking_id} is shared with {share.grantee_email} ({_scope(share)})."
    _out(text)
    return 0


def _cmd_unshare(args: argparse.Namespace) -> int:
    from client_profile.db import unit_of_work
    from client_profile.services.people.sharing import revoke_share

    with unit_of_work() as db:
        share = revoke_share(db, args.booking_id, args.email)
        text = f"Booking {share.booking_id} is no longer shared with {share.grantee_email}."
    _out(text)
    return 0


def _slug(name: str) -> str:
    text = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:64].strip("-")
    return text or "provider"


def _cmd_staff_add(args: argparse.Namespace) -> int:
    from sqlmodel import select

    from client_profile.db import unit_of_work
    from client_profile.models import Provider
    from client_profile.services.people.staff import add_staff
    from client_profile.services.provider_admin import create_provider

    with unit_of_work() as db:
        created = ""
        if db.exec(select(Provider.id)).first() is None:
            if not args.provider_name:
                raise CliError(
                    "There is no provider yet. Name it with the first owner: client-profile staff add EMAIL "
                    '--role owner --provider-name "Your School" [--timezone Europe/Bratislava] [--currency EUR]'
                )
            provider = create_provider(
                db, args.slug or _slug(args.provider_name), args.provider_name, args.currency, args.timezone
            )
            created = f"Created the provider {provider.name!r} ({provider.timezone}, {provider.currency}). "
        elif args.provider_name:
            raise CliError("The provider exists already; --provider-name only names a new one.")
        member = add_staff(db, args.email, args.role, args.name or "")
        text = (
            f"{created}{member.email} is now a staff member ({member.role.value}). "
            "They log in at /admin/login with this address; everything else is done in the console."
        )
    _out(text)
    return 0


def _cmd_api_key_create(args: argparse.Namespace) -> int:
    from client_profile.db import unit_of_work
    from client_profile.services.integrations.api_keys import create_key_as_operator

    with unit_of_work() as db:
        row, key = create_key_as_operator(db, args.name, args.write)
        scope = "read-write" if args.write else "read-only"
    _out(f"Created the {scope} API key {row.name!r} ({row.prefix}). It is shown only now; keep it secret:")
    _out(key)
    _out(
        "Use it as `Authorization: Bearer <key>` on /api/v1 (docs/api.md); revoke it in /admin/integrations."
    )
    return 0


def _cmd_photo(args: argparse.Namespace) -> int:
    from client_profile.db import unit_of_work
    from client_profile.services.schedule.attendees import remove_photo, set_photo

    with unit_of_work() as db:
        if args.remove:
            remove_photo(db, args.attendee_id)
            text = f"Attendee {args.attendee_id} has no photo now."
        else:
            if args.file is None:
                raise SystemExit("give a picture file, or --remove")
            try:
                data = open(args.file, "rb").read()  # noqa: SIM115 - small file, read once
            except OSError as exc:
                _out(f"Cannot read {args.file}: {exc.strerror}.")
                return 1
            set_photo(db, args.attendee_id, data)
            text = f"Attendee {args.attendee_id} has a new photo."
    _out(text)
    return 0


# --------------------------------------------------------------------------------------------- sessions


def _cmd_sessions(args: argparse.Namespace) -> int:
    from client_profile.db import unit_of_work
    from client_profile.services.schedule.provider_sessions import list_sessions

    with unit_of_work() as db:
        rows = list_sessions(db, class_id=args.class_id, days=args.days, past_days=args.past)
    if not rows:
        _out(f"No sessions from {args.past} days ago to {args.days} days ahead.")
        return 0
    _out(f"{'ID':>6}  {'Starts (local)':<20} {'Ends':<5}  {'Status':<9}  {'Attendance':<34}  Class")
    for r in rows:
        counts = (
            ", ".join(f"{n} {state.replace('_', '-')}" for state, n in sorted(r.counts.items())) or "nobody"
        )
        _out(
            f"{r.id:>6}  {r.starts:<20} {r.ends:<5}  {r.status:<9}  {counts:<34}  "
            f"{r.programme} / {r.class_name} (class {r.class_id})"
        )
        if r.link:
            _out(f"{'':>8}link: {r.link}")
        if r.note:
            _out(f"{'':>8}note: {r.note}")
    return 0


def _cmd_attendance(args: argparse.Namespace) -> int:
    from client_profile.db import unit_of_work
    from client_profile.services.schedule.provider_sessions import mark_attendance, session_attendees

    if args.attendee_id is None:
        with unit_of_work() as db:
            people = session_attendees(db, args.session_id)
        if not people:
            _out(f"Nobody has a place in session {args.session_id}.")
        for p in people:
            _out(f"{p.attendee_id:>6}  {p.name:<30} {p.state.replace('_', '-')}")
        return 0
    if args.state is None:
        raise SystemExit("give the new state too: attended, missed or scheduled")
    with unit_of_work() as db:
        change = mark_attendance(db, args.session_id, args.attendee_id, args.state)
    if change.changed:
        _out(f"{change.attendee} in session {args.session_id}: {change.before} -> {change.after}.")
    else:
        _out(f"{change.attendee} in session {args.session_id} is already {change.after}; nothing changed.")
    return 0


def _cmd_cancel_session(args: argparse.Namespace) -> int:
    from client_profile.db import unit_of_work
    from client_profile.services.notifications import session_changes
    from client_profile.services.schedule.provider_sessions import cancel_session

    with unit_of_work() as db:
        session = cancel_session(db, args.session_id, args.note or "")
        session.version += (
            1  # like the console: an edit form opened before is stale; the e-mail is keyed by it
        )
        db.flush()
        session_changes.notify_session_changed(db, session.id, session_changes.CANCELLED)
        text = f"Session {session.id} is cancelled." + (f" Note: {session.note}" if session.note else "")
    _out(text)
    return 0


def _cmd_restore_session(args: argparse.Namespace) -> int:
    from client_profile.db import unit_of_work
    from client_profile.services.notifications import session_changes
    from client_profile.services.schedule.provider_sessions import restore_session

    with unit_of_work() as db:
        session = restore_session(db, args.session_id)
        session.version += 1
        db.flush()
        session_changes.notify_session_changed(db, session.id, session_changes.RESTORED)
        text = f"Session {session.id} is scheduled again."
    _out(text)
    return 0


def _cmd_set_link(args: argparse.Namespace) -> int:
    from sqlmodel import select

    from client_profile.db import unit_of_work
    from client_profile.models import ClassSession
    from client_profile.services.notifications import session_changes
    from client_profile.services.schedule.provider_sessions import set_class_link, set_session_link

    with unit_of_work() as db:
        if args.session_id is not None:
            session = set_session_link(db, args.session_id, args.url)
            link = session.online_link
            session_changes.notify_livestream_changed(db, [session.id])
            what = f"Session {args.session_id}"
            cleared = "now uses its class's link"
        else:
            group = set_class_link(db, args.class_id, args.url)
            link = group.online_link
            ids = list(db.exec(select(ClassSession.id).where(ClassSession.class_id == group.id)).all())
            session_changes.notify_livestream_changed(db, ids, class_wide=True)
            what = f"Class {args.class_id}"
            cleared = "has no livestream link now"
    _out(f"{what} livestream link: {link}." if link else f"{what} {cleared}.")
    return 0


# --------------------------------------------------------------------------------------------- provider


def _show_value(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None or value == "":
        return "-"
    if hasattr(value, "strftime") and not hasattr(value, "year"):
        return value.strftime("%H:%M")
    return str(value)


def _print_changes(what: str, changes) -> None:
    if not changes:
        _out(f"{what}: nothing changed (the values were already set).")
        return
    for change in changes:
        field, before, after = change.field, _show_value(change.before), _show_value(change.after)
        if field == "default_vat_rate_bp":  # stored in basis points, set in percent
            field = "default_vat_rate"
            before, after = f"{change.before / 100:g} %", f"{change.after / 100:g} %"
        _out(f"{what}: {field}: {before} -> {after}")


def _cmd_provider_show(_args: argparse.Namespace) -> int:
    from client_profile.db import unit_of_work
    from client_profile.services.provider_admin import show_provider

    with unit_of_work() as db:
        info = show_provider(db)
    _out(f"Provider {info['provider']['name']!r} ({info['provider']['slug']}), {info['families']} families")
    for name, value in info["provider"].items():
        if name not in ("id", "slug", "name"):
            _out(f"  {name:<30} {_show_value(value)}")
    _out("Holidays:" + ("" if info["holidays"] else " none"))
    for day, name in info["holidays"]:
        _out(f"  {day}  {name}")
    _out("Invoice profile (invoice-profile set ...):")
    for name, value in info["invoice_profile"].items():
        _out(f"  {name:<30} {_show_value(value)}")
    return 0


def _cmd_provider_create(args: argparse.Namespace) -> int:
    from client_profile.db import unit_of_work
    from client_profile.services.provider_admin import create_provider

    with unit_of_work() as db:
        provider = create_provider(
            db,
            args.slug,
            args.name,
            currency=args.currency,
            timezone=args.timezone,
            language=args.language,
            contact_email=args.email,
        )
        text = (
            f"Created provider {provider.name!r} ({provider.slug}): {provider.currency}, "
            f"{provider.timezone}, language {provider.language}. Next: `client-profile provider set` for "
            "policies and bank details, `client-profile provider show` to check."
        )
    _out(text)
    return 0


def _cmd_provider_set(args: argparse.Namespace) -> int:
    from client_profile.db import unit_of_work
    from client_profile.services.provider_admin import update_provider

    with unit_of_work() as db:
        changes = update_provider(db, **_assignments(args.assignments))
    _print_changes("Provider", changes)
    return 0


def _cmd_holiday(args: argparse.Namespace) -> int:
    from client_profile.db import unit_of_work
    from client_profile.services.provider_admin import add_holiday, remove_holiday

    with unit_of_work() as db:
        if args.action == "add":
            holiday = add_holiday(db, args.day, " ".join(args.name))
            label = f" ({holiday.name})" if holiday.name else ""
            text = f"{holiday.day.isoformat()} is a holiday{label}."
        else:
            holiday = remove_holiday(db, args.day)
            text = f"{holiday.day.isoformat()} is no longer a holiday."
    _out(text)
    return 0


def _cmd_invoice_profile_set(args: argparse.Namespace) -> int:
    from client_profile.db import unit_of_work
    from client_profile.services.provider_admin import set_invoice_profile

    with unit_of_work() as db:
        changes = set_invoice_profile(db, **_assignments(args.assignments))
    _print_changes("Invoice profile", changes)
    return 0


def _cmd_invoice_profile_logo(args: argparse.Namespace) -> int:
    from client_profile.db import unit_of_work
    from client_profile.services.provider_admin import set_logo

    if args.remove == (args.file is not None):
        raise SystemExit("client-profile invoice-profile logo: give a picture file, or --remove")
    data = None
    if args.file is not None:
        try:
            data = Path(args.file).read_bytes()
        except OSError as exc:
            raise CliError(f"Cannot read {args.file}: {exc.strerror}.") from None
    with unit_of_work() as db:
        size = set_logo(db, data)
    _out(
        "Invoices have no logo now."
        if size is None
        else f"Invoice logo stored ({size[0]} x {size[1]} px); it appears on documents issued from now on."
    )
    return 0


def _cmd_paid(args: argparse.Namespace) -> int:
    from client_profile.db import unit_of_work
    from client_profile.services.money.payments import record_bank_transfer
    from client_profile.services.provider_admin import get_provider, parse_amount, parse_day

    with unit_of_work(immediate=True) as db:
        amount_minor = parse_amount(args.amount, get_provider(db).currency)
        received_on = parse_day(args.on, "transfer's date") if args.on else None
        done = record_bank_transfer(db, args.charge, amount_minor, received_on)
    if len(done.charge_ids) > 1:
        _out(
            f"Recorded a bank transfer of {done.amount} for {done.reference}: charges "
            f"{', '.join(map(str, done.charge_ids))} ({done.description}) are paid now."
        )
    else:
        _out(
            f"Recorded a bank transfer of {done.amount} for charge {done.charge_id} ({done.reference}, "
            f"{done.description}): it is paid now."
        )
    _out(
        f"Issued {', '.join(done.documents)}."
        if done.documents
        else "No documents issued (invoicing is off)."
    )
    return 0


def print_plan(plan) -> None:
    """Every row's outcome and every error with its row and column (the console's dry run, as text)."""
    for row in plan.rows:
        who = " / ".join(part for part in (row.family, row.attendee) if part)
        _out(f"row {row.row:>4}  {row.status:<9}  {who}: {row.outcome}")
    if plan.errors:
        _out(f"{len(plan.errors)} error{'s' if len(plan.errors) != 1 else ''}:")
        for error in plan.errors:
            where = f"row {error.row}" if error.row else "file"
            _out(f"  {where}" + (f", column {error.column}" if error.column else "") + f": {error.message}")


def _cmd_import(args: argparse.Namespace) -> int:
    from client_profile.db import unit_of_work
    from client_profile.services.people import csv_import

    path = Path(args.file)
    try:
        with path.open("rb") as handle:
            data = handle.read(csv_import.MAX_BYTES + 1)
    except OSError as exc:
        raise CliError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    with unit_of_work(immediate=not args.dry_run) as db:
        principal = csv_import.operator_principal(db)
        if args.dry_run:
            plan = csv_import.plan_import(db, principal, data)
        else:
            try:
                plan = csv_import.apply_import(db, principal, data, filename=path.name)
            except csv_import.ImportRefused as refused:
                print_plan(refused.plan)
                raise CliError(str(refused)) from None
    print_plan(plan)
    if args.dry_run:
        _out(f"Dry run, nothing was written: {plan.summary()}.")
        return 1 if plan.errors else 0
    _out(f"Imported {path.name}: {plan.summary()}.")
    return 0


def _assignment(value: str) -> tuple[str, str]:
    name, sep, text = value.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"{value!r} is not FIELD=VALUE")
    return name.strip(), text


def _assignments(pairs: list[tuple[str, str]]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for name, text in pairs:
        if name in fields:
            raise CliError(f"{name} is given twice.")
        fields[name] = text
    return fields


# --------------------------------------------------------------------------------------------- parsing


def _booking_id(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a booking id (a positive whole number)") from None
    if number <= 0:
        raise argparse.ArgumentTypeError(f"{value!r} is not a booking id (a positive whole number)")
    return number


def _attendee_id(value: str) -> int:
    if not value.isascii() or not value.isdigit() or int(value) <= 0:
        raise argparse.ArgumentTypeError(f"{value!r} is not an attendee id (a positive whole number)")
    return int(value)


def _positive_id(what: str):
    def parse(value: str) -> int:
        if not value.isascii() or not value.isdigit() or not 0 < int(value) < 2**62:
            raise argparse.ArgumentTypeError(f"{value!r} is not {what} (a positive whole number)")
        return int(value)

    return parse


def _days(value: str) -> int:
    if not value.isascii() or not value.isdigit() or int(value) > 3660:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of days (0 to 3660)")
    return int(value)


def _poll_seconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if not 0.05 <= number <= 3600:
        raise argparse.ArgumentTypeError("the poll interval must be between 0.05 and 3600 seconds")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="client-profile", description="Client Profile administration.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("migrate", help="upgrade the database schema to the newest migration")
    p.set_defaults(func=_cmd_migrate)

    p = sub.add_parser("demo", help="migrate, then load the Little Otters demo data (idempotent)")
    p.add_argument("--reset", action="store_true", help="delete the demo provider's data and build it again")
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("prepare", help="migrate, and load the demo only when the database has no provider")
    p.set_defaults(func=_cmd_prepare)

    p = sub.add_parser("worker", help="run the notification outbox worker in the foreground")
    p.add_argument(
        "--poll-seconds",
        type=_poll_seconds,
        default=None,
        help="seconds between polls when idle (default: OUTBOX_POLL_SECONDS)",
    )
    p.set_defaults(func=_cmd_worker)

    p = sub.add_parser("share", help="share a booking with a person (view and notifications by default)")
    p.add_argument("booking_id", type=_booking_id, metavar="BOOKING_ID")
    p.add_argument("email", metavar="EMAIL")
    p.add_argument("--pay", action="store_true", help="the person may also pay for the booking")
    p.add_argument("--manage", action="store_true", help="the person may also manage the booking")
    p.add_argument("--no-notify", action="store_true", help="send the person no notifications")
    p.set_defaults(func=_cmd_share)

    p = sub.add_parser("unshare", help="end a booking's shared access for a person")
    p.add_argument("booking_id", type=_booking_id, metavar="BOOKING_ID")
    p.add_argument("email", metavar="EMAIL")
    p.set_defaults(func=_cmd_unshare)

    p = sub.add_parser("staff", help="staff accounts of the provider console (/admin)")
    staff_sub = p.add_subparsers(dest="staff_command", required=True, metavar="ACTION")
    sp = staff_sub.add_parser(
        "add", help="add a staff member (the first owner; owners invite the rest in /admin)"
    )
    sp.add_argument("email", metavar="EMAIL")
    sp.add_argument(
        "--role", required=True, choices=("owner", "office", "instructor"), help="owner, office or instructor"
    )
    sp.add_argument("--name", default="", help="full name shown in the console")
    sp.add_argument(
        "--provider-name", default="", help="on an empty database: the provider's name (creates the provider)"
    )
    sp.add_argument("--slug", default="", help="with --provider-name: its short id (default: from the name)")
    sp.add_argument("--timezone", default="UTC", help="with --provider-name: e.g. Europe/Bratislava")
    sp.add_argument("--currency", default="EUR", help="with --provider-name: ISO code")
    sp.set_defaults(func=_cmd_staff_add)

    p = sub.add_parser(
        "api-key", help="keys of the REST API /api/v1 (owners also make them in /admin/integrations)"
    )
    key_sub = p.add_subparsers(dest="api_key_command", required=True, metavar="ACTION")
    sp = key_sub.add_parser("create", help="make a key and print it (shown once)")
    sp.add_argument("name", metavar="NAME", help="what uses the key, e.g. 'Accounting export'")
    sp.add_argument("--write", action="store_true", help="read-write (default: read-only)")
    sp.set_defaults(func=_cmd_api_key_create)

    p = sub.add_parser("photo", help="set (or --remove) an attendee's photo shown in the family switcher")
    p.add_argument("attendee_id", type=_attendee_id, metavar="ATTENDEE_ID")
    p.add_argument("file", nargs="?", metavar="FILE", help="a JPEG or PNG; stored as a 256 px square JPEG")
    p.add_argument("--remove", action="store_true", help="remove the photo")
    p.set_defaults(func=_cmd_photo)

    p = sub.add_parser("sessions", help="list sessions with their ids, local times, status and attendance")
    p.add_argument(
        "--class", dest="class_id", type=_positive_id("a class id"), metavar="ID", help="only this class"
    )
    p.add_argument("--days", type=_days, default=14, metavar="N", help="days ahead (default 14)")
    p.add_argument("--past", type=_days, default=7, metavar="N", help="days back (default 7)")
    p.set_defaults(func=_cmd_sessions)

    p = sub.add_parser(
        "attendance", help="list a session's attendees, or mark one attended, missed or back to scheduled"
    )
    p.add_argument("session_id", type=_positive_id("a session id"), metavar="SESSION_ID")
    p.add_argument("attendee_id", nargs="?", type=_positive_id("an attendee id"), metavar="ATTENDEE_ID")
    p.add_argument(
        "state",
        nargs="?",
        choices=("attended", "missed", "scheduled"),
        metavar="STATE",
        help="attended, missed or scheduled",
    )
    p.set_defaults(func=_cmd_attendance)

    p = sub.add_parser("cancel-session", help="cancel one session (the families see it cancelled)")
    p.add_argument("session_id", type=_positive_id("a session id"), metavar="SESSION_ID")
    p.add_argument("--note", default="", metavar="TEXT", help="why (shown to the families)")
    p.set_defaults(func=_cmd_cancel_session)

    p = sub.add_parser("restore-session", help="undo a session's cancellation")
    p.add_argument("session_id", type=_positive_id("a session id"), metavar="SESSION_ID")
    p.set_defaults(func=_cmd_restore_session)

    p = sub.add_parser("set-link", help='set the livestream link of an online session or class ("" clears)')
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--session", dest="session_id", type=_positive_id("a session id"), metavar="ID")
    target.add_argument("--class", dest="class_id", type=_positive_id("a class id"), metavar="ID")
    p.add_argument("url", metavar="URL", help='an http(s) URL, or "" to clear')
    p.set_defaults(func=_cmd_set_link)

    p = sub.add_parser("provider", help="show, create or change the provider and its policies")
    provider = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    q = provider.add_parser("show", help="print the provider's settings, holidays and invoice profile")
    q.set_defaults(func=_cmd_provider_show)
    q = provider.add_parser("create", help="create the installation's provider (once)")
    q.add_argument("--slug", required=True, help="short name in lower case, e.g. little-otters")
    q.add_argument("--name", required=True, help="the name clients see")
    q.add_argument("--currency", default="EUR", help="ISO 4217 code (default EUR)")
    q.add_argument("--timezone", default="UTC", help="IANA time zone, e.g. Europe/Bratislava (default UTC)")
    q.add_argument("--language", default="en", help="language code (default en)")
    q.add_argument("--email", default="", help="contact e-mail shown to clients")
    q.set_defaults(func=_cmd_provider_create)
    q = provider.add_parser(
        "set",
        help="change policy fields: FIELD=VALUE ... (`provider show` lists them; "
        'yes/no, numbers, HH:MM, "" clears text)',
    )
    q.add_argument("assignments", nargs="+", type=_assignment, metavar="FIELD=VALUE")
    q.set_defaults(func=_cmd_provider_set)

    p = sub.add_parser("holiday", help="add or remove a day the provider is closed")
    holiday = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    q = holiday.add_parser("add", help="add a holiday: YYYY-MM-DD [NAME]")
    q.add_argument("day", metavar="YYYY-MM-DD")
    q.add_argument("name", nargs="*", metavar="NAME")
    q.set_defaults(func=_cmd_holiday)
    q = holiday.add_parser("remove", help="remove a holiday: YYYY-MM-DD")
    q.add_argument("day", metavar="YYYY-MM-DD")
    q.set_defaults(func=_cmd_holiday)

    p = sub.add_parser(
        "invoice-profile", help="what invoices say about the provider: legal details, VAT, logo"
    )
    invoice = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    q = invoice.add_parser(
        "set",
        help="FIELD=VALUE ...: legal_name, company_id, tax_id, vat_id, vat_payer, "
        "default_vat_rate (percent), exemption_note, footer",
    )
    q.add_argument("assignments", nargs="+", type=_assignment, metavar="FIELD=VALUE")
    q.set_defaults(func=_cmd_invoice_profile_set)
    q = invoice.add_parser("logo", help="set (or --remove) the logo printed on invoices and receipts")
    q.add_argument(
        "file", nargs="?", metavar="FILE", help="a PNG or JPEG; stored as a PNG of at most 450 x 150 px"
    )
    q.add_argument("--remove", action="store_true", help="remove the logo")
    q.set_defaults(func=_cmd_invoice_profile_logo)

    p = sub.add_parser(
        "paid", help="record a bank transfer received for a charge (issues its invoice/receipt)"
    )
    p.add_argument(
        "charge",
        metavar="REFERENCE|CHARGE_ID",
        help="the payment reference on the statement (an item's, or one covering several items), or the charge id",
    )
    p.add_argument("--amount", required=True, metavar="AMOUNT", help="the amount received, e.g. 120.00")
    p.add_argument("--on", metavar="YYYY-MM-DD", help="the day it arrived (default today)")
    p.set_defaults(func=_cmd_paid)

    p = sub.add_parser(
        "import", help="import families, clients, attendees and enrolments from a CSV file (all or nothing)"
    )
    p.add_argument(
        "file", metavar="FILE", help="a CSV file in the console's template (UTF-8, comma or semicolon)"
    )
    p.add_argument(
        "--dry-run", action="store_true", help="show every row's outcome and every error; write nothing"
    )
    p.set_defaults(func=_cmd_import)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from pydantic import ValidationError
    from sqlalchemy.exc import SQLAlchemyError

    from client_profile.services.errors import DomainError
    from client_profile.settings import get_settings

    try:
        get_settings()
    except ValidationError as exc:
        problems = "; ".join(str(e.get("msg", e)).removeprefix("Value error, ") for e in exc.errors())
        print(f"client-profile: configuration error: {problems}", file=sys.stderr)
        return 1
    try:
        return args.func(args)
    except (CliError, DomainError) as exc:
        print(f"client-profile {args.command}: {exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        hint = (
            "" if args.command in ("migrate", "demo", "prepare") else " (run `client-profile migrate` first?)"
        )
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        print(f"client-profile {args.command}: database error: {reason}{hint}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
