"""A short-lived cache of lookup answers per provider and normalised postcode.

In this process's memory: an answer is a few KB, lives minutes, and a miss only costs one more
lookup, so sharing it through Redis is not worth a round trip on every hit. Written here rather
than taken from a library because it is twenty lines: expiry on read plus a size bound (oldest
entries go first).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class TtlCache(Generic[V]):
    """`get`/`put` by key; entries expire `ttl_seconds` after `put` (0 disables the cache)."""

    def __init__(self, ttl_seconds: float, max_entries: int = 10_000):
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, tuple[float, V]] = OrderedDict()

    def get(self, key: Hashable) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, value = entry
        if expires <= time.monotonic():
            del self._entries[key]
            return None
        return value

    def put(self, key: Hashable, value: V) -> None:
        if self.ttl_seconds <= 0:
            return
        self._entries.pop(key, None)
        self._entries[key] = (time.monotonic() + self.ttl_seconds, value)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
