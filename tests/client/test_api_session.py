"""Logging in, the bearer token, its refresh on TOKEN_EXPIRED (once, also under concurrency), a refused
refresh ending the session, and logging out."""
from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from tests.client.api_support import (  # noqa: F401 (fixtures)
    NEW_PAIR,
    OLD,
    SANDBOX,
    api,
    bearer,
    http,
    problem,
    sample,
    saved,
    server,
)
from zheliban_tui.api import ApiClient, ApiError, Tokens


def expired_until_refreshed(answer: dict, seen: list | None = None):
    """A route that refuses the old access token as expired and answers the new one. ``seen`` gets
    (token, body, idempotency key) of each request as it arrives (a retry re-sends the same request
    object, so what respx records afterwards shows only its last headers)."""

    def respond(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append((bearer(request), request.content, request.headers.get("Idempotency-Key")))
        if bearer(request) == "at1.OLD-ACCESS":
            return problem(401, "TOKEN_EXPIRED", "The access token has expired: refresh it")
        assert bearer(request) == "at1.NEW-ACCESS"
        return httpx.Response(200, json=answer)

    return respond


# --- login ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("login, path, body", [
    (lambda a: a.login_password("13705719050", "Zlb@2025"), "/api/v1/auth/login/password",
     {"account": "13705719050", "password": "Zlb@2025"}),
    (lambda a: a.login_sms("13705719050", "123456"), "/api/v1/auth/login/sms",
     {"phone": "13705719050", "code": "123456"}),
])
async def test_login_keeps_the_tokens_and_tells_on_tokens(http, saved, server, login, path, body):
    route = server.post(path).respond(201, json=NEW_PAIR)
    me = server.get("/api/v1/me").respond(200, json=sample("me"))
    api = ApiClient(http, sandbox=SANDBOX, on_tokens=saved.append)
    before = datetime.now(timezone.utc)

    tokens = await login(api)

    request = route.calls.last.request
    assert json.loads(request.content) == body
    assert "Authorization" not in request.headers and request.headers["X-Sandbox-Id"] == SANDBOX
    assert tokens.access_token == "at1.NEW-ACCESS" and tokens.refresh_token == "rt1.NEW-REFRESH"
    assert tokens.citizen_id == "C0001" and api.citizen_id == "C0001" and api.logged_in
    assert tokens.refresh_expires_at == datetime.fromisoformat("2026-06-15T21:00:00+08:00")
    assert before + timedelta(seconds=1800) <= tokens.access_expires_at <= datetime.now(timezone.utc) + timedelta(
        seconds=1800)
    assert saved == [tokens] and api.tokens is tokens
    await api.me()
    assert bearer(me.calls.last.request) == "at1.NEW-ACCESS"


async def test_a_refused_login_keeps_no_tokens(http, saved, server):
    server.post("/api/v1/auth/login/password").mock(
        return_value=problem(401, "INVALID_CREDENTIALS", "The account or password is wrong; 4 tries left",
                             tries_left=4))
    api = ApiClient(http, on_tokens=saved.append)
    with pytest.raises(ApiError) as caught:
        await api.login_password("13705719050", "wrong-Pass1")
    assert caught.value.code == "INVALID_CREDENTIALS" and caught.value.tries_left == 4
    assert not caught.value.session_ended
    assert api.tokens is None and saved == []


async def test_a_call_without_a_session_is_sent_without_a_token(http, server):
    route = server.get("/api/v1/me").mock(return_value=problem(401, "AUTH_REQUIRED", "Log in first"))
    refresh = server.post("/api/v1/auth/refresh").respond(200, json=NEW_PAIR)
    with pytest.raises(ApiError) as caught:
        await ApiClient(http).me()
    assert "Authorization" not in route.calls.last.request.headers
    assert caught.value.code == "AUTH_REQUIRED" and caught.value.session_ended
    assert not refresh.called


# --- refresh on TOKEN_EXPIRED --------------------------------------------------------------------------
async def test_an_expired_access_token_is_refreshed_once_and_the_call_retried(api, saved, server):
    seen = []
    server.get("/api/v1/me").mock(side_effect=expired_until_refreshed(sample("me"), seen))
    refresh = server.post("/api/v1/auth/refresh").respond(200, json=NEW_PAIR)

    result = await api.me()

    assert result.name == "*伟"
    assert [token for token, _, _ in seen] == ["at1.OLD-ACCESS", "at1.NEW-ACCESS"]
    assert refresh.call_count == 1
    refresh_request = refresh.calls.last.request
    assert json.loads(refresh_request.content) == {"refresh_token": "rt1.OLD-REFRESH"}
    assert refresh_request.headers["X-Sandbox-Id"] == SANDBOX  # tokens belong to a sandbox
    assert "Authorization" not in refresh_request.headers
    assert api.tokens.access_token == "at1.NEW-ACCESS" and api.tokens.refresh_token == "rt1.NEW-REFRESH"
    assert saved == [api.tokens]


async def test_a_post_is_retried_with_the_same_body_and_key_after_a_refresh(api, server):
    seen = []
    server.post("/api/v1/payments").mock(side_effect=expired_until_refreshed(sample("payment"), seen))
    server.post("/api/v1/auth/refresh").respond(200, json=NEW_PAIR)
    payment = await api.pay("BL00004", "258369", idempotency_key="zlb-key-0100")
    assert payment.id == "PM00000001"
    body = {"bill_id": "BL00004", "pin": "258369"}
    assert [(token, json.loads(content), key) for token, content, key in seen] == [
        ("at1.OLD-ACCESS", body, "zlb-key-0100"), ("at1.NEW-ACCESS", body, "zlb-key-0100")]


async def test_other_401s_do_not_refresh(api, saved, server):
    server.get("/api/v1/me").mock(return_value=problem(401, "SESSION_REVOKED", "The session has ended"))
    refresh = server.post("/api/v1/auth/refresh").respond(200, json=NEW_PAIR)
    with pytest.raises(ApiError) as caught:
        await api.me()
    assert caught.value.code == "SESSION_REVOKED" and caught.value.session_ended
    assert not refresh.called and saved == []


async def test_a_token_still_expired_after_the_refresh_is_not_refreshed_again(api, server):
    me = server.get("/api/v1/me").mock(return_value=problem(401, "TOKEN_EXPIRED"))
    refresh = server.post("/api/v1/auth/refresh").respond(200, json=NEW_PAIR)
    with pytest.raises(ApiError) as caught:
        await api.me()
    assert caught.value.code == "TOKEN_EXPIRED"
    assert refresh.call_count == 1 and me.call_count == 2


@pytest.mark.parametrize("code", ["REFRESH_TOKEN_REUSED", "SESSION_REVOKED", "TOKEN_EXPIRED", "TOKEN_INVALID"])
async def test_a_refused_refresh_ends_the_session(api, saved, server, code):
    me = server.get("/api/v1/me").mock(return_value=problem(401, "TOKEN_EXPIRED"))
    server.post("/api/v1/auth/refresh").mock(return_value=problem(401, code, "log in again"))

    with pytest.raises(ApiError) as caught:
        await api.me()

    err = caught.value
    assert err.code == "SESSION_ENDED" and err.session_ended and err.status == 401
    assert err.server_code == code and isinstance(err.__cause__, ApiError) and err.__cause__.code == code
    assert api.tokens is None and not api.logged_in
    assert saved == [None]  # the app deletes the kept refresh token
    assert me.call_count == 1  # not retried without a session
    assert "rt1.OLD-REFRESH" not in str(err) + repr(err)


@pytest.mark.parametrize("failure, code", [
    (httpx.ConnectError("refused"), "NETWORK_UNREACHABLE"),
    (httpx.ReadTimeout("slow"), "NETWORK_TIMEOUT"),
    (httpx.Response(503, text="upstream down"), "SERVER_ERROR"),
    (httpx.Response(200, text="<html>portal</html>", headers={"content-type": "text/html"}), "BAD_RESPONSE"),
])
async def test_a_refresh_that_gets_no_refusal_keeps_the_session(api, saved, server, failure, code):
    server.get("/api/v1/me").mock(return_value=problem(401, "TOKEN_EXPIRED"))
    if isinstance(failure, Exception):
        server.post("/api/v1/auth/refresh").mock(side_effect=failure)
    else:
        server.post("/api/v1/auth/refresh").mock(return_value=failure)
    with pytest.raises(ApiError) as caught:
        await api.me()
    assert caught.value.code == code
    assert api.tokens is OLD and saved == []


@pytest.mark.parametrize("callers", [2, 5])
async def test_concurrent_calls_with_an_expired_token_refresh_once(api, saved, server, callers):
    expired_answers = 0
    all_expired = asyncio.Event()
    seen = []

    def me(request: httpx.Request) -> httpx.Response:
        nonlocal expired_answers
        seen.append(bearer(request))
        if bearer(request) == "at1.OLD-ACCESS":
            expired_answers += 1
            if expired_answers == callers:
                all_expired.set()
            return problem(401, "TOKEN_EXPIRED")
        return httpx.Response(200, json=sample("me"))

    async def refresh(request: httpx.Request) -> httpx.Response:
        await asyncio.wait_for(all_expired.wait(), 5)  # every caller has seen the expired token
        return httpx.Response(200, json=NEW_PAIR)

    server.get("/api/v1/me").mock(side_effect=me)
    refresh_route = server.post("/api/v1/auth/refresh").mock(side_effect=refresh)

    results = await asyncio.gather(*(api.me() for _ in range(callers)))

    assert [r.id for r in results] == ["C0001"] * callers
    assert refresh_route.call_count == 1
    assert seen == ["at1.OLD-ACCESS"] * callers + ["at1.NEW-ACCESS"] * callers
    assert len(saved) == 1 and saved[0].refresh_token == "rt1.NEW-REFRESH"


async def test_concurrent_calls_share_one_refused_refresh(api, saved, server):
    arrived = 0
    both_expired = asyncio.Event()

    def expired(request):
        nonlocal arrived
        arrived += 1
        if arrived == 2:
            both_expired.set()
        return problem(401, "TOKEN_EXPIRED")

    async def refused(request):
        await asyncio.wait_for(both_expired.wait(), 5)
        return problem(401, "REFRESH_TOKEN_REUSED")

    server.get("/api/v1/me").mock(side_effect=expired)
    refresh = server.post("/api/v1/auth/refresh").mock(side_effect=refused)
    outcomes = await asyncio.gather(api.me(), api.me(), return_exceptions=True)
    assert [getattr(o, "code", o) for o in outcomes] == ["SESSION_ENDED", "SESSION_ENDED"]
    assert refresh.call_count == 1 and saved == [None]


async def test_a_request_is_not_retried_for_another_citizen_who_logged_in_meanwhile(api, server):
    other = Tokens(access_token="at1.LI-ACCESS", refresh_token="rt1.LI-REFRESH", citizen_id="C0002",
                   access_expires_at=OLD.access_expires_at, refresh_expires_at=OLD.refresh_expires_at)

    def expired_while_li_logs_in(request):
        api.set_tokens(other)
        return problem(401, "TOKEN_EXPIRED")

    pay = server.post("/api/v1/payments").mock(side_effect=expired_while_li_logs_in)
    refresh = server.post("/api/v1/auth/refresh").respond(200, json=NEW_PAIR)
    with pytest.raises(ApiError) as caught:
        await api.pay("BL00004", "258369", idempotency_key="zlb-key-0101")
    assert caught.value.code == "SESSION_ENDED"
    assert pay.call_count == 1 and not refresh.called and api.tokens is other


async def test_a_failing_on_tokens_does_not_fail_the_call(http, server, caplog):
    def broken_keyring(tokens):
        raise RuntimeError("keyring locked")

    server.get("/api/v1/me").mock(side_effect=expired_until_refreshed(sample("me")))
    server.post("/api/v1/auth/refresh").respond(200, json=NEW_PAIR)
    api = ApiClient(http, tokens=OLD, on_tokens=broken_keyring)
    assert (await api.me()).id == "C0001"
    assert api.tokens.access_token == "at1.NEW-ACCESS"
    assert "on_tokens failed" in caplog.text and "NEW-REFRESH" not in caplog.text


# --- explicit refresh (resuming a kept session) --------------------------------------------------------
async def test_refresh_resumes_a_session_from_a_kept_refresh_token(http, saved, server):
    route = server.post("/api/v1/auth/refresh").respond(200, json=NEW_PAIR)
    api = ApiClient(http, sandbox=SANDBOX, on_tokens=saved.append)
    tokens = await api.refresh("rt1.KEPT")
    assert json.loads(route.calls.last.request.content) == {"refresh_token": "rt1.KEPT"}
    assert route.calls.last.request.headers["X-Sandbox-Id"] == SANDBOX
    assert api.tokens is tokens and tokens.refresh_token == "rt1.NEW-REFRESH" and saved == [tokens]


async def test_refresh_uses_the_current_refresh_token(api, server):
    route = server.post("/api/v1/auth/refresh").respond(200, json=NEW_PAIR)
    await api.refresh()
    assert json.loads(route.calls.last.request.content) == {"refresh_token": "rt1.OLD-REFRESH"}


async def test_a_refused_explicit_refresh_ends_the_session(api, saved, server):
    server.post("/api/v1/auth/refresh").mock(return_value=problem(401, "SESSION_REVOKED"))
    with pytest.raises(ApiError) as caught:
        await api.refresh()
    assert caught.value.code == "SESSION_ENDED" and caught.value.server_code == "SESSION_REVOKED"
    assert api.tokens is None and saved == [None]


async def test_refresh_without_any_session_says_so_without_a_request(http, server):
    route = server.post("/api/v1/auth/refresh").respond(200, json=NEW_PAIR)
    with pytest.raises(ApiError) as caught:
        await ApiClient(http).refresh()
    assert caught.value.code == "SESSION_ENDED" and not route.called


# --- log-out ---------------------------------------------------------------------------------------------
async def test_logout_ends_the_session_on_the_server_and_here(api, saved, server):
    route = server.post("/api/v1/auth/logout").respond(204)
    assert await api.logout() is True
    assert bearer(route.calls.last.request) == "at1.OLD-ACCESS"
    assert api.tokens is None and saved == [None]


@pytest.mark.parametrize("failure", [httpx.ConnectError("refused"), httpx.ReadTimeout("slow")])
async def test_logout_drops_the_tokens_even_when_the_server_cannot_be_told(api, saved, server, failure):
    server.post("/api/v1/auth/logout").mock(side_effect=failure)
    assert await api.logout() is False
    assert api.tokens is None and saved == [None]


async def test_logout_drops_the_tokens_when_the_server_refuses(api, saved, server):
    server.post("/api/v1/auth/logout").mock(return_value=problem(401, "SESSION_REVOKED"))
    assert await api.logout() is False
    assert api.tokens is None and saved == [None]


async def test_logout_without_a_session_sends_nothing(http, server):
    route = server.post("/api/v1/auth/logout").respond(204)
    assert await ApiClient(http).logout() is False
    assert not route.called


# --- the tokens themselves -------------------------------------------------------------------------------
def test_tokens_keep_their_secrets_out_of_repr():
    text = repr(OLD) + str(OLD)
    assert "OLD-ACCESS" not in text and "OLD-REFRESH" not in text and "C0001" in text


def test_tokens_survive_a_round_trip_through_plain_strings():
    assert Tokens.from_dict(json.loads(json.dumps(OLD.to_dict()))) == OLD


@pytest.mark.parametrize("broken", [{}, {**OLD.to_dict(), "access_expires_at": "yesterday"},
                                    {**OLD.to_dict(), "refresh_token": None},
                                    {**OLD.to_dict(), "refresh_expires_at": "2026-06-15T21:00:00"}])
def test_a_broken_saved_session_is_refused(broken):
    with pytest.raises(ValueError):
        Tokens.from_dict(broken)


def test_set_tokens_adopts_a_session_and_tells_on_tokens(http, saved):
    api = ApiClient(http, on_tokens=saved.append)
    api.set_tokens(OLD)
    assert api.tokens is OLD and api.citizen_id == "C0001" and saved == [OLD]


async def test_a_caller_cancelled_during_the_refresh_does_not_lose_the_rotated_token(api, saved, server):
    """A screen's worker replaced by a newer one is cancelled; the exchange it started must still land,
    or the next refresh would present a spent token and the server would revoke the session."""
    import asyncio

    seen = []
    server.get("/api/v1/me").mock(side_effect=expired_until_refreshed(sample("me"), seen))
    answered = asyncio.Event()

    async def slow_refresh(request):
        await asyncio.sleep(0.2)
        answered.set()
        return httpx.Response(200, json=NEW_PAIR)

    refresh = server.post("/api/v1/auth/refresh").mock(side_effect=slow_refresh)
    call = asyncio.create_task(api.me())
    await asyncio.sleep(0.05)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    await asyncio.wait_for(answered.wait(), 2)
    await asyncio.sleep(0.05)
    assert api.tokens.refresh_token == "rt1.NEW-REFRESH"
    assert (await api.me()).name == "*伟"
    assert refresh.call_count == 1
