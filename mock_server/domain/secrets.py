"""Hashing and keyed digests for secrets (passwords, PINs, SMS codes, tokens).

Although this module is named like the standard library's ``secrets``,
``import secrets`` below is an absolute import and still gets the stdlib one.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets as _stdlib_secrets

ALGORITHM = "pbkdf2_sha256"
MAX_ITERATIONS = 10_000_000
"""Encoded hashes claiming more iterations are treated as malformed (no CPU bomb)."""
MIN_TOKEN_BYTES = 16

_HEX_RE = re.compile(r"(?:[0-9a-f]{2})+")
_ITER_RE = re.compile(r"[1-9][0-9]{0,7}")


def _require_key(key: bytes) -> None:
    if not isinstance(key, (bytes, bytearray)):
        raise TypeError("key must be bytes")
    if not key:
        raise ValueError("key must not be empty")


def hash_secret(secret: str, salt: bytes, iterations: int) -> str:
    """Hash ``secret`` with PBKDF2-HMAC-SHA256.

    Returns "pbkdf2_sha256$<iterations>$<salt hex>$<hash hex>".
    """
    if not isinstance(secret, str):
        raise TypeError("secret must be a str")
    if not isinstance(salt, (bytes, bytearray)):
        raise TypeError("salt must be bytes")
    if not salt:
        raise ValueError("salt must not be empty")
    if isinstance(iterations, bool) or not isinstance(iterations, int):
        raise TypeError("iterations must be an int")
    if not 1 <= iterations <= MAX_ITERATIONS:
        raise ValueError(f"iterations must be in 1..{MAX_ITERATIONS}")
    digest = hashlib.pbkdf2_hmac("sha256", secret.encode("utf-8"), bytes(salt), iterations)
    return f"{ALGORITHM}${iterations}${bytes(salt).hex()}${digest.hex()}"


def verify_secret(secret: str, encoded: str) -> bool:
    """True if ``secret`` matches ``encoded`` (from hash_secret); False if not or if malformed."""
    if not isinstance(secret, str):
        raise TypeError("secret must be a str")
    if not isinstance(encoded, str):
        return False
    parts = encoded.split("$")
    if len(parts) != 4:
        return False
    algorithm, iterations_text, salt_hex, hash_hex = parts
    if algorithm != ALGORITHM or not _ITER_RE.fullmatch(iterations_text):
        return False
    iterations = int(iterations_text)
    if iterations > MAX_ITERATIONS:
        return False
    if not _HEX_RE.fullmatch(salt_hex) or not _HEX_RE.fullmatch(hash_hex):
        return False
    expected = bytes.fromhex(hash_hex)
    if len(expected) != hashlib.sha256().digest_size:
        return False
    actual = hashlib.pbkdf2_hmac(
        "sha256", secret.encode("utf-8"), bytes.fromhex(salt_hex), iterations
    )
    return hmac.compare_digest(actual, expected)


def keyed_digest(key: bytes, value: str) -> str:
    """HMAC-SHA256 of ``value`` (UTF-8) under ``key``, as lower-case hex.

    Used to store SMS codes and refresh tokens without keeping them in clear.
    """
    _require_key(key)
    if not isinstance(value, str):
        raise TypeError("value must be a str")
    return hmac.new(bytes(key), value.encode("utf-8"), hashlib.sha256).hexdigest()


def new_token(nbytes: int = 32) -> str:
    """A fresh URL-safe random token carrying ``nbytes`` (at least 16) random bytes."""
    if isinstance(nbytes, bool) or not isinstance(nbytes, int):
        raise TypeError("nbytes must be an int")
    if nbytes < MIN_TOKEN_BYTES:
        raise ValueError(f"nbytes must be at least {MIN_TOKEN_BYTES}")
    return _stdlib_secrets.token_urlsafe(nbytes)
