"""Every way a call can fail becomes one ``ApiError`` with a stable code: no answer, a server failure,
an unreadable answer, a refusal with its problem members. Secrets never appear in an error."""
from __future__ import annotations

import socket

import httpx
import pytest

from tests.client.api_support import api, http, problem, sample, saved, server  # noqa: F401 (fixtures)
from zheliban_tui.api import ApiClient, ApiError, make_http_client


async def failure_of(call) -> ApiError:
    with pytest.raises(ApiError) as caught:
        await call
    return caught.value


# --- no answer -----------------------------------------------------------------------------------------
async def test_a_refused_connection_is_network_unreachable():
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    async with make_http_client(f"http://127.0.0.1:{port}", timeout=5) as http:
        err = await failure_of(ApiClient(http).hospitals())
    assert err.code == "NETWORK_UNREACHABLE" and err.status is None
    assert err.is_network and not err.is_timeout and not err.session_ended
    assert isinstance(err.__cause__, httpx.ConnectError)


@pytest.mark.parametrize("exc", [httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError])
async def test_transport_failures_are_network_unreachable(api, server, exc):
    server.get("/api/v1/me").mock(side_effect=exc)
    err = await failure_of(api.me())
    assert err.code == "NETWORK_UNREACHABLE" and err.is_network and err.status is None


@pytest.mark.parametrize("exc", [httpx.ConnectTimeout, httpx.ReadTimeout, httpx.WriteTimeout, httpx.PoolTimeout])
async def test_every_timeout_is_network_timeout(api, server, exc):
    server.post("/api/v1/payments").mock(side_effect=exc)
    err = await failure_of(api.pay("BL00004", "258369", idempotency_key="zlb-key-0200"))
    assert err.code == "NETWORK_TIMEOUT" and err.is_timeout and err.is_network and err.status is None
    assert "258369" not in str(err) + repr(err)


async def test_a_slow_server_times_out_with_the_configured_timeout():
    import asyncio

    async def slow(request):
        await asyncio.sleep(0.5)
        return httpx.Response(200, json=sample("hospitals"))

    class SlowTransport(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request):
            try:
                return await asyncio.wait_for(slow(request), request.extensions["timeout"]["read"])
            except TimeoutError:
                raise httpx.ReadTimeout("read timed out", request=request) from None

    async with make_http_client("http://zlb.test", timeout=0.05, transport=SlowTransport()) as http:
        err = await failure_of(ApiClient(http).hospitals())
    assert err.code == "NETWORK_TIMEOUT"


# --- server failures -----------------------------------------------------------------------------------
async def test_a_500_with_a_problem_body_keeps_the_servers_code(api, server):
    server.get("/api/v1/cards").mock(return_value=problem(500, "INTERNAL_ERROR",
                                                          "The server could not finish this request"))
    err = await failure_of(api.cards())
    assert (err.code, err.status) == ("INTERNAL_ERROR", 500)
    assert err.detail == "The server could not finish this request"


async def test_a_504_channel_timeout_keeps_its_code(api, server):
    server.post("/api/v1/payments").mock(return_value=problem(504, "CHANNEL_TIMEOUT", "No answer from the bank"))
    err = await failure_of(api.pay("BL00004", "258369", idempotency_key="zlb-key-0201"))
    assert (err.code, err.status) == ("CHANNEL_TIMEOUT", 504) and not err.is_network


@pytest.mark.parametrize("status, content_type, text", [
    (500, "text/plain", "Internal Server Error"),
    (502, "text/html", "<html><body>Bad Gateway</body></html>"),
    (503, "application/json", '{"message": "maintenance"}'),
    (500, "application/problem+json", "{not json"),
])
async def test_a_5xx_without_a_problem_body_is_server_error(api, server, status, content_type, text):
    server.get("/api/v1/bills").mock(return_value=httpx.Response(status, text=text,
                                                                 headers={"content-type": content_type}))
    err = await failure_of(api.bills())
    assert (err.code, err.status) == ("SERVER_ERROR", status)


# --- unreadable answers --------------------------------------------------------------------------------
@pytest.mark.parametrize("response", [
    httpx.Response(200, text='{"id": "C0001", "name": ', headers={"content-type": "application/json"}),
    httpx.Response(200, text="<html>Wi-Fi login</html>", headers={"content-type": "text/html"}),
    httpx.Response(200, text=""),
    httpx.Response(200, json=["not", "an", "object"]),
    httpx.Response(404, text="<html>Not Found</html>", headers={"content-type": "text/html"}),
], ids=["malformed JSON", "HTML portal", "empty", "wrong shape", "4xx without problem"])
async def test_an_answer_that_cannot_be_read_is_bad_response(api, server, response):
    server.get("/api/v1/me").mock(return_value=response)
    err = await failure_of(api.me())
    assert err.code == "BAD_RESPONSE" and err.status == response.status_code


async def test_an_answer_that_cannot_be_decoded_is_bad_response(api, server):
    class Raw(httpx.AsyncByteStream):  # read by the client, not by the fake server
        async def __aiter__(self):
            yield b"not gzip at all"

    server.get("/api/v1/me").mock(return_value=httpx.Response(
        200, stream=Raw(), headers={"content-type": "application/json", "content-encoding": "gzip"}))
    err = await failure_of(api.me())
    assert err.code == "BAD_RESPONSE" and not err.is_network


async def test_a_field_of_the_wrong_type_is_bad_response_naming_the_field(api, server):
    body = sample("bills")
    body["items"][0]["amount_fen"] = "266.64"
    server.get("/api/v1/bills").respond(200, json=body)
    err = await failure_of(api.bills())
    assert err.code == "BAD_RESPONSE"
    assert "BillList.items[0].amount_fen" in err.detail and "266.64" not in err.detail


async def test_a_missing_field_is_bad_response(api, server):
    body = sample("qr")
    del body["expires_at"]
    server.post("/api/v1/cards/K0001/qr").respond(201, json=body)
    err = await failure_of(api.issue_qr("K0001"))
    assert err.code == "BAD_RESPONSE" and "QrCode.expires_at" in err.detail
    assert body["payload"] not in str(err) + repr(err)


# --- refusals ------------------------------------------------------------------------------------------
async def test_a_refusal_keeps_code_title_detail_and_extra_members(api, server):
    server.post("/api/v1/cards/K0001/reveal").mock(return_value=problem(
        401, "PIN_INVALID", "The card PIN is wrong; 4 tries left", tries_left=4, instance="/api/v1/cards/K0001/reveal"))
    err = await failure_of(api.reveal_card("K0001", "147258"))
    assert (err.code, err.status, err.title) == ("PIN_INVALID", 401, "Pin_Invalid")
    assert err.detail == "The card PIN is wrong; 4 tries left"
    assert err.tries_left == 4 and err.retry_after is None and err.locked_until is None
    assert err.extra["instance"] == "/api/v1/cards/K0001/reveal"
    assert err.extra["type"] == "urn:zheliban:problem:pin-invalid"
    assert "147258" not in str(err) + repr(err)
    assert not err.is_network and not err.session_ended


async def test_a_lock_says_until_when(api, server):
    server.post("/api/v1/payments").mock(return_value=problem(
        423, "PIN_LOCKED", "Too many wrong payment PINs: locked for 30 more minutes",
        locked_until="2026-06-15T09:30:00+08:00", retry_after=1800, tries_left=0, headers={"Retry-After": "1800"}))
    err = await failure_of(api.pay("BL00004", "000000", idempotency_key="zlb-key-0202"))
    assert err.code == "PIN_LOCKED" and err.tries_left == 0 and err.retry_after == 1800
    assert err.locked_until.isoformat() == "2026-06-15T09:30:00+08:00"


async def test_retry_after_comes_from_the_header_when_the_body_lacks_it(http, server):
    server.post("/api/v1/auth/sms-codes").mock(return_value=problem(
        429, "OTP_RESEND_TOO_SOON", "Wait 42 s before asking for another code", headers={"Retry-After": "42"}))
    err = await failure_of(ApiClient(http).send_sms_code("13705719050"))
    assert err.code == "OTP_RESEND_TOO_SOON" and err.retry_after == 42


async def test_a_problem_with_a_json_content_type_is_still_read(api, server):
    server.get("/api/v1/bills/BL99999").respond(404, json={"code": "BILL_NOT_FOUND", "detail": "No such bill"})
    err = await failure_of(api.bill("BL99999"))
    assert (err.code, err.status, err.detail) == ("BILL_NOT_FOUND", 404, "No such bill")
    assert err.title  # a readable title even when the server gave none


async def test_validation_errors_keep_their_field_list(api, server):
    errors = [{"field": "body.amount_fen", "message": "Input should be a valid integer", "type": "int_type"}]
    server.post("/api/v1/payments").mock(return_value=problem(422, "VALIDATION_FAILED", "body.amount_fen: ...",
                                                               errors=errors))
    err = await failure_of(api.pay("BL00004", "258369", idempotency_key="zlb-key-0203", amount_fen=1))
    assert err.code == "VALIDATION_FAILED" and err.extra["errors"] == errors


@pytest.mark.parametrize("password", ["Zlb@2025"])
async def test_no_failure_of_a_login_shows_the_password(http, server, password):
    route = server.post("/api/v1/auth/login/password")
    for outcome in (httpx.ConnectError("refused"), httpx.ReadTimeout("slow"),
                    httpx.Response(200, json={"access_token": 1}),
                    httpx.Response(500, text="boom"), problem(423, "ACCOUNT_LOCKED", "locked")):
        route.mock(side_effect=[outcome])
        err = await failure_of(ApiClient(http).login_password("13705719050", password))
        assert password not in str(err) + repr(err) + str(err.extra)


def test_an_error_survives_pickling():
    import pickle

    err = ApiError("OTP_INVALID", status=401, title="The code is wrong", detail="4 tries left", extra={"tries_left": 4})
    copy = pickle.loads(pickle.dumps(err))
    assert (copy.code, copy.status, copy.title, copy.detail, copy.tries_left) == (
        "OTP_INVALID", 401, "The code is wrong", "4 tries left", 4)


def test_an_error_reads_well():
    err = ApiError("SLOT_FULL", status=409, title="The window is full", detail="W000008 has no place left")
    assert str(err) == "SLOT_FULL (409): W000008 has no place left"
    assert repr(err) == "ApiError(code='SLOT_FULL', status=409, detail='W000008 has no place left')"
    network = ApiError("NETWORK_UNREACHABLE")
    assert str(network) == "NETWORK_UNREACHABLE: The server cannot be reached"
