"""Schema migrations: numbered ``.sql`` files in ``migrations/``, applied once each, in order."""
from __future__ import annotations

from importlib import resources

from .db import Database

CREATE_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL)"
)


def available() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every migration shipped with the package, in order."""
    out = []
    for item in resources.files("mock_server.store").joinpath("migrations").iterdir():
        name = item.name
        if name.endswith(".sql") and name[:4].isdigit():
            out.append((int(name[:4]), name, item.read_text(encoding="utf-8")))
    return sorted(out)


def statements(sql: str) -> list[str]:
    lines = [ln for ln in sql.splitlines() if not ln.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def current_version(db: Database) -> int:
    db.execute(CREATE_TABLE)
    return db.scalar("SELECT COALESCE(MAX(version), 0) FROM schema_migrations") or 0


def migrate(db: Database) -> int:
    """Apply the pending migrations; answer the schema version now in force."""
    version = current_version(db)
    for number, name, sql in available():
        if number <= version:
            continue
        with db.write():
            for stmt in statements(sql):
                db.execute(stmt)
            db.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", (number, name))
        version = number
    return version


def latest_version() -> int:
    migrations = available()
    return migrations[-1][0] if migrations else 0
