"""The non-interactive commands of `zheliban` for scripts and QA: citizen actions and the admin API."""
from __future__ import annotations

import argparse
import asyncio
import json
import sys

from . import admin as admin_commands
from . import citizen
from .output import EXIT_NETWORK, EXIT_OK, EXIT_REFUSED, EXIT_USAGE, fail, print_json

SCRIPT_COMMANDS = set(citizen.COMMANDS) | {"admin"}


def add_parsers(commands, common: argparse.ArgumentParser) -> None:
    citizen.add_parsers(commands, common)
    admin_commands.add_parsers(commands, common)


def run(args: argparse.Namespace, server: str) -> int:
    try:
        return asyncio.run(_run(args, server))
    except citizen.UsageError as exc:
        return fail(f"zheliban {args.command}: {exc}", EXIT_USAGE)
    except KeyboardInterrupt:
        return fail("interrupted", 130)


async def _run(args: argparse.Namespace, server: str) -> int:
    from ..api import AdminClient, ApiClient, ApiError, make_http_client

    http = make_http_client(server)
    store = None
    try:
        try:
            if args.command == "admin":
                client = AdminClient(http, admin_commands.admin_key(args))
                result, human = await admin_commands.run(client, args)
            else:
                api = ApiClient(http, sandbox=args.sandbox)
                store = _session_store(server, args.sandbox, api)
                if args.command not in citizen.NO_SESSION_NEEDED:
                    stored = store.load()
                    if stored is None:
                        raise ApiError("AUTH_REQUIRED", status=401,
                                       detail="Not logged in: run `zheliban login` first")
                    await api.refresh(stored.refresh_token)
                result, human = await citizen.COMMANDS[args.command](api, args, _Session(store))
        except ApiError as err:
            return _refused(err, args.json)
        finally:
            if store is not None:
                for warning in store.take_warnings():
                    # Where the session lives is said once, when it is first kept; other troubles always.
                    if warning.code not in ("NO_KEYRING", "KEYRING_FAILED") or args.command == "login":
                        print(f"zheliban: {warning.message}", file=sys.stderr)
    finally:
        await http.aclose()
    if args.json:
        print_json(result)
    else:
        human(result)
    return EXIT_OK


class _Session:
    def __init__(self, store) -> None:
        self.store = store


def _session_store(server: str, sandbox: str | None, api):
    """The store a script's session lives in; every new token pair is kept at once, a cleared
    session forgotten at once (the refresh token rotates on every command)."""
    from ..credentials import CredentialStore, StoredSession

    store = CredentialStore(server, sandbox, remember=True)

    def keep(tokens) -> None:
        if tokens is None:
            store.clear()
        else:
            store.save(StoredSession(store.server, store.sandbox, tokens.citizen_id, tokens.refresh_token))

    api.on_tokens = keep
    return store


def _refused(err, as_json: bool) -> int:
    code = EXIT_NETWORK if err.is_network else EXIT_REFUSED
    if as_json:
        problem = {"code": err.code, "status": err.status, "title": err.title, "detail": err.detail, **(err.extra or {})}
        print(json.dumps({"error": problem}, ensure_ascii=False), file=sys.stderr)
    else:
        print(f"{err.code}: {err.detail or err.title or ''}", file=sys.stderr)
    return code
