"""What a script command prints: one JSON document with `--json`, else a table; errors on stderr.

Exit codes: 0 done, 1 refused by the backend (its code and message on stderr), 2 usage error,
3 network failure (the backend could not be reached or did not answer).
"""
from __future__ import annotations

import dataclasses
import json
import sys
from datetime import date, datetime
from typing import Any, Iterable, Sequence

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_NETWORK = 3


def plain(value: Any) -> Any:
    """Models, lists, dates and datetimes as JSON values (every field, secrets of the answer included:
    a script asked for them; tokens are never part of an answer model printed here)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def print_json(value: Any) -> None:
    json.dump(plain(value), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def print_table(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str | None = None) -> None:
    """An aligned table that keeps Chinese at double width (rich measures cells, not characters)."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, box=None, header_style="bold", pad_edge=False)
    for header in headers:
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    Console(highlight=False, soft_wrap=False).print(table)


def print_fields(pairs: Iterable[tuple[str, Any]]) -> None:
    print_table(("field", "value"), ((k, "" if v is None else v) for k, v in pairs))


def fail(message: str, code: int) -> int:
    print(message, file=sys.stderr)
    return code
