"""Sending a request and turning every way it can fail into an ``ApiError``: the one place that maps
transport errors, status codes and unreadable bodies (``ApiClient`` and ``AdminClient`` both use it)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from .errors import (
    BAD_RESPONSE,
    NETWORK_TIMEOUT,
    NETWORK_UNREACHABLE,
    SERVER_ERROR,
    ApiError,
)

T = TypeVar("T")
API_PREFIX = "/api/v1"
DEFAULT_TIMEOUT_S = 10.0
USER_AGENT = "zheliban-tui"


def make_http_client(server_url: str, *, timeout: float = DEFAULT_TIMEOUT_S,
                     transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    """The one ``httpx.AsyncClient`` of the app: create it once, pass it to ``ApiClient`` (and
    ``AdminClient``), close it when the app ends. ``transport`` serves tests and the in-process demo."""
    return httpx.AsyncClient(
        base_url=server_url,
        timeout=httpx.Timeout(timeout),
        headers={"Accept": "application/json, application/problem+json", "User-Agent": USER_AGENT},
        transport=transport,
    )


def segment(value: str | int) -> str:
    """A path segment with every reserved character escaped (an id never reaches another route)."""
    return quote(str(value), safe="")


def query(**params: Any) -> dict[str, Any]:
    """Query parameters without the ones left out (``None``); booleans as the server reads them."""
    return {k: ("true" if v else "false") if isinstance(v, bool) else v for k, v in params.items() if v is not None}


async def send(http: httpx.AsyncClient, method: str, url: str, *, json: Any = None,
               params: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
               auth: httpx.Auth | None = None) -> httpx.Response:
    """Send one request; a 2xx answer is returned, anything else raises ``ApiError``."""
    try:
        response = await http.request(method, url, json=json, params=params or None, headers=headers, auth=auth)
    except httpx.TimeoutException as exc:
        raise ApiError(NETWORK_TIMEOUT, detail="The server did not answer in time; the outcome is unknown") from exc
    except httpx.TransportError as exc:
        raise ApiError(NETWORK_UNREACHABLE,
                       detail=f"Cannot reach the server ({type(exc).__name__})") from exc
    except httpx.RequestError as exc:  # an answer came but cannot be decoded (DecodingError ...)
        raise ApiError(BAD_RESPONSE, detail=f"The answer cannot be read ({type(exc).__name__})") from exc
    if response.is_success:
        return response
    raise error_of(response)


def error_of(response: httpx.Response) -> ApiError:
    """The ``ApiError`` of a non-2xx answer (its body read already)."""
    status = response.status_code
    body = _json_or_none(response)
    if isinstance(body, dict) and isinstance(body.get("code"), str) and body["code"]:
        return ApiError.from_problem(status, body, response.headers.get("retry-after"))
    if status >= 500:
        return ApiError(SERVER_ERROR, status=status, detail=f"The server answered {status} without an explanation")
    return ApiError(BAD_RESPONSE, status=status, detail=f"The server answered {status} without a problem body")


def problem_code(response: httpx.Response) -> str | None:
    """The ``code`` of a problem answer, or ``None``."""
    body = _json_or_none(response)
    if isinstance(body, dict) and isinstance(body.get("code"), str):
        return body["code"]
    return None


def json_of(response: httpx.Response) -> Any:
    """The JSON body of a successful answer, or ``ApiError(BAD_RESPONSE)``."""
    content_type = response.headers.get("content-type", "")
    if "json" not in content_type.lower():
        raise ApiError.bad_response(f"Expected JSON, got {content_type.split(';')[0] or 'no content type'}",
                                    status=response.status_code)
    try:
        return response.json()
    except ValueError:
        raise ApiError.bad_response("The answer is not valid JSON", status=response.status_code) from None


def read_answer(response: httpx.Response, read: Callable[[Any], T]) -> T:
    """``read`` (a model's ``from_json``) over the JSON of a successful answer; a BAD_RESPONSE it
    raises carries the answer's status."""
    try:
        return read(json_of(response))
    except ApiError as err:
        if err.status is None:
            err.status = response.status_code
        raise


def _json_or_none(response: httpx.Response) -> Any:
    if "json" not in response.headers.get("content-type", "").lower():
        return None
    try:
        return response.json()
    except ValueError:
        return None
