"""The `soak` scenario and `makaverse bench --scenario soak --minutes N`: a long run that looks
for leaks rather than speed.

Bots log in (once; later visits resume with their token), tour the building, talk, submit a
service request every so often (a few sent twice with the same client request id, as after a
lost reply), and leave and come back every half minute or so. Every minute (`--report-every`)
the run prints the server's resident memory, open descriptors, event-loop lag p99 and tick p99,
read from its own `/metrics`; at the end it says whether memory and descriptors stayed flat
after the warm-up (`soak_verdict`, pure, on the samples).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TextIO

import numpy as np

from makaverse.protocol import BoothInfo, BoothInfoGet, Error, Login, Register, RequestSubmitted, SubmitRequest
from makaverse.protocol.messages import Message

from .chatty import Chatty
from .queue import CITIZEN_PASSWORD, _authenticate, _fill, queue_opds, username_for
from .scenarios import ScenarioContext, register_scenario

__all__ = [
    "Soak",
    "SoakSample",
    "SoakVerdict",
    "sample_from_metrics",
    "soak_verdict",
    "format_sample",
    "run_soak",
    "run_soak_cli",
]

TEST_MODE_ENV = "MAKAVERSE_TEST_MODE"  # the server's switch for cheap password hashing
SUBMIT_EVERY_S = (15.0, 40.0)
FIRST_SUBMIT_S = (1.0, 6.0)  # after entering: most visits submit something, however short
RETRY_SHARE = 0.2
_MB = 1024 * 1024


# ── the bots ─────────────────────────────────────────────────────────────────

_TOKENS: dict[str, str] = {}  # bot name -> session token, per bot process: later visits resume with it
# Client request ids must be unique per account across visits (a bot's name lives in one process).
_SUBMISSIONS = itertools.count(1)


@register_scenario("soak")
class Soak(Chatty):
    """Chatty's walking and talking, plus service requests, as a logged-in citizen."""

    @classmethod
    async def authenticate(cls, ws, plan) -> str:
        token = _TOKENS.get(plan.name)
        if token:
            return token
        username = username_for(plan.name)
        token = await _authenticate(
            ws,
            [
                Register(request_id=1, username=username, password=CITIZEN_PASSWORD, display_name=plan.name),
                Login(request_id=2, username=username, password=CITIZEN_PASSWORD),
            ],
        )
        _TOKENS[plan.name] = token
        return token

    def __init__(self, ctx: ScenarioContext) -> None:
        super().__init__(ctx)
        self.username = username_for(ctx.welcome.name)
        self.opd = self.rng.choice(queue_opds(ctx.world)).opd
        self.services: list[dict] | None = None
        self.next_submit_at: float | None = None
        self.pending: dict[int, str] = {}  # request id -> client request id (or "info")
        self.tracking: dict[str, str] = {}  # client request id -> tracking number

    def _rid(self) -> int:
        self.request_id += 1  # shared with Chatty's lines: one sequence per connection
        return self.request_id

    def outgoing(self, now_s: float) -> list[Message]:
        out = super().outgoing(now_s)
        if self.services is None and "info" not in self.pending.values():
            rid = self._rid()
            self.pending[rid] = "info"
            out.append(BoothInfoGet(request_id=rid, opd=self.opd))
        if self.next_submit_at is None:
            self.next_submit_at = now_s + self.rng.uniform(*FIRST_SUBMIT_S)
        if self.services and now_s >= self.next_submit_at:
            self.next_submit_at = now_s + self.rng.uniform(*SUBMIT_EVERY_S)
            out += self._submission()
        return out

    def _submission(self) -> list[Message]:
        assert self.services  # asked for only once the booth's services are known
        service = self.rng.choice(self.services)
        crid = f"{self.username}-{next(_SUBMISSIONS)}"
        msg = SubmitRequest(
            request_id=self._rid(),
            client_request_id=crid,
            opd=self.opd,
            service=service["code"],
            fields=_fill(service["fields"], self.rng),
            note="Dikirim oleh bot uji tahan.",
        )
        self.pending[msg.request_id] = crid
        self.counters["requests_sent"] += 1
        out: list[Message] = [msg]
        if self.rng.random() < RETRY_SHARE:
            again = SubmitRequest(
                request_id=self._rid(),
                client_request_id=crid,
                opd=msg.opd,
                service=msg.service,
                fields=dict(msg.fields),
                note=msg.note,
            )
            self.pending[again.request_id] = crid
            self.counters["requests_retried"] += 1
            out.append(again)
        return out

    def on_message(self, msg: Message, now_s: float) -> None:
        super().on_message(msg, now_s)
        if isinstance(msg, Error):
            if self.pending.pop(msg.ref, None) is not None:
                self.counters[f"request_error_{msg.code}"] += 1
            return
        what = self.pending.pop(getattr(msg, "request_id", 0), None)
        if isinstance(msg, BoothInfo) and what == "info":
            self.services = [s for s in msg.services if s["fields"] is not None]
        elif isinstance(msg, RequestSubmitted) and what:
            first = self.tracking.setdefault(what, msg.tracking)
            if first != msg.tracking:
                self.counters["retries_other_tracking"] += 1  # must never happen
            elif msg.duplicate:
                self.counters["retries_same_tracking"] += 1
            else:
                self.counters["requests_submitted"] += 1


# ── samples and the verdict (pure) ───────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class SoakSample:
    """The server's state at one moment of the run, from its /metrics."""

    t_s: float  # since the bots started
    rss_mb: float
    fds: int
    clients: int
    loop_lag_p99_ms: float | None
    tick_p99_ms: float | None


def _ms(value: float | None) -> float | None:
    return None if value is None else round(1000.0 * value, 2)


def sample_from_metrics(metrics: dict[str, float], t_s: float) -> SoakSample:
    """A sample from parsed /metrics (`bench.local_server.parse_metrics`)."""
    return SoakSample(
        t_s=round(t_s, 1),
        rss_mb=round(metrics.get("process_resident_memory_bytes", 0.0) / _MB, 1),
        fds=int(metrics.get("process_open_fds", 0)),
        clients=int(metrics.get("makaverse_connected_clients", 0)),
        loop_lag_p99_ms=_ms(metrics.get('makaverse_loop_lag_recent_seconds{quantile="0.99"}')),
        tick_p99_ms=_ms(metrics.get('makaverse_tick_recent_seconds{quantile="0.99"}')),
    )


def format_sample(s: SoakSample) -> str:
    def f(v: float | None) -> str:
        return "-" if v is None else f"{v:.1f}"

    minutes, seconds = divmod(int(round(s.t_s)), 60)
    return (
        f"[soak] t={minutes:3d}:{seconds:02d}  RSS {s.rss_mb:6.1f} MB  fds {s.fds:4d}  clients {s.clients:4d}"
        f"  loop lag p99 {f(s.loop_lag_p99_ms)} ms  tick p99 {f(s.tick_p99_ms)} ms"
    )


@dataclass(frozen=True, slots=True)
class SoakVerdict:
    samples: int  # after the warm-up
    rss_growth_mb: float  # the least-squares trend over the samples after the warm-up
    rss_limit_mb: float
    fds_growth: float  # the same for descriptors that are not client sockets
    fd_limit: int
    memory_flat: bool
    fds_flat: bool

    @property
    def flat(self) -> bool:
        return self.memory_flat and self.fds_flat

    def text(self) -> str:
        if self.samples < 3:
            return f"[soak] verdict: too few samples after the warm-up ({self.samples}) to judge"
        mem = "flat" if self.memory_flat else "GROWING"
        fds = "flat" if self.fds_flat else "GROWING"
        return (
            f"[soak] verdict: memory {mem} ({self.rss_growth_mb:+.1f} MB after the warm-up, limit "
            f"{self.rss_limit_mb:.1f}); descriptors {fds} ({self.fds_growth:+.1f} beyond client sockets, "
            f"limit {self.fd_limit})"
        )


def _trend(t: np.ndarray, values: np.ndarray) -> float:
    """How much a least-squares line through the values rises over the span of `t`."""
    span = float(np.ptp(t))
    return float(np.polyfit(t - t[0], values, 1)[0]) * span if span > 0 else 0.0


def soak_verdict(
    samples: list[SoakSample], *, warmup_s: float, rss_slack_mb: float = 8.0, rss_slack_share: float = 0.05,
    fd_slack: int = 8,
) -> SoakVerdict:
    """Flat after warm-up: the trend of RSS over the rest of the run rises by no more than
    `max(rss_slack_mb, rss_slack_share * RSS)`, and the trend of descriptors beyond the client sockets
    by no more than `fd_slack`. A trend, not first against last: with bots reconnecting, any one
    sample may catch sockets mid-handshake or mid-close."""
    after = [s for s in samples if s.t_s >= warmup_s]
    if len(after) < 3:
        return SoakVerdict(len(after), 0.0, rss_slack_mb, 0.0, fd_slack, False, False)
    t = np.array([s.t_s for s in after], dtype=np.float64)
    rss = np.array([s.rss_mb for s in after], dtype=np.float64)
    other_fds = np.array([s.fds - s.clients for s in after], dtype=np.float64)
    rss_growth, fds_growth = _trend(t, rss), _trend(t, other_fds)
    limit = max(rss_slack_mb, rss_slack_share * float(rss[0]))
    return SoakVerdict(
        samples=len(after),
        rss_growth_mb=round(rss_growth, 2),
        rss_limit_mb=round(limit, 1),
        fds_growth=round(fds_growth, 1),
        fd_limit=fd_slack,
        memory_flat=rss_growth <= limit,
        fds_flat=fds_growth <= fd_slack,
    )


# ── the run ──────────────────────────────────────────────────────────────────


def _visit_s(duration_s: float) -> tuple[float, float]:
    """How long one visit lasts: about half a minute, shorter in a short run so every bot comes back."""
    longest = min(45.0, max(4.0, duration_s / 3))
    return (longest / 2, longest)


class _Sampler:
    """Samples the server's /metrics every `sample_s` on a thread and prints one every `report_s`."""

    def __init__(self, server, *, sample_s: float, report_s: float, out: TextIO) -> None:
        self.server = server
        self.sample_s = sample_s
        self.report_s = report_s
        self.out = out
        self.samples: list[SoakSample] = []
        self.t0 = time.time()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="soak-sampler", daemon=True)

    def start(self, t0: float) -> None:
        self.t0 = t0
        self._thread.start()

    def take(self) -> SoakSample | None:
        try:
            sample = sample_from_metrics(self.server.metrics(), time.time() - self.t0)
        except (OSError, ValueError):
            return None
        self.samples.append(sample)
        return sample

    def _run(self) -> None:
        next_report = self.t0 + self.report_s
        while not self._stop.wait(max(0.0, self.sample_s - (time.time() - self.t0) % self.sample_s)):
            sample = self.take()
            if sample is not None and time.time() >= next_report - self.sample_s / 2:
                next_report += self.report_s
                print(format_sample(sample), file=self.out, flush=True)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5.0)


def run_soak(
    args: argparse.Namespace, *, log: Callable[[str], None] | None = None, out: TextIO | None = None
) -> tuple[dict, int]:
    """(report, exit code): 0 when the run went well and stayed flat, 3 when it grew, 1 when the run failed."""
    from .bots import RunConfig, run_bots
    from .local_server import LocalServer

    log = log or (lambda text: print(text, file=sys.stderr, flush=True))
    out = out or (sys.stderr if args.json else sys.stdout)
    duration_s = args.minutes * 60.0
    ramp_s = args.ramp if args.ramp is not None else max(2.0, args.count / 25)  # first logins hash passwords
    report_s = args.report_every
    sample_s = min(5.0, max(0.5, duration_s / 30))
    # Cheap hashing: first logins are not what a soak measures, and later visits resume by token.
    server = LocalServer(
        tick_hz=args.tick_hz, snapshot_hz=args.snapshot_hz, extra_env={TEST_MODE_ENV: "1"}
    )
    server.start()
    log(f"[soak] server pid {server.pid} on {server.url}; {args.count} bots for {args.minutes:g} min, "
        f"visits of {_visit_s(duration_s)[0]:.0f}-{_visit_s(duration_s)[1]:.0f} s")
    sampler = _Sampler(server, sample_s=sample_s, report_s=report_s, out=out)
    try:
        sampler.take()  # before any bot: the idle baseline
        sampler.start(time.time())
        config = RunConfig(
            url=server.url,
            count=args.count,
            duration_s=duration_s,
            scenario="soak",
            procs=args.procs,
            ramp_s=ramp_s,
            seed=args.seed,
            progress_s=0.0,
            session_s=_visit_s(duration_s),
        )
        report = run_bots(config, log=log)
        sampler.stop()
        last = sampler.take()
        if last is not None:
            print(format_sample(last) + "  (bots gone)", file=out, flush=True)
    finally:
        sampler.stop()
        exit_code, _stopped_in_s = server.stop(5.0)
        server.cleanup()
    warmup_s = ramp_s + min(60.0, 0.3 * duration_s)
    # Memory and descriptors while bots are in the world; the final sample (bots gone) too.
    run_samples = [s for s in sampler.samples if s.t_s > 0]
    verdict = soak_verdict(run_samples, warmup_s=warmup_s, fd_slack=max(8, args.count // 10))
    print(verdict.text(), file=out, flush=True)
    report["soak"] = {
        "minutes": args.minutes,
        "warmup_s": round(warmup_s, 1),
        "samples": [asdict(s) for s in sampler.samples],
        "verdict": {**asdict(verdict), "flat": verdict.flat},
        "server_exit_code": exit_code,
    }
    failed = report["connect_failures"] > 0 or exit_code != 0
    return report, 1 if failed else (0 if verdict.flat else 3)


def run_soak_cli(args: argparse.Namespace) -> int:
    from .bots import print_report

    if args.minutes <= 0 or args.count < 1 or args.report_every <= 0:
        print("makaverse bench: --minutes, --count and --report-every must be positive", file=sys.stderr)
        return 2
    report, code = run_soak(args)
    if args.json:
        print(json.dumps(report), flush=True)
    else:
        print_report(report, False)
    return code
