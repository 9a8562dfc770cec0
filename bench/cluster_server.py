"""Several server processes for one measured run (`makaverse bench --processes N`).

They share what a deployment's processes share (docs/deploy.md): a PostgreSQL database, here a
fresh schema of the one at `--db` dropped afterwards, and a Redis, here under a key prefix of the
run's own, deleted afterwards. The first process hosts the building and the auditorium (so it runs
the town hall and, started first, the booth desk); the others host a building of their own.
Each process is started only once the one before it answers (the first migrates and seeds the
schema), and the run begins when every process's instance directory lists them all.

It stands where a single `LocalServer` does in `bench/measure.py`: `url` and `http_url` are the
first process's, `urls`, `http_urls` and `pids` every process's.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid

from .local_server import LocalServer, ServerError, cluster_servers, http_get

__all__ = ["BenchCluster", "DEFAULT_CLUSTER_DB", "DEFAULT_CLUSTER_REDIS", "db_command"]

DEFAULT_CLUSTER_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DEFAULT_CLUSTER_REDIS = "redis://127.0.0.1:6379/0"
DIRECTORY_TIMEOUT_S = 60.0


def db_command(*args: str) -> str:
    """`makaverse db ARGS` (the bench stays clear of the store's code); its stdout."""
    done = subprocess.run([sys.executable, "-m", "makaverse", "db", *args], capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise ServerError(f"makaverse db {args[0]}: {done.stderr.strip()[-300:]}")
    return done.stdout.strip()


class BenchCluster:
    def __init__(
        self,
        count: int,
        *,
        db_url: str = DEFAULT_CLUSTER_DB,
        redis_url: str = DEFAULT_CLUSTER_REDIS,
        extra_args: tuple[str, ...] = (),
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.count = count
        self.base_db_url = db_url
        self.redis_url = redis_url
        self.extra_args = extra_args
        self.extra_env = dict(extra_env or {})
        self.prefix = f"makaverse-bench-{uuid.uuid4().hex[:10]}:"
        self.schema = ""
        self.db_url = ""
        self.servers: list[LocalServer] = []

    # ── the LocalServer surface measure.py uses ───────────────────────────────
    @property
    def url(self) -> str:
        return self.servers[0].url

    @property
    def http_url(self) -> str:
        return self.servers[0].http_url

    @property
    def pid(self) -> int:
        return self.servers[0].pid

    @property
    def urls(self) -> tuple[str, ...]:
        return tuple(s.url for s in self.servers)

    @property
    def http_urls(self) -> tuple[str, ...]:
        return tuple(s.http_url for s in self.servers)

    @property
    def pids(self) -> list[int]:
        return [s.pid for s in self.servers]

    def start(self) -> None:
        self._check_redis()
        self.schema = f"mkv_bench_{uuid.uuid4().hex[:12]}"
        self.db_url = db_command("create-schema", self.schema, "--db", self.base_db_url)
        self.servers = cluster_servers(self.count, db_url=self.db_url, redis_url=self.redis_url, prefix=self.prefix,
                                       extra_args=self.extra_args, extra_env=self.extra_env)
        for server in self.servers:  # one after the other: the first migrates and seeds the schema
            server.start()
        self._wait_directory()

    def _check_redis(self) -> None:
        import redis

        client = redis.Redis.from_url(self.redis_url, socket_connect_timeout=3, socket_timeout=3)
        try:
            client.ping()
        except Exception as exc:
            raise ServerError(f"--processes needs Redis: {self.redis_url} does not answer ({type(exc).__name__}); "
                              "give --redis URL") from None
        finally:
            client.close()

    def _wait_directory(self) -> None:
        """Until every process's instance directory lists all of them."""
        deadline = time.monotonic() + DIRECTORY_TIMEOUT_S
        while True:
            listed = []
            for server in self.servers:
                try:
                    health = json.loads(http_get(server.http_url + "/healthz"))
                    listed.append(len(health.get("directory", [])))
                except (OSError, ValueError):
                    listed.append(0)
            if all(n >= self.count for n in listed):
                return
            if time.monotonic() > deadline:
                raise ServerError(f"the processes never all saw each other in the instance directory ({listed})")
            time.sleep(0.25)

    def stop(self, timeout_s: float = 10.0) -> tuple[int | None, float | None]:
        """Every process, last first; (the first non-zero exit code, else 0 (None if one had to be killed), None)."""
        codes = [s.stop(timeout_s)[0] for s in reversed(self.servers)]
        bad = [c for c in codes if c not in (0, None)]
        return (bad[0] if bad else (None if None in codes else 0)), None

    def log_tail(self, lines: int = 20) -> str:
        return "\n".join(f"[process {i + 1}] {s.log_tail(lines)}" for i, s in enumerate(self.servers))

    def cleanup(self) -> None:
        for server in self.servers:
            server.cleanup()
        if self.schema:
            try:
                db_command("drop-schema", self.schema, "--db", self.base_db_url)
            except (ServerError, OSError, subprocess.TimeoutExpired) as exc:
                print(f"[bench] could not drop schema {self.schema}: {exc}", file=sys.stderr)
            self.schema = ""
        try:
            import redis

            client = redis.Redis.from_url(self.redis_url, socket_connect_timeout=3, socket_timeout=3)
            keys = list(client.scan_iter(match=f"{self.prefix}*", count=500))
            if keys:
                client.delete(*keys)
            client.close()
        except Exception as exc:  # a leftover prefix costs a few keys, nothing more
            print(f"[bench] could not delete the Redis keys under {self.prefix}: {exc}", file=sys.stderr)
