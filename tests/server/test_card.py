"""The e-social-security card over the ASGI transport: masked card face, reveal with the card PIN and
its lock, show codes (展码) and their verification at a counter."""
from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
import segno

from mock_server.domain.qr_payload import parse_qr, sign_qr
from mock_server.store import cards as card_store
from tests.server.helpers import CHEN, DEMO_CARD_PIN, LI, START, WANG, ZHANG, assert_problem

WRONG_PIN = "258147"
assert WRONG_PIN != DEMO_CARD_PIN
ZHANG_CARD = "K0001"
LI_CARD = "K0002"
SPOUSE = "C0006"  # 刘婷, 张伟's spouse
SPOUSE_CARD = "K0005"


# --- helpers ---------------------------------------------------------------------------------------
async def advance(client, admin_headers, seconds: float, sandbox_id: str = "demo"):
    r = await client.post(f"/admin/sandboxes/{sandbox_id}/clock/advance", json={"seconds": seconds},
                          headers=admin_headers)
    assert r.status_code == 200, r.text


async def freeze(client, admin_headers, sandbox_id: str = "demo"):
    """Stop the virtual clock at the sandbox start so that boundaries are exact to the second."""
    r = await client.put(f"/admin/sandboxes/{sandbox_id}/clock", json={"now": START, "frozen": True},
                         headers=admin_headers)
    assert r.status_code == 200, r.text


async def reveal(client, headers, card_id=ZHANG_CARD, pin=DEMO_CARD_PIN):
    return await client.post(f"/api/v1/cards/{card_id}/reveal", json={"pin": pin}, headers=headers)


async def issue(client, headers, card_id=ZHANG_CARD) -> dict:
    r = await client.post(f"/api/v1/cards/{card_id}/qr", headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def verify(client, code: str, **extra):
    return await client.post("/api/v1/qr/verify", json={"code": code, **extra})


def card_row(sandbox, card_id: str) -> dict:
    return sandbox.db.one("SELECT k.*, c.name, c.id_number, c.gender FROM cards k "
                          "JOIN citizens c ON c.id = k.citizen_id WHERE k.id = ?", (card_id,))


def set_status(sandbox, card_id: str, status: str) -> None:
    with sandbox.db.write():
        sandbox.db.execute("UPDATE cards SET status = ? WHERE id = ?", (status, card_id))


# --- the card face ---------------------------------------------------------------------------------
async def test_list_shows_my_card_and_my_familys_masked(client, auth, sandbox):
    r = await client.get("/api/v1/cards", headers=auth(ZHANG))
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [c["relation"] for c in items] == ["本人", "配偶", "子女", "父母"]
    assert [c["holder_id"] for c in items] == [ZHANG, "C0006", "C0007", "C0008"]
    assert [c["holder_name"] for c in items] == ["*伟", "*婷", "*梓轩", "*建国"]
    for card in items:
        row = card_row(sandbox, card["id"])
        assert card["masked"] is True
        assert re.fullmatch(r"[A-H]\*{5}\d{3}", card["card_number"])
        assert card["card_number"][0] == row["card_number"][0] and card["card_number"][-3:] == row["card_number"][-3:]
        idn = row["id_number"]
        assert card["social_security_number"] == idn[0] + "*" * 16 + idn[-1]
        bank = row["bank_card_number"]
        assert card["bank_card_number"] == bank[:6] + "*" * (len(bank) - 10) + bank[-4:]
        assert card["city_name"] == {"330100": "杭州市", "330200": "宁波市", "330300": "温州市"}[card["city_code"]]
        assert card["status"] == "normal" and card["status_label"] == "正常"
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", card["issue_date"]) and card["valid_until"] > card["issue_date"]
        assert card["bank_name"] == row["bank_name"]
        # nothing in clear anywhere in the answer
        for secret in (idn, row["card_number"], bank, row["name"]):
            assert secret not in r.text


async def test_family_member_without_a_card_is_simply_absent(client, auth, sandbox):
    with sandbox.db.write():
        sandbox.db.execute("DELETE FROM cards WHERE citizen_id = ?", ("C0008",))
    items = (await client.get("/api/v1/cards", headers=auth(ZHANG))).json()["items"]
    assert [c["relation"] for c in items] == ["本人", "配偶", "子女"]


async def test_one_card_is_the_same_masked_face(client, auth):
    headers = auth(ZHANG)
    listed = (await client.get("/api/v1/cards", headers=headers)).json()["items"]
    for card in listed:
        r = await client.get(f"/api/v1/cards/{card['id']}", headers=headers)
        assert r.status_code == 200 and r.json() == card


async def test_lost_and_cancelled_cards_show_their_status(client, auth, sandbox):
    card = (await client.get("/api/v1/cards", headers=auth(WANG))).json()["items"][0]
    assert card["holder_name"] == "*芳" and card["status"] == "lost" and card["status_label"] == "挂失"
    set_status(sandbox, ZHANG_CARD, "cancelled")
    card = (await client.get(f"/api/v1/cards/{ZHANG_CARD}", headers=auth(ZHANG))).json()
    assert card["status"] == "cancelled" and card["status_label"] == "注销"


async def test_missing_card_and_another_citizens_card_answer_the_same_404(client, auth):
    missing = assert_problem(await client.get("/api/v1/cards/K9999", headers=auth(LI)), 404, "CARD_NOT_FOUND")
    other = assert_problem(await client.get(f"/api/v1/cards/{ZHANG_CARD}", headers=auth(LI)), 404, "CARD_NOT_FOUND")
    assert {k: v for k, v in missing.items() if k not in ("detail", "instance")} == \
           {k: v for k, v in other.items() if k not in ("detail", "instance")}
    assert missing["detail"].replace("K9999", "X") == other["detail"].replace(ZHANG_CARD, "X")


async def test_a_second_citizen_gets_404_on_every_card_route(client, auth):
    li = auth(LI)
    for card_id in (ZHANG_CARD, SPOUSE_CARD):
        assert_problem(await client.get(f"/api/v1/cards/{card_id}", headers=li), 404, "CARD_NOT_FOUND")
        assert_problem(await reveal(client, li, card_id), 404, "CARD_NOT_FOUND")
        assert_problem(await reveal(client, li, card_id, WRONG_PIN), 404, "CARD_NOT_FOUND")
        assert_problem(await client.post(f"/api/v1/cards/{card_id}/qr", headers=li), 404, "CARD_NOT_FOUND")
    assert [c["holder_id"] for c in (await client.get("/api/v1/cards", headers=li)).json()["items"]] == \
           [LI, "C0009", "C0010"]
    # the refused wrong PIN was not counted against 张伟's card, and no code was issued for it
    body = assert_problem(await reveal(client, auth(ZHANG), ZHANG_CARD, WRONG_PIN), 401, "PIN_INVALID")
    assert body["tries_left"] == 4


async def test_a_family_members_card_is_reachable_by_the_family_only(client, auth):
    zhang = auth(ZHANG)
    card = (await client.get(f"/api/v1/cards/{SPOUSE_CARD}", headers=zhang)).json()
    assert card["holder_id"] == SPOUSE and card["relation"] == "配偶"
    assert (await reveal(client, zhang, SPOUSE_CARD)).json()["holder_name"] == "刘婷"
    code = await issue(client, zhang, SPOUSE_CARD)
    r = await verify(client, code["payload"])
    assert r.status_code == 200 and r.json()["holder"]["name"] == "*婷"
    assert_problem(await client.get(f"/api/v1/cards/{SPOUSE_CARD}", headers=auth(LI)), 404, "CARD_NOT_FOUND")


@pytest.mark.parametrize("path", ["/api/v1/cards", f"/api/v1/cards/{ZHANG_CARD}"])
async def test_level_one_citizen_is_refused(client, auth, path):
    body = assert_problem(await client.get(path, headers=auth(CHEN)), 403, "REALNAME_LEVEL_TOO_LOW")
    assert body["level"] == 1 and body["required_level"] == 2


async def test_level_one_citizen_cannot_reveal_or_show_a_code(client, auth):
    headers = auth(CHEN)
    assert_problem(await reveal(client, headers), 403, "REALNAME_LEVEL_TOO_LOW")
    assert_problem(await client.post(f"/api/v1/cards/{ZHANG_CARD}/qr", headers=headers), 403, "REALNAME_LEVEL_TOO_LOW")


async def test_card_routes_need_a_login(client):
    assert_problem(await client.get("/api/v1/cards"), 401, "AUTH_REQUIRED")
    assert_problem(await reveal(client, {}), 401, "AUTH_REQUIRED")
    assert_problem(await client.post(f"/api/v1/cards/{ZHANG_CARD}/qr"), 401, "AUTH_REQUIRED")


# --- reveal and the card PIN -----------------------------------------------------------------------
async def test_reveal_with_the_right_pin_shows_the_full_details(client, auth, sandbox):
    r = await reveal(client, auth(ZHANG))
    assert r.status_code == 200, r.text
    card = r.json()
    row = card_row(sandbox, ZHANG_CARD)
    assert card["masked"] is False
    assert card["holder_name"] == "张伟" == row["name"]
    assert card["social_security_number"] == row["id_number"]
    assert card["card_number"] == row["card_number"]
    bank = row["bank_card_number"]
    assert card["bank_card_number"] == bank[:6] + "*" * (len(bank) - 10) + bank[-4:]  # still masked
    assert card["relation"] == "本人" and card["status_label"] == "正常"


async def test_a_lost_card_can_still_be_revealed(client, auth, sandbox):
    card_id = (await client.get("/api/v1/cards", headers=auth(WANG))).json()["items"][0]["id"]
    r = await reveal(client, auth(WANG), card_id)
    assert r.status_code == 200 and r.json()["holder_name"] == "王芳" and r.json()["status"] == "lost"


@pytest.mark.parametrize("pin", ["", "12345", "1234567", "12a456", "３６９１４７", " 369147", "369 47"])
async def test_pin_that_is_not_six_digits_is_refused_without_counting(client, auth, pin):
    headers = auth(ZHANG)
    for _ in range(6):  # more than the lock limit: none of them counts
        assert_problem(await reveal(client, headers, pin=pin), 422, "PIN_FORMAT")
    body = assert_problem(await reveal(client, headers, pin=WRONG_PIN), 401, "PIN_INVALID")
    assert body["tries_left"] == 4


async def test_reveal_body_is_strict(client, auth):
    headers = auth(ZHANG)
    url = f"/api/v1/cards/{ZHANG_CARD}/reveal"
    assert_problem(await client.post(url, json={"pin": int(DEMO_CARD_PIN)}, headers=headers), 422, "VALIDATION_FAILED")
    assert_problem(await client.post(url, json={"pin": DEMO_CARD_PIN, "remember": True}, headers=headers),
                   422, "VALIDATION_FAILED")
    assert_problem(await client.post(url, json={}, headers=headers), 422, "VALIDATION_FAILED")
    assert (await reveal(client, headers)).status_code == 200


async def test_wrong_pins_count_down_and_a_right_pin_clears_them(client, auth):
    headers = auth(ZHANG)
    for left in (4, 3, 2, 1):
        body = assert_problem(await reveal(client, headers, pin=WRONG_PIN), 401, "PIN_INVALID")
        assert body["tries_left"] == left and f"{left} {'try' if left == 1 else 'tries'} left" in body["detail"]
    assert (await reveal(client, headers)).status_code == 200
    body = assert_problem(await reveal(client, headers, pin=WRONG_PIN), 401, "PIN_INVALID")
    assert body["tries_left"] == 4


async def test_failures_have_no_time_window(client, auth, admin_headers):
    for _ in range(4):
        assert_problem(await reveal(client, auth(ZHANG), pin=WRONG_PIN), 401, "PIN_INVALID")
        await advance(client, admin_headers, 3600)
    # four hours later the fifth wrong PIN in a row still locks (a fresh access token each time)
    assert_problem(await reveal(client, auth(ZHANG), pin=WRONG_PIN), 423, "PIN_LOCKED")


async def test_fifth_wrong_pin_locks_for_thirty_minutes_exactly(client, auth, admin_headers):
    await freeze(client, admin_headers)
    headers = auth(ZHANG)
    for _ in range(4):
        assert_problem(await reveal(client, headers, pin=WRONG_PIN), 401, "PIN_INVALID")
    r = await reveal(client, headers, pin=WRONG_PIN)
    body = assert_problem(r, 423, "PIN_LOCKED")
    lock_end = datetime.fromisoformat(START) + timedelta(minutes=30)
    assert datetime.fromisoformat(body["locked_until"]) == lock_end
    assert body["retry_after"] == 1800 and r.headers["Retry-After"] == "1800"
    assert "30 more minutes" in body["detail"]
    # while locked even the right PIN is refused, and wrong ones do not extend the lock
    assert_problem(await reveal(client, headers), 423, "PIN_LOCKED")
    assert_problem(await reveal(client, headers, pin=WRONG_PIN), 423, "PIN_LOCKED")
    await advance(client, admin_headers, 29 * 60 + 59)
    body = assert_problem(await reveal(client, headers), 423, "PIN_LOCKED")
    assert body["retry_after"] == 1 and "1 more minute" in body["detail"]
    await advance(client, admin_headers, 1)
    headers = auth(ZHANG)  # the first access token lived 30 minutes too
    r = await reveal(client, headers)
    assert r.status_code == 200 and r.json()["masked"] is False
    # the count starts afresh after the lock
    await advance(client, admin_headers, 1)
    body = assert_problem(await reveal(client, headers, pin=WRONG_PIN), 401, "PIN_INVALID")
    assert body["tries_left"] == 4


async def test_a_wrong_pin_in_the_second_the_lock_ends_counts(client, auth, admin_headers):
    await freeze(client, admin_headers)
    for _ in range(5):
        await reveal(client, auth(ZHANG), pin=WRONG_PIN)
    await advance(client, admin_headers, 30 * 60)
    body = assert_problem(await reveal(client, auth(ZHANG), pin=WRONG_PIN), 401, "PIN_INVALID")
    assert body["tries_left"] == 4


async def test_the_lock_belongs_to_the_card_holders_pin(client, auth):
    headers = auth(ZHANG)
    for _ in range(5):
        await reveal(client, headers, pin=WRONG_PIN)
    assert_problem(await reveal(client, headers), 423, "PIN_LOCKED")
    # the spouse's card has its own PIN and is not locked
    assert (await reveal(client, headers, SPOUSE_CARD)).status_code == 200
    # the masked face and the show code stay available during the lock
    assert (await client.get(f"/api/v1/cards/{ZHANG_CARD}", headers=headers)).status_code == 200
    await issue(client, headers)


# --- show codes ------------------------------------------------------------------------------------
async def test_issue_a_show_code(client, auth, admin_headers, sandbox):
    await freeze(client, admin_headers)
    code = await issue(client, auth(ZHANG))
    assert set(code) == {"qr_id", "card_id", "payload", "numeric_code", "issued_at", "expires_at", "expires_in"}
    assert re.fullmatch(r"[A-Z0-9]{10}", code["qr_id"])
    assert re.fullmatch(r"\d{18}", code["numeric_code"])
    assert code["card_id"] == ZHANG_CARD and code["expires_in"] == 60
    assert code["issued_at"] == START
    issued, expires = datetime.fromisoformat(code["issued_at"]), datetime.fromisoformat(code["expires_at"])
    assert expires - issued == timedelta(seconds=60) and code["expires_at"].endswith("+08:00")
    claims = parse_qr(sandbox.secret, code["payload"])
    assert claims.qr_id == code["qr_id"] and claims.card_id == ZHANG_CARD
    assert claims.expires_at_epoch == int(expires.timestamp())
    # nothing personal in the payload: a screenshot leaks no name, ID or card number
    row = card_row(sandbox, ZHANG_CARD)
    for secret in (row["id_number"], row["card_number"], row["name"]):
        assert secret not in code["payload"]


async def test_payload_fits_a_small_qr_code(client, auth):
    code = await issue(client, auth(ZHANG))
    assert segno.make(code["payload"], error="m").version <= 5


async def test_verify_by_payload_shows_the_holder_masked(client, auth, admin_headers, sandbox):
    await freeze(client, admin_headers)
    code = await issue(client, auth(ZHANG))
    r = await verify(client, code["payload"], counter="浙大一院 1号窗口")
    assert r.status_code == 200, r.text
    body = r.json()
    row = card_row(sandbox, ZHANG_CARD)
    assert body["valid"] is True and body["qr_id"] == code["qr_id"] and body["verified_at"] == START
    assert body["holder"] == {"name": "*伟", "id_number": row["id_number"][0] + "*" * 16 + row["id_number"][-1],
                              "gender": "male"}
    assert body["card"] == {"card_number": row["card_number"][0] + "*****" + row["card_number"][-3:],
                            "city_code": row["city_code"], "city_name": "杭州市", "status": "normal"}
    assert sandbox.db.scalar("SELECT used_by FROM qr_codes WHERE id = ?", (code["qr_id"],)) == "浙大一院 1号窗口"


async def test_verify_by_numeric_code(client, auth):
    code = await issue(client, auth(ZHANG))
    r = await verify(client, code["numeric_code"])
    assert r.status_code == 200 and r.json()["qr_id"] == code["qr_id"]
    # typed with spaces at a counter: the same code, used already
    spaced = " ".join(code["numeric_code"][i:i + 6] for i in range(0, 18, 6))
    assert_problem(await verify(client, spaced), 409, "QR_USED")


@pytest.mark.parametrize("typed", ["12345678901234567", "1234567890123456789", "9"])
async def test_numeric_code_must_have_18_digits(client, typed):
    assert_problem(await verify(client, typed), 400, "QR_MALFORMED")


async def test_unknown_numeric_code_and_unknown_signed_code(client, auth, sandbox):
    code = await issue(client, auth(ZHANG))
    unknown = "9" + ("0" * 17 if code["numeric_code"] != "9" + "0" * 17 else "1" * 17)
    assert_problem(await verify(client, unknown), 404, "QR_NOT_FOUND")
    forged_id = sign_qr(sandbox.secret, "ZZZZZZZZZZ", ZHANG_CARD, 2_000_000_000)
    assert_problem(await verify(client, forged_id), 404, "QR_NOT_FOUND")
    # a genuine code id under another card is no code of ours either
    wrong_card = sign_qr(sandbox.secret, code["qr_id"], LI_CARD, 2_000_000_000)
    assert_problem(await verify(client, wrong_card), 404, "QR_NOT_FOUND")
    assert (await verify(client, code["payload"])).status_code == 200


async def test_code_is_valid_at_59_seconds(client, auth, admin_headers):
    await freeze(client, admin_headers)
    code = await issue(client, auth(ZHANG))
    await advance(client, admin_headers, 59)
    assert (await verify(client, code["payload"])).status_code == 200


async def test_code_expires_at_60_seconds(client, auth, admin_headers):
    await freeze(client, admin_headers)
    code = await issue(client, auth(ZHANG))
    await advance(client, admin_headers, 60)
    body = assert_problem(await verify(client, code["payload"]), 410, "QR_EXPIRED")
    assert body["reason"] == "expired" and body["expired_at"] == code["expires_at"]
    assert_problem(await verify(client, code["numeric_code"]), 410, "QR_EXPIRED")


async def test_code_is_single_use(client, auth, admin_headers):
    await freeze(client, admin_headers)
    code = await issue(client, auth(ZHANG))
    assert (await verify(client, code["payload"])).status_code == 200
    await advance(client, admin_headers, 5)
    body = assert_problem(await verify(client, code["payload"]), 409, "QR_USED")
    assert body["used_at"] == START
    assert_problem(await verify(client, code["numeric_code"]), 409, "QR_USED")


async def test_only_one_of_concurrent_verifications_wins(client, auth):
    code = await issue(client, auth(ZHANG))
    answers = await asyncio.gather(*(verify(client, code["payload"]) for _ in range(12)))
    assert sorted(r.status_code for r in answers) == [200] + [409] * 11
    assert {r.json()["code"] for r in answers if r.status_code == 409} == {"QR_USED"}


async def test_a_new_code_supersedes_the_previous_one(client, auth, admin_headers):
    await freeze(client, admin_headers)
    headers = auth(ZHANG)
    first = await issue(client, headers)
    await advance(client, admin_headers, 10)
    second = await issue(client, headers)
    assert second["qr_id"] != first["qr_id"] and second["numeric_code"] != first["numeric_code"]
    body = assert_problem(await verify(client, first["payload"]), 410, "QR_EXPIRED")
    assert body["reason"] == "superseded" and "newer code" in body["detail"]
    assert_problem(await verify(client, first["numeric_code"]), 410, "QR_EXPIRED")
    assert (await verify(client, second["payload"])).status_code == 200
    # a used code stays "used" when the next one is issued
    await issue(client, headers)
    assert_problem(await verify(client, second["payload"]), 409, "QR_USED")


async def test_codes_of_different_cards_do_not_supersede_each_other(client, auth):
    headers = auth(ZHANG)
    mine = await issue(client, headers)
    await issue(client, headers, SPOUSE_CARD)
    assert (await verify(client, mine["payload"])).status_code == 200


async def test_tampered_payload_is_refused(client, auth):
    code = await issue(client, auth(ZHANG))
    payload = code["payload"]
    prefix, qr_id, card_id, expiry, sig = payload.split(".")
    other_card = ".".join([prefix, qr_id, LI_CARD, expiry, sig])
    later = ".".join([prefix, qr_id, card_id, "Z" + expiry[1:], sig])
    flipped = payload[:-1] + ("A" if payload[-1] != "A" else "B")
    for bad in (other_card, later, flipped):
        assert_problem(await verify(client, bad), 400, "QR_BAD_SIGNATURE")
    for garbage in ("hello", "ZLB1.x", payload.lower(), payload + ".X", "ZLB2" + payload[4:], "", "https://example.com/"):
        assert_problem(await verify(client, garbage), 400, "QR_MALFORMED")
    # none of this touched the genuine code
    assert (await verify(client, payload)).status_code == 200


async def test_payload_from_another_sandbox_is_not_genuine_here(client, auth, admin_headers, registry):
    r = await client.post("/admin/sandboxes", json={"id": "other", "seed": 2025}, headers=admin_headers)
    assert r.status_code == 201, r.text
    foreign = await issue(client, auth(ZHANG, registry.get("other")))
    assert_problem(await verify(client, foreign["payload"]), 400, "QR_BAD_SIGNATURE")
    assert_problem(await verify(client, foreign["numeric_code"]), 404, "QR_NOT_FOUND")
    r = await client.post("/api/v1/qr/verify", json={"code": foreign["payload"]}, headers={"X-Sandbox-Id": "other"})
    assert r.status_code == 200 and r.json()["holder"]["name"] == "*伟"


async def test_verify_needs_no_login_but_a_real_sandbox(client, auth):
    code = await issue(client, auth(ZHANG))
    r = await client.post("/api/v1/qr/verify", json={"code": code["payload"]}, headers={"X-Sandbox-Id": "nope"})
    assert_problem(r, 404, "SANDBOX_NOT_FOUND")
    assert (await verify(client, code["payload"])).status_code == 200


async def test_verify_body_is_strict(client, auth):
    code = await issue(client, auth(ZHANG))
    assert_problem(await verify(client, code["payload"], extra=1), 422, "VALIDATION_FAILED")
    assert_problem(await verify(client, code["payload"], counter="x" * 61), 422, "VALIDATION_FAILED")
    assert_problem(await client.post("/api/v1/qr/verify", json={"code": int(code["numeric_code"])}),
                   422, "VALIDATION_FAILED")
    assert_problem(await client.post("/api/v1/qr/verify", json={}), 422, "VALIDATION_FAILED")
    assert (await verify(client, code["payload"], counter="x" * 60)).status_code == 200


async def test_no_code_for_a_lost_card(client, auth, sandbox):
    headers = auth(WANG)
    card_id = (await client.get("/api/v1/cards", headers=headers)).json()["items"][0]["id"]
    assert_problem(await client.post(f"/api/v1/cards/{card_id}/qr", headers=headers), 409, "CARD_LOST")
    assert sandbox.db.scalar("SELECT COUNT(*) FROM qr_codes WHERE card_id = ?", (card_id,)) == 0


async def test_no_code_for_a_cancelled_card(client, auth, sandbox):
    set_status(sandbox, ZHANG_CARD, "cancelled")
    assert_problem(await client.post(f"/api/v1/cards/{ZHANG_CARD}/qr", headers=auth(ZHANG)), 409, "CARD_CANCELLED")
    assert sandbox.db.scalar("SELECT COUNT(*) FROM qr_codes WHERE card_id = ?", (ZHANG_CARD,)) == 0


async def test_a_code_is_refused_once_its_card_is_reported_lost_or_cancelled(client, auth, sandbox):
    code = await issue(client, auth(ZHANG))
    set_status(sandbox, ZHANG_CARD, "lost")
    assert_problem(await verify(client, code["payload"]), 409, "CARD_LOST")
    set_status(sandbox, ZHANG_CARD, "cancelled")
    assert_problem(await verify(client, code["numeric_code"]), 409, "CARD_CANCELLED")
    # the refusals did not use the code up
    set_status(sandbox, ZHANG_CARD, "normal")
    assert (await verify(client, code["payload"])).status_code == 200


async def test_card_routes_are_in_the_openapi_contract(client):
    doc = (await client.get("/openapi.json")).json()
    for path in ("/api/v1/cards", "/api/v1/cards/{card_id}", "/api/v1/cards/{card_id}/reveal",
                 "/api/v1/cards/{card_id}/qr", "/api/v1/qr/verify"):
        ops = doc["paths"][path]
        assert all("card" in op["tags"] for op in ops.values())
    card = doc["components"]["schemas"]["Card"]["properties"]
    assert all(card[name].get("description") for name in card)


async def test_marking_a_code_used_is_a_conditional_update_with_one_winner(client, auth, sandbox):
    code = await issue(client, auth(ZHANG))
    now = sandbox.clock.now_iso()
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda n: card_store.use_qr(sandbox.db, code["qr_id"], now, f"counter {n}"), range(16)))
    assert results.count(True) == 1
    # a superseded or expired code cannot be marked used either
    newer = await issue(client, auth(ZHANG))
    newest = await issue(client, auth(ZHANG))
    assert card_store.use_qr(sandbox.db, newer["qr_id"], now, None) is False
    assert card_store.use_qr(sandbox.db, newest["qr_id"], newest["expires_at"], None) is False
    assert card_store.use_qr(sandbox.db, newest["qr_id"], now, None) is True
