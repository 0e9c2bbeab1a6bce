"""Rate limits per client address and per widget (the `limits` library: memory or Redis)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0


class RateLimiter:
    def __init__(self, per_ip: str, per_widget: str, redis_url: str | None = None):
        self.storage: Storage = (
            storage_from_string(f"async+{redis_url}", implementation="redispy")
            if redis_url
            else MemoryStorage()
        )
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.per_ip: RateLimitItem = parse(per_ip)
        self.per_widget: RateLimitItem = parse(per_widget)

    async def hit(self, widget_id: str, client: str) -> Verdict:
        """Count one submission against both limits; refused if either is exhausted."""
        for item, key in ((self.per_ip, f"ip:{client}"), (self.per_widget, f"widget:{widget_id}")):
            if not await self.limiter.test(item, key):
                return Verdict(False, await self._retry_after(item, key))
        for item, key in ((self.per_ip, f"ip:{client}"), (self.per_widget, f"widget:{widget_id}")):
            await self.limiter.hit(item, key)
        return Verdict(True)

    async def _retry_after(self, item: RateLimitItem, key: str) -> int:
        stats = await self.limiter.get_window_stats(item, key)
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def reset(self) -> None:
        await self.storage.reset()
