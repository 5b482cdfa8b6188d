"""Every example of ``docs/qa.md`` runs against a real backend.

The guide's fenced blocks: ```sh (and ```bash) blocks run in order, each with ``bash -euo pipefail``,
sharing one sandbox name (``$SANDBOX``) and one session file, with ``ZHELIBAN_SERVER`` and
``ZHELIBAN_ADMIN_KEY`` set; ```python blocks that define tests run through pytest with the plugin, the
other ```python blocks run as scripts. ```console blocks (a long-running server, shell set-up) are only
read. A block in any other language fails the first test, so no example is skipped by accident.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT
from tests.requirements import need_program

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.e2e  # real backend processes on loopback

GUIDE = ROOT / "docs" / "qa.md"
SHELL = {"sh", "bash"}
PYTHON = {"python"}
READ_ONLY = {"console", "text", "json"}
FENCE = re.compile(r"^```([^\s`]*)[^\n]*\n(.*?)^```[ \t]*$", re.M | re.S)
TEST_FUNCTION = re.compile(r"^(?:async )?def test_\w+", re.M)


@dataclass(frozen=True)
class Block:
    lang: str
    code: str
    line: int  # where the fence opens in docs/qa.md

    @property
    def is_pytest_file(self) -> bool:
        return self.lang in PYTHON and TEST_FUNCTION.search(self.code) is not None

    @property
    def file_name(self) -> str:
        """The ``# test_x.py`` of its first line, else one from its line number."""
        first = self.code.split("\n", 1)[0]
        found = re.fullmatch(r"#\s*(test_\w+\.py)\s*", first)
        return found.group(1) if found else f"test_guide_line{self.line}.py"


def guide_blocks() -> list[Block]:
    text = GUIDE.read_text(encoding="utf-8")
    return [Block(m.group(1), m.group(2), text.count("\n", 0, m.start()) + 1) for m in FENCE.finditer(text)]


BLOCKS = guide_blocks()
SHELL_BLOCKS = [b for b in BLOCKS if b.lang in SHELL]
PYTEST_BLOCKS = [b for b in BLOCKS if b.is_pytest_file]
SCRIPT_BLOCKS = [b for b in BLOCKS if b.lang in PYTHON and not b.is_pytest_file]


def where(block: Block) -> str:
    return f"docs/qa.md line {block.line}"


def delete_sandboxes(server, *sandbox_ids: str) -> None:
    """Remove what a failed example left behind (a 404 means it cleaned up itself)."""
    for sandbox_id in sandbox_ids:
        httpx.delete(f"{server.url}/admin/sandboxes/{sandbox_id}", headers={"X-Admin-Key": server.admin_key},
                     timeout=10, trust_env=False)


def example_env(server, home: Path, sandbox_id: str) -> dict[str, str]:
    """The environment of section 1 of the guide, with a private HOME and session file and no keyring
    (as on a CI box), and this environment's ``zheliban`` and ``python3`` first on PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHELIBAN_")}
    env.update({
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(home), "XDG_STATE_HOME": str(home / "state"), "XDG_DATA_HOME": str(home / "data"),
        "ZHELIBAN_SERVER": server.url, "ZHELIBAN_ADMIN_KEY": server.admin_key, "SANDBOX": sandbox_id,
        "ZHELIBAN_SESSION_FILE": str(home / "session.json"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    })
    return env


def test_the_guide_has_runnable_examples_of_every_kind():
    unknown = [f"{where(b)}: ```{b.lang}" for b in BLOCKS if b.lang not in SHELL | PYTHON | READ_ONLY]
    assert not unknown, "blocks that would be neither run nor meant to be read only"
    assert len(SHELL_BLOCKS) >= 8 and len(PYTEST_BLOCKS) >= 2 and len(SCRIPT_BLOCKS) >= 1
    shell = "\n".join(b.code for b in SHELL_BLOCKS)
    assert "curl " in shell and "zheliban admin" in shell and "zheliban login" in shell


def test_the_shell_examples_run_in_order(zheliban_server, tmp_path):
    need_program("curl", "curl")
    sandbox_id = f"guide-{uuid.uuid4().hex[:12]}"
    env = example_env(zheliban_server, tmp_path / "home", sandbox_id)
    work = tmp_path / "work"
    work.mkdir()
    try:
        for block in SHELL_BLOCKS:
            done = subprocess.run(["bash", "-euo", "pipefail", "-c", block.code], cwd=work, env=env,
                                  capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, (f"{where(block)} exited {done.returncode}\n--- stdout\n{done.stdout}"
                                          f"\n--- stderr\n{done.stderr}")
    finally:
        delete_sandboxes(zheliban_server, sandbox_id, f"{sandbox_id}-curl")


def test_the_pytest_examples_pass_with_the_plugin(pytester, zheliban_server):
    expected = 0
    for block in PYTEST_BLOCKS:
        pytester.path.joinpath(block.file_name).write_text(block.code, encoding="utf-8")
        expected += len(TEST_FUNCTION.findall(block.code))
    # In process (pytest-textual-snapshot and syrupy left out: their session state is module-global).
    result = pytester.runpytest("-p", "no:textual-snapshot", "-p", "no:syrupy", "-p", "no:cacheprovider",
                                "--strict-markers", "-o", "asyncio_default_fixture_loop_scope=function",
                                "--zheliban-server", zheliban_server.url,
                                "--zheliban-admin-key", zheliban_server.admin_key)
    outcomes = result.parseoutcomes()
    assert result.ret == 0, result.stdout.str()
    assert outcomes.get("passed", 0) >= expected and set(outcomes) <= {"passed", "warnings", "warning"}, outcomes


@pytest.mark.parametrize("block", SCRIPT_BLOCKS, ids=lambda b: f"line{b.line}")
def test_the_python_scripts_run(block, zheliban_server, tmp_path):
    sandbox_id = f"guide-{uuid.uuid4().hex[:12]}"
    script = tmp_path / "example.py"
    script.write_text(block.code, encoding="utf-8")
    try:
        done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True,
                              env=example_env(zheliban_server, tmp_path / "home", sandbox_id), timeout=120)
        assert done.returncode == 0, f"{where(block)}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    finally:
        delete_sandboxes(zheliban_server, sandbox_id, f"{sandbox_id}-py")
