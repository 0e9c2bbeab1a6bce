"""Moved to `tests.support.servers`: import from there. This re-export keeps old imports working."""

from tests.support.servers import *  # noqa: F403
