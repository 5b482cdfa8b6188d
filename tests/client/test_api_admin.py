"""``AdminClient`` against a fake backend: each admin route, the admin key, and no citizen token."""
from __future__ import annotations

import json
from datetime import datetime

import pytest

from tests.client.api_support import http, problem, sample, server  # noqa: F401 (fixtures)
from zheliban_tui.api import AdminClient, ApiError

KEY = "qa-admin-key"
CLOCK = {"now": "2026-06-16T07:00:00+08:00", "frozen": True}


@pytest.fixture
def admin(http):
    return AdminClient(http, KEY)


CALLS = [
    ("sandboxes", lambda a: a.sandboxes(), "GET", "/admin/sandboxes", [sample("sandbox")], None, {},
     lambda r: r[0].id == "demo" and r[0].seed == 2025 and r[0].clock.frozen is False),
    ("create_sandbox", lambda a: a.create_sandbox("qa-7", seed=7, start=datetime.fromisoformat(
        "2026-06-15T09:00:00+08:00")), "POST", "/admin/sandboxes", {**sample("sandbox"), "id": "qa-7", "seed": 7},
     {"id": "qa-7", "seed": 7, "start": "2026-06-15T09:00:00+08:00"}, {}, lambda r: r.id == "qa-7" and r.seed == 7),
    ("create_sandbox with defaults", lambda a: a.create_sandbox("qa-8"), "POST", "/admin/sandboxes",
     {**sample("sandbox"), "id": "qa-8"}, {"id": "qa-8"}, {}, lambda r: r.id == "qa-8"),
    ("sandbox", lambda a: a.sandbox("demo"), "GET", "/admin/sandboxes/demo", sample("sandbox"), None, {},
     lambda r: r.start == datetime.fromisoformat("2026-06-15T09:00:00+08:00")),
    ("reset_sandbox", lambda a: a.reset_sandbox("demo", seed=3), "POST", "/admin/sandboxes/demo/reset",
     {**sample("sandbox"), "seed": 3}, {"seed": 3}, {}, lambda r: r.seed == 3),
    ("reset_sandbox to its seed", lambda a: a.reset_sandbox("demo"), "POST", "/admin/sandboxes/demo/reset",
     sample("sandbox"), None, {}, lambda r: r.seed == 2025),
    ("clock", lambda a: a.clock("demo"), "GET", "/admin/sandboxes/demo/clock", CLOCK, None, {},
     lambda r: r.frozen and r.now.hour == 7),
    ("set_clock", lambda a: a.set_clock("demo", "2026-06-16T07:00:00+08:00", frozen=True), "PUT",
     "/admin/sandboxes/demo/clock", CLOCK, {"now": "2026-06-16T07:00:00+08:00", "frozen": True}, {},
     lambda r: r.now == datetime.fromisoformat("2026-06-16T07:00:00+08:00")),
    ("advance_clock", lambda a: a.advance_clock("demo", 1860), "POST", "/admin/sandboxes/demo/clock/advance", CLOCK,
     {"seconds": 1860}, {}, lambda r: r.frozen),
    ("freeze_clock", lambda a: a.freeze_clock("demo", False), "POST", "/admin/sandboxes/demo/clock/freeze",
     {**CLOCK, "frozen": False}, {"frozen": False}, {}, lambda r: r.frozen is False),
    ("outbox", lambda a: a.outbox("demo", phone="13705719050", limit=1), "GET", "/admin/sandboxes/demo/outbox",
     sample("outbox"), None, {"phone": "13705719050", "limit": "1"},
     lambda r: r[0].phone == "13705719050" and r[0].code is not None and len(r[0].code) == 6),
    ("attend", lambda a: a.attend("demo", "AP0000015"), "POST", "/admin/sandboxes/demo/appointments/AP0000015/attend",
     sample("appointments")["items"][0], None, {}, lambda r: r.status == "attended"),
]


@pytest.mark.parametrize("name, call, method, path, answer, body, params, check", CALLS, ids=[c[0] for c in CALLS])
async def test_each_admin_method(admin, server, name, call, method, path, answer, body, params, check):
    route = server.route(method=method, path=path).respond(200, json=answer)
    result = await call(admin)
    request = route.calls.last.request
    assert request.headers["X-Admin-Key"] == KEY
    assert "Authorization" not in request.headers and "X-Sandbox-Id" not in request.headers
    assert dict(request.url.params) == params
    assert (json.loads(request.content) if request.content else None) == body
    assert check(result), result


async def test_delete_sandbox(admin, server):
    route = server.delete("/admin/sandboxes/qa-7").respond(204)
    assert await admin.delete_sandbox("qa-7") is None
    assert route.calls.last.request.headers["X-Admin-Key"] == KEY


async def test_a_wrong_admin_key_is_refused(admin, server):
    server.get("/admin/sandboxes").mock(return_value=problem(401, "ADMIN_KEY_REQUIRED"))
    with pytest.raises(ApiError) as caught:
        await admin.sandboxes()
    assert caught.value.code == "ADMIN_KEY_REQUIRED"


def test_the_admin_key_stays_out_of_repr(admin):
    assert KEY not in repr(admin)
