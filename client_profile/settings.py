"""Typed settings from the environment, validated once at start-up.

Every knob a self-hoster can turn lives here (README "Configuration" lists them). Nothing else in the code
reads ``os.environ`` for application behaviour.
"""

from __future__ import annotations

import os
import secrets
from enum import Enum
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Environment(str, Enum):
    development = "development"
    test = "test"
    production = "production"


class SmtpSecurity(str, Enum):
    none = "none"
    starttls = "starttls"
    ssl = "ssl"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", case_sensitive=False)

    # "production" unless told otherwise: development conveniences (the local mailbox, a generated secret
    # key) must be asked for explicitly (`make run` does).
    env: Environment = Field(default=Environment.production, alias="CLIENT_PROFILE_ENV")
    secret_key: str = Field(default="", alias="SECRET_KEY")
    base_url: str = Field(default="http://localhost:3000", alias="BASE_URL")
    database_url: str = Field(default=f"sqlite:///{PROJECT_ROOT / 'client_profile.db'}", alias="REFLEX_DB_URL")
    redis_url: str = Field(default="", alias="REFLEX_REDIS_URL")

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

    session_idle_minutes: int = Field(default=24 * 60, alias="SESSION_IDLE_MINUTES", ge=5)
    session_absolute_days: int = Field(default=14, alias="SESSION_ABSOLUTE_DAYS", ge=1)
    login_code_minutes: int = Field(default=10, alias="LOGIN_CODE_MINUTES", ge=1, le=10)
    login_max_per_email_hour: int = Field(default=5, alias="LOGIN_MAX_PER_EMAIL_HOUR", ge=1)
    login_min_seconds_between: int = Field(default=60, alias="LOGIN_MIN_SECONDS_BETWEEN", ge=0)
    login_max_per_ip_hour: int = Field(default=20, alias="LOGIN_MAX_PER_IP_HOUR", ge=1)
    trusted_proxy_hops: int = Field(default=0, alias="TRUSTED_PROXY_HOPS", ge=0)

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

    @model_validator(mode="after")
    def _check_production(self) -> Settings:
        if self.env == Environment.production:
            missing = [n for n, v in (("SECRET_KEY", self.secret_key), ("SMTP_HOST", self.smtp_host)) if not v]
            if missing:
                raise ValueError(
                    f"{', '.join(missing)} must be set in production "
                    "(or set CLIENT_PROFILE_ENV=development for a local trial)"
                )
        if self.stripe_secret_key and not self.stripe_secret_key.startswith(("sk_", "rk_")):
            raise ValueError("STRIPE_SECRET_KEY must be a secret (sk_...) or restricted (rk_...) key")
        if self.stripe_secret_key and not self.stripe_webhook_secret.startswith("whsec_"):
            raise ValueError("STRIPE_WEBHOOK_SECRET (whsec_...) must be set with STRIPE_SECRET_KEY: payments are "
                             "confirmed by signed webhooks")
        if self.secret_key and len(self.secret_key) < 32:
            raise ValueError("SECRET_KEY must be at least 32 characters")
        return self

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
