"""Rate limits per client address and per widget (the `limits` library: memory or Redis).

With one instance the counts live in memory; with many, REDIS_URL makes them shared. If Redis
cannot be reached the limiter lets submissions through (and says so in the log): a homeowner's
valuation matters more than a counter.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import time
from collections import deque
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.util import WindowStats

log = logging.getLogger(__name__)

KEY_PREFIX = "valuation-widget"
# A slow Redis must not hold a homeowner's request: give up quickly and let it through.
REDIS_TIMEOUT_SECONDS = 0.5


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0


def client_bucket(address: str) -> str:
    """The key one client is counted under: its address, or its /64 for IPv6.

    One IPv6 subscriber usually holds a whole /64; counting each address apart would let
    them walk around the limit.
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class RateLimiter:
    def __init__(
        self,
        per_ip: str,
        per_widget: str,
        redis_url: str | None = None,
    ):
        self.limiter: MovingWindowRateLimiter | MemoryWindows
        if redis_url:
            storage = storage_from_string(
                f"async+{redis_url}",
                implementation="redispy",
                key_prefix=KEY_PREFIX,
                wrap_exceptions=True,
                socket_timeout=REDIS_TIMEOUT_SECONDS,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            )
            assert isinstance(storage, Storage), "the async+ scheme always gives asyncio storage"
            self.limiter = MovingWindowRateLimiter(storage)
        else:
            self.limiter = MemoryWindows()
        # "10/minute;100/hour" means both: every item is enforced.
        self.per_ip: list[RateLimitItem] = list(parse_many(per_ip))
        self.per_widget: list[RateLimitItem] = list(parse_many(per_widget))

    async def hit(self, widget_id: str, client: str) -> Verdict:
        """Count one submission against every limit; refused if any is exhausted."""
        checks = [(item, f"ip:{client_bucket(client)}") for item in self.per_ip]
        checks += [(item, f"widget:{widget_id}") for item in self.per_widget]
        try:
            refused = [(i, key) for i, key in checks if not await self.limiter.test(i, key)]
            if refused:
                waits = [await self._retry_after(item, key) for item, key in refused]
                return Verdict(False, max(waits))
            for item, key in checks:
                await self.limiter.hit(item, key)
        except (StorageError, OSError, TimeoutError) as exc:
            log.warning(
                "ratelimit.unavailable: letting the request through",
                extra={"error": type(exc).__name__},
            )
            return Verdict(True)
        return Verdict(True)

    async def aclose(self) -> None:
        """Close the Redis connections, if any: limits' storage offers no close of its own,
        and an unclosed client leaks its sockets when the app stops."""
        if isinstance(self.limiter, MovingWindowRateLimiter):
            bridge = getattr(self.limiter.storage, "bridge", None)
            client = getattr(bridge, "storage", None)
            if client is not None:
                await client.aclose()

    async def _retry_after(self, item: RateLimitItem, key: str) -> int:
        stats = await self.limiter.get_window_stats(item, key)
        return max(1, math.ceil(stats.reset_time - time.time()))


class MemoryWindows:
    """Moving windows in this process's memory: `MovingWindowRateLimiter` over `MemoryStorage`,
    same rules and same answers, without that storage's cost.

    limits' async MemoryStorage starts a task on every hit that hops to a thread once for each
    key it holds, to expire old entries: measured at about 1 ms of CPU per hit with one client
    address, 5 ms with 250. Here old entries are dropped when their key is next used, and keys
    nobody used for a whole window are swept now and then.
    """

    sweep_every = 1000

    def __init__(self) -> None:
        # key -> (window in seconds, times of the hits still inside it, oldest first)
        self._windows: dict[str, tuple[int, deque[float]]] = {}
        self._hits = 0

    def _current(self, item: RateLimitItem, key: str, now: float) -> deque[float]:
        name = item.key_for(key)
        window = self._windows.get(name)
        if window is None:
            window = self._windows[name] = (item.get_expiry(), deque())
        expiry, hits = window
        while hits and hits[0] <= now - expiry:
            hits.popleft()
        return hits

    async def test(self, item: RateLimitItem, key: str) -> bool:
        return len(self._current(item, key, time.time())) < item.amount

    async def hit(self, item: RateLimitItem, key: str) -> bool:
        now = time.time()
        hits = self._current(item, key, now)
        if len(hits) >= item.amount:
            return False
        hits.append(now)
        self._hits += 1
        if self._hits % self.sweep_every == 0:
            self._sweep(now)
        return True

    async def get_window_stats(self, item: RateLimitItem, key: str) -> WindowStats:
        now = time.time()
        hits = self._current(item, key, now)
        start = hits[0] if hits else now
        return WindowStats(start + item.get_expiry(), item.amount - len(hits))

    def _sweep(self, now: float) -> None:
        for name, (expiry, hits) in list(self._windows.items()):
            if not hits or hits[-1] <= now - expiry:
                del self._windows[name]
