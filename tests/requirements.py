"""What a test needs from the machine: skip with the reason on a developer's box, fail on CI.

CI (``CI=true``, set by ``.ci/run``) installs every Debian package the suite needs, so a missing
program there is a broken set-up, not a reason to skip: ``from tests.requirements import need_program``.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
from typing import NoReturn

import pytest


def on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def missing(reason: str) -> NoReturn:
    """Skip the test with ``reason``; under CI=true fail it instead."""
    if on_ci():
        pytest.fail(f"{reason} (required when CI=true)", pytrace=False)
    pytest.skip(reason)


def need_program(name: str, package: str) -> str:
    """The path of program ``name``, which the Debian package ``package`` provides."""
    path = shutil.which(name)
    if path is None:
        missing(f"`{name}` is not installed (Debian package: {package})")
    return path


def need_module(name: str, package: str) -> None:
    """Python module ``name``, which the distribution ``package`` provides."""
    if importlib.util.find_spec(name) is None:
        missing(f"Python module `{name}` is not installed (package: {package})")
