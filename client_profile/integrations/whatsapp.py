"""WhatsApp template messages: Twilio or the Meta Cloud API, chosen by WHATSAPP_PROVIDER.

Business-initiated WhatsApp messages must use templates approved by WhatsApp; we only ever send templates with
positional variables ({{1}}, {{2}}, ...). Twilio is called with a Content SID (HX...) and ContentVariables; Meta
with a template name, language and body parameters. Both over plain HTTPS with httpx (one POST each), base URLs
from settings so tests point them at a local server.

Errors are classified for the outbox (docs/decisions.md "Reminders are sent once"):
- ``retryable``: nothing was accepted and trying later may work: connection refused/timeout before the request
  was sent, HTTP 429 and 5xx.
- ``permanent``: the request was refused (other 4xx: bad number, unknown template, bad credentials): retrying
  would fail the same way.
- ``outcome_unknown``: the request may have reached the provider but no answer came back (read timeout, broken
  connection). A WhatsApp message cannot be recognised as a duplicate by the phone or recalled, so the outbox does
  not resend it.

Only the outbox worker calls ``send``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Protocol

import httpx

from client_profile.settings import Settings, WhatsAppProvider, get_settings

E164_RE = re.compile(r"^\+[1-9][0-9]{7,14}$")
# Template kinds and the settings field holding each one's template (Content SID or name).
TEMPLATE_SETTINGS = {
    "makeup_earned": "whatsapp_template_makeup_earned",
    "makeup_expiring": "whatsapp_template_makeup_expiring",
    "waitlist_offer": "whatsapp_template_waitlist_offer",
    # The booking notices share one template (provider, what happened, link); unset: e-mail only.
    "session_changed": "whatsapp_template_booking_notice",
    "livestream_changed": "whatsapp_template_booking_notice",
    "charge_due": "whatsapp_template_booking_notice",
    "payment_received": "whatsapp_template_booking_notice",
}


def has_template(kind: str, settings: Settings | None = None) -> bool:
    """Whether WhatsApp messages of this kind can be sent (a template is configured for it)."""
    name = TEMPLATE_SETTINGS.get(kind)
    return bool(name and getattr(settings or get_settings(), name))


MAX_VARIABLE = 1024  # WhatsApp's limit for one body parameter is 1024 characters (32768 for the whole body)


class WhatsAppError(Exception):
    def __init__(
        self,
        message: str,
        *,
        retryable: bool = False,
        outcome_unknown: bool = False,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.outcome_unknown = outcome_unknown
        self.permanent = not retryable and not outcome_unknown
        self.status = status


@dataclass(frozen=True)
class TemplateMessage:
    to: str  # E.164, e.g. +420601234567
    kind: str  # a key of TEMPLATE_SETTINGS
    variables: list[str] = field(default_factory=list)  # {{1}}, {{2}}, ... in order
    # Stable per outbox row; sent where the API carries one (Meta: biz_opaque_callback_data, echoed in status
    # webhooks), so a delivery report can be matched to the row.
    reference: str = ""


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str


class WhatsAppSender(Protocol):
    def send(self, message: TemplateMessage) -> SendResult: ...


def is_e164(phone: str) -> bool:
    return bool(E164_RE.match(phone or ""))


def _clean_variable(value: str) -> str:
    # Template parameters may not contain new lines, tabs or more than 4 consecutive spaces (Meta error 132018).
    return " ".join(str(value).split())[:MAX_VARIABLE] or "-"


def _template(settings: Settings, kind: str) -> str:
    if kind not in TEMPLATE_SETTINGS:
        raise WhatsAppError(f"no WhatsApp template for {kind!r}")
    return getattr(settings, TEMPLATE_SETTINGS[kind])


def _post(url: str, settings: Settings, **kwargs) -> httpx.Response:
    timeout = httpx.Timeout(settings.whatsapp_timeout_seconds)
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False) as http:
            response = http.post(url, **kwargs)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:  # nothing was sent
        raise WhatsAppError(f"cannot reach the WhatsApp API: {type(exc).__name__}", retryable=True) from exc
    except httpx.TransportError as exc:  # sent, or partly sent, and no answer: it may have been accepted
        raise WhatsAppError(
            f"no answer from the WhatsApp API: {type(exc).__name__}", outcome_unknown=True
        ) from exc
    if response.status_code == 429 or response.status_code >= 500:
        raise WhatsAppError(
            f"WhatsApp API busy or failing: HTTP {response.status_code}",
            retryable=True,
            status=response.status_code,
        )
    if response.status_code >= 300:
        raise WhatsAppError(
            f"WhatsApp API refused the message: HTTP {response.status_code} {_error_text(response)}",
            status=response.status_code,
        )
    return response


def _error_text(response: httpx.Response) -> str:
    """The provider's error code and message (never our request: it has the phone number)."""
    try:
        data = response.json()
    except ValueError:
        return ""
    if isinstance(data, dict) and isinstance(data.get("error"), dict):  # Meta
        err = data["error"]
        return f"code {err.get('code')}: {str(err.get('message', ''))[:200]}"
    if isinstance(data, dict) and "code" in data:  # Twilio
        return f"code {data.get('code')}: {str(data.get('message', ''))[:200]}"
    return ""


def _json(response: httpx.Response) -> dict:
    try:
        data = response.json()
    except ValueError:
        data = None
    return data if isinstance(data, dict) else {}


class TwilioSender:
    """POST /2010-04-01/Accounts/{AccountSid}/Messages.json (form: To, From, ContentSid, ContentVariables)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, message: TemplateMessage) -> SendResult:
        s = self.settings
        if not is_e164(message.to):
            raise WhatsAppError("the recipient's WhatsApp number is not a valid E.164 number")
        sender = (
            s.twilio_whatsapp_from
            if s.twilio_whatsapp_from.startswith("whatsapp:")
            else f"whatsapp:{s.twilio_whatsapp_from}"
        )
        variables = {str(i): _clean_variable(v) for i, v in enumerate(message.variables, start=1)}
        response = _post(
            f"{s.twilio_api_base.rstrip('/')}/2010-04-01/Accounts/{s.twilio_account_sid}/Messages.json",
            s,
            auth=(s.twilio_account_sid, s.twilio_auth_token),
            data={
                "To": f"whatsapp:{message.to}",
                "From": sender,
                "ContentSid": _template(s, message.kind),
                "ContentVariables": json.dumps(variables, ensure_ascii=False),
            },
        )
        sid = _json(response).get("sid")
        return SendResult(provider_message_id=str(sid or ""))


class MetaSender:
    """POST {META_API_BASE}/{phone-number-id}/messages with a Bearer token and a template message."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, message: TemplateMessage) -> SendResult:
        s = self.settings
        if not is_e164(message.to):
            raise WhatsAppError("the recipient's WhatsApp number is not a valid E.164 number")
        body: dict = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": message.to,
            "type": "template",
            "template": {
                "name": _template(s, message.kind),
                "language": {"code": s.whatsapp_template_language},
                "components": [
                    {
                        "type": "body",
                        "parameters": [
                            {"type": "text", "text": _clean_variable(v)} for v in message.variables
                        ],
                    }
                ],
            },
        }
        if message.reference:
            body["biz_opaque_callback_data"] = message.reference[:512]
        response = _post(
            f"{s.meta_api_base.rstrip('/')}/{s.meta_phone_number_id}/messages",
            s,
            headers={"Authorization": f"Bearer {s.meta_access_token}"},
            json=body,
        )
        messages = _json(response).get("messages")
        wamid = (
            messages[0].get("id")
            if isinstance(messages, list) and messages and isinstance(messages[0], dict)
            else ""
        )
        return SendResult(provider_message_id=str(wamid or ""))


def sender(settings: Settings | None = None) -> WhatsAppSender | None:
    """The configured sender, or None when WhatsApp is off (WHATSAPP_PROVIDER=none)."""
    s = settings or get_settings()
    if s.whatsapp_provider == WhatsAppProvider.twilio:
        return TwilioSender(s)
    if s.whatsapp_provider == WhatsAppProvider.meta:
        return MetaSender(s)
    return None


def send(message: TemplateMessage) -> SendResult:
    current = sender()
    if current is None:
        raise WhatsAppError("WhatsApp is not configured (WHATSAPP_PROVIDER=none)")
    return current.send(message)
