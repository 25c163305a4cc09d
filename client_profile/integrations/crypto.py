"""Keyed hashing, hashing and encryption with the server key (settings.secret()).

Every secret the login flow stores at rest goes through here (docs/security.md AUTH-5, AUTH-7):
- ``keyed_hash``: HMAC-SHA256 with a purpose-specific sub-key. Used for the 6-digit code (over request id and
  code), and for the rate-limit keys (e-mail address, client IP) so that neither is stored in clear.
- ``sha256_hex``: for high-entropy tokens (link token, session token, flow secret): 256 random bits need no key.
- ``constant_time_equal``: the only way we compare secrets or their hashes.
- ``seal``/``unseal``: Fernet encryption for the few secrets an outbox row must carry until the mail is sent.

Sub-keys are derived with HKDF-SHA256 from the server key, one per purpose, so a key used for encryption is never
the key used for an HMAC.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from client_profile.settings import get_settings

_SALT = b"client-profile/v1"


class SealError(Exception):
    """A sealed value could not be opened (wrong key, tampered or not a sealed value)."""


@lru_cache(maxsize=32)
def _derive(secret: bytes, purpose: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=purpose.encode()).derive(secret)


def subkey(purpose: str) -> bytes:
    """A 256-bit key for one purpose, derived from the server key."""
    return _derive(get_settings().secret(), purpose)


def keyed_hash(purpose: str, *parts: str | int) -> str:
    """HMAC-SHA256 (hex) over the parts, length-prefixed so ("1", "23") and ("12", "3") differ."""
    mac = hmac.new(subkey("hmac:" + purpose), digestmod=hashlib.sha256)
    for part in parts:
        data = str(part).encode()
        mac.update(len(data).to_bytes(4, "big"))
        mac.update(data)
    return mac.hexdigest()


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def constant_time_equal(a: str | bytes, b: str | bytes) -> bool:
    """hmac.compare_digest on bytes; never use == on secrets or their hashes."""
    if isinstance(a, str):
        a = a.encode()
    if isinstance(b, str):
        b = b.encode()
    return hmac.compare_digest(a, b)


def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(subkey("fernet:outbox")))


def seal(plaintext: str) -> str:
    """Encrypt and authenticate a short secret for storage until it is used (Fernet: AES-128-CBC + HMAC)."""
    return _fernet().encrypt(plaintext.encode()).decode()


def unseal(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except (InvalidToken, ValueError, TypeError, AttributeError) as exc:
        raise SealError("sealed value cannot be opened") from exc
