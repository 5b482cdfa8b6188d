"""`zheliban`: the TUI against a server, `zheliban demo` against the embedded mock backend, and the
non-interactive commands for scripts (`zheliban login`, `zheliban pay` ..., see `zheliban --help`).

    zheliban [--server URL] [--sandbox ID] [--lang zh|en] [--theme light|dark|elder] [--remember]
    zheliban demo [--lang zh|en] [--theme ...] [--seed N]
    zheliban COMMAND [--server URL] [--sandbox ID] [--json] ...
"""
from __future__ import annotations

import argparse
import os
import sys

DEFAULT_SERVER = "http://127.0.0.1:8930"
SERVER_ENV = "ZHELIBAN_SERVER"
LANGUAGES = ("zh", "en")
THEME_NAMES = ("light", "dark", "elder")


def _common(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
    default = (lambda value: value) if defaults else (lambda value: argparse.SUPPRESS)
    parser.add_argument("--lang", choices=LANGUAGES, default=default("zh"), help="language of the screens (default zh)")
    parser.add_argument("--theme", choices=THEME_NAMES, default=default("light"),
                        help="light, dark, or elder (适老版: high contrast, larger spacing)")
    parser.add_argument("--remember", action="store_true", default=default(False),
                        help="where no system keyring exists, keep the session in a file only you can read")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="zheliban", description="浙里办 in the terminal.")
    parser.add_argument("--server", default=os.environ.get(SERVER_ENV, DEFAULT_SERVER),
                        help=f"backend URL (default ${SERVER_ENV} or {DEFAULT_SERVER})")
    parser.add_argument("--sandbox", default=None, help="sandbox id sent as X-Sandbox-Id (default: the server's demo)")
    parser.add_argument("--json", action="store_true", help="commands: print one JSON document")
    _common(parser, defaults=True)
    script_common = argparse.ArgumentParser(add_help=False)
    script_common.add_argument("--server", default=argparse.SUPPRESS, help="backend URL")
    script_common.add_argument("--sandbox", default=argparse.SUPPRESS, help="sandbox id (X-Sandbox-Id)")
    script_common.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                               help="print one JSON document on stdout")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = commands.add_parser("demo", help="start the mock backend in-process and open the TUI against it")
    _common(demo, defaults=False)
    demo.add_argument("--seed", type=int, default=None, help="seed of the demo data")
    from .commands import add_parsers

    add_parsers(commands, script_common)
    return parser


def _valid_server(url: str) -> bool:
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname) and (parts.port is None or parts.port > 0)
    except ValueError:
        return False


def run_tui(server: str, *, sandbox: str | None, lang: str, theme: str, remember: bool, demo=None,
            credentials=None) -> int:
    from .api import ApiClient, make_http_client
    from .app import ZhelibanApp
    from .credentials import CredentialStore

    import gc

    # Fewer full collections: with the default thresholds a 75-97 ms full collection lands on a key
    # press every few hundred (bench/tui_schedule.py --gc-threshold shows the difference).
    gc.set_threshold(10000, 50, 100)
    http = make_http_client(server)
    api = ApiClient(http, sandbox=sandbox)
    credentials = credentials or CredentialStore(server, sandbox, remember=remember)
    app = ZhelibanApp(api, credentials, language=lang, theme=theme, remember=remember, demo=demo)
    app.run()
    return app.return_code or 0


def run_demo(args: argparse.Namespace) -> int:
    from .api import AdminClient, make_http_client
    from .credentials import CredentialStore
    from .demo import EmbeddedBackend, demo_hooks

    with EmbeddedBackend(seed=args.seed) as backend:
        admin = AdminClient(make_http_client(backend.url), backend.admin_key)
        # The demo's session lives in memory only: a presenter's machine keeps nothing between visitors.
        return run_tui(backend.url, sandbox=None, lang=args.lang, theme=args.theme, remember=False,
                       demo=demo_hooks(admin), credentials=CredentialStore.in_memory(backend.url))


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "demo":
        return run_demo(args)
    if not _valid_server(args.server):
        parser.error(f"--server must be an http:// or https:// URL, not {args.server!r}")
    if args.command is not None:
        from .commands import run

        return run(args, args.server.rstrip("/"))
    return run_tui(args.server.rstrip("/"), sandbox=args.sandbox, lang=args.lang, theme=args.theme,
                   remember=args.remember)


if __name__ == "__main__":
    sys.exit(main())
