"""Outgoing webhooks on the wire: the URL check (SSRF), the signature and the POST. Knows no model or service.

Signature (docs/api.md "Webhooks"): header ``Client-Profile-Signature: t=<unix seconds>, v1=<hex>`` where hex is
HMAC-SHA256 with the endpoint's secret over ``"<t>." + body`` (the raw body bytes), like Stripe's scheme, so a
receiver can refuse old timestamps (replays) and altered bodies.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

SIGNATURE_HEADER = "Client-Profile-Signature"
MAX_URL = 500


class UnsafeUrl(ValueError):
    """The URL is not an http(s) URL we may call (the message says why, fit for the form)."""


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp}, v1={mac}"


def verify(secret: str, header: str, body: bytes, now: int, tolerance: int = 300) -> bool:
    """What a receiver does (also used by the tests): the timestamp is recent and one v1 matches."""
    parts = [p.strip().partition("=") for p in header.split(",")]
    stamps = [v for k, _, v in parts if k == "t"]
    if len(stamps) != 1 or not stamps[0].isdigit() or abs(now - int(stamps[0])) > tolerance:
        return False
    expected = sign(secret, int(stamps[0]), body).split("v1=")[1]
    return any(k == "v1" and hmac.compare_digest(v, expected) for k, _, v in parts)


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: object, allow_private: bool, *, resolve: bool = True) -> str:
    """The URL if it is http(s) with a host and (unless ``allow_private``) every address it resolves to is public
    (no loopback, private, link-local such as cloud metadata, or reserved range). UnsafeUrl otherwise."""
    if not isinstance(url, str) or not url.strip():
        raise UnsafeUrl("Please enter the receiver's URL (https://...).")
    url = url.strip()
    if len(url) > MAX_URL or any(ord(c) <= 32 for c in url):
        raise UnsafeUrl(f"The URL must be at most {MAX_URL} characters, without spaces.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeUrl("This is not a valid URL.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeUrl("Only http:// and https:// URLs can receive webhooks.")
    if parts.username or parts.password:
        raise UnsafeUrl("Put no user name or password in the URL; check the signature instead.")
    if allow_private:
        return url
    host = parts.hostname
    try:
        addresses = (
            [host] if _is_ip(host) else _resolve(host, port or (443 if parts.scheme == "https" else 80))
        )
    except OSError:
        if not resolve:
            return url
        raise UnsafeUrl("This host name does not resolve.") from None
    if not addresses or not all(_public(a) for a in addresses):
        raise UnsafeUrl("Webhooks may only go to public addresses (not this machine or a private network).")
    return url


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _resolve(host: str, port: int) -> list[str]:
    return sorted({info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)})


@dataclass(frozen=True, slots=True)
class Outcome:
    status: int | None  # None: no answer (refused, timed out, unsafe)
    error: str = ""

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    allow_private: bool,
    timeout: float,
) -> Outcome:
    """POST the body; the URL is checked again now (its name may resolve elsewhere since it was saved). No
    redirects are followed (a redirect could lead inside the network); the answer's body is not read."""
    try:
        check_url(url, allow_private)
    except UnsafeUrl as exc:
        return Outcome(None, f"refused: {exc}")
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client,
            client.stream("POST", url, content=body, headers=headers) as answer,
        ):
            return Outcome(
                answer.status_code, "" if answer.status_code < 300 else f"HTTP {answer.status_code}"
            )
    except httpx.HTTPError as exc:
        return Outcome(None, f"{type(exc).__name__}: {exc}"[:300])
