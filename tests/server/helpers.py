"""Constants and assertions for server tests: `from tests.server.helpers import ...`."""
from __future__ import annotations

import httpx

from mock_server.seed import DEMO_CARD_PIN, DEMO_PASSWORD, DEMO_PAY_PIN  # noqa: F401

ADMIN_KEY = "test-admin-key"
START = "2026-06-15T09:00:00+08:00"  # Monday
ZHANG = "C0001"  # 张伟 13705719050, level 3, three family members
LI = "C0002"  # 李娜 13805710002, level 2, two family members
WANG = "C0003"  # 王芳: card reported lost
CHEN = "C0004"  # 陈杰: real-name level 1
ZHAO = "C0005"  # 赵磊: banned from booking (3 no-shows)
PHONES = {ZHANG: "13705719050", LI: "13805710002", WANG: "13905710003", CHEN: "15005710004", ZHAO: "15105710005"}



def assert_problem(response: httpx.Response, status: int, code: str) -> dict:
    """The response is problem+json with this status and stable code."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body = response.json()
    assert body["code"] == code, body
    assert body["status"] == status
    assert body["title"] and body["detail"]
    return body
