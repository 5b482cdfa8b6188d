"""The committed OpenAPI document is the contract: it must match the code."""
from __future__ import annotations

import json

from mock_server.openapi import DOC_PATH, document


def test_committed_openapi_matches_the_code():
    committed = json.loads(DOC_PATH.read_text(encoding="utf-8"))
    assert committed == document(), "docs/openapi.json drifted: run `make openapi` and review the diff"


def test_every_refusal_is_documented_as_problem_json():
    doc = document()
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            if path.startswith("/api/v1/") and path != "/api/v1/clock":
                codes = set(op["responses"])
                assert "422" in codes or "400" in codes, f"{method.upper()} {path} documents no refusal"
