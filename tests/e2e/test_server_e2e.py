"""End-to-end over a real loopback socket: the real `zheliban-mock` process, a real SQLite file."""
from __future__ import annotations

import re
import signal

import httpx
import pytest

from tests.conftest import ADMIN_KEY, LiveServer

pytestmark = pytest.mark.e2e
ADMIN = {"X-Admin-Key": ADMIN_KEY}
PHONE = "13705719050"


def _code_from_outbox(url: str, sandbox: str = "demo") -> str:
    r = httpx.get(f"{url}/admin/sandboxes/{sandbox}/outbox", params={"phone": PHONE}, headers=ADMIN)
    return re.search(r"验证码是(\d{6})", r.json()[0]["text"]).group(1)


def test_login_with_sms_code_refresh_and_logout(live_server):
    url = live_server.url
    with httpx.Client(base_url=url, headers={"X-Sandbox-Id": "e2e-login"}) as c:
        httpx.delete(f"{url}/admin/sandboxes/e2e-login", headers=ADMIN)
        assert httpx.post(f"{url}/admin/sandboxes", json={"id": "e2e-login"}, headers=ADMIN).status_code == 201
        assert c.post("/api/v1/auth/sms-codes", json={"phone": PHONE}).status_code == 202
        code = _code_from_outbox(url, "e2e-login")
        pair = c.post("/api/v1/auth/login/sms", json={"phone": PHONE, "code": code}).json()
        me = c.get("/api/v1/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
        assert me.status_code == 200 and me.json()["name"] == "*伟"
        new = c.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}).json()
        auth = {"Authorization": f"Bearer {new['access_token']}"}
        assert c.post("/api/v1/auth/logout", headers=auth).status_code == 204
        r = c.get("/api/v1/me", headers=auth)
        assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")


def test_demo_mode_prints_each_sms_code(tmp_path):
    server = LiveServer(tmp_path / "demo.sqlite", "--demo").start()
    try:
        assert httpx.post(f"{server.url}/api/v1/auth/sms-codes", json={"phone": PHONE}).status_code == 202
        code = _code_from_outbox(server.url)
        server.stop()
        printed = "".join(server.output) + server.proc.stdout.read()
        assert re.search(rf"\[SMS demo → 137\*\*\*\*9050\] .*{code}", printed), printed
    finally:
        server.stop()


def test_a_killed_server_restarts_with_acknowledged_writes(tmp_path):
    db = tmp_path / "kill.sqlite"
    server = LiveServer(db).start()
    try:
        assert httpx.post(f"{server.url}/api/v1/auth/sms-codes", json={"phone": PHONE}).status_code == 202
        code = _code_from_outbox(server.url)
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait()
    finally:
        server.stop()
    again = LiveServer(db).start()
    try:
        # the acknowledged code is still there and still works after the crash
        assert _code_from_outbox(again.url) == code
        r = httpx.post(f"{again.url}/api/v1/auth/login/sms", json={"phone": PHONE, "code": code})
        assert r.status_code == 201, r.text
    finally:
        again.stop()


def test_any_garbage_gets_problem_json_never_a_500(live_server):
    url = live_server.url
    cases = [
        ("POST", "/api/v1/auth/sms-codes", b"\xff\xfe\x00garbage", {"content-type": "application/json"}),
        ("POST", "/api/v1/auth/sms-codes", b"[" * 5000 + b"]" * 5000, {"content-type": "application/json"}),
        ("POST", "/api/v1/auth/sms-codes", b"x" * 200_000, {"content-type": "application/json"}),
        ("POST", "/api/v1/auth/login/password", b'{"account": "13705719050", "password": null}', {"content-type": "application/json"}),
        ("GET", "/api/v1/nope", b"", {}),
        ("DELETE", "/api/v1/me", b"", {}),
    ]
    for method, path, body, headers in cases:
        r = httpx.request(method, url + path, content=body, headers=headers)
        assert 400 <= r.status_code < 500, (path, r.status_code, r.text[:200])
        assert r.headers["content-type"].startswith("application/problem+json")
        assert "Traceback" not in r.text and r.json()["code"]
