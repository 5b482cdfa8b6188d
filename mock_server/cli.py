"""``zheliban-mock``: start the mock government backend on loopback."""
from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from pathlib import Path

from platformdirs import user_data_dir

from .domain.masking import mask_phone
from .settings import DEFAULT_SETTINGS

DEFAULT_PORT = 8930


def default_db_path() -> Path:
    return Path(user_data_dir("zheliban", appauthor=False)) / "mock.sqlite"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="zheliban-mock", description="The mock 浙里办 government backend.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 picks a free one)")
    p.add_argument("--db", type=Path, default=None, help=f"SQLite file of the demo sandbox (default {default_db_path()})")
    p.add_argument("--seed", type=int, default=DEFAULT_SETTINGS.default_seed, help="seed of a new demo sandbox")
    p.add_argument("--start", default="now",
                   help="where the demo sandbox's clock starts when it is created: 'now' (default) or an ISO instant")
    p.add_argument("--admin-key", default=None, help="key for the admin API (default: a random key, printed)")
    p.add_argument("--demo", action="store_true", help="print every SMS code as it is sent")
    p.add_argument("--workers", type=int, default=1,
                   help="worker processes sharing the SQLite files (default 1; 2 uses both cores of a 2-core box)")
    p.add_argument("--faults", default=None, metavar="SPEC",
                   help="fault profile of every sandbox without its own, e.g. 'seed=7; latency=50-300ms; "
                        "status=503,rate=0.1,route=/api/v1/payments' (see docs/qa.md)")
    p.add_argument("--journal-size", type=int, default=DEFAULT_SETTINGS.journal_size,
                   help=f"requests kept in each sandbox's journal (default {DEFAULT_SETTINGS.journal_size}; 0: no journal)")
    p.add_argument("--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug"])
    return p


def sms_printer(sandbox_id: str, phone: str, text: str) -> None:
    print(f"[SMS {sandbox_id} → {mask_phone(phone)}] {text}", flush=True)


def build(args: argparse.Namespace):
    """The registry and app for the parsed options (shared with ``zheliban demo``)."""
    from .app import create_app
    from .sandbox import SandboxRegistry

    settings = _settings(args.journal_size)
    db = args.db or default_db_path()
    db.parent.mkdir(parents=True, exist_ok=True)
    registry = SandboxRegistry(db, settings, on_sms=sms_printer if args.demo else None, shared=args.workers > 1,
                               default_faults=_faults(args.faults))
    registry.ensure(settings.default_sandbox, seed=args.seed, start=args.start)
    admin_key = args.admin_key or secrets.token_urlsafe(18)
    return registry, create_app(registry, settings, admin_key=admin_key), admin_key


def _settings(journal_size: int):
    return DEFAULT_SETTINGS.with_overrides(journal_size=journal_size)


def _faults(spec: str | None):
    from .faults import parse_spec

    return parse_spec(spec) if spec is not None else None


WORKER_ENV = "ZHELIBAN_MOCK_WORKER"


def worker_app():
    """The app of one worker process of ``--workers N`` (uvicorn calls this factory in each child)."""
    from .app import create_app
    from .sandbox import SandboxRegistry

    options = json.loads(os.environ[WORKER_ENV])
    settings = _settings(options["journal_size"])
    registry = SandboxRegistry(Path(options["db"]), settings, on_sms=sms_printer if options["demo"] else None,
                               shared=True, default_faults=_faults(options["faults"]))
    return create_app(registry, settings, admin_key=options["admin_key"])


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not 0 <= args.port <= 65535:
        print("zheliban-mock: --port must be 0-65535", file=sys.stderr)
        return 2
    if not 1 <= args.workers <= 64:
        print("zheliban-mock: --workers must be 1-64", file=sys.stderr)
        return 2
    if not 0 <= args.journal_size <= 1_000_000:
        print("zheliban-mock: --journal-size must be 0-1000000", file=sys.stderr)
        return 2
    if args.faults is not None:
        from .faults import FaultSpecError

        try:
            _faults(args.faults)
        except FaultSpecError as err:
            print(f"zheliban-mock: --faults: {err}", file=sys.stderr)
            return 2
    import socket

    import uvicorn

    try:
        registry, app, admin_key = build(args)
    except Exception as exc:  # a bad --db path, a bad --start ...
        print(f"zheliban-mock: cannot start: {exc}", file=sys.stderr)
        return 2
    try:
        sock = socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((args.host, args.port))
    except OSError as exc:
        print(f"zheliban-mock: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 2
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    print(f"Zheliban mock backend on http://{shown}:{port}", flush=True)
    print(f"  demo sandbox: {registry.db_path} (seed {registry.get('demo').seed})", flush=True)
    print(f"  admin key: {admin_key}", flush=True)
    print(f"  API docs: http://{shown}:{port}/docs", flush=True)
    if registry.default_faults is not None:
        print(f"  faults: {registry.default_faults.text()}", flush=True)
    try:
        if args.workers > 1:
            from uvicorn.supervisors import Multiprocess

            registry.close()  # each worker opens its own connections
            os.environ[WORKER_ENV] = json.dumps({"db": str(registry.db_path), "admin_key": admin_key, "demo": args.demo,
                                                "faults": args.faults, "journal_size": args.journal_size})
            config = uvicorn.Config("mock_server.cli:worker_app", factory=True, workers=args.workers,
                                    log_level=args.log_level, access_log=False, lifespan="off")
            Multiprocess(config, sockets=[sock]).run()
        else:
            config = uvicorn.Config(app, log_level=args.log_level, access_log=False, lifespan="off")
            uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        registry.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
