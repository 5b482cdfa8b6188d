"""Medical insurance (医保) beside the card: the personal account and its settlements."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.server.helpers import CHEN, LI, START, ZHANG, assert_problem

SPOUSE = "C0006"  # 刘婷, 张伟's spouse
SETTLEMENT_FIELDS = {"id", "settled_at", "institution", "kind", "total_fen", "fund_paid_fen", "account_paid_fen",
                     "self_paid_fen"}


def add_settlements(sandbox, person_id: str, n: int) -> list[str]:
    """``n`` more settlements in the last days (newer than the seeded ones); answers their ids, newest first."""
    ids = []
    start = datetime.fromisoformat(START)
    with sandbox.db.write():
        for i in range(n):
            sid = f"STX{i:04d}"
            sandbox.db.execute(
                "INSERT INTO insurance_settlements (id, citizen_id, settled_at, institution, kind, total_fen, "
                "fund_paid_fen, account_paid_fen, self_paid_fen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (sid, person_id, (start - timedelta(hours=n - i)).isoformat(), "杭州市第一人民医院", "门诊",
                 1000 + i, 600, 300, 100 + i))
            ids.append(sid)
    return ids[::-1]


def seeded(sandbox, person_id: str) -> list[dict]:
    return sandbox.db.all("SELECT * FROM insurance_settlements WHERE citizen_id = ? ORDER BY settled_at DESC",
                          (person_id,))


async def test_my_account_with_recent_settlements(client, auth, sandbox):
    r = await client.get("/api/v1/insurance", headers=auth(ZHANG))
    assert r.status_code == 200, r.text
    body = r.json()
    account = sandbox.db.one("SELECT * FROM insurance_accounts WHERE citizen_id = ?", (ZHANG,))
    assert body["person_id"] == ZHANG and body["holder_name"] == "*伟"
    assert body["balance_fen"] == account["balance_fen"] and isinstance(body["balance_fen"], int)
    assert body["insurance_type"] in ("职工基本医疗保险", "城乡居民基本医疗保险")
    assert body["insured_place"] == "杭州市本级"
    rows = seeded(sandbox, ZHANG)
    assert [s["id"] for s in body["settlements"]] == [row["id"] for row in rows]
    for item in body["settlements"]:
        assert set(item) == SETTLEMENT_FIELDS
        assert item["fund_paid_fen"] + item["account_paid_fen"] + item["self_paid_fen"] == item["total_fen"]
        assert item["settled_at"].endswith("+08:00")
    stamps = [s["settled_at"] for s in body["settlements"]]
    assert stamps == sorted(stamps, reverse=True)
    assert "张伟" not in r.text


async def test_overview_keeps_the_ten_most_recent(client, auth, sandbox):
    newest = add_settlements(sandbox, ZHANG, 12)
    body = (await client.get("/api/v1/insurance", headers=auth(ZHANG))).json()
    assert [s["id"] for s in body["settlements"]] == newest[:10]


async def test_full_list_newest_first_with_limit(client, auth, sandbox):
    newest = add_settlements(sandbox, ZHANG, 25)
    everything = newest + [row["id"] for row in seeded(sandbox, ZHANG) if not row["id"].startswith("STX")]
    headers = auth(ZHANG)
    r = await client.get("/api/v1/insurance/settlements", headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["person_id"] == ZHANG and body["total"] == len(everything)
    assert [s["id"] for s in body["items"]] == everything[:20]  # default 20
    body = (await client.get("/api/v1/insurance/settlements", params={"limit": 5}, headers=headers)).json()
    assert [s["id"] for s in body["items"]] == everything[:5]
    body = (await client.get("/api/v1/insurance/settlements", params={"limit": 100}, headers=headers)).json()
    assert [s["id"] for s in body["items"]] == everything
    assert all(set(s) == SETTLEMENT_FIELDS for s in body["items"])


@pytest.mark.parametrize("limit", ["0", "101", "-1", "abc", "1.5"])
async def test_bad_limit_is_refused(client, auth, limit):
    r = await client.get("/api/v1/insurance/settlements", params={"limit": limit}, headers=auth(ZHANG))
    assert_problem(r, 422, "VALIDATION_FAILED")


async def test_a_family_members_account(client, auth, sandbox):
    headers = auth(ZHANG)
    r = await client.get("/api/v1/insurance", params={"person_id": SPOUSE}, headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["person_id"] == SPOUSE and body["holder_name"] == "*婷"
    assert [s["id"] for s in body["settlements"]] == [row["id"] for row in seeded(sandbox, SPOUSE)]
    r = await client.get("/api/v1/insurance/settlements", params={"person_id": SPOUSE}, headers=headers)
    assert r.status_code == 200 and r.json()["total"] == len(seeded(sandbox, SPOUSE))


@pytest.mark.parametrize("path", ["/api/v1/insurance", "/api/v1/insurance/settlements"])
async def test_another_citizens_person_id_answers_404(client, auth, path):
    li = auth(LI)
    other = assert_problem(await client.get(path, params={"person_id": ZHANG}, headers=li), 404, "PERSON_NOT_FOUND")
    family = assert_problem(await client.get(path, params={"person_id": SPOUSE}, headers=li), 404, "PERSON_NOT_FOUND")
    missing = assert_problem(await client.get(path, params={"person_id": "C9999"}, headers=li), 404, "PERSON_NOT_FOUND")
    assert other["title"] == family["title"] == missing["title"]
    assert missing["detail"].replace("C9999", "X") == other["detail"].replace(ZHANG, "X")
    # 李娜's own account still answers
    r = await client.get(path, headers=li)
    assert r.status_code == 200 and r.json()["person_id"] == LI


async def test_person_without_an_account(client, auth, sandbox):
    with sandbox.db.write():
        sandbox.db.execute("DELETE FROM insurance_accounts WHERE citizen_id = ?", (SPOUSE,))
    r = await client.get("/api/v1/insurance", params={"person_id": SPOUSE}, headers=auth(ZHANG))
    assert_problem(r, 404, "INSURANCE_NOT_FOUND")


async def test_overlong_person_id_is_refused(client, auth):
    r = await client.get("/api/v1/insurance", params={"person_id": "C" * 33}, headers=auth(ZHANG))
    assert_problem(r, 422, "VALIDATION_FAILED")


@pytest.mark.parametrize("path", ["/api/v1/insurance", "/api/v1/insurance/settlements"])
async def test_level_one_and_anonymous_are_refused(client, auth, path):
    assert_problem(await client.get(path, headers=auth(CHEN)), 403, "REALNAME_LEVEL_TOO_LOW")
    assert_problem(await client.get(path), 401, "AUTH_REQUIRED")
