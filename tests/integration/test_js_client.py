"""A second client, in another language, written from protocol/README.md alone: bench/js's Node.js
walkthrough registers, logs in, walks to the Disdukcapil booth, takes a number, submits a request
and follows it to a status change made by a staff session, against a real server process.

Skipped with a reason where `node`/`npm` are not installed, a failure where
`MAKAVERSE_REQUIRE_SERVICES=1` (CI). `npm ci` runs only when bench/js/node_modules is missing or
older than package-lock.json.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path

import harness as h
import pytest

JS_DIR = Path(__file__).resolve().parents[2] / "bench" / "js"
STEPS = ["register", "login", "walk", "take_number", "submit_request", "status_change", "logout"]
STAFF_PASSWORD = "loket-dukcapil-1"


def _node_or_skip() -> tuple[str, str]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node and npm:
        return node, npm
    if os.environ.get("MAKAVERSE_REQUIRE_SERVICES") == "1":
        pytest.fail("node and npm are required here (MAKAVERSE_REQUIRE_SERVICES=1)")
    pytest.skip("node/npm not installed: the JavaScript client is not run")


def _npm_ci(npm: str) -> None:
    stamp = JS_DIR / "node_modules" / ".package-lock.json"
    lock = JS_DIR / "package-lock.json"
    if stamp.exists() and stamp.stat().st_mtime >= lock.stat().st_mtime:
        return
    done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=JS_DIR, capture_output=True, text=True,
                          timeout=300, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stdout + done.stderr


async def test_the_node_client_walks_through_a_visit(tmp_path):
    """The Node.js client prints a PASS line for every step and exits 0 against a real server."""
    node, npm = _node_or_skip()
    _npm_ci(npm)
    env = h.subprocess_env(MAKAVERSE_ADMIN_PASSWORD="balai-kota-admin-1")
    db_url = f"sqlite:///{tmp_path / 'js.db'}"
    created = subprocess.run(
        [sys.executable, "-m", "makaverse", "db", "seed", "--db", db_url],
        capture_output=True, text=True, timeout=120, env=env, stdin=subprocess.DEVNULL,
    )
    assert created.returncode == 0, created.stderr
    created = subprocess.run(
        [sys.executable, "-m", "makaverse", "admin", "create-user", "--db", db_url, "--username", "loket_duk",
         "--role", "staff", "--opd", "DUKCAPIL", "--password", STAFF_PASSWORD],
        capture_output=True, text=True, timeout=120, env=env, stdin=subprocess.DEVNULL,
    )
    assert created.returncode == 0, created.stderr
    server = await h.ServerProcess.start(db_url, tmp_path, env=env)
    try:
        proc = await asyncio.create_subprocess_exec(
            node, "walkthrough.mjs", "--url", f"ws://127.0.0.1:{server.port}", "--staff", f"loket_duk:{STAFF_PASSWORD}",
            cwd=JS_DIR, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await asyncio.wait_for(proc.communicate(), 180)
    finally:
        await server.terminate()
    text = out.decode()
    assert proc.returncode == 0, text + server.output()
    assert [line.split(":")[0].removeprefix("PASS ") for line in text.splitlines()] == STEPS, text
