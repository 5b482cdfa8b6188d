"""Short-lived access tokens: ``at1.<session id>.<expiry epoch>.<signature>``, HMAC-signed.

The token carries no personal data; the session it names is looked up on each request, so that
log-out and refresh-token reuse end it at once.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

PREFIX = "at1"


class AccessTokenError(ValueError):
    """reason: malformed | bad_signature"""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class AccessClaims:
    session_id: str
    expires_at_epoch: int


def _sig(key: bytes, body: str) -> str:
    mac = hmac.new(key, body.encode("ascii"), hashlib.sha256).digest()[:24]
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


def sign_access_token(key: bytes, session_id: str, expires_at_epoch: int) -> str:
    body = f"{PREFIX}.{session_id}.{int(expires_at_epoch)}"
    return f"{body}.{_sig(key, body)}"


def parse_access_token(key: bytes, token: str) -> AccessClaims:
    if not isinstance(token, str) or len(token) > 200 or not token.isascii():
        raise AccessTokenError("malformed")
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != PREFIX or not parts[2].isdigit() or not parts[1]:
        raise AccessTokenError("malformed")
    body = ".".join(parts[:3])
    if not hmac.compare_digest(_sig(key, body), parts[3]):
        raise AccessTokenError("bad_signature")
    return AccessClaims(parts[1], int(parts[2]))
