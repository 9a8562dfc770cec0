"""The split install: the desktop app's URL, and the server's commands naming the extra they need."""

from __future__ import annotations

import importlib.util

from makaverse.client.cli import DEFAULT_URL
from makaverse.client.desktop import URL_ENV, parse_args
from makaverse.server import cli as server_cli


def test_app_url_precedence():
    """--url beats MAKAVERSE_URL, which beats the URL fixed at build time."""
    built = "wss://makaverse.example.id"
    assert parse_args([], built_url=built, environ={}).url == built
    assert parse_args([], built_url=built, environ={URL_ENV: "ws://10.0.0.2:8765"}).url == "ws://10.0.0.2:8765"
    assert parse_args(["--url", "ws://h:1"], built_url=built, environ={URL_ENV: "ws://x:2"}).url == "ws://h:1"
    assert parse_args([], built_url=DEFAULT_URL, environ={}).url == DEFAULT_URL


def test_serve_without_the_server_extra_says_which_to_install(monkeypatch, capsys):
    """With SQLAlchemy and friends missing, `serve` exits 2 and names the `server` extra."""
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name in ("sqlalchemy", "argon2") else real(name, *a))
    assert server_cli.missing_server_modules() == ["sqlalchemy", "argon2"]
    assert server_cli.require_server_extra("serve") is False
    err = capsys.readouterr().err
    assert "makaverse[server]" in err and "sqlalchemy" in err


def test_full_install_has_the_server_extra():
    """In the development install every server dependency is present."""
    assert server_cli.missing_server_modules() == []


def test_building_the_command_line_loads_no_database_library():
    """Every `makaverse` command builds the whole parser (the client's `shot` and `client` too): the
    `db` and `admin` commands load SQLAlchemy, Alembic and argon2 only when one of them runs."""
    import subprocess
    import sys

    probe = ("import sys; from makaverse.__main__ import build_parser; build_parser(); "
             "print(sorted(m for m in ('sqlalchemy', 'alembic', 'argon2') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr
