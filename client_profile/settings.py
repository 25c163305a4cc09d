"""Typed settings from the environment, validated once at start-up.

Every knob a self-hoster can turn lives here (README "Configuration" lists them). Nothing else in the code
reads ``os.environ`` for application behaviour.
"""

from __future__ import annotations

import os
import re
import secrets
from datetime import datetime
from enum import Enum
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# An origin for a CSP source list: https, a host name (a leading "*." allowed), an optional port, nothing else.
_ORIGIN_RE = re.compile(r"https://(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:[0-9]{1,5})?")


class Environment(str, Enum):
    development = "development"
    test = "test"
    production = "production"


class SmtpSecurity(str, Enum):
    none = "none"
    starttls = "starttls"
    ssl = "ssl"


class WhatsAppProvider(str, Enum):
    none = "none"
    twilio = "twilio"
    meta = "meta"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", case_sensitive=False)

    # "production" unless told otherwise: development conveniences (the local mailbox, a generated secret
    # key) must be asked for explicitly (`make run` does).
    env: Environment = Field(default=Environment.production, alias="CLIENT_PROFILE_ENV")
    secret_key: str = Field(default="", alias="SECRET_KEY")
    # Development/test only (refused in production): the app's clock starts at this instant (ISO 8601 with a
    # UTC offset) and advances with real time (client_profile.clock). For trying the app or running the
    # browser tests "on a Thursday morning"; docs/decisions.md "One clock".
    clock_start: datetime | None = Field(default=None, alias="CLIENT_PROFILE_NOW")
    base_url: str = Field(default="http://localhost:3000", alias="BASE_URL")
    database_url: str = Field(
        default=f"sqlite:///{PROJECT_ROOT / 'client_profile.db'}", alias="REFLEX_DB_URL"
    )
    redis_url: str = Field(default="", alias="REFLEX_REDIS_URL")
    # The REST API (/api/v1, docs/api.md): requests per minute per key; beyond it 429 with Retry-After.
    api_rate_limit_per_minute: int = Field(default=120, ge=1, alias="API_RATE_LIMIT_PER_MINUTE")
    # Webhooks may go to loopback, private and link-local addresses (a receiver on this machine or LAN). Off in
    # production unless set: it is the SSRF guard (services.integrations.webhooks).
    webhook_allow_private: bool | None = Field(default=None, alias="WEBHOOK_ALLOW_PRIVATE")
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=60, alias="WEBHOOK_TIMEOUT_SECONDS")
    webhook_poll_seconds: float = Field(default=5.0, gt=0, alias="WEBHOOK_POLL_SECONDS")

    smtp_host: str = Field(default="", alias="SMTP_HOST")
    smtp_port: int = Field(default=587, alias="SMTP_PORT")
    smtp_username: str = Field(default="", alias="SMTP_USERNAME")
    smtp_password: str = Field(default="", alias="SMTP_PASSWORD")
    smtp_security: SmtpSecurity = Field(default=SmtpSecurity.starttls, alias="SMTP_SECURITY")
    smtp_timeout_seconds: float = Field(default=15.0, alias="SMTP_TIMEOUT_SECONDS")
    mail_from: str = Field(default="Client Profile <no-reply@localhost>", alias="MAIL_FROM")
    dev_mailbox_dir: Path = Field(default=PROJECT_ROOT / ".dev-mailbox", alias="DEV_MAILBOX_DIR")

    # Outbox worker: "app" runs it inside every app process (claims are atomic, so several are safe);
    # "external" leaves it to `client-profile worker`.
    outbox_worker: str = Field(default="app", alias="OUTBOX_WORKER")
    outbox_poll_seconds: float = Field(default=1.0, alias="OUTBOX_POLL_SECONDS")
    # A claimed message is the claimer's for this long; longer than any send timeout (docs/decisions.md
    # "Reminders are sent once").
    outbox_claim_seconds: float = Field(default=120.0, alias="OUTBOX_CLAIM_SECONDS", gt=0)
    # A change the provider undoes within this time sends nothing: its message waits this long and is checked
    # again when it leaves (docs/decisions.md "Everyone on a booking is told").
    notify_grace_seconds: float = Field(default=120.0, alias="NOTIFY_GRACE_SECONDS", ge=0)
    # How often the worker looks for make-up credits whose booking deadline is 7 days away (and once at start).
    reminder_scan_seconds: float = Field(default=600.0, alias="REMINDER_SCAN_SECONDS", gt=0)

    # WhatsApp template messages for reminders (integrations.whatsapp): none, Twilio or the Meta Cloud API.
    whatsapp_provider: WhatsAppProvider = Field(default=WhatsAppProvider.none, alias="WHATSAPP_PROVIDER")
    whatsapp_timeout_seconds: float = Field(default=10.0, alias="WHATSAPP_TIMEOUT_SECONDS", gt=0, le=60)
    twilio_account_sid: str = Field(default="", alias="TWILIO_ACCOUNT_SID")
    twilio_auth_token: str = Field(default="", alias="TWILIO_AUTH_TOKEN")
    twilio_whatsapp_from: str = Field(default="", alias="TWILIO_WHATSAPP_FROM")
    twilio_api_base: str = Field(default="https://api.twilio.com", alias="TWILIO_API_BASE")
    meta_access_token: str = Field(default="", alias="META_ACCESS_TOKEN")
    meta_phone_number_id: str = Field(default="", alias="META_PHONE_NUMBER_ID")
    meta_api_base: str = Field(default="https://graph.facebook.com/v21.0", alias="META_API_BASE")
    # Template per reminder kind: a Content SID (HX...) for Twilio, an approved template name for Meta.
    whatsapp_template_makeup_earned: str = Field(
        default="makeup_earned", alias="WHATSAPP_TEMPLATE_MAKEUP_EARNED"
    )
    whatsapp_template_makeup_expiring: str = Field(
        default="makeup_expiring", alias="WHATSAPP_TEMPLATE_MAKEUP_EXPIRING"
    )
    whatsapp_template_waitlist_offer: str = Field(
        default="makeup_waitlist_offer", alias="WHATSAPP_TEMPLATE_WAITLIST_OFFER"
    )
    # One template for the booking notices (a session changed, a livestream link, a charge, a payment):
    # {{1}} the provider, {{2}} what happened, {{3}} the link. Empty: those notices are e-mail only.
    whatsapp_template_booking_notice: str = Field(default="", alias="WHATSAPP_TEMPLATE_BOOKING_NOTICE")
    whatsapp_template_language: str = Field(default="en", alias="WHATSAPP_TEMPLATE_LANGUAGE")

    session_idle_minutes: int = Field(default=24 * 60, alias="SESSION_IDLE_MINUTES", ge=5)
    session_absolute_days: int = Field(default=14, alias="SESSION_ABSOLUTE_DAYS", ge=1)
    login_code_minutes: int = Field(default=10, alias="LOGIN_CODE_MINUTES", ge=1, le=10)
    login_max_per_email_hour: int = Field(default=5, alias="LOGIN_MAX_PER_EMAIL_HOUR", ge=1)
    login_min_seconds_between: int = Field(default=60, alias="LOGIN_MIN_SECONDS_BETWEEN", ge=0)
    # Everyone's requests for one address together (mail-bombing bound). A browser holding an open request of the
    # address is not subject to it (docs/security.md finding 2). Never below LOGIN_MAX_PER_EMAIL_HOUR.
    login_max_per_email_hour_total: int = Field(default=20, alias="LOGIN_MAX_PER_EMAIL_HOUR_TOTAL", ge=1)
    login_max_per_ip_hour: int = Field(default=20, alias="LOGIN_MAX_PER_IP_HOUR", ge=1)
    # How long a fresh e-mail code (step-up) lets a session export or delete the family's data.
    step_up_minutes: int = Field(default=5, alias="STEP_UP_MINUTES", ge=1, le=15)
    # How long invoices, receipts and credit notes are kept after a family's data is erased (the provider's
    # legal duty; shown on /account).
    document_retention_years: int = Field(default=10, alias="DOCUMENT_RETENTION_YEARS", ge=1, le=30)
    trusted_proxy_hops: int = Field(default=0, alias="TRUSTED_PROXY_HOPS", ge=0)
    # Who may show our pages in a frame: the CSP frame-ancestors source list ('none', 'self' or https:// origins,
    # space-separated). 'none' until embedding is built.
    frame_ancestors: str = Field(default="'none'", alias="FRAME_ANCESTORS")
    # The largest websocket message (bytes) the server accepts; Reflex/socket.io default is 1 000 000.
    socket_max_message_bytes: int = Field(
        default=64 * 1024, alias="SOCKET_MAX_MESSAGE_BYTES", ge=8 * 1024, le=1_000_000
    )

    # Online payment (Stripe Checkout). Without a secret key online payment is simply not offered.
    stripe_secret_key: str = Field(default="", alias="STRIPE_SECRET_KEY")
    stripe_webhook_secret: str = Field(default="", alias="STRIPE_WEBHOOK_SECRET")
    # Only for a local stand-in (tests); empty means Stripe's own API.
    stripe_api_base: str = Field(default="", alias="STRIPE_API_BASE")

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, v: str) -> str:
        v = v.strip().rstrip("/")
        if not v.startswith(("http://", "https://")):
            raise ValueError("BASE_URL must start with http:// or https://")
        return v

    @field_validator("clock_start", mode="before")
    @classmethod
    def _empty_is_none(cls, v):
        return None if isinstance(v, str) and not v.strip() else v

    @field_validator("clock_start")
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        if v is not None and v.utcoffset() is None:
            raise ValueError(
                "CLIENT_PROFILE_NOW must be an ISO instant with a UTC offset, e.g. 2026-12-03T07:10:00+00:00"
            )
        return v

    @field_validator("frame_ancestors")
    @classmethod
    def _check_frame_ancestors(cls, v: str) -> str:
        sources = v.split()
        if not sources:
            return "'none'"
        if "'none'" in sources and len(sources) > 1:
            raise ValueError("FRAME_ANCESTORS: 'none' cannot be combined with other sources")
        for source in sources:
            if source not in ("'none'", "'self'") and not _ORIGIN_RE.fullmatch(source):
                raise ValueError(
                    f"FRAME_ANCESTORS: {source[:60]!r} is not 'none', 'self' or an https:// origin"
                )
        return " ".join(sources)

    @model_validator(mode="after")
    def _check_production(self) -> Settings:
        if self.env == Environment.production and self.clock_start is not None:
            raise ValueError(
                "CLIENT_PROFILE_NOW (a shifted clock) is for development and tests only and is "
                "refused in production: unset it, or set CLIENT_PROFILE_ENV=development"
            )
        if self.env == Environment.production:
            missing = [
                n for n, v in (("SECRET_KEY", self.secret_key), ("SMTP_HOST", self.smtp_host)) if not v
            ]
            if missing:
                raise ValueError(
                    f"{', '.join(missing)} must be set in production "
                    "(or set CLIENT_PROFILE_ENV=development for a local trial)"
                )
        if self.stripe_secret_key and not self.stripe_secret_key.startswith(("sk_", "rk_")):
            raise ValueError("STRIPE_SECRET_KEY must be a secret (sk_...) or restricted (rk_...) key")
        if self.stripe_secret_key and not self.stripe_webhook_secret.startswith("whsec_"):
            raise ValueError(
                "STRIPE_WEBHOOK_SECRET (whsec_...) must be set with STRIPE_SECRET_KEY: payments are "
                "confirmed by signed webhooks"
            )
        self._check_whatsapp()
        if self.secret_key and len(self.secret_key) < 32:
            raise ValueError("SECRET_KEY must be at least 32 characters")
        return self

    def _check_whatsapp(self) -> None:
        templates = (
            self.whatsapp_template_makeup_earned,
            self.whatsapp_template_makeup_expiring,
            self.whatsapp_template_waitlist_offer,
        ) + ((self.whatsapp_template_booking_notice,) if self.whatsapp_template_booking_notice else ())
        if self.outbox_claim_seconds <= max(self.whatsapp_timeout_seconds, self.smtp_timeout_seconds) * 2:
            raise ValueError(
                "OUTBOX_CLAIM_SECONDS must be more than twice WHATSAPP_TIMEOUT_SECONDS and "
                "SMTP_TIMEOUT_SECONDS (a send must end before its claim runs out)"
            )
        if self.whatsapp_provider == WhatsAppProvider.twilio:
            if not self.twilio_account_sid.startswith("AC") or not self.twilio_auth_token:
                raise ValueError(
                    "WHATSAPP_PROVIDER=twilio needs TWILIO_ACCOUNT_SID (AC...) and TWILIO_AUTH_TOKEN"
                )
            if not self.twilio_whatsapp_from.removeprefix("whatsapp:").startswith("+"):
                raise ValueError(
                    "TWILIO_WHATSAPP_FROM must be the sender number in E.164, e.g. +420601234567"
                )
            if not all(t.startswith("HX") for t in templates):
                raise ValueError("With Twilio, WHATSAPP_TEMPLATE_* must be Content SIDs (HX...)")
        elif self.whatsapp_provider == WhatsAppProvider.meta:
            if not self.meta_access_token or not self.meta_phone_number_id.isdigit():
                raise ValueError(
                    "WHATSAPP_PROVIDER=meta needs META_ACCESS_TOKEN and META_PHONE_NUMBER_ID (digits)"
                )
            if not all(t and t.replace("_", "").isalnum() and t == t.lower() for t in templates):
                raise ValueError(
                    "With Meta, WHATSAPP_TEMPLATE_* must be template names (lower case, digits, _)"
                )
        for name, base in (("TWILIO_API_BASE", self.twilio_api_base), ("META_API_BASE", self.meta_api_base)):
            if not base.startswith(("https://", "http://127.0.0.1", "http://localhost")):
                raise ValueError(f"{name} must be an https:// URL (http only for a local stand-in)")

    @property
    def webhooks_may_reach_private(self) -> bool:
        """WEBHOOK_ALLOW_PRIVATE when set; otherwise only outside production."""
        if self.webhook_allow_private is not None:
            return self.webhook_allow_private
        return self.env != Environment.production

    @property
    def whatsapp_enabled(self) -> bool:
        return self.whatsapp_provider != WhatsAppProvider.none

    @property
    def cookie_secure(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def dev_mailbox_enabled(self) -> bool:
        """The local development mailbox: only in development/test and only when no SMTP server is set."""
        return self.env != Environment.production and not self.smtp_host

    def secret(self) -> bytes:
        """The server-side key for HMACs and encryption. Generated once per checkout outside production."""
        if self.secret_key:
            return self.secret_key.encode()
        path = PROJECT_ROOT / ".client_profile_secret"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(48))
            os.chmod(path, 0o600)
        return path.read_text().strip().encode()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings_cache() -> None:
    """For tests that change the environment."""
    get_settings.cache_clear()
