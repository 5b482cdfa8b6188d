"""Bills as a citizen meets them: my bills and my family's, late fees as the clock moves, utility
providers, and the look-up of anyone's bills by 户号 or payment code."""
from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest

from tests.server.helpers import CHEN, LI, ZHANG, assert_problem

FAMILY_OF_ZHANG = {"C0001", "C0006", "C0007", "C0008"}
LABELS = {"water": "水费", "electricity": "电费", "gas": "燃气费", "nontax": "非税缴款", "fine": "交通罚款",
          "insurance": "医保缴费"}
FAMILIES = {"water": "utility", "electricity": "utility", "gas": "utility", "nontax": "nontax", "fine": "fine",
            "insurance": "insurance"}
BILL_FIELDS = {"id", "family", "kind", "kind_label", "provider", "account_number", "pay_code", "agency", "item",
               "person_id", "payer_name", "period", "amount_fen", "late_fee_fen", "total_due_fen", "due_date",
               "overdue_days", "expires_on", "expired", "status", "payment_rule", "paid_payment_id", "paid_at"}


# --- helpers ---------------------------------------------------------------------------------------
async def advance(client, admin_headers, seconds: float):
    r = await client.post("/admin/sandboxes/demo/clock/advance", json={"seconds": seconds}, headers=admin_headers)
    assert r.status_code == 200, r.text


async def today(client) -> date:
    r = await client.get("/api/v1/clock")
    return date.fromisoformat(r.json()["now"][:10])


def expected_late_fee(amount_fen: int, due: str, on: date) -> int:
    """0.1 % of the arrears a day, rounded half up, at least 1 yuan; nothing before the due date passes."""
    days = (on - date.fromisoformat(due)).days
    if days <= 0:
        return 0
    fee = (Decimal(amount_fen) * Decimal("0.001") * days).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return max(100, int(fee))


async def bills(client, headers, **params) -> dict:
    r = await client.get("/api/v1/bills", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def lookup(client, headers, **body):
    return await client.post("/api/v1/bills/lookup", json=body, headers=headers)


def one(items: list[dict], **match) -> dict:
    found = [b for b in items if all(b[k] == v for k, v in match.items())]
    assert len(found) == 1, (match, found)
    return found[0]


def without_instance(body: dict) -> dict:
    return {k: v for k, v in body.items() if k != "instance"}


# --- listing ---------------------------------------------------------------------------------------
async def test_unpaid_bills_of_me_and_my_family_with_totals(client, auth):
    data = await bills(client, auth(ZHANG))
    items = data["items"]
    assert items and all(set(b) == BILL_FIELDS for b in items)
    assert all(b["status"] == "unpaid" for b in items)
    assert {b["person_id"] for b in items} == FAMILY_OF_ZHANG
    assert {b["kind"] for b in items} == set(LABELS)
    for b in items:
        assert b["kind_label"] == LABELS[b["kind"]]
        assert b["family"] == FAMILIES[b["kind"]]
        assert b["payer_name"].startswith("*")  # masked
        assert b["total_due_fen"] == b["amount_fen"] + b["late_fee_fen"]
        assert b["payment_rule"] == ("at_least" if b["kind"] in ("electricity", "gas") else "exact")
        assert b["paid_payment_id"] is None and b["paid_at"] is None
        if b["family"] == "utility":
            assert b["provider"]["city_name"] == "杭州市" and b["provider"]["name"] == b["agency"]
            assert len(b["account_number"]) == 10 and b["pay_code"] is None
        else:
            assert b["provider"] is None and b["account_number"] is None
    # three utilities, each with an overdue month and a current one; the family's insurance contributions
    assert sum(b["family"] == "utility" for b in items) == 6
    assert sorted(b["person_id"] for b in items if b["family"] == "insurance") == sorted(FAMILY_OF_ZHANG)
    # totals over exactly the listed bills
    totals = data["totals"]
    assert totals["count"] == len(items)
    assert totals["amount_fen"] == sum(b["amount_fen"] for b in items)
    assert totals["late_fee_fen"] == sum(b["late_fee_fen"] for b in items)
    assert totals["total_due_fen"] == totals["amount_fen"] + totals["late_fee_fen"]


async def test_order_is_overdue_first_then_by_due_date(client, auth):
    items = (await bills(client, auth(ZHANG)))["items"]
    overdue = [b["overdue_days"] > 0 for b in items]
    assert overdue == sorted(overdue, reverse=True) and overdue[0] and not overdue[-1]
    assert [b["due_date"] for b in items] == sorted(b["due_date"] for b in items)


async def test_late_fee_on_an_overdue_bill_and_it_grows_a_day_later(client, auth, admin_headers):
    headers = auth(ZHANG)
    day = await today(client)
    bill = [b for b in (await bills(client, headers, family="utility"))["items"]
            if b["kind"] == "electricity" and b["overdue_days"] > 0][0]
    assert bill["overdue_days"] == (day - date.fromisoformat(bill["due_date"])).days == 21
    fee = expected_late_fee(bill["amount_fen"], bill["due_date"], day)
    assert fee > 100  # well above the minimum here
    assert bill["late_fee_fen"] == fee
    assert bill["total_due_fen"] == bill["amount_fen"] + fee

    await advance(client, admin_headers, 86400)
    headers = auth(ZHANG)  # a fresh token: access tokens last 30 minutes
    later = (await client.get(f"/api/v1/bills/{bill['id']}", headers=headers)).json()
    assert later["overdue_days"] == bill["overdue_days"] + 1
    assert later["late_fee_fen"] == expected_late_fee(bill["amount_fen"], bill["due_date"], await today(client))
    assert later["late_fee_fen"] > bill["late_fee_fen"]


async def test_late_fee_is_at_least_one_yuan(client, auth, admin_headers):
    headers = auth(ZHANG)
    bill = [b for b in (await bills(client, headers, family="utility"))["items"]
            if b["kind"] == "water" and b["overdue_days"] == 0][0]
    assert bill["late_fee_fen"] == 0
    days_left = (date.fromisoformat(bill["due_date"]) - await today(client)).days
    await advance(client, admin_headers, days_left * 86400)  # on the due date: not yet overdue
    on_due = (await client.get(f"/api/v1/bills/{bill['id']}", headers=auth(ZHANG))).json()
    assert on_due["overdue_days"] == 0 and on_due["late_fee_fen"] == 0
    await advance(client, admin_headers, 86400)
    late = (await client.get(f"/api/v1/bills/{bill['id']}", headers=auth(ZHANG))).json()
    assert late["overdue_days"] == 1
    assert bill["amount_fen"] * 0.001 < 100  # the rate alone gives less than a yuan ...
    assert late["late_fee_fen"] == 100  # ... so the minimum applies


async def test_only_utility_bills_of_resident_accounts_carry_a_late_fee(client, auth):
    items = (await bills(client, auth(ZHANG)))["items"]
    expired_fee = one(items, family="nontax", expired=True)
    assert expired_fee["overdue_days"] > 0 and expired_fee["late_fee_fen"] == 0
    # 李娜's shop is a business account: overdue, but no late fee; her home water bill has one
    li = (await bills(client, auth(LI), family="utility"))["items"]
    shop = one(li, account_number="3400000001")
    assert shop["overdue_days"] > 0 and shop["late_fee_fen"] == 0 and shop["total_due_fen"] == shop["amount_fen"]
    home = [b for b in li if b["kind"] == "water" and b["overdue_days"] > 0][0]
    assert home["late_fee_fen"] == expected_late_fee(home["amount_fen"], home["due_date"], await today(client)) > 0


async def test_expired_flag_follows_the_clock(client, auth, admin_headers):
    headers = auth(ZHANG)
    fine = (await bills(client, headers, family="fine"))["items"][0]
    assert fine["expired"] is False and fine["pay_code"] and fine["expires_on"]
    days = (date.fromisoformat(fine["expires_on"]) - await today(client)).days
    await advance(client, admin_headers, days * 86400)  # the last day the code is good
    assert (await client.get(f"/api/v1/bills/{fine['id']}", headers=auth(ZHANG))).json()["expired"] is False
    await advance(client, admin_headers, 86400)
    assert (await client.get(f"/api/v1/bills/{fine['id']}", headers=auth(ZHANG))).json()["expired"] is True


async def test_filters(client, auth):
    headers = auth(ZHANG)
    unpaid = await bills(client, headers)
    assert (await bills(client, headers, status="paid"))["items"] == []
    assert (await bills(client, headers, status="paid"))["totals"] == {
        "count": 0, "amount_fen": 0, "late_fee_fen": 0, "total_due_fen": 0}
    assert [b["id"] for b in (await bills(client, headers, status="all"))["items"]] == [b["id"] for b in unpaid["items"]]
    for family in ("utility", "nontax", "fine", "insurance"):
        data = await bills(client, headers, family=family)
        assert data["items"] and {b["family"] for b in data["items"]} == {family}
        assert data["totals"]["count"] == len(data["items"])
    spouse = await bills(client, headers, person_id="C0006")
    assert [(b["person_id"], b["kind"]) for b in spouse["items"]] == [("C0006", "insurance")]
    assert spouse["items"][0]["payer_name"] == "*婷"
    assert spouse["totals"]["total_due_fen"] == spouse["items"][0]["amount_fen"]
    mine = await bills(client, headers, person_id=ZHANG, family="insurance")
    assert [b["person_id"] for b in mine["items"]] == [ZHANG]


@pytest.mark.parametrize("params, status, code", [
    ({"status": "open"}, 422, "VALIDATION_FAILED"),
    ({"status": "UNPAID"}, 422, "VALIDATION_FAILED"),
    ({"family": "tax"}, 422, "VALIDATION_FAILED"),
    ({"family": "water"}, 422, "VALIDATION_FAILED"),
    ({"person_id": "x" * 33}, 422, "VALIDATION_FAILED"),
    ({"person_id": LI}, 404, "PERSON_NOT_FOUND"),
    ({"person_id": "C0009"}, 404, "PERSON_NOT_FOUND"),  # 李娜's daughter, not 张伟's family
    ({"person_id": "C9999"}, 404, "PERSON_NOT_FOUND"),
])
async def test_bad_filters_are_refused(client, auth, params, status, code):
    assert_problem(await client.get("/api/v1/bills", params=params, headers=auth(ZHANG)), status, code)


async def test_one_bill_and_the_same_404_for_missing_and_others(client, auth):
    headers = auth(ZHANG)
    listed = (await bills(client, headers))["items"][0]
    r = await client.get(f"/api/v1/bills/{listed['id']}", headers=headers)
    assert r.status_code == 200 and r.json() == listed
    missing = assert_problem(await client.get("/api/v1/bills/BL99999", headers=headers), 404, "BILL_NOT_FOUND")
    li_bill = (await bills(client, auth(LI)))["items"][0]["id"]
    other = assert_problem(await client.get(f"/api/v1/bills/{li_bill}", headers=headers), 404, "BILL_NOT_FOUND")
    assert without_instance(other) == without_instance(missing)
    assert_problem(await client.get("/api/v1/bills/" + "B" * 40, headers=headers), 422, "VALIDATION_FAILED")


async def test_services_need_a_verified_real_name_and_a_login(client, auth):
    headers = auth(CHEN)
    for method, path, body in [("GET", "/api/v1/bills", None), ("GET", "/api/v1/bills/BL00001", None),
                               ("GET", "/api/v1/utility-providers", None),
                               ("POST", "/api/v1/bills/lookup", {"pay_code": "3301360675817868"})]:
        r = await client.request(method, path, json=body, headers=headers)
        assert_problem(r, 403, "REALNAME_LEVEL_TOO_LOW")
        assert_problem(await client.request(method, path, json=body), 401, "AUTH_REQUIRED")


# --- providers -------------------------------------------------------------------------------------
async def test_utility_providers(client, auth):
    headers = auth(ZHANG)
    r = await client.get("/api/v1/utility-providers", headers=headers)
    assert r.status_code == 200
    items = r.json()["items"]
    assert len(items) == 9 and set(items[0]) == {"id", "name", "kind", "city_code", "city_name"}
    assert {(p["city_code"], p["city_name"]) for p in items} == {("330100", "杭州市"), ("330200", "宁波市"),
                                                                 ("330300", "温州市")}
    ningbo = (await client.get("/api/v1/utility-providers", params={"city_code": "330200"}, headers=headers)).json()
    assert sorted(p["kind"] for p in ningbo["items"]) == ["electricity", "gas", "water"]
    assert {p["city_name"] for p in ningbo["items"]} == {"宁波市"}
    grid = (await client.get("/api/v1/utility-providers", params={"city_code": "330100", "kind": "electricity"},
                             headers=headers)).json()["items"]
    assert [p["name"] for p in grid] == ["国网杭州供电公司"]
    gas = (await client.get("/api/v1/utility-providers", params={"kind": "gas"}, headers=headers)).json()["items"]
    assert len(gas) == 3 and {p["kind"] for p in gas} == {"gas"}
    none = (await client.get("/api/v1/utility-providers", params={"city_code": "330900"}, headers=headers)).json()
    assert none["items"] == []
    for params in ({"kind": "fine"}, {"city_code": "33010"}, {"city_code": "hangzh"}):
        assert_problem(await client.get("/api/v1/utility-providers", params=params, headers=headers),
                       422, "VALIDATION_FAILED")


# --- look-up by 户号 -------------------------------------------------------------------------------
async def test_lookup_my_own_account(client, auth):
    headers = auth(ZHANG)
    electricity = [b for b in (await bills(client, headers, family="utility"))["items"] if b["kind"] == "electricity"]
    account_number, provider = electricity[0]["account_number"], electricity[0]["provider"]
    r = await lookup(client, headers, provider_id=provider["id"], account_number=account_number)
    assert r.status_code == 200, r.text
    data = r.json()
    account = data["account"]
    assert account["number"] == account_number and account["provider"] == provider
    assert account["holder_name"] == "*伟"
    assert account["address"].startswith("杭州市") and account["address"].endswith("****")
    assert "号" not in account["address"] and "室" not in account["address"]
    assert account["customer_type"] == "resident" and account["prepaid_fen"] >= 0
    assert [b["id"] for b in data["bills"]] == [b["id"] for b in electricity]  # overdue month first
    assert data["bills"] == electricity


async def test_lookup_another_citizens_account_lets_me_see_its_bills(client, auth):
    mine = auth(ZHANG)
    li_bill = [b for b in (await bills(client, auth(LI), family="utility"))["items"]
               if b["kind"] == "electricity" and b["account_number"] != "3400000001"][0]
    assert_problem(await client.get(f"/api/v1/bills/{li_bill['id']}", headers=mine), 404, "BILL_NOT_FOUND")
    before = await bills(client, mine)

    r = await lookup(client, mine, provider_id=li_bill["provider"]["id"], account_number=li_bill["account_number"])
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["account"]["holder_name"] == "*娜"
    assert [b["id"] for b in data["bills"]] == [li_bill["id"]]
    assert data["bills"][0]["payer_name"] == "*娜" and data["bills"][0]["person_id"] == LI

    assert (await client.get(f"/api/v1/bills/{li_bill['id']}", headers=mine)).status_code == 200
    after = await bills(client, mine)
    assert [b["id"] for b in after["items"] if b["person_id"] == LI] == [li_bill["id"]]
    assert after["totals"]["count"] == before["totals"]["count"] + 1
    # looking it up again changes nothing
    assert (await lookup(client, mine, provider_id=li_bill["provider"]["id"],
                         account_number=li_bill["account_number"])).json() == data
    # person_id still means me or my family only
    assert_problem(await client.get("/api/v1/bills", params={"person_id": LI}, headers=mine), 404, "PERSON_NOT_FOUND")


async def test_lookup_of_a_settled_account_answers_nothing_owed(client, auth):
    headers = auth(ZHANG)
    r = await lookup(client, headers, provider_id="P001", account_number="3345889140")
    body = assert_problem(r, 409, "NOTHING_OWED")
    assert body["account"]["number"] == "3345889140"
    assert body["account"]["provider"]["name"] == "杭州市水务集团"
    assert body["account"]["prepaid_fen"] == 0 and body["account"]["holder_name"] == "*伟"


@pytest.mark.parametrize("number", ["338520171", "33852017110", "33852O1711", "3385 01711", "３３８５２０１７１１",
                                    "", "-338520171", "3385201711\n"])
async def test_account_number_is_ten_ascii_digits(client, auth, number):
    assert_problem(await lookup(client, auth(ZHANG), provider_id="P002", account_number=number),
                   422, "INVALID_ACCOUNT_NUMBER")


async def test_lookup_refusals(client, auth):
    headers = auth(ZHANG)
    assert_problem(await lookup(client, headers, provider_id="P999", account_number="3385201711"),
                   404, "PROVIDER_NOT_FOUND")
    assert_problem(await lookup(client, headers, provider_id="P002", account_number="3300000000"),
                   404, "ACCOUNT_NOT_FOUND")
    # a real account number under another provider is not found either
    assert_problem(await lookup(client, headers, provider_id="P005", account_number="3385201711"),
                   404, "ACCOUNT_NOT_FOUND")
    for body in ({}, {"provider_id": "P002"}, {"account_number": "3385201711"},
                 {"provider_id": "P002", "account_number": "3385201711", "pay_code": "3301360675817868"},
                 {"provider_id": "P002", "account_number": 3385201711},
                 {"pay_code": "3301360675817868", "city": "330100"},
                 {"pay_code": None}):
        assert_problem(await lookup(client, headers, **body), 422, "VALIDATION_FAILED")


# --- look-up by payment code -----------------------------------------------------------------------
async def test_lookup_by_pay_code_of_another_citizen(client, auth):
    mine = auth(ZHANG)
    fine = (await bills(client, auth(LI), family="fine"))["items"][0]
    r = await lookup(client, mine, pay_code=fine["pay_code"])
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["account"] is None
    assert [b["id"] for b in data["bills"]] == [fine["id"]]
    got = data["bills"][0]
    assert got["kind_label"] == "交通罚款" and got["agency"] == fine["agency"] and got["item"] == fine["item"]
    assert got["amount_fen"] == fine["amount_fen"] and got["payer_name"] == "*娜"
    assert (await client.get(f"/api/v1/bills/{fine['id']}", headers=mine)).json() == got


@pytest.mark.parametrize("code", ["33swmzacmx1b3vvxwfbv", "33SWMZACMX1B3VVXWFBv",
                                  "3301-3606-7581-7868", "3301360 675817868", "1234567", "A" * 33, "",
                                  "３３０１３６０６７５８１７８６８"])
async def test_pay_code_format(client, auth, code):
    assert_problem(await lookup(client, auth(ZHANG), pay_code=code), 422, "INVALID_PAY_CODE")


async def test_pay_code_refusals(client, auth):
    headers = auth(ZHANG)
    assert_problem(await lookup(client, headers, pay_code="33ZZZZZZZZZZZZZZZZZZ"), 404, "PAY_CODE_NOT_FOUND")
    expired = one((await bills(client, headers, family="nontax"))["items"], expired=True)
    body = assert_problem(await lookup(client, headers, pay_code=expired["pay_code"]), 410, "BILL_EXPIRED")
    assert body["expires_on"] == expired["expires_on"]
    # a refused look-up grants nothing: 李娜 still cannot see 张伟's expired bill
    li = auth(LI)
    assert_problem(await lookup(client, li, pay_code=expired["pay_code"]), 410, "BILL_EXPIRED")
    assert_problem(await client.get(f"/api/v1/bills/{expired['id']}", headers=li), 404, "BILL_NOT_FOUND")
