"""A token bucket: `rate_per_s` tokens a second up to `burst`; time is passed in.

The rule by which the server meters a peer (README: 60 messages a second, bursts of 120) and
chat meters a speaker. It lives in `protocol` (stdlib only) because both the transport and the
chat service use it, and a client may pace itself with the same bucket.
"""

from __future__ import annotations

__all__ = ["TokenBucket", "MSG_RATE_PER_S", "MSG_BURST"]

# Each connection's message limit by default (README, Close codes: 4002); a server may set others.
MSG_RATE_PER_S = 60.0
MSG_BURST = 120


class TokenBucket:
    def __init__(self, *, rate_per_s: float, burst: float, now_s: float) -> None:
        if rate_per_s <= 0 or burst < 1:
            raise ValueError("rate_per_s must be > 0 and burst >= 1")
        self.rate_per_s = rate_per_s
        self.burst = burst
        self.tokens = float(burst)
        self.updated_s = now_s

    def take(self, now_s: float, cost: float = 1.0) -> bool:
        """Spend `cost` tokens if there are enough; False means: over the limit, refuse."""
        elapsed = max(0.0, now_s - self.updated_s)
        self.updated_s = now_s
        self.tokens = min(self.burst, self.tokens + elapsed * self.rate_per_s)
        if self.tokens >= cost:
            self.tokens -= cost
            return True
        return False

    def retry_after_s(self, cost: float = 1.0) -> float:
        return max(0.0, (cost - self.tokens) / self.rate_per_s)
