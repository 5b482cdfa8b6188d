"""The app's own flat list of routes: the same operations as the routers declare, each matched as
FastAPI would, only faster."""
from __future__ import annotations

import re

from fastapi.routing import APIRoute
from starlette.routing import Match

from mock_server.deps import SecuredRoute
from mock_server.routes import appointments, card, payments


def _sample_path(route: APIRoute) -> str:
    return re.sub(r"\{[^}]+\}", "X1", route.path_format)


def test_every_operation_of_the_routers_is_served_under_api_v1(app):
    served = {(m, r.path) for r in app.router.routes if isinstance(r, APIRoute) for m in r.methods}
    for module in (card, appointments, payments):
        for route in module.router.routes:
            for method in route.methods:
                assert (method, "/api/v1" + route.path) in served


def test_turning_away_by_the_literal_start_changes_no_match(app):
    routes = [r for r in app.router.routes if isinstance(r, SecuredRoute)]
    assert routes and all(r.literal_prefix is not None for r in routes)
    paths = [_sample_path(r) for r in routes] + ["/api/v1/cards", "/api/v1/nope", "/healthz", "/api/v1/"]
    for path in paths:
        for method in ("GET", "POST", "DELETE"):
            scope = {"type": "http", "method": method, "path": path, "root_path": "", "headers": []}
            for route in routes:
                fast, _ = route.matches(scope)
                full, _ = APIRoute.matches(route, scope)
                assert fast == full, (method, path, route.path)
            assert any(route.matches(scope)[0] != Match.NONE for route in routes) == any(
                APIRoute.matches(route, scope)[0] != Match.NONE for route in routes)
