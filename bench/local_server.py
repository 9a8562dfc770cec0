"""A Makaverse server in a subprocess, for benchmarks and smoke tests: start it on a free port,
wait until it is healthy, read its metrics, watch its CPU and memory, stop it with SIGTERM."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import psutil

__all__ = ["ServerError", "LocalServer", "cluster_servers", "http_get", "parse_metrics", "Sample", "ServerWatch"]

BENCH_MAX_CLIENTS_PER_ADDRESS = 100_000  # bots all come from 127.0.0.1
_LISTENING = re.compile(r"listening on (ws://\S+)")
_METRIC_LINE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)")


class ServerError(RuntimeError):
    """The server did not start, did not become healthy, or did not stop."""


def parse_metrics(text: str) -> dict[str, float]:
    """Prometheus text to `{"name{labels}": value}` (labels exactly as written), comments skipped."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _METRIC_LINE.match(line)
        if m:
            try:
                out[m.group(1) + (m.group(2) or "")] = float(m.group(3))
            except ValueError:
                continue
    return out


def http_get(url: str, *, timeout_s: float = 5.0) -> bytes:
    """The body of a 200 answer (anything else raises OSError or ValueError)."""
    with urllib.request.urlopen(url, timeout=timeout_s) as resp:
        if resp.status != 200:
            raise ValueError(f"HTTP {resp.status} from {url}")
        return resp.read()


def cluster_servers(
    count: int,
    *,
    db_url: str,
    redis_url: str,
    prefix: str = "makaverse-bench:",
    instances: list[str] | None = None,
    **options,
) -> list[LocalServer]:
    """`count` server processes sharing one database (PostgreSQL) and one Redis, each in the
    instance directory under `prefix` with its own public URL; not started yet. Start them one
    after the other (the first migrates and seeds the database). `instances[i]` is what the i-th
    hosts (default: the first the building and the auditorium, the others the building)."""
    servers = []
    extra_env = options.pop("extra_env", None) or {}
    for i in range(count):
        hosted = instances[i] if instances else ("building,auditorium" if i == 0 else "building")
        env = {
            "MAKAVERSE_REDIS_URL": redis_url,
            "MAKAVERSE_REDIS_PREFIX": prefix,
            "MAKAVERSE_PUBLIC_URL": "ws://127.0.0.1:{port}/",
            "MAKAVERSE_PROCESS_ID": f"bench-{i + 1}",
            "MAKAVERSE_INSTANCES": hosted,
            **extra_env,
        }
        servers.append(LocalServer(db_url=db_url, extra_env=env, **options))
    return servers


class LocalServer:
    """`python -m makaverse serve --port 0` with a throwaway SQLite file; a context manager."""

    def __init__(
        self,
        *,
        tick_hz: int | None = None,
        snapshot_hz: int | None = None,
        extra_args: tuple[str, ...] = (),
        extra_env: dict[str, str] | None = None,
        python: str = sys.executable,
        start_timeout_s: float = 30.0,
        db_url: str = "",
    ) -> None:
        self._db_url = db_url  # empty: a throwaway SQLite file in the server's temporary folder
        self.tick_hz = tick_hz
        self.snapshot_hz = snapshot_hz
        self.extra_args = extra_args
        self.extra_env = dict(extra_env or {})
        self.python = python
        self.start_timeout_s = start_timeout_s
        self.proc: subprocess.Popen | None = None
        self.url = ""
        self.http_url = ""
        self._tmp: tempfile.TemporaryDirectory | None = None
        self._stderr: BinaryIO | None = None
        self._listening = threading.Event()
        self._stdout_lines: list[str] = []

    @property
    def db_url(self) -> str:
        """The database the server runs on (once started, for the throwaway SQLite file)."""
        if self._db_url or self._tmp is None:
            return self._db_url
        return f"sqlite:///{Path(self._tmp.name) / 'bench.db'}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def log_path(self) -> Path:
        assert self._tmp is not None
        return Path(self._tmp.name) / "server.log"

    def command(self) -> list[str]:
        assert self._tmp is not None
        cmd = [self.python, "-m", "makaverse", "serve", "--port", "0", "--db", self.db_url]
        if self.tick_hz is not None:
            cmd += ["--tick-hz", str(self.tick_hz)]
        if self.snapshot_hz is not None:
            cmd += ["--snapshot-hz", str(self.snapshot_hz)]
        return cmd + list(self.extra_args)

    def start(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="makaverse-bench-")
        # The server logs a line per connection: a file, never a pipe nobody drains.
        self._stderr = open(self.log_path, "wb")
        # Every bot connects from this machine's one address: lift the per-address cap for them.
        env = {**os.environ, "MAKAVERSE_MAX_CLIENTS_PER_ADDRESS": str(BENCH_MAX_CLIENTS_PER_ADDRESS), **self.extra_env}
        self.proc = subprocess.Popen(
            self.command(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._stderr, text=True, env=env
        )
        threading.Thread(target=self._read_stdout, name="server-stdout", daemon=True).start()
        # The address line is normally the first, but a fresh database may print other lines before it.
        if not self._listening.wait(self.start_timeout_s) or not self.url:
            self.stop()
            raise ServerError(f"the server printed no address in {self.start_timeout_s:g} s:\n{self.log_tail()}")
        self.http_url = "http://" + self.url.removeprefix("ws://")
        self.wait_healthy()

    def _read_stdout(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            if not self.url:
                m = _LISTENING.search(line)
                if m:
                    self.url = m.group(1).rstrip("/")
                    self._listening.set()
                    continue
            # Other lines may hold secrets (a seeded admin password): counted, never printed.
            self._stdout_lines.append(line)
        self._listening.set()  # the server exited: stop waiting

    def wait_healthy(self) -> dict:
        deadline = time.monotonic() + self.start_timeout_s
        while True:
            try:
                return self.health()
            except (OSError, ValueError):
                if time.monotonic() > deadline or (self.proc is not None and self.proc.poll() is not None):
                    self.stop()
                    raise ServerError(f"the server never became healthy:\n{self.log_tail()}") from None
                time.sleep(0.1)

    def _get(self, path: str, timeout_s: float = 5.0) -> bytes:
        return http_get(self.http_url + path, timeout_s=timeout_s)

    def health(self) -> dict:
        return json.loads(self._get("/healthz"))

    def metrics(self) -> dict[str, float]:
        return parse_metrics(self._get("/metrics").decode("utf-8", "replace"))

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text("utf-8", "replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout_s: float = 5.0) -> tuple[int | None, float | None]:
        """SIGTERM, then wait; returns (exit code, seconds to exit), or (None, None) if it had to be killed."""
        result: tuple[int | None, float | None] = (None, None)
        if self.proc is not None:
            if self.proc.poll() is not None:
                result = (self.proc.returncode, 0.0)
            else:
                started = time.monotonic()
                self.proc.send_signal(signal.SIGTERM)
                try:
                    code = self.proc.wait(timeout_s)
                    result = (code, time.monotonic() - started)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            if self.proc.stdout is not None:
                self.proc.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        return result

    def cleanup(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> LocalServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
        self.cleanup()


@dataclass(frozen=True, slots=True)
class Sample:
    t: float  # Unix time
    cpu_s: float  # the server's user + system CPU seconds so far
    rss: int
    machine_cpu_percent: float  # all CPUs, since the previous sample
    metrics: dict[str, float]
    main_cpu_s: float | None = None  # the server's own process alone (without its gateways)


class ServerWatch:
    """Samples the server's CPU, memory and metrics about once a second, on a thread."""

    def __init__(self, server: LocalServer, *, every_s: float = 1.0) -> None:
        self.server = server
        self.every_s = every_s
        self.samples: list[Sample] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="server-watch", daemon=True)
        self._proc = psutil.Process(server.pid)
        self._last_cpu: dict[int, float] = {}
        self._seen: set[int] = set()
        self.processes = 1
        self.main_cpu_s = 0.0

    def start(self) -> None:
        psutil.cpu_percent(None)  # prime the machine-wide counter
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5.0)

    def _cpu_and_rss(self) -> tuple[float, int]:
        """The server's CPU seconds and memory with its gateway processes' (`serve --gateways N`).

        A child's CPU stays counted after it exits (its last reading is kept), so a gateway that
        restarts mid-run does not make the total go down."""
        cpu = 0.0
        rss = 0
        for proc in [self._proc, *self._children()]:
            try:
                times = proc.cpu_times()
                used = times.user + times.system
                rss += proc.memory_info().rss
            except psutil.Error:
                used = self._last_cpu.get(proc.pid, 0.0)
                if proc is self._proc:
                    raise
            self._last_cpu[proc.pid] = used
        self.main_cpu_s = self._last_cpu[self._proc.pid]
        gone = sum(v for pid, v in self._last_cpu.items() if pid not in self._seen)
        self.processes = max(self.processes, len(self._seen))
        return cpu + sum(self._last_cpu[pid] for pid in self._seen) + gone, rss

    def _children(self) -> list[psutil.Process]:
        try:
            children = self._proc.children(recursive=True)
        except psutil.Error:
            children = []
        self._seen = {self._proc.pid, *(c.pid for c in children)}
        return children

    def sample(self) -> Sample | None:
        try:
            cpu_s, rss = self._cpu_and_rss()
            metrics = self.server.metrics()
        except (psutil.Error, OSError, ValueError):
            return None
        s = Sample(time.time(), cpu_s, rss, psutil.cpu_percent(None), metrics, self.main_cpu_s)
        self.samples.append(s)
        return s

    def _run(self) -> None:
        while True:
            self.sample()
            if self._stop.wait(self.every_s):
                return
