"""Secrets the platform must read back (RADIUS shared secrets, remote passwords), encrypted at rest.

Fernet (AES-128-CBC + HMAC-SHA256). The key comes from `SWITCHBOARD_ENCRYPTION_KEYS` (comma-separated, newest first,
so old keys keep decrypting during a rotation) or, when unset, is derived from SECRET_KEY.
"""

from __future__ import annotations

import base64
import hashlib
import os
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _derived(secret_key: str) -> bytes:
    digest = hashlib.sha256(b"switchboard.core.crypto:" + secret_key.encode()).digest()
    return base64.urlsafe_b64encode(digest)


@cache
def _fernet() -> MultiFernet:
    configured = [k.strip() for k in os.environ.get("SWITCHBOARD_ENCRYPTION_KEYS", "").split(",") if k.strip()]
    keys = [k.encode() for k in configured] or [_derived(settings.SECRET_KEY)]
    return MultiFernet([Fernet(k) for k in keys])


def encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode()


class UnreadableSecret(Exception):
    """The stored value was encrypted with a key this installation no longer has."""


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise UnreadableSecret("stored secret cannot be decrypted with the configured keys") from exc
