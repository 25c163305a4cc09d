"""Setting up and running the one provider of an installation, from the admin CLI: create it, change its
policies, its holidays and its invoice profile (legal details, VAT, logo), and show all of it.

The caller is trusted to act for the provider (like services.people.sharing) and commits. Bad input raises
DomainError with a message for the operator before anything is written. Values may come typed (from Python)
or as the text an operator typed (from the CLI): each field's parser below is the one rule for what it
accepts ("yes"/"no", whole numbers, "HH:MM", IBANs, colours...).

Every change to the provider's policies or holidays bumps the data version of all its families
(services.people.changes), so open pages reload and show the new rules within a poll.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from sqlalchemy import func
from sqlmodel import Session, select

from client_profile import formatting as fmt
from client_profile.integrations.invoice_pdf import logo_png
from client_profile.models import Family, InvoiceProfile, Provider, ProviderHoliday, utcnow
from client_profile.services.demo import DEMO_SLUG
from client_profile.services.errors import DomainError, FieldErrors, InvalidField
from client_profile.services.people.access import Capability, require_staff
from client_profile.services.people.audit import claim_version, record
from client_profile.services.people.changes import bump_families
from client_profile.services.people.identity import StaffPrincipal, normalize_email

LOGO_MAX_BYTES = 5 * 1024 * 1024
LOGO_MAX_PIXELS = 40_000_000
_TRUE = {"yes", "true", "on", "1", "y"}
_FALSE = {"no", "false", "off", "0", "n"}


# ------------------------------------------------------------------------------------------- parsers


def parse_bool(field: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise DomainError(f"{field} must be yes or no (also true/false, on/off), not {value!r}.")


def _int(low: int, high: int) -> Callable[[str, object], int]:
    def parse(field: str, value: object) -> int:
        number: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and re.fullmatch(r"\s*\d{1,9}\s*", value):
            number = int(value)
        if number is None or not low <= number <= high:
            raise DomainError(f"{field} must be a whole number from {low} to {high}, not {value!r}.")
        return number

    return parse


def _text(max_length: int, required: bool = False) -> Callable[[str, object], str]:
    def parse(field: str, value: object) -> str:
        if not isinstance(value, str):
            raise DomainError(f"{field} must be text.")
        text = value.strip()
        if any(ord(c) < 32 or ord(c) == 127 for c in text):
            raise DomainError(f"{field} must be one line without control characters.")
        if required and not text:
            raise DomainError(f"{field} cannot be empty.")
        if len(text) > max_length:
            raise DomainError(f"{field} is too long (at most {max_length} characters).")
        return text

    return parse


def _choice(*options: str) -> Callable[[str, object], str]:
    def parse(field: str, value: object) -> str:
        text = value.strip().lower() if isinstance(value, str) else value
        if text not in options:
            raise DomainError(f"{field} must be one of {', '.join(options)}, not {value!r}.")
        return text

    return parse


def parse_time(field: str, value: object) -> time | None:
    """ "HH:MM" (24-hour clock); "" clears."""
    if value is None or isinstance(value, time):
        return value
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        match = re.fullmatch(r"(\d{1,2}):(\d{2})", text)
        if match and int(match[1]) < 24 and int(match[2]) < 60:
            return time(int(match[1]), int(match[2]))
    raise DomainError(f"{field} must be a time of day as HH:MM (e.g. 18:00), not {value!r}.")


def parse_day(value: object, what: str = "day") -> date:
    if isinstance(value, date):
        return value
    text = value.strip() if isinstance(value, str) else ""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise DomainError(f"The {what} must be a date as YYYY-MM-DD, not {value!r}.")


def _currency(field: str, value: object) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not re.fullmatch(r"[A-Z]{3}", text):
        raise DomainError(f"{field} must be a 3-letter ISO 4217 code in capitals (e.g. EUR), not {value!r}.")
    return text


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _timezone(field: str, value: object) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if text not in _zones():
        raise DomainError(
            f"{field} must be an IANA time zone such as Europe/Bratislava or UTC, not {value!r}."
        )
    return text


def _language(field: str, value: object) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,4})?", text):
        raise DomainError(f"{field} must be a language code such as en, sk or en-GB, not {value!r}.")
    return text


def _email(field: str, value: object) -> str:
    if isinstance(value, str) and not value.strip():
        return ""
    try:
        return normalize_email(value)
    except DomainError:
        raise DomainError(f"{field} must be a valid e-mail address (or empty), not {value!r}.") from None


def _color(field: str, value: object) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not re.fullmatch(r"#[0-9A-Fa-f]{6}", text):
        raise DomainError(f"{field} must be a colour as #rrggbb (e.g. #0d9488), not {value!r}.")
    return text.lower()


def _url(field: str, value: object) -> str:
    text = _text(300)(field, value)
    if not text:
        return ""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        raise DomainError(f"{field} must be an http(s) address such as https://example.com, not {value!r}.")
    return text


def iban_is_valid(iban: str) -> bool:
    """ISO 13616: country, check digits, 11-30 alphanumerics; the number mod 97 is 1."""
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", iban):
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def _iban(field: str, value: object) -> str:
    if not isinstance(value, str):
        raise DomainError(f"{field} must be text.")
    text = "".join(value.split()).upper()
    if text and not iban_is_valid(text):
        raise DomainError(f"{field}: {value!r} is not a valid IBAN (check the digits; spaces are fine).")
    return text


def _bic(field: str, value: object) -> str:
    text = value.strip().upper() if isinstance(value, str) else None
    if text is None or (text and not re.fullmatch(r"[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?", text)):
        raise DomainError(f"{field} must be a BIC of 8 or 11 characters (e.g. TATRSKBX), not {value!r}.")
    return text


def parse_amount(text: object, currency: str) -> int:
    """ "120.00" in `currency` -> 12000 minor units, exactly (Decimal, never float). Positive only; no more
    decimals than the currency has."""
    digits = 0 if currency.upper() in fmt.NO_MINOR_CURRENCIES else 2
    raw = text.strip() if isinstance(text, str) else str(text) if isinstance(text, (int, Decimal)) else ""
    if not re.fullmatch(r"\d{1,12}(\.\d+)?", raw):
        raise DomainError(f"The amount must be a positive number like 120.00 (with a dot), not {text!r}.")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise DomainError(f"The amount {text!r} is not a number.") from None
    minor = value.scaleb(digits)
    if minor != minor.to_integral_value():
        raise DomainError(f"The amount {text!r} has more decimals than {currency.upper()} has.")
    if minor <= 0:
        raise DomainError("The amount must be more than zero.")
    return int(minor)


# ------------------------------------------------------------------------------------------- provider

# The policy fields an operator may change, each with its parser (the model's limits, and then some).
PROVIDER_FIELDS: dict[str, Callable[[str, object], Any]] = {
    "name": _text(200, required=True),
    "currency": _currency,
    "timezone": _timezone,
    "language": _language,
    "contact_email": _email,
    "contact_phone": _text(40),
    "website": _url,
    "brand_color": _color,
    "invoice_address": _text(500),
    "online_payment_enabled": parse_bool,
    "invoicing_enabled": parse_bool,
    "bank_account_name": _text(200),
    "bank_iban": _iban,
    "bank_bic": _bic,
    "bank_reference_hint": _text(200),
    "makeups_enabled": parse_bool,
    "makeup_from_cancelled": parse_bool,
    "makeup_from_missed": parse_bool,
    "makeup_validity_days": _int(1, 3660),
    "makeup_window_days": _int(0, 366),
    "makeup_min_hours_before": _int(0, 720),
    "makeup_extra_capacity": _int(0, 1000),
    "makeup_expiry_mode": _choice("days", "class_end", "carry_over"),
    "makeup_carry_over_max": _int(0, 100),
    "makeup_waitlist_enabled": parse_bool,
    "makeup_waitlist_offer_hours": _int(1, 720),
    "cancellation_mode": _choice("hours_before", "day_before_at"),
    "cancellation_deadline_hours": _int(0, 720),
    "cancellation_day_before_time": parse_time,
    "allow_late_cancellation": parse_bool,
    "cancellation_skip_weekends": parse_bool,
    "livestream_enabled": parse_bool,
    "attendance_edit_days": _int(0, 366),
}


def get_provider(db: Session) -> Provider:
    """The installation's provider (the first one, if an old database has several)."""
    provider = db.exec(select(Provider).order_by(Provider.id)).first()
    if provider is None:
        raise DomainError(
            "There is no provider yet: create it with `client-profile provider create --slug ... --name ...`."
        )
    return provider


def create_provider(
    db: Session,
    slug: object,
    name: object,
    currency: object = "EUR",
    timezone: object = "UTC",
    language: object = "en",
    contact_email: object = "",
) -> Provider:
    """The installation's provider. Refused when one exists (one provider per installation)."""
    existing = db.exec(select(Provider).order_by(Provider.id)).first()
    if existing is not None:
        hint = " (the demo: start from an empty database for real data)" if existing.slug == DEMO_SLUG else ""
        raise DomainError(
            f"A provider already exists: {existing.name!r} ({existing.slug}){hint}. There is "
            "one provider per installation; change it with `client-profile provider set`."
        )
    slug_text = slug.strip() if isinstance(slug, str) else ""
    if not re.fullmatch(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?", slug_text):
        raise DomainError(
            "The slug must be 1-64 lower-case letters, digits and hyphens (e.g. "
            f"little-otters), not {slug!r}."
        )
    values = {
        "name": PROVIDER_FIELDS["name"]("name", name),
        "currency": _currency("currency", currency),
        "timezone": _timezone("timezone", timezone),
        "language": _language("language", language),
        "contact_email": _email("contact_email", contact_email),
    }
    provider = Provider(slug=slug_text, **values)
    db.add(provider)
    db.flush()
    return provider


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any


def _unknown(fields: dict, allowed: dict, what: str) -> None:
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise DomainError(
            f"Unknown {what} field{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}. "
            f"Allowed: {', '.join(allowed)}."
        )
    if not fields:
        raise DomainError(
            f"Name at least one field to change, e.g. FIELD=VALUE. Allowed: {', '.join(allowed)}."
        )


def _bump_all(db: Session, provider_id: int) -> None:
    bump_families(db, db.exec(select(Family.id).where(Family.provider_id == provider_id)).all())


def update_provider(db: Session, **fields: object) -> list[FieldChange]:
    """Changes the given policy fields (all or none) and returns what actually changed."""
    _unknown(fields, PROVIDER_FIELDS, "provider")
    provider = get_provider(db)
    values = {name: PROVIDER_FIELDS[name](name, raw) for name, raw in fields.items()}
    return _apply(db, provider, values)


def _apply(db: Session, provider: Provider, values: dict[str, Any]) -> list[FieldChange]:
    """Parsed values onto the provider (the rules across fields checked first); what actually changed."""
    merged = {name: values.get(name, getattr(provider, name)) for name in PROVIDER_FIELDS}
    if merged["cancellation_mode"] == "day_before_at" and merged["cancellation_day_before_time"] is None:
        raise DomainError("cancellation_mode=day_before_at needs cancellation_day_before_time=HH:MM too.")
    changes = [
        FieldChange(name, getattr(provider, name), value)
        for name, value in values.items()
        if getattr(provider, name) != value
    ]
    if changes:
        for change in changes:
            setattr(provider, change.field, change.after)
        db.add(provider)
        _bump_all(db, provider.id)
    return changes


# ------------------------------------------------------------------------------------------- holidays


def add_holiday(db: Session, day: object, name: object = "") -> ProviderHoliday:
    provider = get_provider(db)
    when = parse_day(day, "holiday")
    label = _text(100)("The holiday's name", name if name is not None else "")
    if (
        db.exec(
            select(ProviderHoliday).where(
                ProviderHoliday.provider_id == provider.id, ProviderHoliday.day == when
            )
        ).first()
        is not None
    ):
        raise DomainError(f"{when.isoformat()} is already a holiday.")
    holiday = ProviderHoliday(provider_id=provider.id, day=when, name=label)
    db.add(holiday)
    db.flush()
    _bump_all(db, provider.id)
    return holiday


def remove_holiday(db: Session, day: object) -> ProviderHoliday:
    provider = get_provider(db)
    when = parse_day(day, "holiday")
    holiday = db.exec(
        select(ProviderHoliday).where(ProviderHoliday.provider_id == provider.id, ProviderHoliday.day == when)
    ).first()
    if holiday is None:
        raise DomainError(f"{when.isoformat()} is not a holiday.")
    db.delete(holiday)
    db.flush()
    _bump_all(db, provider.id)
    return holiday


# -------------------------------------------------------------------------------------- invoice profile


def _vat_rate(field: str, value: object) -> int:
    """A percentage ("23", "20.5", Decimal) -> basis points (2300)."""
    raw = value.strip().rstrip("%").strip() if isinstance(value, str) else value
    try:
        rate = Decimal(raw) if isinstance(raw, (str, int, Decimal)) and not isinstance(raw, bool) else None
    except InvalidOperation:
        rate = None
    if rate is None or not rate.is_finite() or not 0 <= rate <= 100 or rate * 100 != int(rate * 100):
        raise DomainError(
            f"{field} must be a percentage from 0 to 100 with at most 2 decimals (e.g. 23), not {value!r}."
        )
    return int(rate * 100)


INVOICE_FIELDS: dict[str, tuple[str, Callable[[str, object], Any]]] = {
    # CLI name: (InvoiceProfile column, parser)
    "legal_name": ("legal_name", _text(200)),
    "company_id": ("company_id", _text(40)),
    "tax_id": ("tax_id", _text(40)),
    "vat_id": ("vat_id", _text(40)),
    "vat_payer": ("vat_payer", parse_bool),
    "default_vat_rate": ("default_vat_rate_bp", _vat_rate),
    "exemption_note": ("exemption_note", _text(300)),
    "footer": ("footer", _text(500)),
}


def _profile_row(db: Session, provider: Provider) -> InvoiceProfile:
    row = db.exec(select(InvoiceProfile).where(InvoiceProfile.provider_id == provider.id)).first()
    return row or InvoiceProfile(provider_id=provider.id)


def set_invoice_profile(db: Session, **fields: object) -> list[FieldChange]:
    """What the provider's invoices and receipts say about it (documents issued from now on)."""
    _unknown(fields, INVOICE_FIELDS, "invoice profile")
    provider = get_provider(db)
    profile = _profile_row(db, provider)
    values = {INVOICE_FIELDS[name][0]: INVOICE_FIELDS[name][1](name, raw) for name, raw in fields.items()}
    if "vat_id" in values:
        values["vat_id"] = values["vat_id"].replace(" ", "").upper()
    payer = values.get("vat_payer", profile.vat_payer)
    if payer and not values.get("vat_id", profile.vat_id):
        raise DomainError("A VAT payer's invoices must show a VAT id: set vat_id=... too.")
    changes = [
        FieldChange(col, getattr(profile, col), v) for col, v in values.items() if getattr(profile, col) != v
    ]
    if changes:
        for change in changes:
            setattr(profile, change.field, change.after)
        profile.updated_at = utcnow()
        db.add(profile)
        db.flush()
    return changes


def set_logo(db: Session, image_bytes: bytes | None) -> tuple[int, int] | None:
    """Stores the invoice logo as integrations.invoice_pdf.logo_png makes it (an opaque PNG of at most
    450 x 150 px); None removes it. Returns the stored (width, height)."""
    from PIL import Image, UnidentifiedImageError

    provider = get_provider(db)
    profile = _profile_row(db, provider)
    size = None
    if image_bytes is None:
        png = None
    else:
        if not image_bytes:
            raise DomainError("The logo file is empty.")
        if len(image_bytes) > LOGO_MAX_BYTES:
            raise DomainError("The logo file is larger than 5 MB.")
        try:
            with Image.open(io.BytesIO(image_bytes)) as img:  # reads the header only
                if img.width * img.height > LOGO_MAX_PIXELS:
                    raise DomainError("The logo has too many pixels.")
            png = logo_png(image_bytes)
            with Image.open(io.BytesIO(png)) as img:
                size = img.size
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
            raise DomainError("The logo is not a picture we can read (use PNG or JPEG).") from None
    profile.logo_png = png
    profile.updated_at = utcnow()
    db.add(profile)
    db.flush()
    return size


# ------------------------------------------------------------------------------------------- show


def show_provider(db: Session) -> dict:
    """Everything an operator sets, for printing: {"provider": {...}, "holidays": [(day, name)],
    "invoice_profile": {...}, "families": n}."""
    provider = get_provider(db)
    details: dict[str, Any] = {"id": provider.id, "slug": provider.slug}
    details.update({name: getattr(provider, name) for name in PROVIDER_FIELDS})
    profile = _profile_row(db, provider)
    invoice: dict[str, Any] = {name: getattr(profile, col) for name, (col, _) in INVOICE_FIELDS.items()}
    invoice["default_vat_rate"] = f"{Decimal(profile.default_vat_rate_bp) / 100:g} %"
    if profile.logo_png:
        from PIL import Image

        with Image.open(io.BytesIO(profile.logo_png)) as img:
            invoice["logo"] = f"{img.width} x {img.height} px PNG"
    else:
        invoice["logo"] = "none"
    holidays = db.exec(
        select(ProviderHoliday)
        .where(ProviderHoliday.provider_id == provider.id)
        .order_by(ProviderHoliday.day)
    ).all()
    families = db.exec(
        select(func.count()).select_from(Family).where(Family.provider_id == provider.id)
    ).one()
    return {
        "provider": details,
        "holidays": [(h.day.isoformat(), h.name) for h in holidays],
        "invoice_profile": invoice,
        "families": families,
    }


# ------------------------------------------------------------------------------------------- the console
# The owner changes the same settings in /admin/settings, one group (one form) at a time, with the version the
# form was opened with; every change is audited. (The CLI above is the operator's way, for the first setup.)

SETTINGS_GROUPS: dict[str, tuple[str, ...]] = {
    "organisation": (
        "name",
        "timezone",
        "currency",
        "language",
        "contact_email",
        "contact_phone",
        "website",
        "brand_color",
    ),
    "money": (
        "online_payment_enabled",
        "invoicing_enabled",
        "bank_account_name",
        "bank_iban",
        "bank_bic",
        "bank_reference_hint",
        "invoice_address",
    ),
    "makeups": (
        "makeups_enabled",
        "makeup_from_cancelled",
        "makeup_from_missed",
        "makeup_validity_days",
        "makeup_window_days",
        "makeup_min_hours_before",
        "makeup_extra_capacity",
        "makeup_waitlist_enabled",
        "makeup_waitlist_offer_hours",
    ),
    "sessions": (
        "cancellation_mode",
        "cancellation_deadline_hours",
        "cancellation_day_before_time",
        "allow_late_cancellation",
        "cancellation_skip_weekends",
        "livestream_enabled",
        "attendance_edit_days",
    ),
}
BOOL_FIELDS = frozenset(name for name, parse in PROVIDER_FIELDS.items() if parse is parse_bool)


@dataclass(frozen=True, slots=True)
class HolidayRow:
    day: str  # ISO date, also the form value for removing it
    label: str  # "Thu 24 Dec 2026 · Christmas Eve"


@dataclass(frozen=True, slots=True)
class SettingsView:
    values: dict[str, str]  # every PROVIDER_FIELDS value as form text ("yes"/"" for switches)
    version: int
    holidays: list[HolidayRow]


def _form_text(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return "" if value is None else str(value)


def settings_view(db: Session, principal: StaffPrincipal) -> SettingsView:
    require_staff(principal, Capability.settings)
    provider = get_provider(db)
    holidays = db.exec(
        select(ProviderHoliday)
        .where(ProviderHoliday.provider_id == provider.id)
        .order_by(ProviderHoliday.day)
    ).all()
    return SettingsView(
        values={name: _form_text(getattr(provider, name)) for name in PROVIDER_FIELDS},
        version=provider.version,
        holidays=[
            HolidayRow(
                h.day.isoformat(),
                f"{h.day:%a} {h.day.day} {h.day:%b %Y}" + (f" · {h.name}" if h.name else ""),
            )
            for h in holidays
        ],
    )


def change_settings(
    db: Session, principal: StaffPrincipal, group: object, form: object, version: object
) -> list[FieldChange]:
    """One settings form: every field of the group from the form (an unticked switch is absent: off), parsed
    with the CLI's parsers; all fields refused with their messages at once, or all applied."""
    require_staff(principal, Capability.settings)
    if not isinstance(group, str) or group not in SETTINGS_GROUPS:
        raise DomainError("Unknown settings form.")
    data = form if isinstance(form, dict) else {}
    values, errors = {}, {}
    for name in SETTINGS_GROUPS[group]:
        raw = data.get(name)
        if name in BOOL_FIELDS:
            raw = raw not in (None, "", False, "off", "no")
        elif name == "cancellation_day_before_time" and raw in (None, ""):
            values[name] = None
            continue
        try:
            values[name] = PROVIDER_FIELDS[name](name, raw if raw is not None else "")
        except DomainError as exc:
            errors[name] = str(exc)
    if errors:
        raise FieldErrors(errors)
    provider = get_provider(db)
    before = {name: getattr(provider, name) for name in values}
    changes = _apply(db, provider, values)
    if not changes:
        return changes
    claim_version(db, Provider, provider.id, version, "settings")
    record(
        db,
        principal,
        action=f"settings.{group}",
        entity="provider",
        entity_id=provider.id,
        summary=f"Settings changed: {', '.join(c.field for c in changes)}",
        before={c.field: before[c.field] for c in changes},
        after={c.field: c.after for c in changes},
    )
    return changes


def add_console_holiday(
    db: Session, principal: StaffPrincipal, day: object, name: object = ""
) -> ProviderHoliday:
    require_staff(principal, Capability.settings)
    try:
        holiday = add_holiday(db, day, name)
    except DomainError as exc:
        raise InvalidField("day", str(exc)) from None
    record(
        db,
        principal,
        action="holiday.add",
        entity="provider_holiday",
        entity_id=holiday.id,
        summary=f"Holiday {holiday.day.isoformat()} added",
        after={"day": holiday.day, "name": holiday.name},
    )
    return holiday


def remove_console_holiday(db: Session, principal: StaffPrincipal, day: object) -> ProviderHoliday:
    require_staff(principal, Capability.settings)
    holiday = remove_holiday(db, day)
    record(
        db,
        principal,
        action="holiday.remove",
        entity="provider_holiday",
        entity_id=holiday.id,
        summary=f"Holiday {holiday.day.isoformat()} removed",
        before={"day": holiday.day, "name": holiday.name},
    )
    return holiday
