"""Helpers for client tests: a real server on port 0 in a subprocess, the client run offscreen
in its own process (Panda3D's ShowBase is process-global), and pixel checks on what it wrote."""

from __future__ import annotations

import json
import os
import re
import select
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHOTS_ENV = "MAKAVERSE_TEST_SHOTS"  # set to a folder to keep the screenshots for a look



def stop_process(proc: subprocess.Popen, wait_s: float = 20.0) -> None:
    """Ask a child process to end (SIGTERM), then kill it if it has not within `wait_s`."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(wait_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)

@dataclass
class Server:
    proc: subprocess.Popen
    port: int

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def stop(self) -> None:
        stop_process(self.proc, wait_s=10)


def start_server(db_dir: Path, port: int = 0, timeout_s: float = 30.0) -> Server:
    """`makaverse serve`; the line "... listening on ws://HOST:PORT" names the port."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "makaverse", "serve", "--port", str(port), "--db", f"sqlite:///{db_dir}/t.db",
         "--log-format", "text"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=REPO,
    )
    found: list[int] = []

    def read() -> None:
        # Read until the listening line (a fresh database may print other lines first), then
        # keep draining so the server never blocks on a full pipe.
        for line in proc.stdout:
            match = re.search(r"listening on ws://[\w.\-]+:(\d+)", line)
            if match and not found:
                found.append(int(match.group(1)))
                ready.set()

    ready = threading.Event()
    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(timeout_s):
        proc.kill()
        raise RuntimeError("the server did not start")
    return Server(proc, found[0])


def makaverse_command(*args: str, env: dict[str, str] | None = None) -> str:
    """`makaverse ARGS` (an operator's `db` or `admin` command) run in this process with `env` set
    meanwhile: the same parser and code as from a shell, without a new interpreter loading the
    store and Alembic for each command (~1.5 s apiece). Returns what it printed; fails on an error."""
    import contextlib
    import io

    from makaverse.__main__ import main

    out, err = io.StringIO(), io.StringIO()
    saved = {name: os.environ.get(name) for name in env or {}}
    os.environ.update(env or {})
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    assert code == 0, f"makaverse {' '.join(args)}: exit {code}\n{out.getvalue()}{err.getvalue()}"
    return out.getvalue()


def start_seeded_server(folder: Path, users: list[tuple[str, str, str]], password: str) -> Server:
    """`makaverse db seed`, then `admin create-user` for each (username, role, opd or ""), then the
    server, all with cheap password hashing (MAKAVERSE_TEST_MODE=1)."""
    url = f"sqlite:///{folder}/t.db"
    env = {"MAKAVERSE_TEST_MODE": "1"}
    makaverse_command("db", "seed", "--db", url, env=env)
    for username, role, opd in users:
        makaverse_command("admin", "create-user", "--db", url, "--username", username, "--role", role,
                          "--password", password, *(["--opd", opd] if opd else []), env=env)
    old = os.environ.get("MAKAVERSE_TEST_MODE")
    os.environ["MAKAVERSE_TEST_MODE"] = "1"
    try:
        return start_server(folder)
    finally:
        if old is None:
            os.environ.pop("MAKAVERSE_TEST_MODE")
        else:
            os.environ["MAKAVERSE_TEST_MODE"] = old


def health(server: Server) -> dict:
    """The server's /healthz: how many clients are connected ("clients"), in the world ("avatars")."""
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/healthz", timeout=10) as reply:
        return json.loads(reply.read())


def wait_until(check, timeout_s: float, every_s: float = 1.0, then=None) -> bool:
    """Poll `check()` until true or `timeout_s` is up (a hang guard, not a speed requirement);
    `then()` runs between tries (a key to press again). Returns the last `check()`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return True
        if then is not None:
            then()
        time.sleep(every_s)
    return check()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class ClientRun:
    returncode: int
    summary: dict
    stderr: str


def client_args(url: str, *extra: str, command: str = "shot", offscreen: bool = True) -> list[str]:
    """The client offscreen: by default scripted (`makaverse shot`: walks, chat and booth actions,
    a summary of where things are in the picture); `command="client"` is the shipped client.
    `offscreen=False` opens a real window (give it a display: `X11Display.env`)."""
    return [sys.executable, "-m", "makaverse", command, "--url", url, *(["--offscreen"] if offscreen else []), *extra]


def run_client(url: str, png: Path, *extra: str, timeout_s: float = 240.0, command: str = "shot",
               offscreen: bool = True, env: dict[str, str] | None = None) -> ClientRun:
    """Run the client to a screenshot (offscreen by default); returns its exit code and JSON summary."""
    proc = subprocess.run(
        client_args(url, "--screenshot", str(png), *extra, command=command, offscreen=offscreen),
        capture_output=True, text=True, timeout=timeout_s, cwd=REPO, env=env,
    )
    summary = {}
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("{"):
            summary = json.loads(line)
            break
    return ClientRun(proc.returncode, summary, proc.stderr)


def start_client(url: str, png: Path, *extra: str, **kw) -> Future[ClientRun]:
    """`run_client` begun in a thread of its own: its walk overlaps whatever the test does next (a
    speaker's walk, another picture); `.result()` is the run's outcome, or its exception."""
    done: Future[ClientRun] = Future()

    def run() -> None:
        try:
            done.set_result(run_client(url, png, *extra, **kw))
        except BaseException as exc:  # noqa: BLE001 - handed to the test by .result()
            done.set_exception(exc)

    threading.Thread(target=run, daemon=True).start()
    return done


# ── a display for OpenGL ─────────────────────────────────────────────────────
@dataclass
class X11Display:
    """An Xvfb server: OpenGL windows on Mesa (llvmpipe), as on a desktop without a GPU."""

    proc: subprocess.Popen
    name: str

    def env(self) -> dict[str, str]:
        return {**os.environ, "DISPLAY": self.name}

    def stop(self) -> None:
        stop_process(self.proc, wait_s=10)


def start_xvfb(size: tuple[int, int] = (1280, 720), timeout_s: float = 20.0) -> X11Display:
    """Xvfb on the first free display number (`-displayfd` says which it took)."""
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{size[0]}x{size[1]}x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    # Xvfb writes the number, then a newline, once it listens; it dies if the pipe closes between.
    got, deadline = b"", time.monotonic() + timeout_s
    while not got.endswith(b"\n") and time.monotonic() < deadline:
        ready, _, _ = select.select([read_fd], [], [], max(0.0, deadline - time.monotonic()))
        chunk = os.read(read_fd, 16) if ready else b""
        if not chunk:
            break
        got += chunk
    os.close(read_fd)
    number = got.decode().strip() if got.endswith(b"\n") else ""
    if not number:
        proc.kill()
        raise RuntimeError("Xvfb did not start")
    return X11Display(proc, f":{number}")


def client_window(x11: X11Display, proc: subprocess.Popen, timeout_s: float = 90.0) -> str:
    """The client's window id (xdotool's), once it is mapped."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[1][-2000:]
        found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "Makaverse"], env=x11.env(),
                               capture_output=True, text=True, timeout=30)
        if found.stdout.split():
            return found.stdout.split()[0]
        time.sleep(0.5)
    raise AssertionError("the client's window never appeared")


# ── pixels ───────────────────────────────────────────────────────────────────
def load_rgb(path: Path):
    """The PNG as a (height, width, 3) uint8 array, read with Panda3D's PNMImage (via an in-memory PPM)."""
    import numpy as np
    from panda3d.core import Filename, PNMImage, StringStream

    img = PNMImage()
    assert img.read(Filename.from_os_specific(str(path))), path
    img.remove_alpha()
    stream = StringStream()
    assert img.write(stream, "image.ppm")
    data = stream.get_data()
    # P6 header: magic, width, height, maxval, each followed by one whitespace byte.
    fields, pos = [], 0
    while len(fields) < 4:
        end = pos
        while data[end:end + 1].isspace():
            end += 1
        start = end
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[start:end])
        pos = end
    w, h = int(fields[1]), int(fields[2])
    return np.frombuffer(data, dtype=np.uint8, count=w * h * 3, offset=pos + 1).reshape(h, w, 3)


def hex_rgb(text: str) -> tuple[int, int, int]:
    h = text.lstrip("#")
    return (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16))


def colour_fraction(rgb, box: tuple[int, int, int, int], target: tuple[int, int, int], *, chroma_tol: float = 0.05,
                    min_gain: float = 0.5, max_gain: float = 1.6) -> float:
    """Share of pixels in box (x0, y0, x1, y1) showing `target` under some light: same chromaticity
    (r:g:b proportions) within `chroma_tol`, brightness between `min_gain` and `max_gain` times the target's."""
    import numpy as np

    x0, y0, x1, y1 = box
    h, w, _ = rgb.shape
    region = rgb[max(0, y0):min(h, y1), max(0, x0):min(w, x1)].reshape(-1, 3).astype(np.float64)
    if len(region) == 0:
        return 0.0
    t = np.array(target, dtype=np.float64)
    s = region.sum(axis=1)
    chroma = region / np.maximum(s, 1.0)[:, None]
    t_chroma = t / max(t.sum(), 1.0)
    close = np.abs(chroma - t_chroma).max(axis=1) <= chroma_tol
    gain = s / max(t.sum(), 1.0)
    return float((close & (gain >= min_gain) & (gain <= max_gain)).mean())
