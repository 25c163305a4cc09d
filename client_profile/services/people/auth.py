"""Passwordless login (e-mail code + link) and server-side sessions.

Implements the login controls AUTH-1..AUTH-14 of docs/security.md "Login" (the ids are defined there, with
the deviation from NIST/ASVS and the numbers). In short:

- A login request stores only keyed hashes: HMAC(key, request id || code), SHA-256(link token), SHA-256(flow
  secret). The flow secret lives in an HttpOnly cookie of the browser that asked; the code and the link only work
  together with it (the code is looked up by the flow, never ``WHERE code = ?``; the link's POST needs it).
- 10-minute expiry, single use by one conditional UPDATE, a new request from the same browser voids its older
one, 5 tries per code
  (counted in their own committed statement before comparing), 100 consecutive wrong codes per account disable
  code login until a link login succeeds.
- Known and unknown addresses do the same work: one login_request row, the same statements, the same number of
  rows written (AUTH-8), the same answer. Only a known active client gets an outbox row (the mail); an unknown
  address does one balancing write of the same shape instead.
- Send limits (per address and requester, per address overall, per client IP) are counted from login_request
rows. A request over a limit is
  stored "born expired" (expires_at == created_at): it sends nothing and can never log in, it does not void the
  earlier request, and it does not count towards the limits.
- Sessions: 256-bit random token in an HttpOnly cookie, only its SHA-256 stored, idle + absolute expiry, an epoch
  on the client that "log out everywhere" bumps so open tabs die at their next event.
- Two areas (docs/security.md "Two areas"): the client profile (Client accounts) and the provider console
  (StaffMember accounts). The same rules for both; each area has its own cookies, its own rate-limit keys and
  its own session rows (auth_session.client_id or .staff_id), so a login of one area never opens the other.

Every function takes the caller's DB session; the caller's unit of work commits. ``verify_code`` and
``confirm_link`` commit on their own between steps (the attempt counter must survive a wrong code, and on SQLite
each write must start its own transaction so parallel submissions wait for the lock instead of failing).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, case, func, insert, or_, select, update
from sqlmodel import Session
from starlette.requests import cookie_parser

from client_profile.integrations.crypto import constant_time_equal, keyed_hash, seal, sha256_hex
from client_profile.models import AuthSession, Client, LoginRequest, StaffMember
from client_profile.models.base import as_utc, utcnow
from client_profile.services.errors import DomainError
from client_profile.services.notifications import outbox
from client_profile.services.people.changes import version_expression
from client_profile.services.people.identity import Principal, StaffPrincipal, normalize_email
from client_profile.services.providers import current_provider
from client_profile.settings import get_settings

log = logging.getLogger("client_profile.auth")

CODE_DIGITS = 6
MAX_CODE_ATTEMPTS = 5  # per login request (AUTH-4)
ACCOUNT_CODE_FAILURE_LIMIT = 100  # consecutive wrong codes per account (NIST ceiling)
SESSION_TOUCH_SECONDS = 60  # write last_seen/idle expiry at most once a minute per session
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32,128}$")


@dataclass(frozen=True)
class Area:
    """One of the two logins: which accounts it opens, its cookies and its pages."""

    name: str  # stored in login_request.area
    account: type  # Client or StaffMember
    cookie_stem: str
    home: str  # where a login lands
    login_page: str
    auth_prefix: str  # the POST routes and the link (api/auth.py)
    mail_kind: str  # the outbox template of its login mail

    @property
    def request_account(self):
        return LoginRequest.client_id if self.account is Client else LoginRequest.staff_id

    @property
    def session_account(self):
        return AuthSession.client_id if self.account is Client else AuthSession.staff_id

    def owns_path(self, path: str) -> bool:
        """Whether a local path belongs to this area (the return path after login stays in the area)."""
        in_console = path == "/admin" or path.startswith("/admin/")
        return in_console if self is STAFF else not in_console


CLIENT = Area("client", Client, "cp", "/", "/login", "/auth", "login")
STAFF = Area("staff", StaffMember, "cp_staff", "/admin", "/admin/login", "/admin/auth", "staff_login")
AREAS = (CLIENT, STAFF)
AnyPrincipal = Principal | StaffPrincipal


def _role_value(role: object) -> str:
    return str(getattr(role, "value", role))


# --------------------------------------------------------------------------------------------------- errors


_MESSAGES: dict[str, str] = {
    "missing-email": "Please enter your e-mail address.",
    "invalid-email": "Please enter a valid e-mail address.",
    "unavailable": "Logging in is not possible right now. Please try again later.",
    "code-format": "Enter the 6-digit code from the e-mail.",
    "no-flow": "This login has timed out or was started in another browser. Request a new code.",
    "expired": "This code has expired. Request a new one.",
    "used": "This code has already been used. Request a new one.",
    "superseded": "A newer code was requested. Use the code from the newest e-mail.",
    "too-many": "Too many wrong codes. Request a new one.",
    "code-disabled": (
        "Code login is switched off for this account after too many wrong codes. "
        "Open the link in the e-mail on this device instead."
    ),
    "other-device": (
        "To log in, enter the 6-digit code from the same e-mail on the device where you started."
    ),
    "link-invalid": "This login link is not valid. Request a new code.",
    "link-expired": "This login link has expired. Request a new one.",
    "link-used": "This login link has already been used. Request a new one.",
    "logged-out": "You are logged out.",
    "logged-out-all": "You were logged out on all devices.",
}


def _wrong_code_message(left: int) -> str:
    if left <= 0:
        return _MESSAGES["too-many"]
    return f"That code is not right. {left} {'try' if left == 1 else 'tries'} left."


def login_message(code: str | None) -> str | None:
    """The message for an error/notice code from a query string (a whitelist: never echoes its input)."""
    if not code or not isinstance(code, str):
        return None
    if code in _MESSAGES:
        return _MESSAGES[code]
    m = re.fullmatch(r"wrong-code-([0-4])", code)
    if m:
        return _wrong_code_message(int(m.group(1)))
    return None


class LoginError(DomainError):
    """A login step failed. ``code`` is a short stable identifier (for redirects); str() is the message."""

    def __init__(self, code: str, message: str | None = None) -> None:
        self.code = code
        super().__init__(message or login_message(code) or _MESSAGES["unavailable"])


def _wrong_code(left: int) -> LoginError:
    left = max(left, 0)
    return LoginError(f"wrong-code-{left}" if left else "too-many", _wrong_code_message(left))


# --------------------------------------------------------------------------------------------------- helpers


def generate_code() -> str:
    """Six decimal digits from the OS CSPRNG (AUTH-1): ~19.9 bits, leading zeros kept."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def new_token() -> str:
    """256 random bits, URL-safe (43 characters): link tokens, flow secrets, session tokens."""
    return secrets.token_urlsafe(32)


def _clean_code(raw: object) -> str:
    """Accept "123456", " 123 456 " (we print it spaced); refuse anything else, fullwidth digits included."""
    if not isinstance(raw, str) or len(raw) > 32:
        raise LoginError("code-format")
    digits = raw.replace(" ", "").strip()
    if len(digits) != CODE_DIGITS or any(c not in "0123456789" for c in digits):
        raise LoginError("code-format")
    return digits


def ip_bucket(ip: str | None) -> str:
    """The rate-limit bucket of a client address: IPv4 as is, IPv6 by its /64 (one household/ISP customer)."""
    text = (ip or "").strip()[:100]
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return text or "unknown"
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.ipv4_mapped is not None:
            return str(addr.ipv4_mapped)
        return str(ipaddress.IPv6Network((addr, 64), strict=False))
    return str(addr)


def _code_hash(request_id: int, code: str) -> str:
    return keyed_hash("login-code", request_id, code)


def _cookie(area: Area, suffix: str) -> str:
    name = f"{area.cookie_stem}_{suffix}"
    return f"__Host-{name}" if get_settings().cookie_secure else name


def session_cookie_name(area: Area = CLIENT) -> str:
    return _cookie(area, "session")


def flow_cookie_name(area: Area = CLIENT) -> str:
    return _cookie(area, "login_flow")


def return_cookie_name(area: Area = CLIENT) -> str:
    """Where to go after logging in (a local path), kept for the length of one login flow."""
    return _cookie(area, "login_next")


MAX_RETURN_PATH = 512


def safe_return_path(value: object, area: Area = CLIENT) -> str:
    """The page to return to after login: a local path of our own in the area ("/benefits",
    "/bookings/3?tab=sessions"; "/admin/..." for the console), never another site ("//evil.example",
    "https://...", "/\\evil"), nor the login pages themselves; the area's home for anything else."""
    home = area.home
    if not isinstance(value, str) or not value.startswith("/") or len(value) > MAX_RETURN_PATH:
        return home
    if value.startswith("//") or "\\" in value or any(ord(c) < 32 or ord(c) == 127 for c in value):
        return home
    if value.startswith(("/login", "/auth/", "/to-login", "/dev/", "/admin/login", "/admin/auth/")):
        return home
    return value if area.owns_path(value.split("?", 1)[0]) else home


def session_max_age_seconds() -> int:
    return get_settings().session_absolute_days * 86400


def flow_max_age_seconds() -> int:
    return get_settings().login_code_minutes * 60


# --------------------------------------------------------------------------------------------------- request


def _send_limited(db: Session, email_hash: str, ip_hash: str, held_flow_hash: str, now: datetime) -> bool:
    """One query over the requests of the last hour that were within the limits (AUTH-6).

    The per-address limits (spacing, LOGIN_MAX_PER_EMAIL_HOUR) count the requests of this address from this
    requester (its IP bucket), so requests from elsewhere cannot use them up. One higher cap per address,
    LOGIN_MAX_PER_EMAIL_HOUR_TOTAL, counts everyone's requests (it bounds mail-bombing); it does not apply to a
    browser that holds an open request of this address made from the same IP bucket (its flow cookie), so a
    flood from elsewhere cannot stop that browser's resend. Such a chain cannot outlive the hour by itself: it
    stays within its own 5 per hour, each code is open for at most 10 minutes, and 5 x 10 < 60.
    """
    s = get_settings()
    window_start = now - max(timedelta(hours=1), timedelta(seconds=s.login_min_seconds_between))
    hour_ago = now - timedelta(hours=1)
    spacing_from = now - timedelta(seconds=s.login_min_seconds_between)
    lr = LoginRequest
    for_email = lr.email_hash == email_hash
    mine = and_(for_email, lr.ip_hash == ip_hash)
    held = and_(
        mine,
        lr.flow_hash == held_flow_hash,
        lr.used_at.is_(None),
        lr.voided_at.is_(None),
        lr.expires_at > now,
    )

    def count(cond):
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    row = db.execute(
        select(
            count(and_(mine, lr.created_at > hour_ago)),
            count(and_(mine, lr.created_at > spacing_from)),
            count(and_(for_email, lr.created_at > hour_ago)),
            count(and_(lr.ip_hash == ip_hash, lr.created_at > hour_ago)),
            count(held),
        ).where(
            lr.created_at > window_start,
            lr.expires_at
            > lr.created_at,  # requests that were within the limits ("born expired" ones are not)
            or_(for_email, lr.ip_hash == ip_hash),
        )
    ).one()
    mine_hour, mine_recent, email_hour, ip_hour, holds_open = (int(v or 0) for v in row)
    if s.login_min_seconds_between > 0 and mine_recent > 0:
        return True
    if mine_hour >= s.login_max_per_email_hour or ip_hour >= s.login_max_per_ip_hour:
        return True
    total_cap = max(s.login_max_per_email_hour_total, s.login_max_per_email_hour)
    return holds_open == 0 and email_hour >= total_cap


def request_login(
    db: Session,
    raw_email: object,
    ip: str | None,
    user_agent: str | None,
    now: datetime | None = None,
    *,
    current_flow: str | None = None,
    area: Area = CLIENT,
) -> str:
    """Start a login for an address; returns the flow secret for the asking browser's cookie.

    Raises DomainError (LoginError "missing-email"/"invalid-email") before writing anything when the address is
    not valid. Otherwise the work and the answer are the same whether the address has an account or not.

    ``current_flow`` is the flow secret the browser already holds (its cookie). When this request is over a send
    limit and that flow still points at an open request for the same address, the same flow secret is returned, so
    a double-submitted form keeps the browser bound to the code that was mailed.
    """
    now = now or utcnow()
    settings = get_settings()
    try:
        email = normalize_email(raw_email)
    except DomainError:
        empty = not isinstance(raw_email, str) or not raw_email.strip()
        raise LoginError("missing-email" if empty else "invalid-email") from None
    try:
        provider = current_provider(db)
    except DomainError:
        raise LoginError("unavailable") from None

    # The address key differs per area (separate send limits); the IP key is shared (one limit per requester).
    email_hash = keyed_hash(
        "login-email" if area is CLIENT else f"{area.name}-login-email", provider.id, email
    )
    ip_hash = keyed_hash("login-ip", ip_bucket(ip))
    acc = area.account
    client = db.execute(
        select(acc.id, acc.is_active, acc.code_login_disabled).where(
            acc.provider_id == provider.id, acc.email == email
        )
    ).first()
    # The browser's own current flow ("" matches no row): the same statements run with and without a cookie.
    held_flow_hash = (
        sha256_hex(current_flow)
        if current_flow and isinstance(current_flow, str) and len(current_flow) <= 128
        else ""
    )
    limited = _send_limited(db, email_hash, ip_hash, held_flow_hash, now)

    flow_secret, link_token, code = new_token(), new_token(), generate_code()
    expires_at = now if limited else now + timedelta(minutes=settings.login_code_minutes)
    request_id = db.execute(
        insert(LoginRequest)
        .values(
            provider_id=provider.id,
            email_hash=email_hash,
            area=area.name,
            client_id=client.id if client and area is CLIENT else None,
            staff_id=client.id if client and area is STAFF else None,
            ip_hash=ip_hash,
            code_hash="",
            link_hash=sha256_hex(link_token),
            flow_hash=sha256_hex(flow_secret),
            attempts=0,
            created_at=now,
            expires_at=expires_at,
        )
        .returning(LoginRequest.id)
    ).scalar_one()
    lr = LoginRequest
    db.execute(update(lr).where(lr.id == request_id).values(code_hash=_code_hash(request_id, code)))

    if limited:
        log.info("login request %s over the send limits: nothing sent", request_id)
        if held_flow_hash:
            still_open = db.execute(
                select(lr.id).where(
                    lr.flow_hash == held_flow_hash,
                    lr.email_hash == email_hash,
                    lr.used_at.is_(None),
                    lr.voided_at.is_(None),
                    lr.expires_at > now,
                )
            ).first()
            if still_open is not None:
                return current_flow  # type: ignore[return-value]
        return flow_secret

    # A new request supersedes the open one of the same browser for this address (AUTH-2): the one its flow cookie
    # points at.
    # Requests from elsewhere (another flow, or none) leave it alone: a stranger asking for this address must not
    # cancel the code its owner is typing (docs/security.md finding 2). Their codes only work with their own
    # flow cookie.
    db.execute(
        update(lr)
        .where(
            lr.flow_hash == held_flow_hash,
            lr.email_hash == email_hash,
            lr.id != request_id,
            lr.used_at.is_(None),
            lr.voided_at.is_(None),
            lr.expires_at > now,
        )
        .values(voided_at=now)
    )
    if client is not None and client.is_active:
        outbox.enqueue(
            db,
            provider_id=provider.id,
            kind=area.mail_kind,
            recipient_client_id=client.id if area is CLIENT else None,
            # Unique for ever: request ids restart when old login requests are purged (docs/security.md finding 7e).
            dedupe_key=f"{area.mail_kind}:{request_id}:{secrets.token_urlsafe(12)}",
            payload={
                "login_request_id": request_id,
                "expires_at": expires_at.isoformat(),
                "code_login_disabled": bool(client.code_login_disabled),
                **({"staff_id": client.id} if area is STAFF else {}),
            },
            secrets={"code": code, "link_token": link_token},
            now=now,
        )
        log.info("login request %s for %s %s: mail queued", request_id, area.name, client.id)
    else:
        # Balancing work (AUTH-8): the same encryption and one statement writing one row, where a known address
        # gets its sealed outbox row, so neither counts nor CPU work tell whether the address has an account.
        seal(json.dumps({"code": code, "link_token": link_token}))
        db.execute(update(lr).where(lr.id == request_id).values(attempts=0))
        log.info("login request %s: no active account, nothing sent", request_id)
    return flow_secret


# --------------------------------------------------------------------------------------------------- verify


def _dead_request(row, now: datetime, *, link: bool = False) -> LoginError:
    """Why a request can no longer be used, in the user's words."""
    if row.used_at is not None:
        return LoginError("link-used" if link else "used")
    if not link and row.attempts >= MAX_CODE_ATTEMPTS:
        return LoginError("too-many")
    if row.voided_at is not None:
        if row.attempts >= MAX_CODE_ATTEMPTS:
            return LoginError("link-invalid" if link else "too-many")
        return LoginError("link-invalid" if link else "superseded")
    if row.expires_at <= now:
        return LoginError("link-expired" if link else "expired")
    return LoginError("link-invalid" if link else "no-flow")


def _request_with_client(where, area: Area):
    """The login request (of this area only) with its account's columns (None for an unknown address)."""
    lr = LoginRequest
    acc = area.account
    extra = (Client.family_id,) if area is CLIENT else (StaffMember.role,)
    return (
        select(
            lr.id,
            area.request_account.label("client_id"),  # the account id, of either area
            lr.attempts,
            lr.code_hash,
            lr.flow_hash,
            lr.expires_at,
            lr.used_at,
            lr.voided_at,
            acc.is_active,
            acc.code_login_disabled,
            acc.session_epoch,
            acc.provider_id,
            acc.email,
            acc.full_name,
            *extra,
        )
        .select_from(lr)
        .outerjoin(acc, acc.id == area.request_account)
        .where(where, lr.area == area.name)
    )


def _consume(db: Session, request_id: int, now: datetime) -> bool:
    """AUTH-3: the one conditional UPDATE that makes a request single-use (code and link die together)."""
    lr = LoginRequest
    result = db.execute(
        update(lr)
        .where(
            lr.id == request_id,
            lr.used_at.is_(None),
            lr.voided_at.is_(None),
            lr.expires_at > now,
        )
        .values(used_at=now)
    )
    return result.rowcount == 1


def _log_in(db: Session, row, now: datetime, user_agent: str | None, area: Area) -> tuple[str, AnyPrincipal]:
    """After a successful consume: reset the account's failure counter, mint the session, commit."""
    acc = area.account
    db.execute(
        update(acc).where(acc.id == row.client_id).values(failed_code_count=0, code_login_disabled=False)
    )
    token, session_id = create_session(
        db, row.client_id, row.session_epoch, user_agent=user_agent, now=now, area=area
    )
    db.commit()
    log.info("%s %s logged in (session %s)", area.name, row.client_id, session_id)
    if area is STAFF:
        return token, StaffPrincipal(
            staff_id=row.client_id,
            provider_id=row.provider_id,
            session_id=session_id,
            email=row.email,
            full_name=row.full_name,
            role=_role_value(row.role),
        )
    return token, Principal(
        client_id=row.client_id,
        provider_id=row.provider_id,
        family_id=row.family_id,
        session_id=session_id,
        email=row.email,
        full_name=row.full_name,
    )


def verify_code(
    db: Session,
    flow_secret: str | None,
    code: object,
    now: datetime | None = None,
    *,
    user_agent: str | None = None,
    area: Area = CLIENT,
) -> tuple[str, AnyPrincipal]:
    """Log in with the 6-digit code, in the browser that asked for it. Returns (session token, principal).

    Raises LoginError with a message for the form. Brute-force math: 5 tries per code and 100 consecutive
    failures per account cap an attacker's success between two legitimate logins at 100 / 10^6 = 0.01 %.
    """
    now = now or utcnow()
    digits = _clean_code(code)  # bad input: a message, no attempt counted, nothing written
    if not flow_secret or not isinstance(flow_secret, str) or len(flow_secret) > 128:
        raise LoginError("no-flow")
    flow_hash = sha256_hex(flow_secret)
    lr = LoginRequest

    # 1. Count the attempt first, in its own committed statement (AUTH-4; Kratos): parallel guesses cannot
    #    overshoot, and at most MAX_CODE_ATTEMPTS submissions ever reach the comparison.
    counted = (
        db.execute(
            update(lr)
            .where(
                lr.flow_hash == flow_hash,
                lr.area == area.name,
                lr.attempts < MAX_CODE_ATTEMPTS,
                lr.used_at.is_(None),
                lr.voided_at.is_(None),
                lr.expires_at > now,
            )
            .values(attempts=lr.attempts + 1)
        ).rowcount
        == 1
    )
    db.commit()

    row = db.execute(_request_with_client(lr.flow_hash == flow_hash, area)).first()
    db.commit()  # end the read before the next write (SQLite: a write must start its own transaction)
    if row is None:
        raise LoginError("no-flow")
    if not counted:
        raise _dead_request(row, now)

    if constant_time_equal(_code_hash(row.id, digits), row.code_hash) and row.client_id is not None:
        if not row.is_active:
            raise LoginError("no-flow")
        if row.code_login_disabled:
            raise LoginError("code-disabled")
        if not _consume(db, row.id, now):
            db.rollback()
            fresh = db.execute(_request_with_client(lr.id == row.id, area)).one()
            db.commit()
            raise _dead_request(fresh, now)
        return _log_in(db, row, now, user_agent, area)

    # 2. A wrong code: the account's consecutive-failure counter (no-op for an unknown address, same statement),
    #    and the request dies with its fifth wrong code.
    acc = area.account
    db.execute(
        update(acc)
        .where(acc.id == row.client_id)
        .values(
            failed_code_count=acc.failed_code_count + 1,
            code_login_disabled=case(
                (acc.failed_code_count + 1 >= ACCOUNT_CODE_FAILURE_LIMIT, True),
                else_=acc.code_login_disabled,
            ),
        )
    )
    left = MAX_CODE_ATTEMPTS - row.attempts
    if left <= 0:
        db.execute(
            update(lr)
            .where(lr.id == row.id, lr.voided_at.is_(None), lr.used_at.is_(None))
            .values(voided_at=now)
        )
    db.commit()
    log.info("wrong login code for request %s (%s tries left)", row.id, max(left, 0))
    raise _wrong_code(left)


# --------------------------------------------------------------------------------------------------- link


def link_status(
    db: Session, link_token: str | None, now: datetime | None = None, *, area: Area = CLIENT
) -> str:
    """For the GET confirm page, no side effects: "valid", "expired", "used" or "invalid" (a link of the
    other area is "invalid" here)."""
    now = now or utcnow()
    if not link_token or not isinstance(link_token, str) or not _TOKEN_RE.match(link_token):
        return "invalid"
    lr = LoginRequest
    row = db.execute(
        select(area.request_account.label("client_id"), lr.used_at, lr.voided_at, lr.expires_at).where(
            lr.link_hash == sha256_hex(link_token), lr.area == area.name
        )
    ).first()
    if row is None or row.client_id is None:
        return "invalid"
    if row.used_at is not None:
        return "used"
    if row.voided_at is not None:
        return "invalid"
    if row.expires_at <= now:
        return "expired"
    return "valid"


def link_opened_where_asked(
    db: Session,
    link_token: str | None,
    flow_secret: str | None,
    now: datetime | None = None,
    *,
    area: Area = CLIENT,
) -> bool:
    """No side effects: whether this valid link belongs to the login this browser (its flow cookie) asked for.
    Only then may the link page log in by itself; anywhere else it asks for the code (scanner safety)."""
    if (
        not flow_secret
        or not isinstance(flow_secret, str)
        or link_status(db, link_token, now, area=area) != "valid"
    ):
        return False
    row = db.execute(
        select(LoginRequest.flow_hash).where(LoginRequest.link_hash == sha256_hex(link_token))
    ).first()
    return row is not None and constant_time_equal(sha256_hex(flow_secret), row.flow_hash)


def confirm_link(
    db: Session,
    link_token: str | None,
    flow_secret: str | None,
    now: datetime | None = None,
    *,
    user_agent: str | None = None,
    area: Area = CLIENT,
) -> tuple[str, AnyPrincipal]:
    """Log in with the link, only in the browser that asked (its flow cookie matches the request: AUTH-10).

    Opened elsewhere (no or another flow cookie) it changes nothing and raises LoginError "other-device".
    A successful link login also re-enables code login after the 100-failure lock (AUTH-4).
    """
    now = now or utcnow()
    if not link_token or not isinstance(link_token, str) or not _TOKEN_RE.match(link_token):
        raise LoginError("link-invalid")
    lr = LoginRequest
    row = db.execute(_request_with_client(lr.link_hash == sha256_hex(link_token), area)).first()
    db.commit()  # end the read before the write below
    if row is None or row.client_id is None or not row.is_active:
        raise LoginError("link-invalid")
    if row.used_at is not None or row.voided_at is not None or row.expires_at <= now:
        raise _dead_request(row, now, link=True)
    if (
        not flow_secret
        or not isinstance(flow_secret, str)
        or len(flow_secret) > 128
        or not constant_time_equal(sha256_hex(flow_secret), row.flow_hash)
    ):
        raise LoginError("other-device")
    if not _consume(db, row.id, now):
        db.rollback()
        raise LoginError("link-used")
    return _log_in(db, row, now, user_agent, area)


# --------------------------------------------------------------------------------------------------- sessions


def create_session(
    db: Session,
    client_id: int,
    epoch: int,
    *,
    user_agent: str | None = None,
    now: datetime | None = None,
    area: Area = CLIENT,
) -> tuple[str, int]:
    """Mint a new session (never reuse a pre-login value: AUTH-11). Returns (token for the cookie, session id);
    only SHA-256(token) is stored."""
    now = now or utcnow()
    s = get_settings()
    token = new_token()
    absolute = now + timedelta(days=s.session_absolute_days)
    idle = min(now + timedelta(minutes=s.session_idle_minutes), absolute)
    session_id = db.execute(
        insert(AuthSession)
        .values(
            client_id=client_id if area is CLIENT else None,
            staff_id=client_id if area is STAFF else None,
            token_hash=sha256_hex(token),
            epoch=epoch,
            created_at=now,
            last_seen_at=now,
            idle_expires_at=idle,
            absolute_expires_at=absolute,
            user_agent=(user_agent or "")[:200],
        )
        .returning(AuthSession.id)
    ).scalar_one()
    return token, session_id


_PRINCIPAL_QUERY_COLUMNS = (
    AuthSession.id,
    AuthSession.epoch,
    AuthSession.last_seen_at,
    AuthSession.idle_expires_at,
    AuthSession.absolute_expires_at,
    AuthSession.revoked_at,
    Client.id.label("client_id"),
    Client.provider_id,
    Client.family_id,
    Client.email,
    Client.full_name,
    Client.session_epoch,
    Client.is_active,
)


_PRINCIPAL_STMT = (
    select(*_PRINCIPAL_QUERY_COLUMNS, version_expression(Client.id, Client.family_id).label("data_version"))
    .select_from(AuthSession)
    .join(Client, Client.id == AuthSession.client_id)
    .where(AuthSession.token_hash == bindparam("token_hash"))
)


_STAFF_PRINCIPAL_STMT = (
    select(
        AuthSession.id,
        AuthSession.epoch,
        AuthSession.last_seen_at,
        AuthSession.idle_expires_at,
        AuthSession.absolute_expires_at,
        AuthSession.revoked_at,
        StaffMember.id.label("staff_id"),
        StaffMember.provider_id,
        StaffMember.email,
        StaffMember.full_name,
        StaffMember.role,
        StaffMember.session_epoch,
        StaffMember.is_active,
    )
    .select_from(AuthSession)
    .join(StaffMember, StaffMember.id == AuthSession.staff_id)
    .where(AuthSession.token_hash == bindparam("token_hash"))
)


def _live_session(db: Session, statement, token: str | None, now: datetime | None):
    """The row of a live session behind a cookie value (revocation, idle and absolute expiry, the account's epoch
    and active flag checked), or None. Slides the idle expiry, writing at most once per SESSION_TOUCH_SECONDS
    (the caller's unit of work commits it)."""
    if not token or not isinstance(token, str) or not _TOKEN_RE.match(token):
        return None
    now = now or utcnow()
    # The statement is built once (above): on every event only its parameter changes, and it runs on the
    # session's connection without ORM result processing.
    row = db.connection().execute(statement, {"token_hash": sha256_hex(token)}).first()
    if row is None or row.revoked_at is not None or not row.is_active:
        return None
    if now >= row.idle_expires_at or now >= row.absolute_expires_at or row.epoch != row.session_epoch:
        return None
    if (now - row.last_seen_at).total_seconds() >= SESSION_TOUCH_SECONDS:
        idle = min(now + timedelta(minutes=get_settings().session_idle_minutes), row.absolute_expires_at)
        db.execute(
            update(AuthSession)
            .where(AuthSession.id == row.id, AuthSession.revoked_at.is_(None))
            .values(last_seen_at=now, idle_expires_at=idle)
        )
    return row


def principal_for_token(db: Session, token: str | None, now: datetime | None = None) -> Principal | None:
    """The client behind a (client) session cookie value, or None. One query; runs on every Reflex event. A staff
    session's token is None here (the join is on auth_session.client_id)."""
    row = _live_session(db, _PRINCIPAL_STMT, token, now)
    if row is None:
        return None
    return Principal(
        client_id=row.client_id,
        provider_id=row.provider_id,
        family_id=row.family_id,
        session_id=row.id,
        email=row.email,
        full_name=row.full_name,
        data_version=int(row.data_version),
    )


def staff_principal_for_token(
    db: Session, token: str | None, now: datetime | None = None
) -> StaffPrincipal | None:
    """The staff member behind a staff session cookie value, or None (a client session's token is None here)."""
    row = _live_session(db, _STAFF_PRINCIPAL_STMT, token, now)
    if row is None:
        return None
    return StaffPrincipal(
        staff_id=row.staff_id,
        provider_id=row.provider_id,
        session_id=row.id,
        email=row.email,
        full_name=row.full_name,
        role=_role_value(row.role),
    )


def token_from_cookie_header(cookie_header: str | None, area: Area = CLIENT) -> str | None:
    if not cookie_header or not isinstance(cookie_header, str):
        return None
    return cookie_parser(cookie_header).get(session_cookie_name(area)) or None


def staff_principal_from_cookie_header(
    db: Session, cookie_header: str | None, now: datetime | None = None
) -> StaffPrincipal | None:
    """For the console's event handlers: the staff session of the raw Cookie header."""
    return staff_principal_for_token(db, token_from_cookie_header(cookie_header, STAFF), now)


def principal_from_cookie_header(
    db: Session, cookie_header: str | None, now: datetime | None = None
) -> Principal | None:
    """For Reflex event handlers: parse the raw Cookie header (self.router.headers.cookie) and resolve it."""
    return principal_for_token(db, token_from_cookie_header(cookie_header), now)


def logout(db: Session, token: str | None, now: datetime | None = None) -> None:
    """Revoke the session behind this cookie value (if any)."""
    if not token or not isinstance(token, str) or not _TOKEN_RE.match(token):
        return
    now = now or utcnow()
    db.execute(
        update(AuthSession)
        .where(AuthSession.token_hash == sha256_hex(token), AuthSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def logout_everywhere(db: Session, principal: AnyPrincipal, now: datetime | None = None) -> int:
    """Revoke every session of the account (a client's or a staff member's) and bump its epoch, so already-open
    tabs fail at their next event. Returns the number of sessions revoked."""
    if isinstance(principal, StaffPrincipal):
        return end_staff_sessions(db, principal.staff_id, now)
    now = now or utcnow()
    revoked = db.execute(
        update(AuthSession)
        .where(AuthSession.client_id == principal.client_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    db.execute(
        update(Client).where(Client.id == principal.client_id).values(session_epoch=Client.session_epoch + 1)
    )
    log.info("client %s logged out everywhere (%s sessions)", principal.client_id, revoked.rowcount)
    return revoked.rowcount


def end_staff_sessions(db: Session, staff_id: int, now: datetime | None = None) -> int:
    """Revoke every session of a staff member and bump their epoch (their logout everywhere, a role change or
    a deactivation: the new rights apply from their next login)."""
    now = now or utcnow()
    revoked = db.execute(
        update(AuthSession)
        .where(AuthSession.staff_id == staff_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    db.execute(
        update(StaffMember)
        .where(StaffMember.id == staff_id)
        .values(session_epoch=StaffMember.session_epoch + 1)
    )
    log.info("staff %s logged out everywhere (%s sessions)", staff_id, revoked.rowcount)
    return revoked.rowcount


# --------------------------------------------------------------------------------------------------- step-up

STEP_UP_AREA = "step_up"  # login_request.area of a fresh code asked for inside a session (never logs in)
STEP_UP_MAX_PER_HOUR = 5


class StepUpRequired(DomainError):
    def __init__(self) -> None:
        super().__init__("For your security, first confirm it is you with a fresh code from your e-mail.")


def _step_up_flow(session_id: int) -> str:
    """The request is bound to the session that asked (no cookie needed: the session is the browser)."""
    return keyed_hash("step-up-flow", session_id)


def request_step_up(db: Session, principal: Principal, now: datetime | None = None) -> None:
    """Mail a fresh 6-digit code to the logged-in client's stored address, bound to this session (10 minutes,
    5 tries, single use, a new request voids the older one). At most one a minute and 5 an hour per client."""
    now = now or utcnow()
    s = get_settings()
    lr = LoginRequest
    email_hash = keyed_hash("step-up-email", principal.provider_id, principal.client_id)
    recent = db.execute(
        select(func.count(), func.max(lr.created_at)).where(
            lr.email_hash == email_hash, lr.area == STEP_UP_AREA, lr.created_at > now - timedelta(hours=1)
        )
    ).one()
    count, last = int(recent[0] or 0), recent[1]
    if count >= STEP_UP_MAX_PER_HOUR:
        raise DomainError("Too many codes were asked for. Please try again in an hour.")
    if last is not None and (now - as_utc(last)).total_seconds() < s.login_min_seconds_between:
        raise DomainError("A code was sent a moment ago. Please wait a minute before asking again.")
    flow_hash = _step_up_flow(principal.session_id)
    db.execute(
        update(lr)
        .where(
            lr.flow_hash == flow_hash,
            lr.area == STEP_UP_AREA,
            lr.used_at.is_(None),
            lr.voided_at.is_(None),
        )
        .values(voided_at=now)
    )
    code = generate_code()
    request_id = db.execute(
        insert(lr)
        .values(
            provider_id=principal.provider_id,
            email_hash=email_hash,
            area=STEP_UP_AREA,
            client_id=principal.client_id,
            ip_hash="",
            code_hash="",
            link_hash=sha256_hex(new_token()),  # no link: a step-up code is typed in the page that asked
            flow_hash=flow_hash,
            attempts=0,
            created_at=now,
            expires_at=now + timedelta(minutes=s.login_code_minutes),
        )
        .returning(lr.id)
    ).scalar_one()
    db.execute(update(lr).where(lr.id == request_id).values(code_hash=_code_hash(request_id, code)))
    outbox.enqueue(
        db,
        provider_id=principal.provider_id,
        kind="step_up",
        recipient_client_id=principal.client_id,
        dedupe_key=f"step_up:{request_id}:{secrets.token_urlsafe(12)}",
        payload={"login_request_id": request_id},
        secrets={"code": code},
        now=now,
    )
    log.info("step-up code for client %s queued (request %s)", principal.client_id, request_id)


def verify_step_up(db: Session, principal: Principal, code: object, now: datetime | None = None) -> datetime:
    """Check the fresh code of this session's open step-up request; on success the session may do sensitive
    actions for STEP_UP_MINUTES. Commits the attempt counter before comparing (like verify_code). Returns until
    when the grant holds."""
    now = now or utcnow()
    digits = _clean_code(code)
    lr = LoginRequest
    flow_hash = _step_up_flow(principal.session_id)
    open_request = and_(
        lr.flow_hash == flow_hash,
        lr.area == STEP_UP_AREA,
        lr.client_id == principal.client_id,
        lr.used_at.is_(None),
        lr.voided_at.is_(None),
        lr.expires_at > now,
    )
    counted = (
        db.execute(
            update(lr).where(open_request, lr.attempts < MAX_CODE_ATTEMPTS).values(attempts=lr.attempts + 1)
        ).rowcount
        == 1
    )
    db.commit()
    row = db.execute(
        select(lr.id, lr.attempts, lr.code_hash).where(open_request).order_by(lr.id.desc())
    ).first()
    if row is None or not counted:
        db.commit()
        raise DomainError("This code has expired or was used up. Ask for a new code.")
    if not constant_time_equal(_code_hash(row.id, digits), row.code_hash):
        left = MAX_CODE_ATTEMPTS - row.attempts
        if left <= 0:
            db.execute(update(lr).where(lr.id == row.id).values(voided_at=now))
        db.commit()
        raise _wrong_code(left)
    if not _consume(db, row.id, now):
        db.rollback()
        raise DomainError("This code has expired or was used up. Ask for a new code.")
    until = now + timedelta(minutes=get_settings().step_up_minutes)
    db.execute(
        update(AuthSession)
        .where(AuthSession.id == principal.session_id, AuthSession.revoked_at.is_(None))
        .values(step_up_until=until)
    )
    db.commit()
    log.info("client %s confirmed a step-up code (session %s)", principal.client_id, principal.session_id)
    return until


def step_up_until(db: Session, principal: Principal, now: datetime | None = None) -> datetime | None:
    """Until when this session holds a step-up grant, or None (never had one, or it has run out)."""
    now = now or utcnow()
    value = db.execute(
        select(AuthSession.step_up_until).where(
            AuthSession.id == principal.session_id,
            AuthSession.client_id == principal.client_id,
            AuthSession.revoked_at.is_(None),
        )
    ).scalar_one_or_none()
    if value is None or as_utc(value) <= now:
        return None
    return as_utc(value)


def require_step_up(db: Session, principal: Principal, now: datetime | None = None) -> None:
    if step_up_until(db, principal, now) is None:
        raise StepUpRequired()


def end_family_sessions(db: Session, family_id: int, now: datetime | None = None) -> int:
    """Log every client of a family out everywhere (a deletion request): their sessions are revoked and their
    epochs bumped, so open tabs fail at their next event. Returns the number of sessions revoked."""
    now = now or utcnow()
    members = select(Client.id).where(Client.family_id == family_id)
    revoked = db.execute(
        update(AuthSession)
        .where(AuthSession.client_id.in_(members), AuthSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    db.execute(
        update(Client).where(Client.family_id == family_id).values(session_epoch=Client.session_epoch + 1)
    )
    return revoked.rowcount
