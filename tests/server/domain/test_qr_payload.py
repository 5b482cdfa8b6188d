import base64
import dataclasses
import hashlib
import hmac
import re

import pytest

from mock_server.domain.qr_payload import (
    QrClaims,
    QrPayloadError,
    numeric_code,
    parse_qr,
    sign_qr,
)

KEY = b"test-key-0123456789abcdef-0123456"
OTHER_KEY = b"other-key-0123456789abcdef-01234"
EXP = 1_750_300_860  # 2025-06-19 10:41:00 +08:00


def _payload(qr_id="Q7K2M9X4T1", card_id="B00000019", exp=EXP):
    return sign_qr(KEY, qr_id, card_id, exp)


def test_round_trip():
    claims = parse_qr(KEY, _payload())
    assert claims == QrClaims(qr_id="Q7K2M9X4T1", card_id="B00000019", expires_at_epoch=EXP)


def test_claims_frozen():
    claims = parse_qr(KEY, _payload())
    with pytest.raises(dataclasses.FrozenInstanceError):
        claims.expires_at_epoch = EXP + 3600  # type: ignore[misc]


def test_payload_shape():
    payload = _payload()
    assert re.fullmatch(r"[0-9A-Z.]+", payload)
    prefix, qr_id, card_id, exp36, sig = payload.split(".")
    assert (prefix, qr_id, card_id) == ("ZLB1", "Q7K2M9X4T1", "B00000019")
    assert int(exp36, 36) == EXP and exp36 == exp36.upper()
    body = payload.rsplit(".", 1)[0]
    mac = hmac.new(KEY, body.encode(), hashlib.sha256).digest()[:16]
    assert sig == base64.b32encode(mac).decode().rstrip("=")
    assert len(sig) == 26
    assert len(payload) < 70


def test_longest_payload_fits_small_qr_version():
    payload = sign_qr(KEY, "Z" * 16, "Z" * 16, 36**8 - 1)
    assert len(payload) < 80
    segno = pytest.importorskip("segno")
    qr = segno.make(payload, error="m")
    assert qr.mode == "alphanumeric"
    assert qr.version <= 5
    assert segno.make(_payload(), error="m").version <= 4


@pytest.mark.parametrize("exp", [0, 1, 35, 36, 36**8 - 1])
def test_expiry_bounds_round_trip(exp):
    assert parse_qr(KEY, _payload(exp=exp)).expires_at_epoch == exp


def test_expiry_not_checked_here():
    assert parse_qr(KEY, _payload(exp=1)).expires_at_epoch == 1


def test_tampered_character_is_bad_signature():
    payload = _payload()
    # change a character in each signed field and in the signature itself
    for index in [6, len("ZLB1.Q7K2M9X4T1.") + 3, payload.rindex(".") - 1, len(payload) - 1]:
        original = payload[index]
        replacement = "A" if original != "A" else "B"
        tampered = payload[:index] + replacement + payload[index + 1 :]
        with pytest.raises(QrPayloadError) as info:
            parse_qr(KEY, tampered)
        assert info.value.reason == "bad_signature"


def _base36(n: int) -> str:
    digits = ""
    while n:
        n, r = divmod(n, 36)
        digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[r] + digits
    return digits or "0"


def test_extended_expiry_is_bad_signature():
    """A screenshot cannot be made to live longer by editing its expiry."""
    prefix, qr_id, card_id, _exp36, sig = _payload().split(".")
    forged = f"{prefix}.{qr_id}.{card_id}.{_base36(EXP + 3600)}.{sig}"
    with pytest.raises(QrPayloadError) as info:
        parse_qr(KEY, forged)
    assert info.value.reason == "bad_signature"


def test_swapped_card_is_bad_signature():
    prefix, qr_id, _card_id, exp36, sig = _payload().split(".")
    with pytest.raises(QrPayloadError) as info:
        parse_qr(KEY, f"{prefix}.{qr_id}.B00000027.{exp36}.{sig}")
    assert info.value.reason == "bad_signature"


def test_other_key_is_bad_signature():
    with pytest.raises(QrPayloadError) as info:
        parse_qr(OTHER_KEY, _payload())
    assert info.value.reason == "bad_signature"


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "hello",
        "ZLB1",
        "ZLB1....",
        "ZLB2.Q7K2M9X4T1.B00000019.SXWKOS.7NNPGF6XIYQ3PH4WBRNNFSHJFI",
        "ZLB1.Q7K2M9X4T1.B00000019.SXWKOS",
        "ZLB1.Q7K2M9X4T1.B00000019.SXWKOS.7NNPGF6XIYQ3PH4WBRNNFSHJFI.X",
        "ZLB1.q7k2m9x4t1.B00000019.SXWKOS.7NNPGF6XIYQ3PH4WBRNNFSHJFI",
        "ZLB1..B00000019.SXWKOS.7NNPGF6XIYQ3PH4WBRNNFSHJFI",
        "ZLB1.Q7K2M9X4T1.B00000019.0SXWKOS.7NNPGF6XIYQ3PH4WBRNNFSHJFI",  # leading zero
        "ZLB1.Q7K2M9X4T1.B00000019.SXWKOSSXW.7NNPGF6XIYQ3PH4WBRNNFSHJFI",  # 9 base36 digits
        "ZLB1.Q7K2M9X4T1.B00000019.SXWKOS.7NNPGF6XIYQ3PH4WBRNNFSHJF",  # sig too short
        "ZLB1.Q7K2M9X4T1.B00000019.SXWKOS.7NNPGF6XIYQ3PH4WBRNNFSHJFI1",  # sig too long
        "ZLB1.Q7K2M9X4T1.B00000019.SXWKOS.1NNPGF6XIYQ3PH4WBRNNFSHJFI",  # 1 not in base32
        "ZLB1.AAAAAAAAAAAAAAAAA.B00000019.SXWKOS.7NNPGF6XIYQ3PH4WBRNNFSHJFI",  # 17-char id
        "ZLB1.Q7K2M9X4T1.B00000019.SXWKOS.7NNPGF6XIYQ3PH4WBRNNFSHJFI\n",
        "https://example.com/?q=ZLB1",
    ],
)
def test_garbage_is_malformed(garbage):
    with pytest.raises(QrPayloadError) as info:
        parse_qr(KEY, garbage)
    assert info.value.reason == "malformed"


def test_non_string_payload_is_malformed():
    with pytest.raises(QrPayloadError) as info:
        parse_qr(KEY, _payload().encode())  # type: ignore[arg-type]
    assert info.value.reason == "malformed"


def test_error_reason_is_constrained():
    assert str(QrPayloadError("malformed")) == "malformed"
    with pytest.raises(ValueError):
        QrPayloadError("expired")


@pytest.mark.parametrize(
    "qr_id, card_id",
    [("", "B00000019"), ("Q1", ""), ("q1", "B00000019"), ("Q.1", "B00000019"), ("Q1", "B-1"), ("A" * 17, "B1")],
)
def test_sign_rejects_bad_fields(qr_id, card_id):
    with pytest.raises(ValueError):
        sign_qr(KEY, qr_id, card_id, EXP)


def test_sign_rejects_bad_expiry_and_key():
    with pytest.raises(ValueError):
        sign_qr(KEY, "Q1", "B1", -1)
    with pytest.raises(ValueError):
        sign_qr(KEY, "Q1", "B1", 36**8)
    with pytest.raises(TypeError):
        sign_qr(KEY, "Q1", "B1", float(EXP))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        sign_qr(b"", "Q1", "B1", EXP)
    with pytest.raises(TypeError):
        sign_qr("key", "Q1", "B1", EXP)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        parse_qr(b"", _payload())


def test_numeric_code():
    code = numeric_code(KEY, "Q7K2M9X4T1")
    assert re.fullmatch(r"9[0-9]{17}", code)
    assert numeric_code(KEY, "Q7K2M9X4T1") == code  # stable
    assert numeric_code(KEY, "Q7K2M9X4T2") != code
    assert numeric_code(OTHER_KEY, "Q7K2M9X4T1") != code
    with pytest.raises(ValueError):
        numeric_code(KEY, "q7k2")
    with pytest.raises(ValueError):
        numeric_code(b"", "Q7K2M9X4T1")


def test_numeric_codes_are_distinct_and_full_width():
    codes = {numeric_code(KEY, f"Q{i}") for i in range(2000)}
    assert len(codes) == 2000
    assert all(len(c) == 18 and c.isdigit() and c[0] == "9" for c in codes)
