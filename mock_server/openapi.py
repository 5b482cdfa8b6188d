"""The OpenAPI document, generated from the app: ``python -m mock_server.openapi [PATH]``.

``docs/openapi.json`` is the committed contract; a test fails when it drifts from the code.
"""
from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from .app import create_app
from .sandbox import SandboxRegistry
from .settings import DEFAULT_SETTINGS

DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"


def document() -> dict:
    registry = SandboxRegistry(Path(tempfile.gettempdir()) / "zheliban-openapi-unused.sqlite", DEFAULT_SETTINGS)
    return create_app(registry, DEFAULT_SETTINGS, admin_key="unused").openapi()


def render() -> str:
    return json.dumps(document(), ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    target = Path(argv[0]) if argv else DOC_PATH
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
