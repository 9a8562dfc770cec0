"""Start-up failures of every `makaverse` subcommand end with one clear line on stderr and a
non-zero exit code, never a traceback: the CLI is run as a real subprocess."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

ADMIN_PASSWORD = "balai-kota-admin-1"
DEAD_PG = "postgresql+psycopg://postgres@127.0.0.1:1/nothing"
# Runs the console script's `main` with some modules made impossible to import.
BLOCKED = (
    "import sys\n"
    "for name in sys.argv[1].split(','):\n"
    "    sys.modules[name] = None\n"
    "from makaverse.__main__ import main\n"
    "sys.exit(main(sys.argv[2:]))\n"
)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKAVERSE_")}
    env.update(MAKAVERSE_TEST_MODE="1", MAKAVERSE_ADMIN_PASSWORD=ADMIN_PASSWORD, **extra)
    return env


def _run(*args: str, blocked: str = "", env: dict[str, str] | None = None) -> tuple[int, str]:
    cmd = [sys.executable, "-c", BLOCKED, blocked, *args] if blocked else [sys.executable, "-m", "makaverse", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env or _env(), stdin=subprocess.DEVNULL)
    return done.returncode, done.stderr


def _assert_one_line(code: int, stderr: str, *needles: str) -> None:
    lines = stderr.splitlines()
    assert code != 0, stderr
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.fixture(scope="module")
def seeded_db(tmp_path_factory) -> str:
    """A migrated, seeded SQLite file, so `serve` has nothing to say about the database itself."""
    url = f"sqlite:///{tmp_path_factory.mktemp('startup') / 'm.db'}"
    code, stderr = _run("db", "seed", "--db", url)
    assert code == 0, stderr
    return url


@pytest.fixture
def busy_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    yield sock.getsockname()[1]
    sock.close()


@pytest.mark.parametrize("command", [["serve", "--port", "0"], ["admin", "list-users"], ["db", "upgrade"]],
                         ids=lambda c: c[0])
def test_an_unknown_database_scheme(command):
    """A database URL of an unknown kind is named in one line."""
    _assert_one_line(*_run(*command, "--db", "mongodb://127.0.0.1/x"), "unsupported database 'mongodb'")


def test_a_postgresql_url_without_its_driver_says_which_extra():
    """A PostgreSQL URL whose driver is not installed says to install makaverse[postgres]."""
    _assert_one_line(*_run("serve", "--port", "0", "--db", DEAD_PG, blocked="psycopg"), "pip install 'makaverse[postgres]'")
    _assert_one_line(*_run("admin", "list-users", "--db", "postgresql+pg8000://u@127.0.0.1:1/x"),
                     "pip install 'makaverse[postgres]'")


@pytest.mark.parametrize("command", [["serve", "--port", "0"], ["admin", "list-users"], ["db", "upgrade"]],
                         ids=lambda c: c[0])
def test_a_database_that_does_not_answer(command):
    """A database nobody answers at is one line, for the server and the admin commands alike."""
    _assert_one_line(*_run(*command, "--db", DEAD_PG), "the database does not answer")


def test_a_redis_that_does_not_answer(seeded_db):
    """A Redis URL nobody answers at stops the server with one line."""
    _assert_one_line(*_run("serve", "--port", "0", "--db", seeded_db, "--redis", "redis://127.0.0.1:1/0"),
                     "Redis does not answer")


@pytest.mark.parametrize("command", ["serve", "run"])
def test_a_port_already_in_use(seeded_db, busy_port, command):
    """A port another process listens on is one line, from `serve` and from `run` (whose server says it)."""
    _assert_one_line(*_run(command, "--port", str(busy_port), "--db", seeded_db), "already in use")


@pytest.mark.parametrize("command", ["serve", "run"])
def test_an_unreadable_world_file(seeded_db, tmp_path, command):
    """A world file that is missing or not valid TOML is one line naming the problem."""
    _assert_one_line(*_run(command, "--port", "0", "--db", seeded_db, "--world", str(tmp_path / "none.toml")),
                     "cannot read", "none.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[[floors]\nname = ", encoding="utf-8")
    _assert_one_line(*_run(command, "--port", "0", "--db", seeded_db, "--world", str(broken)), "not valid")


def test_an_unreadable_word_list(seeded_db, tmp_path):
    """A configured word list that can't be read stops the server with one line."""
    missing = tmp_path / "kata.txt"
    code, stderr = _run("serve", "--port", "0", "--db", seeded_db, env=_env(MAKAVERSE_WORDFILTER_FILE=str(missing)))
    _assert_one_line(code, stderr, "cannot read", "kata.txt")


def test_a_setting_that_is_not_a_number_or_out_of_range(seeded_db):
    """A malformed or impossible setting is one line naming it, from the environment or a flag."""
    code, stderr = _run("serve", "--port", "0", "--db", seeded_db, env=_env(MAKAVERSE_TICK_HZ="abc"))
    _assert_one_line(code, stderr, "MAKAVERSE_TICK_HZ", "not a number")
    _assert_one_line(*_run("serve", "--port", "0", "--db", seeded_db, "--tick-hz", "0"), "invalid settings", "tick_hz")


def test_bots_against_a_server_that_does_not_answer():
    """`bots` pointed at nothing says so in one line instead of a report of failures."""
    _assert_one_line(*_run("bots", "--url", "ws://127.0.0.1:1", "--count", "1", "--duration", "1"), "does not answer")


def test_the_client_without_panda3d_says_which_extra():
    """`client` without Panda3D installed says to install makaverse[client]."""
    _assert_one_line(*_run("client", "--offscreen", blocked="panda3d,direct"), "pip install 'makaverse[client]'")


def test_a_bug_still_has_its_traceback():
    """Only known start-up problems are shortened: the mapping answers None for anything else."""
    from makaverse.server.startup_errors import describe

    assert describe(RuntimeError("boom")) is None
    assert describe(KeyError("x")) is None
