"""How fast one network may submit survey answers or guess the leader passcode: token buckets.

Anyone with a round's link may answer, without an account, so nothing but the
network they come from tells one sender from another. Each network gets a
bucket of `policy.SUBMIT_BURST` answers that refills by one every
`policy.SUBMIT_REFILL_SECONDS`; a submission finding the bucket empty is
refused with how long to wait (`too_many_text`). This slows a script that
stuffs a round with made-up answers to a trickle; it cannot stop someone
typing a few answers by hand, which is why a round also never mixes answers
from its link with imported ones (`store.responses`).

In-process and in memory, on purpose: Role Radar serves from one Streamlit
process, the buckets need no table, and a restart merely hands every network
a fresh allowance. Several processes behind a load balancer would each keep
their own buckets, so a network could submit that many times more.

The address is what Streamlit saw (`st.context.ip_address`). Behind a reverse
proxy every respondent has the proxy's address: on the same host Streamlit
reports none, so the page falls back to one bucket per browser session (see
`client_key`); on another host they all share one bucket. Limit the rate in
the proxy then, where the real address is known.

Leader passcode attempts (`SIGN_IN`) spend from two buckets, one per client
address and one for the whole process, before the passcode is even checked
(so a hundred requests sent at once cannot all slip past a bucket that holds
five), and a right passcode gives its attempt back, so a leader is never
slowed by their own sign-ins: a script that guesses from one address gets `SIGN_IN_PER_CLIENT_BURST`
tries and then one every `SIGN_IN_PER_CLIENT_REFILL_SECONDS`, and guesses
spread over many addresses together get no more than one every
`SIGN_IN_OVERALL_REFILL_SECONDS` after the first `SIGN_IN_OVERALL_BURST`. The
sign-in route sees the address of the connection, or, behind a proxy listed in
ASSESSMENT_TRUSTED_PROXIES, the one the proxy forwarded.

Pure: no Streamlit, no database; the clock is passed in, and `clock` is the one
place pages read it, so tests replace it instead of sleeping.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from dataclasses import dataclass, field

from assessment.policy import SUBMIT_BURST, SUBMIT_REFILL_SECONDS
from assessment.vocabulary import plural

__all__ = [
    "SIGN_IN",
    "SIGN_IN_OVERALL_BURST",
    "SIGN_IN_OVERALL_REFILL_SECONDS",
    "SIGN_IN_PER_CLIENT_BURST",
    "SIGN_IN_PER_CLIENT_REFILL_SECONDS",
    "SUBMISSIONS",
    "RateLimiter",
    "SignInLimiter",
    "client_key",
    "clock",
    "too_many_text",
]

MAX_CLIENTS = 10_000
"""Networks remembered at once; a full bucket is forgotten first (it is the same as none)."""


def clock() -> float:
    """Seconds on a monotonic clock; the one place pages read time, so tests can replace it."""
    return time.monotonic()


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class RateLimiter:
    """A token bucket per key: `burst` at once, then one more per `refill_seconds`.

    Thread-safe: Streamlit runs every browser session in its own thread.
    Memory is bounded by `max_clients`; when full, buckets that have refilled
    are dropped (they hold nothing), then the longest unused.
    """

    burst: int
    refill_seconds: float
    max_clients: int = MAX_CLIENTS
    _buckets: dict[str, _Bucket] = field(default_factory=dict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __len__(self) -> int:
        return len(self._buckets)

    def _level(self, bucket: _Bucket, now: float) -> float:
        elapsed = max(0.0, now - bucket.updated)
        return min(float(self.burst), bucket.tokens + elapsed / self.refill_seconds)

    def take(self, key: str, now: float) -> float:
        """Spend one answer of `key`'s allowance: 0 when allowed, else seconds to wait.

        A refused attempt spends nothing, so waiting the time said is enough.
        """
        with self._lock:
            bucket = self._buckets.pop(key, None)  # re-inserted last: dicts keep use order
            level = float(self.burst) if bucket is None else self._level(bucket, now)
            if level >= 1.0:
                self._buckets[key] = _Bucket(level - 1.0, now)
                self._prune(now)
                return 0.0
            self._buckets[key] = _Bucket(level, now)
            return (1.0 - level) * self.refill_seconds

    def refund(self, key: str, now: float) -> None:
        """Give back one spent unit of `key`'s allowance (an attempt that turned out fine)."""
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is not None:
                self._buckets[key] = _Bucket(
                    min(float(self.burst), self._level(bucket, now) + 1), now
                )

    def wait(self, key: str, now: float) -> float:
        """Seconds until `key` may spend one (0: now), without spending anything."""
        with self._lock:
            bucket = self._buckets.get(key)
            level = float(self.burst) if bucket is None else self._level(bucket, now)
            return 0.0 if level >= 1.0 else (1.0 - level) * self.refill_seconds

    def _prune(self, now: float) -> None:
        if len(self._buckets) <= self.max_clients:
            return
        for key in [k for k, b in self._buckets.items() if self._level(b, now) >= self.burst]:
            del self._buckets[key]
        while len(self._buckets) > self.max_clients:
            del self._buckets[next(iter(self._buckets))]  # the longest unused


SUBMISSIONS = RateLimiter(SUBMIT_BURST, SUBMIT_REFILL_SECONDS)
"""The survey's one limiter: every submission of this process spends from it."""


SIGN_IN_PER_CLIENT_BURST = 5
SIGN_IN_PER_CLIENT_REFILL_SECONDS = 30.0
SIGN_IN_OVERALL_BURST = 30
SIGN_IN_OVERALL_REFILL_SECONDS = 4.0


@dataclass
class SignInLimiter:
    """Leader passcode attempts, counted per client address and for the whole process."""

    per_client: RateLimiter
    overall: RateLimiter

    def attempt(self, client: str, now: float) -> float:
        """Spend one attempt of `client` and of everyone: 0 when allowed, else seconds to wait."""
        wait = self.per_client.take(client, now)
        return wait if wait > 0 else self.overall.take("*", now)

    def succeeded(self, client: str, now: float) -> None:
        """A right passcode: its attempt counts against no one."""
        self.per_client.refund(client, now)
        self.overall.refund("*", now)

    def wait(self, client: str, now: float) -> float:
        """Seconds before `client` may try again (0: now), spending nothing."""
        return max(self.per_client.wait(client, now), self.overall.wait("*", now))


SIGN_IN = SignInLimiter(
    RateLimiter(SIGN_IN_PER_CLIENT_BURST, SIGN_IN_PER_CLIENT_REFILL_SECONDS),
    RateLimiter(SIGN_IN_OVERALL_BURST, SIGN_IN_OVERALL_REFILL_SECONDS),
)
"""The sign-in route's one limiter (per process, like `SUBMISSIONS`)."""


def client_key(address: str | None, session: str) -> str:
    """The bucket a client spends from: its address, an IPv6 /64, or its session.

    One IPv6 subscriber usually holds a whole /64, so every address in it is
    one network. Without an address (AppTest; a reverse proxy on the same
    host, which Streamlit reports as local) each browser session gets its own.
    """
    if not address:
        return f"session:{session}"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:  # ::ffff:192.0.2.1 is the IPv4 client 192.0.2.1
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


def too_many_text(wait_seconds: float) -> str:
    """What a respondent reads when their network has used its allowance."""
    minutes = max(1, math.ceil(wait_seconds / 60))
    return (
        "Too many answers from this network in a short time;"
        f" try again in {plural(minutes, 'minute')}."
    )
