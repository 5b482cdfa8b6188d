import hashlib
import hmac
import re

import pytest

from mock_server.domain.secrets import hash_secret, keyed_digest, new_token, verify_secret

SALT = bytes(range(16))


def test_hash_format_and_known_value():
    encoded = hash_secret("123456", SALT, 1000)
    algorithm, iterations, salt_hex, hash_hex = encoded.split("$")
    assert algorithm == "pbkdf2_sha256"
    assert iterations == "1000"
    assert salt_hex == SALT.hex()
    assert hash_hex == hashlib.pbkdf2_hmac("sha256", b"123456", SALT, 1000).hex()
    assert re.fullmatch(r"[0-9a-f]{64}", hash_hex)


def test_hash_depends_on_salt_and_iterations():
    assert hash_secret("pw", SALT, 1000) != hash_secret("pw", SALT[::-1], 1000)
    assert hash_secret("pw", SALT, 1000) != hash_secret("pw", SALT, 1001)
    assert hash_secret("pw", SALT, 1000) == hash_secret("pw", SALT, 1000)


def test_verify_round_trip():
    encoded = hash_secret("Passw0rd!", SALT, 1000)
    assert verify_secret("Passw0rd!", encoded) is True
    assert verify_secret("Passw0rd?", encoded) is False
    assert verify_secret("", encoded) is False
    unicode_encoded = hash_secret("密码Ab12", SALT, 10)
    assert verify_secret("密码Ab12", unicode_encoded) is True


def test_hash_rejects_bad_arguments():
    with pytest.raises(ValueError):
        hash_secret("pw", b"", 1000)
    with pytest.raises(ValueError):
        hash_secret("pw", SALT, 0)
    with pytest.raises(ValueError):
        hash_secret("pw", SALT, 10_000_001)
    with pytest.raises(TypeError):
        hash_secret("pw", "salt", 1000)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        hash_secret(b"pw", SALT, 1000)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        hash_secret("pw", SALT, 1000.0)  # type: ignore[arg-type]


def _good() -> str:
    return hash_secret("123456", SALT, 10)


@pytest.mark.parametrize(
    "encoded",
    [
        "",
        "garbage",
        _good().replace("pbkdf2_sha256", "pbkdf2_sha1"),
        _good() + "$extra",
        _good().rsplit("$", 1)[0],
        _good().replace("$10$", "$0$"),
        _good().replace("$10$", "$-10$"),
        _good().replace("$10$", "$010$"),
        _good().replace("$10$", "$ten$"),
        _good().replace("$10$", "$99999999999$"),  # would be a CPU bomb
        _good().replace("$10$", "$20000000$"),  # above MAX_ITERATIONS
        _good()[:-2],  # hash too short
        _good() + "00",  # hash too long
        _good().upper(),  # hex must be lower-case, algorithm too
        _good().replace(SALT.hex(), ""),  # empty salt
        _good().replace(SALT.hex(), SALT.hex()[:-1]),  # odd-length hex
        _good().replace(SALT.hex(), "zz" + SALT.hex()[2:]),
        _good()[:-2] + "gg",
        _good().replace(SALT.hex(), SALT.hex()[:2] + " " + SALT.hex()[2:]),  # fromhex would accept spaces
    ],
)
def test_verify_malformed_is_false(encoded):
    assert verify_secret("123456", encoded) is False


def test_verify_non_string_encoded_is_false():
    assert verify_secret("123456", None) is False  # type: ignore[arg-type]
    assert verify_secret("123456", _good().encode()) is False  # type: ignore[arg-type]


def test_verify_wrong_hash_same_length():
    encoded = _good()
    last = encoded[-1]
    tampered = encoded[:-1] + ("0" if last != "0" else "1")
    assert verify_secret("123456", tampered) is False


def test_keyed_digest():
    key = b"k" * 32
    expected = hmac.new(key, "123456".encode(), hashlib.sha256).hexdigest()
    assert keyed_digest(key, "123456") == expected
    assert re.fullmatch(r"[0-9a-f]{64}", expected)
    assert keyed_digest(key, "123456") != keyed_digest(b"j" * 32, "123456")
    assert keyed_digest(key, "123456") != keyed_digest(key, "123457")
    # known RFC 4231 test case 2
    assert keyed_digest(b"Jefe", "what do ya want for nothing?") == (
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )


def test_keyed_digest_rejects_bad_key_or_value():
    with pytest.raises(ValueError):
        keyed_digest(b"", "x")
    with pytest.raises(TypeError):
        keyed_digest("key", "x")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        keyed_digest(b"key", b"x")  # type: ignore[arg-type]


def test_new_token():
    token = new_token()
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)  # 32 bytes -> 43 base64url chars
    assert len(new_token(16)) == 22
    assert len({new_token() for _ in range(100)}) == 100
    with pytest.raises(ValueError):
        new_token(15)
    with pytest.raises(TypeError):
        new_token(32.0)  # type: ignore[arg-type]

