"""Login rules over the ASGI transport: SMS codes, passwords, refresh rotation, log-out, me."""
from __future__ import annotations

import pytest

from tests.server.helpers import DEMO_PASSWORD, LI, PHONES, ZHANG, assert_problem


async def outbox_code(client, admin_headers, phone: str) -> str:
    r = await client.get("/admin/sandboxes/demo/outbox", params={"phone": phone}, headers=admin_headers)
    assert r.status_code == 200
    text = r.json()[0]["text"]
    return "".join(ch for ch in text.split("验证码是")[1][:6])


async def advance(client, admin_headers, seconds: float):
    r = await client.post("/admin/sandboxes/demo/clock/advance", json={"seconds": seconds}, headers=admin_headers)
    assert r.status_code == 200, r.text


async def sms_login(client, admin_headers, phone=PHONES[ZHANG]) -> dict:
    r = await client.post("/api/v1/auth/sms-codes", json={"phone": phone})
    assert r.status_code == 202, r.text
    code = await outbox_code(client, admin_headers, phone)
    r = await client.post("/api/v1/auth/login/sms", json={"phone": phone, "code": code})
    assert r.status_code == 201, r.text
    return r.json()


async def test_sms_login_gives_tokens_and_me_is_masked(client, admin_headers):
    pair = await sms_login(client, admin_headers)
    assert pair["token_type"] == "Bearer" and pair["expires_in"] == 1800
    r = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
    assert r.status_code == 200
    me = r.json()
    assert me["name"] == "*伟"
    assert me["phone"] == "137****9050"
    assert me["id_number"].startswith("3***06199003") and me["id_number"].count("*") == 8
    assert me["realname_level"] == 3
    assert [m["relation"] for m in me["family"]] == ["配偶", "子女", "父母"]
    assert all("*" in m["name"] for m in me["family"])


async def test_sms_code_is_single_use(client, admin_headers):
    phone = PHONES[ZHANG]
    await client.post("/api/v1/auth/sms-codes", json={"phone": phone})
    code = await outbox_code(client, admin_headers, phone)
    r = await client.post("/api/v1/auth/login/sms", json={"phone": phone, "code": code})
    assert r.status_code == 201
    r = await client.post("/api/v1/auth/login/sms", json={"phone": phone, "code": code})
    assert_problem(r, 401, "OTP_USED")


async def test_sms_code_expires_after_300_seconds(client, admin_headers):
    phone = PHONES[ZHANG]
    await client.post("/api/v1/auth/sms-codes", json={"phone": phone})
    code = await outbox_code(client, admin_headers, phone)
    await advance(client, admin_headers, 299)
    # still valid one second before the end: prove it with a wrong code first (not expired)
    r = await client.post("/api/v1/auth/login/sms", json={"phone": phone, "code": "000000" if code != "000000" else "111111"})
    assert_problem(r, 401, "OTP_INVALID")
    await advance(client, admin_headers, 1)
    r = await client.post("/api/v1/auth/login/sms", json={"phone": phone, "code": code})
    assert_problem(r, 401, "OTP_EXPIRED")


async def test_resend_waits_60_seconds(client, admin_headers):
    phone = PHONES[LI]
    assert (await client.post("/api/v1/auth/sms-codes", json={"phone": phone})).status_code == 202
    await advance(client, admin_headers, 59)
    body = assert_problem(await client.post("/api/v1/auth/sms-codes", json={"phone": phone}), 429, "OTP_RESEND_TOO_SOON")
    assert body["retry_after"] == 1
    await advance(client, admin_headers, 1)
    assert (await client.post("/api/v1/auth/sms-codes", json={"phone": phone})).status_code == 202


async def test_five_sends_a_day_then_refused_until_tomorrow(client, admin_headers):
    phone = PHONES[LI]
    for n in range(5):
        r = await client.post("/api/v1/auth/sms-codes", json={"phone": phone})
        assert r.status_code == 202, r.text
        assert r.json()["sends_left_today"] == 4 - n
        await advance(client, admin_headers, 61)
    assert_problem(await client.post("/api/v1/auth/sms-codes", json={"phone": phone}), 429, "OTP_DAILY_LIMIT")
    r = await client.put("/admin/sandboxes/demo/clock", json={"now": "2026-06-16T00:00:01+08:00"}, headers=admin_headers)
    assert r.status_code == 200
    assert (await client.post("/api/v1/auth/sms-codes", json={"phone": phone})).status_code == 202


async def test_five_wrong_entries_void_the_code(client, admin_headers):
    phone = PHONES[ZHANG]
    await client.post("/api/v1/auth/sms-codes", json={"phone": phone})
    code = await outbox_code(client, admin_headers, phone)
    wrong = "123456" if code != "123456" else "654321"
    for left in (4, 3, 2, 1):
        body = assert_problem(await client.post("/api/v1/auth/login/sms", json={"phone": phone, "code": wrong}), 401, "OTP_INVALID")
        assert body["tries_left"] == left
    assert_problem(await client.post("/api/v1/auth/login/sms", json={"phone": phone, "code": wrong}), 401, "OTP_VOIDED")
    # even the right code no longer works
    assert_problem(await client.post("/api/v1/auth/login/sms", json={"phone": phone, "code": code}), 401, "OTP_VOIDED")


@pytest.mark.parametrize("phone", ["12345678901", "1370571905", "137057190500", "abc", "", "+87 13705719050"])
async def test_bad_phone_is_refused(client, phone):
    assert_problem(await client.post("/api/v1/auth/sms-codes", json={"phone": phone}), 422, "INVALID_PHONE")


async def test_phone_with_country_prefix_is_accepted(client):
    r = await client.post("/api/v1/auth/sms-codes", json={"phone": "+86 137-0571-9050"})
    assert r.status_code == 202 and r.json()["phone"] == "137****9050"


async def test_unregistered_phone_and_unknown_fields(client):
    assert_problem(await client.post("/api/v1/auth/sms-codes", json={"phone": "13311112222"}), 404, "PHONE_NOT_REGISTERED")
    assert_problem(await client.post("/api/v1/auth/sms-codes", json={"phone": PHONES[ZHANG], "x": 1}), 422, "VALIDATION_FAILED")
    assert_problem(await client.post("/api/v1/auth/sms-codes", json={"phone": 13705719050}), 422, "VALIDATION_FAILED")
    assert_problem(await client.post("/api/v1/auth/sms-codes", content=b"{bad", headers={"content-type": "application/json"}),
                   400, "MALFORMED_JSON")


async def test_code_before_request_and_bad_code_format(client):
    assert_problem(await client.post("/api/v1/auth/login/sms", json={"phone": PHONES[ZHANG], "code": "123456"}), 401, "OTP_NOT_REQUESTED")
    assert_problem(await client.post("/api/v1/auth/login/sms", json={"phone": PHONES[ZHANG], "code": "12a456"}), 422, "VALIDATION_FAILED")


async def test_password_login_with_phone_or_id_number(client, sandbox):
    r = await client.post("/api/v1/auth/login/password", json={"account": PHONES[ZHANG], "password": DEMO_PASSWORD})
    assert r.status_code == 201, r.text
    idn = sandbox.db.scalar("SELECT id_number FROM citizens WHERE id = ?", (ZHANG,))
    r = await client.post("/api/v1/auth/login/password", json={"account": idn, "password": DEMO_PASSWORD})
    assert r.status_code == 201 and r.json()["citizen_id"] == ZHANG


async def test_password_login_refuses_a_bad_id_number(client):
    body = assert_problem(await client.post("/api/v1/auth/login/password",
                                            json={"account": "330106199003071237", "password": "x" * 8}), 422, "INVALID_ID_NUMBER")
    assert body["reason"] == "check_char"
    assert_problem(await client.post("/api/v1/auth/login/password", json={"account": "hello", "password": "x"}),
                   422, "VALIDATION_FAILED")


async def test_five_wrong_passwords_in_five_minutes_lock_thirty_minutes(client, admin_headers):
    account = {"account": PHONES[ZHANG], "password": "Wrong-pass1"}
    for left in (4, 3, 2, 1):
        body = assert_problem(await client.post("/api/v1/auth/login/password", json=account), 401, "INVALID_CREDENTIALS")
        assert body["tries_left"] == left
    body = assert_problem(await client.post("/api/v1/auth/login/password", json=account), 423, "ACCOUNT_LOCKED")
    assert "30" in body["detail"]
    good = {"account": PHONES[ZHANG], "password": DEMO_PASSWORD}
    assert_problem(await client.post("/api/v1/auth/login/password", json=good), 423, "ACCOUNT_LOCKED")
    await advance(client, admin_headers, 29 * 60 + 59)
    assert_problem(await client.post("/api/v1/auth/login/password", json=good), 423, "ACCOUNT_LOCKED")
    await advance(client, admin_headers, 1)
    assert (await client.post("/api/v1/auth/login/password", json=good)).status_code == 201


async def test_failures_spread_over_more_than_five_minutes_do_not_lock(client, admin_headers):
    account = {"account": PHONES[ZHANG], "password": "Wrong-pass1"}
    for _ in range(4):
        assert_problem(await client.post("/api/v1/auth/login/password", json=account), 401, "INVALID_CREDENTIALS")
    await advance(client, admin_headers, 5 * 60 + 1)
    body = assert_problem(await client.post("/api/v1/auth/login/password", json=account), 401, "INVALID_CREDENTIALS")
    assert body["tries_left"] == 4


async def test_refresh_rotates_and_reuse_revokes_the_session(client, admin_headers):
    pair = await sms_login(client, admin_headers)
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert r.status_code == 200
    new = r.json()
    assert new["refresh_token"] != pair["refresh_token"]
    assert (await client.get("/api/v1/me", headers={"Authorization": f"Bearer {new['access_token']}"})).status_code == 200
    assert_problem(await client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}), 401, "REFRESH_TOKEN_REUSED")
    # the whole session is gone: the newest tokens die too
    assert_problem(await client.get("/api/v1/me", headers={"Authorization": f"Bearer {new['access_token']}"}), 401, "SESSION_REVOKED")
    assert_problem(await client.post("/api/v1/auth/refresh", json={"refresh_token": new["refresh_token"]}), 401, "SESSION_REVOKED")


async def test_access_token_expires_after_30_minutes_and_refresh_after_12_hours(client, admin_headers):
    pair = await sms_login(client, admin_headers)
    headers = {"Authorization": f"Bearer {pair['access_token']}"}
    await advance(client, admin_headers, 30 * 60)
    assert_problem(await client.get("/api/v1/me", headers=headers), 401, "TOKEN_EXPIRED")
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert r.status_code == 200
    await advance(client, admin_headers, 12 * 3600)
    assert_problem(await client.post("/api/v1/auth/refresh", json={"refresh_token": r.json()["refresh_token"]}), 401, "TOKEN_EXPIRED")


async def test_logout_ends_the_session(client, admin_headers):
    pair = await sms_login(client, admin_headers)
    headers = {"Authorization": f"Bearer {pair['access_token']}"}
    assert (await client.post("/api/v1/auth/logout", headers=headers)).status_code == 204
    assert_problem(await client.get("/api/v1/me", headers=headers), 401, "SESSION_REVOKED")
    assert_problem(await client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}), 401, "SESSION_REVOKED")


@pytest.mark.parametrize("header", [None, "Basic abc", "Bearer ", "Bearer at1.X.1.sig", "Bearer garbage\u00e9".encode("latin-1")])
async def test_bad_or_forged_tokens(client, header):
    headers = {} if header is None else {"Authorization": header}
    r = await client.get("/api/v1/me", headers=headers)
    assert r.status_code == 401
    assert r.json()["code"] in ("AUTH_REQUIRED", "TOKEN_INVALID")


async def test_token_of_one_sandbox_does_not_open_another(client, admin_headers, auth):
    r = await client.post("/admin/sandboxes", json={"id": "other", "seed": 2025}, headers=admin_headers)
    assert r.status_code == 201
    headers = {**auth(ZHANG), "X-Sandbox-Id": "other"}
    assert_problem(await client.get("/api/v1/me", headers=headers), 401, "TOKEN_INVALID")
