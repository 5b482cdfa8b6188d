"""Shared pieces of the request and response models."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class RequestModel(BaseModel):
    """A request body: unknown fields are refused (VALIDATION_FAILED), strings are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, str_max_length=2000)


class ResponseModel(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Problem(BaseModel):
    """RFC 9457 problem details, with the stable ``code``."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    instance: str | None = None


PROBLEM_RESPONSES = {
    400: {"model": Problem, "description": "Bad request", "content": {"application/problem+json": {}}},
    401: {"model": Problem, "description": "Not logged in", "content": {"application/problem+json": {}}},
    404: {"model": Problem, "description": "Not found", "content": {"application/problem+json": {}}},
    409: {"model": Problem, "description": "Refused by a rule", "content": {"application/problem+json": {}}},
    422: {"model": Problem, "description": "Not valid", "content": {"application/problem+json": {}}},
}

