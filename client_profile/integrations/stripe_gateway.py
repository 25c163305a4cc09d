"""Stripe Checkout behind a small interface: create, re-read and expire Checkout Sessions, refund a card payment,
verify webhooks.

The rest of the code never sees a Stripe object: it gets `CheckoutSessionInfo`. `STRIPE_API_BASE` points the
SDK at a stand-in (localstripe in the tests); production leaves it empty and talks to api.stripe.com.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache

import stripe

from client_profile.settings import get_settings

WEBHOOK_TOLERANCE_SECONDS = 300  # Stripe's default: older signatures are refused (replay protection)


class GatewayError(Exception):
    """Stripe could not be reached or refused the request; the message is safe to log, not to show."""


class GatewayRefused(GatewayError):
    """Stripe answered and refused (a bad request, a declined card, an authentication error): nothing was done.
    A plain GatewayError leaves the outcome unknown (no answer, a server error): it may have been done."""


class BadSignature(Exception):
    """A webhook whose signature, secret, timestamp or body does not verify."""


class BadPayload(BadSignature):
    """A correctly signed webhook body that is not a Stripe event object (a JSON object with an id and a type)."""


@dataclass(frozen=True)
class CheckoutSessionInfo:
    id: str
    url: str
    status: str  # open | complete | expired
    payment_status: str  # paid | unpaid | no_payment_required
    amount_total: int | None
    currency: str  # upper-case ISO code
    payment_intent_id: str | None
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class WebhookEvent:
    id: str
    type: str
    object_id: str


def _info(obj) -> CheckoutSessionInfo:
    session = obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)  # StripeObject is not a dict (SDK 16)
    pi = session.get("payment_intent")
    if isinstance(pi, dict):  # expanded object (localstripe) or id string (Stripe)
        pi = pi.get("id")
    metadata = session.get("metadata") or {}
    return CheckoutSessionInfo(
        id=session["id"],
        url=session.get("url") or "",
        status=session.get("status") or "",
        payment_status=session.get("payment_status") or "",
        amount_total=session.get("amount_total"),
        currency=(session.get("currency") or "").upper(),
        payment_intent_id=pi,
        metadata={str(k): str(v) for k, v in dict(metadata).items()},
    )


class StripeGateway:
    def __init__(self, secret_key: str, webhook_secret: str = "", api_base: str = "") -> None:
        kwargs = {"base_addresses": {"api": api_base.rstrip("/")}} if api_base else {}
        self._client = stripe.StripeClient(secret_key, max_network_retries=2, **kwargs)
        self._webhook_secret = webhook_secret

    def create_checkout_session(self, params: dict, idempotency_key: str) -> CheckoutSessionInfo:
        try:
            session = self._client.v1.checkout.sessions.create(
                params=params, options={"idempotency_key": idempotency_key}
            )
        except stripe.StripeError as exc:
            raise GatewayError(f"checkout session not created: {type(exc).__name__}: {exc}") from None
        return _info(session)

    def retrieve_checkout_session(self, session_id: str) -> CheckoutSessionInfo:
        try:
            return _info(self._client.v1.checkout.sessions.retrieve(session_id))
        except stripe.StripeError as exc:
            raise GatewayError(f"checkout session not read: {type(exc).__name__}: {exc}") from None

    def expire_checkout_session(self, session_id: str) -> CheckoutSessionInfo:
        try:
            return _info(self._client.v1.checkout.sessions.expire(session_id))
        except stripe.StripeError as exc:
            raise GatewayError(f"checkout session not expired: {type(exc).__name__}: {exc}") from None

    def refund(self, payment_intent_id: str, amount_minor: int, idempotency_key: str) -> str:
        """Refunds (part of) a card payment; returns Stripe's refund id. The idempotency key (one per refund
        row) makes a repeated call, after a lost answer, the same refund rather than a second one."""
        try:
            refund = self._client.v1.refunds.create(
                params={"payment_intent": payment_intent_id, "amount": amount_minor},
                options={"idempotency_key": idempotency_key},
            )
        except (
            stripe.InvalidRequestError,
            stripe.CardError,
            stripe.AuthenticationError,
            stripe.PermissionError,
            stripe.IdempotencyError,
        ) as exc:
            raise GatewayRefused(f"refund refused: {type(exc).__name__}: {exc}") from None
        except stripe.StripeError as exc:
            raise GatewayError(f"refund outcome unknown: {type(exc).__name__}: {exc}") from None
        status = getattr(refund, "status", "") or ""
        if status in ("failed", "canceled"):
            raise GatewayRefused(f"refund {refund.id} {status}")
        return refund.id

    def verify_webhook(self, raw_body: bytes, signature_header: str | None) -> WebhookEvent:
        """Checks Stripe's v1 signature over the raw bytes; raises BadSignature for anything wrong."""
        if not self._webhook_secret:
            raise BadSignature("no webhook secret configured")
        try:
            payload = raw_body.decode("utf-8")
            stripe.WebhookSignature.verify_header(
                payload, signature_header or "", self._webhook_secret, tolerance=WEBHOOK_TOLERANCE_SECONDS
            )
        except (stripe.SignatureVerificationError, ValueError) as exc:
            raise BadSignature(str(exc)) from None
        # Signed, so Stripe (or whoever holds the secret) sent it; still only a well-formed event is one
        # (construct_event answered a signed `[]` or `"x"` with an AttributeError, a 500).
        try:
            data = json.loads(payload)
        except ValueError:
            raise BadPayload("not JSON") from None
        if not isinstance(data, dict):
            raise BadPayload("not a JSON object")
        event_id, event_type, inner = data.get("id"), data.get("type"), data.get("data", {})
        if not (isinstance(event_id, str) and event_id and isinstance(event_type, str) and event_type):
            raise BadPayload("no event id or type")
        obj = inner.get("object", {}) if isinstance(inner, dict) else None
        if not isinstance(obj, dict):
            raise BadPayload("data.object is not an object")
        object_id = obj.get("id")
        return WebhookEvent(
            id=event_id, type=event_type, object_id=object_id if isinstance(object_id, str) else ""
        )


def gateway() -> StripeGateway | None:
    """The configured gateway, or None when no STRIPE_SECRET_KEY is set (online payment is not offered)."""
    s = get_settings()
    if not s.stripe_secret_key:
        return None
    return _gateway(s.stripe_secret_key, s.stripe_webhook_secret, s.stripe_api_base)


@lru_cache(maxsize=4)
def _gateway(secret_key: str, webhook_secret: str, api_base: str) -> StripeGateway:
    return StripeGateway(secret_key, webhook_secret, api_base)
