"""Run inside a D-Bus session by tests/client/test_credentials.py: one CredentialStore step per process.

    python secret_service_child.py ACTION BACKEND SERVER [SANDBOX]

ACTION is save, load or clear; BACKEND is "secretservice" (keyring's Secret Service backend) or
"default" (whatever ``keyring.get_keyring()`` picks). The token to save comes from ZHELIBAN_TEST_TOKEN;
the step prints one JSON line that says whether the loaded token matched, never the token itself.
"""
from __future__ import annotations

import json
import os
import sys

from zheliban_tui.credentials import CredentialStore, StoredSession


def main() -> None:
    action, backend_name, server, *rest = sys.argv[1:]
    sandbox = rest[0] if rest else None
    if backend_name == "secretservice":
        from keyring.backends.SecretService import Keyring

        backend = Keyring()
    else:
        backend = None
    store = CredentialStore(server, sandbox, keyring_backend=backend, remember=os.environ.get("REMEMBER") == "1")
    token = os.environ["ZHELIBAN_TEST_TOKEN"]
    result: dict[str, object] = {"action": action}
    if action == "save":
        store.save(StoredSession(server, sandbox, "C0001", token, label="138****0001"))
    elif action == "load":
        found = store.load()
        result["found"] = found is not None
        result["citizen_id"] = found.citizen_id if found else None
        result["label"] = found.label if found else None
        result["token_matches"] = bool(found and found.refresh_token == token)
    elif action == "clear":
        store.clear()
    else:
        raise SystemExit(f"unknown action {action}")
    result["where"] = store.where
    result["warnings"] = [w.code for w in store.warnings]
    result["backend"] = type(store._backend).__module__ if store._backend is not None else None
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
